import { sql, type Kysely } from 'kysely';
import { APP_ROLE } from '../db/database.js';
import type { DB } from '../db/schema.js';

/**
 * Maintenance the seeder needs as the table owner. The application connection runs as nhi_app, which may
 * not create, drop or analyse indexes on tables it does not own; the connecting user (the one that ran
 * the migrations) may. The role change never outlives the work.
 */

/** Run `fn` in a transaction under the session (owner) role; the role change ends with the transaction. */
export async function withOwnerRole<T>(db: Kysely<DB>, fn: (tx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await sql`SET LOCAL ROLE NONE`.execute(tx);
    return fn(tx);
  });
}

/**
 * VACUUM (ANALYZE) after a bulk load: statistics for the planner, the visibility map for index-only
 * scans, and hint bits set once instead of by the first readers. VACUUM cannot run in a transaction, so
 * this reserves a connection, runs as its login (session) role for the duration and always restores the
 * role it had: the application role on PGlite's one connection, none on PostgreSQL's owner connection.
 * With `concurrency` > 1 (PostgreSQL) the tables are shared among that many connections.
 */
export async function vacuumAnalyze(db: Kysely<DB>, tables: readonly string[], concurrency = 1): Promise<void> {
  let next = 0;
  const lane = () =>
    db.connection().execute(async (conn) => {
      const { rows } = await sql<{ app: boolean }>`SELECT current_user = ${APP_ROLE} AND session_user <> ${APP_ROLE} AS app`.execute(conn);
      await sql`RESET ROLE`.execute(conn);
      try {
        while (next < tables.length) await sql`VACUUM (ANALYZE) ${sql.table(tables[next++]!)}`.execute(conn);
      } finally {
        if (rows[0]!.app) await sql.raw(`SET ROLE ${APP_ROLE}`).execute(conn);
      }
    });
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tables.length)) }, lane));
}
