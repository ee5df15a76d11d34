import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { authenticator } from 'otplib';
import { Keyring, newKeyFile, writeKeyFile } from '../src/security/keyring.js';
import { AuthService, totpAad } from '../src/modules/access/auth.service.js';
import { Rng, mixSeed } from '../src/demo/prng.js';
import type { Bench, BenchContext, BenchMetric } from './run.js';
import { closedLoop, HttpDriver, median, openLoop, sequential, type Client, type LoadResult } from './load.js';

/**
 * Audited person searches end to end over HTTP against the real server in its own process, at the
 * seeded size (default 1,000,000 persons): real staff sessions (password + TOTP login once per session),
 * session check, permissions, the search and its audit record in the same transaction.
 * Half the requests are kana-prefix searches, half 宛名番号 searches, drawn from the data.
 *
 * Scenarios (each run BENCH_HTTP_RUNS times, default 3; the median run is reported):
 *  - single:     one request at a time (p50 target ≤ 8 ms)
 *  - saturation: closed loop, BENCH_HTTP_CLIENTS clients (default 32) back to back (target ≥ 300/s)
 *  - open:       200 sessions together sending 200 searches/s in total (p99 target ≤ 100 ms)
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const SESSIONS = 200;
const PASSWORD = 'Bench-Search-2026!';
const envNum = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

async function startServerProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: root,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('起動しました')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
  await ready;
  return { child, port };
}

/** Bench staff (SESSIONS accounts with the clerk role), created once; returns their TOTP secrets. */
async function ensureStaff(ctx: BenchContext, keyring: Keyring): Promise<Map<string, string>> {
  const db = ctx.database.db;
  const hash = await AuthService.hashPassword(PASSWORD);
  const secrets = new Map<string, string>();
  await db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', 'operator:bench', true)`.execute(tx);
    for (let i = 1; i <= SESSIONS; i++) {
      const staffId = `bench${String(i).padStart(3, '0')}`;
      const secret = authenticator.generateSecret(20);
      secrets.set(staffId, secret);
      const totp = `${keyring.activeKeyId}:${keyring.encrypt(secret, totpAad(staffId))}`;
      await sql`
        INSERT INTO staff (staff_id, display_name, office_code, password_hash, totp_secret_enc, updated_by)
        VALUES (${staffId}, ${`負荷 ${i}`}, 'kokuho', ${hash}, ${totp}, 'operator:bench')
        ON CONFLICT (staff_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, totp_secret_enc = EXCLUDED.totp_secret_enc,
          totp_last_step = NULL, failed_logins = 0, locked_until = NULL`.execute(tx);
      await sql`INSERT INTO staff_role (staff_id, role_code, granted_by) VALUES (${staffId}, 'kokuho_staff', 'operator:bench') ON CONFLICT DO NOTHING`.execute(tx);
    }
  });
  return secrets;
}

async function login(driver: HttpDriver, staffId: string, secret: string): Promise<Client> {
  const json = { 'content-type': 'application/json' };
  const r1 = await driver.request('POST', '/api/auth/login', json, JSON.stringify({ staffId, password: PASSWORD }));
  if (r1.status !== 200) throw new Error(`login ${staffId}: ${r1.status} ${r1.body}`);
  const cookie1 = r1.setCookie[0]!.split(';')[0]!;
  const { csrfToken } = JSON.parse(r1.body) as { csrfToken: string };
  const r2 = await driver.request('POST', '/api/auth/totp', { ...json, cookie: cookie1, 'x-csrf-token': csrfToken }, JSON.stringify({ code: authenticator.generate(secret) }));
  if (r2.status !== 200) throw new Error(`totp ${staffId}: ${r2.status} ${r2.body}`);
  return { cookie: r2.setCookie[0]!.split(';')[0]! };
}

async function searchPaths(ctx: BenchContext, n: number): Promise<string[]> {
  const { result } = await ctx.ensureSeeded();
  const rng = new Rng(mixSeed(ctx.seed, 0x47e7));
  const ids = Array.from({ length: n }, () => rng.int(result.range.atenaFrom, result.range.atenaTo));
  const r = await sql<{ atena_no: number; name_kana_key: string }>`SELECT atena_no, name_kana_key FROM person WHERE atena_no = ANY(${ids}::bigint[])`.execute(ctx.database.db);
  return r.rows.flatMap((p) => [`/api/persons?kana=${encodeURIComponent([...p.name_kana_key].slice(0, 3).join(''))}`, `/api/persons?atenaNo=${p.atena_no}`]);
}

export const httpBench: Bench = {
  name: 'http',
  title: 'audited person searches over HTTP against the server process',
  async run(ctx) {
    await ctx.ensureSeeded();
    const runs = envNum('BENCH_HTTP_RUNS', 3);
    const clients = envNum('BENCH_HTTP_CLIENTS', 32);
    const seconds = envNum('BENCH_HTTP_SECONDS', 10);
    const dir = mkdtempSync(path.join(tmpdir(), 'kokuho-bench-'));
    const keyFile = path.join(dir, 'keys.json');
    const keys = newKeyFile();
    writeKeyFile(keyFile, keys);
    const keyring = new Keyring(keys);
    // Every bench session logs in from 127.0.0.1: the per-client login throttle would refuse most of them.
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: ctx.databaseUrl, DATA_DIR: dir, KEY_FILE: keyFile, DEMO_RESIDENTS: '0', LOG_LEVEL: 'warn', COOKIE_SECURE: '0', LOGIN_ATTEMPTS_PER_IP: '100000' };
    delete env.APP_DATABASE_URL;
    ctx.log('starting the server process');
    const { child, port } = await startServerProcess(env);
    const driver = new HttpDriver({ host: '127.0.0.1', port }, SESSIONS);
    try {
      const secrets = await ensureStaff(ctx, keyring);
      ctx.log(`logging in ${SESSIONS} sessions`);
      const sessions: Client[] = [];
      const ids = [...secrets.keys()];
      for (let i = 0; i < ids.length; i += 4) sessions.push(...(await Promise.all(ids.slice(i, i + 4).map((id) => login(driver, id, secrets.get(id)!)))));
      const paths = await searchPaths(ctx, 2000);
      let k = 0;
      const next = () => paths[k++ % paths.length]!;

      const single: LoadResult[] = [];
      const saturation: LoadResult[] = [];
      const open: LoadResult[] = [];
      for (let r = 0; r < runs; r++) {
        single.push(await sequential(driver, sessions[0]!, next, 500, 50));
        ctx.log(`run ${r + 1} single: p50 ${single.at(-1)!.p50} ms p99 ${single.at(-1)!.p99} ms`);
        saturation.push(await closedLoop(driver, sessions.slice(0, clients), next, seconds));
        ctx.log(`run ${r + 1} saturation (${clients} clients): ${saturation.at(-1)!.throughput}/s p99 ${saturation.at(-1)!.p99} ms errors ${saturation.at(-1)!.errors}`);
        open.push(await openLoop(driver, sessions, next, 200, seconds));
        ctx.log(`run ${r + 1} open 200/s over ${SESSIONS} sessions: p50 ${open.at(-1)!.p50} p95 ${open.at(-1)!.p95} p99 ${open.at(-1)!.p99} ms errors ${open.at(-1)!.errors}`);
      }
      const s = median(single, 'p50');
      const sat = median(saturation, 'throughput');
      const o = median(open, 'p99');
      const metrics: BenchMetric[] = [
        { metric: 'single request p50', value: s.p50, unit: 'ms', target: { op: '<=', value: 8 } },
        { metric: 'single request p99', value: s.p99, unit: 'ms' },
        { metric: `saturation (${clients} clients) throughput`, value: sat.throughput, unit: 'searches/s', target: { op: '>=', value: 300 } },
        { metric: `saturation p99`, value: sat.p99, unit: 'ms' },
        { metric: 'open loop 200/s, 200 sessions p50', value: o.p50, unit: 'ms' },
        { metric: 'open loop 200/s, 200 sessions p95', value: o.p95, unit: 'ms' },
        { metric: 'open loop 200/s, 200 sessions p99', value: o.p99, unit: 'ms', target: { op: '<=', value: 100 } },
        { metric: 'errors (all runs)', value: [...single, ...saturation, ...open].reduce((n, x) => n + x.errors, 0), unit: 'requests', target: { op: '<=', value: 0 } },
      ];
      return { metrics, details: { runs, clients, seconds, sessions: SESSIONS, single, saturation, open } };
    } finally {
      driver.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
