import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import type { DB } from '../src/db/schema.js';
import { compose } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { BULK_PROFILE, phase } from '../src/modules/registry/registry.bulk.js';
import { intakeCsv, registryEventMaker, type Line } from '../src/demo/registry-events.js';
import { addDays, todayInJapan } from '../src/modules/eligibility/eligibility.rules.js';
import { operatorActor } from '../src/security/actor.js';
import type { Bench, BenchMetric } from './run.js';
import { countRows, measureFloor } from './registry-floor.js';

/**
 * 住基 intake at the seeded size (default 1,000,000 residents): one day of the registry's changes
 * (≈ 3,000 events, pushed one at a time as the near-real-time API does: latency per event) and a year
 * (≈ 800,000 events, as files). The events are drawn from the seeded city with a realistic mix
 * (転居, 転入, 転出, 出生, 死亡, 世帯分離, 氏名変更), each consistent with the registry as it then stands.
 *
 *   BENCH_REGISTRY_DAY    events of the day (default 3,000)
 *   BENCH_REGISTRY_YEAR   events of the year part (default 800,000; files of BENCH_REGISTRY_FILE lines)
 *   BENCH_REGISTRY_FILE   lines per file of the year part (default 20,000)
 */

/** The server's WAL position and checkpoint count (how much the year wrote, and how often it was checkpointed). */
async function walPosition(db: Kysely<DB>): Promise<{ lsn: string; checkpoints: number }> {
  const r = await sql<{ lsn: string; n: string }>`SELECT pg_current_wal_lsn()::text AS lsn, (checkpoints_timed + checkpoints_req)::text AS n FROM pg_stat_bgwriter`.execute(db);
  return { lsn: r.rows[0]!.lsn, checkpoints: Number(r.rows[0]!.n) };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const registryBench: Bench = {
  name: 'registry',
  title: '住基 intake: a day pushed event by event, a year as files',
  async run(ctx) {
    await ctx.ensureSeeded();
    const db = ctx.database.db;
    const envInt = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
    const dayEvents = envInt('BENCH_REGISTRY_DAY', 3000);
    const yearEvents = envInt('BENCH_REGISTRY_YEAR', 800_000);
    const perFile = envInt('BENCH_REGISTRY_FILE', 20_000);
    const deps = compose({ config: { ...loadConfig({}), databaseUrl: ctx.databaseUrl }, database: ctx.database, keyring: ctx.keyring, logger: pino({ level: 'warn' }) });
    const actor = operatorActor('bench-registry', new Set(['registry.intake']));

    ctx.log('registry: drawing residents for the events');
    const day = addDays(todayInJapan(), -1);
    const maker = await registryEventMaker(db, day, ctx.seed);

    // A day, event by event over the service the API calls (each its own transaction and audit record).
    ctx.log(`registry: a day of ${dayEvents} events, one at a time`);
    const latencies: number[] = [];
    let peakRss = process.memoryUsage().rss;
    const t0 = performance.now();
    for (let i = 0; i < dayEvents; i++) {
      const e = maker.next();
      const s = performance.now();
      await deps.registry.pushEvents(actor, [e]);
      latencies.push(performance.now() - s);
      if (i % 200 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const daySeconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);

    // The year: files of perFile lines, each all-or-nothing.
    ctx.log(`registry: a year of ${yearEvents} events in files of ${perFile}`);
    const rowsBefore = await countRows(db);
    BULK_PROFILE.enabled = true;
    const walBefore = await walPosition(db);
    const t1 = performance.now();
    let done = 0;
    let files = 0;
    let making = 0;
    while (done < yearEvents) {
      const n = Math.min(perFile, yearEvents - done);
      // The registry's file is made outside the timed part: the year's time is the intake's alone.
      const g = performance.now();
      const lines: Line[] = [];
      for (let i = 0; i < n; i++) lines.push(maker.next());
      const file = intakeCsv(lines);
      making += performance.now() - g;
      const s = performance.now();
      const r = await deps.registry.importFile(actor, file, { fileName: `bench-${files}.csv` });
      phase('(whole files, for the rest: commit, use case)', s);
      if (r.taken !== n) throw new Error(`file ${files}: took ${r.taken} of ${n}`);
      done += n;
      files++;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      ctx.log(`registry: ${done.toLocaleString('en-US')} / ${yearEvents.toLocaleString('en-US')} (${Math.round(done / ((performance.now() - t1 - making) / 1000))} events/s)`);
    }
    const yearSeconds = (performance.now() - t1 - making) / 1000;
    ctx.log(`registry: making the year's files took ${Math.round(making / 100) / 10} s (not counted)`);
    const walAfter = await walPosition(db);
    const walBytes = Number((await sql<{ n: string }>`SELECT pg_wal_lsn_diff(${walAfter.lsn}::pg_lsn, ${walBefore.lsn}::pg_lsn)::bigint AS n`.execute(db)).rows[0]!.n);
    BULK_PROFILE.enabled = false;
    ctx.log('registry: the floor (the year\'s rows by bare statements, rolled back)');
    const floor = yearEvents > 0 ? await measureFloor(ctx.database.owner, rowsBefore, await countRows(db), Math.min(perFile, 20_000)) : null;
    const tenths = (micros: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.entries(micros).map(([k, v]) => [k, Math.round(v * 10) / 10])));
    if (floor) {
      ctx.log(`registry: floor: rows written ${JSON.stringify(floor.written)}, µs per row ${tenths(floor.perRowMicros)}`);
      ctx.log(`registry: lower bound of any storage (read, change in place, append the version, store the event): µs per row ${tenths(floor.lowerBound.perRowMicros)}`);
    }
    else if (yearEvents > 0) ctx.log('registry: floor not measured (the owner is not a superuser)');
    ctx.log(`registry: phases (ms) ${JSON.stringify(Object.fromEntries(Object.entries(BULK_PROFILE.phases).map(([k, v]) => [k, Math.round(v)])))}`);
    const metrics: BenchMetric[] = [
      { metric: `day: ${dayEvents} events one at a time`, value: Math.round(daySeconds * 10) / 10, unit: 's' },
      { metric: 'day: events/s', value: Math.round(dayEvents / daySeconds), unit: '/s' },
      { metric: 'day: p50 per event', value: Math.round(percentile(latencies, 0.5) * 100) / 100, unit: 'ms' },
      { metric: 'day: p95 per event', value: Math.round(percentile(latencies, 0.95) * 100) / 100, unit: 'ms' },
      { metric: `year: ${yearEvents.toLocaleString('en-US')} events in ${files} files`, value: Math.round(yearSeconds * 10) / 10, unit: 's', ...(yearEvents >= 800_000 ? { target: { op: '<=' as const, value: 60 } } : {}) },
      { metric: 'year: events/s', value: Math.round(yearEvents / yearSeconds), unit: '/s', target: { op: '>=', value: Math.round(800_000 / 60) } },
      ...(floor
        ? [
            { metric: "floor: the year's rows by bare statements", value: Math.round(floor.seconds * 10) / 10, unit: 's' },
            { metric: 'floor: bare person update per row', value: Math.round(floor.perRowMicros.personUpdates * 10) / 10, unit: 'µs' },
            { metric: 'floor: bare membership end per row', value: Math.round(floor.perRowMicros.memberUpdates * 10) / 10, unit: 'µs' },
            { metric: 'year ÷ floor', value: Math.round((yearSeconds / floor.seconds) * 100) / 100, unit: '×' },
            { metric: 'lower bound of any storage, the year', value: Math.round(floor.lowerBound.seconds * 10) / 10, unit: 's' },
          ]
        : []),
      { metric: 'year: WAL written per event', value: Math.round(walBytes / yearEvents), unit: 'B' },
      { metric: 'year: checkpoints during the year', value: walAfter.checkpoints - walBefore.checkpoints, unit: '' },
      { metric: 'peak RSS', value: Math.round(peakRss / 2 ** 20), unit: 'MiB' },
    ];
    return { metrics, details: { day, dayEvents, yearEvents, perFile, ...(floor ? { floor } : {}) } };
  },
};
