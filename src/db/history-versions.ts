import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from './schema.js';

/** The tables whose history is kept as typed rows in `<table>_version` (migration 2026-12-06T0100). */
export type TypedHistoryTable = 'person' | 'household_member';

/**
 * Writes superseded versions given as `<table>_history` rows — a SELECT of row_key, op, changed_fields,
 * row_data (jsonb of the version), superseded_at, superseded_by — into `<table>_version` as typed
 * columns, as the history trigger itself writes them. For the demo city's made-up past; the
 * application's own writes go through the trigger.
 */
export async function insertHistoryRows(db: Kysely<DB>, table: TypedHistoryTable, rows: RawBuilder<unknown>): Promise<number> {
  const columns = (await sql<{ name: string }>`SELECT attname AS name FROM pg_attribute WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`.execute(db)).rows.map((c) => c.name);
  const r = await sql<{ n: number }>`
    WITH written AS (
      INSERT INTO ${sql.id(`${table}_version`)} (row_key, op, changed_fields, superseded_at, superseded_by, ${sql.join(columns.map((c) => sql.id(c)))})
      SELECT x.row_key, x.op, x.changed_fields, x.superseded_at, x.superseded_by, ${sql.join(columns.map((c) => sql.ref(`r.${c}`)))}
        FROM (${rows}) x, jsonb_populate_record(NULL::${sql.id(table)}, x.row_data) r
      RETURNING 1)
    SELECT count(*)::int AS n FROM written`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
