import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticator } from 'otplib';
import { createFixture, cookieOf, type Fixture } from '../../testing/fixture.js';
import { DEMO_STAFF } from '../../bootstrap.js';
import { LOCKOUT_THRESHOLD } from './password.rules.js';
import { operatorActor } from '../../security/actor.js';

let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => f?.close());

const json = { 'content-type': 'application/json' };
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  f.app.request(path, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
const pw = (id: string) => DEMO_STAFF.find((s) => s.staffId === id)!.password;

async function lastAudit(action: string) {
  return f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

describe('login: ID + password + second factor', () => {
  it('needs the second factor before anything personal is reachable', async () => {
    const r = await post('/api/auth/login', { staffId: 'kokuho01', password: pw('kokuho01') });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { stage: string; methods: string[]; csrfToken: string };
    expect(body.stage).toBe('second_factor');
    expect(body.methods).toContain('totp');
    const cookie = cookieOf(r);
    expect(cookie.startsWith('__Host-nhi_session=')).toBe(true);
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const me = await f.app.request('/api/auth/me', { headers: { cookie } });
    expect(me.status).toBe(401);
    const persons = await f.app.request('/api/persons?kana=ヤマダ', { headers: { cookie } });
    expect(persons.status).toBe(401);
  });

  it('rotates the session id when the second factor passes, and the old token is dead', async () => {
    const r1 = await post('/api/auth/login', { staffId: 'kokuho01', password: pw('kokuho01') });
    const c1 = cookieOf(r1);
    const { csrfToken } = (await r1.json()) as { csrfToken: string };
    const r2 = await post('/api/auth/totp', { code: await f.totpCode('kokuho01') }, { cookie: c1, 'x-csrf-token': csrfToken });
    expect(r2.status).toBe(200);
    const c2 = cookieOf(r2);
    expect(c2).not.toBe(c1);
    expect((await f.app.request('/api/auth/me', { headers: { cookie: c1 } })).status).toBe(401);
    const me = await f.app.request('/api/auth/me', { headers: { cookie: c2 } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { staffId: string; permissions: string[] };
    expect(body.staffId).toBe('kokuho01');
    expect(body.permissions).toContain('person.read');
    expect(body.permissions).not.toContain('audit');
    const ev = await lastAudit('login.totp');
    expect(ev?.outcome).toBe('success');
  });

  it('rejects a wrong password with a Japanese message and audits the failure', async () => {
    const r = await post('/api/auth/login', { staffId: 'kokuho01', password: 'wrong-password-123' });
    expect(r.status).toBe(401);
    const body = (await r.json()) as { error: { message: string } };
    expect(body.error.message).toBe('職員IDまたはパスワードが正しくありません');
    const ev = await lastAudit('login.password');
    expect(ev?.outcome).toBe('failure');
    expect(JSON.stringify(ev?.detail)).not.toContain('wrong-password');
  });

  it('answers an unknown staff ID exactly like a wrong password', async () => {
    const r = await post('/api/auth/login', { staffId: 'nobody99', password: 'whatever-password' });
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe('職員IDまたはパスワードが正しくありません');
  });

  it('rejects a wrong TOTP code', async () => {
    const r1 = await post('/api/auth/login', { staffId: 'kakari01', password: pw('kakari01') });
    const c1 = cookieOf(r1);
    const { csrfToken } = (await r1.json()) as { csrfToken: string };
    const good = authenticator.generate(f.totp.kakari01!);
    const bad = good === '000000' ? '111111' : '000000';
    const r2 = await post('/api/auth/totp', { code: bad }, { cookie: c1, 'x-csrf-token': csrfToken });
    expect(r2.status).toBe(401);
    expect(((await r2.json()) as { error: { message: string } }).error.message).toBe('ワンタイムパスワードが正しくありません');
  });

  it('locks the account after repeated failures; an administrator unlocks it', async () => {
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) await post('/api/auth/login', { staffId: 'shisho01', password: `bad-password-${i}-x` });
    const locked = await post('/api/auth/login', { staffId: 'shisho01', password: pw('shisho01') });
    expect(locked.status).toBe(423);
    expect(((await locked.json()) as { error: { message: string } }).error.message).toMatch(/ロック/);
    await f.deps.staff.unlock('shisho01', operatorActor('test', new Set(['user.admin'])));
    expect((await post('/api/auth/login', { staffId: 'shisho01', password: pw('shisho01') })).status).toBe(200);
  });
});

describe('sessions', () => {
  it('refuses a state change without the CSRF token, and from another site', async () => {
    const s = await f.login('kokuho01');
    const noToken = await f.app.request('/api/auth/logout', { method: 'POST', headers: { cookie: s.cookie } });
    expect(noToken.status).toBe(403);
    const crossSite = await f.app.request('/api/auth/logout', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect((await s.request('GET', '/api/auth/me')).status).toBe(200);
  });

  it('logout ends the session', async () => {
    const s = await f.login('kokuho01');
    expect((await s.request('POST', '/api/auth/logout')).status).toBe(204);
    expect((await s.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await lastAudit('logout'))?.actor_id).toBe('kokuho01');
  });

  it('ends a session idle longer than the idle timeout, and one older than the absolute timeout', async () => {
    const idle = await f.login('kokuho01');
    const old = await f.login('kokuho01');
    const db = f.deps.database.db;
    const idleMs = f.deps.config.sessionIdleMs + 1000;
    const hashOf = async (cookie: string) => (await import('./auth.service.js')).sha256(cookie.split('=')[1]!);
    await db.updateTable('staff_session').set({ last_seen_at: new Date(Date.now() - idleMs) }).where('session_hash', '=', await hashOf(idle.cookie)).execute();
    await db.updateTable('staff_session').set({ created_at: new Date(Date.now() - f.deps.config.sessionAbsoluteMs - 1000) }).where('session_hash', '=', await hashOf(old.cookie)).execute();
    expect((await idle.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await old.request('GET', '/api/auth/me')).status).toBe(401);
    const ended = await db.selectFrom('staff_session').select(['end_reason']).where('session_hash', 'in', [await hashOf(idle.cookie), await hashOf(old.cookie)]).execute();
    expect(ended.map((e) => e.end_reason).sort()).toEqual(['absolute_timeout', 'idle_timeout']);
  });

  it('disabling a departing user ends every session at once', async () => {
    const a = await f.login('nozei01');
    const b = await f.login('nozei01');
    const r = await f.deps.staff.disable('nozei01', '人事異動', operatorActor('test', new Set(['user.admin'])));
    expect(r.sessionsEnded).toBeGreaterThanOrEqual(2);
    expect((await a.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await b.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await post('/api/auth/login', { staffId: 'nozei01', password: pw('nozei01') })).status).toBe(401);
  });
});

describe('a stale session cookie never blocks a new login', () => {
  it('logging in again while holding a pending session works and ends the old one', async () => {
    const r1 = await post('/api/auth/login', { staffId: 'kokuho01', password: pw('kokuho01') });
    const stale = cookieOf(r1);
    // a reload lost the CSRF token: the browser still sends the cookie, without the token
    const r2 = await post('/api/auth/login', { staffId: 'kokuho01', password: pw('kokuho01') }, { cookie: stale });
    expect(r2.status).toBe(200);
    const { csrfToken } = (await r2.json()) as { csrfToken: string };
    const old = await post('/api/auth/totp', { code: await f.totpCode('kokuho01') }, { cookie: stale, 'x-csrf-token': csrfToken });
    expect(old.status).not.toBe(200);
  });
});

describe('one-time passwords are one-time', () => {
  it('refuses the same TOTP code a second time (replay)', async () => {
    const code = await f.totpCode('kakari01');
    const first = await post('/api/auth/login', { staffId: 'kakari01', password: pw('kakari01') });
    const c1 = cookieOf(first);
    const t1 = ((await first.json()) as { csrfToken: string }).csrfToken;
    const ok = await post('/api/auth/totp', { code }, { cookie: c1, 'x-csrf-token': t1 });
    expect(ok.status).toBe(200);
    const again = await post('/api/auth/login', { staffId: 'kakari01', password: pw('kakari01') });
    const c2 = cookieOf(again);
    const t2 = ((await again.json()) as { csrfToken: string }).csrfToken;
    const replay = await post('/api/auth/totp', { code }, { cookie: c2, 'x-csrf-token': t2 });
    expect(replay.status).toBe(401);
  });
});

describe('changing one\'s own password', () => {
  it('checks the current password and the policy, then ends the other sessions', async () => {
    const a = await f.login('kansa01');
    const b = await f.login('kansa01');
    const wrong = await a.request('POST', '/api/auth/password', { currentPassword: 'not-my-password', newPassword: 'Kansa-Neue-2027-x' });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { fields: { field: string; message: string }[] } }).error.fields[0]).toMatchObject({ field: 'currentPassword' });
    const weak = await a.request('POST', '/api/auth/password', { currentPassword: pw('kansa01'), newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { error: { fields: { message: string }[] } }).error.fields[0]!.message).toMatch(/^新しいパスワード: .*12文字以上/);
    const ok = await a.request('POST', '/api/auth/password', { currentPassword: pw('kansa01'), newPassword: 'Kansa-Neue-2027-x' });
    expect(ok.status).toBe(204);
    expect((await a.request('GET', '/api/auth/me')).status).toBe(200);
    expect((await b.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await post('/api/auth/login', { staffId: 'kansa01', password: pw('kansa01') })).status).toBe(401);
    expect((await post('/api/auth/login', { staffId: 'kansa01', password: 'Kansa-Neue-2027-x' })).status).toBe(200);
  });
});
