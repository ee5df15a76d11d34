import pino from 'pino';
import { compose } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { Keyring, newKeyFile } from '../src/security/keyring.js';
import { operatorActor } from '../src/security/actor.js';
import { batchTimings } from '../src/modules/assessment/assessment.batch.js';

/**
 * The 本算定 alone, in a process of its own (as `npm run cli -- assessment run` runs it), so that its
 * peak RSS is the batch's and not the seeding's: the assessment bench spawns this and reads one line of
 * JSON from its stdout. Usage: tsx bench/assessment-run.ts DATABASE_URL FISCAL_YEAR CHUNK_SIZE
 */
async function main(): Promise<void> {
  const [url, yearArg, chunkArg] = process.argv.slice(2);
  if (!url || !yearArg || !chunkArg) throw new Error('usage: assessment-run.ts DATABASE_URL FISCAL_YEAR CHUNK_SIZE');
  const database = await openDatabase({ databaseUrl: url, poolSize: 4 });
  try {
    const deps = compose({ config: { ...loadConfig({}), databaseUrl: url }, database, keyring: new Keyring(newKeyFile()), logger: pino({ level: 'warn' }) });
    Object.assign(batchTimings, { read: 0, compute: 0, encode: 0, write: 0, copy: 0 });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let lastLog = 0;
    const run = await deps.assessments.runAnnual(operatorActor('bench-assessment', new Set(['assessment.run'])), Number(yearArg), {
      chunkSize: Number(chunkArg),
      onProgress: ({ done, total }) => {
        const now = performance.now();
        if (now - lastLog > 5000) {
          lastLog = now;
          process.stderr.write(`[bench] assessment: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} households (${Math.round(done / ((now - t0) / 1000))}/s), rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB\n`);
        }
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    // maxRSS: the process's peak resident set (kilobytes), over its whole life.
    process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), timings: batchTimings, run })}\n`);
  } finally {
    await database.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
