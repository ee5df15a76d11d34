import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './server.js';
import { runCli } from './cli/main.js';
import { activationCodeHash } from './modules/access/activation.rules.js';

/** Run the CLI (`npm run cli -- …`) against a data directory; exit code and everything it printed. */
async function cli(dataDir: string, argv: string[]): Promise<{ code: number; out: string }> {
  const saved = { DATA_DIR: process.env.DATA_DIR, KEY_FILE: process.env.KEY_FILE, DATABASE_URL: process.env.DATABASE_URL };
  process.env.DATA_DIR = dataDir;
  process.env.KEY_FILE = path.join(dataDir, 'keys.json');
  delete process.env.DATABASE_URL;
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await runCli(argv);
    return { code, out: [...log.mock.calls, ...err.mock.calls].flat().join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'kokuho-start-'));
// Removed when the test process exits: a closed on-disk PGlite of the CLI may still touch its directory.
afterAll(() => void process.once('exit', () => rmSync(dir, { recursive: true, force: true })));

describe('npm run serve path (a real city): no known account, no demo city', () => {
  it('an empty database started without demo mode gets no staff and no residents, even with the default DEMO_RESIDENTS', async () => {
    const sub = path.join(dir, 'real');
    const server = await startServer({ port: 0, dataDir: path.join(sub, 'pglite'), databaseUrl: undefined, keyFile: path.join(sub, 'keys.json'), logLevel: 'silent' });
    try {
      expect(server.demoLogins).toEqual([]);
      expect(server.administrators).toBe(0);
      const db = server.deps.database.db;
      expect(await db.selectFrom('staff').select('staff_id').execute()).toEqual([]);
      expect(await db.selectFrom('person').select('atena_no').limit(1).execute()).toEqual([]);
      // The demo passwords of the README open nothing.
      const r = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId: 'admin01', password: 'Admin-Demo-2026!' }) });
      expect(r.status).toBe(401);
      // Offices and roles are there for admin-init.
      expect((await db.selectFrom('role').select('role_code').where('role_code', '=', 'user_admin').execute()).length).toBe(1);
    } finally {
      await server.close();
    }

    // The first two administrators come from the CLI, each with a one-time activation code printed once.
    const missing = await cli(sub, ['admin-init', 'kanri01', '--office', 'johoseisaku']);
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/--name.*氏名を指定してください/);
    const first = await cli(sub, ['admin-init', 'kanri01', '--name', '管理 一子', '--office', 'johoseisaku']);
    expect(first.code).toBe(0);
    const code = /初回登録コード: ([A-Z2-9]{4}(?:-[A-Z2-9]{4}){4})/.exec(first.out)?.[1];
    expect(code).toBeDefined();
    expect(first.out).toMatch(/有効期限: 令和\d+年\d+月\d+日 \d\d:\d\d/);
    expect(first.out).toContain('手渡し');
    expect((await cli(sub, ['admin-init', 'kanri02', '--name', '管理 二子', '--office', 'johoseisaku'])).code).toBe(0);
    const third = await cli(sub, ['admin-init', 'kanri03', '--name', '管理 三子', '--office', 'johoseisaku']);
    expect(third.code).toBe(2);
    expect(third.out).toContain('有効な利用者管理者が既に2名います');

    const again = await startServer({ port: 0, dataDir: path.join(sub, 'pglite'), databaseUrl: undefined, keyFile: path.join(sub, 'keys.json'), logLevel: 'silent' });
    try {
      expect(again.administrators).toBe(2);
      const database = again.deps.database;
      const rows = await database.db.selectFrom('staff').select(['staff_id', 'password_hash', 'totp_secret_enc', 'activation_code_hash', 'activation_expires_at']).orderBy('staff_id').execute();
      expect(rows.map((r) => r.staff_id)).toEqual(['kanri01', 'kanri02']);
      expect(rows[0]).toMatchObject({ password_hash: null, totp_secret_enc: null, activation_code_hash: activationCodeHash('kanri01', code!) });
      expect(rows[0]!.activation_expires_at!.getTime()).toBeGreaterThan(Date.now() + 71 * 3_600_000);
      const events = await database.db.selectFrom('audit_event').select(['action', 'outcome', 'actor_kind', 'detail']).where('action', '=', 'staff.admin_init').orderBy('seq').execute();
      expect(events.map((e) => [e.outcome, e.actor_kind])).toEqual([['success', 'operator'], ['success', 'operator'], ['denied', 'operator']]);
      expect(JSON.stringify(events)).not.toContain(code!);
    } finally {
      await again.close();
    }
  });
});

describe('npm start path (demo mode): embedded database, demo city, restart keeps data', () => {
  it('first start creates schema, demo staff and demo city; /healthz names the engine and schema version; a restart keeps the data', async () => {
    const opts = {
      port: 0,
      dataDir: path.join(dir, 'pglite'),
      databaseUrl: undefined,
      keyFile: path.join(dir, 'keys.json'),
      demo: true,
      demoResidents: 300,
      demoSeed: 3,
      logLevel: 'silent' as const,
    };
    const first = await startServer(opts);
    let persons: number;
    try {
      expect(first.demoLogins.map((l) => l.staffId)).toEqual(expect.arrayContaining(['kokuho01', 'admin01', 'admin02']));
      expect(first.administrators).toBe(2);
      expect(first.demoLogins.every((l) => /^[A-Z2-7]{16,}$/.test(l.totpSecret))).toBe(true);
      const r = await fetch(`${first.url}/healthz`);
      expect(r.status).toBe(200);
      const h = (await r.json()) as { status: string; database: string; schemaVersion: string };
      expect(h.database).toBe('pglite');
      expect(h.schemaVersion).toMatch(/^\d{4}-\d{2}-\d{2}T\d{4}_/);
      const c = await first.deps.database.db.selectFrom('person').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      persons = Number(c.n);
      // 300 residents, plus those yesterday's registry file recorded (転入, 出生) through the real intake,
      // plus the former members of the city's past (removed persons: 死亡・転出)
      const db = first.deps.database.db;
      const yesterday = db.selectFrom('registry_event').select((eb) => eb.fn.countAll<number>().as('n')).where('event_id', 'like', 'B%');
      const recorded = await yesterday.where('event_code', 'in', ['11', '12', '13', '14', '15']).executeTakeFirstOrThrow();
      const taken = await yesterday.executeTakeFirstOrThrow();
      expect(Number(taken.n)).toBe(15);
      expect(first.demoPast).not.toBeNull();
      const former = await db.selectFrom('registry_event').select((eb) => eb.fn.countAll<number>().as('n')).where('event_id', 'like', 'P%').where('event_code', 'in', ['21', '22', '24', '25']).executeTakeFirstOrThrow();
      expect(persons).toBe(300 + Number(recorded.n) + Number(former.n));
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
      expect(second.demoPast).toBeNull(); // the past is written once
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
