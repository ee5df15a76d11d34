import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { asActor as withActor } from '../../testing/as-actor.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { addHousehold } from '../assessment/assessment.test-support.js';

/**
 * 国保世帯の状態の自動適用 (nhi-status-sync): the 擬制世帯主 and 特定同一世帯所属者 periods the rules derive
 * are started and ended by the daily job on the day their condition began or ceased, reviewed as work
 * items, re-assessed; a second run changes nothing; a change due before the window stays a notice.
 */
let f: Fixture;
const db = () => f.deps.database.db;
const job = () => operatorActor('nhi-status-sync', new Set(['eligibility.update']));
const TODAY = '2026-06-30';
const SINCE = '2026-05-30';
const actor = 'operator:test@host/nhi-status-sync';
const asActor = (q: (tx: Kysely<DB>) => Promise<unknown>) => withActor(db(), actor, q);
const statuses = (householdNo: number) =>
  db().selectFrom('nhi_household_status').select(['atena_no', 'kind', 'valid_from', 'valid_to', 'basis']).where('household_no', '=', householdNo).orderBy('status_id').execute();
const items = (householdNo: number) => db().selectFrom('work_item').select(['kind', 'atena_no', 'suggested_date', 'basis']).where('household_no', '=', householdNo).orderBy('work_item_id').execute();
const queued = (householdNo: number) =>
  db().selectFrom('reassessment_request').select(['reason', 'effective_on', 'source_ref']).where('household_no', '=', householdNo).where('source_ref', 'like', 'nhi_status:%').execute();

let pseudo: { householdNo: number; atenaNos: number[] };
let legacy: { householdNo: number; atenaNos: number[] };
let specific: { householdNo: number; atenaNos: number[] };
let toLate: { householdNo: number; atenaNos: number[] };

beforeAll(async () => {
  f = await createFixture();
  // The head is not insured; the member joins NHI inside the window.
  pseudo = await addHousehold(db(), [{ birthDate: '1970-01-01', head: true }, { birthDate: '2000-01-01', insured: [{ from: '2026-06-10' }] }]);
  // The same situation since 2020: due long before the window.
  legacy = await addHousehold(db(), [{ birthDate: '1971-01-01', head: true }, { birthDate: '2001-01-01', insured: [{ from: '2020-04-01' }] }]);
  // 特定同一世帯所属者: the head moved to 後期; his wife stays insured. The head leaves the household on 6月15日.
  specific = await addHousehold(db(), [
    { birthDate: '1950-03-01', head: true, insured: [{ from: '2010-04-01', to: '2025-03-01', lossReason: 'late_elderly' }] },
    { birthDate: '1960-01-01', insured: [{ from: '2010-04-01' }] },
  ]);
  // A grandmother reaches 75 inside the window; her son stays insured.
  toLate = await addHousehold(db(), [
    { birthDate: '1975-01-01', head: true, insured: [{ from: '2010-04-01' }] },
    { birthDate: '1951-06-20', insured: [{ from: '2010-04-01', to: '2026-06-20', lossReason: 'late_elderly' }] },
  ]);
  const [oldHead, wife] = specific.atenaNos as [number, number];
  await asActor(async (tx) => {
    await tx.insertInto('nhi_household_status').values({ atena_no: oldHead, household_no: specific.householdNo, kind: 'specific_same_household', valid_from: '2025-03-01', basis: '後期高齢者医療へ移行', updated_by: actor }).execute();
    await tx.updateTable('household_member').set({ valid_to: '2026-06-15', change_reason: 'household_split' }).where('atena_no', 'in', [oldHead, wife]).where('household_no', '=', specific.householdNo).execute();
    await tx.insertInto('household_member').values({ household_no: specific.householdNo, atena_no: wife, relationship: 'head', member_order: 1, valid_from: '2026-06-15', change_reason: 'head_changed', updated_by: actor }).execute();
  });
});
afterAll(async () => f?.close());

describe('nhi-status-sync', () => {
  it('starts the 擬制世帯主 period on the day the member joined NHI, for review, and queues the 更正', async () => {
    const r = await f.deps.nhiHousehold.syncStatuses(job(), TODAY, SINCE);
    expect(r.started).toBeGreaterThanOrEqual(1);
    expect(await statuses(pseudo.householdNo)).toEqual([{ atena_no: pseudo.atenaNos[0], kind: 'pseudo_head', valid_from: '2026-06-10', valid_to: null, basis: expect.stringContaining('自動適用') }]);
    const w = await items(pseudo.householdNo);
    expect(w).toEqual([{ kind: 'household_review', atena_no: pseudo.atenaNos[0], suggested_date: '2026-06-10', basis: expect.stringContaining('擬制世帯主の期間を令和8年6月10日(2026-06-10)から自動で開始しました') }]);
    expect((await queued(pseudo.householdNo)).map((q) => [q.reason, q.effective_on])).toEqual([['status_changed', '2026-06-10']]);
  });

  it('ends the 特定同一世帯所属者 period on the day the person left the household (a new head from that day)', async () => {
    expect((await statuses(specific.householdNo)).map((s) => [s.kind, s.valid_to])).toEqual([['specific_same_household', '2026-06-15']]);
    expect((await items(specific.householdNo))[0]!.basis).toContain('特定同一世帯所属者の期間を令和8年6月15日(2026-06-15)で自動で終了しました(世帯から転出・世帯変更した)');
  });

  it('starts the 特定同一世帯所属者 period on the day a member left NHI for 後期高齢者医療 while the household stays insured', async () => {
    expect(await statuses(toLate.householdNo)).toEqual([{ atena_no: toLate.atenaNos[1], kind: 'specific_same_household', valid_from: '2026-06-20', valid_to: null, basis: expect.stringContaining('後期高齢者医療へ移行') }]);
    expect((await items(toLate.householdNo))[0]!.basis).toContain('特定同一世帯所属者の期間を令和8年6月20日(2026-06-20)から自動で開始しました');
  });

  it('leaves a change due before the window to staff (the household page shows it as a notice)', async () => {
    expect(await statuses(legacy.householdNo)).toEqual([]);
    expect(await items(legacy.householdNo)).toEqual([]);
  });

  it('a second run changes nothing', async () => {
    const before = { s: await statuses(pseudo.householdNo), w: (await items(pseudo.householdNo)).length, q: (await queued(pseudo.householdNo)).length };
    const r = await f.deps.nhiHousehold.syncStatuses(job(), TODAY, SINCE);
    expect([r.started, r.ended, r.referred]).toEqual([0, 0, 0]);
    expect({ s: await statuses(pseudo.householdNo), w: (await items(pseudo.householdNo)).length, q: (await queued(pseudo.householdNo)).length }).toEqual(before);
  });

  it('ends the 擬制世帯主 period on the day the head himself joins NHI', async () => {
    const [head] = pseudo.atenaNos as [number];
    await asActor((tx) =>
      tx
        .insertInto('nhi_eligibility')
        .values({ atena_no: head, household_no: pseudo.householdNo, insured_symbol: '川9', insured_number: String(pseudo.householdNo).slice(-8), branch_no: '09', acquired_on: '2026-06-20', acquisition_reason: 'moved_in', updated_by: actor })
        .execute(),
    );
    const r = await f.deps.nhiHousehold.syncStatuses(job(), TODAY, SINCE);
    expect(r.ended).toBe(1);
    expect((await statuses(pseudo.householdNo)).map((s) => [s.kind, s.valid_from, s.valid_to])).toEqual([['pseudo_head', '2026-06-10', '2026-06-20']]);
    expect((await items(pseudo.householdNo)).at(-1)!.basis).toContain('擬制世帯主の期間を令和8年6月20日(2026-06-20)で自動で終了しました(世帯主が被保険者)');
  });

  it('is audited as the job, naming the persons it changed', async () => {
    const rows = await db().selectFrom('audit_event').select(['action', 'subjects']).where('action', '=', 'nhi_household.status_sync').execute();
    expect(rows.length).toBe(3);
    expect(JSON.stringify(rows[0]!.subjects)).toContain(String(pseudo.atenaNos[0]));
  });
});
