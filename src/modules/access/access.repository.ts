import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { isPermission, type Permission } from './permissions.js';

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

  async permissionsOf(staffId: string): Promise<Set<Permission>> {
    const rows = await this.db
      .selectFrom('staff_role')
      .innerJoin('role_permission', 'role_permission.role_code', 'staff_role.role_code')
      .select('role_permission.permission')
      .where('staff_role.staff_id', '=', staffId)
      .execute();
    return new Set(rows.map((r) => r.permission).filter(isPermission));
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

  async resetFailures(staffId: string, actorLabel: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${actorLabel}, true)`.execute(tx);
      await tx.updateTable('staff').set({ failed_logins: 0, locked_until: null }).where('staff_id', '=', staffId).execute();
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

  createSession(row: { session_hash: string; staff_id: string; csrf_token: string; ip: string | null; terminal: string | null }) {
    return this.db.insertInto('staff_session').values({ ...row, stage: 'password_ok', second_factor: null }).execute();
  }

  findLiveSession(hash: string) {
    return this.db.selectFrom('staff_session').selectAll().where('session_hash', '=', hash).where('ended_at', 'is', null).executeTakeFirst();
  }

  touchSession(hash: string, now: Date) {
    return this.db.updateTable('staff_session').set({ last_seen_at: now }).where('session_hash', '=', hash).execute();
  }

  endSession(hash: string, reason: string) {
    return this.db.updateTable('staff_session').set({ ended_at: new Date(), end_reason: reason }).where('session_hash', '=', hash).where('ended_at', 'is', null).execute();
  }

  /** Ends every live session of a staff member at once (disable, 人事異動). */
  async endAllSessions(staffId: string, reason: string): Promise<number> {
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

  setChallenge(hash: string, challenge: string | null) {
    return this.db.updateTable('staff_session').set({ webauthn_challenge: challenge }).where('session_hash', '=', hash).execute();
  }

  setStepUp(hash: string, at: Date) {
    return this.db.updateTable('staff_session').set({ step_up_at: at }).where('session_hash', '=', hash).execute();
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
