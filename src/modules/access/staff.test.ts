import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { routeAccess } from '../../http/route.js';
import { sha256 } from './auth.service.js';
import { operatorActor } from '../../security/actor.js';
import { activationCodeHash, ACTIVATION_CODE_VALID_HOURS } from './activation.rules.js';

let f: Fixture;
let admin: Session;
let admin2: Session;
beforeAll(async () => {
  f = await createFixture();
  admin = await f.login('admin01');
  admin2 = await f.login('admin02');
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

type Decided = { changeId: number; status: string; activation?: { staffId: string; displayName: string; code: string; expiresAt: string } };
type Listed = { items: { changeId: number; kind: string; kindLabel: string; subjectKey: string | null; atenaNo: number | null; requestedBy: string; notes: { label: string; value: string }[] }[] };

/** A second administrator approves a change (after a step-up). */
async function approveAs(s: Session, staffId: string, changeId: number): Promise<Decided> {
  await stepUp(s, staffId);
  const r = await s.request('POST', `/api/approvals/${changeId}/approve`, {});
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as Decided;
}

const db = () => f.deps.database.db;
const denials = (action: string) => db().selectFrom('audit_event').select(['actor_id', 'detail', 'outcome']).where('action', '=', action).where('outcome', '=', 'denied').orderBy('seq').execute();

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

  it('one administrator alone cannot create an account: it waits for a second administrator, who alone receives the one-time activation code', async () => {
    // The review finding: admin01 created accounts with passwords it chose and received their TOTP secrets.
    await stepUp(admin, 'admin01');
    const withPassword = await admin.request('POST', '/api/admin/staff', { staffId: 'shinki01', displayName: '新規 職員', officeCode: 'kamine', password: 'Shinki-Shokuin-2026!', roles: ['branch_reader'] });
    expect(withPassword.status).toBe(400); // nobody chooses a password for someone else
    const body = { staffId: 'shinki01', displayName: '新規 職員', officeCode: 'kamine', roles: ['branch_reader'] };
    await expireStepUp(admin);
    const noStepUp = await admin.request('POST', '/api/admin/staff', body);
    expect(noStepUp.status).toBe(403);
    expect(((await noStepUp.json()) as Err).error.code).toBe('step_up_required');
    await stepUp(admin, 'admin01');
    const r = await admin.request('POST', '/api/admin/staff', body);
    expect(r.status).toBe(202);
    const requested = (await r.json()) as { changeId: number; status: string };
    expect(requested.status).toBe('pending');
    expect(JSON.stringify(requested)).not.toMatch(/otpauth|secret|code/i);
    expect(await db().selectFrom('staff').select('staff_id').where('staff_id', '=', 'shinki01').executeTakeFirst()).toBeUndefined();
    const twice = await admin.request('POST', '/api/admin/staff', body);
    expect(twice.status).toBe(409);

    // The requester cannot decide it; a 国保係長 (approval, no user.admin) neither sees nor decides it.
    expect((await admin.request('POST', `/api/approvals/${requested.changeId}/approve`, {})).status).toBe(403);
    const chief = await f.login('kakari01');
    const chiefList = (await (await chief.request('GET', '/api/approvals')).json()) as Listed;
    expect(chiefList.items.some((i) => i.kind.startsWith('staff.'))).toBe(false);
    expect((await chief.request('POST', `/api/approvals/${requested.changeId}/approve`, {})).status).toBe(403);

    // The second administrator sees it with the subject, and must step up to approve.
    const listed = (await (await admin2.request('GET', '/api/approvals')).json()) as Listed;
    const item = listed.items.find((i) => i.changeId === requested.changeId)!;
    expect(item).toMatchObject({ kind: 'staff.create', kindLabel: '職員の登録', subjectKey: 'staff:shinki01', atenaNo: null, requestedBy: 'staff:admin01' });
    await expireStepUp(admin2);
    expect((await admin2.request('POST', `/api/approvals/${requested.changeId}/approve`, {})).status).toBe(403);
    const decided = await approveAs(admin2, 'admin02', requested.changeId);
    const code = decided.activation!.code;
    expect(decided.activation).toMatchObject({ staffId: 'shinki01', displayName: '新規 職員' });
    expect(code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
    const expires = new Date(decided.activation!.expiresAt).getTime();
    expect(Math.abs(expires - (Date.now() + ACTIVATION_CODE_VALID_HOURS * 3_600_000))).toBeLessThan(60_000);

    // The account has no password and no second factor: only the owner can enrol, with the code.
    const row = await db().selectFrom('staff').selectAll().where('staff_id', '=', 'shinki01').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ password_hash: null, totp_secret_enc: null, activation_code_hash: activationCodeHash('shinki01', code) });
    expect(await f.deps.auth.repo.rolesOf('shinki01')).toEqual(['branch_reader']);
    const staffList = (await (await admin.request('GET', '/api/admin/staff')).json()) as { items: { staffId: string; awaitingActivation: boolean }[] };
    expect(staffList.items.find((s) => s.staffId === 'shinki01')?.awaitingActivation).toBe(true);
    expect(staffList.items.find((s) => s.staffId === 'kokuho01')?.awaitingActivation).toBe(false);

    // The code is shown once: not to the requester, not in the lists, never in the audit trail.
    expect(await (await admin.request('GET', '/api/approvals?status=approved')).text()).not.toContain(code);
    expect(await (await admin2.request('GET', '/api/approvals?status=approved')).text()).not.toContain(code);
    const events = await db().selectFrom('audit_event').select(['action', 'actor_id', 'outcome', 'detail']).where('action', 'like', 'staff.create.%').orderBy('seq').execute();
    expect(events.filter((e) => e.outcome === 'success').map((e) => [e.action, e.actor_id])).toEqual([['staff.create.request', 'admin01'], ['staff.create.approve', 'admin02']]);
    // The refusals are on the trail too: a second request, the requester approving, the 国保係長 approving, no step-up.
    expect(events.filter((e) => e.outcome === 'denied').map((e) => [e.action, e.actor_id, (e.detail as { reason: string }).reason])).toEqual([
      ['staff.create.request', 'admin01', 'step_up_required'],
      ['staff.create.request', 'admin01', 'pending_exists'],
      ['staff.create.approve', 'admin01', 'self_approval'],
      ['staff.create.approve', 'kakari01', 'forbidden'],
      ['staff.create.approve', 'admin02', 'step_up_required'],
    ]);
    expect(JSON.stringify(events)).not.toContain(code.replace(/-/g, '').slice(0, 8));
    expect(JSON.stringify(events)).not.toContain(code);
    expect((await admin2.request('POST', `/api/approvals/${requested.changeId}/approve`, {})).status).toBe(409);

    // The owner starts their own enrolment with the code the approver handed over.
    const activated = await f.app.request('/api/auth/activate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId: 'shinki01', code }) });
    expect(activated.status).toBe(200);
    expect(((await activated.json()) as { stage: string }).stage).toBe('enrolment');
  });

  it('refuses bad input naming the field in Japanese: unknown office, unknown role, bad ID, extra field, existing ID', async () => {
    await stepUp(admin, 'admin01');
    const base = { staffId: 'shinki02', displayName: '新規 二郎', officeCode: 'kokuho', roles: ['kokuho_staff'] };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, officeCode: 'nowhere' }, 400, 'officeCode'],
      [{ ...base, roles: ['no_such_role'] }, 400, 'roleCode'],
      [{ ...base, staffId: 'a' }, 400, 'staffId'],
      [{ ...base, password: 'Shinki-Jiro-2026!x' }, 400, '(本文)'],
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
    // Refusals the service decides leave a 'denied' record with the reason.
    const denied = await denials('staff.create.request');
    expect(denied.map((d) => (d.detail as { reason: string }).reason)).toEqual(expect.arrayContaining(['unknown_office', 'unknown_role', 'exists']));
  });

  it('a role grant waits for a second administrator; revoke needs a step-up and takes effect on the next request', async () => {
    const clerk = await f.login('kokuho01');
    expect((await clerk.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(200);

    await expireStepUp(admin);
    const noStepUp = await admin.request('POST', '/api/admin/staff/kokuho01/roles/kokuho_staff/revoke');
    expect(noStepUp.status).toBe(403);
    expect(((await noStepUp.json()) as Err).error.code).toBe('step_up_required');
    const grantNoStepUp = await admin.request('POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'dv_officer' });
    expect(grantNoStepUp.status).toBe(403);
    expect(((await grantNoStepUp.json()) as Err).error.code).toBe('step_up_required');
    expect((await clerk.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(200);

    await stepUp(admin, 'admin01');
    const revoked = await admin.request('POST', '/api/admin/staff/kokuho01/roles/kokuho_staff/revoke');
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { roles: string[] }).roles).toEqual([]);
    // The same session, the very next request: no longer allowed.
    expect((await clerk.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(403);

    const granted = await admin.request('POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'kokuho_staff' });
    expect(granted.status).toBe(202);
    const { changeId } = (await granted.json()) as { changeId: number };
    expect((await clerk.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(403); // not before the approval
    expect((await admin.request('POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'kokuho_staff' })).status).toBe(409); // already waiting
    const decided = await approveAs(admin2, 'admin02', changeId);
    expect(decided.activation).toBeUndefined();
    expect((await clerk.request('GET', '/api/persons?kana=ヤマダ')).status).toBe(200);

    await stepUp(admin, 'admin01');
    const again = await admin.request('POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'kokuho_staff' });
    expect(again.status).toBe(409);
    const notGranted = await admin.request('POST', '/api/admin/staff/kokuho01/roles/auditor/revoke');
    expect(notGranted.status).toBe(404);
    expect(((await notGranted.json()) as Err).error.message).toMatch(JAPANESE);
    const unknownStaff = await admin.request('POST', '/api/admin/staff/nobody99/roles', { roleCode: 'auditor' });
    expect(unknownStaff.status).toBe(404);

    const actions = await db().selectFrom('audit_event').select(['action', 'actor_id']).where('action', 'in', ['staff.role_grant.request', 'staff.role_grant.approve', 'role.revoke']).where('outcome', '=', 'success').orderBy('seq').execute();
    expect(actions).toEqual([
      { action: 'role.revoke', actor_id: 'admin01' },
      { action: 'staff.role_grant.request', actor_id: 'admin01' },
      { action: 'staff.role_grant.approve', actor_id: 'admin02' },
    ]);
  });

  it('an administrator cannot grant roles to themselves, neither by request nor by approving a grant to themselves; each refusal is audited', async () => {
    await stepUp(admin, 'admin01');
    const r = await admin.request('POST', '/api/admin/staff/admin01/roles', { roleCode: 'kokuho_supervisor' });
    expect(r.status).toBe(403);
    const e = (await r.json()) as Err;
    expect(e.error.code).toBe('self_grant');
    expect(e.error.message).toContain('自分自身');
    const me = (await (await admin.request('GET', '/api/auth/me')).json()) as { permissions: string[] };
    expect(me.permissions).toEqual(['user.admin']);
    const denied = await denials('staff.role_grant.request');
    expect(denied.at(-1)).toMatchObject({ actor_id: 'admin01', detail: { staffId: 'admin01', roleCode: 'kokuho_supervisor', reason: 'self_grant' } });

    // admin01 asks for a role for admin02; admin02 may not approve a grant to themselves.
    const forOther = await admin.request('POST', '/api/admin/staff/admin02/roles', { roleCode: 'kokuho_supervisor' });
    expect(forOther.status).toBe(202);
    const { changeId } = (await forOther.json()) as { changeId: number };
    await stepUp(admin2, 'admin02');
    const selfApprove = await admin2.request('POST', `/api/approvals/${changeId}/approve`, {});
    expect(selfApprove.status).toBe(403);
    expect(((await selfApprove.json()) as Err).error.code).toBe('self_grant');
    expect(await f.deps.auth.repo.rolesOf('admin02')).toEqual(['user_admin']);
    const refusal = await db().selectFrom('audit_event').select(['actor_id', 'outcome', 'detail']).where('action', '=', 'staff.role_grant.approve').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(refusal).toMatchObject({ actor_id: 'admin02', outcome: 'denied', detail: { changeId, reason: 'self_grant' } });
    await stepUp(admin, 'admin01');
    expect((await admin.request('POST', `/api/approvals/${changeId}/reject`, { note: 'テストのため取り下げ' })).status).toBe(403); // the requester cannot decide
    expect((await admin2.request('POST', `/api/approvals/${changeId}/reject`, { note: '本人の申請ではないため' })).status).toBe(200);
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
    const body = (await r.json()) as { staff: { staffId: string; roles: string[]; disabled: boolean }[]; changes: { action: string; staffId: string; roleCode: string | null; by: string; approvedBy: string | null }[] };
    expect(body.staff.find((s) => s.staffId === 'nozei01')?.disabled).toBe(true);
    expect(body.staff.find((s) => s.staffId === 'shinki01')?.roles).toEqual(['branch_reader']);
    const mine = body.changes.filter((c) => c.by === 'staff:admin01').map((c) => `${c.action} ${c.staffId} ${c.roleCode ?? ''} ${c.approvedBy ?? '-'}`.trim());
    expect(mine).toEqual([
      'create shinki01  staff:admin02',
      'grant shinki01 branch_reader staff:admin02',
      'revoke kokuho01 kokuho_staff -',
      'grant kokuho01 kokuho_staff staff:admin02',
      'disable nozei01  -',
    ]);

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
    expect(text).toMatch(/"変更","kokuho01","","","kokuho_staff","","[^"]+","grant","[^"]*admin01[^"]*","[^"]*admin02[^"]*"/);
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
  it('waits for a second administrator; on approval the password and second factor are gone, every session ends and the approver gets an activation code', async () => {
    const password = 'Saihakko-Mae-2026!';
    const { totpSecret } = await f.deps.staff.createWithKnownCredentials({ staffId: 'saihakko01', displayName: '再発行 太郎', officeCode: 'kokuho', password, roles: ['branch_reader'] }, operatorActor('test', new Set(['user.admin'])));
    const old = await f.loginWith('saihakko01', password, totpSecret);

    await expireStepUp(admin);
    expect((await admin.request('POST', '/api/admin/staff/saihakko01/reset', {})).status).toBe(403);
    await stepUp(admin, 'admin01');
    // Nobody sets a password for someone else, and no secret is issued to the administrator.
    const withPassword = await admin.request('POST', '/api/admin/staff/saihakko01/reset', { password: 'Karino-Pass-2026!', newTotp: true });
    expect(withPassword.status).toBe(400);
    const r = await admin.request('POST', '/api/admin/staff/saihakko01/reset', {});
    expect(r.status).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    expect((await old.request('GET', '/api/auth/me')).status).toBe(200); // nothing happens before the approval
    expect((await admin.request('POST', '/api/admin/staff/saihakko01/reset', {})).status).toBe(409); // one at a time

    const decided = await approveAs(admin2, 'admin02', changeId);
    const code = decided.activation!.code;
    expect(decided.activation).toMatchObject({ staffId: 'saihakko01', displayName: '再発行 太郎' });
    expect((await old.request('GET', '/api/auth/me')).status).toBe(401);
    await expect(f.loginWith('saihakko01', password, totpSecret)).rejects.toThrow(/login failed 401/);
    const row = await db().selectFrom('staff').selectAll().where('staff_id', '=', 'saihakko01').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ password_hash: null, totp_secret_enc: null, totp_last_step: null, locked_until: null, activation_code_hash: activationCodeHash('saihakko01', code) });
    const ev = await db().selectFrom('audit_event').selectAll().where('action', '=', 'staff.credentials_reissue.approve').executeTakeFirstOrThrow();
    expect(ev.actor_id).toBe('admin02');
    expect(ev.detail).toMatchObject({ staffId: 'saihakko01', sessionsEnded: 1 });
    expect(JSON.stringify(ev.detail)).not.toContain(code);
  });

  it('an administrator cannot re-issue their own credentials this way (refused and audited)', async () => {
    await stepUp(admin, 'admin01');
    const r = await admin.request('POST', '/api/admin/staff/admin01/reset', {});
    expect(r.status).toBe(403);
    expect(((await r.json()) as Err).error.message).toMatch(/自分自身/);
    expect((await denials('staff.credentials_reissue.request')).at(-1)).toMatchObject({ actor_id: 'admin01', detail: { reason: 'self_reset' } });
  });
});

describe('first administrators of a real city (admin-init)', () => {
  it('is refused while two active user administrators exist, with a Japanese message, and audited', async () => {
    const op = operatorActor('admin-init', new Set(['user.admin']));
    await expect(f.deps.staff.initAdministrator({ staffId: 'kanri01', displayName: '管理 一子', officeCode: 'johoseisaku' }, op)).rejects.toThrow(/有効な利用者管理者が既に2名います/);
    expect(await db().selectFrom('staff').select('staff_id').where('staff_id', '=', 'kanri01').executeTakeFirst()).toBeUndefined();
    expect((await denials('staff.admin_init')).at(-1)).toMatchObject({ detail: { staffId: 'kanri01', reason: 'admins_exist' } });
  });
});
