import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticator } from 'otplib';
import { createFixture, cookieOf, type Fixture } from '../../testing/fixture.js';
import { DEMO_STAFF } from '../../bootstrap.js';
import { operatorActor } from '../../security/actor.js';
import { SECOND_FACTOR_LOCK_THRESHOLD, STEP_UP_FAILURES_PER_SESSION } from './password.rules.js';
import { AuthService, DEFAULT_AUTH_LIMITS } from './auth.service.js';
import type { ThrottleLimits } from './login-throttle.js';

/**
 * Issue 6 reproductions: password + wrong TOTP could be repeated forever (a correct password reset the
 * failure counter), /api/auth/step-up accepted 60 wrong codes in 2 s, and nothing throttled a client.
 */
let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => f?.close());

const admin = operatorActor('test', new Set(['user.admin']));
const pw = (id: string) => DEMO_STAFF.find((s) => s.staffId === id)!.password;
/** Each test its own client address, so the per-IP throttle of one test does not reach another. */
const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });
const post = (path: string, body: unknown, headers: Record<string, string> = {}, ip = '192.0.2.1') =>
  f.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, from(ip));

async function wrongCode(staffId: string): Promise<string> {
  const good = authenticator.generate(f.totp[staffId]!);
  return good === '000000' ? '111111' : '000000';
}

/** Password step only: a half-logged-in session. */
async function passwordStep(staffId: string, ip: string) {
  const r = await post('/api/auth/login', { staffId, password: pw(staffId) }, {}, ip);
  expect(r.status).toBe(200);
  return { cookie: cookieOf(r), csrf: ((await r.json()) as { csrfToken: string }).csrfToken };
}

const staffRow = (staffId: string) => f.deps.database.db.selectFrom('staff').select(['second_factor_failures', 'failed_logins', 'locked_until']).where('staff_id', '=', staffId).executeTakeFirstOrThrow();
const audits = (action: string) => f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('seq').execute();

describe('second-factor guessing at login', () => {
  it('a correct password does not reset the second-factor failures: password + wrong TOTP locks the account after a few', async () => {
    const statuses: number[] = [];
    let last = { cookie: '', csrf: '' };
    for (let i = 0; i < SECOND_FACTOR_LOCK_THRESHOLD; i++) {
      last = await passwordStep('kakari01', '192.0.2.10');
      statuses.push((await post('/api/auth/totp', { code: await wrongCode('kakari01') }, { cookie: last.cookie, 'x-csrf-token': last.csrf }, '192.0.2.10')).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
    expect((await staffRow('kakari01')).second_factor_failures).toBe(SECOND_FACTOR_LOCK_THRESHOLD);
    // locked: even the right password and the right code do not get in
    const locked = await post('/api/auth/login', { staffId: 'kakari01', password: pw('kakari01') }, {}, '192.0.2.10');
    expect(locked.status).toBe(423);
    expect(((await locked.json()) as { error: { message: string } }).error.message).toMatch(/ロック/);
    // the half-logged-in session of the last guess has ended
    const ended = await post('/api/auth/totp', { code: await f.totpCode('kakari01') }, { cookie: last.cookie, 'x-csrf-token': last.csrf }, '192.0.2.10');
    expect(ended.status).toBe(401);
    const lock = (await audits('account.lock')).at(-1);
    expect(lock?.outcome).toBe('denied');
    expect(lock?.detail).toMatchObject({ staffId: 'kakari01', reason: 'second_factor_failures', failures: SECOND_FACTOR_LOCK_THRESHOLD });
    expect((await audits('login.totp')).filter((e) => e.outcome === 'failure').at(-1)?.detail).toMatchObject({ attemptedStaffId: 'kakari01', reason: 'wrong_second_factor' });
    await f.deps.staff.unlock('kakari01', admin);
  });

  it('a lock reached in one half-logged-in session ends the others (parallel guessing gains nothing)', async () => {
    await f.deps.staff.unlock('shisho01', admin);
    const sessions = [];
    for (let i = 0; i < SECOND_FACTOR_LOCK_THRESHOLD + 1; i++) sessions.push(await passwordStep('shisho01', '192.0.2.11'));
    const statuses = [];
    for (const s of sessions) statuses.push((await post('/api/auth/totp', { code: await wrongCode('shisho01') }, { cookie: s.cookie, 'x-csrf-token': s.csrf }, '192.0.2.11')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 423, 423]);
    await f.deps.staff.unlock('shisho01', admin);
  });

  it('only a successful second factor clears the count', async () => {
    await f.deps.staff.unlock('nozei01', admin);
    for (let i = 0; i < SECOND_FACTOR_LOCK_THRESHOLD - 1; i++) {
      const s = await passwordStep('nozei01', '192.0.2.12');
      expect((await post('/api/auth/totp', { code: await wrongCode('nozei01') }, { cookie: s.cookie, 'x-csrf-token': s.csrf }, '192.0.2.12')).status).toBe(401);
    }
    expect((await staffRow('nozei01')).second_factor_failures).toBe(SECOND_FACTOR_LOCK_THRESHOLD - 1);
    await f.login('nozei01');
    expect((await staffRow('nozei01')).second_factor_failures).toBe(0);
  });
});

describe('step-up guessing', () => {
  it('ends the session after a few wrong codes, counts them on the account, and audits it (was: 60 wrong codes accepted)', async () => {
    const s = await f.login('kokuho01');
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await f.app.request('/api/auth/step-up', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ code: await wrongCode('kokuho01') }) }, from('192.0.2.20'));
      statuses.push(r.status);
      if (i === STEP_UP_FAILURES_PER_SESSION - 1) expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/ログアウトしました/);
    }
    // three wrong codes were judged; the session ended with the third and every later request is unauthenticated
    expect(statuses.slice(0, STEP_UP_FAILURES_PER_SESSION)).toEqual([401, 401, 401]);
    expect((await s.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await audits('step_up.totp')).filter((e) => e.outcome === 'failure')).toHaveLength(STEP_UP_FAILURES_PER_SESSION);
    expect((await audits('session.end')).at(-1)?.detail).toMatchObject({ reason: 'step_up_failures', failures: STEP_UP_FAILURES_PER_SESSION });
    expect((await staffRow('kokuho01')).second_factor_failures).toBe(STEP_UP_FAILURES_PER_SESSION);
    // a new session's wrong step-ups continue the account's count up to the lock
    const s2 = await f.login('kokuho01'); // a successful login clears it
    expect((await staffRow('kokuho01')).second_factor_failures).toBe(0);
    expect((await s2.request('POST', '/api/auth/step-up', { code: await f.totpCode('kokuho01') })).status).toBe(204);
  });
});

/** Runs fn with an AuthService whose buckets refill (practically) never, so no test depends on how fast this machine is. */
async function withThrottle(throttle: ThrottleLimits, fn: () => Promise<void>) {
  const original = f.deps.auth;
  f.deps.auth = new AuthService(f.deps.database.db, f.deps.keyring, f.deps.audit, { ...DEFAULT_AUTH_LIMITS, throttle });
  try {
    await fn();
  } finally {
    f.deps.auth = original;
  }
}
const SLOW = 1e-6; // tokens a minute

describe('per-client throttling', () => {
  it('refuses a client that keeps failing with 429, a Japanese message and Retry-After, and audits it', async () => {
    // kansa01's budget: 5 wrong passwords lock the account, the next attempts are refused as locked
    // (no hashing), and after the staff ID's 10 attempts the throttle answers before anything else
    await withThrottle({ perIp: { capacity: 100, refillPerMinute: SLOW }, perStaff: { capacity: 10, refillPerMinute: SLOW } }, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await post('/api/auth/login', { staffId: 'kansa01', password: `wrong-password-${i}` }, {}, '192.0.2.30')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const r = await post('/api/auth/login', { staffId: 'kansa01', password: pw('kansa01') }, {}, '192.0.2.31');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/試行が多すぎます。\d+秒後/);
    const ev = (await audits('login.password')).filter((e) => e.outcome === 'denied');
    expect(ev.length).toBeGreaterThanOrEqual(1);
    expect(ev.at(-1)?.detail).toMatchObject({ reason: 'throttled', by: 'staff', attemptedStaffId: 'kansa01' });
    // another staff member from another client is not affected
    expect((await post('/api/auth/login', { staffId: 'admin01', password: pw('admin01') }, {}, '192.0.2.32')).status).toBe(200);
    });
  });

  it('throttles one client address across staff IDs (unknown IDs included)', async () => {
    await withThrottle({ perIp: { capacity: 4, refillPerMinute: SLOW }, perStaff: { capacity: 10, refillPerMinute: SLOW } }, async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await post('/api/auth/login', { staffId: `nobody${i}`, password: 'whatever-password' }, {}, '192.0.2.40')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
      expect((await audits('login.password')).filter((e) => e.outcome === 'denied').at(-1)?.detail).toMatchObject({ reason: 'throttled', by: 'ip', attemptedStaffId: 'nobody4' });
      // a working staff member's login gives its tokens back: from a fresh address, logins never run dry
      for (let i = 0; i < 6; i++) expect((await post('/api/auth/login', { staffId: 'admin01', password: pw('admin01') }, {}, '192.0.2.41')).status).toBe(200);
    });
  });

  it('throttles the step-up too', async () => {
    const s = await f.login('admin01');
    await withThrottle({ perIp: { capacity: 100, refillPerMinute: SLOW }, perStaff: { capacity: 2, refillPerMinute: SLOW } }, async () => {
      const step = async () => (await f.app.request('/api/auth/step-up', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ code: await wrongCode('admin01') }) }, from('192.0.2.50'))).status;
      expect([await step(), await step(), await step()]).toEqual([401, 401, 429]);
      expect((await audits('step_up.totp')).at(-1)).toMatchObject({ outcome: 'denied', actor_id: 'admin01', detail: { reason: 'throttled', by: 'staff' } });
    });
    await f.login('admin01'); // clears admin01's second-factor failures for later tests
  });
});
