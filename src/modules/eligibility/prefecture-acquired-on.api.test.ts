import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture, type Session } from '../../testing/fixture.js';
import { kanaSearchKey, kanjiSearchKey } from '../../lib/kana.js';
import { asActor } from '../../testing/as-actor.js';

/**
 * 県内転入 (国保法 §5, §7: the prefecture is the insurer since 2018): the clerk records this city's 適用開始日
 * as 資格取得日 and the prefecture-level 資格取得日 from the previous city beside it; both are kept through
 * four-eyes approval, shown, kept when the period is later lost, and the database refuses one that
 * contradicts the rule.
 */
let f: Fixture;
let clerk: Session;
let chief: Session;
const db = () => f.deps.database.db;
const MOVER = 100000091;
const HOUSEHOLD = 500000091;

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  chief = await f.login('kakari01');
  await asActor(db(), 'operator:test-batch', async (tx) => {
    await tx.insertInto('household').values({ household_no: HOUSEHOLD, formed_on: '2026-10-01', valid_from: '2026-10-01', change_reason: 'moved_in', updated_by: 'operator:test-batch' }).execute();
    await tx
      .insertInto('person')
      .values({ atena_no: MOVER, name_kanji: '県内　転入', name_kana: 'ケンナイ　テンニュウ', name_kana_key: kanaSearchKey('ケンナイ　テンニュウ'), name_kanji_key: kanjiSearchKey('県内　転入'), birth_date: '1985-04-04', sex: 'male', resident_kind: 'japanese', resident_status: 'resident', became_resident_on: '2026-10-01', area_code: '0101', banchi: '3-3', address_set_on: '2026-10-01', valid_from: '2026-10-01', change_reason: 'moved_in', updated_by: 'operator:test-batch' })
      .execute();
    await tx.insertInto('household_member').values({ household_no: HOUSEHOLD, atena_no: MOVER, relationship: 'head', member_order: 1, valid_from: '2026-10-01', change_reason: 'moved_in', updated_by: 'operator:test-batch' }).execute();
  });
});
afterAll(async () => f?.close());

describe('県の資格取得日 beside the city’s 適用開始日', () => {
  const body = { householdNo: HOUSEHOLD, acquiredOn: '2026-10-01', acquisitionReason: 'moved_in_within_prefecture', reportedOn: '2026-10-05' };

  it('the dry run reminds the clerk when it is missing and refuses one after the 適用開始日, naming the field', async () => {
    const missing = (await (await clerk.request('POST', `/api/persons/${MOVER}/eligibility/check`, body)).json()) as { errors: unknown[]; warnings: string[] };
    expect(missing.errors).toEqual([]);
    expect(missing.warnings.join()).toMatch(/県の資格取得日/);
    const late = (await (await clerk.request('POST', `/api/persons/${MOVER}/eligibility/check`, { ...body, prefectureAcquiredOn: '2026-10-02' })).json()) as { errors: { field: string; message: string }[] };
    expect(late.errors).toEqual([expect.objectContaining({ field: 'prefectureAcquiredOn', message: expect.stringMatching(/^県の資格取得日: /) })]);
    const wrongReason = await clerk.request('POST', `/api/persons/${MOVER}/eligibility`, { ...body, acquisitionReason: 'moved_in', prefectureAcquiredOn: '2019-06-01' });
    expect(wrongReason.status).toBe(422);
  });

  it('is stored on approval, shown, and kept when the period is lost', async () => {
    const r = await clerk.request('POST', `/api/persons/${MOVER}/eligibility`, { ...body, prefectureAcquiredOn: '2019-06-01' });
    expect(r.status, await r.clone().text()).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    const pending = await db().selectFrom('pending_change').select(['summary']).where('change_id', '=', changeId).executeTakeFirstOrThrow();
    expect(JSON.stringify(pending.summary)).toContain('県の資格取得日');
    expect((await chief.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(200);
    const row = await db().selectFrom('nhi_eligibility').selectAll().where('atena_no', '=', MOVER).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ acquired_on: '2026-10-01', acquisition_reason: 'moved_in_within_prefecture', prefecture_acquired_on: '2019-06-01' });
    const view = (await (await clerk.request('GET', `/api/persons/${MOVER}/eligibility`)).json()) as { current: { prefectureAcquiredOn: string | null }[] };
    expect(view.current[0]!.prefectureAcquiredOn).toBe('2019-06-01');

    const loss = await clerk.request('POST', `/api/eligibility/${row.eligibility_id}/loss`, { lostOn: '2026-11-01', lossReason: 'joined_employee_insurance', reportedOn: '2026-11-05' });
    expect(loss.status, await loss.clone().text()).toBe(202);
    expect((await chief.request('POST', `/api/approvals/${((await loss.json()) as { changeId: number }).changeId}/approve`, {})).status).toBe(200);
    const after = await db().selectFrom('nhi_eligibility').selectAll().where('atena_no', '=', MOVER).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ lost_on: '2026-11-01', prefecture_acquired_on: '2019-06-01' });

    // The database holds the rule too.
    await expect(
      asActor(db(), 'operator:test-batch', async (tx) => {
        await tx.insertInto('nhi_eligibility').values({ atena_no: MOVER, household_no: HOUSEHOLD, insured_symbol: '川1', insured_number: '00500091', branch_no: '02', acquired_on: '2026-12-01', acquisition_reason: 'moved_in', prefecture_acquired_on: '2019-06-01', updated_by: 'operator:test-batch' }).execute();
      }),
    ).rejects.toThrow(/nhi_eligibility_prefecture_acquired_on/);
  });
});
