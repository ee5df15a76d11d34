/**
 * Benchmark runner: `tsx bench/run.ts [seed] [search] [login-flood] [http] [registry] [assessment]` (default: all, in that order).
 *
 * assessment: 本算定 over a city of its own at the size it must handle (1,000,000 insured), seeded into a database
 * of its own with the seed profile 'nhi', the bare-COPY baseline of its rows, the rate simulation (see
 * assessment.bench.ts: BENCH_ASSESSMENT_RESIDENTS, BENCH_ASSESSMENT_DB; BENCH_KEEP applies to it too).
 *
 * registry: 住基 intake, a day event by event and a year as files (see registry.bench.ts).
 *
 * http: audited searches over HTTP against the server in its own process (see http.bench.ts).
 *
 * Runs against PostgreSQL at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): creates
 * a fresh database bench_<timestamp>, runs the benches, prints a table and writes
 * bench/results/<bench>-<timestamp>.json, then drops the database unless BENCH_KEEP=1.
 *
 * Environment:
 *   BENCH_RESIDENTS  residents to seed (default 1,000,000)
 *   BENCH_SEED       generator seed (default 20261125)
 *   BENCH_QUERIES    measured queries per search type (default 500, at least 500 recommended)
 *   BENCH_DB         use this existing database instead of a fresh one (never dropped); the demo city
 *                    is seeded into it unless already there (seeding is idempotent)
 *   BENCH_KEEP=1     keep the fresh database
 *   BENCH_REBUILD_INDEXES=0  normal path: keep foreign keys and indexes during the load
 *   BENCH_WORKERS    generator worker threads of the bulk load (default 1)
 */
import os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import cliProgress from 'cli-progress';
import { openDatabase, type Database } from '../src/db/database.js';
import { Keyring, newKeyFile } from '../src/security/keyring.js';
import { seedDemoCity, type SeedResult } from '../src/demo/generator.js';
import { seedBench } from './seed.bench.js';
import { searchBench } from './search.bench.js';
import { loginFloodBench } from './login-flood.bench.js';
import { httpBench } from './http.bench.js';
import { registryBench } from './registry.bench.js';
import { assessmentBench } from './assessment.bench.js';
import { PgCpuSampler, type PgCpu } from './pg-cpu.js';
import { DEFAULT_BASE_URL, checkName, createDatabase, dropDatabase, envInt, stamp, withDatabase } from './database.js';

export interface BenchMetric {
  metric: string;
  value: number;
  unit: string;
  /** Pass condition, shown in the table. */
  target?: { op: '>=' | '<='; value: number };
}

export interface BenchOutcome {
  metrics: BenchMetric[];
  details?: Record<string, unknown>;
  /** Parameters of a bench that ran on a city of its own (its residents, …), over the run's in the report. */
  params?: Record<string, unknown>;
}

export interface BenchContext {
  database: Database;
  /** The (owner) URL of the bench database, for a server process of its own. */
  databaseUrl: string;
  keyring: Keyring;
  /** DATABASE_URL: the server on which a bench creates a database of its own (see database.ts). */
  baseUrl: string;
  /** The run's timestamp, as in the names of its databases and result files. */
  runStamp: string;
  residents: number;
  seed: number;
  /** Seed the demo city (once per run; later calls return the first result). */
  ensureSeeded(): Promise<Seeded>;
  /** Run `fn` when the current bench ends, even if it fails (last registered first): closing and dropping what it made. */
  defer(fn: () => Promise<void>): void;
  log(message: string): void;
}

export interface Seeded {
  result: SeedResult;
  seconds: number;
  /** CPU time of this Node process during the load (PostgreSQL's own CPU is not included). */
  cpuSeconds: number;
  /** Highest resident set size of this process seen during the load. */
  peakRssMiB: number;
  /** CPU of the PostgreSQL server (local server only; see pg-cpu.ts), whole run. */
  pgCpu: PgCpu;
  /** Snapshot when the last chunk was loaded: the COPY phase, before indexes, foreign keys and VACUUM. */
  loadPhase: { seconds: number; cpuSeconds: number; pgBackendSeconds: number } | null;
}

export interface Bench {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}

const BENCHES: readonly Bench[] = [seedBench, searchBench, loginFloodBench, httpBench, registryBench, assessmentBench];

const here = path.dirname(fileURLToPath(import.meta.url));

async function environment(database: Database) {
  const settings = await sql<{ name: string; setting: string; unit: string | null }>`
    SELECT name, setting, unit FROM pg_settings
     WHERE name IN ('shared_buffers', 'max_wal_size', 'synchronous_commit', 'autovacuum', 'work_mem', 'maintenance_work_mem', 'wal_level', 'fsync')`.execute(database.db);
  const version = await sql<{ v: string }>`SELECT version() AS v`.execute(database.db);
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    postgres: version.rows[0]?.v ?? 'unknown',
    settings: Object.fromEntries(settings.rows.map((s) => [s.name, s.unit ? `${s.setting} ${s.unit}` : s.setting])),
  };
}

function formatValue(m: BenchMetric): string {
  const v = m.value;
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Terminal columns of a string: East Asian wide characters take two. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u.test(ch) ? 2 : 1;
  return w;
}
const padEnd = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));
const padStart = (s: string, n: number) => ' '.repeat(Math.max(0, n - width(s))) + s;

function printTable(rows: { bench: string; m: BenchMetric }[]): void {
  const table = rows.map(({ bench, m }) => {
    const target = m.target ? `${m.target.op} ${m.target.value.toLocaleString('en-US')}` : '';
    const ok = m.target ? ((m.target.op === '>=' ? m.value >= m.target.value : m.value <= m.target.value) ? 'ok' : 'MISS') : '';
    return [bench, m.metric, formatValue(m), m.unit, target, ok];
  });
  const head = ['bench', 'metric', 'value', 'unit', 'target', ''];
  const widths = head.map((h, i) => Math.max(width(h), ...table.map((r) => width(r[i]!))));
  const line = (r: string[]) => r.map((c, i) => (i === 2 ? padStart(c, widths[i]!) : padEnd(c, widths[i]!))).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of table) console.log(line(r));
}

async function main(): Promise<number> {
  const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = requested.filter((r) => !BENCHES.some((b) => b.name === r));
  if (unknown.length) {
    console.error(`unknown bench: ${unknown.join(', ')} (available: ${BENCHES.map((b) => b.name).join(', ')})`);
    return 2;
  }
  const selected = BENCHES.filter((b) => requested.length === 0 || requested.includes(b.name));
  const baseUrl = process.env.DATABASE_URL ?? DEFAULT_BASE_URL;
  const residents = envInt('BENCH_RESIDENTS', 1_000_000);
  const seed = envInt('BENCH_SEED', 20261125);
  const runStamp = stamp();
  const reuse = process.env.BENCH_DB;
  const dbName = reuse ?? `bench_${runStamp}`;
  checkName(dbName);
  if (!reuse) await createDatabase(baseUrl, dbName);
  const log = (msg: string) => console.error(`[bench] ${msg}`);
  log(`database ${dbName}${reuse ? ' (reused)' : ''}, ${residents.toLocaleString('en-US')} residents, seed ${seed}`);

  const databaseUrl = withDatabase(baseUrl, dbName);
  const database = await openDatabase({ databaseUrl, poolSize: 8 });
  const keyring = new Keyring(newKeyFile());
  let seeded: Seeded | undefined;
  const deferred: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (let fn = deferred.pop(); fn; fn = deferred.pop()) await fn().catch((e: unknown) => console.error(e));
  };
  const ctx: BenchContext = {
    database,
    databaseUrl,
    keyring,
    baseUrl,
    runStamp,
    residents,
    seed,
    log,
    defer: (fn) => void deferred.push(fn),
    async ensureSeeded() {
      if (seeded) return seeded;
      const bar = new cliProgress.SingleBar(
        { format: '  seeding [{bar}] {percentage}% {value}/{total} residents | {rate}/s | ETA {eta}s', stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      let peakRss = process.memoryUsage().rss;
      let loadPhase: Seeded['loadPhase'] = null;
      const pg = new PgCpuSampler(dbName);
      pg.start();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const result = await seedDemoCity(database, keyring, {
        residents,
        seed,
        actorLabel: `operator:${os.userInfo().username}@${os.hostname()}/bench/${runStamp}`,
        rebuildSearchIndexes: process.env.BENCH_REBUILD_INDEXES !== '0',
        ...(process.env.BENCH_WORKERS ? { workers: envInt('BENCH_WORKERS', 1) } : {}),
        onProgress: (done, total) => {
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
          if (done === total) {
            const c = process.cpuUsage(cpu0);
            loadPhase = { seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6, pgBackendSeconds: pg.read().backendSeconds };
          }
          if (!started) {
            bar.start(total, 0, { rate: 0 });
            started = true;
          }
          bar.update(done, { rate: Math.round(done / ((performance.now() - t0) / 1000)) });
        },
      });
      if (started) bar.stop();
      const cpu = process.cpuUsage(cpu0);
      const seconds = (performance.now() - t0) / 1000;
      seeded = { result, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: Math.round(peakRss / 2 ** 20), pgCpu: pg.stop(), loadPhase };
      return seeded;
    },
  };

  const all: { bench: string; m: BenchMetric }[] = [];
  let failed = false;
  try {
    const env = await environment(database);
    mkdirSync(path.join(here, 'results'), { recursive: true });
    for (const b of selected) {
      log(`running ${b.name}: ${b.title}`);
      const loadBefore = os.loadavg();
      const startedAt = new Date();
      let outcome: BenchOutcome;
      try {
        outcome = await b.run(ctx);
      } finally {
        await cleanUp();
      }
      const report = {
        bench: b.name,
        title: b.title,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        database: dbName,
        params: { residents, seed, ...outcome.params },
        environment: { ...env, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() },
        metrics: outcome.metrics,
        details: outcome.details ?? {},
      };
      const file = path.join(here, 'results', `${b.name}-${runStamp}.json`);
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      log(`wrote ${path.relative(process.cwd(), file)}`);
      for (const m of outcome.metrics) all.push({ bench: b.name, m });
    }
  } catch (e) {
    failed = true;
    console.error(e);
  } finally {
    await database.close();
    if (!reuse && process.env.BENCH_KEEP !== '1') {
      await dropDatabase(baseUrl, dbName);
      log(`dropped ${dbName}`);
    } else {
      log(`kept ${dbName}`);
    }
  }
  if (all.length) {
    console.log('');
    printTable(all);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
