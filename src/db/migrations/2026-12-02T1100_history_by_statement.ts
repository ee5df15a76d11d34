import { sql, type Kysely } from 'kysely';

/**
 * The edit history written once per statement instead of once per row. The row trigger `keep_history`
 * (2026-11-25T0100) ran a PL/pgSQL function for every updated row: two jsonb conversions, a jsonb_each
 * comparison and a dynamic INSERT planned anew each time. A registry file updates tens of thousands of
 * person and membership rows in a few statements; the row trigger cost more than the updates themselves.
 *
 * Now an AFTER … FOR EACH STATEMENT trigger with transition tables (old_rows, new_rows) writes the
 * history of the whole statement with one INSERT … SELECT: the same rows as before (the superseded
 * version as jsonb, the changed column names except updated_at/updated_by, who and when; an update that
 * changes nothing is not recorded; a DELETE records the deleted row). The application still cannot
 * bypass it, and refuses a change of the key column (the history is paired by it).
 *
 * `attach_history(table, key)` attaches the two triggers; a later migration creating a history table
 * calls it. Every table that had the row trigger is moved over here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION keep_history_of_statement() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      key_column text := TG_ARGV[0];
      history text := TG_TABLE_NAME || '_history';
      diff text;
      paired bigint;
    BEGIN
      IF TG_OP = 'DELETE' THEN
        EXECUTE format(
          'INSERT INTO %I (row_key, op, changed_fields, row_data, superseded_at, superseded_by)
           SELECT o.%I::text, ''DELETE'', ARRAY(SELECT k FROM jsonb_object_keys(to_jsonb(o)) k WHERE k NOT IN (''updated_at'', ''updated_by'') ORDER BY 1), to_jsonb(o), clock_timestamp(), nhi_actor()
             FROM old_rows o', history, key_column);
        RETURN NULL;
      END IF;
      -- The changed columns, compared column by column (the table's columns as they are now).
      SELECT string_agg(format('CASE WHEN o.%1$I IS DISTINCT FROM n.%1$I THEN %1$L END', attname), ', ' ORDER BY attname) INTO diff
        FROM pg_attribute
       WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('updated_at', 'updated_by');
      EXECUTE format(
        'WITH pairs AS (
           SELECT o.%1$I AS k, to_jsonb(o) AS j, array_remove(ARRAY[%2$s]::text[], NULL) AS changed
             FROM old_rows o JOIN new_rows n ON n.%1$I = o.%1$I),
         written AS (
           INSERT INTO %3$I (row_key, op, changed_fields, row_data, superseded_at, superseded_by)
           SELECT k::text, ''UPDATE'', changed, j, clock_timestamp(), nhi_actor() FROM pairs WHERE cardinality(changed) > 0)
         SELECT count(*) FROM pairs', key_column, diff, history) INTO paired;
      IF paired <> (SELECT count(*) FROM old_rows) THEN
        RAISE EXCEPTION '履歴を持つ表(%)のキー(%)は変更できません', TG_TABLE_NAME, key_column;
      END IF;
      RETURN NULL;
    END $$;
  `.execute(db);

  await sql`
    CREATE FUNCTION attach_history(tbl regclass, key text) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE tname text := (SELECT relname FROM pg_class WHERE oid = tbl);
    BEGIN
      EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION keep_history_of_statement(%L)', tname || '_history_update', tbl, key);
      EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                      FOR EACH STATEMENT EXECUTE FUNCTION keep_history_of_statement(%L)', tname || '_history_delete', tbl, key);
    END $$;
  `.execute(db);

  // Every row trigger on keep_history, replaced by the statement triggers with the same key column.
  const rows = await sql<{ tbl: string; trigger: string; key: string }>`
    SELECT t.tgrelid::regclass::text AS tbl, t.tgname AS trigger, split_part(encode(t.tgargs, 'escape'), '\\000', 1) AS key
      FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE p.proname = 'keep_history' AND NOT t.tgisinternal
     ORDER BY 1`.execute(db);
  for (const r of rows.rows) {
    await sql`DROP TRIGGER ${sql.id(r.trigger)} ON ${sql.raw(r.tbl)}`.execute(db);
    await sql`SELECT attach_history(${r.tbl}::regclass, ${r.key})`.execute(db);
  }
}
