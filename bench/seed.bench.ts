import { sql } from 'kysely';
import type { Bench } from './run.js';

/**
 * Seeding throughput: the demo city (default 1,000,000 residents) generated and loaded with COPY into a
 * fresh PostgreSQL database, search indexes dropped during the load and rebuilt at the end (set
 * BENCH_REBUILD_INDEXES=0 to keep them). Time includes the index rebuild, ANALYZE and the final counts.
 */
export const seedBench: Bench = {
  name: 'seed',
  title: 'seed the demo city into PostgreSQL',
  async run(ctx) {
    const { result, seconds, cpuSeconds, peakRssMiB } = await ctx.ensureSeeded();
    if (result.chunksWritten === 0) ctx.log('warning: the database already held this demo city; nothing was written');
    const rows = Object.values(result.rowsWritten).reduce((s, n) => s + n, 0);
    const size = await sql<{ bytes: string }>`SELECT pg_database_size(current_database()) AS bytes`.execute(ctx.database.db);
    const written = result.rowsWritten.person;
    return {
      metrics: [
        { metric: 'residents/s', value: Math.round(written / seconds), unit: 'residents/s', target: { op: '>=', value: 50_000 } },
        { metric: 'rows/s (all tables)', value: Math.round(rows / seconds), unit: 'rows/s' },
        { metric: 'elapsed', value: Math.round(seconds * 10) / 10, unit: 's' },
        { metric: 'node CPU', value: Math.round(cpuSeconds * 10) / 10, unit: 's' },
        { metric: 'node peak RSS', value: peakRssMiB, unit: 'MiB' },
        { metric: 'database size', value: Math.round(Number(size.rows[0]?.bytes ?? 0) / 2 ** 20), unit: 'MiB' },
      ],
      details: {
        rowsWritten: result.rowsWritten,
        rowsTotal: rows,
        timingMs: { ...result.timing, elapsed: result.elapsedMs },
        counts: { ...result, rowsWritten: undefined, timing: undefined },
      },
    };
  },
};
