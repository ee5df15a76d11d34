import { sql, type Kysely } from 'kysely';

/**
 * The statement-level reference checks (assessment_references, household_member_references,
 * work_item_references) plan their anti-joins anew for each statement (EXECUTE) instead of keeping
 * PL/pgSQL's cached plan.
 *
 * PL/pgSQL caches a query's plan per connection and, after a few executions, may keep a generic plan
 * made for the size of the transition table it saw then. After 3,000 registry events pushed one at a
 * time (one-row statements), a registry file's 2,000-row statements ran with a plan that read the
 * whole person and registry_event tables: a year's work items took 216 s instead of 6 s. Planned each
 * time, the anti-join probes the primary keys for the rows at hand whatever came before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION assessment_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE missing text;
    BEGIN
      EXECUTE 'SELECT ''世帯番号 '' || n.household_no FROM new_rows n
                WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.household_no = n.household_no) LIMIT 1' INTO missing;
      IF missing IS NULL THEN
        EXECUTE 'SELECT ''納税義務者の宛名番号 '' || n.taxpayer_atena_no FROM new_rows n
                  WHERE n.taxpayer_atena_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM person p WHERE p.atena_no = n.taxpayer_atena_no) LIMIT 1' INTO missing;
      END IF;
      IF missing IS NULL THEN
        EXECUTE 'SELECT ''バッチ実行 '' || n.run_id FROM new_rows n
                  WHERE n.run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM job_run j WHERE j.run_id = n.run_id) LIMIT 1' INTO missing;
      END IF;
      IF missing IS NULL THEN
        EXECUTE 'SELECT ''税率等の組 '' || n.params_hash FROM new_rows n
                  WHERE NOT EXISTS (SELECT 1 FROM assessment_params a WHERE a.params_hash = n.params_hash) LIMIT 1' INTO missing;
      END IF;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION '賦課の記録が存在しない%を参照しています', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION household_member_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE missing text;
    BEGIN
      EXECUTE 'SELECT ''世帯番号 '' || n.household_no FROM new_rows n
                WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.household_no = n.household_no) LIMIT 1' INTO missing;
      IF missing IS NULL THEN
        EXECUTE 'SELECT ''宛名番号 '' || n.atena_no FROM new_rows n
                  WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.atena_no = n.atena_no) LIMIT 1' INTO missing;
      END IF;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION '世帯員の記録が存在しない%を参照しています', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION work_item_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE missing text;
    BEGIN
      EXECUTE 'SELECT ''宛名番号 '' || n.atena_no FROM new_rows n
                WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.atena_no = n.atena_no) LIMIT 1' INTO missing;
      IF missing IS NULL THEN
        EXECUTE 'SELECT ''異動連番 '' || n.event_id FROM new_rows n
                  WHERE n.event_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry_event e WHERE e.event_id = n.event_id) LIMIT 1' INTO missing;
      END IF;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION '作業項目が存在しない%を参照しています', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$`.execute(db);
}
