import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../testing/fixture.js';
import { routeAccess } from './route.js';

/**
 * Per-record authorization (ASVS 8.2.2): every person-scoped endpoint, called by a user for whom the
 * record is out of scope, answers 403 or 404 with no personal data and leaves a 'denied' audit record.
 * Out of scope here: a tax-department user (nozei01) and a resident outside the NHI file.
 */
let f: Fixture;
let nozei: Session;
let outsideEligibilityId: number;

beforeAll(async () => {
  f = await createFixture();
  nozei = await f.login('nozei01');
  // Nguyen has no eligibility period (that is why he is outside the NHI file); the routes keyed by an
  // eligibility id are all writes, which a tax-department user may not do at all (403 by permission).
  const row = await f.deps.database.db.selectFrom('nhi_eligibility').select('eligibility_id').where('atena_no', '=', FIXTURE.yamada.child).executeTakeFirstOrThrow();
  outsideEligibilityId = row.eligibility_id;
});
afterAll(async () => f?.close());

const scoped = () =>
  [...routeAccess.entries()]
    .filter(([key, access]) => access !== 'public' && /:(atenaNo|householdNo|eligibilityId)\b/.test(key))
    .map(([key, access]) => {
      const [method, path] = key.split(' ') as [string, string];
      return { method, path, access };
    });

describe('every person-scoped endpoint refuses an out-of-scope user', () => {
  it('the list of person-scoped endpoints is not empty (the enumeration works)', () => {
    const list = scoped().map((r) => `${r.method} ${r.path}`);
    expect(list).toEqual(expect.arrayContaining(['GET /api/persons/:atenaNo', 'GET /api/households/:householdNo']));
    expect(list.length).toBeGreaterThanOrEqual(5);
  });

  it('answers 403/404 without personal data and audits a denial, for each endpoint', async () => {
    const failures: string[] = [];
    for (const r of scoped()) {
      const path = r.path
        .replace(':atenaNo', String(FIXTURE.nguyen.person))
        .replace(':householdNo', String(FIXTURE.nguyen.household))
        .replace(':eligibilityId', String(outsideEligibilityId));
      const before = await f.deps.database.db.selectFrom('audit_event').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirstOrThrow();
      const res = await nozei.request(r.method, path, r.method === 'GET' ? undefined : {});
      const text = await res.text();
      const denied = await f.deps.database.db
        .selectFrom('audit_event')
        .select(['outcome', 'actor_id'])
        .where('seq', '>', Number(before.m ?? 0))
        .where('outcome', '=', 'denied')
        .where('actor_id', '=', 'nozei01')
        .execute();
      if (![403, 404].includes(res.status)) failures.push(`${r.method} ${r.path}: status ${res.status}`);
      else if (/NGUYEN|グエン|中村/.test(text)) failures.push(`${r.method} ${r.path}: personal data in the answer`);
      else if (denied.length === 0) failures.push(`${r.method} ${r.path}: no denied audit record`);
    }
    expect(failures).toEqual([]);
  });
});

describe('tax-department staff: a household shows its NHI members and the taxpayer only; out of scope answers as unknown', () => {
  const bodyOf = async (r: Response, no: number) => ({ status: r.status, body: (await r.text()).replace(/"correlationId":"[^"]*"/, '').replaceAll(String(no), 'N') });

  it('an NHI household: its insured members and its 世帯主, never a member outside NHI (nor in its history)', async () => {
    const r = await nozei.request('GET', `/api/households/${FIXTURE.suzuki.household}`);
    expect(r.status).toBe(200);
    const text = await r.text();
    const h = JSON.parse(text) as { members: { atenaNo: number }[]; history: { atenaNo: number | null }[]; headAtenaNo: number | null };
    expect(h.members.map((m) => m.atenaNo)).toEqual([FIXTURE.suzuki.person]);
    expect(h.headAtenaNo).toBe(FIXTURE.suzuki.person);
    expect(h.history.map((x) => x.atenaNo)).not.toContain(FIXTURE.suzuki.child);
    expect(text).not.toMatch(/陽太|ヨウタ|100000022/);
    const ev = await f.deps.database.db.selectFrom('audit_event').select(['subjects']).where('action', '=', 'household.get').where('actor_id', '=', 'nozei01').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev.subjects.map(Number)).toEqual([FIXTURE.suzuki.person]);
    // 擬制世帯主: the head outside NHI is shown as the taxpayer of a household with an insured member.
    const sato = (await (await nozei.request('GET', `/api/households/${FIXTURE.sato.household}`)).json()) as { members: { atenaNo: number }[]; isPseudoHead: boolean };
    expect(sato.members.map((m) => m.atenaNo).sort()).toEqual([FIXTURE.sato.head, FIXTURE.sato.mother].sort());
    expect(sato.isPseudoHead).toBe(true);
  });

  it('an out-of-scope household or person answers exactly as an unknown one (status, code, message)', async () => {
    const unknownHousehold = 599999999;
    for (const outside of [FIXTURE.nguyen.household, FIXTURE.tanaka.household]) {
      expect(await bodyOf(await nozei.request('GET', `/api/households/${outside}`), outside)).toEqual(await bodyOf(await nozei.request('GET', `/api/households/${unknownHousehold}`), unknownHousehold));
    }
    const unknownPerson = 199999999;
    for (const outside of [FIXTURE.nguyen.person, FIXTURE.suzuki.child]) {
      const a = await bodyOf(await nozei.request('GET', `/api/persons/${outside}`), outside);
      expect(a.status).toBe(404);
      expect(a).toEqual(await bodyOf(await nozei.request('GET', `/api/persons/${unknownPerson}`), unknownPerson));
    }
  });
});

