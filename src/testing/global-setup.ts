import pino from 'pino';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { openDatabase, type Database } from '../db/database.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../db/test-database.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { fixtureDeps, populateFixture } from './fixture.js';
import type { TestTemplates } from './templates.js';

/**
 * Vitest global set-up: build the test templates (templates.ts) once per run, before any test file.
 * PGlite snapshots are kept in the temp directory under a hash of the sources, so a run after no change
 * reuses them and any change rebuilds them; PostgreSQL templates live for the run only.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const { templates, drop } = await buildPostgresTemplates(url);
    project.provide('testTemplates', templates);
    return drop;
  }
  project.provide('testTemplates', await pgliteTemplates());
  return async () => undefined;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = path.join(tmpdir(), 'kokuho-test-templates');
/** Snapshots not used for this long are deleted (a run reads its snapshots only while it runs). */
const UNUSED_FOR_MS = 6 * 3600_000;

async function pgliteTemplates(): Promise<TestTemplates> {
  const dir = path.join(CACHE, sourceHash());
  const meta = path.join(dir, 'templates.json');
  if (!existsSync(meta)) {
    const tmp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`;
    mkdirSync(tmp, { recursive: true });
    const database = await openDatabase({});
    try {
      await snapshot(database, path.join(tmp, 'migrated.tar'));
      const filled = await fill(database);
      await snapshot(database, path.join(tmp, 'fixture.tar'));
      writeFileSync(path.join(tmp, 'templates.json'), JSON.stringify(filled));
    } finally {
      await database.close();
    }
    try {
      renameSync(tmp, dir); // atomic: a run in parallel that got there first wins, and we use its snapshots
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const now = new Date();
  utimesSync(dir, now, now);
  pruneUnused(dir);
  const { keyFile, totp } = JSON.parse(readFileSync(meta, 'utf8')) as Pick<TestTemplates, 'keyFile' | 'totp'>;
  return { migrated: path.join(dir, 'migrated.tar'), fixture: path.join(dir, 'fixture.tar'), keyFile, totp };
}

async function snapshot(database: Database, file: string): Promise<void> {
  const tarball = await database.dumpDataDir!();
  writeFileSync(file, Buffer.from(await tarball.arrayBuffer()));
}

async function buildPostgresTemplates(url: string): Promise<{ templates: TestTemplates; drop(): Promise<void> }> {
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

/** A hash of everything the templates are made from: the sources (not the tests), configuration and dependencies. */
function sourceHash(): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(r);
      else if (!entry.name.endsWith('.test.ts')) h.update(r).update('\0').update(readFileSync(path.join(ROOT, r))).update('\0');
    }
  };
  walk('src');
  walk('config');
  h.update(readFileSync(path.join(ROOT, 'package-lock.json')));
  return h.digest('hex').slice(0, 16);
}

function pruneUnused(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const p = path.join(CACHE, name);
    if (p === keep) continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > UNUSED_FOR_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // another run pruned it first
    }
  }
}
