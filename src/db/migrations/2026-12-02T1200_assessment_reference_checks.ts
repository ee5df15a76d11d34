import { sql, type Kysely } from 'kysely';

/**
 * The references of a stored assessment checked once per INSERT statement instead of once per row.
 *
 * The 本算定 writes ~100,000 versions in a few multi-row INSERTs. Its four foreign keys (household,
 * job_run, person, assessment_params) each ran a lookup with a row lock for every inserted row: more
 * than the write of the row itself. An AFTER INSERT … FOR EACH STATEMENT trigger now checks the whole
 * statement's rows against the four tables with one anti-join each and refuses the statement (SQLSTATE
 * 23503, as a foreign key would) naming the column and value. What a foreign key also guaranteed — that
 * the referenced row is not deleted later — holds because the application may not delete from these
 * tables at all (DELETE/TRUNCATE revoked from nhi_app: a resident or household is never deleted, only
 * 消除 as a status; a job run and a parameter set are records), and their keys never change (the
 * history triggers refuse a key change; job_run has no update of run_id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const c of ['assessment_household_no_fkey', 'assessment_run_id_fkey', 'assessment_taxpayer_atena_no_fkey', 'assessment_params_hash_fkey']) {
    await sql`ALTER TABLE assessment DROP CONSTRAINT ${sql.id(c)}`.execute(db);
  }
  await sql`
    CREATE FUNCTION assessment_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE missing text;
    BEGIN
      SELECT '世帯番号 ' || n.household_no INTO missing FROM new_rows n
       WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.household_no = n.household_no) LIMIT 1;
      IF missing IS NULL THEN
        SELECT '納税義務者の宛名番号 ' || n.taxpayer_atena_no INTO missing FROM new_rows n
         WHERE n.taxpayer_atena_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM person p WHERE p.atena_no = n.taxpayer_atena_no) LIMIT 1;
      END IF;
      IF missing IS NULL THEN
        SELECT 'バッチ実行 ' || n.run_id INTO missing FROM new_rows n
         WHERE n.run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM job_run j WHERE j.run_id = n.run_id) LIMIT 1;
      END IF;
      IF missing IS NULL THEN
        SELECT '税率等の組 ' || n.params_hash INTO missing FROM new_rows n
         WHERE NOT EXISTS (SELECT 1 FROM assessment_params a WHERE a.params_hash = n.params_hash) LIMIT 1;
      END IF;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION '賦課の記録が存在しない%を参照しています', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$;
  `.execute(db);
  await sql`CREATE TRIGGER assessment_references AFTER INSERT ON assessment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assessment_references()`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON person, household, job_run FROM nhi_app`.execute(db);
}
