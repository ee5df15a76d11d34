import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { BatchJob } from '../../platform/batch/batch-runner.js';
import { lawParams, type LawParams } from '../../platform/params/law-params.js';
import { actorLabel } from '../../security/actor.js';
import { assessmentUnits } from './assessment-units.rules.js';
import { AssessmentRepository, unitKey, type NewVersion } from './assessment.repository.js';
import { assessUnit, parameterSet, runFigures, type Assessed } from './assessment.rules.js';
import { resolveMunicipality, type Municipality } from './tax.rules.js';
import { exemptionsOf, withExemption } from './exemption-source.js';
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
  const repo = new AssessmentRepository(tx);
  const t0 = performance.now();
  const cf = await repo.chunkFacts(householdNos, fiscalYear);
  // 減免 decided for the 年度 (reductions area): kept by every recomputation of the unit.
  const exemptions = await exemptionsOf(tx, householdNos, fiscalYear);
  const t1 = performance.now();
  batchTimings.read += t1 - t0;
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
  batchTimings.compute += performance.now() - t1;
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
 * Milliseconds spent by this process in each phase of the chunks (read facts, compute, write versions, of
 * which the COPY): the bench prints them. Read and compute overlap the previous chunk's write.
 */
export const batchTimings = { read: 0, compute: 0, write: 0, copy: 0 };

/** A chunk of the 本算定 read and computed ahead of its transaction (`prepare`). */
export interface AnnualWork {
  households: number[];
  assessed: Assessed[];
  noTaxpayer: { householdNo: number; addressExceptionAtenaNo: number }[];
  refused: { householdNo: number; message: string }[];
  special: Awaited<ReturnType<typeof specialCollectionOf>>;
  rates: ReturnType<typeof ratesOf>;
}

/** COPY inside the chunk's transaction (Database.copyIn). */
type CopyIn = (table: string, columns: readonly string[], tsv: string, tx: Transaction<DB>) => Promise<void>;

export function annualJob(copyIn: CopyIn): BatchJob<AnnualParams, AnnualCursor, AnnualWork> {
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
  // Read the facts of the next households and compute their assessments: no write, so the runner does
  // it for the next chunk while this one's versions are written.
  const prepare = async (db: Kysely<DB>, ctx: { params: AnnualParams; cursor: AnnualCursor | null; chunkSize: number; runId: string }) => {
    const fy = ctx.params.fiscalYear;
    const households = nextAfter(await toAssess(db, fy), ctx.cursor?.after ?? 0, ctx.chunkSize);
    if (households.length === 0) return null;
    const params = lawParams();
    const rates = ratesOf(fy, params);
    const { assessed, noTaxpayer, refused } = await assessHouseholds(db, households, fy, rates.municipality, params, false);
    const r0 = performance.now();
    const special = await specialCollectionOf(db, assessed, fy, params, await runDay(db, ctx.runId)); // 特別徴収 (special-collection-source.ts)
    batchTimings.read += performance.now() - r0;
    return { work: { households, assessed, noTaxpayer, refused, special, rates }, cursor: { after: households.at(-1)! } };
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
      const work = ctx.prepared;
      if (!work) throw new Error('本算定: このチャンクの先読みがありません');
      const { households, assessed, noTaxpayer, refused, special, rates } = work;
      const repo = new AssessmentRepository(tx);
      const w0 = performance.now();
      if (ctx.chunkNo === 1) {
        await repo.saveParams(rates.hash, fy, rates.municipality.name, rates.values);
        await tx.insertInto('assessment_run').values({ run_id: ctx.runId, fiscal_year: fy }).onConflict((oc) => oc.column('run_id').doNothing()).execute();
      }
      // The current versions by range (one index range scan), superseded by this run's.
      const range = { from: households[0]!, to: households.at(-1)! };
      const current = await repo.current(fy, households, false, range);
      const at = new Date();
      const rows: NewVersion[] = [];
      const superseded: number[] = [];
      for (const a of assessed) {
        const cur = current.get(unitKey(a.unit.householdNo, a.unit.addressExceptionAtenaNo));
        if (cur) superseded.push(cur.assessmentId);
        rows.push({ assessed: a, version: (cur?.version ?? 0) + 1, reason: 'annual', runId: ctx.runId, cause: '本算定', paramsHash: rates.hash, lines: false, notice: null, installments: storedSpecial(special, unitKey(a.unit.householdNo, a.unit.addressExceptionAtenaNo)) });
      }
      await repo.supersede(superseded, at);
      const c0 = performance.now();
      await repo.copyVersions(rows, actorLabel(ctx.actor), at, (table, columns, tsv) => copyIn(table, columns, tsv, tx));
      batchTimings.copy += performance.now() - c0;
      batchTimings.write += performance.now() - w0;
      const figures = runFigures(assessed, { households: households.length, noTaxpayer: noTaxpayer.length, refused: refused.length });
      return {
        cursor: { after: households.at(-1)! },
        processed: households.length,
        counts: figures.counts,
        totals: figures.totals,
        audit: {
          action: 'assessment.annual.chunk',
          subjects: [...new Set(assessed.map((a) => a.unit.taxpayer!))],
          detail: { fiscalYear: fy, households: households.length, units: assessed.length, from: households[0], to: households.at(-1), noTaxpayer: noTaxpayer.slice(0, 20), refused: refused.slice(0, 20) },
        },
      };
    },
  };
}
