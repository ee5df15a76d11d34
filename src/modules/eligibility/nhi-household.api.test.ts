import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';

const F = FIXTURE;
let f: Fixture;
let clerk: Session; // kokuho01: eligibility.update
let chief: Session; // kakari01: approval

const db = () => f.deps.database.db;
const errOf = async (r: Response) => ((await r.json()) as { error: { code: string; fields?: { field: string; message: string }[] } }).error;
async function asBatch(fn: (tx: Transaction<DB>) => Promise<unknown>) {
  await db().transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', 'operator:test-batch', true)`.execute(tx);
    await fn(tx);
  });
}
type NhiHousehold = {
  exists: boolean;
  head: { atenaNo: number; insured: boolean; byApplication: boolean } | null;
  pseudoHead: boolean;
  members: { atenaNo: number; basis: string }[];
  addressException: { atenaNo: number }[];
  statuses: { statusId: number; atenaNo: number; kind: string; validFrom: string; validTo: string | null; inForce: boolean; ownHouseholdNo: number | null }[];
  notices: string[];
};
const nhi = async (householdNo: number, asOf?: string) => {
  const r = await clerk.request('GET', `/api/households/${householdNo}/nhi${asOf ? `?asOf=${asOf}` : ''}`);
  expect(r.status).toBe(200);
  return (await r.json()) as NhiHousehold;
};
async function requestAndApprove(path: string, body: unknown) {
  const r = await clerk.request('POST', path, body);
  expect(r.status, await r.clone().text()).toBe(202);
  const { changeId } = (await r.json()) as { changeId: number };
  const a = await chief.request('POST', `/api/approvals/${changeId}/approve`, {});
  expect(a.status, await a.clone().text()).toBe(200);
  return changeId;
}

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  chief = await f.login('kakari01');
});
afterAll(async () => f?.close());

describe('the NHI household as of 4月1日 (賦課) and 8月1日 (負担割合)', () => {
  it('a head not insured is the taxpayer: 擬制世帯主; the read is audited', async () => {
    const h = await nhi(F.sato.household, '2026-04-01');
    expect(h).toMatchObject({ exists: true, head: { atenaNo: F.sato.head, insured: false, byApplication: false }, pseudoHead: true, members: [{ atenaNo: F.sato.mother, basis: 'registry' }] });
    expect(h.notices.join()).toContain('擬制世帯主の期間を開始する必要があります');
    const ev = await db().selectFrom('audit_event').selectAll().where('action', '=', 'nhi_household.get').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev.subjects.map(Number).sort()).toEqual([F.sato.head, F.sato.mother].sort());
  });

  it('an insured head: no 擬制世帯主; today by default', async () => {
    expect(await nhi(F.yamada.household)).toMatchObject({ head: { atenaNo: F.yamada.head, insured: true }, pseudoHead: false });
  });

  it('世帯主変更の申出 through approval: from its first day the insured member is the 国保上の世帯主', async () => {
    await requestAndApprove(`/api/persons/${F.sato.mother}/nhi-household-status`, { kind: 'head_by_application', householdNo: F.sato.household, validFrom: '2026-05-01', reportedOn: '2026-05-01' });
    const april = await nhi(F.sato.household, '2026-04-01');
    expect(april).toMatchObject({ head: { atenaNo: F.sato.head }, pseudoHead: true });
    const august = await nhi(F.sato.household, '2026-08-01');
    expect(august).toMatchObject({ head: { atenaNo: F.sato.mother, insured: true, byApplication: true }, pseudoHead: false });
    expect(august.statuses).toEqual([expect.objectContaining({ kind: 'head_by_application', validFrom: '2026-05-01', validTo: null, inForce: true })]);
  });

  it('ending the period through approval keeps the old version in the history', async () => {
    const [s] = (await nhi(F.sato.household, '2026-08-01')).statuses;
    await requestAndApprove(`/api/nhi-household-status/${s!.statusId}/end`, { validTo: '2026-10-01' });
    expect(await nhi(F.sato.household, '2026-10-01')).toMatchObject({ head: { atenaNo: F.sato.head }, pseudoHead: true });
    const hist = await db().selectFrom('nhi_household_status_history').selectAll().where('row_key', '=', String(s!.statusId)).execute();
    expect(hist).toHaveLength(1);
    expect(hist[0]!.changed_fields).toEqual(['valid_to']);
    expect(hist[0]!.superseded_by).toBe('staff:kakari01');
  });
});

describe('rule checks (422) before anything waits for approval', () => {
  it('the head by application must be insured on the day', async () => {
    const r = await clerk.request('POST', `/api/persons/${F.sato.head}/nhi-household-status`, { kind: 'head_by_application', householdNo: F.sato.household, validFrom: '2026-11-01' });
    expect(r.status).toBe(422);
    expect((await errOf(r)).fields?.map((x) => x.field)).toContain('validFrom');
  });

  it('住所地特例 needs a facility name and kind, and refuses a 児童福祉施設', async () => {
    const none = await clerk.request('POST', `/api/persons/${F.yamada.wife}/nhi-household-status`, { kind: 'address_exception', householdNo: F.yamada.household, validFrom: '2026-11-01' });
    expect(none.status).toBe(422);
    expect((await errOf(none)).fields?.map((x) => x.field)).toEqual(['facilityName', 'facilityKind']);
    const child = await clerk.request('POST', `/api/persons/${F.yamada.child}/nhi-household-status`, {
      kind: 'address_exception', householdNo: F.yamada.household, validFrom: '2026-11-01', facilityName: '〇〇学園', facilityKind: 'child_welfare',
    });
    expect(child.status).toBe(422);
    expect((await errOf(child)).fields?.[0]?.message).toContain('児童福祉施設');
  });

  it('修学中の特例 requires insurance through the parent household', async () => {
    const r = await clerk.request('POST', `/api/persons/${F.yamada.child}/nhi-household-status`, { kind: 'student_exception', householdNo: F.sato.household, validFrom: '2026-11-01', schoolName: '京都大学' });
    expect(r.status).toBe(422);
    expect((await errOf(r)).fields?.map((x) => x.field)).toEqual(['householdNo']);
  });

  it('住所地特例 approved: the person is alone in their NHI household, off the household’s', async () => {
    await requestAndApprove(`/api/persons/${F.yamada.wife}/nhi-household-status`, {
      kind: 'address_exception', householdNo: F.yamada.household, validFrom: '2026-06-01', facilityName: '〇〇特別養護老人ホーム', facilityKind: 'elderly_home',
    });
    const h = await nhi(F.yamada.household, '2026-08-01');
    expect(h.members.map((m) => m.atenaNo)).toEqual([F.yamada.head, F.yamada.child]);
    expect(h.addressException.map((m) => m.atenaNo)).toEqual([F.yamada.wife]);
    // Her own one-person NHI household has a 国保世帯番号 of its own, drawn when the period was recorded.
    const own = h.statuses.find((x) => x.atenaNo === F.yamada.wife && x.kind === 'address_exception' && x.inForce)!.ownHouseholdNo;
    expect(own).toBeGreaterThanOrEqual(9000000001);
    expect(h.statuses.filter((x) => x.kind !== 'address_exception').every((x) => x.ownHouseholdNo === null)).toBe(true);
  });
});

describe('database', () => {
  it('refuses two periods of one kind for a person that overlap (exclusion constraint), and a 住所地特例 without its facility', async () => {
    const row = (validFrom: string, validTo: string | null) => ({
      atena_no: F.suzuki.person, household_no: F.suzuki.household, kind: 'student_exception' as const, valid_from: validFrom, valid_to: validTo, school_name: '大学', updated_by: 'operator:test-batch',
    });
    await asBatch((tx) => tx.insertInto('nhi_household_status').values(row('2026-04-01', '2026-09-01')).execute());
    await expect(asBatch((tx) => tx.insertInto('nhi_household_status').values(row('2026-08-01', null)).execute())).rejects.toThrow(/nhi_household_status_no_overlap/);
    await asBatch((tx) => tx.insertInto('nhi_household_status').values(row('2026-09-01', null)).execute()); // adjacent: half-open
    await expect(
      asBatch((tx) => tx.insertInto('nhi_household_status').values({ ...row('2026-04-01', null), kind: 'address_exception', school_name: null }).execute()),
    ).rejects.toThrow(/check/);
  });

  it('draws each 住所地特例 its own 国保世帯番号, skipping a registry 世帯番号, never another kind, never changed', async () => {
    const next = Number((await sql<{ n: string }>`SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END AS n FROM nhi_own_household_no`.execute(db())).rows[0]!.n);
    // The registry happens to use the next number: it is skipped.
    await asBatch((tx) => tx.insertInto('household').values({ household_no: next, formed_on: '2026-01-01', valid_from: '2026-01-01', change_reason: 'moved_in', updated_by: 'operator:test-batch' }).execute());
    const exception = { atena_no: F.tanaka.person, household_no: F.tanaka.household, kind: 'address_exception' as const, facility_name: '架空の家(他市)', facility_kind: 'hospital' as const, updated_by: 'operator:test-batch' };
    await asBatch((tx) => tx.insertInto('nhi_household_status').values([{ ...exception, valid_from: '2025-04-01', valid_to: '2025-10-01' }, { ...exception, valid_from: '2026-04-01', valid_to: null, own_household_no: 1 }]).execute());
    const rows = await db().selectFrom('nhi_household_status').select(['status_id', 'own_household_no']).where('atena_no', '=', F.tanaka.person).orderBy('valid_from').execute();
    const numbers = rows.map((r) => Number(r.own_household_no));
    expect(numbers[0]).toBeGreaterThan(next); // not the registry's, and not the 1 a writer tried to choose
    expect(numbers[1]).toBeGreaterThan(numbers[0]!);
    await expect(asBatch((tx) => tx.updateTable('nhi_household_status').set({ own_household_no: next }).where('status_id', '=', rows[0]!.status_id).execute())).rejects.toThrow(/国保世帯番号/);
    await expect(asBatch((tx) => tx.updateTable('nhi_household_status').set({ kind: 'pseudo_head', facility_name: null, facility_kind: null }).where('status_id', '=', rows[0]!.status_id).execute())).rejects.toThrow(/変更できません/);
  });
});
