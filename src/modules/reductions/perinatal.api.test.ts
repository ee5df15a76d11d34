import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { fiscalYearOf } from '../../platform/params/law-params.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { checkPerinatal } from './perinatal.rules.js';

/**
 * 産前産後期間の届出 over HTTP (medium test on the fixture's database): the notification is checked and
 * recorded, queues the mother's household for 更正, and the re-assessment charges neither 所得割 nor 均等割
 * for the period's months; withdrawing it queues again and restores the tax. Every step is audited.
 */
let f: Fixture;
let clerk: Session;
const F = FIXTURE;
const db = () => f.deps.database.db;
const TODAY = todayInJapan();
const FY = fiscalYearOf(TODAY);
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
// A birth month whose period (from the month before) starts in this 年度: this month, or May in April.
const thisMonth = TODAY.slice(0, 7);
const BIRTH = thisMonth.endsWith('-04') ? `${FY}-05` : thisMonth;
const BORN = BIRTH === thisMonth;

const yamada = () => db().selectFrom('assessment').selectAll().where('household_no', '=', F.yamada.household).where('fiscal_year', '=', FY).where('superseded_at', 'is', null).where('address_exception_atena_no', '=', 0).executeTakeFirstOrThrow();

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 50 });
});
afterAll(async () => f?.close());

describe('産前産後期間の届出', () => {
  it('refuses what the rules refuse, naming the field: a man, a malformed month; staff without the permission get 403', async () => {
    const man = await clerk.request('POST', `/api/persons/${F.yamada.head}/perinatal`, { birthMonth: BIRTH, multiple: false, born: BORN, reportedOn: TODAY });
    expect(man.status).toBe(422);
    expect(((await man.json()) as { error: { message: string } }).error.message).toMatch(/^出産予定月: .*男性/);
    const bad = await clerk.request('POST', `/api/persons/${F.yamada.wife}/perinatal`, { birthMonth: '2026-13', multiple: false, born: false, reportedOn: TODAY });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('出産予定月');
    const branch = await f.login('shisho01');
    expect((await branch.request('POST', `/api/persons/${F.yamada.wife}/perinatal`, { birthMonth: BIRTH, multiple: false, born: BORN, reportedOn: TODAY })).status).toBe(403);
    expect(await db().selectFrom('perinatal_notification').selectAll().execute()).toEqual([]);
    expect(await db().selectFrom('reassessment_request').selectAll().where('reason', '=', 'reduction_changed').execute()).toEqual([]);
  });

  it('records the notification, queues the household, and the 更正 leaves the period’s months uncharged; withdrawing restores the tax', async () => {
    const before = await yamada();
    const r = await clerk.request('POST', `/api/persons/${F.yamada.wife}/perinatal`, { birthMonth: BIRTH, multiple: false, born: BORN, reportedOn: TODAY });
    expect(r.status, await r.clone().text()).toBe(201);
    const n = (await r.json()) as { notificationId: number; months: string[] };
    expect(n.months).toHaveLength(4);
    expect(n.months[0]! < BIRTH && n.months[3]! > BIRTH).toBe(true);
    // The same birth again: 409, nothing more written.
    expect((await clerk.request('POST', `/api/persons/${F.yamada.wife}/perinatal`, { birthMonth: BIRTH, multiple: true, born: BORN, reportedOn: TODAY })).status).toBe(409);
    const queued = await db().selectFrom('reassessment_request').select(['household_no', 'fiscal_year', 'source_ref', 'done_at']).where('reason', '=', 'reduction_changed').execute();
    expect(queued).toEqual([{ household_no: F.yamada.household, fiscal_year: FY, source_ref: `perinatal_notification:${n.notificationId}`, done_at: null }]);

    await f.deps.assessments.reassessPending(runner());
    const after = await yamada();
    expect(after.version).toBe(before.version + 1);
    expect(after.cause).toContain('減額の届出');
    const wife = (after.input as { members: { label: string; childbirth?: { month: string } }[] }).members.find((m) => m.label === `宛名番号 ${F.yamada.wife}`);
    expect(wife?.childbirth).toEqual({ month: BIRTH });
    const perinatal = Object.values(after.parts as Record<string, { reductions: { perinatal: number } }>).reduce((s, p) => s + p.reductions.perinatal, 0);
    expect(perinatal).toBeGreaterThan(0);
    expect(after.total_yen).toBeLessThan(before.total_yen);

    const list = (await (await clerk.request('GET', `/api/persons/${F.yamada.wife}/perinatal`)).json()) as { notifications: { notificationId: number; endedAt: string | null }[] };
    expect(list.notifications).toEqual([expect.objectContaining({ notificationId: n.notificationId, endedAt: null })]);

    const w = await clerk.request('POST', `/api/perinatal/${n.notificationId}/withdraw`, { reason: '届出の誤り(別人)' });
    expect(w.status, await w.clone().text()).toBe(200);
    expect((await clerk.request('POST', `/api/perinatal/${n.notificationId}/withdraw`, { reason: '二度目' })).status).toBe(409);
    await f.deps.assessments.reassessPending(runner());
    const restored = await yamada();
    expect(restored.version).toBe(after.version + 1);
    expect(restored.total_yen).toBe(before.total_yen);
    // The row stays, ended; the database refuses any other change to it.
    await expect(db().updateTable('perinatal_notification').set({ multiple: true }).where('notification_id', '=', n.notificationId).execute()).rejects.toThrow();
    const actions = (await db().selectFrom('audit_event').select('action').where('action', 'like', 'perinatal.%').execute()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['perinatal.record', 'perinatal.withdraw', 'perinatal.list']));
  });
});

describe('checkPerinatal (pure)', () => {
  const ok = { today: '2026-11-30', sex: 'female', insuredInPeriod: true, monthsAhead: 6 };
  it('accepts an expected birth up to 6 months ahead and a past birth; refuses a 届出日 ahead, a born month ahead, 7 months ahead, not insured', () => {
    expect(checkPerinatal({ birthMonth: '2027-05', multiple: false, born: false, reportedOn: '2026-11-30' }, ok)).toEqual([]);
    expect(checkPerinatal({ birthMonth: '2026-02', multiple: true, born: true, reportedOn: '2026-11-01' }, ok)).toEqual([]);
    const fields = (n: Parameters<typeof checkPerinatal>[0], f = ok) => checkPerinatal(n, f).map((e) => e.field);
    expect(fields({ birthMonth: '2026-12', multiple: false, born: false, reportedOn: '2026-12-01' })).toEqual(['reportedOn']);
    expect(fields({ birthMonth: '2026-12', multiple: false, born: true, reportedOn: '2026-11-30' })).toEqual(['born']);
    expect(fields({ birthMonth: '2027-06', multiple: false, born: false, reportedOn: '2026-11-30' })).toEqual(['birthMonth']);
    expect(fields({ birthMonth: '2026-12', multiple: false, born: false, reportedOn: '2026-11-30' }, { ...ok, insuredInPeriod: false })).toEqual(['birthMonth']);
  });
});
