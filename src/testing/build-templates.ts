import pino from 'pino';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../db/database.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../db/test-database.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { fixtureDeps, populateFixture } from './fixture.js';
import type { TestTemplates } from './templates.js';

/** Build the PGlite templates (templates.ts) into `dir`: migrated.tar, fixture.tar, templates.json (key file, TOTP secrets). */
export async function buildPgliteTemplates(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const database = await openDatabase({});
  try {
    await snapshot(database, path.join(dir, 'migrated.tar'));
    const filled = await fill(database);
    await snapshot(database, path.join(dir, 'fixture.tar'));
    writeFileSync(path.join(dir, 'templates.json'), JSON.stringify(filled));
  } finally {
    await database.close();
  }
}

async function snapshot(database: Database, file: string): Promise<void> {
  const tarball = await database.dumpDataDir!();
  writeFileSync(file, Buffer.from(await tarball.arrayBuffer()));
}

/** Build the PostgreSQL template databases for one run; `drop` removes them. */
export async function buildPostgresTemplates(url: string): Promise<{ templates: TestTemplates; drop(): Promise<void> }> {
  // Named t_… so that CI's clean-up of test databases removes them even when a run is killed.
  const base = `t_template_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const migrated = `${base}_migrated`;
  const fixture = `${base}_fixture`;
  const drop = async () => {
    await dropPostgresDatabase(url, fixture);
    await dropPostgresDatabase(url, migrated);
  };
  try {
    await createPostgresDatabase(url, migrated);
    const m = await openDatabase({ databaseUrl: withDatabase(url, migrated), poolSize: 1 });
    await m.close();
    await createPostgresDatabase(url, fixture, migrated);
    const database = await openDatabase({ databaseUrl: withDatabase(url, fixture), poolSize: 1 });
    try {
      const filled = await fill(database);
      return { templates: { migrated, fixture, ...filled }, drop };
    } finally {
      await database.close();
    }
  } catch (e) {
    await drop();
    throw e;
  }
}

/** The fixture's content, made under a key file kept with the template. */
async function fill(database: Database): Promise<Pick<TestTemplates, 'keyFile' | 'totp'>> {
  const keyFile = newKeyFile();
  const totp = await populateFixture(fixtureDeps(database, new Keyring(keyFile), pino({ level: 'silent' })));
  return { keyFile, totp };
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

