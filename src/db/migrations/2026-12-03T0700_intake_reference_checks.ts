import { sql, type Kysely } from 'kysely';

/**
 * The references of the registry intake's memberships and work items checked once per statement instead
 * of once per row (as 2026-12-02T1200 did for the 本算定's assessments).
 *
 * A year of the registry's changes (800,000 events) writes ≈ 290,000 memberships and ≈ 220,000 work items.
 * Each row's foreign keys ran a lookup with a row lock on the person, the household and the event:
 * measured on PostgreSQL 15, 20,000 work items took 1.5 s with their two foreign keys and 0.24 s without
 * them — the checks cost five times the rows.
 *
 * `statement_references()` is one AFTER … FOR EACH STATEMENT trigger function for every such table. Its
 * arguments: what the rows are (for the message), then per reference four: the column, the referenced
 * table, its key column and the column's Japanese label. It checks the statement's rows (transition table
 * new_rows) with one anti-join per reference — planned for each statement (EXECUTE), whatever its size
 * (see 2026-12-03T0900) — ignores NULL references, and refuses the statement with SQLSTATE 23503, as a
 * foreign key would, naming the column and the value.
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
  await sql`
    CREATE FUNCTION statement_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      missing text;
      i int := 1;
    BEGIN
      WHILE i + 3 < TG_NARGS LOOP
        EXECUTE format('SELECT %L || '' '' || n.%I FROM new_rows n WHERE n.%I IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %I p WHERE p.%I = n.%I) LIMIT 1',
                       TG_ARGV[i + 3], TG_ARGV[i], TG_ARGV[i], TG_ARGV[i + 1], TG_ARGV[i + 2], TG_ARGV[i]) INTO missing;
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION '%が存在しない%を参照しています', TG_ARGV[0], missing USING ERRCODE = 'foreign_key_violation';
        END IF;
        i := i + 4;
      END LOOP;
      RETURN NULL;
    END $$`.execute(db);

  const attach = async (table: string, subject: string, refs: readonly (readonly [string, string, string, string])[]) => {
    const args = sql.join([subject, ...refs.flat()].map((a) => sql.lit(a)));
    for (const op of ['insert', 'update'] as const) {
      await sql`CREATE TRIGGER ${sql.id(`${table}_references_${op}`)} AFTER ${sql.raw(op.toUpperCase())} ON ${sql.table(table)}
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_references(${args})`.execute(db);
    }
  };
  await sql`ALTER TABLE household_member DROP CONSTRAINT household_member_household_no_fkey, DROP CONSTRAINT household_member_atena_no_fkey`.execute(db);
  await attach('household_member', '世帯員の記録', [['household_no', 'household', 'household_no', '世帯番号'], ['atena_no', 'person', 'atena_no', '宛名番号']]);
  await sql`ALTER TABLE work_item DROP CONSTRAINT work_item_atena_no_fkey, DROP CONSTRAINT work_item_event_id_fkey`.execute(db);
  await attach('work_item', '作業項目', [['atena_no', 'person', 'atena_no', '宛名番号'], ['event_id', 'registry_event', 'event_id', '異動連番']]);
  // Persons and households were already closed to deletion (2026-12-02T1200); registry_event since 2026-12-01T0300.
  await sql`REVOKE DELETE, TRUNCATE ON person, household, registry_event FROM nhi_app`.execute(db);
}
