import { sql, type Kysely } from 'kysely';

/**
 * The 本算定's input-hash check in one pass over the value, as registry_event's checks
 * (2026-12-03T0600): 64 characters, each 0–9 or a–f.
 *
 * 2026-12-03T0300 had replaced the regular expression `^[0-9a-f]{64}$` with `translate(value, allowed,
 * '') = ''`, which compares each character with each allowed one: 200,000 hashes took 0.97 s on
 * PostgreSQL 15. The counted repetition `{64}` was what made the regular expression slow; `^[0-9a-f]+$`
 * with the length checked apart as octet_length took 0.07 s.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE assessment
      DROP CONSTRAINT assessment_input_hash_check,
      ADD CONSTRAINT assessment_input_hash_check CHECK (octet_length(input_hash) = 64 AND input_hash ~ '^[0-9a-f]+$')`.execute(db);
}
