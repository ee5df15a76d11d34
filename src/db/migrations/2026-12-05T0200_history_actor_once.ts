import { sql, type Kysely } from 'kysely';

/**
 * The edit history and the update stamp without a PL/pgSQL call per row for the operator's name.
 *
 * - keep_history_of_statement (2026-12-02T1100) called nhi_actor(), a PL/pgSQL function, for every
 *   history row it wrote. It now reads the setting once per statement and passes it in; nhi_actor() is
 *   still what refuses a change with no operator set (called only when the setting is empty).
 * - stamp_update (BEFORE UPDATE, each row) called nhi_actor() from PL/pgSQL; it now checks the setting
 *   itself, with the same message.
 * A registry file updates tens of thousands of rows per statement; each saved call is a few µs a row.
 * What is written is unchanged: the same columns, the same refusal without an operator.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION stamp_update() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE a text := current_setting('nhi.actor', true);
    BEGIN
      IF a IS NULL OR a = '' THEN
        RAISE EXCEPTION '操作者が設定されていない更新は拒否されます (nhi.actor)';
      END IF;
      NEW.updated_at := clock_timestamp();
      NEW.updated_by := a;
      RETURN NEW;
    END $$`.execute(db);

  await sql`
    CREATE OR REPLACE FUNCTION keep_history_of_statement() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      key_column text := TG_ARGV[0];
      history text := TG_TABLE_NAME || '_history';
      actor text := current_setting('nhi.actor', true);
      diff text;
      paired bigint;
    BEGIN
      IF TG_OP = 'DELETE' THEN
        EXECUTE format(
          'INSERT INTO %I (row_key, op, changed_fields, row_data, superseded_at, superseded_by)
           SELECT o.%I::text, ''DELETE'', ARRAY(SELECT k FROM jsonb_object_keys(to_jsonb(o)) k WHERE k NOT IN (''updated_at'', ''updated_by'') ORDER BY 1), to_jsonb(o), clock_timestamp(), coalesce(nullif($1, ''''), nhi_actor())
             FROM old_rows o', history, key_column) USING actor;
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
           SELECT k::text, ''UPDATE'', changed, j, clock_timestamp(), coalesce(nullif($1, ''''), nhi_actor()) FROM pairs WHERE cardinality(changed) > 0)
         SELECT count(*) FROM pairs', key_column, diff, history) INTO paired USING actor;
      IF paired <> (SELECT count(*) FROM old_rows) THEN
        RAISE EXCEPTION '履歴を持つ表(%)のキー(%)は変更できません', TG_TABLE_NAME, key_column;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
}
