import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openDatabase, type Database } from './database.js';
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
