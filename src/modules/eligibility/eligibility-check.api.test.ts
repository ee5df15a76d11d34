import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';

/**
 * The dry runs (確認) of 資格取得届 and 資格喪失届: the request's own checks on the same input, answered
 * before saving. Nothing changes in nhi_eligibility or pending_change; the read is audited; the request
 * afterwards refuses or warns exactly as the check said.
 */
const F = FIXTURE;
let f: Fixture;
let clerk: Session; // kokuho01: eligibility.update
const db = () => f.deps.database.db;

type Check = { errors: { field: string; label: string; message: string }[]; warnings: string[]; retroactive: { acquisition: boolean; loss: boolean } };
type Refusal = { error: { code: string; message: string; fields?: { field: string; label: string; message: string }[] } };

/** Every row of the tables a request writes (a dry run must leave them as they were). */
const snapshot = async () => ({
  eligibility: await db().selectFrom('nhi_eligibility').selectAll().orderBy('eligibility_id').execute(),
  history: await db().selectFrom('nhi_eligibility_history').selectAll().orderBy('history_id').execute(),
  pending: await db().selectFrom('pending_change').selectAll().orderBy('change_id').execute(),
});
const lastAudit = (action: string) => db().selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
const eligibilityIdOf = async (atenaNo: number) =>
  Number((await db().selectFrom('nhi_eligibility').select('eligibility_id').where('atena_no', '=', atenaNo).where('superseded_at', 'is', null).executeTakeFirstOrThrow()).eligibility_id);

async function check(path: string, body: Record<string, unknown>): Promise<Check> {
  const before = await snapshot();
  const r = await clerk.request('POST', path, body);
  const text = await r.text();
  expect(r.status, text).toBe(200);
  expect(await snapshot(), 'a dry run changes nothing').toEqual(before);
  return JSON.parse(text) as Check;
}

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
});
afterAll(async () => f?.close());

describe('資格取得の確認 POST /api/persons/{atenaNo}/eligibility/check', () => {
  it('a date before the 転入 (住民日): the error the request answers with 422, nothing saved, audited as a read', async () => {
    const body = { householdNo: F.sato.household, acquiredOn: '2009-04-01', acquisitionReason: 'moved_in' };
    const c = await check(`/api/persons/${F.sato.head}/eligibility/check`, body);
    expect(c.errors.map((e) => e.field)).toEqual(['acquiredOn']);
    expect(c.errors[0]!.message).toMatch(/^資格取得日: 住民記録の住民日\(平成22年4月1日\(2010-04-01\)\)より前です/);
    const ev = await lastAudit('eligibility.acquire.check');
    expect(ev).toMatchObject({ actor_id: 'kokuho01', outcome: 'success', function_code: 'eligibility.update' });
    expect(ev.subjects.map(Number)).toEqual([F.sato.head]);
    // The request refuses with the same errors.
    const r = await clerk.request('POST', `/api/persons/${F.sato.head}/eligibility`, body);
    expect(r.status).toBe(422);
    expect(((await r.json()) as Refusal).error.fields).toEqual(c.errors);
  });

  it('overlapping periods and a household the person is not in (insured elsewhere): every error at once', async () => {
    // 山田太郎 is insured from 2010 (open period); 佐藤's household is not his.
    const body = { householdNo: F.sato.household, acquiredOn: '2026-01-05', acquisitionReason: 'left_employee_insurance' };
    const c = await check(`/api/persons/${F.yamada.head}/eligibility/check`, body);
    expect(c.errors.map((e) => e.field).sort()).toEqual(['acquiredOn', 'householdNo']);
    expect(c.errors.find((e) => e.field === 'acquiredOn')!.message).toMatch(/同じ住民の別の資格期間\(資格履歴番号 \d+: 平成22年4月1日\(2010-04-01\)〜\)と重なっています/);
    expect(c.errors.find((e) => e.field === 'householdNo')!.message).toMatch(/世帯番号 500000002 の現在の世帯員ではありません\(現在の世帯: 500000001\)/);
    // In his own household the overlap alone; the request refuses with exactly that.
    const own = { ...body, householdNo: F.yamada.household };
    const c2 = await check(`/api/persons/${F.yamada.head}/eligibility/check`, own);
    expect(c2.errors.map((e) => e.field)).toEqual(['acquiredOn']);
    const r = await clerk.request('POST', `/api/persons/${F.yamada.head}/eligibility`, own);
    expect(r.status).toBe(422);
    expect(((await r.json()) as Refusal).error.fields).toEqual(c2.errors);
  });

  it('a late notification: no error, the 遡及 warning; the request then warns the same and is held', async () => {
    const body = { householdNo: F.sato.household, acquiredOn: '2025-04-01', acquisitionReason: 'left_employee_insurance', reportedOn: '2025-06-02' };
    const c = await check(`/api/persons/${F.sato.head}/eligibility/check`, body);
    expect(c.errors).toEqual([]);
    expect(c.retroactive).toEqual({ acquisition: true, loss: false });
    expect(c.warnings.some((w) => /14日を過ぎています.*遡及/.test(w))).toBe(true);
    const r = await clerk.request('POST', `/api/persons/${F.sato.head}/eligibility`, body);
    expect(r.status).toBe(202);
    const accepted = (await r.json()) as { warnings: string[]; retroactive: Check['retroactive'] };
    expect(accepted.warnings).toEqual(c.warnings);
    expect(accepted.retroactive).toEqual(c.retroactive);
    // Now an acquisition waits: the check answers the request's 409.
    const again = await clerk.request('POST', `/api/persons/${F.sato.head}/eligibility/check`, body);
    expect(again.status).toBe(409);
    expect(((await again.json()) as Refusal).error.code).toBe('pending_exists');
  });

  it('an unknown person answers 404 as the request does, audited as denied; bad input 400', async () => {
    const r = await clerk.request('POST', '/api/persons/199999999/eligibility/check', { householdNo: F.sato.household, acquiredOn: '2025-04-01', acquisitionReason: 'moved_in' });
    expect(r.status).toBe(404);
    expect(await lastAudit('eligibility.acquire.check')).toMatchObject({ outcome: 'denied' });
    const bad = await clerk.request('POST', `/api/persons/${F.sato.head}/eligibility/check`, { householdNo: F.sato.household, acquiredOn: '2025-02-30', acquisitionReason: 'moved_in' });
    expect(bad.status).toBe(400);
  });
});

describe('資格喪失の確認 POST /api/eligibility/{eligibilityId}/loss/check', () => {
  it('a 資格喪失日 before the 資格取得日: the request’s 422 errors, nothing saved, audited naming the person', async () => {
    const id = await eligibilityIdOf(F.yamada.wife);
    const body = { lostOn: '2009-03-31', lossReason: 'joined_employee_insurance' };
    const c = await check(`/api/eligibility/${id}/loss/check`, body);
    expect(c.errors.map((e) => e.field)).toContain('lostOn');
    expect(c.errors.find((e) => e.field === 'lostOn')!.message).toBe('資格喪失日: 資格取得日(平成22年4月1日(2010-04-01))より前の日付です');
    const ev = await lastAudit('eligibility.loss.check');
    expect(ev).toMatchObject({ outcome: 'success', function_code: 'eligibility.update' });
    expect(ev.subjects.map(Number)).toEqual([F.yamada.wife]);
    const r = await clerk.request('POST', `/api/eligibility/${id}/loss`, body);
    expect(r.status).toBe(422);
    expect(((await r.json()) as Refusal).error.fields).toEqual(c.errors);
  });

  it('a loss reported late: 遡及 warned and flagged, as the request answers', async () => {
    const id = await eligibilityIdOf(F.yamada.wife);
    const body = { lostOn: '2025-04-02', lossReason: 'joined_employee_insurance', occurredOn: '2025-04-01', reportedOn: '2025-05-20' };
    const c = await check(`/api/eligibility/${id}/loss/check`, body);
    expect(c.errors).toEqual([]);
    expect(c.retroactive).toEqual({ acquisition: false, loss: true });
    const r = await clerk.request('POST', `/api/eligibility/${id}/loss`, body);
    expect(r.status).toBe(202);
    const accepted = (await r.json()) as { warnings: string[]; retroactive: Check['retroactive'] };
    expect(accepted.warnings).toEqual(c.warnings);
    expect(accepted.retroactive).toEqual(c.retroactive);
  });

  it('an unknown period answers 404', async () => {
    const r = await clerk.request('POST', '/api/eligibility/999999/loss/check', { lostOn: '2025-04-02', lossReason: 'moved_out' });
    expect(r.status).toBe(404);
  });
});
