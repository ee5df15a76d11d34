import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { KyselyPGlite } from 'kysely-pglite';
import { openDatabase, PGLITE_EXTENSIONS, type Database } from './database.js';
import { testTemplates } from '../testing/templates.js';

export interface TestDatabase {
  database: Database;
  url: string | undefined;
  drop(): Promise<void>;
}

/**
 * A fresh database per test file: an in-memory PGlite by default, or, when DATABASE_URL is set (CI),
 * a new PostgreSQL database created for the file and dropped after it. It is a copy of `template`
 * (a PGlite snapshot file, or a PostgreSQL database name) — by default the migrated template of this
 * run (src/testing/templates.ts) — or, without one, an empty database migrated here.
 */
export async function openTestDatabase(template: string | undefined = testTemplates()?.migrated): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ loadDataDir: template === undefined ? undefined : new Blob([readFileSync(template)]) });
    return { database, url: undefined, drop: () => database.close() };
  }
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await createPostgresDatabase(url, name, template);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: u.toString(), poolSize: 4 });
  return {
    database,
    url: u.toString(),
    async drop() {
      await database.close();
      await dropPostgresDatabase(url, name);
    },
  };
}

/**
 * An empty database with no migration applied, as its owner: for a migration's own test, which
 * migrates it up to the migration before (migrateTo), writes rows as they were then, and runs the rest.
 * PGlite in memory, or a new PostgreSQL database when DATABASE_URL is set. Dates, int8 and time stamps
 * come back as the driver gives them (this is not the application's connection).
 */
export async function openEmptyTestDatabase(): Promise<{ db: Kysely<object>; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const client = new PGlite({ extensions: PGLITE_EXTENSIONS });
    await client.waitReady;
    const db = new Kysely<object>({ dialect: new KyselyPGlite(client).dialect });
    return { db, drop: () => db.destroy().then(() => (client.closed ? undefined : client.close())) };
  }
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await createPostgresDatabase(url, name);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: u.toString(), max: 1 }) }) });
  return {
    db,
    async drop() {
      await db.destroy();
      await dropPostgresDatabase(url, name);
    },
  };
}

/** CREATE DATABASE, as a copy of `template` when given (nobody may be connected to the template). */
export async function createPostgresDatabase(url: string, name: string, template?: string): Promise<void> {
  await withAdmin(url, (admin) => admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
}

export async function dropPostgresDatabase(url: string, name: string): Promise<void> {
  await withAdmin(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function withAdmin(url: string, f: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await f(admin);
  } finally {
    await admin.end();
  }
}
