import { sql, type Kysely } from 'kysely';

/**
 * Login side of issue 6:
 * - a session may be in stage 'enrolment': opened with a one-time activation code, it can only set the
 *   owner's password and enrol their TOTP; both are held on the session (password as argon2 hash, TOTP
 *   secret encrypted) until a valid code confirms them, then move to the staff row in one transaction;
 * - step-up failures are counted per session (the session ends after a few).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE staff_session DROP CONSTRAINT staff_session_stage_check`.execute(db);
  await sql`ALTER TABLE staff_session ADD CONSTRAINT staff_session_stage_check CHECK (stage IN ('enrolment', 'password_ok', 'active'))`.execute(db);
  await sql`ALTER TABLE staff_session ADD COLUMN step_up_failures integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE staff_session ADD COLUMN enrol_password_hash text`.execute(db);
  await sql`ALTER TABLE staff_session ADD COLUMN enrol_totp_secret_enc text`.execute(db);
}
