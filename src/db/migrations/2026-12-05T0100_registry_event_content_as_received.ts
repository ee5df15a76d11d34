import { sql, type Kysely } from 'kysely';

/**
 * registry_event.content keeps the event's JSON text exactly as it was hashed (type json, not jsonb).
 *
 * - An auditor can check every stored event against its hash: sha256(content::text) = content_sha256.
 *   jsonb rewrote the text (keys sorted, spaces dropped), so the stored content no longer hashed to the
 *   recorded value.
 * - json only checks the text on the way in; jsonb_in also builds a binary value and sorts every
 *   object's keys, which a profile (perf) of a year's intake found at ≈ 3% of the server's time.
 * The application never queries inside the content; it is the record of what the registry sent.
 * Events stored before this migration keep jsonb's rewritten text.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE registry_event ALTER COLUMN content TYPE json USING content::json`.execute(db);
}
