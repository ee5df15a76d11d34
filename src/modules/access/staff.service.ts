import { authenticator } from 'otplib';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Keyring } from '../../security/keyring.js';
import type { Actor } from '../../security/actor.js';
import { actorLabel } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { AppError } from '../../http/errors.js';
import { AuthService, totpAad } from './auth.service.js';
import { passwordProblems } from './password.rules.js';
import { AccessRepository } from './access.repository.js';

export interface NewStaff {
  staffId: string;
  displayName: string;
  officeCode: string;
  password: string;
  roles: string[];
}

/** 利用者管理: accounts, role grants and revokes, disabling, TOTP enrolment. */
export class StaffService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly keyring: Keyring,
    private readonly audit: AuditRepository,
  ) {}

  /** Creates an individual account with a fresh TOTP secret; returns the secret for enrolment. */
  async create(s: NewStaff, actor: Actor): Promise<{ totpSecret: string }> {
    const problems = passwordProblems(s.password, s.staffId);
    if (problems.length) throw new AppError(400, 'weak_password', problems.join('。'), [{ field: 'password', label: 'パスワード', message: problems.join('。') }]);
    s = { ...s, roles: [...new Set(s.roles)] };
    await this.assertOfficeAndRoles(s.officeCode, s.roles);
    const totpSecret = authenticator.generateSecret(20);
    const hash = await AuthService.hashPassword(s.password);
    const label = actorLabel(actor);
    await this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${label}, true)`.execute(tx);
      const exists = await tx.selectFrom('staff').select('staff_id').where('staff_id', '=', s.staffId).executeTakeFirst();
      if (exists) throw new AppError(409, 'exists', `職員ID ${s.staffId} は既に存在します`);
      await tx
        .insertInto('staff')
        .values({
          staff_id: s.staffId,
          display_name: s.displayName,
          office_code: s.officeCode,
          password_hash: hash,
          totp_secret_enc: `${this.keyring.activeKeyId}:${this.keyring.encrypt(totpSecret, totpAad(s.staffId))}`,
          updated_by: label,
        })
        .execute();
      await tx.insertInto('grant_log').values({ staff_id: s.staffId, role_code: null, action: 'create', by_actor: label }).execute();
      for (const role of s.roles) {
        await tx.insertInto('staff_role').values({ staff_id: s.staffId, role_code: role, granted_by: label }).execute();
        await tx.insertInto('grant_log').values({ staff_id: s.staffId, role_code: role, action: 'grant', by_actor: label }).execute();
      }
      await this.audit.append(tx, actor, { functionCode: 'user.admin', action: 'staff.create', detail: { staffId: s.staffId, officeCode: s.officeCode, roles: s.roles } });
    });
    return { totpSecret };
  }

  async grant(staffId: string, roleCode: string, actor: Actor): Promise<void> {
    const label = actorLabel(actor);
    if (actor.kind === 'staff' && actor.id === staffId) throw new AppError(403, 'self_grant', '自分自身に権限(ロール)を付与することはできません。別の利用者管理者に依頼してください');
    await this.assertOfficeAndRoles(null, [roleCode]);
    await this.db.transaction().execute(async (tx) => {
      const target = await this.targetStaff(tx, staffId);
      if (target.disabled_at) throw new AppError(409, 'disabled', `職員ID ${staffId} は無効化されています`);
      const has = await tx.selectFrom('staff_role').select('role_code').where('staff_id', '=', staffId).where('role_code', '=', roleCode).executeTakeFirst();
      if (has) throw new AppError(409, 'already_granted', `職員ID ${staffId} には既にロール ${roleCode} が付与されています`);
      await tx.insertInto('staff_role').values({ staff_id: staffId, role_code: roleCode, granted_by: label }).onConflict((oc) => oc.doNothing()).execute();
      await tx.insertInto('grant_log').values({ staff_id: staffId, role_code: roleCode, action: 'grant', by_actor: label }).execute();
      await this.audit.append(tx, actor, { functionCode: 'user.admin', action: 'role.grant', detail: { staffId, roleCode } });
    });
  }

  async revoke(staffId: string, roleCode: string, actor: Actor): Promise<void> {
    const label = actorLabel(actor);
    await this.db.transaction().execute(async (tx) => {
      await this.targetStaff(tx, staffId);
      const r = await tx.deleteFrom('staff_role').where('staff_id', '=', staffId).where('role_code', '=', roleCode).returning('role_code').execute();
      if (r.length === 0) throw new AppError(404, 'not_granted', `職員ID ${staffId} にロール ${roleCode} は付与されていません`);
      await tx.insertInto('grant_log').values({ staff_id: staffId, role_code: roleCode, action: 'revoke', by_actor: label }).execute();
      await this.audit.append(tx, actor, { functionCode: 'user.admin', action: 'role.revoke', detail: { staffId, roleCode } });
    });
  }

  /** One step for a departing user: disabled and every session ended at once. */
  async disable(staffId: string, reason: string, actor: Actor): Promise<{ sessionsEnded: number }> {
    const label = actorLabel(actor);
    if (actor.kind === 'staff' && actor.id === staffId) throw new AppError(403, 'self_disable', '自分自身を無効化することはできません');
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${label}, true)`.execute(tx);
      const r = await tx.updateTable('staff').set({ disabled_at: new Date(), disabled_reason: reason }).where('staff_id', '=', staffId).returning('staff_id').executeTakeFirst();
      if (!r) throw new AppError(404, 'not_found', `職員ID ${staffId} は存在しません`);
      const sessionsEnded = await new AccessRepository(tx).endAllSessions(staffId, 'disabled');
      await tx.insertInto('grant_log').values({ staff_id: staffId, role_code: null, action: 'disable', by_actor: label }).execute();
      await this.audit.append(tx, actor, { functionCode: 'user.admin', action: 'staff.disable', detail: { staffId, reason, sessionsEnded } });
      return { sessionsEnded };
    });
  }

  async unlock(staffId: string, actor: Actor): Promise<void> {
    const label = actorLabel(actor);
    await this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${label}, true)`.execute(tx);
      const r = await tx.updateTable('staff').set({ failed_logins: 0, locked_until: null }).where('staff_id', '=', staffId).returning('staff_id').executeTakeFirst();
      if (!r) throw new AppError(404, 'not_found', `職員ID ${staffId} は存在しません`);
      await this.audit.append(tx, actor, { functionCode: 'user.admin', action: 'staff.unlock', detail: { staffId } });
    });
  }

  /** 400 naming the field when the office or a role is not in config/organization.yaml. */
  private async assertOfficeAndRoles(officeCode: string | null, roles: readonly string[]): Promise<void> {
    if (officeCode !== null && !(await this.db.selectFrom('office').select('office_code').where('office_code', '=', officeCode).executeTakeFirst())) {
      throw new AppError(400, 'unknown_office', `所属 ${officeCode} は登録されていません`, [{ field: 'officeCode', label: '所属', message: `所属: ${officeCode} は登録されていません` }]);
    }
    if (roles.length === 0) return;
    const known = new Set((await this.db.selectFrom('role').select('role_code').where('role_code', 'in', [...roles]).execute()).map((r) => r.role_code));
    const unknown = roles.filter((r) => !known.has(r));
    if (unknown.length) {
      throw new AppError(400, 'unknown_role', `ロール ${unknown.join(', ')} は登録されていません`, [{ field: 'roleCode', label: 'ロール', message: `ロール: ${unknown.join(', ')} は登録されていません` }]);
    }
  }

  private async targetStaff(tx: Kysely<DB>, staffId: string) {
    const t = await tx.selectFrom('staff').select(['staff_id', 'disabled_at']).where('staff_id', '=', staffId).executeTakeFirst();
    if (!t) throw new AppError(404, 'not_found', `職員ID ${staffId} は存在しません`);
    return t;
  }

  /** 利用者一覧: office, roles, disabled / locked state. */
  async list(now = new Date()) {
    const staff = await this.db
      .selectFrom('staff')
      .innerJoin('office', 'office.office_code', 'staff.office_code')
      .select(['staff.staff_id', 'staff.display_name', 'staff.office_code', 'office.name as office_name', 'office.kind as office_kind', 'staff.disabled_at', 'staff.disabled_reason', 'staff.locked_until', 'staff.failed_logins', 'staff.created_at'])
      .orderBy('staff.staff_id')
      .execute();
    const roles = await this.db.selectFrom('staff_role').select(['staff_id', 'role_code']).orderBy('role_code').execute();
    return staff.map((s) => ({ ...s, roles: roles.filter((r) => r.staff_id === s.staff_id).map((r) => r.role_code), locked: !!s.locked_until && s.locked_until > now }));
  }

  /**
   * 再発行: a forgotten password or a lost authenticator. The administrator sets a temporary password
   * and/or issues a new TOTP secret; every session of the staff member ends and the lockout is lifted.
   */
  async resetCredentials(staffId: string, opts: { password?: string; newTotp?: boolean }, actor: Actor): Promise<{ totpSecret: string | null; sessionsEnded: number }> {
    if (actor.kind === 'staff' && actor.id === staffId) throw new AppError(403, 'self_reset', '自分自身の認証情報は再発行できません。パスワードは「パスワードの変更」から変更してください');
    if (!opts.password && !opts.newTotp) throw new AppError(400, 'nothing', '再発行する項目(パスワードまたはワンタイムパスワード)を指定してください', [{ field: 'password', label: 'パスワード', message: 'パスワード: 仮パスワードを入力するか、ワンタイムパスワードの再発行を選んでください' }]);
    if (opts.password) {
      const problems = passwordProblems(opts.password, staffId);
      if (problems.length) throw new AppError(400, 'weak_password', problems.join('。'), [{ field: 'password', label: 'パスワード', message: `パスワード: ${problems.join('。')}` }]);
    }
    const hash = opts.password ? await AuthService.hashPassword(opts.password) : null;
    const totpSecret = opts.newTotp ? authenticator.generateSecret(20) : null;
    const label = actorLabel(actor);
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${label}, true)`.execute(tx);
      const target = await this.targetStaff(tx, staffId);
      if (target.disabled_at) throw new AppError(409, 'disabled', `職員ID ${staffId} は無効化されています`);
      await tx
        .updateTable('staff')
        .set({
          failed_logins: 0,
          locked_until: null,
          ...(hash ? { password_hash: hash } : {}),
          ...(totpSecret ? { totp_secret_enc: `${this.keyring.activeKeyId}:${this.keyring.encrypt(totpSecret, totpAad(staffId))}`, totp_last_step: null } : {}),
        })
        .where('staff_id', '=', staffId)
        .execute();
      const sessionsEnded = await new AccessRepository(tx).endAllSessions(staffId, 'credentials_reset');
      await this.audit.append(tx, actor, { functionCode: 'user.admin', action: 'staff.credentials_reset', detail: { staffId, password: !!hash, totp: !!totpSecret, sessionsEnded } });
      return { totpSecret, sessionsEnded };
    });
  }

  /** The current TOTP code of a staff member (demo convenience for the CLI). */
  async currentTotp(staffId: string): Promise<string> {
    const s = await this.db.selectFrom('staff').select('totp_secret_enc').where('staff_id', '=', staffId).executeTakeFirst();
    if (!s?.totp_secret_enc) throw new AppError(404, 'not_found', `職員ID ${staffId} にワンタイムパスワードが設定されていません`);
    const [keyId, blob] = s.totp_secret_enc.split(':') as [string, string];
    return authenticator.generate(this.keyring.decrypt(blob, totpAad(staffId), keyId));
  }

  /** Access-rights review (人事異動): users, roles, and every grant/revoke since a date. */
  async accessReview(since: Date) {
    const staff = await this.db
      .selectFrom('staff')
      .innerJoin('office', 'office.office_code', 'staff.office_code')
      .select(['staff.staff_id', 'staff.display_name', 'office.name as office_name', 'staff.disabled_at', 'staff.locked_until', 'staff.created_at'])
      .orderBy('staff.staff_id')
      .execute();
    const roles = await this.db.selectFrom('staff_role').select(['staff_id', 'role_code', 'granted_at', 'granted_by']).execute();
    const changes = await this.db.selectFrom('grant_log').selectAll().where('at', '>=', since).orderBy('grant_log_id').execute();
    return {
      staff: staff.map((s) => ({ ...s, roles: roles.filter((r) => r.staff_id === s.staff_id).map((r) => r.role_code) })),
      changes,
    };
  }
}
