import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import './pg-types.js';

/**
 * A connection of the application's login (`Database.appUrl`) for a worker thread's reads, with the
 * application's type parsers (pg-types.ts); one connection unless asked. Apart from database.ts so that a
 * worker does not load the embedded database's packages.
 */
export function openReader(appUrl: string, max = 1): Kysely<DB> {
  const pool = new pg.Pool({ connectionString: appUrl, max, options: '-c TimeZone=Asia/Tokyo' });
  pool.on('error', () => undefined);
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
