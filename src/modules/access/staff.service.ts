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
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('staff_role').values({ staff_id: staffId, role_code: roleCode, granted_by: label }).onConflict((oc) => oc.doNothing()).execute();
      await tx.insertInto('grant_log').values({ staff_id: staffId, role_code: roleCode, action: 'grant', by_actor: label }).execute();
      await this.audit.append(tx, actor, { functionCode: 'user.admin', action: 'role.grant', detail: { staffId, roleCode } });
    });
  }

  async revoke(staffId: string, roleCode: string, actor: Actor): Promise<void> {
    const label = actorLabel(actor);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('staff_role').where('staff_id', '=', staffId).where('role_code', '=', roleCode).execute();
      await tx.insertInto('grant_log').values({ staff_id: staffId, role_code: roleCode, action: 'revoke', by_actor: label }).execute();
      await this.audit.append(tx, actor, { functionCode: 'user.admin', action: 'role.revoke', detail: { staffId, roleCode } });
    });
  }

  /** One step for a departing user: disabled and every session ended at once. */
  async disable(staffId: string, reason: string, actor: Actor): Promise<{ sessionsEnded: number }> {
    const label = actorLabel(actor);
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
