import { sql } from 'kysely';
import type { Bench, BenchMetric } from './run.js';

/**
 * Seeding throughput: the demo city (default 1,000,000 residents) generated and loaded with COPY into a
 * fresh PostgreSQL database. The tables are empty, so this is a bulk load (SeedOptions.bulk): foreign
 * keys and secondary indexes dropped for the load and added back at the end, key-free tables generated
 * in a worker thread. BENCH_REBUILD_INDEXES=0 measures the normal path instead. Time includes adding
 * the indexes and foreign keys back, VACUUM (ANALYZE) and the final counts.
 *
 * Breakdown: CPU seconds per 100,000 residents of this Node process (all threads) and of the
 * PostgreSQL backends serving this database (read from /proc; 0 if the server is not local), for the
 * COPY phase and for the finish (indexes, foreign keys, VACUUM, counts). With 2 cores, wall time can
 * never be below (Node + PostgreSQL CPU) / 2.
 */
export const seedBench: Bench = {
  name: 'seed',
  title: 'seed the demo city into PostgreSQL',
  async run(ctx) {
    const { result, seconds, cpuSeconds, peakRssMiB, pgCpu, loadPhase } = await ctx.ensureSeeded();
    if (result.chunksWritten === 0) ctx.log('warning: the database already held this demo city; nothing was written');
    const rows = Object.values(result.rowsWritten).reduce((s, n) => s + n, 0);
    const size = await sql<{ bytes: string }>`SELECT pg_database_size(current_database()) AS bytes`.execute(ctx.database.db);
    const written = result.rowsWritten.person;
    const per100k = (v: number) => (written > 0 ? Math.round((v / written) * 100_000 * 100) / 100 : 0);
    const r1 = (v: number) => Math.round(v * 10) / 10;
    const metrics: BenchMetric[] = [
      { metric: 'residents/s', value: Math.round(written / seconds), unit: 'residents/s', target: { op: '>=', value: 50_000 } },
      { metric: 'rows/s (all tables)', value: Math.round(rows / seconds), unit: 'rows/s' },
      { metric: `elapsed (${result.mode})`, value: r1(seconds), unit: 's' },
      { metric: 'node CPU', value: r1(cpuSeconds), unit: 's' },
      { metric: 'postgres backend CPU', value: r1(pgCpu.backendSeconds), unit: 's' },
      { metric: 'postgres background CPU', value: r1(pgCpu.sharedSeconds), unit: 's' },
      { metric: 'node CPU per 100k', value: per100k(cpuSeconds), unit: 's' },
      { metric: 'postgres CPU per 100k', value: per100k(pgCpu.backendSeconds + pgCpu.sharedSeconds), unit: 's' },
      { metric: 'wall per 100k', value: per100k(seconds), unit: 's' },
    ];
    if (loadPhase) {
      metrics.push(
        { metric: 'load phase: wall', value: r1(loadPhase.seconds), unit: 's' },
        { metric: 'load phase: node CPU', value: r1(loadPhase.cpuSeconds), unit: 's' },
        { metric: 'load phase: postgres CPU', value: r1(loadPhase.pgBackendSeconds), unit: 's' },
        { metric: 'finish: wall', value: r1(seconds - loadPhase.seconds), unit: 's' },
        { metric: 'finish: postgres CPU', value: r1(pgCpu.backendSeconds - loadPhase.pgBackendSeconds), unit: 's' },
      );
    }
    metrics.push(
      { metric: 'finish: indexes + foreign keys', value: r1(result.timing.rebuildMs / 1000), unit: 's' },
      { metric: 'finish: VACUUM (ANALYZE)', value: r1(result.timing.vacuumMs / 1000), unit: 's' },
      { metric: 'node peak RSS', value: peakRssMiB, unit: 'MiB' },
      { metric: 'database size', value: Math.round(Number(size.rows[0]?.bytes ?? 0) / 2 ** 20), unit: 'MiB' },
    );
    if (!pgCpu.available) ctx.log('PostgreSQL CPU not measured: no local server processes in /proc');
    return {
      metrics,
      details: {
        mode: result.mode,
        rowsWritten: result.rowsWritten,
        rowsTotal: rows,
        cpu: { nodeSeconds: cpuSeconds, postgresBackendSeconds: pgCpu.backendSeconds, postgresBackgroundSeconds: pgCpu.sharedSeconds, loadPhase },
        timingMs: { ...result.timing, elapsed: result.elapsedMs },
        counts: { ...result, rowsWritten: undefined, timing: undefined },
      },
    };
  },
};
