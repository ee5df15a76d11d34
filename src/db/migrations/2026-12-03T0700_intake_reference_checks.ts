import { sql, type Kysely } from 'kysely';

/**
 * The references of the registry intake's memberships and work items checked once per statement instead
 * of once per row (as 2026-12-02T1200 did for the 本算定's assessments).
 *
 * A year of the registry's changes (800,000 events) writes ≈ 290,000 memberships and ≈ 220,000 work items.
 * Each row's foreign keys ran a lookup with a row lock on the person, the household and the event:
 * measured on PostgreSQL 15, 20,000 work items took 1.5 s with their two foreign keys and 0.24 s without
 * them — the checks cost five times the rows. An AFTER … FOR EACH STATEMENT trigger now checks the whole
 * statement's rows with one anti-join per referenced table and refuses the statement (SQLSTATE 23503, as
 * a foreign key would) naming the column and the value.
 *
 * What a foreign key also guaranteed — that the referenced row is not deleted later — holds because the
 * application may not delete persons, households or registry events (DELETE/TRUNCATE revoked from
 * nhi_app: a resident is 消除 as a status, never deleted; an event is a record), and their keys never
 * change (the history triggers refuse a key change; registry_event may not be updated at all).
 *
 * - household_member: household_no → household, atena_no → person (inserted and updated rows);
 * - work_item: atena_no → person, event_id → registry_event (inserted and updated rows); its reference to
 *   nhi_eligibility stays a foreign key (most items name no period, and that check costs nothing then).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE household_member DROP CONSTRAINT household_member_household_no_fkey, DROP CONSTRAINT household_member_atena_no_fkey`.execute(db);
  await sql`
    CREATE FUNCTION household_member_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE missing text;
    BEGIN
      SELECT '世帯番号 ' || n.household_no INTO missing FROM new_rows n
       WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.household_no = n.household_no) LIMIT 1;
      IF missing IS NULL THEN
        SELECT '宛名番号 ' || n.atena_no INTO missing FROM new_rows n
         WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.atena_no = n.atena_no) LIMIT 1;
      END IF;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION '世帯員の記録が存在しない%を参照しています', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER household_member_references_insert AFTER INSERT ON household_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION household_member_references()`.execute(db);
  await sql`CREATE TRIGGER household_member_references_update AFTER UPDATE ON household_member REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION household_member_references()`.execute(db);

  await sql`ALTER TABLE work_item DROP CONSTRAINT work_item_atena_no_fkey, DROP CONSTRAINT work_item_event_id_fkey`.execute(db);
  await sql`
    CREATE FUNCTION work_item_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE missing text;
    BEGIN
      SELECT '宛名番号 ' || n.atena_no INTO missing FROM new_rows n
       WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.atena_no = n.atena_no) LIMIT 1;
      IF missing IS NULL THEN
        SELECT '異動連番 ' || n.event_id INTO missing FROM new_rows n
         WHERE n.event_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry_event e WHERE e.event_id = n.event_id) LIMIT 1;
      END IF;
      IF missing IS NOT NULL THEN
        RAISE EXCEPTION '作業項目が存在しない%を参照しています', missing USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER work_item_references_insert AFTER INSERT ON work_item REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION work_item_references()`.execute(db);
  await sql`CREATE TRIGGER work_item_references_update AFTER UPDATE ON work_item REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION work_item_references()`.execute(db);
  // Persons and households were already closed to deletion (2026-12-02T1200); registry_event since 2026-12-01T0300.
  await sql`REVOKE DELETE, TRUNCATE ON person, household, registry_event FROM nhi_app`.execute(db);
}
