import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from './schema.js';
import { copyValue } from './copy-text.js';
import { jsonRows } from './json-rows.js';

/**
 * Many rows as the input of one set-based statement (`… FROM ${input} …`, the rows named `v`), in one of
 * two ways:
 * - `jsonInput`: `json_to_recordset` of the rows sent as one JSON text (any database, PGlite too);
 * - `copiedInput`: COPY into a temporary table of the connection, emptied at each commit. On PostgreSQL
 *   15, 1,500 person rows of 30 columns took 8 ms by COPY against 32 ms through json_to_recordset: COPY's
 *   text input is the server's cheapest way in.
 * `name` names the temporary table (`intake_rows_<name>`); a name always comes with the same columns.
 * `columns` maps each column to its SQL type; they are written into the statement, never from input.
 */
export type RowsInput = (name: string, rows: readonly Record<string, unknown>[], columns: Readonly<Record<string, string>>) => Promise<RawBuilder<unknown>>;

export const jsonInput: RowsInput = async (_name, rows, columns) => jsonRows(rows, columns);

type Cell = string | number | boolean | null | undefined;

/**
 * COPY through `copyIn` (Database.copyIn bound to the transaction of `tx`), for `fewest` rows or more;
 * fewer go as JSON (a COPY costs four round trips: one event pushed over the API stays one statement).
 */
export function copiedInput(tx: Kysely<DB>, copyIn: (table: string, columns: readonly string[], tsv: string) => Promise<void>, fewest = 100): RowsInput {
  const made = new Set<string>();
  return async (name, rows, columns) => {
    if (rows.length < fewest) return jsonRows(rows, columns);
    if (!/^[a-z_]+$/.test(name)) throw new Error(`rows input: bad name ${name}`);
    const table = `intake_rows_${name}`;
    const names = Object.keys(columns);
    if (!made.has(name)) {
      // Lives as long as the connection (a pooled one serves many transactions); ON COMMIT DELETE ROWS
      // empties it at every commit of a transaction that used it.
      const defs = sql.raw(Object.entries(columns).map(([c, t]) => `${c} ${t}`).join(', '));
      await sql`CREATE TEMPORARY TABLE IF NOT EXISTS ${sql.raw(table)} (${defs}) ON COMMIT DELETE ROWS`.execute(tx);
      made.add(name);
    }
    await sql`TRUNCATE ${sql.raw(table)}`.execute(tx);
    let tsv = '';
    for (const r of rows) tsv += `${names.map((c) => copyValue(r[c] as Cell)).join('\t')}\n`;
    await copyIn(table, names, tsv);
    return sql`${sql.raw(table)} AS v`;
  };
}
