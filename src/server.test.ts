import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './server.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kokuho-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start path: embedded database, demo city, restart keeps data', () => {
  it('first start creates schema, demo staff and demo city; /healthz names the engine and schema version; a restart keeps the data', async () => {
    const opts = {
      port: 0,
      dataDir: path.join(dir, 'pglite'),
      databaseUrl: undefined,
      keyFile: path.join(dir, 'keys.json'),
      demoResidents: 300,
      demoSeed: 3,
      logLevel: 'silent' as const,
    };
    const first = await startServer(opts);
    let persons: number;
    try {
      expect(first.demoLogins.map((l) => l.staffId)).toContain('kokuho01');
      expect(first.demoLogins.every((l) => /^[A-Z2-7]{16,}$/.test(l.totpSecret))).toBe(true);
      const r = await fetch(`${first.url}/healthz`);
      expect(r.status).toBe(200);
      const h = (await r.json()) as { status: string; database: string; schemaVersion: string };
      expect(h.database).toBe('pglite');
      expect(h.schemaVersion).toMatch(/^\d{4}-\d{2}-\d{2}T\d{4}_/);
      const c = await first.deps.database.db.selectFrom('person').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      persons = Number(c.n);
      expect(persons).toBe(300);
      // the demo city has a past: residents who moved within the city show the version before the move
      const hist = await first.deps.database.db.selectFrom('person_history').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(hist.n)).toBeGreaterThan(0);
      expect(existsSync(opts.keyFile)).toBe(true);
      expect(statSync(opts.keyFile).mode & 0o077).toBe(0); // key file readable by its owner only
    } finally {
      await first.close();
    }
    const second = await startServer(opts);
    try {
      expect(second.demoLogins).toEqual([]); // nothing re-created
      const c = await second.deps.database.db.selectFrom('person').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(c.n)).toBe(persons);
      const docs = await fetch(`${second.url}/api/openapi.json`);
      expect(docs.status).toBe(200);
      const doc = (await docs.json()) as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/persons', '/api/households/{householdNo}', '/api/auth/login']));
      const page = await fetch(`${second.url}/api/docs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('/api/persons');
    } finally {
      await second.close();
    }
  });
});
