import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { BatchJob } from '../../platform/batch/batch-runner.js';
import type { Actor } from '../../security/actor.js';
import { lawParams, type LawParams } from '../../platform/params/law-params.js';
import { actorLabel } from '../../security/actor.js';
import { assessmentUnits } from './assessment-units.rules.js';
import { AssessmentRepository, unitKey, VERSION_COLUMNS, versionCopyBytes, type ChunkFacts, type NewVersion } from './assessment.repository.js';
import { assessUnit, parameterSet, runFigures, type Assessed } from './assessment.rules.js';
import { resolveMunicipality, type Municipality } from './tax.rules.js';
import { exemptionsOf, withExemption, type HouseholdExemption } from './exemption-source.js';
import { specialCollectionOf, storedSpecial } from './special-collection-source.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';

/**
 * 本算定: the annual assessment of every household for a 年度, as a resumable batch (platform/batch).
 * The households are those with someone insured in the 年度 (listed once per run,
 * `householdsToAssess`); a chunk is the next of them in order. `prepare` reads their facts in a few
 * set-based queries (membership, statuses, 資格 periods, birth dates, incomes, 特別徴収) and runs
 * `calculateTax` on each unit in memory, outside any transaction — the runner does it for the next chunk
 * while the current one writes. `chunk` then writes the versions with one COPY (superseding any version
 * of an earlier unreleased run) in the chunk's transaction with its checkpoint, counts and sums, so a run
 * killed anywhere resumes with identical totals.
 */
export const ANNUAL_JOB = 'assessment.annual';

export interface AnnualParams {
  fiscalYear: number;
}
export interface AnnualCursor {
  after: number;
}

/**
 * The heap the 本算定 runs in: its live data is one chunk being written and the next being prepared
 * (≈ 16 KB per household each, measured on the bench's city), beside ≈ 100 MiB of code and parameters.
 * Without a cap V8 let garbage grow the heap to ≈ 600 MiB (peak RSS 700+ MiB at 5,000 households per
 * chunk); capped, the same run peaks at ≈ 420 MiB RSS for a few percent more CPU spent collecting. The CLI
 * runs `assessment run` under it (cli/heap-cap.ts), and so does the worker thread preparing the chunks.
 */
export const annualHeapMiB = (chunk: number) => Math.max(256, 160 + Math.ceil((chunk * 2 * 16) / 1024));

/** The rates and parameter set of a 年度, resolved once per process and year. */
const resolved = new Map<string, { municipality: Municipality; hash: string; values: Record<string, unknown> }>();
export function ratesOf(fiscalYear: number, params: LawParams = lawParams(), municipality?: Municipality): { municipality: Municipality; hash: string; values: Record<string, unknown> } {
  if (municipality) return { municipality, ...parameterSet(fiscalYear, municipality, params) };
  const key = String(fiscalYear);
  let r = resolved.get(key);
  if (!r || resolved.size > 16) {
    const m = resolveMunicipality({ fiscalYear }, params);
    r = { municipality: m, ...parameterSet(fiscalYear, m, params) };
    resolved.set(key, r);
  }
  return r;
}

/** Assess households (their units) on the facts read in `tx`: the same path for the batch and a 更正. */
export async function assessHouseholds(
  tx: Kysely<DB> | Transaction<DB>,
  householdNos: readonly number[],
  fiscalYear: number,
  municipality: Municipality,
  params: LawParams,
  explain = false,
): Promise<{ assessed: Assessed[]; noTaxpayer: { householdNo: number; addressExceptionAtenaNo: number }[]; refused: { householdNo: number; message: string }[] }> {
  const { cf, exemptions } = await readChunk(tx, householdNos, fiscalYear);
  return assessFacts(householdNos, fiscalYear, cf, exemptions, municipality, params, explain);
}

/** Assess households (their units) on facts already read: pure. */
export function assessFacts(
  householdNos: readonly number[],
  fiscalYear: number,
  cf: ChunkFacts,
  exemptions: Map<number, HouseholdExemption>,
  municipality: Municipality,
  params: LawParams,
  explain: boolean,
): { assessed: Assessed[]; noTaxpayer: { householdNo: number; addressExceptionAtenaNo: number }[]; refused: { householdNo: number; message: string }[] } {
  const assessed: Assessed[] = [];
  const noTaxpayer: { householdNo: number; addressExceptionAtenaNo: number }[] = [];
  const refused: { householdNo: number; message: string }[] = [];
  for (const h of householdNos) {
    for (const unit of assessmentUnits(h, fiscalYear, cf.facts.get(h)!, cf.persons, cf.incomes)) {
      if (!unit.input) {
        noTaxpayer.push({ householdNo: h, addressExceptionAtenaNo: unit.addressExceptionAtenaNo });
        continue;
      }
      try {
        assessed.push(withExemption(assessUnit(unit, municipality, params, explain), exemptions.get(h)));
      } catch (e) {
        refused.push({ householdNo: h, message: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  return { assessed, noTaxpayer, refused };
}

/** The next `limit` of the ordered `list` after `after`. */
function nextAfter(list: readonly number[], after: number, limit: number): number[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return list.slice(lo, lo + limit);
}

/**
 * Milliseconds spent in each phase of the chunks (read facts, compute, encode the COPY text — in the
 * worker thread on PostgreSQL —, write versions, of which the COPY): the bench prints them. Read, compute
 * and encode overlap the previous chunk's write.
 */
export const batchTimings = { read: 0, compute: 0, encode: 0, write: 0, copy: 0 };

/** What a chunk of the 本算定 is prepared from (in a worker thread on PostgreSQL: plain data only). */
export interface AnnualChunkRequest {
  fiscalYear: number;
  households: number[];
  /** The day the run began (JST): the 申出 standing that day decide 特別徴収. */
  runDay: string;
  runId: string;
  /** The actor's label, recorded with each version. */
  by: string;
  /** The households of the chunk after it, whose facts a worker reads while it computes this one. */
  next?: number[];
}

/**
 * A chunk of the 本算定 read, computed and encoded ahead of its transaction: its versions as COPY text
 * (UTF-8), each made as the version after the unit's current one when prepared (`chunk` checks that no
 * 更正 came in between), with the run's figures and the audit's subjects.
 */
export interface AnnualWork {
  households: number[];
  keys: string[];
  versions: number[];
  recordedAt: string;
  copy: Uint8Array;
  paramsHash: string;
  figures: { counts: Record<string, number>; totals: Record<string, number> };
  taxpayers: number[];
  /** The first 20 of each (the audit record names them; the figures count them all). */
  noTaxpayer: { householdNo: number; addressExceptionAtenaNo: number }[];
  refused: { householdNo: number; message: string }[];
  timings: { read: number; compute: number; encode: number };
}

/** The facts a chunk is assessed on: read ahead of it in a worker (annual-chunk.worker.ts). */
export interface ChunkReads {
  cf: ChunkFacts;
  exemptions: Map<number, HouseholdExemption>;
}

export async function readChunk(db: Kysely<DB> | Transaction<DB>, households: readonly number[], fiscalYear: number): Promise<ChunkReads> {
  const cf = await new AssessmentRepository(db).chunkFacts(households, fiscalYear);
  // 減免 decided for the 年度 (reductions area): kept by every recomputation of the unit.
  return { cf, exemptions: await exemptionsOf(db, households, fiscalYear) };
}

/**
 * Read the facts of a chunk's households (or take them read ahead), assess them and encode their versions: the same function in a
 * worker thread (annual-chunk.worker.ts, its own connection) and in this one (the embedded database).
 */
export async function prepareAnnualChunk(db: Kysely<DB>, req: AnnualChunkRequest, params: LawParams = lawParams(), reads?: Promise<ChunkReads>): Promise<AnnualWork> {
  const { fiscalYear: fy, households } = req;
  const rates = ratesOf(fy, params);
  const t0 = performance.now();
  const repo = new AssessmentRepository(db);
  const { cf, exemptions } = await (reads ?? readChunk(db, households, fy));
  const t1 = performance.now();
  const { assessed, noTaxpayer, refused } = assessFacts(households, fy, cf, exemptions, rates.municipality, params, false);
  const t2 = performance.now();
  const special = await specialCollectionOf(db, assessed, fy, params, req.runDay); // 特別徴収 (special-collection-source.ts)
  const current = await repo.current(fy, households, false, { from: households[0]!, to: households.at(-1)! });
  const t3 = performance.now();
  const at = new Date();
  const keys: string[] = [];
  const rows: NewVersion[] = assessed.map((a) => {
    const key = unitKey(a.unit.householdNo, a.unit.addressExceptionAtenaNo);
    keys.push(key);
    return { assessed: a, version: (current.get(key)?.version ?? 0) + 1, reason: 'annual', runId: req.runId, cause: '本算定', paramsHash: rates.hash, lines: false, notice: null, installments: storedSpecial(special, key) };
  });
  const copy = versionCopyBytes(rows, req.by, at);
  const t4 = performance.now();
  return {
    households,
    keys,
    versions: rows.map((r) => r.version),
    recordedAt: at.toISOString(),
    copy,
    paramsHash: rates.hash,
    figures: runFigures(assessed, { households: households.length, noTaxpayer: noTaxpayer.length, refused: refused.length }),
    taxpayers: [...new Set(assessed.map((a) => a.unit.taxpayer!))],
    noTaxpayer: noTaxpayer.slice(0, 20),
    refused: refused.slice(0, 20),
    timings: { read: t1 - t0 + (t3 - t2), compute: t2 - t1, encode: t4 - t3 },
  };
}

/** COPY inside the chunk's transaction (Database.copyIn). */
type CopyIn = (table: string, columns: readonly string[], tsv: string | Uint8Array, tx: Transaction<DB>) => Promise<void>;

/**
 * The 本算定 as a batch job. `prepareElsewhere`: prepares a chunk in a worker thread (PostgreSQL) while this
 * one writes the chunk before; without it, chunks are prepared in this thread on the job's connection.
 */
export function annualJob(copyIn: CopyIn, prepareElsewhere?: (req: AnnualChunkRequest) => Promise<AnnualWork>): BatchJob<AnnualParams, AnnualCursor, AnnualWork> {
  // The households to assess, listed once per run in this process (a resumed run lists them again):
  // most registry households have nobody insured, and reading them chunk by chunk cost most of the run.
  let listed: { fiscalYear: number; households: number[] } | null = null;
  const toAssess = async (db: Kysely<DB>, fiscalYear: number) => {
    if (listed?.fiscalYear !== fiscalYear) listed = { fiscalYear, households: await new AssessmentRepository(db).householdsToAssess(fiscalYear) };
    return listed.households;
  };
  // The day the run began (JST): the 申出 standing that day decide 特別徴収 in every chunk, a resumed run's too.
  let began: { runId: string; day: string } | null = null;
  const runDay = async (db: Kysely<DB>, runId: string) => {
    if (began?.runId !== runId) {
      const r = await db.selectFrom('job_run').select('started_at').where('run_id', '=', runId).executeTakeFirstOrThrow();
      began = { runId, day: todayInJapan(new Date(r.started_at as Date)) };
    }
    return began.day;
  };
  const count = (w: AnnualWork) => {
    batchTimings.read += w.timings.read;
    batchTimings.compute += w.timings.compute;
    batchTimings.encode += w.timings.encode;
    return w;
  };
  // The next households, read, computed and encoded: no write, so the runner does it for the next chunk
  // while this one's versions are written.
  const prepare = async (db: Kysely<DB>, ctx: { params: AnnualParams; cursor: AnnualCursor | null; chunkSize: number; runId: string; actor: Actor }) => {
    const fy = ctx.params.fiscalYear;
    const list = await toAssess(db, fy);
    const households = nextAfter(list, ctx.cursor?.after ?? 0, ctx.chunkSize);
    if (households.length === 0) return null;
    const req: AnnualChunkRequest = { fiscalYear: fy, households, runDay: await runDay(db, ctx.runId), runId: ctx.runId, by: actorLabel(ctx.actor) };
    const work = count(prepareElsewhere ? await prepareElsewhere({ ...req, next: nextAfter(list, households.at(-1)!, ctx.chunkSize) }) : await prepareAnnualChunk(db, req));
    return { work, cursor: { after: households.at(-1)! } };
  };
  return {
    name: ANNUAL_JOB,
    label: '国民健康保険税 本算定',
    functionCode: 'assessment.run',
    async remaining(db, params) {
      const running = await db
        .selectFrom('job_run')
        .select(sql<number | null>`(checkpoint->>'after')::bigint`.as('after'))
        .where('job', '=', ANNUAL_JOB)
        .where('status', '=', 'running')
        .where(sql<boolean>`(params->>'fiscalYear')::int = ${params.fiscalYear}`)
        .executeTakeFirst();
      const after = Number(running?.after ?? 0);
      return (await toAssess(db, params.fiscalYear)).filter((h) => h > after).length;
    },
    prepare,
    async chunk(tx, ctx) {
      const fy = ctx.params.fiscalYear;
      // The runner hands every chunk of a job with `prepare` what was prepared for it.
      if (!ctx.prepared) throw new Error('本算定: このチャンクの先読みがありません');
      let work = ctx.prepared;
      const { households } = work;
      const rates = ratesOf(fy);
      if (work.paramsHash !== rates.hash) throw new Error(`本算定: 先読みの税率等の組(${work.paramsHash})がこの処理の組(${rates.hash})と異なります`);
      const repo = new AssessmentRepository(tx);
      const w0 = performance.now();
      if (ctx.chunkNo === 1) {
        await repo.saveParams(rates.hash, fy, rates.municipality.name, rates.values);
        await tx.insertInto('assessment_run').values({ run_id: ctx.runId, fiscal_year: fy }).onConflict((oc) => oc.column('run_id').doNothing()).execute();
      }
      // The current versions by range (one index range scan), superseded by this run's. A 更正 recorded
      // since the chunk was prepared made a newer one: then the chunk is prepared again, here.
      const range = { from: households[0]!, to: households.at(-1)! };
      let current = await repo.current(fy, households, false, range);
      if (!work.keys.every((k, i) => (current.get(k)?.version ?? 0) + 1 === work.versions[i])) {
        work = count(await prepareAnnualChunk(tx, { fiscalYear: fy, households, runDay: await runDay(tx, ctx.runId), runId: ctx.runId, by: actorLabel(ctx.actor) }));
        current = await repo.current(fy, households, false, range);
      }
      const superseded = work.keys.flatMap((k) => {
        const cur = current.get(k);
        return cur ? [cur.assessmentId] : [];
      });
      await repo.supersede(superseded, new Date(work.recordedAt));
      const c0 = performance.now();
      if (work.keys.length > 0) await copyIn('assessment', VERSION_COLUMNS, work.copy, tx);
      batchTimings.copy += performance.now() - c0;
      batchTimings.write += performance.now() - w0;
      return {
        cursor: { after: households.at(-1)! },
        processed: households.length,
        counts: work.figures.counts,
        totals: work.figures.totals,
        audit: {
          action: 'assessment.annual.chunk',
          subjects: work.taxpayers,
          detail: { fiscalYear: fy, households: households.length, units: work.keys.length, from: households[0], to: households.at(-1), noTaxpayer: work.noTaxpayer, refused: work.refused },
        },
      };
    },
  };
}
