import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticator } from 'otplib';
import { createFixture, cookieOf, type Fixture } from '../../testing/fixture.js';
import { activationCodeHash, newActivationCode } from './activation.rules.js';
import { LOCKOUT_THRESHOLD } from './password.rules.js';
import { asActor } from '../../testing/as-actor.js';

/**
 * First login of a new account: activation code → own password → own TOTP secret → confirmation code.
 * The accounts are put into enrolment state directly in the database (the admin side issues the codes).
 */
let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => f?.close());

const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

/** A client holding whatever session cookie the server last set (a browser, in short). */
function client(ip: string) {
  let cookie = '';
  let csrf = '';
  const request = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...(csrf ? { 'x-csrf-token': csrf } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
    const r = await f.app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }, from(ip));
    if (r.headers.get('set-cookie')) cookie = cookieOf(r);
    return r;
  };
  return {
    request,
    async json<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
      const r = await request(method, path, body);
      const b = (await r.json().catch(() => null)) as T;
      const token = (b as { csrfToken?: string; staff?: { csrfToken?: string } } | null);
      if (token?.csrfToken) csrf = token.csrfToken;
      if (token?.staff?.csrfToken) csrf = token.staff.csrfToken;
      return { status: r.status, body: b };
    },
  };
}

/** Puts a new account into enrolment state (password and TOTP not set, a code issued) and returns the code. */
async function enrollingAccount(staffId: string, expiresInHours = 72): Promise<string> {
  const code = newActivationCode();
  await asActor(f.deps.database.db, 'test:fixture', async (tx) => {
    await tx
      .insertInto('staff')
      .values({ staff_id: staffId, display_name: '新人 五郎', office_code: 'kokuho', password_hash: null, totp_secret_enc: null, activation_code_hash: activationCodeHash(staffId, code), activation_expires_at: new Date(Date.now() + expiresInHours * 3_600_000), updated_by: 'test:fixture' })
      .onConflict((oc) => oc.column('staff_id').doUpdateSet({ password_hash: null, totp_secret_enc: null, totp_last_step: null, activation_code_hash: activationCodeHash(staffId, code), activation_expires_at: new Date(Date.now() + expiresInHours * 3_600_000), failed_logins: 0, locked_until: null, updated_by: 'test:fixture' }))
      .execute();
    await tx.insertInto('staff_role').values({ staff_id: staffId, role_code: 'kokuho_staff', granted_by: 'test:fixture' }).onConflict((oc) => oc.doNothing()).execute();
  });
  return code;
}

const staffRow = (staffId: string) => f.deps.database.db.selectFrom('staff').selectAll().where('staff_id', '=', staffId).executeTakeFirstOrThrow();
type Err = { error: { code: string; message: string; fields?: { field: string; message: string }[] } };

describe('enrolment: a new account sets its own password and second factor', () => {
  it('activation code → own password → fresh TOTP secret → confirmation: the account is active and logged in; the code is spent', async () => {
    const code = await enrollingAccount('shinjin01');
    const c = client('198.51.100.1');
    // the code is typed as read from paper: lower case, spaces instead of hyphens
    const act = await c.json<{ stage: string }>('POST', '/api/auth/activate', { staffId: 'shinjin01', code: code.toLowerCase().replace(/-/g, ' ') });
    expect(act).toMatchObject({ status: 200, body: { stage: 'enrolment' } });

    const weak = await c.json<Err>('POST', '/api/auth/enrolment/password', { newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.fields![0]!.message).toMatch(/^新しいパスワード: .*12文字以上/);
    expect((await c.request('POST', '/api/auth/enrolment/password', { newPassword: 'Shinjin-Own-Pass-2026' })).status).toBe(204);

    const first = await c.json<{ secret: string; otpauthUri: string }>('POST', '/api/auth/enrolment/totp');
    const issued = await c.json<{ secret: string; otpauthUri: string }>('POST', '/api/auth/enrolment/totp');
    expect(issued.status).toBe(200);
    expect(issued.body.secret).not.toBe(first.body.secret); // each call a fresh secret; the last one counts
    const uri = new URL(issued.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(issued.body.secret);
    expect(decodeURIComponent(uri.pathname)).toContain('shinjin01');

    const good = authenticator.generate(issued.body.secret);
    const wrong = await c.json<Err>('POST', '/api/auth/enrolment/confirm', { code: good === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/確認コードが正しくありません/);
    const done = await c.json<{ staff: { staffId: string; permissions: string[] } }>('POST', '/api/auth/enrolment/confirm', { code: good });
    expect(done.status).toBe(200);
    expect(done.body.staff.staffId).toBe('shinjin01');
    expect(done.body.staff.permissions).toContain('person.read');
    expect((await c.request('GET', '/api/auth/me')).status).toBe(200);

    const row = await staffRow('shinjin01');
    expect(row.activation_code_hash).toBeNull();
    expect(row.activation_expires_at).toBeNull();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.totp_secret_enc).not.toBeNull();
    expect(row.second_factor_failures).toBe(0);

    // the code cannot be used again; the own password and authenticator app now log in
    expect((await client('198.51.100.2').json<Err>('POST', '/api/auth/activate', { staffId: 'shinjin01', code })).status).toBe(401);
    const s = await f.loginWith('shinjin01', 'Shinjin-Own-Pass-2026', issued.body.secret);
    expect((await s.request('GET', '/api/auth/me')).status).toBe(200);

    // the trail has each step, and never the secret, the code or the password
    const events = await f.deps.database.db.selectFrom('audit_event').select(['action', 'outcome', 'detail']).where('action', 'like', 'enrolment.%').execute();
    expect(events.map((e) => `${e.action}:${e.outcome}`)).toEqual(expect.arrayContaining(['enrolment.activate:success', 'enrolment.password:success', 'enrolment.totp_issued:success', 'enrolment.confirm:failure', 'enrolment.complete:success']));
    const trail = JSON.stringify(events);
    for (const secret of [issued.body.secret, first.body.secret, code, 'Shinjin-Own-Pass-2026']) expect(trail).not.toContain(secret);
  });

  it('an enrolment session can do nothing but enrol', async () => {
    const code = await enrollingAccount('shinjin02');
    const c = client('198.51.100.3');
    expect((await c.json('POST', '/api/auth/activate', { staffId: 'shinjin02', code })).status).toBe(200);
    expect((await c.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await c.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(401);
    expect((await c.request('POST', '/api/auth/step-up', { code: '123456' })).status).toBe(401);
    expect((await c.request('POST', '/api/auth/totp', { code: '123456' })).status).toBe(401);
    expect((await c.request('POST', '/api/auth/password', { currentPassword: 'x', newPassword: 'Shinjin-Own-Pass-2026' })).status).toBe(401);
    // and in order: no secret before the password, no confirmation before the secret
    expect((await c.json<Err>('POST', '/api/auth/enrolment/totp')).body.error.message).toMatch(/先に新しいパスワード/);
    expect((await c.json<Err>('POST', '/api/auth/enrolment/confirm', { code: '123456' })).status).toBe(409);
    const row = await staffRow('shinjin02');
    expect(row.password_hash).toBeNull();
    expect(row.totp_secret_enc).toBeNull();
  });

  it('a normal login or a password-stage session cannot reach the enrolment steps', async () => {
    const r = await f.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId: 'kokuho01', password: 'Kokuho-Demo-2026' }) }, from('198.51.100.4'));
    const cookie = cookieOf(r);
    const { csrfToken } = (await r.json()) as { csrfToken: string };
    const totp = await f.app.request('/api/auth/enrolment/totp', { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } }, from('198.51.100.4'));
    expect(totp.status).toBe(401);
    const active = await f.login('kokuho01');
    expect((await active.request('POST', '/api/auth/enrolment/totp')).status).toBe(401);
    expect((await active.request('POST', '/api/auth/enrolment/password', { newPassword: 'Another-Pass-2026x' })).status).toBe(401);
  });

  it('an account in enrolment cannot log in with a password (it has none)', async () => {
    await enrollingAccount('shinjin03');
    const r = await f.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId: 'shinjin03', password: 'anything-at-all-1' }) }, from('198.51.100.5'));
    expect(r.status).toBe(401);
  });

  it('an expired code is refused, says so, and counts as a failure', async () => {
    const code = await enrollingAccount('shinjin04', -1);
    const r = await client('198.51.100.6').json<Err>('POST', '/api/auth/activate', { staffId: 'shinjin04', code });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/有効期限が切れています/);
    expect((await staffRow('shinjin04')).failed_logins).toBe(1);
  });

  it('wrong codes count as login failures and lock the account; then even the right code is refused', async () => {
    const code = await enrollingAccount('shinjin05');
    const c = client('198.51.100.7');
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
      const r = await c.json<Err>('POST', '/api/auth/activate', { staffId: 'shinjin05', code: newActivationCode() });
      expect(r.status).toBe(401);
      expect(r.body.error.message).toBe('職員IDまたは初回登録コードが正しくありません');
    }
    expect((await c.json('POST', '/api/auth/activate', { staffId: 'shinjin05', code })).status).toBe(423);
  });

  it('wrong confirmation codes are second-factor failures: a few lock the account and end the enrolment session', async () => {
    const code = await enrollingAccount('shinjin06');
    const c = client('198.51.100.8');
    await c.json('POST', '/api/auth/activate', { staffId: 'shinjin06', code });
    await c.request('POST', '/api/auth/enrolment/password', { newPassword: 'Shinjin-Own-Pass-2026' });
    const { body } = await c.json<{ secret: string }>('POST', '/api/auth/enrolment/totp');
    const good = authenticator.generate(body.secret);
    const bad = good === '000000' ? '111111' : '000000';
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await c.request('POST', '/api/auth/enrolment/confirm', { code: bad })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
    expect((await c.request('POST', '/api/auth/enrolment/confirm', { code: good })).status).toBe(401);
    const row = await staffRow('shinjin06');
    expect(row.locked_until).not.toBeNull();
    expect(row.password_hash).toBeNull(); // nothing of the unfinished enrolment became the account's
  });

  it('a second use of the code replaces an unfinished enrolment session', async () => {
    const code = await enrollingAccount('shinjin07');
    const a = client('198.51.100.9');
    const b = client('198.51.100.10');
    await a.json('POST', '/api/auth/activate', { staffId: 'shinjin07', code });
    await b.json('POST', '/api/auth/activate', { staffId: 'shinjin07', code });
    expect((await a.request('POST', '/api/auth/enrolment/password', { newPassword: 'Shinjin-Own-Pass-2026' })).status).toBe(401);
    expect((await b.request('POST', '/api/auth/enrolment/password', { newPassword: 'Shinjin-Own-Pass-2026' })).status).toBe(204);
  });

  it('an unknown staff ID answers like a wrong code', async () => {
    const r = await client('198.51.100.11').json<Err>('POST', '/api/auth/activate', { staffId: 'nobody77', code: newActivationCode() });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toBe('職員IDまたは初回登録コードが正しくありません');
  });
});
