import os from 'node:os';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'kysely';
import cliProgress from 'cli-progress';
import { compose } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { operatorActor } from '../src/security/actor.js';
import { resolveMunicipality } from '../src/modules/assessment/tax.rules.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../src/platform/batch/batch-runner.js';
import { annualHeapMiB } from '../src/modules/assessment/assessment.batch.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { seedDemoCity, type SeedResult } from '../src/demo/generator.js';
import type { Bench, BenchContext, BenchMetric } from './run.js';
import { checkName, createDatabase, dropDatabase, envInt, withDatabase } from './database.js';

/**
 * 本算定 at the size it must handle, "1,000,000 insured (≈ 600,000 households)": the shared demo city insures
 * only about a fifth of its residents in 国保 (≈ 104,000 households listed at 1,000,000 residents), so
 * this bench seeds a city of its own, with the seed profile 'nhi' (everyone under 75 in 国保, 75+ in
 * 後期高齢者医療; src/demo/population.ts), into a database of its own (bench_assessment_<stamp> next to
 * the run's, dropped at the end unless BENCH_KEEP=1). On it: the annual batch over every household
 * someone is insured in during BENCH_ASSESSMENT_YEAR (default 2026), through the service the CLI calls
 * (chunks, checkpoints, audit records, set-based reads, the pure rules, one COPY per chunk, the next chunk
 * read and computed while one writes), in a process of its own (bench/assessment-run.ts) whose peak RSS is reported. Then, in
 * the same run, a bare COPY of the same number of result rows (the same columns and values, read back
 * from the run, into a table without indexes; only the COPY is timed) — the ratio says what the batch
 * costs beyond writing its output. Then the rate simulation of the next year over the same city
 * (nothing written). The other benches keep the shared demo city (BenchContext.ensureSeeded).
 *
 *   BENCH_ASSESSMENT_RESIDENTS  residents of the NHI city (default DEFAULT_RESIDENTS: ≈ 1,000,000 insured in FY2026)
 *   BENCH_ASSESSMENT_DB         use this existing database instead (never dropped); the NHI city is seeded
 *                               into it unless already there (seeding is idempotent: a finished city is
 *                               skipped, a different one in the same numbers is refused)
 *   BENCH_ASSESSMENT_YEAR       the 年度 (default 2026; the demo city has incomes for 2022–2026)
 *   BENCH_ASSESSMENT_CHUNK      households per chunk (default 5000)
 *   BENCH_SEED, BENCH_WORKERS, BENCH_REBUILD_INDEXES, BENCH_KEEP  as for the run (bench/run.ts)
 */
/**
 * ≈ 1,000,000 insured in FY2026. Measured on 2026-11-30 with the bench's own count (distinct persons
 * with a 国保資格 overlapping the 年度), seed 20261125, profile 'nhi': 50,000 residents → 42,796 insured
 * (85.6%), 200,000 → 170,973 (85.5%), in 19,358 and 77,197 国保 households (≈ 2.2 insured each); so
 * 1,170,000 residents ≈ 1,000,000 insured in ≈ 450,000 households (the demo's households are larger
 * than 国保's: the target's ≈ 600,000 counts 1.7 insured per household).
 */
export const DEFAULT_RESIDENTS = 1_170_000;

/**
 * The bench's own city: a database of its own, seeded with the 'nhi' profile, closed (and dropped unless
 * reused or BENCH_KEEP=1) when the bench ends, even if it fails (ctx.defer).
 */
async function nhiCity(ctx: BenchContext): Promise<{ database: Database; databaseUrl: string; name: string; reused: boolean; residents: number; seeded: SeedResult; seedSeconds: number }> {
  const residents = envInt('BENCH_ASSESSMENT_RESIDENTS', DEFAULT_RESIDENTS);
  const reuse = process.env.BENCH_ASSESSMENT_DB;
  const name = reuse || `bench_assessment_${ctx.runStamp}`;
  checkName(name);
  if (!reuse) await createDatabase(ctx.baseUrl, name);
  const databaseUrl = withDatabase(ctx.baseUrl, name);
  ctx.defer(async () => {
    if (!reuse && process.env.BENCH_KEEP !== '1') {
      await dropDatabase(ctx.baseUrl, name);
      ctx.log(`assessment: dropped ${name}`);
    } else ctx.log(`assessment: kept ${name}`);
  });
  const database = await openDatabase({ databaseUrl, poolSize: 8 });
  ctx.defer(() => database.close()); // runs first (last registered), then the drop
  ctx.log(`assessment: database ${name}${reuse ? ' (reused)' : ''}, NHI city of ${residents.toLocaleString('en-US')} residents, seed ${ctx.seed}`);
  const bar = new cliProgress.SingleBar(
    { format: '  seeding the NHI city [{bar}] {percentage}% {value}/{total} residents | ETA {eta}s', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const t0 = performance.now();
  const seeded = await seedDemoCity(database, ctx.keyring, {
    residents,
    seed: ctx.seed,
    profile: 'nhi',
    actorLabel: `operator:${os.userInfo().username}@${os.hostname()}/bench-assessment/${ctx.runStamp}`,
    rebuildSearchIndexes: process.env.BENCH_REBUILD_INDEXES !== '0',
    ...(process.env.BENCH_WORKERS ? { workers: envInt('BENCH_WORKERS', 1) } : {}),
    onProgress: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  if (started) bar.stop();
  const seedSeconds = (performance.now() - t0) / 1000;
  ctx.log(`assessment: seeded in ${seedSeconds.toFixed(1)} s (${seeded.chunksWritten} chunks written, ${seeded.chunksSkipped} already there), ${seeded.households.toLocaleString('en-US')} households`);
  return { database, databaseUrl, name, reused: !!reuse, residents, seeded, seedSeconds };
}

const COLUMNS = [
  'fiscal_year', 'household_no', 'address_exception_atena_no', 'version', 'reason', 'run_id', 'cause', 'taxpayer_atena_no', 'pseudo_head', 'insured_count', 'reduction',
  'total_yen', 'medical_yen', 'support_yen', 'care_yen', 'child_support_yen', 'income_levy_yen', 'per_capita_yen', 'per_household_yen', 'legal_reduction_yen',
  'specific_household_reduction_yen', 'preschool_reduction_yen', 'minor_reduction_yen', 'capped', 'parts', 'members', 'input', 'input_hash', 'params_hash', 'recorded_by', 'recorded_at',
] as const;

export const assessmentBench: Bench = {
  name: 'assessment',
  title: '本算定 (annual assessment) over a city of NHI households at the size it must handle (1,000,000 insured), vs a bare COPY of its rows; rate simulation',
  async run(ctx) {
    const city = await nhiCity(ctx);
    const { database, databaseUrl } = city;
    const db = database.db;
    const year = envInt('BENCH_ASSESSMENT_YEAR', 2026);
    const chunkSize = envInt('BENCH_ASSESSMENT_CHUNK', 5000);
    const deps = compose({ config: { ...loadConfig({}), databaseUrl }, database, keyring: ctx.keyring, logger: pino({ level: 'warn' }) });
    const counts = await sql<{ households: string; insured: string }>`
      SELECT (SELECT count(*) FROM household) AS households,
             (SELECT count(DISTINCT atena_no) FROM nhi_eligibility WHERE superseded_at IS NULL AND acquired_on < ${`${year + 1}-04-01`} AND (lost_on IS NULL OR lost_on > ${`${year}-04-01`})) AS insured`.execute(db);
    const households = Number(counts.rows[0]!.households);
    const insured = Number(counts.rows[0]!.insured);
    ctx.log(`assessment: ${households.toLocaleString('en-US')} households, ${insured.toLocaleString('en-US')} insured during ${year} (${Math.round((insured / Math.max(1, city.residents)) * 1000) / 10}% of the residents); load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

    // Start from no stored assessment (a reused database keeps those of an earlier bench run).
    {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query('TRUNCATE assessment, assessment_run, assessment_params, tax_exemption');
      await c.end();
    }
    // The batch in a process of its own (bench/assessment-run.ts, the service the CLI calls), so that its
    // peak RSS is the batch's, not this process's (which seeded the city).
    const loadBefore = os.loadavg();
    // Under the heap cap the CLI's `assessment run` gives itself (Command.heapMiB, cli/heap-cap.ts).
    const heapMiB = annualHeapMiB(chunkSize);
    const child = await runChild(ctx, [`--max-old-space-size=${heapMiB}`, '--import', 'tsx', fileURLToPath(new URL('./assessment-run.ts', import.meta.url)), databaseUrl, String(year), String(chunkSize)]);
    const loadDuring = os.loadavg();
    const { seconds, run, timings } = child;
    const units = run.counts.units ?? 0;
    ctx.log(`assessment: phases in the batch's process: read ${(timings.read / 1000).toFixed(1)} s, compute ${(timings.compute / 1000).toFixed(1)} s, encode ${(timings.encode / 1000).toFixed(1)} s (in the worker thread, overlapping the previous chunk's write), write ${(timings.write / 1000).toFixed(1)} s of which COPY ${(timings.copy / 1000).toFixed(1)} s`);
    ctx.log(`assessment: listed ${(run.counts.households ?? 0).toLocaleString('en-US')} households, ${(run.counts.insured ?? 0).toLocaleString('en-US')} insured persons assessed`);
    ctx.log(`assessment: done in ${seconds.toFixed(1)} s, ${units.toLocaleString('en-US')} assessments, total ${(run.totals.total ?? 0).toLocaleString('en-US')} yen, peak RSS ${child.peakRssMiB} MiB`);

    // The bare COPY of the same rows: read back page by page as COPY text, timed only while copying.
    // A connection of its own as the schema owner (the application's login may not create tables).
    const owner = new pg.Client({ connectionString: databaseUrl });
    await owner.connect();
    await owner.query('RESET ROLE');
    await owner.query('DROP TABLE IF EXISTS bench_assessment_copy');
    await owner.query(`CREATE TABLE bench_assessment_copy AS SELECT ${COLUMNS.join(', ')} FROM assessment WITH NO DATA`);
    await owner.query('GRANT INSERT, SELECT ON bench_assessment_copy TO nhi_app');
    const text = COLUMNS.map((c) => `replace(replace(replace(coalesce(${c}::text, '\\N'), '\\', '\\\\'), E'\\t', '\\t'), E'\\n', '\\n')`).join(` || E'\\t' || `);
    let copySeconds = 0;
    let copied = 0;
    let after = 0;
    for (;;) {
      const page = await sql<{ id: string; line: string }>`SELECT assessment_id AS id, ${sql.raw(text)} AS line FROM assessment WHERE run_id = ${run.runId} AND assessment_id > ${after} ORDER BY assessment_id LIMIT ${chunkSize}`.execute(db);
      if (page.rows.length === 0) break;
      after = Number(page.rows.at(-1)!.id);
      const tsv = `${page.rows.map((r) => r.line).join('\n')}\n`;
      const c0 = performance.now();
      await database.copyIn('bench_assessment_copy', COLUMNS, tsv);
      copySeconds += (performance.now() - c0) / 1000;
      copied += page.rows.length;
    }
    await owner.query('DROP TABLE bench_assessment_copy');
    await owner.end();
    ctx.log(`assessment: bare COPY of ${copied.toLocaleString('en-US')} rows in ${copySeconds.toFixed(1)} s`);

    // The rate simulation of the next year: the city's own rates with 均等割 +1,000円 in every part.
    const own = resolveMunicipality({ fiscalYear: year });
    const parts = Object.fromEntries(
      Object.entries(own.parts).map(([k, p]) => [k, { incomeRate: p!.incomeRate.toString(), perCapita: p!.perCapita + 1000, perHousehold: p!.perHousehold, limit: p!.limit, ...(k === 'childSupport' ? { adultPerCapita: p!.adultPerCapita } : {}) }]),
    );
    const s0 = performance.now();
    const sim = await deps.assessments.simulate(operatorActor('bench-simulate', new Set(['assessment.read'])), { fiscalYear: year + 1, municipality: { name: '試算', parts } });
    const simSeconds = (performance.now() - s0) / 1000;
    ctx.log(`assessment: simulation of ${sim.households.toLocaleString('en-US')} households in ${simSeconds.toFixed(1)} s (difference ${sim.difference.toLocaleString('en-US')} yen)`);

    const r1 = (v: number) => Math.round(v * 10) / 10;
    const metrics: BenchMetric[] = [
      { metric: 'NHI city: residents', value: city.residents, unit: 'persons' },
      { metric: `insured during ${year} (国保資格)`, value: insured, unit: 'persons' },
      { metric: `本算定 ${year}: wall`, value: r1(seconds), unit: 's', target: { op: '<=', value: 60 } },
      { metric: 'households listed (someone insured in the year)', value: run.counts.households ?? 0, unit: '' },
      { metric: 'households/s (listed)', value: Math.round((run.counts.households ?? 0) / seconds), unit: '/s' },
      { metric: 'assessments written', value: units, unit: 'rows' },
      { metric: 'insured persons assessed', value: run.counts.insured ?? 0, unit: 'persons' },
      { metric: `peak RSS (the batch's process, heap cap ${heapMiB} MiB)`, value: child.peakRssMiB, unit: 'MiB', target: { op: '<=', value: 512 } },
      { metric: 'node CPU (the batch\'s process)', value: r1(child.cpuSeconds), unit: 's' },
      { metric: 'bare COPY of the same rows', value: r1(copySeconds), unit: 's' },
      { metric: 'ratio batch / bare COPY', value: Math.round((seconds / Math.max(copySeconds, 0.001)) * 100) / 100, unit: '×', target: { op: '<=', value: 3 } },
      { metric: `simulation ${year + 1}: wall`, value: r1(simSeconds), unit: 's', target: { op: '<=', value: 10 } },
      { metric: 'load average (1 min) before / during', value: Math.round(loadBefore[0]! * 100) / 100, unit: `/ ${loadDuring[0]!.toFixed(2)}` },
    ];
    return {
      metrics,
      params: { residents: city.residents, profile: 'nhi', database: city.name },
      details: {
        city: { database: city.name, reused: city.reused, profile: 'nhi', residents: city.residents, seed: ctx.seed, seedSeconds: Math.round(city.seedSeconds * 10) / 10, seeded: city.seeded },
        phasesMs: timings, year, chunkSize, households, insured, runId: run.runId, counts: run.counts, totals: run.totals, simulation: sim, loadAverage: { before: loadBefore, after: os.loadavg() },
      },
    };
  },
};

/** What bench/assessment-run.ts prints. */
interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  timings: { read: number; compute: number; encode: number; write: number; copy: number };
  run: RunSummary;
}

/** Run the batch script (node's arguments) in a child process; its progress goes to our log, its result is its last stdout line. */
function runChild(ctx: BenchContext, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`assessment-run exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}
