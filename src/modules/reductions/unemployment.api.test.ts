import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { fiscalYearOf } from '../../platform/params/law-params.js';
import { addDays, todayInJapan } from '../eligibility/eligibility.rules.js';

/**
 * 非自発的失業の届出 over HTTP (medium test on the fixture's database): the notification is checked and
 * recorded, queues the person's household for 更正, and the re-assessment counts 給与所得 × 30/100 for the
 * months of the period (its input carries the period); withdrawing it queues again and restores the tax.
 */
let f: Fixture;
let clerk: Session;
const F = FIXTURE;
const db = () => f.deps.database.db;
const TODAY = todayInJapan();
const FY = fiscalYearOf(TODAY);
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
// 離職 on the last day of last month: the period starts this month (in April: the whole 年度).
const SEPARATED = addDays(`${TODAY.slice(0, 7)}-01`, -1);

const yamada = () => db().selectFrom('assessment').selectAll().where('household_no', '=', F.yamada.household).where('fiscal_year', '=', FY).where('superseded_at', 'is', null).where('address_exception_atena_no', '=', 0).executeTakeFirstOrThrow();

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  // The head's salary of the year before, so that there is 所得割 to reduce.
  const income = await clerk.request('POST', `/api/persons/${F.yamada.head}/income-returns`, {
    fiscalYear: FY, declaredOn: TODAY, salaryRevenue: 5_000_000, familyEmployeeSalary: 0, pensionRevenue: 0, businessRevenue: 0, businessIncome: 0,
    realEstateRevenue: 0, realEstateIncome: 0, dividendIncome: 0, miscIncome: 0, separateCapitalGains: 0, otherIncome: 0,
  });
  expect(income.status, await income.clone().text()).toBeLessThan(300);
  await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 50 });
  await f.deps.assessments.reassessPending(runner());
});
afterAll(async () => f?.close());

describe('非自発的失業の届出', () => {
  it('refuses what the rules refuse, naming the field: 25 (定年退職), a malformed code; staff without the permission get 403', async () => {
    const retired = await clerk.request('POST', `/api/persons/${F.yamada.head}/unemployment`, { separatedOn: SEPARATED, reasonCode: '25', reportedOn: TODAY });
    expect(retired.status).toBe(422);
    expect(((await retired.json()) as { error: { message: string } }).error.message).toMatch(/^離職理由コード: 25 は軽減の対象ではありません/);
    const bad = await clerk.request('POST', `/api/persons/${F.yamada.head}/unemployment`, { separatedOn: SEPARATED, reasonCode: '1', reportedOn: TODAY });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('離職理由コード');
    const branch = await f.login('shisho01');
    expect((await branch.request('POST', `/api/persons/${F.yamada.head}/unemployment`, { separatedOn: SEPARATED, reasonCode: '11', reportedOn: TODAY })).status).toBe(403);
    expect(await db().selectFrom('unemployment_notification').selectAll().execute()).toEqual([]);
    expect(await db().selectFrom('reassessment_request').selectAll().where('reason', '=', 'reduction_changed').execute()).toEqual([]);
  });

  it('records the notification, queues the household, and the 更正 counts the reduced 給与所得 for the period; withdrawing restores the tax', async () => {
    const before = await yamada();
    const r = await clerk.request('POST', `/api/persons/${F.yamada.head}/unemployment`, { separatedOn: SEPARATED, reasonCode: '11', reportedOn: TODAY });
    expect(r.status, await r.clone().text()).toBe(201);
    const n = (await r.json()) as { notificationId: number; from: string; until: string };
    expect(n.from).toBe(`${TODAY.slice(0, 7)}-01`);
    expect(n.until).toBe(`${fiscalYearOf(n.from) + 2}-04-01`);
    // A second one overlapping the period: 409, nothing more written.
    expect((await clerk.request('POST', `/api/persons/${F.yamada.head}/unemployment`, { separatedOn: SEPARATED, reasonCode: '12', reportedOn: TODAY })).status).toBe(409);
    const queued = await db().selectFrom('reassessment_request').select(['household_no', 'fiscal_year', 'source_ref', 'done_at']).where('reason', '=', 'reduction_changed').execute();
    expect(queued).toEqual([{ household_no: F.yamada.household, fiscal_year: FY, source_ref: `unemployment_notification:${n.notificationId}`, done_at: null }]);

    await f.deps.assessments.reassessPending(runner());
    const after = await yamada();
    expect(after.version).toBe(before.version + 1);
    expect(after.cause).toContain('減額の届出');
    const head = (after.input as { members: { label: string; unemployment?: { from: string } }[] }).members.find((m) => m.label === `宛名番号 ${F.yamada.head}`);
    expect(head?.unemployment).toEqual({ from: n.from });
    expect(after.total_yen).toBeLessThan(before.total_yen);

    const list = (await (await clerk.request('GET', `/api/persons/${F.yamada.head}/unemployment`)).json()) as { notifications: { notificationId: number; endedAt: string | null }[] };
    expect(list.notifications).toEqual([expect.objectContaining({ notificationId: n.notificationId, endedAt: null })]);

    const w = await clerk.request('POST', `/api/unemployment/${n.notificationId}/withdraw`, { reason: '届出の誤り(離職理由の確認違い)' });
    expect(w.status, await w.clone().text()).toBe(200);
    expect((await clerk.request('POST', `/api/unemployment/${n.notificationId}/withdraw`, { reason: '二度目' })).status).toBe(409);
    const requeued = await db().selectFrom('reassessment_request').select('source_ref').where('reason', '=', 'reduction_changed').where('done_at', 'is', null).execute();
    expect(requeued).toEqual([{ source_ref: `unemployment_notification:${n.notificationId}-withdrawn` }]);
    await f.deps.assessments.reassessPending(runner());
    const restored = await yamada();
    expect(restored.version).toBe(after.version + 1);
    expect(restored.total_yen).toBe(before.total_yen);
    // The row stays, ended; the database refuses any other change to it.
    await expect(db().updateTable('unemployment_notification').set({ reason_code: '12' }).where('notification_id', '=', n.notificationId).execute()).rejects.toThrow();
    const actions = (await db().selectFrom('audit_event').select('action').where('action', 'like', 'unemployment.%').execute()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['unemployment.record', 'unemployment.withdraw', 'unemployment.list']));
  });
});
