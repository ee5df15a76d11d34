import { sql, type Kysely } from 'kysely';

/** One-time passwords are one-time: the last accepted TOTP time step per staff member (RFC 6238 §5.2). */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE staff ADD COLUMN totp_last_step bigint`.execute(db);
}
