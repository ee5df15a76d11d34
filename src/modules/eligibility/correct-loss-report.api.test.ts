import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';

/** 訂正 with the loss's 届出日: the 14-day rule (施行規則) is judged on it and the new version records 遡及. */
let f: Fixture;
let clerk: Session;
let chief: Session;
const db = () => f.deps.database.db;
const current = (atenaNo: number) => db().selectFrom('nhi_eligibility').selectAll().where('atena_no', '=', atenaNo).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
async function requestAndApprove(path: string, body: unknown) {
  const r = await clerk.request('POST', path, body);
  expect(r.status, await r.clone().text()).toBe(202);
  const { changeId } = (await r.json()) as { changeId: number };
  const a = await chief.request('POST', `/api/approvals/${changeId}/approve`, {});
  expect(a.status, await a.clone().text()).toBe(200);
}

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  chief = await f.login('kakari01');
});
afterAll(async () => f?.close());

it('a correction may state the loss\'s 届出日; 30 days late it is recorded as 遡及, and the change shows the field', async () => {
  const first = await current(FIXTURE.sato.mother);
  await requestAndApprove(`/api/eligibility/${first.eligibility_id}/loss`, { lostOn: '2026-05-01', lossReason: 'other' });
  const lost = await current(FIXTURE.sato.mother);
  expect(lost).toMatchObject({ lost_on: '2026-05-01', loss_reported_on: null, loss_retroactive: false });

  const r = await clerk.request('POST', `/api/eligibility/${lost.eligibility_id}/correct`, { lossReportedOn: '2026-05-31' });
  expect(r.status, await r.clone().text()).toBe(202);
  const { changeId } = (await r.json()) as { changeId: number };
  const pending = (await (await chief.request('GET', '/api/approvals?status=pending')).json()) as { items: { changeId: number; fields: { label: string; after: string | null }[] }[] };
  expect(pending.items.find((c) => c.changeId === changeId)!.fields).toEqual([expect.objectContaining({ label: '資格喪失の届出日', after: '2026-05-31' })]);
  expect((await chief.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(200);
  expect(await current(FIXTURE.sato.mother)).toMatchObject({ lost_on: '2026-05-01', loss_reported_on: '2026-05-31', loss_retroactive: true });

  // Nothing to correct: the same 届出日 again is refused as unchanged.
  const same = await clerk.request('POST', `/api/eligibility/${(await current(FIXTURE.sato.mother)).eligibility_id}/correct`, { lossReportedOn: '2026-05-31' });
  expect(same.status).toBe(409);
});

it('the correction\'s dry run answers the same rule errors as the request, and saves nothing', async () => {
  const row = await current(FIXTURE.yamada.wife);
  const bad = await clerk.request('POST', `/api/eligibility/${row.eligibility_id}/correct/check`, { lostOn: '2009-01-01' });
  expect(bad.status).toBe(200);
  const answer = (await bad.json()) as { errors: { field: string; message: string }[] };
  expect(answer.errors.map((e) => e.field)).toContain('lostOn');
  const refused = await clerk.request('POST', `/api/eligibility/${row.eligibility_id}/correct`, { lostOn: '2009-01-01' });
  expect(refused.status).toBe(422);
  const late = await clerk.request('POST', `/api/eligibility/${row.eligibility_id}/correct/check`, { lostOn: '2026-06-01', lossReason: 'other', lossReportedOn: '2026-07-15' });
  expect(((await late.json()) as { retroactive: { loss: boolean } }).retroactive.loss).toBe(true);
  expect(await current(FIXTURE.yamada.wife)).toMatchObject({ eligibility_id: row.eligibility_id, lost_on: null });
});
