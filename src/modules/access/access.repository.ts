import { sql, type Kysely } from 'kysely';
import type { DB, SessionEndReason } from '../../db/schema.js';

/** Staff, roles, sessions and credentials: the only code that touches those tables. */
export class AccessRepository {
  constructor(private readonly db: Kysely<DB>) {}

  findStaff(staffId: string) {
    return this.db
      .selectFrom('staff')
      .innerJoin('office', 'office.office_code', 'staff.office_code')
      .selectAll('staff')
      .select(['office.name as office_name', 'office.kind as office_kind'])
      .where('staff.staff_id', '=', staffId)
      .executeTakeFirst();
  }

  /** The permission codes the staff member's roles grant, as stored (deps.permissions.known keeps the declared ones). */
  async permissionsOf(staffId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('staff_role')
      .innerJoin('role_permission', 'role_permission.role_code', 'staff_role.role_code')
      .select('role_permission.permission')
      .where('staff_role.staff_id', '=', staffId)
      .execute();
    return rows.map((r) => r.permission);
  }

  async rolesOf(staffId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('staff_role').select('role_code').where('staff_id', '=', staffId).orderBy('role_code').execute();
    return rows.map((r) => r.role_code);
  }

  async recordFailure(staffId: string, lockedUntil: (failed: number) => Date | null, actorLabel: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${actorLabel}, true)`.execute(tx);
      const row = await tx
        .updateTable('staff')
        .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
        .where('staff_id', '=', staffId)
        .returning('failed_logins')
        .executeTakeFirst();
      const failed = row?.failed_logins ?? 0;
      const until = lockedUntil(failed);
      if (until) await tx.updateTable('staff').set({ locked_until: until }).where('staff_id', '=', staffId).execute();
      return failed;
    });
  }

  /** A correct password clears the password failures only; second-factor failures stay counted. */
  async resetPasswordFailures(staffId: string, actorLabel: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${actorLabel}, true)`.execute(tx);
      await tx.updateTable('staff').set({ failed_logins: 0, locked_until: null }).where('staff_id', '=', staffId).execute();
    });
  }

  /** A wrong TOTP code or security key; locks the account (lockedUntil) after a few. Returns the count. */
  async recordSecondFactorFailure(staffId: string, lockedUntil: (failures: number) => Date | null, actorLabel: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${actorLabel}, true)`.execute(tx);
      const row = await tx
        .updateTable('staff')
        .set((eb) => ({ second_factor_failures: eb('second_factor_failures', '+', 1) }))
        .where('staff_id', '=', staffId)
        .returning('second_factor_failures')
        .executeTakeFirst();
      const failures = row?.second_factor_failures ?? 0;
      const until = lockedUntil(failures);
      if (until) await tx.updateTable('staff').set({ locked_until: until }).where('staff_id', '=', staffId).execute();
      return failures;
    });
  }

  /** A successful second factor: every failure count starts again. */
  async resetAllFailures(staffId: string, actorLabel: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${actorLabel}, true)`.execute(tx);
      await tx.updateTable('staff').set({ failed_logins: 0, second_factor_failures: 0, locked_until: null }).where('staff_id', '=', staffId).execute();
    });
  }

  /** Records a TOTP time step as used; false when it (or a later one) was used already. */
  async useTotpStep(staffId: string, step: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', 'system:auth', true)`.execute(tx);
      const r = await tx
        .updateTable('staff')
        .set({ totp_last_step: step })
        .where('staff_id', '=', staffId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .returning('staff_id')
        .executeTakeFirst();
      return !!r;
    });
  }

  createSession(row: { session_hash: string; staff_id: string; csrf_token: string; ip: string | null; terminal: string | null }, stage: 'password_ok' | 'enrolment' = 'password_ok') {
    return this.db.insertInto('staff_session').values({ ...row, stage, second_factor: null }).execute();
  }

  findLiveSession(hash: string) {
    return this.db.selectFrom('staff_session').selectAll().where('session_hash', '=', hash).where('ended_at', 'is', null).executeTakeFirst();
  }

  /**
   * What every request needs, in one round trip: the live session, its staff member with office, and
   * the permission codes granted now (read on every request, so a revoke acts at once).
   */
  findSessionContext(hash: string) {
    return this.db
      .selectFrom('staff_session as s')
      .innerJoin('staff', 'staff.staff_id', 's.staff_id')
      .innerJoin('office', 'office.office_code', 'staff.office_code')
      .select(['s.staff_id', 's.stage', 's.csrf_token', 's.created_at', 's.last_seen_at', 's.step_up_at', 'staff.display_name', 'staff.office_code', 'staff.disabled_at', 'office.kind as office_kind'])
      .select(sql<string[]>`ARRAY(SELECT DISTINCT rp.permission FROM staff_role sr JOIN role_permission rp ON rp.role_code = sr.role_code WHERE sr.staff_id = s.staff_id)`.as('permissions'))
      .where('s.session_hash', '=', hash)
      .where('s.ended_at', 'is', null)
      .executeTakeFirst();
  }

  touchSession(hash: string, now: Date) {
    return this.db.updateTable('staff_session').set({ last_seen_at: now }).where('session_hash', '=', hash).execute();
  }

  endSession(hash: string, reason: SessionEndReason) {
    return this.db.updateTable('staff_session').set({ ended_at: new Date(), end_reason: reason }).where('session_hash', '=', hash).where('ended_at', 'is', null).execute();
  }

  /** Ends every live session of a staff member at once (disable, 人事異動). */
  async endAllSessions(staffId: string, reason: SessionEndReason): Promise<number> {
    const r = await this.db
      .updateTable('staff_session')
      .set({ ended_at: new Date(), end_reason: reason })
      .where('staff_id', '=', staffId)
      .where('ended_at', 'is', null)
      .returning('session_hash')
      .execute();
    return r.length;
  }

  /** Second factor passed: the session becomes active under a new id (rotation at login). */
  async activateSession(oldHash: string, newHash: string, factor: 'totp' | 'webauthn', csrfToken: string): Promise<void> {
    await this.db
      .updateTable('staff_session')
      .set({ session_hash: newHash, stage: 'active', second_factor: factor, csrf_token: csrfToken, step_up_at: null, webauthn_challenge: null, last_seen_at: new Date() })
      .where('session_hash', '=', oldHash)
      .execute();
  }

  /**
   * Enrolment confirmed: the password and TOTP secret held on the session become the account's, the
   * activation code is spent, and the session becomes active under a new id. False when the account
   * left enrolment meanwhile (e.g. completed in another session).
   */
  async completeEnrolment(staffId: string, values: { password_hash: string; totp_secret_enc: string; totp_last_step: number }, oldHash: string, newHash: string, csrfToken: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${`staff:${staffId}`}, true)`.execute(tx);
      const r = await tx
        .updateTable('staff')
        .set({ ...values, activation_code_hash: null, activation_expires_at: null, failed_logins: 0, second_factor_failures: 0, locked_until: null })
        .where('staff_id', '=', staffId)
        .where('activation_code_hash', 'is not', null)
        .returning('staff_id')
        .executeTakeFirst();
      if (!r) return false;
      await tx
        .updateTable('staff_session')
        .set({ session_hash: newHash, stage: 'active', second_factor: 'totp', csrf_token: csrfToken, enrol_password_hash: null, enrol_totp_secret_enc: null, last_seen_at: new Date() })
        .where('session_hash', '=', oldHash)
        .execute();
      return true;
    });
  }

  setChallenge(hash: string, challenge: string | null) {
    return this.db.updateTable('staff_session').set({ webauthn_challenge: challenge }).where('session_hash', '=', hash).execute();
  }

  setStepUp(hash: string, at: Date) {
    return this.db.updateTable('staff_session').set({ step_up_at: at, step_up_failures: 0 }).where('session_hash', '=', hash).execute();
  }

  /** One more wrong step-up code in this session; returns the session's count. */
  async addStepUpFailure(hash: string): Promise<number> {
    const r = await this.db
      .updateTable('staff_session')
      .set((eb) => ({ step_up_failures: eb('step_up_failures', '+', 1) }))
      .where('session_hash', '=', hash)
      .returning('step_up_failures')
      .executeTakeFirst();
    return r?.step_up_failures ?? 0;
  }

  setEnrolment(hash: string, values: { enrol_password_hash?: string; enrol_totp_secret_enc?: string }) {
    return this.db.updateTable('staff_session').set(values).where('session_hash', '=', hash).where('stage', '=', 'enrolment').execute();
  }

  /** Other live enrolment sessions of this staff member (a second use of the code replaces the first). */
  endEnrolmentSessions(staffId: string, reason: SessionEndReason) {
    return this.db.updateTable('staff_session').set({ ended_at: new Date(), end_reason: reason }).where('staff_id', '=', staffId).where('stage', '=', 'enrolment').where('ended_at', 'is', null).execute();
  }

  credentialsOf(staffId: string) {
    return this.db.selectFrom('webauthn_credential').selectAll().where('staff_id', '=', staffId).execute();
  }

  findCredential(id: string) {
    return this.db.selectFrom('webauthn_credential').selectAll().where('credential_id', '=', id).executeTakeFirst();
  }

  addCredential(row: { credential_id: string; staff_id: string; public_key: Uint8Array; sign_count: number; transports: string[] }) {
    return this.db.insertInto('webauthn_credential').values(row).execute();
  }

  updateSignCount(id: string, count: number) {
    return this.db.updateTable('webauthn_credential').set({ sign_count: count }).where('credential_id', '=', id).execute();
  }
}
