import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../testing/fixture.js';
import { DEMO_STAFF } from '../bootstrap.js';
import { fakeMyNumber } from '../lib/mynumber.js';
import { routeAccess } from './route.js';
import { operatorActor } from '../security/actor.js';

/**
 * DV等支援措置 follows the address: suzuki.person is flagged; her unflagged child (same household) and
 * tanaka (own household at the same 町字 + 番地 + 方書) live at the protected address. Every registered
 * route is driven, with the fixture's people, households, eligibility periods and pending changes, by
 * staff without dv.read who see different things — a 国保 clerk, a tax collector (record scope), an
 * auditor (the trail) and an approver (pending changes) — and no answer may carry the protected address (or the
 * 転入前 address of a person living there). Once, the child's person view and a 世帯番号 search
 * showed it to any clerk.
 */
const PROTECTED = ['みどりハイツ101', 'みどり町1丁目1-2-3 みどりハイツ101', '東京都千代田区一番町1-1'];
const F = FIXTURE;
const PERSONS = [F.yamada.head, F.yamada.wife, F.yamada.child, F.sato.head, F.sato.mother, F.suzuki.person, F.suzuki.child, F.nguyen.person, F.tanaka.person];
const HOUSEHOLDS = [F.yamada.household, F.sato.household, F.suzuki.household, F.nguyen.household, F.tanaka.household];
/** Routes a scan must not call: logging out would end the session the scan runs in. */
const SKIP = new Set(['POST /api/auth/logout']);

/** Realistic query strings for the searches and lists. */
const QUERIES: Record<string, string[]> = {
  'GET /api/persons': [
    ...HOUSEHOLDS.map((h) => `householdNo=${h}`),
    ...PERSONS.map((n) => `atenaNo=${n}`),
    'kana=スズキ', 'kana=タナカ', 'kana=ス', 'name=鈴木', 'name=田中', 'birthDate=2009-09-09', 'birthDate=1960-12-12',
  ],
  'GET /api/audit/events': ['', `subject=${F.suzuki.child}`, 'pageSize=50'],
  'GET /api/approvals': ['', 'status=pending', 'status=approved', 'status=rejected'],
  'GET /api/admin/access-review': ['since=2020-01-01'],
  'GET /api/audit/report': ['from=2020-01-01&to=2030-01-01'],
  'GET /api/persons/:atenaNo/eligibility': ['', 'asOf=2030-01-01'],
};

let f: Fixture;
let values: Record<string, string[]>;
const sessions = new Map<string, Session>();

beforeAll(async () => {
  f = await createFixture();
  for (const s of DEMO_STAFF) sessions.set(s.staffId, await f.login(s.staffId));
  // An approver without dv.read (kakari01, the demo approver, also holds dv.read).
  const password = 'Shunin-Test-Pass-2026!';
  const op = operatorActor('dv-scan-setup', new Set(f.deps.permissions.all));
  const { totpSecret } = await f.deps.staff.createWithKnownCredentials({ staffId: 'shunin01', displayName: '主任 五郎', officeCode: 'kokuho', password, roles: ['kokuho_supervisor'] }, op);
  sessions.set('shunin01', await f.loginWith('shunin01', password, totpSecret));
  const clerk = sessions.get('kokuho01')!;
  // Pending changes about the people at the protected address, so the approval and eligibility views have them.
  expect((await clerk.request('POST', `/api/persons/${F.suzuki.child}/eligibility`, { householdNo: F.suzuki.household, acquiredOn: '2026-04-01', acquisitionReason: 'social_insurance_loss', reportedOn: null })).status).toBeLessThan(500);
  expect((await clerk.request('POST', `/api/persons/${F.tanaka.person}/my-number`, { myNumber: fakeMyNumber(41), jimu: 'nhi.eligibility' })).status).toBe(202);
  const db = f.deps.database.db;
  const eligibility = await db.selectFrom('nhi_eligibility').select('eligibility_id').execute();
  const changes = await db.selectFrom('pending_change').select('change_id').execute();
  values = {
    atenaNo: PERSONS.map(String),
    householdNo: HOUSEHOLDS.map(String),
    eligibilityId: eligibility.map((e) => String(e.eligibility_id)),
    changeId: changes.map((c) => String(c.change_id)),
    staffId: ['kokuho01'],
    roleCode: ['kokuho_staff'],
  };
});
afterAll(async () => f?.close());

/** Every concrete path of a route: each parameter takes each of its fixture values. */
function pathsOf(path: string): string[] {
  let out = [path];
  for (const [, name] of path.matchAll(/:(\w+)/g)) {
    const vs = values[name!] ?? ['1'];
    out = out.flatMap((p) => vs.map((v) => p.replace(`:${name}`, v)));
  }
  return out;
}

async function scan(session: Session) {
  const leaks: string[] = [];
  const driven = new Set<string>();
  let ok = 0;
  for (const key of [...routeAccess.keys()].sort()) {
    if (SKIP.has(key) || key.startsWith('ALL ') || key.includes('*')) continue;
    const [method, path] = key.split(' ') as [string, string];
    driven.add(key);
    for (const p of pathsOf(path)) {
      for (const q of QUERIES[key] ?? ['']) {
        const url = q ? `${p}?${q}` : p;
        const r = await session.request(method, url, method === 'GET' ? undefined : {});
        const text = await r.text();
        if (r.status < 300) ok++;
        for (const s of PROTECTED) if (text.includes(s)) leaks.push(`${method} ${url} → ${r.status} carries 「${s}」`);
      }
    }
  }
  return { leaks, driven, ok };
}

describe('DV等支援措置: no route shows a protected address to staff without dv.read', () => {
  it('the scan detects the address where it is allowed (kakari01 holds dv.read)', async () => {
    const kakari = sessions.get('kakari01')!;
    for (const n of [F.suzuki.person, F.suzuki.child, F.tanaka.person]) {
      const text = await (await kakari.request('GET', `/api/persons/${n}`)).text();
      expect(text, String(n)).toContain('みどりハイツ101');
    }
  });

  it('the child and the neighbour are shown, with the address hidden (household view, search by 世帯番号)', async () => {
    const clerk = sessions.get('kokuho01')!;
    for (const n of [F.suzuki.child, F.tanaka.person]) {
      const r = await clerk.request('GET', `/api/persons/${n}`);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ address: null, previousAddress: null, addressHidden: true, dvSupport: false });
    }
    const h = (await (await clerk.request('GET', `/api/households/${F.tanaka.household}`)).json()) as { address: string | null; addressHidden: boolean };
    expect(h).toMatchObject({ address: null, addressHidden: true });
    const s = (await (await clerk.request('GET', `/api/persons?householdNo=${F.suzuki.household}`)).json()) as { items: { atenaNo: number; address: string | null }[] };
    expect(s.items.map((i) => i.atenaNo).sort()).toEqual([F.suzuki.person, F.suzuki.child].sort());
    expect(s.items.every((i) => i.address === null)).toBe(true);
    // A neighbour elsewhere on the same 番地 without the 方書 is another dwelling: shown as usual.
    const other = (await (await clerk.request('GET', `/api/persons/${F.nguyen.person}`)).json()) as { address: string | null };
    expect(other.address).toBe('みどり町1丁目1-2-3');
  });

  it('every route, every fixture record, staff without dv.read: the protected address never appears', async () => {
    const without = ['kokuho01', 'nozei01', 'kansa01', 'shunin01'];
    const all: string[] = [];
    for (const id of without) {
      const me = (await (await sessions.get(id)!.request('GET', '/api/auth/me')).json()) as { permissions: string[] };
      expect(me.permissions, id).not.toContain('dv.read');
      const { leaks, driven, ok } = await scan(sessions.get(id)!);
      all.push(...leaks.map((l) => `${id}: ${l}`));
      // The scan reached the routes (not only refusals): every registered API route, many answered.
      expect(driven.size, id).toBeGreaterThanOrEqual(30);
      expect(ok, id).toBeGreaterThan(5);
    }
    expect(all).toEqual([]);
  });
});
