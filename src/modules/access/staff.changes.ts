import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import { AppError } from '../../http/errors.js';
import type { ChangeKind, PendingChangeRow } from '../approval/approval.service.js';
import { AccessRepository } from './access.repository.js';
import { ACTIVATION_CODE_VALID_HOURS, activationCodeHash, newActivationCode } from './activation.rules.js';

/**
 * 利用者管理の四眼承認 (four-eyes user administration). One administrator requests, a different one
 * (permission 'user.admin', after a step-up) approves; only then is the account created, the role
 * granted or the credentials re-issued. Nobody chooses a password for someone else: an approved
 * creation or re-issue leaves the account without password and second factor and with a one-time
 * activation code, shown once to the APPROVING administrator (so the requester alone never holds both
 * the account and its code). The owner sets their own password and enrols their own second factor
 * at first login with that code.
 */

export const STAFF_KINDS = {
  create: 'staff.create',
  grant: 'staff.role_grant',
  reissue: 'staff.credentials_reissue',
} as const;

const staffIdSchema = z.string().regex(/^[A-Za-z0-9._-]{3,32}$/);
const roleCodeSchema = z.string().regex(/^[a-z0-9_]{1,64}$/);
const CreatePayloadSchema = z.object({ staffId: staffIdSchema, displayName: z.string().min(1).max(64), officeCode: z.string().regex(/^[a-z0-9_]{1,64}$/), roles: z.array(roleCodeSchema).max(20) }).strict();
const GrantPayloadSchema = z.object({ staffId: staffIdSchema, roleCode: roleCodeSchema }).strict();
const ReissuePayloadSchema = z.object({ staffId: staffIdSchema }).strict();
export type CreatePayload = z.infer<typeof CreatePayloadSchema>;
export type GrantPayload = z.infer<typeof GrantPayloadSchema>;
export type ReissuePayload = z.infer<typeof ReissuePayloadSchema>;

/** Pending changes of a staff account are keyed by this. */
export const staffSubject = (staffId: string) => `staff:${staffId}`;

/** A fresh activation code: the code for the approver, the hash and expiry for the staff row. */
export function issueActivation(staffId: string, now = new Date()) {
  const code = newActivationCode();
  return { code, hash: activationCodeHash(staffId, code), expiresAt: new Date(now.getTime() + ACTIVATION_CODE_VALID_HOURS * 3_600_000) };
}

/** The credential columns of an account that must enrol (again) with an activation code. */
export function awaitingActivation(hash: string, expiresAt: Date) {
  return {
    password_hash: null,
    totp_secret_enc: null,
    totp_last_step: null,
    activation_code_hash: hash,
    activation_expires_at: expiresAt,
    failed_logins: 0,
    second_factor_failures: 0,
    locked_until: null,
  };
}

async function liveTarget(tx: Transaction<DB>, staffId: string) {
  const t = await tx.selectFrom('staff').select(['staff_id', 'display_name', 'disabled_at']).where('staff_id', '=', staffId).executeTakeFirst();
  if (!t) throw new AppError(409, 'changed_since_request', `職員ID ${staffId} は存在しなくなりました。この変更は却下してください`);
  if (t.disabled_at) throw new AppError(409, 'disabled', `職員ID ${staffId} はこの変更の入力後に無効化されました。この変更は却下してください`);
  return t;
}

function notForOneself(approver: Actor, staffId: string, what: string) {
  if (approver.kind === 'staff' && approver.id === staffId) {
    throw new AppError(403, 'self_grant', `自分自身への${what}は承認できません。別の利用者管理者が承認してください`);
  }
}

async function applyCreate(tx: Transaction<DB>, change: PendingChangeRow, approver: Actor) {
  const p = change.payload as CreatePayload;
  if (await tx.selectFrom('staff').select('staff_id').where('staff_id', '=', p.staffId).executeTakeFirst()) {
    throw new AppError(409, 'exists', `職員ID ${p.staffId} はこの変更の入力後に登録されました。この変更は却下してください`);
  }
  const office = await tx.selectFrom('office').select('office_code').where('office_code', '=', p.officeCode).executeTakeFirst();
  const roles = p.roles.length ? await tx.selectFrom('role').select('role_code').where('role_code', 'in', p.roles).execute() : [];
  if (!office || roles.length !== p.roles.length) throw new AppError(409, 'changed_since_request', '所属またはロールがこの変更の入力後に変わりました。この変更は却下し、改めて入力してください');
  const a = issueActivation(p.staffId);
  const approvedBy = actorLabel(approver);
  await tx
    .insertInto('staff')
    .values({ staff_id: p.staffId, display_name: p.displayName, office_code: p.officeCode, ...awaitingActivation(a.hash, a.expiresAt), updated_by: approvedBy })
    .execute();
  await tx.insertInto('grant_log').values({ staff_id: p.staffId, role_code: null, action: 'create', by_actor: change.requestedBy, approved_by: approvedBy }).execute();
  for (const role of p.roles) {
    await tx.insertInto('staff_role').values({ staff_id: p.staffId, role_code: role, granted_by: change.requestedBy }).execute();
    await tx.insertInto('grant_log').values({ staff_id: p.staffId, role_code: role, action: 'grant', by_actor: change.requestedBy, approved_by: approvedBy }).execute();
  }
  return { staffId: p.staffId, roles: p.roles, activationExpiresAt: a.expiresAt.toISOString(), activation: { staffId: p.staffId, displayName: p.displayName, code: a.code, expiresAt: a.expiresAt } };
}

async function applyGrant(tx: Transaction<DB>, change: PendingChangeRow, approver: Actor) {
  const p = change.payload as GrantPayload;
  notForOneself(approver, p.staffId, 'ロールの付与');
  await liveTarget(tx, p.staffId);
  if (!(await tx.selectFrom('role').select('role_code').where('role_code', '=', p.roleCode).executeTakeFirst())) {
    throw new AppError(409, 'changed_since_request', `ロール ${p.roleCode} はこの変更の入力後に廃止されました。この変更は却下してください`);
  }
  const has = await tx.selectFrom('staff_role').select('role_code').where('staff_id', '=', p.staffId).where('role_code', '=', p.roleCode).executeTakeFirst();
  if (has) throw new AppError(409, 'already_granted', `職員ID ${p.staffId} には既にロール ${p.roleCode} が付与されています。この変更は却下してください`);
  await tx.insertInto('staff_role').values({ staff_id: p.staffId, role_code: p.roleCode, granted_by: change.requestedBy }).execute();
  await tx.insertInto('grant_log').values({ staff_id: p.staffId, role_code: p.roleCode, action: 'grant', by_actor: change.requestedBy, approved_by: actorLabel(approver) }).execute();
  return { staffId: p.staffId, roleCode: p.roleCode };
}

async function applyReissue(tx: Transaction<DB>, change: PendingChangeRow, approver: Actor) {
  const p = change.payload as ReissuePayload;
  notForOneself(approver, p.staffId, '認証情報の再発行');
  const target = await liveTarget(tx, p.staffId);
  const a = issueActivation(p.staffId);
  await tx.updateTable('staff').set(awaitingActivation(a.hash, a.expiresAt)).where('staff_id', '=', p.staffId).execute();
  // A lost security key must not keep working either: every second factor is enrolled again.
  const keys = await tx.deleteFrom('webauthn_credential').where('staff_id', '=', p.staffId).returning('credential_id').execute();
  const sessionsEnded = await new AccessRepository(tx).endAllSessions(p.staffId, 'credentials_reset');
  return {
    staffId: p.staffId,
    sessionsEnded,
    securityKeysRemoved: keys.length,
    activationExpiresAt: a.expiresAt.toISOString(),
    activation: { staffId: p.staffId, displayName: target.display_name, code: a.code, expiresAt: a.expiresAt },
  };
}

/** The three four-eyes kinds of user administration; decided by a second 'user.admin' holder after a step-up. */
export function staffChangeKinds(): ChangeKind[] {
  const common = { functionCode: 'user.admin', approverPermissions: ['user.admin'], stepUpToApprove: true } as const;
  return [
    { ...common, kind: STAFF_KINDS.create, label: '職員の登録', payload: CreatePayloadSchema, apply: applyCreate },
    { ...common, kind: STAFF_KINDS.grant, label: 'ロールの付与', payload: GrantPayloadSchema, apply: applyGrant },
    { ...common, kind: STAFF_KINDS.reissue, label: '認証情報の再発行', payload: ReissuePayloadSchema, apply: applyReissue },
  ];
}

/** nhi.actor for a transaction that writes staff tables. */
export async function setActor(tx: Transaction<DB>, actor: Actor): Promise<void> {
  await sql`SELECT set_config('nhi.actor', ${actorLabel(actor)}, true)`.execute(tx);
}
