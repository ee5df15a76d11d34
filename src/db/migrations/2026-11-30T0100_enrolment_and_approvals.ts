import { sql, type Kysely } from 'kysely';

/**
 * The shared ground of the foundation work (issue 6):
 * - staff enrol themselves: an account is created with a one-time activation code (hash only) instead
 *   of a password chosen by an administrator; the owner sets the password and enrols the second factor
 *   at first login (password_hash stays null until then);
 * - second-factor failures are counted apart from password failures (a correct password must not reset them);
 * - pending changes may be keyed to something other than one person (e.g. a staff account).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE staff ALTER COLUMN password_hash DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE staff ADD COLUMN activation_code_hash text`.execute(db);
  await sql`ALTER TABLE staff ADD COLUMN activation_expires_at timestamptz`.execute(db);
  await sql`ALTER TABLE staff ADD COLUMN second_factor_failures integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE pending_change ALTER COLUMN atena_no DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE pending_change ADD COLUMN subject_key text`.execute(db);
  await sql`ALTER TABLE pending_change ADD CONSTRAINT pending_change_has_subject CHECK (atena_no IS NOT NULL OR subject_key IS NOT NULL)`.execute(db);
}
