import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../http/errors.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import { describeRun, type RunRow } from './batch-runs.js';

/**
 * The batch runner: a job is processed in chunks, and each chunk's effects, its checkpoint (the job's
 * cursor), the run's counts and money totals and the chunk's audit record commit in ONE transaction.
 * A run killed at any moment therefore leaves the effects of exactly the chunks whose checkpoint was
 * committed; starting the same job again resumes that run from its checkpoint, so the totals come out
 * identical to an uninterrupted run and no effect is applied twice.
 *
 * Runs are rows of `job_run` (who, parameters, status, counts, totals, input/output SHA-256, started,
 * finished). One running run per job (a partial unique index); a second start is refused naming the
 * running run. A run whose process died (same host, pid gone) is taken over and resumed.
 */

export interface ChunkContext<P, C, W = undefined> {
  params: P;
  /** The checkpoint after the last committed chunk; null at the start. */
  cursor: C | null;
  chunkSize: number;
  runId: string;
  /** 1-based number of this chunk within the run (across resumes). */
  chunkNo: number;
  actor: Actor;
  /** What the job's `prepare` read and computed for this chunk (undefined for a job without one). */
  prepared?: W;
}

/** A chunk prepared ahead: its work, and the cursor after it (where the next chunk is prepared from). */
export interface Prepared<C, W> {
  work: W;
  cursor: C;
}

export interface ChunkResult<C> {
  /** Where the next chunk starts (stored as the checkpoint with this chunk's effects). */
  cursor: C;
  /** Items handled by this chunk (progress). */
  processed: number;
  counts?: Record<string, number>;
  /** Money, integer yen by name. */
  totals?: Record<string, number>;
  /** The chunk's audit record when it touched personal data (written in the chunk's transaction). */
  audit?: { action: string; subjects: readonly number[]; detail?: Record<string, unknown> };
}

export interface BatchJob<P, C, W = undefined> {
  /** job_run.job, e.g. 'keys-rotate'. */
  name: string;
  /** What a clerk reads, e.g. '個人番号の再暗号化'. */
  label: string;
  /** The audit function code of the job's records. */
  functionCode: string;
  /** Items not yet done (for the progress bar), read at start and at resume. */
  remaining(db: Kysely<DB>, params: P): Promise<number>;
  /**
   * Optional: the read-only part of the chunk after `cursor` (read its facts, compute), on the pool
   * outside any transaction; null when nothing is left. The runner prepares the next chunk while the
   * current one writes and commits, so the database's writing overlaps this process's reading and
   * computing; `chunk` receives the result as ctx.prepared. A prepared chunk whose predecessor fails is
   * dropped, and a resumed run prepares again from its checkpoint.
   */
  prepare?(db: Kysely<DB>, ctx: Omit<ChunkContext<P, C>, 'prepared' | 'chunkNo'>): Promise<Prepared<C, W> | null>;
  /** Do the chunk after ctx.cursor inside tx; null when nothing is left. Never commits by itself. */
  chunk(tx: Transaction<DB>, ctx: ChunkContext<P, C, W>): Promise<ChunkResult<C> | null>;
  /** After the last chunk: e.g. write the output file (its SHA-256 is recorded). */
  finish?(db: Kysely<DB>, ctx: { params: P; runId: string; outputFile: string | undefined }): Promise<void>;
}

export interface RunOptions {
  actor: Actor;
  chunkSize: number;
  /** An input file the job reads: its SHA-256 is recorded, and a resume refuses a changed file. */
  inputFile?: string;
  outputFile?: string;
  /** After each committed chunk. A throw interrupts the run (what is committed stays). */
  onProgress?: (p: { done: number; total: number; chunkNo: number }) => void | Promise<void>;
}

export interface RunSummary {
  runId: string;
  job: string;
  resumed: boolean;
  chunks: number;
  processed: number;
  counts: Record<string, number>;
  totals: Record<string, number>;
  inputSha256: string | null;
  outputSha256: string | null;
}

export class BatchRefusal extends AppError {}

type Deps_ = Pick<Deps, 'database' | 'audit'>;

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** JSON with object keys sorted (jsonb does not keep key order). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const asJson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const numbers = (v: unknown): Record<string, number> => (asJson(v) ?? {}) as Record<string, number>;

function add(into: Record<string, number>, more: Record<string, number> | undefined, what: string): void {
  for (const [k, v] of Object.entries(more ?? {})) {
    if (!Number.isSafeInteger(v)) throw new Error(`${what} ${k} は整数でなければなりません: ${v}`);
    into[k] = (into[k] ?? 0) + v;
  }
}

interface Claim {
  runId: string;
  resumed: boolean;
  cursor: unknown;
  chunksDone: number;
  processed: number;
  counts: Record<string, number>;
  totals: Record<string, number>;
}

/** Start a new run, or take over the interrupted one; refuse while another is running. */
async function claimRun<P, C, W>(deps: Deps_, job: BatchJob<P, C, W>, params: P, opts: RunOptions, inputSha: string | null): Promise<Claim> {
  const { db } = deps.database;
  const label = actorLabel(opts.actor);
  const refuse = async (code: string, message: string): Promise<never> => {
    await deps.audit.appendAlone(db, opts.actor, { functionCode: job.functionCode, action: 'batch.start', outcome: 'denied', detail: { job: job.name, code } });
    throw new BatchRefusal(409, code, message);
  };
  let claim: Claim;
  try {
    claim = await db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${label}, true)`.execute(tx);
      const last = (await tx
        .selectFrom('job_run')
        .selectAll()
        .where('job', '=', job.name)
        .where('pid', 'is not', null)
        .where('status', 'in', ['running', 'failed'])
        .orderBy('started_at', 'desc')
        .limit(1)
        .forUpdate()
        .executeTakeFirst()) as RunRow | undefined;
      if (last?.status === 'running' && (last.host !== os.hostname() || pidAlive(last.pid!))) {
        throw new BatchRefusal(409, 'batch_running', `${job.label}(${job.name})は実行中です: ${describeRun(last)}。終了を待ってから実行してください`);
      }
      if (last) {
        if (canonical(asJson(last.params)) !== canonical(params)) {
          throw new BatchRefusal(
            409,
            'batch_interrupted',
            `${job.label}(${job.name})の前回の実行が中断したままです: ${describeRun(last)}、パラメータ ${canonical(asJson(last.params))}。同じパラメータで実行すると続きから再開します。やり直すには batch abandon ${last.run_id} で破棄してください`,
          );
        }
        if (last.input_sha256 !== inputSha) {
          throw new BatchRefusal(409, 'batch_input_changed', `入力ファイルが中断した実行(実行ID ${last.run_id})の時と異なります(SHA-256 が一致しません)。同じファイルで再開するか、batch abandon ${last.run_id} で破棄してください`);
        }
        await tx.updateTable('job_run').set({ status: 'running', host: os.hostname(), pid: process.pid, heartbeat_at: new Date(), finished_at: null, result: null }).where('run_id', '=', last.run_id).execute();
        const progress = (asJson(last.progress) ?? {}) as { done?: number };
        await deps.audit.append(tx, opts.actor, { functionCode: job.functionCode, action: 'batch.resume', detail: { job: job.name, runId: last.run_id, afterChunks: last.chunks_done, previousStatus: last.status } });
        return { runId: last.run_id, resumed: true, cursor: asJson(last.checkpoint), chunksDone: last.chunks_done, processed: progress.done ?? 0, counts: numbers(last.counts), totals: numbers(last.totals) };
      }
      const runId = opts.actor.kind === 'operator' ? opts.actor.runId : randomUUID();
      await tx
        .insertInto('job_run')
        .values({ run_id: runId, job: job.name, actor: label, params: JSON.stringify(params), status: 'running', host: os.hostname(), pid: process.pid, heartbeat_at: new Date(), input_sha256: inputSha })
        .execute();
      await deps.audit.append(tx, opts.actor, { functionCode: job.functionCode, action: 'batch.start', detail: { job: job.name, runId, params: params as Record<string, unknown>, inputSha256: inputSha } });
      return { runId, resumed: false, cursor: null, chunksDone: 0, processed: 0, counts: {}, totals: {} };
    });
  } catch (e) {
    if (e instanceof BatchRefusal) return refuse(e.code, e.message);
    // Two starts at the same moment: the unique index lets one through.
    if (/job_run_one_running|duplicate key/.test(String((e as Error).message))) {
      const running = (await db.selectFrom('job_run').selectAll().where('job', '=', job.name).where('status', '=', 'running').where('pid', 'is not', null).executeTakeFirst()) as RunRow | undefined;
      return refuse('batch_running', `${job.label}(${job.name})は実行中です${running ? `: ${describeRun(running)}` : ''}。終了を待ってから実行してください`);
    }
    throw e;
  }
  return claim;
}

/** A promise whose rejection is only observed when awaited (a chunk prepared ahead of a failing one). */
function later<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export async function runBatch<P, C, W = undefined>(deps: Deps_, job: BatchJob<P, C, W>, params: P, opts: RunOptions): Promise<RunSummary> {
  const { db } = deps.database;
  if (!Number.isInteger(opts.chunkSize) || opts.chunkSize < 1) throw new AppError(400, 'bad_option', 'チャンクの大きさは1以上の整数で指定してください');
  const inputSha = opts.inputFile ? sha256File(opts.inputFile) : null;
  const claim = await claimRun(deps, job, params, opts, inputSha);
  const { runId } = claim;
  const label = actorLabel(opts.actor);
  const counts = { ...claim.counts };
  const totals = { ...claim.totals };
  let cursor = claim.cursor as C | null;
  let chunkNo = claim.chunksDone;
  let done = claim.processed;

  try {
    const total = done + (await job.remaining(db, params));
    const prepare = job.prepare?.bind(job);
    const prepareAfter = (c: C | null) => (prepare ? later(prepare(db, { params, cursor: c, chunkSize: opts.chunkSize, runId, actor: opts.actor })) : null);
    let ahead = prepareAfter(cursor);
    for (;;) {
      let prepared: Prepared<C, W> | null = null;
      if (ahead) {
        prepared = await ahead;
        if (!prepared) break;
        ahead = prepareAfter(prepared.cursor); // the next chunk, while this one writes
      }
      const r = await db.transaction().execute(async (tx) => {
        await sql`SELECT set_config('nhi.actor', ${label}, true)`.execute(tx);
        const result = await job.chunk(tx, { params, cursor, chunkSize: opts.chunkSize, runId, chunkNo: chunkNo + 1, actor: opts.actor, ...(prepared ? { prepared: prepared.work } : {}) });
        if (!result) return null;
        const nextCounts = { ...counts };
        const nextTotals = { ...totals };
        add(nextCounts, result.counts, '件数');
        add(nextTotals, result.totals, '金額');
        await tx
          .updateTable('job_run')
          .set({
            checkpoint: JSON.stringify(result.cursor),
            chunks_done: chunkNo + 1,
            counts: JSON.stringify(nextCounts),
            totals: JSON.stringify(nextTotals),
            progress: JSON.stringify({ done: done + result.processed, total }),
            heartbeat_at: new Date(),
          })
          .where('run_id', '=', runId)
          .execute();
        if (result.audit) {
          await deps.audit.append(tx, opts.actor, {
            functionCode: job.functionCode,
            action: result.audit.action,
            subjects: result.audit.subjects,
            detail: { ...result.audit.detail, runId, chunk: chunkNo + 1 },
          });
        }
        return { result, nextCounts, nextTotals };
      });
      if (!r) break;
      // Committed: only now does this process believe it.
      chunkNo++;
      done += r.result.processed;
      cursor = r.result.cursor;
      Object.assign(counts, r.nextCounts);
      Object.assign(totals, r.nextTotals);
      await opts.onProgress?.({ done, total: Math.max(total, done), chunkNo });
    }
    await job.finish?.(db, { params, runId, outputFile: opts.outputFile });
  } catch (e) {
    const error = e instanceof AppError ? e.code : e instanceof Error ? e.name : 'error';
    await db
      .transaction()
      .execute(async (tx) => {
        await tx.updateTable('job_run').set({ status: 'failed', finished_at: new Date(), result: JSON.stringify({ error, chunks: chunkNo }) }).where('run_id', '=', runId).execute();
        await deps.audit.append(tx, opts.actor, { functionCode: job.functionCode, action: 'batch.fail', outcome: 'error', detail: { job: job.name, runId, error, chunks: chunkNo, counts, totals } });
      })
      .catch(() => undefined);
    throw e;
  }

  const outputSha = opts.outputFile ? sha256File(opts.outputFile) : null;
  const summary: RunSummary = { runId, job: job.name, resumed: claim.resumed, chunks: chunkNo, processed: done, counts, totals, inputSha256: inputSha, outputSha256: outputSha };
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('job_run')
      .set({ status: 'completed', finished_at: new Date(), output_sha256: outputSha, result: JSON.stringify({ chunks: chunkNo, processed: done }) })
      .where('run_id', '=', runId)
      .execute();
    await deps.audit.append(tx, opts.actor, {
      functionCode: job.functionCode,
      action: 'batch.finish',
      detail: { job: job.name, runId, chunks: chunkNo, processed: done, counts, totals, inputSha256: inputSha, outputSha256: outputSha },
    });
  });
  return summary;
}

/** Give up an interrupted run (failed, or running with its process gone), so the job can start afresh. */
export async function abandonRun(deps: Deps_, runId: string, actor: Actor): Promise<void> {
  const { db } = deps.database;
  const run = (await db.selectFrom('job_run').selectAll().where('run_id', '=', runId).executeTakeFirst()) as RunRow | undefined;
  if (!run || run.pid === null) throw new AppError(404, 'not_found', `実行ID ${runId} のバッチ実行はありません`);
  const dead = run.status === 'running' && run.host === os.hostname() && !pidAlive(run.pid);
  if (run.status !== 'failed' && !dead) throw new AppError(409, 'not_interrupted', `実行ID ${runId} は中断した実行ではありません(${describeRun(run)})`);
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('job_run').set({ status: 'abandoned', finished_at: new Date() }).where('run_id', '=', runId).execute();
    await deps.audit.append(tx, actor, { functionCode: 'batch', action: 'batch.abandon', detail: { job: run.job, runId, chunks: run.chunks_done } });
  });
}
