import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, cookieOf, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { routeAccess } from '../../http/route.js';
import { sha256 } from './auth.service.js';
import { operatorActor } from '../../security/actor.js';

let f: Fixture;
let admin: Session;
beforeAll(async () => {
  f = await createFixture();
  admin = await f.login('admin01');
});
afterAll(async () => f?.close());

type Err = { error: { code: string; message: string; fields?: { field: string; message: string }[] } };
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

const hashOf = (s: Session) => sha256(s.cookie.split('=')[1]!);
/** Make the session's step-up stale (older than the 5-minute window). */
async function expireStepUp(s: Session) {
  await f.deps.database.db.updateTable('staff_session').set({ step_up_at: new Date(Date.now() - 10 * 60_000) }).where('session_hash', '=', hashOf(s)).execute();
}
async function stepUp(s: Session, staffId: string) {
  const r = await s.request('POST', '/api/auth/step-up', { code: await f.totpCode(staffId) });
  expect(r.status).toBe(204);
}

/** Login of a staff member created through the API (not a demo user). */
async function loginWith(staffId: string, password: string, secret: string) {
  const r1 = await f.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId, password }) });
  expect(r1.status).toBe(200);
  const c1 = cookieOf(r1);
  const { csrfToken } = (await r1.json()) as { csrfToken: string };
  const r2 = await f.app.request('/api/auth/totp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: c1, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ code: await f.totpCode(staffId, secret) }),
  });
  return r2;
}

describe('staff administration API (user.admin)', () => {
  it('lists staff with office, roles and disabled / locked state', async () => {
    const r = await admin.request('GET', '/api/admin/staff');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = (await r.json()) as { items: { staffId: string; officeName: string; roles: string[]; disabled: boolean; locked: boolean }[]; roles: { roleCode: string }[] };
    const kokuho = body.items.find((s) => s.staffId === 'kokuho01')!;
    expect(kokuho.officeName).toBe('本庁 国民健康保険課');
    expect(kokuho.roles).toEqual(['kokuho_staff']);
    expect(kokuho.disabled).toBe(false);
    expect(kokuho.locked).toBe(false);
    expect(body.roles.map((x) => x.roleCode)).toContain('auditor');
    expect(JSON.stringify(body)).not.toMatch(/password|totp_secret|argon2/);
  });

  it('creates a staff member; the TOTP secret comes back once as an otpauth URI and the login works with it', async () => {
    const password = 'Shinki-Shokuin-2026!';
    const body = { staffId: 'shinki01', displayName: '新規 職員', officeCode: 'kamine', password, roles: ['branch_reader'] };
    await expireStepUp(admin);
    const noStepUp = await admin.request('POST', '/api/admin/staff', body);
    expect(noStepUp.status).toBe(403); // a new account with roles is a permission change
    expect(((await noStepUp.json()) as { error: { code: string } }).error.code).toBe('step_up_required');
    await stepUp(admin, 'admin01');
    const r = await admin.request('POST', '/api/admin/staff', body);
    expect(r.status).toBe(201);
    const { otpauthUri } = (await r.json()) as { otpauthUri: string };
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    const secret = uri.searchParams.get('secret')!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const login = await loginWith('shinki01', password, secret);
    expect(login.status).toBe(200);
    const me = (await login.json()) as { staff: { staffId: string; officeCode: string; permissions: string[] } };
    expect(me.staff).toMatchObject({ staffId: 'shinki01', officeCode: 'kamine', permissions: ['person.read'] });
    // The secret is never shown again: the list has no trace of it.
    expect(await (await admin.request('GET', '/api/admin/staff')).text()).not.toContain(secret);
    const ev = await f.deps.database.db.selectFrom('audit_event').select(['actor_id', 'detail']).where('action', '=', 'staff.create').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(ev.actor_id).toBe('admin01');
    expect(JSON.stringify(ev.detail)).not.toContain(secret);
    expect(JSON.stringify(ev.detail)).not.toContain(password);
  });

  it('refuses bad input naming the field in Japanese: weak password, unknown office, unknown role, existing ID', async () => {
    const base = { staffId: 'shinki02', displayName: '新規 二郎', officeCode: 'kokuho', password: 'Shinki-Jiro-2026!x', roles: ['kokuho_staff'] };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, password: 'short' }, 400, 'password'],
      [{ ...base, officeCode: 'nowhere' }, 400, 'officeCode'],
      [{ ...base, roles: ['no_such_role'] }, 400, 'roleCode'],
      [{ ...base, staffId: 'a' }, 400, 'staffId'],
      [{ ...base, extra: 1 }, 400, '(本文)'],
    ];
    for (const [b, status, field] of cases) {
      const r = await admin.request('POST', '/api/admin/staff', b);
      expect(r.status, JSON.stringify(b)).toBe(status);
      const e = (await r.json()) as Err;
      expect(e.error.message).toMatch(JAPANESE);
      expect(e.error.fields?.map((x) => x.field)).toContain(field);
    }
    const dup = await admin.request('POST', '/api/admin/staff', { ...base, staffId: 'kokuho01' });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as Err).error.message).toContain('既に存在します');
  });

  it('grant and revoke need a recent step-up; the revoke takes effect on the next request', async () => {
    const clerk = await f.login('kokuho01');
    expect((await clerk.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(200);

    await expireStepUp(admin);
    const noStepUp = await admin.request('POST', '/api/admin/staff/kokuho01/roles/kokuho_staff/revoke');
    expect(noStepUp.status).toBe(403);
    expect(((await noStepUp.json()) as Err).error.code).toBe('step_up_required');
    const grantNoStepUp = await admin.request('POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'dv_officer' });
    expect(grantNoStepUp.status).toBe(403);
    expect(((await grantNoStepUp.json()) as Err).error.code).toBe('step_up_required');
    // Nothing changed.
    expect((await clerk.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(200);

    await stepUp(admin, 'admin01');
    const revoked = await admin.request('POST', '/api/admin/staff/kokuho01/roles/kokuho_staff/revoke');
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { roles: string[] }).roles).toEqual([]);
    // The same session, the very next request: no longer allowed.
    const after = await clerk.request('GET', '/api/persons?kana=ヤマダ');
    expect(after.status).toBe(403);

    const granted = await admin.request('POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'kokuho_staff' });
    expect(granted.status).toBe(200);
    expect((await clerk.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(200);

    const again = await admin.request('POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'kokuho_staff' });
    expect(again.status).toBe(409);
    const notGranted = await admin.request('POST', '/api/admin/staff/kokuho01/roles/auditor/revoke');
    expect(notGranted.status).toBe(404);
    expect(((await notGranted.json()) as Err).error.message).toMatch(JAPANESE);
    const unknownStaff = await admin.request('POST', '/api/admin/staff/nobody99/roles', { roleCode: 'auditor' });
    expect(unknownStaff.status).toBe(404);

    const db = f.deps.database.db;
    const actions = await db.selectFrom('audit_event').select(['action', 'actor_id']).where('action', 'in', ['role.grant', 'role.revoke']).orderBy('seq').execute();
    expect(actions).toEqual([
      { action: 'role.revoke', actor_id: 'admin01' },
      { action: 'role.grant', actor_id: 'admin01' },
    ]);
  });

  it('an administrator cannot grant roles to themselves', async () => {
    await stepUp(admin, 'admin01');
    const r = await admin.request('POST', '/api/admin/staff/admin01/roles', { roleCode: 'kokuho_supervisor' });
    expect(r.status).toBe(403);
    const e = (await r.json()) as Err;
    expect(e.error.code).toBe('self_grant');
    expect(e.error.message).toContain('自分自身');
    const me = (await (await admin.request('GET', '/api/auth/me')).json()) as { permissions: string[] };
    expect(me.permissions).toEqual(['user.admin']);
  });

  it('disable is one step: the account is disabled and every session ends at once (needs step-up)', async () => {
    const a = await f.login('nozei01');
    const b = await f.login('nozei01');
    expect((await a.request('GET', '/api/auth/me')).status).toBe(200);

    await expireStepUp(admin);
    const refused = await admin.request('POST', '/api/admin/staff/nozei01/disable', { reason: '人事異動' });
    expect(refused.status).toBe(403);
    expect((await a.request('GET', '/api/auth/me')).status).toBe(200);

    await stepUp(admin, 'admin01');
    const missingReason = await admin.request('POST', '/api/admin/staff/nozei01/disable', {});
    expect(missingReason.status).toBe(400);
    expect(((await missingReason.json()) as Err).error.fields?.[0]?.field).toBe('reason');

    const r = await admin.request('POST', '/api/admin/staff/nozei01/disable', { reason: '人事異動(4月1日付)' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { sessionsEnded: number }).sessionsEnded).toBeGreaterThanOrEqual(2);
    expect((await a.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await b.request('GET', '/api/auth/me')).status).toBe(401);
    const live = await f.deps.database.db.selectFrom('staff_session').select('session_hash').where('staff_id', '=', 'nozei01').where('ended_at', 'is', null).execute();
    expect(live).toEqual([]);
    const list = (await (await admin.request('GET', '/api/admin/staff')).json()) as { items: { staffId: string; disabled: boolean; disabledReason: string | null }[] };
    expect(list.items.find((s) => s.staffId === 'nozei01')).toMatchObject({ disabled: true, disabledReason: '人事異動(4月1日付)' });
    const self = await admin.request('POST', '/api/admin/staff/admin01/disable', { reason: 'テスト' });
    expect(self.status).toBe(403);
  });

  it('unlocks a locked account', async () => {
    const db = f.deps.database.db;
    await db.transaction().execute(async (tx) => {
      const { sql } = await import('kysely');
      await sql`SELECT set_config('nhi.actor', 'test', true)`.execute(tx);
      await tx.updateTable('staff').set({ failed_logins: 5, locked_until: new Date(Date.now() + 15 * 60_000) }).where('staff_id', '=', 'kakari01').execute();
    });
    const listed = (await (await admin.request('GET', '/api/admin/staff')).json()) as { items: { staffId: string; locked: boolean }[] };
    expect(listed.items.find((s) => s.staffId === 'kakari01')?.locked).toBe(true);
    const r = await admin.request('POST', '/api/admin/staff/kakari01/unlock');
    expect(r.status).toBe(200);
    const s = await db.selectFrom('staff').select(['failed_logins', 'locked_until']).where('staff_id', '=', 'kakari01').executeTakeFirstOrThrow();
    expect(s).toEqual({ failed_logins: 0, locked_until: null });
    expect((await admin.request('POST', '/api/admin/staff/nobody99/unlock')).status).toBe(404);
  });

  it('the access review lists users, roles and every grant / revoke / disable since the date (JSON and CSV)', async () => {
    const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
    const r = await admin.request('GET', `/api/admin/access-review?since=${today}`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { staff: { staffId: string; roles: string[]; disabled: boolean }[]; changes: { action: string; staffId: string; roleCode: string | null; by: string }[] };
    expect(body.staff.find((s) => s.staffId === 'nozei01')?.disabled).toBe(true);
    expect(body.staff.find((s) => s.staffId === 'shinki01')?.roles).toEqual(['branch_reader']);
    const mine = body.changes.filter((c) => c.by === 'staff:admin01').map((c) => `${c.action} ${c.staffId} ${c.roleCode ?? ''}`.trim());
    expect(mine).toEqual(['create shinki01', 'grant shinki01 branch_reader', 'revoke kokuho01 kokuho_staff', 'grant kokuho01 kokuho_staff', 'disable nozei01']);

    const future = await admin.request('GET', '/api/admin/access-review?since=2199-01-01');
    expect(((await future.json()) as { changes: unknown[] }).changes).toEqual([]);

    const csv = await admin.request('GET', `/api/admin/access-review?since=${today}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="access-review-/);
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain('"変更","kokuho01","","","kokuho_staff","",');
    const ev = await f.deps.database.db.selectFrom('audit_event').select(['detail']).where('action', '=', 'access.review').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    const { createHash } = await import('node:crypto');
    expect((ev.detail as { sha256: string }).sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

    const bad = await admin.request('GET', '/api/admin/access-review?since=2026-02-30');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Err).error.fields?.[0]?.message).toContain('基準日');
    expect((await admin.request('GET', '/api/admin/access-review')).status).toBe(400);
  });
});

describe('branch read-only user (shisho01)', () => {
  it('can search but gets 403 on every write route', async () => {
    const s = await f.login('shisho01');
    expect((await s.request('GET', `/api/persons?atenaNo=${FIXTURE.sato.mother}`)).status).toBe(200);
    const me = (await (await s.request('GET', '/api/auth/me')).json()) as { permissions: string[] };
    expect(me.permissions).toEqual(['person.read']);

    const writes = [...routeAccess.entries()].filter(([key, access]) => !key.startsWith('GET ') && !key.startsWith('ALL ') && access !== 'public' && access !== 'authenticated');
    expect(writes.length).toBeGreaterThanOrEqual(6);
    const fill = (path: string) =>
      path.replace(/:(\w+)/g, (_, name: string) => (name === 'staffId' ? 'kokuho01' : name === 'roleCode' ? 'kokuho_staff' : name === 'householdNo' ? String(FIXTURE.yamada.household) : String(FIXTURE.yamada.head)));
    for (const [key] of writes) {
      const [method, path] = key.split(' ') as [string, string];
      const r = await s.request(method, fill(path), {});
      expect(r.status, key).toBe(403);
      expect(((await r.json()) as Err).error.code, key).toBe('forbidden');
    }
    // Nothing was changed for kokuho01 by any of those attempts.
    expect(await f.deps.auth.repo.rolesOf('kokuho01')).toEqual(['kokuho_staff']);
  });
});

describe('再発行: a forgotten password or a lost authenticator', () => {
  it('sets a temporary password and a new TOTP secret after a step-up; old sessions end and the old factor no longer works', async () => {
    const password = 'Saihakko-Mae-2026!';
    const { totpSecret: oldSecret } = await f.deps.staff.create({ staffId: 'saihakko01', displayName: '再発行 太郎', officeCode: 'kokuho', password, roles: ['branch_reader'] }, operatorActor('test', new Set(['user.admin'])));
    const old = await f.loginWith('saihakko01', password, oldSecret);

    await expireStepUp(admin);
    const refused = await admin.request('POST', '/api/admin/staff/saihakko01/reset', { password: 'Karino-Pass-2026!', newTotp: true });
    expect(refused.status).toBe(403);
    await stepUp(admin, 'admin01');
    const weak = await admin.request('POST', '/api/admin/staff/saihakko01/reset', { password: 'short' });
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as Err).error.fields?.[0]?.message).toMatch(/^パスワード: .*12文字以上/);
    const r = await admin.request('POST', '/api/admin/staff/saihakko01/reset', { password: 'Karino-Pass-2026!', newTotp: true });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { sessionsEnded: number; otpauthUri: string };
    expect(body.sessionsEnded).toBeGreaterThanOrEqual(1);
    const newSecret = new URL(body.otpauthUri).searchParams.get('secret')!;
    expect(newSecret).not.toBe(oldSecret);

    expect((await old.request('GET', '/api/auth/me')).status).toBe(401);
    await expect(f.loginWith('saihakko01', password, newSecret)).rejects.toThrow(/login failed 401/);
    await expect(f.loginWith('saihakko01', 'Karino-Pass-2026!', oldSecret)).rejects.toThrow(/totp failed 401/);
    const fresh = await f.loginWith('saihakko01', 'Karino-Pass-2026!', newSecret);
    expect((await fresh.request('GET', '/api/auth/me')).status).toBe(200);
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'staff.credentials_reset').executeTakeFirstOrThrow();
    expect(ev.actor_id).toBe('admin01');
    expect(JSON.stringify(ev.detail)).not.toContain('Karino');
  });

  it('an administrator cannot reset their own credentials this way', async () => {
    await stepUp(admin, 'admin01');
    const r = await admin.request('POST', '/api/admin/staff/admin01/reset', { newTotp: true });
    expect(r.status).toBe(403);
    expect(((await r.json()) as Err).error.message).toMatch(/自分自身/);
  });
});
