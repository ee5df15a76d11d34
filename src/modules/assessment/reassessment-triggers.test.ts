import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { fiscalYearOf } from '../../platform/params/law-params.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { INTAKE_COLUMNS, type IntakeColumn } from '../registry/registry-events.js';
import { addHousehold } from './assessment.test-support.js';

/**
 * 更正 from every kind of change (medium tests on the fixture's database): a 資格 loss approved through
 * four-eyes, a 国保世帯 status period (世帯主変更の申出), and the 住基 intake (a death applied by the
 * system, a 世帯主変更; a 転居 changes nothing) each queue their households in the change's own
 * transaction; the queue's run re-assesses them with the cause named, and marks the requests done.
 */
let f: Fixture;
let clerk: Session;
let chief: Session;
const db = () => f.deps.database.db;
const TODAY = todayInJapan();
const FY = fiscalYearOf(TODAY);
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
const registry = () => operatorActor('registry-test', new Set(['registry.intake']));

let couple: { householdNo: number; atenaNos: number[] };
let family: { householdNo: number; atenaNos: number[] };

const requestsOf = (householdNo: number) =>
  db().selectFrom('reassessment_request').select(['fiscal_year', 'reason', 'source_ref', 'effective_on', 'done_at', 'atena_no']).where('household_no', '=', householdNo).orderBy('request_id').execute();
const currentVersion = (householdNo: number) =>
  db().selectFrom('assessment').selectAll().where('household_no', '=', householdNo).where('fiscal_year', '=', FY).where('address_exception_atena_no', '=', 0).where('superseded_at', 'is', null).executeTakeFirstOrThrow();

function csv(lines: Partial<Record<IntakeColumn, string>>[]): Uint8Array {
  const row = (v: Partial<Record<IntakeColumn, string>>) => INTAKE_COLUMNS.map((c) => v[c] ?? '').join(',');
  return new TextEncoder().encode([INTAKE_COLUMNS.join(','), ...lines.map(row)].join('\r\n'));
}

async function requestAndApprove(path: string, body: unknown): Promise<number> {
  const r = await clerk.request('POST', path, body);
  expect(r.status, await r.clone().text()).toBe(202);
  const { changeId } = (await r.json()) as { changeId: number };
  const a = await chief.request('POST', `/api/approvals/${changeId}/approve`, {});
  expect(a.status, await a.clone().text()).toBe(200);
  return changeId;
}

/** A day of this 年度, `months` after 4月1日 (tests run on any day: the change must lie in the current 年度). */
const dayOfYear = (months: number) => `${months < 9 ? FY : FY + 1}-${String(((3 + months) % 12) + 1).padStart(2, '0')}-01`;
const pastDay = (): string => {
  // The latest first-of-month of this 年度 not after today (4月1日 at the earliest).
  let best = `${FY}-04-01`;
  for (let m = 0; m < 12; m++) if (dayOfYear(m) <= TODAY) best = dayOfYear(m);
  return best;
};

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  chief = await f.login('kakari01');
  couple = await addHousehold(db(), [{ birthDate: '1980-05-10', head: true, insured: [{ from: '2015-04-01' }], salary: 5_200_000 }, { birthDate: '1983-03-02', insured: [{ from: '2015-04-01' }], salary: 900_000 }], FY);
  family = await addHousehold(db(), [{ birthDate: '1975-01-10', head: true, insured: [{ from: '2015-04-01' }], business: 2_000_000 }, { birthDate: '1978-08-08', insured: [{ from: '2015-04-01' }], salary: 1_000_000 }, { birthDate: '2010-02-02', insured: [{ from: '2015-04-01' }] }], FY);
  await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 50 });
});
afterAll(async () => f?.close());

describe('a change queues its 更正 in its own transaction', () => {
  it('a 資格喪失 approved through four-eyes: the household is queued from the 喪失日, and the queue’s run re-assesses it for the months left', async () => {
    const before = await currentVersion(couple.householdNo);
    const spouse = couple.atenaNos[1]!;
    const row = await db().selectFrom('nhi_eligibility').select('eligibility_id').where('atena_no', '=', spouse).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
    const lostOn = pastDay();
    // Requested, not yet approved: nothing queued.
    const r = await clerk.request('POST', `/api/eligibility/${row.eligibility_id}/loss`, { lostOn, lossReason: 'joined_employee_insurance', reportedOn: TODAY });
    expect(r.status, await r.clone().text()).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    expect(await requestsOf(couple.householdNo)).toEqual([]);
    expect((await chief.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(200);
    expect(await requestsOf(couple.householdNo)).toEqual([{ fiscal_year: FY, reason: 'eligibility_changed', source_ref: `pending_change:${changeId}`, effective_on: lostOn, done_at: null, atena_no: spouse }]);

    const run = await f.deps.assessments.reassessPending(runner());
    const mine = run.outcomes.filter((o) => o.householdNo === couple.householdNo);
    expect(mine).toHaveLength(1);
    const after = await currentVersion(couple.householdNo);
    expect(after.version).toBe(before.version + 1);
    expect(after.reason).toBe('correction');
    expect(after.cause).toContain('資格の異動');
    expect(after.cause).toContain(`pending_change:${changeId}`);
    // Fewer insured months (the spouse until the month before the 喪失日): never more tax.
    if (lostOn > `${FY}-04-01`) expect(after.total_yen).toBeLessThan(before.total_yen);
    else expect(after.total_yen).toBeLessThanOrEqual(before.total_yen);
    expect((await requestsOf(couple.householdNo)).every((q) => q.done_at !== null)).toBe(true);
    // Run again: nothing waits, nothing changes.
    expect((await f.deps.assessments.reassessPending(runner())).households).toBe(0);
    expect((await currentVersion(couple.householdNo)).version).toBe(after.version);
  });

  it('a 国保世帯 status period (世帯主変更の申出) queues the household from its first day, with its own reason', async () => {
    const changeId = await requestAndApprove(`/api/persons/${FIXTURE.sato.mother}/nhi-household-status`, { kind: 'head_by_application', householdNo: FIXTURE.sato.household, validFrom: pastDay(), reportedOn: TODAY });
    const queued = await requestsOf(FIXTURE.sato.household);
    expect(queued).toEqual([expect.objectContaining({ fiscal_year: FY, reason: 'status_changed', source_ref: `pending_change:${changeId}`, effective_on: pastDay(), done_at: null })]);
    await f.deps.assessments.reassessPending(runner());
    expect((await requestsOf(FIXTURE.sato.household)).every((q) => q.done_at !== null)).toBe(true);
  });

  it('the 住基 intake: a death the system applies and a 世帯主変更 queue the household; a 転居 does not; a replayed file queues nothing more', async () => {
    const [head, spouse] = family.atenaNos as [number, number];
    const day = pastDay();
    const file = csv([
      { event_id: 'RT-MOVE-1', event_code: '31', occurred_on: day, reported_on: TODAY, atena_no: String(head), area_code: '0102', banchi: '1-2-3' },
      { event_id: 'RT-DEATH-1', event_code: '25', occurred_on: day, reported_on: TODAY, atena_no: String(head) },
      { event_id: 'RT-HEAD-1', event_code: '34', occurred_on: day, reported_on: TODAY, atena_no: String(spouse), household_no: String(family.householdNo), relationship: '世帯主' },
    ]);
    await f.deps.registry.importFile(registry(), file, { fileName: 'reassess.csv' });
    const queued = await requestsOf(family.householdNo);
    expect(queued.map((q) => [q.reason, q.source_ref])).toEqual([
      ['eligibility_changed', 'registry_event:RT-DEATH-1'],
      ['household_changed', 'registry_event:RT-HEAD-1'],
    ]);
    await f.deps.registry.importFile(registry(), file, { fileName: 'reassess-again.csv' });
    expect(await requestsOf(family.householdNo)).toHaveLength(2);

    const before = await currentVersion(family.householdNo);
    await f.deps.assessments.reassessPending(runner());
    const after = await currentVersion(family.householdNo);
    expect(after.version).toBe(before.version + 1);
    expect(after.cause).toMatch(/資格の異動.*世帯の異動|世帯の異動.*資格の異動/);
    // The 納税義務者 is the 世帯主 of 4月1日 (a death later in the 年度 leaves it there); the head's months end.
    if (day > `${FY}-04-01`) expect(after.total_yen).toBeLessThan(before.total_yen);
  });
});
