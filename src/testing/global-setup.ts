import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { TestTemplates } from './templates.js';

/**
 * Vitest global set-up: build the test templates (templates.ts) once per run, before any test file.
 * PGlite snapshots are kept in the temp directory under a hash of the sources, so a run after no change
 * reuses them and any change rebuilds them; PostgreSQL templates live for the run only.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const { buildPostgresTemplates } = await import('./build-templates.js');
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
    // Imported only when building: the application's modules take seconds to load.
    const { buildPgliteTemplates } = await import('./build-templates.js');
    try {
      await buildPgliteTemplates(tmp);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
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

/**
 * A hash of everything the templates are made from: the sources (not the tests), configuration and
 * dependencies, and today's date in Japan — the fixture's rows carry the time they were made, and a test
 * may look for "today's" records, so no template outlives its day.
 */
function sourceHash(): string {
  const h = createHash('sha256');
  h.update(new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' }));
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
