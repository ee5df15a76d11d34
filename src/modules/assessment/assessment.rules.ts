import { createHash } from 'node:crypto';
import type { LawParams } from '../../platform/params/law-params.js';
import type { AssessmentUnit } from './assessment-units.rules.js';
import { calculateTax, PART_KEYS, type Municipality, type PartKey, type Reduction, type TaxResult } from './tax.rules.js';

/**
 * Stored assessment versions (assessment table) as pure data: what `calculateTax` answered for a unit,
 * in the columns and codes the table keeps; the run's counts and sums; the parameter set a version
 * names. No I/O.
 */

/** assessment.reduction: the 法定軽減 kind as a stored code, with its label. */
export const REDUCTION_CODES = { r7: '7割軽減', r5: '5割軽減', r2: '2割軽減', none: '軽減なし' } as const;
export type ReductionCode = keyof typeof REDUCTION_CODES;
export const reductionCode = (r: Reduction): ReductionCode => (r === '7割' ? 'r7' : r === '5割' ? 'r5' : r === '2割' ? 'r2' : 'none');

/** assessment.reason: why a version exists. */
export const ASSESSMENT_REASONS = { annual: '本算定', correction: '更正' } as const;
export type AssessmentReason = keyof typeof ASSESSMENT_REASONS;

/** The stored part columns. */
export const PART_COLUMNS: Record<PartKey, 'medical_yen' | 'support_yen' | 'care_yen' | 'child_support_yen'> = { medical: 'medical_yen', support: 'support_yen', care: 'care_yen', childSupport: 'child_support_yen' };

/**
 * JSON with object keys sorted (undefined members left out), for hashes — and, being JSON, the stored
 * input's text. Built by appending: the 本算定 makes a million of these.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + (canonicalJson(v[i]) ?? '');
    return `${s}]`;
  }
  const o = v as Record<string, unknown>;
  let s = '{';
  let first = true;
  for (const k of Object.keys(o).sort()) {
    const x = o[k];
    if (x === undefined) continue;
    s += `${first ? '' : ','}${keyText(k)}${canonicalJson(x)}`;
    first = false;
  }
  return `${s}}`;
}

/** `"key":` of each key met (the inputs use a few dozen), made once. */
const keyTexts = new Map<string, string>();
function keyText(k: string): string {
  let t = keyTexts.get(k);
  if (t === undefined) {
    t = `${JSON.stringify(k)}:`;
    if (keyTexts.size < 10_000) keyTexts.set(k, t);
  }
  return t;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The parameter values a calculation of `fiscalYear` uses: the rates as resolved (the city's or the
 * proposed), and every national tax and income parameter in force on 4月1日 and on 12月31日 of the
 * income year. Stored once per distinct set (assessment_params), named by its SHA-256.
 */
export function parameterSet(fiscalYear: number, municipality: Municipality, params: LawParams): { hash: string; values: Record<string, unknown> } {
  const rates = Object.fromEntries(
    Object.entries(municipality.parts).map(([k, p]) => [
      k,
      { incomeRate: p!.incomeRate.toString(), assetRate: p!.assetRate.toString(), perCapita: p!.perCapita, perHousehold: p!.perHousehold, adultPerCapita: p!.adultPerCapita, limit: p!.limit, ref: p!.ref },
    ]),
  );
  const law: Record<string, unknown> = {};
  for (const date of [`${fiscalYear}-04-01`, `${fiscalYear - 1}-12-31`]) {
    for (const e of params.inForce(date)) {
      if (!/^(tax|income)\.|^eligibility\.age_latter_elderly$/.test(e.key)) continue;
      law[`${e.key}@${date}`] = typeof e.value === 'object' ? String(e.value) : e.value;
    }
  }
  const values = { fiscalYear, municipality: municipality.name, rates, law };
  return { hash: sha256(canonicalJson(values)), values };
}

/** A version's amounts as stored. */
export interface AssessedAmounts {
  reduction: ReductionCode;
  total: number;
  parts: Record<PartKey, number>;
  incomeLevy: number;
  perCapita: number;
  perHousehold: number;
  reductions: { legal: number; specificHousehold: number; preschool: number; minor: number; perinatal: number };
  capped: boolean;
  insuredCount: number;
}

export function amountsOf(r: TaxResult, unit: Pick<AssessmentUnit, 'members'>): AssessedAmounts {
  const parts = { medical: 0, support: 0, care: 0, childSupport: 0 };
  const reductions = { legal: 0, specificHousehold: 0, preschool: 0, minor: 0, perinatal: 0 };
  let incomeLevy = 0;
  let perCapita = 0;
  let perHousehold = 0;
  let capped = false;
  for (const k of PART_KEYS) {
    const p = r.parts[k];
    if (!p) continue;
    parts[k] = p.amount;
    incomeLevy += p.incomeLevy + p.assetLevy;
    perCapita += p.perCapita;
    perHousehold += p.perHousehold;
    reductions.legal += p.reductions.legal;
    reductions.specificHousehold += p.reductions.specificHousehold;
    reductions.preschool += p.reductions.preschool;
    reductions.minor += p.reductions.minor;
    reductions.perinatal += p.reductions.perinatal;
    if (p.beforeLimit > p.limit) capped = true;
  }
  return { reduction: reductionCode(r.reduction), total: r.total, parts, incomeLevy, perCapita, perHousehold, reductions, capped, insuredCount: unit.members.filter((m) => m.insured).length };
}

export interface Assessed {
  unit: AssessmentUnit;
  result: TaxResult;
  amounts: AssessedAmounts;
  inputHash: string;
  /** The input as canonical JSON (what `inputHash` hashes; the stored input's text). */
  inputJson: string;
}

/** The tax of one unit with the given rates: `calculateTax`, the calculator's own rule. */
export function assessUnit(unit: AssessmentUnit, municipality: Municipality, params: LawParams, explain = false): Assessed {
  if (!unit.input) throw new Error('納税義務者が定まらない世帯は計算できません');
  const result = calculateTax(unit.input, params, municipality, { explain });
  const inputJson = canonicalJson(unit.input);
  return { unit, result, amounts: amountsOf(result, unit), inputHash: sha256(inputJson), inputJson };
}

/** The run's counts and sums (job_run.counts / totals) of the versions of one chunk. */
export function runFigures(assessed: readonly Assessed[], skipped: { noTaxpayer: number; refused: number; households: number }): { counts: Record<string, number>; totals: Record<string, number> } {
  const counts: Record<string, number> = { households: skipped.households, units: assessed.length, noTaxpayer: skipped.noTaxpayer, refused: skipped.refused, insured: 0, capped: 0, zero: 0, pseudoHead: 0, addressException: 0, r7: 0, r5: 0, r2: 0, none: 0 };
  const totals: Record<string, number> = { total: 0, medical: 0, support: 0, care: 0, childSupport: 0, incomeLevy: 0, perCapita: 0, perHousehold: 0, 'reduction.r7': 0, 'reduction.r5': 0, 'reduction.r2': 0, 'reduction.specificHousehold': 0, 'reduction.preschool': 0, 'reduction.minor': 0, 'reduction.perinatal': 0 };
  for (const a of assessed) {
    const m = a.amounts;
    counts[m.reduction]!++;
    counts.insured! += m.insuredCount;
    if (m.capped) counts.capped!++;
    if (m.total === 0) counts.zero!++;
    if (a.unit.pseudoHead) counts.pseudoHead!++;
    if (a.unit.addressExceptionAtenaNo !== 0) counts.addressException!++;
    totals.total! += m.total;
    for (const k of PART_KEYS) totals[k]! += m.parts[k];
    totals.incomeLevy! += m.incomeLevy;
    totals.perCapita! += m.perCapita;
    totals.perHousehold! += m.perHousehold;
    if (m.reduction !== 'none') totals[`reduction.${m.reduction}`]! += m.reductions.legal;
    totals['reduction.specificHousehold']! += m.reductions.specificHousehold;
    totals['reduction.preschool']! += m.reductions.preschool;
    totals['reduction.minor']! += m.reductions.minor;
    totals['reduction.perinatal']! += m.reductions.perinatal;
  }
  return { counts, totals };
}
