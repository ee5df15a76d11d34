import type { Kysely } from 'kysely';
import { anyBigint } from '../../db/any-of.js';
import type { DB } from '../../db/schema.js';
import { EXEMPTION_LAW, exemptionLine, type ExemptionReason } from '../reductions/exemption.rules.js';
import type { Assessed } from './assessment.rules.js';
import type { Line } from './tax.rules.js';

export interface HouseholdExemption {
  /** Σ 減免額 decided for the household and 年度 (not ended). */
  total: number;
  reasons: ExemptionReason[];
}

/**
 * The 減免 (地方税法 717条) decided for each household of a chunk and a 年度, not ended (取消し): the one
 * door through which 賦課 reads `tax_exemption` (written by the reductions area when a 減免 is approved).
 */
export async function exemptionsOf(db: Kysely<DB>, householdNos: readonly number[], fiscalYear: number): Promise<Map<number, HouseholdExemption>> {
  const out = new Map<number, HouseholdExemption>();
  if (householdNos.length === 0) return out;
  const rows = await db
    .selectFrom('tax_exemption')
    .select(['household_no', 'reason_code', 'exemption_yen'])
    .where(anyBigint('household_no', householdNos))
    .where('fiscal_year', '=', fiscalYear)
    .where('ended_at', 'is', null)
    .orderBy('exemption_id')
    .execute();
  for (const r of rows) {
    const h = Number(r.household_no);
    const e = out.get(h) ?? { total: 0, reasons: [] };
    e.total += r.exemption_yen;
    e.reasons.push(r.reason_code);
    out.set(h, e);
  }
  return out;
}

/**
 * The 減免 in force when a version was recorded (decided by then, not ended by then): what a stored
 * version subtracted, for printing and explaining it later.
 */
export async function exemptionAt(db: Kysely<DB>, householdNo: number, fiscalYear: number, at: Date): Promise<HouseholdExemption | undefined> {
  const rows = await db
    .selectFrom('tax_exemption')
    .select(['reason_code', 'exemption_yen'])
    .where('household_no', '=', householdNo)
    .where('fiscal_year', '=', fiscalYear)
    .where('decided_at', '<=', at)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', at)]))
    .orderBy('exemption_id')
    .execute();
  if (rows.length === 0) return undefined;
  return { total: rows.reduce((s, r) => s + r.exemption_yen, 0), reasons: rows.map((r) => r.reason_code) };
}

/** The annual tax after the 減免 (never below 0) and the explanation lines that say so. */
export function exemptionLines(before: number, e: HouseholdExemption, formula = ''): { total: number; lines: Line[] } {
  const take = Math.min(e.total, before);
  const total = before - take;
  const capped = take < e.total ? `決定した減免額 ${e.total.toLocaleString('en-US')}円 のうち年税額まで` : '';
  return {
    total,
    lines: [
      exemptionLine(e.reasons, take, [formula, capped].filter((x) => x !== '').join('。')),
      { label: '減免後の年税額', formula: `${before.toLocaleString('en-US')} − ${take.toLocaleString('en-US')}`, amount: total, reference: EXEMPTION_LAW },
    ],
  };
}

/**
 * The 減免 kept by a facts-based 更正: the stored 減免額 of the household and 年度 subtracted from the
 * unit's annual tax (capped at it), with its explanation line. The per-part amounts stay the 賦課額
 * before 減免; `total` is what is owed. Applies to the household's own unit (not a 住所地特例 one).
 */
export function withExemption(a: Assessed, e: HouseholdExemption | undefined): Assessed {
  if (!e || e.total <= 0 || a.unit.addressExceptionAtenaNo !== 0) return a;
  const x = exemptionLines(a.amounts.total, e);
  const lines = a.result.lines.length === 0 ? a.result.lines : [...a.result.lines, ...x.lines];
  return { ...a, result: { ...a.result, total: x.total, lines }, amounts: { ...a.amounts, total: x.total } };
}
