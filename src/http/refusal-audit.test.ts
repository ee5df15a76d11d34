import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../testing/fixture.js';

/**
 * Refusals that once left no audit record: a step-up required (thrown in route handlers), a CSRF
 * refusal (answered by the session middleware) and any other refusal of a request made in a session.
 * Each now leaves exactly one 'denied' record, also where the refusing code writes its own.
 */
let f: Fixture;
let admin: Session;
let clerk: Session;

beforeAll(async () => {
  f = await createFixture();
  admin = await f.login('admin01');
  clerk = await f.login('kokuho01');
});
afterAll(async () => f?.close());

const db = () => f.deps.database.db;
const maxSeq = async () => Number((await db().selectFrom('audit_event').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirstOrThrow()).m ?? 0);
const recordsSince = (seq: number) => db().selectFrom('audit_event').selectAll().where('seq', '>', seq).orderBy('seq').execute();

describe('refusals are audited', () => {
  it('step-up required (a permission change without a fresh second factor): 403 and a denied record naming the reason', async () => {
    const before = await maxSeq();
    const r = await admin.request('POST', '/api/admin/staff/kokuho01/disable', { reason: '異動のため' });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('step_up_required');
    const rows = await recordsSince(before);
    expect(rows).toHaveLength(1);
    // The staff service records its own refusals (so the safety net adds none).
    expect(rows[0]).toMatchObject({ actor_id: 'admin01', outcome: 'denied', function_code: 'user.admin', action: 'staff.disable' });
    expect(rows[0]!.detail).toMatchObject({ staffId: 'kokuho01', reason: 'step_up_required' });
  });

  it('CSRF: a wrong token and a cross-site request in a session are refused and audited', async () => {
    const cases: Record<string, string>[] = [{ 'x-csrf-token': 'wrong' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }];
    for (const headers of cases) {
      const before = await maxSeq();
      const r = await clerk.request('POST', '/api/auth/step-up', { code: '000000' }, headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      const rows = await recordsSince(before);
      expect(rows, JSON.stringify(headers)).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor_id: 'kokuho01', outcome: 'denied' });
      expect(rows[0]!.detail).toMatchObject({ reason: 'csrf', status: 403, path: '/api/auth/step-up' });
    }
  });

  it('a CSRF refusal half-way through login names the staff member; one without any session writes nothing', async () => {
    const r1 = await f.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId: 'kokuho01', password: 'Kokuho-Demo-2026' }) });
    expect(r1.status).toBe(200);
    const cookie = r1.headers.get('set-cookie')!.split(';')[0]!;
    let before = await maxSeq();
    const r2 = await f.app.request('/api/auth/totp', { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': 'wrong' }, body: '{"code":"000000"}' });
    expect(r2.status).toBe(403);
    const rows = await recordsSince(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_kind: 'anonymous', outcome: 'denied' });
    expect(rows[0]!.detail).toMatchObject({ reason: 'csrf', staffId: 'kokuho01' });
    before = await maxSeq();
    const anon = await f.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body: '{}' });
    expect(anon.status).toBe(403);
    expect(await recordsSince(before)).toHaveLength(0);
  });

  it('other refusals in a session are audited once: by the refusing code when it writes one, else by the safety net', async () => {
    let before = await maxSeq();
    expect((await clerk.request('GET', '/api/persons/999999999')).status).toBe(404); // the person service records it
    let rows = await recordsSince(before);
    expect(rows.filter((x) => x.outcome === 'denied')).toHaveLength(1);
    before = await maxSeq();
    expect((await clerk.request('GET', '/api/no-such-api')).status).toBe(404); // nothing refused it but the router
    rows = await recordsSince(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_id: 'kokuho01', outcome: 'denied' });
    expect(rows[0]!.detail).toMatchObject({ reason: 'not_found', status: 404 });
    before = await maxSeq();
    expect((await clerk.request('GET', `/api/persons/${FIXTURE.yamada.head}`)).status).toBe(200);
    expect((await recordsSince(before)).map((x) => x.outcome)).toEqual(['success']);
    before = await maxSeq();
    expect((await clerk.request('GET', '/api/persons?kana=')).status).toBe(400); // malformed input: not a refusal
    expect(await recordsSince(before)).toHaveLength(0);
  });
});
