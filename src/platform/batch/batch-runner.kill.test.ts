import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../db/database.js';
import { openTestDatabase } from '../../db/test-database.js';
import { AuditRepository } from '../../modules/audit/audit.repository.js';
import { Keyring, newKeyFile } from '../../security/keyring.js';
import { operatorActor } from '../../security/actor.js';
import { runBatch } from './batch-runner.js';
import { INCOME_IMPORT_LINES, incomeImportJob } from './income-import.test-support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'batch-kill-'));
afterAll(async () => {
  // PGlite finishes writing its directory after close() resolves: let it, then remove it.
  await new Promise((resolve) => setTimeout(resolve, 500));
  rmSync(dir, { recursive: true, force: true });
});

const CHILD = fileURLToPath(new URL('./kill-child.test-support.ts', import.meta.url));
const ATENA0 = 310000001;
const PERSONS = 10;

/**
 * A real kill: a child process runs the batch and is killed with SIGKILL after chunk 3 (no catch, no
 * cleanup), then this process starts the job again. On PostgreSQL (DATABASE_URL) both share a fresh test
 * database; without it they share an embedded PGlite data directory, which is slow to create (~40 s).
 */
describe('batch runner: a process killed with SIGKILL halfway', () => {
  it('leaves a "running" run with a dead pid; the next start takes it over and ends with the totals of one uninterrupted run', async () => {
    const n = 37;
    const lines = Array.from({ length: n }, (_, i) => `${ATENA0 + (i % PERSONS)},${2020 + Math.floor(i / PERSONS)},salary,${(i + 1) * 10_007},${(i + 1) * 7_001}`);
    const file = path.join(dir, 'in.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    // PostgreSQL: a fresh database made here (migrated), shared with the child. PGlite: a data directory.
    const pg = process.env.DATABASE_URL ? await openTestDatabase() : undefined;
    await pg?.database.close();
    const dataDir = path.join(dir, 'pglite');
    const where = pg?.url ?? dataDir;

    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, where, file, '5', '3', String(ATENA0), String(PERSONS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (String(d).includes('ready')) resolve();
        if (String(d).includes('finished')) reject(new Error('the child finished before it was killed'));
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before chunk 3: ${err}`)));
    });
    const childPid = child.pid!;
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const database = await openDatabase(pg ? { databaseUrl: pg.url! } : { dataDir });
    try {
      const run = await database.db.selectFrom('job_run').selectAll().where('job', '=', 'test-income-import').executeTakeFirstOrThrow();
      expect(run).toMatchObject({ status: 'running', pid: childPid, chunks_done: 3, counts: { rows: 15 } });
      expect(Number((await database.db.selectFrom('income').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(15);

      const r = await runBatch({ database, audit: new AuditRepository(new Keyring(newKeyFile())) }, incomeImportJob(), { file }, { actor: operatorActor('test-income-import', new Set()), chunkSize: 5, inputFile: file });
      const rows = INCOME_IMPORT_LINES(file);
      expect(r).toMatchObject({ runId: run.run_id, resumed: true, chunks: 8, processed: n, counts: { rows: n } });
      expect(r.totals).toEqual({ revenue_yen: rows.reduce((s, x) => s + x.revenue_yen, 0), income_yen: rows.reduce((s, x) => s + x.income_yen, 0) });
      const income = await database.db.selectFrom('income').selectAll().execute();
      expect(income).toHaveLength(n);
      expect(new Set(income.map((x) => `${x.atena_no}/${x.fiscal_year}/${x.income_type}`)).size).toBe(n);
      expect(income.reduce((s, x) => s + Number(x.revenue_yen), 0)).toBe(r.totals.revenue_yen);
    } finally {
      await database.close();
      if (pg) await pg.drop().catch(() => undefined);
    }
  }, 120_000);
});
