import { sql, type Kysely } from 'kysely';

/**
 * The 本算定 writes ≈ 450,000 versions at once; two of the table's guards cost more than they need to
 * (measured over 452,787 rows on PostgreSQL 15: 9.2 s with both, 7.0 s after this):
 * - the input hash check used a regular expression per row; it now checks the same rule (64 characters,
 *   each 0–9 or a–f) with length and translate, ≈ 1.4 s less;
 * - a run's versions are found by a BRIN index on run_id instead of a B-tree: they are written together,
 *   so each block range holds one run, and a BRIN costs almost nothing to keep (the run review reads the
 *   whole run anyway), ≈ 0.8 s less.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE assessment
      DROP CONSTRAINT assessment_input_hash_check,
      ADD CONSTRAINT assessment_input_hash_check CHECK (length(input_hash) = 64 AND translate(input_hash, '0123456789abcdef', '') = '')`.execute(db);
  await sql`DROP INDEX assessment_by_run`.execute(db);
  await sql`CREATE INDEX assessment_by_run ON assessment USING brin (run_id)`.execute(db);
}
