import { authenticator } from 'otplib';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Keyring } from '../../security/keyring.js';
import type { Actor } from '../../security/actor.js';
import { actorLabel } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { runUseCase, type UseCaseContext } from '../../platform/use-case.js';
import { AppError } from '../../http/errors.js';
import { AuthService, totpAad } from './auth.service.js';
import { AccessRepository } from './access.repository.js';
import { requireStepUp } from '../../http/step-up.js';
import type { ApprovalService } from '../approval/approval.service.js';
import { awaitingActivation, issueActivation, STAFF_KINDS, staffSubject, type CreatePayload, type GrantPayload, type ReissuePayload } from './staff.changes.js';

export interface NewStaff {
  staffId: string;
  displayName: string;
  officeCode: string;
  roles: string[];
}

/** The permission that makes someone a user administrator (four-eyes needs two of them). */
const ADMIN_PERMISSION = 'user.admin';

/**
 * 利用者管理: accounts, role grants and revokes, disabling, credential re-issue. Creating an account,
 * granting a role and re-issuing credentials are four-eyes changes (staff.changes.ts); revoking,
 * disabling and unlocking take effect at once (they only take rights away). Every refusal is audited.
 */
export class StaffService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly keyring: Keyring,
    private readonly audit: AuditRepository,
    private readonly approvals: ApprovalService,
  ) {}

  /**
   * A user-administration act as one use case (src/platform/use-case.ts): one transaction with the actor
   * set, the success record appended in it, and a refusal (AppError) recorded as 'denied' with its reason.
   */
  private useCase<T>(actor: Actor, action: string, detail: Record<string, unknown>, correlationId: string | null, fn: (ctx: UseCaseContext) => Promise<T>): Promise<T> {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'user.admin', action, detail, correlationId }, fn);
  }

  /** 職員の登録 (request): held until a second administrator approves; the approver receives the activation code. */
  async requestCreate(s: NewStaff, actor: Actor, correlationId: string | null = null): Promise<{ changeId: number }> {
    s = { ...s, roles: [...new Set(s.roles)] };
    return this.useCase(actor, `${STAFF_KINDS.create}.request`, { staffId: s.staffId, roles: s.roles }, correlationId, async ({ tx, skipSuccessRecord }) => {
      requireStepUp(actor);
      await this.assertOfficeAndRoles(tx, s.officeCode, s.roles);
      {
        if (await tx.selectFrom('staff').select('staff_id').where('staff_id', '=', s.staffId).executeTakeFirst()) throw new AppError(409, 'exists', `職員ID ${s.staffId} は既に存在します`);
        await this.assertNothingPending(tx, s.staffId, [STAFF_KINDS.create]);
        const office = await tx.selectFrom('office').select('name').where('office_code', '=', s.officeCode).executeTakeFirstOrThrow();
        const payload: CreatePayload = { staffId: s.staffId, displayName: s.displayName, officeCode: s.officeCode, roles: s.roles };
        const changeId = await this.approvals.submit(tx, actor, {
          kind: STAFF_KINDS.create,
          atenaNo: null,
          subjectKey: staffSubject(s.staffId),
          payload: { ...payload },
          summary: {
            fields: [
              { label: '職員ID', before: null, after: s.staffId },
              { label: '氏名', before: null, after: s.displayName },
              { label: '所属', before: null, after: office.name },
              { label: 'ロール', before: null, after: (await this.roleNames(tx, s.roles)) || 'なし' },
            ],
            notes: [{ label: '対象職員', value: `${s.displayName}(${s.staffId})` }],
            meta: {},
          },
          warnings: [],
          auditDetail: { staffId: s.staffId, officeCode: s.officeCode, roles: s.roles },
          correlationId,
        });
        skipSuccessRecord(); // approvals.submit appended the request's record
        return { changeId };
      }
    });
  }

  /** ロールの付与 (request): never to oneself; held until a second administrator approves. */
  async requestGrant(staffId: string, roleCode: string, actor: Actor, correlationId: string | null = null): Promise<{ changeId: number }> {
    return this.useCase(actor, `${STAFF_KINDS.grant}.request`, { staffId, roleCode }, correlationId, async ({ tx, skipSuccessRecord }) => {
      if (actor.kind === 'staff' && actor.id === staffId) throw new AppError(403, 'self_grant', '自分自身に権限(ロール)を付与することはできません。別の利用者管理者に依頼してください');
      requireStepUp(actor);
      await this.assertOfficeAndRoles(tx, null, [roleCode]);
      {
        const target = await this.targetStaff(tx, staffId);
        if (target.disabled_at) throw new AppError(409, 'disabled', `職員ID ${staffId} は無効化されています`);
        const current = (await tx.selectFrom('staff_role').select('role_code').where('staff_id', '=', staffId).execute()).map((r) => r.role_code);
        if (current.includes(roleCode)) throw new AppError(409, 'already_granted', `職員ID ${staffId} には既にロール ${roleCode} が付与されています`);
        const waiting = await this.approvals.pendingForSubject(tx, staffSubject(staffId), [STAFF_KINDS.grant]);
        if (waiting.some((c) => (c.payload as GrantPayload).roleCode === roleCode)) throw new AppError(409, 'pending_exists', `職員ID ${staffId} へのロール ${roleCode} の付与は既に承認待ちです`);
        const payload: GrantPayload = { staffId, roleCode };
        const changeId = await this.approvals.submit(tx, actor, {
          kind: STAFF_KINDS.grant,
          atenaNo: null,
          subjectKey: staffSubject(staffId),
          payload: { ...payload },
          summary: {
            fields: [{ label: 'ロール', before: (await this.roleNames(tx, current)) || 'なし', after: await this.roleNames(tx, [...current, roleCode]) }],
            notes: [{ label: '対象職員', value: `${target.display_name}(${staffId})` }],
            meta: {},
          },
          warnings: [],
          auditDetail: { staffId, roleCode },
          correlationId,
        });
        skipSuccessRecord(); // approvals.submit appended the request's record
        return { changeId };
      }
    });
  }

  async revoke(staffId: string, roleCode: string, actor: Actor, correlationId: string | null = null): Promise<void> {
    await this.useCase(actor, 'role.revoke', { staffId, roleCode }, correlationId, async ({ tx }) => {
      requireStepUp(actor);
      await this.targetStaff(tx, staffId);
      const r = await tx.deleteFrom('staff_role').where('staff_id', '=', staffId).where('role_code', '=', roleCode).returning('role_code').execute();
      if (r.length === 0) throw new AppError(404, 'not_granted', `職員ID ${staffId} にロール ${roleCode} は付与されていません`);
      await tx.insertInto('grant_log').values({ staff_id: staffId, role_code: roleCode, action: 'revoke', by_actor: actorLabel(actor) }).execute();
    });
  }

  /** One step for a departing user: disabled and every session ended at once. */
  async disable(staffId: string, reason: string, actor: Actor, correlationId: string | null = null): Promise<{ sessionsEnded: number }> {
    return this.useCase(actor, 'staff.disable', { staffId }, correlationId, async ({ tx, detail }) => {
      if (actor.kind === 'staff' && actor.id === staffId) throw new AppError(403, 'self_disable', '自分自身を無効化することはできません');
      requireStepUp(actor);
      const r = await tx.updateTable('staff').set({ disabled_at: new Date(), disabled_reason: reason }).where('staff_id', '=', staffId).returning('staff_id').executeTakeFirst();
      if (!r) throw new AppError(404, 'not_found', `職員ID ${staffId} は存在しません`);
      const sessionsEnded = await new AccessRepository(tx).endAllSessions(staffId, 'disabled');
      await tx.insertInto('grant_log').values({ staff_id: staffId, role_code: null, action: 'disable', by_actor: actorLabel(actor) }).execute();
      detail({ reason, sessionsEnded });
      return { sessionsEnded };
    });
  }

  async unlock(staffId: string, actor: Actor, correlationId: string | null = null): Promise<void> {
    await this.useCase(actor, 'staff.unlock', { staffId }, correlationId, async ({ tx }) => {
      const r = await tx.updateTable('staff').set({ failed_logins: 0, locked_until: null }).where('staff_id', '=', staffId).returning('staff_id').executeTakeFirst();
      if (!r) throw new AppError(404, 'not_found', `職員ID ${staffId} は存在しません`);
    });
  }

  /** 400 naming the field when the office or a role is not in config/organization.yaml. */
  private async assertOfficeAndRoles(tx: Kysely<DB>, officeCode: string | null, roles: readonly string[]): Promise<void> {
    if (officeCode !== null && !(await tx.selectFrom('office').select('office_code').where('office_code', '=', officeCode).executeTakeFirst())) {
      throw new AppError(400, 'unknown_office', `所属 ${officeCode} は登録されていません`, [{ field: 'officeCode', label: '所属', message: `所属: ${officeCode} は登録されていません` }]);
    }
    if (roles.length === 0) return;
    const known = new Set((await tx.selectFrom('role').select('role_code').where('role_code', 'in', [...roles]).execute()).map((r) => r.role_code));
    const unknown = roles.filter((r) => !known.has(r));
    if (unknown.length) {
      throw new AppError(400, 'unknown_role', `ロール ${unknown.join(', ')} は登録されていません`, [{ field: 'roleCode', label: 'ロール', message: `ロール: ${unknown.join(', ')} は登録されていません` }]);
    }
  }

  private async assertNothingPending(tx: Transaction<DB>, staffId: string, kinds: string[]) {
    if ((await this.approvals.pendingForSubject(tx, staffSubject(staffId), kinds)).length > 0) {
      throw new AppError(409, 'pending_exists', `職員ID ${staffId} には同じ種類の承認待ちの変更があります。承認または却下の後に入力してください`);
    }
  }

  private async roleNames(tx: Transaction<DB>, roles: readonly string[]): Promise<string> {
    if (roles.length === 0) return '';
    const names = await tx.selectFrom('role').select(['role_code', 'name']).where('role_code', 'in', [...roles]).execute();
    return roles.map((r) => names.find((n) => n.role_code === r)?.name ?? r).join('、');
  }

  private async targetStaff(tx: Kysely<DB>, staffId: string) {
    const t = await tx.selectFrom('staff').select(['staff_id', 'display_name', 'disabled_at']).where('staff_id', '=', staffId).executeTakeFirst();
    if (!t) throw new AppError(404, 'not_found', `職員ID ${staffId} は存在しません`);
    return t;
  }

  /** 利用者一覧: office, roles, disabled / locked state. */
  async list(now = new Date()) {
    const staff = await this.db
      .selectFrom('staff')
      .innerJoin('office', 'office.office_code', 'staff.office_code')
      .select(['staff.staff_id', 'staff.display_name', 'staff.office_code', 'office.name as office_name', 'office.kind as office_kind', 'staff.disabled_at', 'staff.disabled_reason', 'staff.locked_until', 'staff.failed_logins', 'staff.created_at'])
      .select(['staff.activation_expires_at', sql<boolean>`staff.password_hash IS NULL`.as('awaiting_activation')])
      .orderBy('staff.staff_id')
      .execute();
    const roles = await this.db.selectFrom('staff_role').select(['staff_id', 'role_code']).orderBy('role_code').execute();
    return staff.map((s) => ({ ...s, awaiting_activation: !!s.awaiting_activation, roles: roles.filter((r) => r.staff_id === s.staff_id).map((r) => r.role_code), locked: !!s.locked_until && s.locked_until > now }));
  }

  /**
   * 再発行 (request): a forgotten password or a lost authenticator. Approved by a second administrator,
   * it removes the password and every second factor, ends every session, lifts the lockout and gives
   * the approver a new one-time activation code for the owner.
   */
  async requestCredentialReissue(staffId: string, actor: Actor, correlationId: string | null = null): Promise<{ changeId: number }> {
    return this.useCase(actor, `${STAFF_KINDS.reissue}.request`, { staffId }, correlationId, async ({ tx, skipSuccessRecord }) => {
      if (actor.kind === 'staff' && actor.id === staffId) throw new AppError(403, 'self_reset', '自分自身の認証情報は再発行できません。パスワードは「パスワードの変更」から変更してください');
      requireStepUp(actor);
      {
        const target = await this.targetStaff(tx, staffId);
        if (target.disabled_at) throw new AppError(409, 'disabled', `職員ID ${staffId} は無効化されています`);
        await this.assertNothingPending(tx, staffId, [STAFF_KINDS.reissue]);
        const payload: ReissuePayload = { staffId };
        const changeId = await this.approvals.submit(tx, actor, {
          kind: STAFF_KINDS.reissue,
          atenaNo: null,
          subjectKey: staffSubject(staffId),
          payload: { ...payload },
          summary: {
            fields: [{ label: '認証情報', before: '現在のパスワード・ワンタイムパスワード・セキュリティキー', after: '初回登録コード(本人が再設定)' }],
            notes: [{ label: '対象職員', value: `${target.display_name}(${staffId})` }],
            meta: {},
          },
          warnings: [],
          auditDetail: { staffId },
          correlationId,
        });
        skipSuccessRecord(); // approvals.submit appended the request's record
        return { changeId };
      }
    });
  }

  /**
   * The first user administrators of a real city (CLI `admin-init`, run by the operator): allowed only
   * while fewer than two active administrators exist, since four-eyes needs two. The account gets the
   * administrator role and a one-time activation code, returned to the operator once.
   */
  async initAdministrator(s: Omit<NewStaff, 'roles'>, operator: Actor): Promise<{ code: string; expiresAt: Date; roleCode: string }> {
    return this.useCase(operator, 'staff.admin_init', { staffId: s.staffId }, null, async ({ tx, detail }) => {
      const roleRow = await tx
        .selectFrom('role_permission')
        .select('role_code')
        .where('permission', '=', ADMIN_PERMISSION)
        .orderBy(sql`role_code = 'user_admin'`, 'desc')
        .orderBy('role_code')
        .executeTakeFirst();
      if (!roleRow) throw new AppError(409, 'no_admin_role', '利用者管理(user.admin)の権限を持つロールが config/organization.yaml にありません');
      await this.assertOfficeAndRoles(tx, s.officeCode, []);
      // Serialize concurrent admin-init runs: the count below must not race.
      await sql`SELECT pg_advisory_xact_lock(hashtext('staff.admin_init'))`.execute(tx);
      const admins = await this.activeAdministrators(tx);
      if (admins.length >= 2) {
        throw new AppError(409, 'admins_exist', `有効な利用者管理者が既に${admins.length}名います(${admins.join(', ')})。追加の管理者は画面から登録し、別の管理者が承認してください`);
      }
      if (await tx.selectFrom('staff').select('staff_id').where('staff_id', '=', s.staffId).executeTakeFirst()) throw new AppError(409, 'exists', `職員ID ${s.staffId} は既に存在します`);
      const a = issueActivation(s.staffId);
      const label = actorLabel(operator);
      await tx.insertInto('staff').values({ staff_id: s.staffId, display_name: s.displayName, office_code: s.officeCode, ...awaitingActivation(a.hash, a.expiresAt), updated_by: label }).execute();
      await tx.insertInto('staff_role').values({ staff_id: s.staffId, role_code: roleRow.role_code, granted_by: label }).execute();
      await tx.insertInto('grant_log').values({ staff_id: s.staffId, role_code: null, action: 'create', by_actor: label }).execute();
      await tx.insertInto('grant_log').values({ staff_id: s.staffId, role_code: roleRow.role_code, action: 'grant', by_actor: label }).execute();
      detail({ officeCode: s.officeCode, roleCode: roleRow.role_code, administratorsBefore: admins.length, activationExpiresAt: a.expiresAt.toISOString() });
      return { code: a.code, expiresAt: a.expiresAt, roleCode: roleRow.role_code };
    });
  }

  /** Active (not disabled) staff holding 'user.admin' through a role. */
  async activeAdministrators(q: Kysely<DB> = this.db): Promise<string[]> {
    const rows = await q
      .selectFrom('staff as s')
      .innerJoin('staff_role as sr', 'sr.staff_id', 's.staff_id')
      .innerJoin('role_permission as rp', 'rp.role_code', 'sr.role_code')
      .select('s.staff_id')
      .distinct()
      .where('rp.permission', '=', ADMIN_PERMISSION)
      .where('s.disabled_at', 'is', null)
      .orderBy('s.staff_id')
      .execute();
    return rows.map((r) => r.staff_id);
  }

  /**
   * Demo mode and tests only (no route reaches it): an account with a known password and TOTP secret,
   * created at service level. A real city's accounts are created through four-eyes with activation codes.
   */
  async createWithKnownCredentials(s: NewStaff & { password: string }, actor: Actor): Promise<{ totpSecret: string }> {
    const totpSecret = authenticator.generateSecret(20);
    const hash = await AuthService.hashPassword(s.password);
    const label = actorLabel(actor);
    await this.useCase(actor, 'staff.create_demo', { staffId: s.staffId, officeCode: s.officeCode, roles: s.roles }, null, async ({ tx }) => {
      await tx
        .insertInto('staff')
        .values({ staff_id: s.staffId, display_name: s.displayName, office_code: s.officeCode, password_hash: hash, totp_secret_enc: `${this.keyring.activeKeyId}:${this.keyring.encrypt(totpSecret, totpAad(s.staffId))}`, updated_by: label })
        .execute();
      await tx.insertInto('grant_log').values({ staff_id: s.staffId, role_code: null, action: 'create', by_actor: label }).execute();
      for (const role of new Set(s.roles)) {
        await tx.insertInto('staff_role').values({ staff_id: s.staffId, role_code: role, granted_by: label }).execute();
        await tx.insertInto('grant_log').values({ staff_id: s.staffId, role_code: role, action: 'grant', by_actor: label }).execute();
      }
    });
    return { totpSecret };
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
