import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../http/errors.js';
import { lawParams, type LawParams } from '../../platform/params/law-params.js';
import { siblingModule } from '../../platform/workers/start-worker.js';
import { WorkerPool } from '../../platform/workers/worker-pool.js';
import { birthdayAtAge } from '../eligibility/eligibility.rules.js';
import { calculateTax, PART_KEYS, resolveMunicipality, type Municipality, type PartKey } from './tax.rules.js';
import type { TaxInput } from './tax.input.js';

/**
 * Rate simulation for the budget office: the proposed rates over the current assessments of the year
 * before (their stored inputs: households, incomes, 月割), each recalculated by `calculateTax` → the revenue
 * per part and the distribution of each household's change. Nothing is written. The stored versions are
 * read through a cursor a page at a time (the next page while this one is computed); the pages are computed in worker threads
 * (rate-simulation.worker.ts) when asked, each by the same `simulateRows`, and the sums added up — the
 * same figures in any order.
 */

/** Bands of a change (proposed − current) for the simulation. */
export const CHANGE_BAND_LABELS = ['5万円以上の減', '1万円〜5万円の減', '1円〜1万円の減', '変わらない', '1円〜1万円の増', '1万円〜5万円の増', '5万円以上の増'] as const;
const changeBand = (d: number) => (d <= -50_000 ? 0 : d <= -10_000 ? 1 : d < 0 ? 2 : d === 0 ? 3 : d < 10_000 ? 4 : d < 50_000 ? 5 : 6);

/** Worker threads of a simulation on PostgreSQL (the embedded database computes in its own thread). */
export const SIMULATION_WORKERS = 2;
const PAGE = 10_000;

export interface SimulationResult {
  fiscalYear: number;
  baseYear: number;
  nationalParametersYear: number;
  households: number;
  /** Households of the base year with no insured month in the proposed year (everyone reaches 75): counted at 0. */
  leaving: number;
  current: { total: number; parts: Record<PartKey, number> };
  proposed: { total: number; parts: Record<PartKey, number> };
  difference: number;
  changes: { band: string; households: number }[];
  seconds: number;
}

/** A current version as the simulation reads it: its input (JSON text) and its amounts. */
export interface BaseRow {
  input: string;
  total: number;
  parts: Record<PartKey, number>;
}

/** The proposal: the rates and the 年度 they are resolved for; `nationalYear`: the year of the national figures. */
export interface Proposal {
  fiscalYear: number;
  municipality: NonNullable<TaxInput['municipality']>;
}

/** The sums over some rows. */
export interface SimulationSums {
  households: number;
  leaving: number;
  current: { total: number; parts: Record<PartKey, number> };
  proposed: { total: number; parts: Record<PartKey, number> };
  bands: number[];
}

const zeroParts = (): Record<PartKey, number> => ({ medical: 0, support: 0, care: 0, childSupport: 0 });
const noSums = (): SimulationSums => ({ households: 0, leaving: 0, current: { total: 0, parts: zeroParts() }, proposed: { total: 0, parts: zeroParts() }, bands: CHANGE_BAND_LABELS.map(() => 0) });

function addSums(a: SimulationSums, b: SimulationSums): SimulationSums {
  const parts = (x: Record<PartKey, number>, y: Record<PartKey, number>) => Object.fromEntries(PART_KEYS.map((k) => [k, x[k] + y[k]])) as Record<PartKey, number>;
  return {
    households: a.households + b.households,
    leaving: a.leaving + b.leaving,
    current: { total: a.current.total + b.current.total, parts: parts(a.current.parts, b.current.parts) },
    proposed: { total: a.proposed.total + b.proposed.total, parts: parts(a.proposed.parts, b.proposed.parts) },
    bands: a.bands.map((n, i) => n + b.bands[i]!),
  };
}

/** The simulation of some stored versions under the proposed rates (pure: the same in any thread). */
export function simulateRows(rows: readonly BaseRow[], nationalYear: number, proposed: Municipality, params: LawParams = lawParams()): SimulationSums {
  const sums = noSums();
  for (const r of rows) {
    const input = JSON.parse(r.input) as TaxInput;
    if (input.members.length === 0) continue;
    sums.households++;
    sums.current.total += r.total;
    for (const k of PART_KEYS) sums.current.parts[k] += r.parts[k];
    const shifted = shiftYear(input, nationalYear, params);
    let res;
    try {
      res = shifted ? calculateTax(shifted, params, proposed, { explain: false }) : null;
    } catch {
      res = null; // an input the proposed year's rules cannot take (no insured month left …): shown as leaving
    }
    if (!res) {
      sums.leaving++;
      sums.bands[changeBand(-r.total)]!++;
      continue;
    }
    sums.proposed.total += res.total;
    for (const k of PART_KEYS) sums.proposed.parts[k] += res.parts[k]?.amount ?? 0;
    sums.bands[changeBand(res.total - r.total)]!++;
  }
  return sums;
}

/**
 * The current versions of `baseYear` through a cursor, a page at a time (any plan, no sort: the sums do not
 * depend on the order; paging by id with LIMIT sorted the whole year for every page when the planner's
 * statistics lagged behind a fresh 本算定). Inside a transaction (the caller's).
 */
async function openCursor(tx: Kysely<DB>, baseYear: number): Promise<{ next: () => Promise<BaseRow[]>; close: () => Promise<void> }> {
  await sql`DECLARE rate_simulation NO SCROLL CURSOR FOR
    SELECT input::text AS input, total_yen, medical_yen, support_yen, care_yen, child_support_yen FROM assessment
     WHERE fiscal_year = ${baseYear} AND superseded_at IS NULL AND total_yen >= 0`.execute(tx);
  return {
    async next() {
      const r = await sql<{ input: string; total_yen: number; medical_yen: number; support_yen: number; care_yen: number; child_support_yen: number }>`FETCH ${sql.raw(String(PAGE))} FROM rate_simulation`.execute(tx);
      return r.rows.map((x) => ({ input: x.input, total: x.total_yen, parts: { medical: x.medical_yen, support: x.support_yen, care: x.care_yen, childSupport: x.child_support_yen } }));
    },
    close: async () => void (await sql`CLOSE rate_simulation`.execute(tx)),
  };
}

/** What a simulation worker (rate-simulation.worker.ts) is sent: a page and the proposal. */
export interface SimulationRequest {
  rows: BaseRow[];
  nationalYear: number;
  proposal: Proposal;
}

/**
 * The simulation over the current versions of `baseYear`: the national figures of `nationalYear`, the
 * proposed rates resolved for `proposal.fiscalYear`. `workers`: threads computing the pages (0: this one).
 */
export async function simulateOver(db: Kysely<DB>, baseYear: number, nationalYear: number, proposal: Proposal, params = lawParams(), opts: { workers?: number } = {}): Promise<SimulationResult> {
  if (!db.isTransaction) return db.transaction().execute((tx) => simulateOver(tx, baseYear, nationalYear, proposal, params, opts));
  const t0 = performance.now();
  const proposed = resolveMunicipality(proposal, params);
  const pool = opts.workers ? new WorkerPool<SimulationRequest, SimulationSums>(siblingModule(import.meta.url, 'rate-simulation.worker'), opts.workers, '試算のワーカー') : null;
  let sums = noSums();
  const inFlight: Promise<SimulationSums>[] = [];
  const cursor = await openCursor(db, baseYear);
  try {
    let ahead = cursor.next();
    for (;;) {
      const rows = await ahead;
      if (rows.length === 0) break;
      ahead = cursor.next(); // the next page, while this one is computed
      ahead.catch(() => undefined); // observed when awaited
      if (!pool) {
        sums = addSums(sums, simulateRows(rows, nationalYear, proposed, params));
        continue;
      }
      inFlight.push(pool.run({ rows, nationalYear, proposal }));
      while (inFlight.length >= 2 * opts.workers!) sums = addSums(sums, await inFlight.shift()!);
    }
    for (const p of inFlight.splice(0)) sums = addSums(sums, await p);
    await cursor.close();
  } finally {
    await Promise.allSettled(inFlight);
    await pool?.close();
  }
  if (sums.households === 0) throw new AppError(422, 'no_base_assessment', `${baseYear}年度の賦課(本算定)がないため試算できません(世帯と所得は前年度の賦課から読みます)`);
  return {
    fiscalYear: nationalYear === baseYear ? baseYear + 1 : nationalYear,
    baseYear,
    nationalParametersYear: nationalYear,
    households: sums.households,
    leaving: sums.leaving,
    current: sums.current,
    proposed: sums.proposed,
    difference: sums.proposed.total - sums.current.total,
    changes: sums.bands.map((n, i) => ({ band: CHANGE_BAND_LABELS[i]!, households: n })),
    seconds: Math.round((performance.now() - t0) / 10) / 100,
  };
}

/**
 * The base year's input as a calculation of `year` (ages, 月割 and 軽減 counted in that 年度); members who
 * reach 75 before it are no longer insured; null when no insured member is left.
 */
function shiftYear(input: TaxInput, year: number, params: LawParams): TaxInput | null {
  if (input.fiscalYear === year) return input;
  const shift = year - input.fiscalYear;
  const move = (d: string) => `${Number(d.slice(0, 4)) + shift}${d.slice(4)}`;
  const lateElderly = params.integer('eligibility.age_latter_elderly', `${year}-04-01`);
  const lateFrom = (birth: string) => birthdayAtAge(birth, lateElderly).slice(0, 7);
  const members = input.members.map((m) => {
    const out = m.insuredPeriods ? { ...m, insuredPeriods: m.insuredPeriods.map((p) => ({ from: move(p.from), to: p.to ? move(p.to) : (p.to ?? null) })) } : { ...m };
    // Insured up to the month before the 75th birthday's month: none of the 年度 left → not insured.
    if (out.insured && out.birthDate && lateFrom(out.birthDate) <= `${year}-04`) out.insured = false;
    return out;
  });
  if (!members.some((m) => m.insured)) return null;
  return { ...input, fiscalYear: year, members };
}
