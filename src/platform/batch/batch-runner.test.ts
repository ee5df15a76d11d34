import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { openTestDatabase } from '../../db/test-database.js';
import type { Database } from '../../db/database.js';
import { AuditRepository } from '../../modules/audit/audit.repository.js';
import { Keyring, newKeyFile } from '../../security/keyring.js';
import { operatorActor } from '../../security/actor.js';
import { abandonRun, BatchRefusal, runBatch } from './batch-runner.js';
import { listRuns, runsText } from './batch-runs.js';
import { INCOME_IMPORT_LINES, incomeImportJob, testPersons } from './income-import.test-support.js';
import { asActor } from '../../testing/as-actor.js';

let database: Database;
let drop: () => Promise<void>;
let audit: AuditRepository;
let dir: string;
const PERSONS = 12;
const ATENA0 = 300000001;

beforeAll(async () => {
  ({ database, drop } = await openTestDatabase());
  audit = new AuditRepository(new Keyring(newKeyFile()));
  dir = mkdtempSync(path.join(tmpdir(), 'batch-'));
  await asActor(database.db, 'test:seed', async (tx) => {
    await tx
      .insertInto('person')
      .values(
        testPersons(ATENA0, PERSONS),
      )
      .execute();
  });
});
afterAll(async () => {
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

const deps = () => ({ database, audit });
const actor = () => operatorActor('test-income-import', new Set());

/** A CSV of `n` income rows (each person × fiscal years × types), with amounts from a seed. */
function inputFile(n: number, seed: number): string {
  const lines: string[] = [];
  const types = ['salary', 'pension', 'business', 'other'];
  for (let i = 0; i < n; i++) {
    const person = ATENA0 + (i % PERSONS);
    const fy = 2020 + Math.floor(i / PERSONS / types.length);
    const type = types[Math.floor(i / PERSONS) % types.length];
    const revenue = ((seed * 7919 + i * 104729) % 9_000_000) + 1;
    lines.push(`${person},${fy},${type},${revenue},${Math.floor(revenue * 0.7)}`);
  }
  const file = path.join(dir, `in-${n}-${seed}-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const expectedTotals = (file: string) => {
  const rows = INCOME_IMPORT_LINES(file);
  return { rows: rows.length, revenue_yen: rows.reduce((s, r) => s + r.revenue_yen, 0), income_yen: rows.reduce((s, r) => s + r.income_yen, 0) };
};

async function clear() {
  await asActor(database.db, 'test:seed', async (tx) => {
    await tx.deleteFrom('income').execute();
    await tx.updateTable('job_run').set({ status: 'abandoned' }).where('status', 'in', ['running', 'failed']).execute();
  });
}

async function incomeState() {
  const rows = await database.db.selectFrom('income').selectAll().execute();
  const keys = new Set(rows.map((r) => `${r.atena_no}/${r.fiscal_year}/${r.income_type}`));
  return { rows: rows.length, distinct: keys.size, revenue_yen: rows.reduce((s, r) => s + Number(r.revenue_yen), 0), income_yen: rows.reduce((s, r) => s + Number(r.income_yen), 0) };
}

describe('batch runner', () => {
  beforeEach(clear);

  it('runs in chunks, records who/params/counts/totals/hashes, and audits start and finish', async () => {
    const file = inputFile(30, 1);
    const out = path.join(dir, 'out.csv');
    const progress: number[] = [];
    const a = actor();
    const r = await runBatch(deps(), incomeImportJob(), { file }, { actor: a, chunkSize: 7, inputFile: file, outputFile: out, onProgress: ({ done }) => void progress.push(done) });
    expect(r).toMatchObject({ resumed: false, chunks: 5, processed: 30, counts: { rows: 30 } });
    expect(r.totals).toEqual({ revenue_yen: expectedTotals(file).revenue_yen, income_yen: expectedTotals(file).income_yen });
    expect(progress).toEqual([7, 14, 21, 28, 30]);
    const run = await database.db.selectFrom('job_run').selectAll().where('run_id', '=', r.runId).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ job: 'test-income-import', actor: a.id, status: 'completed', chunks_done: 5, pid: process.pid });
    expect(run.input_sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(run.output_sha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
    expect(run.finished_at).not.toBeNull();
    const audits = await database.db.selectFrom('audit_event').select(['action', 'detail']).where(sql<boolean>`detail->>'runId' = ${r.runId}`).orderBy('seq').execute();
    expect(audits.map((x) => x.action)).toEqual(['batch.start', ...Array(5).fill('income.import'), 'batch.finish']);
    expect(runsText(await listRuns(database.db, { limit: 5 }))).toMatch(new RegExp(`test-income-import {2}完了 {2}実行ID ${r.runId}\\n {2}開始 令和\\d+年`));
  });

  it('a second start while a run is going is refused, naming the running run (and audited)', async () => {
    const file = inputFile(20, 2);
    let second: unknown;
    const first = runBatch(deps(), incomeImportJob(), { file }, {
      actor: actor(),
      chunkSize: 5,
      onProgress: async ({ chunkNo }) => {
        if (chunkNo === 1) second = await runBatch(deps(), incomeImportJob(), { file }, { actor: actor(), chunkSize: 5 }).catch((e: unknown) => e);
      },
    });
    const r = await first;
    expect(second).toBeInstanceOf(BatchRefusal);
    expect((second as Error).message).toMatch(new RegExp(`所得の取込\\(テスト\\)\\(test-income-import\\)は実行中です: 実行ID ${r.runId}\\(令和\\d+年\\d+月\\d+日 [0-9:]+ 開始、実行者 一括処理: `));
    expect(r.counts).toEqual({ rows: 20 });
    const denied = await database.db.selectFrom('audit_event').selectAll().where('action', '=', 'batch.start').where('outcome', '=', 'denied').execute();
    expect(denied.length).toBeGreaterThan(0);
  });

  it('two starts at the same moment: exactly one runs, the other is refused (the partial unique index on PostgreSQL)', async () => {
    const file = inputFile(10, 6);
    // Whichever start wins holds its first chunk until the other start has been answered, so a slow
    // machine cannot let the winner finish before the loser even tries (that would be a sequential start).
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const start = () => runBatch(deps(), incomeImportJob(), { file }, { actor: actor(), chunkSize: 3, onProgress: () => gate });
    const [a, b] = [start(), start()];
    let settled = 0;
    const answered = (p: Promise<unknown>) => p.finally(() => { settled += 1; if (settled === 1) release(); });
    const results = await Promise.allSettled([answered(a), answered(b)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(BatchRefusal);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/は実行中です/);
    expect(await incomeState()).toMatchObject({ rows: 10, distinct: 10 });
  });

  it('killed after chunk 2 (its process gone: the run stays "running"), a new start takes it over and resumes to identical totals', async () => {
    const file = inputFile(25, 3);
    await expect(
      runBatch(deps(), incomeImportJob(), { file }, { actor: actor(), chunkSize: 4, onProgress: ({ chunkNo }) => { if (chunkNo === 2) throw new Error('killed'); } }),
    ).rejects.toThrow('killed');
    // Simulate SIGKILL: no failure was recorded, the owner pid no longer exists.
    const run = await database.db.selectFrom('job_run').selectAll().where('job', '=', 'test-income-import').where('status', '=', 'failed').executeTakeFirstOrThrow();
    await database.db.updateTable('job_run').set({ status: 'running', pid: 2 ** 22 + 12345 }).where('run_id', '=', run.run_id).execute();
    expect(await incomeState()).toMatchObject({ rows: 8 });
    const r = await runBatch(deps(), incomeImportJob(), { file }, { actor: actor(), chunkSize: 4 });
    expect(r).toMatchObject({ runId: run.run_id, resumed: true, processed: 25, chunks: 7, counts: { rows: 25 } });
    const e = expectedTotals(file);
    expect(r.totals).toEqual({ revenue_yen: e.revenue_yen, income_yen: e.income_yen });
    expect(await incomeState()).toEqual({ rows: 25, distinct: 25, revenue_yen: e.revenue_yen, income_yen: e.income_yen });
    const actions = (await database.db.selectFrom('audit_event').select('action').where(sql<boolean>`detail->>'runId' = ${run.run_id}`).orderBy('seq').execute()).map((x) => x.action);
    expect(actions).toEqual(['batch.start', 'income.import', 'income.import', 'batch.fail', 'batch.resume', ...Array(5).fill('income.import'), 'batch.finish']);
  });

  it('a failure is recorded and audited; a resume needs the same parameters and the same input file, or an abandon', async () => {
    const file = inputFile(12, 4);
    await expect(runBatch(deps(), incomeImportJob({ failInside: (n) => n === 2 }), { file }, { actor: actor(), chunkSize: 5, inputFile: file })).rejects.toThrow('killed inside chunk 2');
    const run = await database.db.selectFrom('job_run').selectAll().where('status', '=', 'failed').executeTakeFirstOrThrow();
    expect(run).toMatchObject({ chunks_done: 1, counts: { rows: 5 } });
    expect(await incomeState()).toMatchObject({ rows: 5 }); // chunk 2's inserts rolled back with its checkpoint
    expect(await database.db.selectFrom('audit_event').select('action').where('action', '=', 'batch.fail').where(sql<boolean>`detail->>'runId' = ${run.run_id}`).execute()).toHaveLength(1);

    const other = inputFile(12, 5);
    await expect(runBatch(deps(), incomeImportJob(), { file: other }, { actor: actor(), chunkSize: 5, inputFile: other })).rejects.toThrow(/前回の実行が中断したままです: 実行ID .*batch abandon/);
    writeFileSync(file, `${readFileSync(file, 'utf8')}${ATENA0},2030,salary,1,1\n`);
    await expect(runBatch(deps(), incomeImportJob(), { file }, { actor: actor(), chunkSize: 5, inputFile: file })).rejects.toThrow(/入力ファイルが中断した実行.*異なります/);

    await abandonRun(deps(), run.run_id, actor());
    expect((await database.db.selectFrom('job_run').select('status').where('run_id', '=', run.run_id).executeTakeFirstOrThrow()).status).toBe('abandoned');
    await expect(abandonRun(deps(), run.run_id, actor())).rejects.toThrow(/中断した実行ではありません/);
  });

  it('property: killed at any chunk, before or inside its commit, and resumed (even repeatedly), the totals and rows equal one uninterrupted run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.record({ chunk: fc.integer({ min: 1, max: 12 }), inside: fc.boolean() }), { maxLength: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        async (n, chunkSize, kills, seed) => {
          await clear();
          const file = inputFile(n, seed);
          const e = expectedTotals(file);
          const pending = [...kills];
          let last: Awaited<ReturnType<typeof runBatch>> | undefined;
          for (let attempt = 0; attempt <= kills.length && !last; attempt++) {
            const kill = pending.shift();
            try {
              last = await runBatch(deps(), incomeImportJob({ failInside: (c) => kill?.inside === true && c === kill.chunk }), { file }, {
                actor: actor(),
                chunkSize,
                inputFile: file,
                onProgress: ({ chunkNo }) => {
                  if (kill && !kill.inside && chunkNo === kill.chunk) throw new Error('killed');
                },
              });
            } catch (err) {
              expect(String(err)).toMatch(/killed/);
            }
          }
          last ??= await runBatch(deps(), incomeImportJob(), { file }, { actor: actor(), chunkSize, inputFile: file });
          expect(last.counts).toEqual({ rows: n });
          expect(last.totals).toEqual({ revenue_yen: e.revenue_yen, income_yen: e.income_yen });
          expect(last.processed).toBe(n);
          expect(await incomeState()).toEqual({ rows: n, distinct: n, revenue_yen: e.revenue_yen, income_yen: e.income_yen });
          const runs = await database.db.selectFrom('job_run').select('run_id').where('status', '=', 'completed').where('run_id', '=', last.runId).execute();
          expect(runs).toHaveLength(1);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('batch runner: chunks prepared ahead (BatchJob.prepare)', () => {
  /** A job over the numbers 1..n: prepare computes the squares outside any transaction, chunk records them. */
  function squaresJob(n: number, events: string[], opts: { failChunk?: number; failPrepareAfter?: number } = {}) {
    return {
      name: 'test-squares',
      label: '試験(平方)',
      functionCode: 'batch',
      remaining: async () => n,
      async prepare(_db: unknown, ctx: { cursor: { after: number } | null; chunkSize: number }) {
        const after = ctx.cursor?.after ?? 0;
        if (opts.failPrepareAfter !== undefined && after >= opts.failPrepareAfter) throw new Error('prepare failed');
        if (after >= n) return null;
        const items = Array.from({ length: Math.min(ctx.chunkSize, n - after) }, (_, i) => after + i + 1);
        events.push(`prepare ${items[0]}`);
        await new Promise((r) => setTimeout(r, 5));
        return { work: items.map((x) => x * x), cursor: { after: items.at(-1)! } };
      },
      async chunk(_tx: unknown, ctx: { chunkNo: number; prepared?: number[] }) {
        const work = ctx.prepared!;
        events.push(`chunk ${ctx.chunkNo}`);
        if (opts.failChunk === ctx.chunkNo) throw new Error('write failed');
        await new Promise((r) => setTimeout(r, 20));
        events.push(`commit ${ctx.chunkNo}`);
        return { cursor: { after: Math.round(Math.sqrt(work.at(-1)!)) }, processed: work.length, counts: { items: work.length }, totals: { squares: work.reduce((s, x) => s + x, 0) } };
      },
    };
  }

  it('hands each chunk what was prepared for it, prepares the next while the chunk writes, and totals as one pass', async () => {
    await clear();
    const events: string[] = [];
    const run = await runBatch(deps(), squaresJob(10, events) as never, {}, { actor: actor(), chunkSize: 4 });
    expect(run.totals).toEqual({ squares: 385 }); // 1² + … + 10²
    expect(run.counts).toEqual({ items: 10 });
    expect(run.chunks).toBe(3);
    // The next chunk is prepared before this one commits.
    expect(events.indexOf('prepare 5')).toBeLessThan(events.indexOf('commit 1'));
    expect(events.indexOf('prepare 9')).toBeLessThan(events.indexOf('commit 2'));
  });

  it('a failing chunk fails the run with its own error (the chunk prepared ahead is dropped, no unhandled rejection); the resume prepares again from the checkpoint', async () => {
    await clear();
    const events: string[] = [];
    await expect(runBatch(deps(), squaresJob(10, events, { failChunk: 2, failPrepareAfter: 8 }) as never, {}, { actor: actor(), chunkSize: 4 })).rejects.toThrow('write failed');
    const resumed = await runBatch(deps(), squaresJob(10, []) as never, {}, { actor: actor(), chunkSize: 4 });
    expect(resumed.resumed).toBe(true);
    expect(resumed.totals).toEqual({ squares: 385 });
  });

  it('a failing prepare fails the run when its chunk is due, after the chunks before it committed', async () => {
    await clear();
    const events: string[] = [];
    await expect(runBatch(deps(), squaresJob(10, events, { failPrepareAfter: 4 }) as never, {}, { actor: actor(), chunkSize: 4 })).rejects.toThrow('prepare failed');
    expect(events).toContain('commit 1');
    const failed = await database.db.selectFrom('job_run').select(['chunks_done', 'status']).where('job', '=', 'test-squares').where('status', '=', 'failed').executeTakeFirstOrThrow();
    expect(failed.chunks_done).toBe(1);
  });
});
