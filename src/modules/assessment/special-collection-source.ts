import type { Kysely, Transaction } from 'kysely';
import { anyBigint } from '../../db/any-of.js';
import type { DB } from '../../db/schema.js';
import type { LawParams } from '../../platform/params/law-params.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import type { Assessed } from './assessment.rules.js';
import { unitKey, versionForInstallments, type ChainRow } from './assessment.repository.js';
import { installmentsOfVersions } from './installments-change.rules.js';
import type { Installment } from './installments.rules.js';
import { decideInstallments, februaryFinal, judgeSpecialCollection, type PensionRecord, type SpecialCollectionFacts, type UnitCollection } from './special-collection.rules.js';

type Q = Kysely<DB> | Transaction<DB>;

/**
 * The records behind 特別徴収 for a set of assessed units (the 本算定's chunk): the 年金保険者's notice for
 * each 世帯主 and 年度 (`pension_withholding`), the 口座振替への変更申出 standing on `today`
 * (`account_transfer_request`), and the unit's 期別 of the 年度 before (its February 本徴収: 仮徴収). Only
 * units whose 世帯主 has a pension record are read further, so a chunk without one costs one indexed query.
 * Returns the 期別 of each unit under 特別徴収 (by unitKey); the others are 普通徴収 as before (null: derived).
 */
export async function specialCollectionOf(tx: Q, assessed: readonly Assessed[], fiscalYear: number, params: LawParams, today: string): Promise<Map<string, UnitCollection>> {
  const out = new Map<string, UnitCollection>();
  const heads = [...new Set(assessed.filter((a) => a.unit.taxpayer !== null && !a.unit.pseudoHead && a.amounts.total > 0).map((a) => a.unit.taxpayer!))];
  if (heads.length === 0) return out;
  const pensions = await tx
    .selectFrom('pension_withholding')
    .select(['atena_no', 'annual_amount_yen', 'care_withheld', 'care_premium_yen'])
    .where('fiscal_year', '=', fiscalYear)
    .where(anyBigint('atena_no', heads))
    .execute();
  if (pensions.length === 0) return out;
  const pensionOf = new Map<number, PensionRecord>(pensions.map((p) => [Number(p.atena_no), { annualAmount: Number(p.annual_amount_yen), careWithheld: p.care_withheld, carePremium: p.care_premium_yen === null ? null : Number(p.care_premium_yen) }]));
  const units = assessed.filter((a) => a.unit.taxpayer !== null && pensionOf.has(a.unit.taxpayer) && !a.unit.pseudoHead && a.amounts.total > 0);
  const households = [...new Set(units.map((a) => a.unit.householdNo))];
  const transfers = await tx
    .selectFrom('account_transfer_request')
    .select(['household_no', 'requested_on'])
    .where(anyBigint('household_no', households))
    .where('ended_at', 'is', null)
    .where('requested_on', '<=', today)
    .execute();
  const transferOf = new Map(transfers.map((t) => [Number(t.household_no), t.requested_on]));
  const februaries = await previousFebruaries(tx, households, fiscalYear - 1, params);
  for (const a of units) {
    const u = a.unit;
    const requested = transferOf.get(u.householdNo);
    const facts = factsOfInput(u.input as StoredInput, { fiscalYear, judgedOn: u.referenceDay, pseudoHead: u.pseudoHead, annualTax: a.amounts.total, pension: pensionOf.get(u.taxpayer!)!, accountTransfer: requested ? { requestedOn: requested } : null });
    const key = unitKey(u.householdNo, u.addressExceptionAtenaNo);
    out.set(key, decideInstallments(facts, februaries.get(key) ?? null, params));
  }
  return out;
}

/** The 期別 a 本算定 stores: those of the units under 特別徴収 (null for the rest: 普通徴収, derived). */
export function storedSpecial(collections: Map<string, UnitCollection>, key: string): Installment[] | null {
  const c = collections.get(key);
  return c && c.judgement.eligible ? c.installments : null;
}

/** Each unit's February 本徴収 of `fiscalYear` (its current 期別), when it was under 特別徴収 then. */
async function previousFebruaries(tx: Q, households: readonly number[], fiscalYear: number, params: LawParams): Promise<Map<string, number>> {
  const rows = await tx
    .selectFrom('assessment')
    .select(['household_no', 'address_exception_atena_no', 'reason', 'total_yen', 'recorded_at', 'notice', 'installments'])
    .where('fiscal_year', '=', fiscalYear)
    .where(anyBigint('household_no', [...households]))
    .orderBy('household_no')
    .orderBy('address_exception_atena_no')
    .orderBy('version')
    .execute();
  const chains = new Map<string, ChainRow[]>();
  for (const r of rows) {
    const key = unitKey(Number(r.household_no), Number(r.address_exception_atena_no));
    chains.set(key, [...(chains.get(key) ?? []), r as unknown as ChainRow]);
  }
  const out = new Map<string, number>();
  for (const [key, chain] of chains) {
    if (!chain.some((r) => r.installments !== null)) continue;
    try {
      const last = installmentsOfVersions(fiscalYear, chain.map(versionForInstallments), params).at(-1);
      const feb = last ? februaryFinal(last.installments) : null;
      if (feb !== null) out.set(key, feb);
    } catch {
      // A 年度 without 納期 parameters: no February to carry.
    }
  }
  return out;
}

interface StoredVersion {
  assessment_id: number | string;
  fiscal_year: number;
  household_no: number | string;
  taxpayer_atena_no: number | string | null;
  pseudo_head: boolean;
  total_yen: number;
  reason: string;
  input: unknown;
  installments: unknown;
  recorded_at: Date | string;
}

type StoredMember = { head?: boolean; insured?: boolean; birthDate?: string; label?: string; insuredPeriods?: { from: string; to?: string | null }[] | undefined };
type StoredInput = { members?: readonly StoredMember[] } | null;

/** Insured on the day: within one of the member's periods (none: the whole 年度). */
const covers = (m: StoredMember, day: string) => !m.insuredPeriods || m.insuredPeriods.length === 0 || m.insuredPeriods.some((x) => x.from <= day && ((x.to ?? null) === null || x.to! > day));

/**
 * The facts of the 特別徴収 judgement from a unit's calculator input (members with label 「宛名番号 N」,
 * birth date, insured periods, head): the same for the 本算定 and for explaining a stored version.
 */
function factsOfInput(input: StoredInput, f: Omit<SpecialCollectionFacts, 'insured' | 'headBirthDate'>): SpecialCollectionFacts {
  const members = input?.members ?? [];
  return {
    ...f,
    headBirthDate: members.find((m) => m.head)?.birthDate ?? null,
    insured: members.filter((m) => m.insured && covers(m, f.judgedOn)).map((m) => ({ atenaNo: Number(/\d+/.exec(m.label ?? '')?.[0] ?? 0), birthDate: m.birthDate ?? '1900-01-01' })),
  };
}

/**
 * Why a 本算定 version whose 世帯主 has a pension notified is 普通徴収 (the judgement again, on the version's
 * stored input: members, birth dates, insured periods; the 申出 standing on the day it was recorded), by
 * assessment id. Versions under 特別徴収, 更正 and those without a pension record get nothing.
 */
export async function ordinaryReasonsOf(tx: Q, rows: readonly StoredVersion[], params: LawParams): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  const candidates = rows.filter((r) => r.reason === 'annual' && r.installments === null && r.taxpayer_atena_no !== null && r.total_yen > 0);
  if (candidates.length === 0) return out;
  const pensions = await tx
    .selectFrom('pension_withholding')
    .select(['atena_no', 'fiscal_year', 'annual_amount_yen', 'care_withheld', 'care_premium_yen'])
    .where(anyBigint('atena_no', [...new Set(candidates.map((r) => Number(r.taxpayer_atena_no)))]))
    .execute();
  if (pensions.length === 0) return out;
  const transfers = await tx
    .selectFrom('account_transfer_request')
    .select(['household_no', 'requested_on', 'recorded_at', 'ended_at'])
    .where(anyBigint('household_no', [...new Set(candidates.map((r) => Number(r.household_no)))]))
    .execute();
  for (const r of candidates) {
    const p = pensions.find((x) => Number(x.atena_no) === Number(r.taxpayer_atena_no) && x.fiscal_year === r.fiscal_year);
    if (!p) continue;
    const at = new Date(r.recorded_at);
    const day = todayInJapan(at);
    const transfer = transfers.find((t) => Number(t.household_no) === Number(r.household_no) && new Date(t.recorded_at) <= at && (t.ended_at === null || new Date(t.ended_at) > at) && t.requested_on <= day);
    const input = r.input as StoredInput;
    const insured = (input?.members ?? []).filter((m) => m.insured);
    // The 判定日 as the units rule chose it: 4月1日 when someone is insured then, else the first 取得日.
    const april = `${r.fiscal_year}-04-01`;
    const judgedOn = insured.some((m) => covers(m, april)) ? april : (insured.flatMap((m) => (m.insuredPeriods ?? []).map((x) => x.from)).sort()[0] ?? april);
    const pension = { annualAmount: Number(p.annual_amount_yen), careWithheld: p.care_withheld, carePremium: p.care_premium_yen === null ? null : Number(p.care_premium_yen) };
    const facts = factsOfInput(input, { fiscalYear: r.fiscal_year, judgedOn, pseudoHead: r.pseudo_head, annualTax: r.total_yen, pension, accountTransfer: transfer ? { requestedOn: transfer.requested_on } : null });
    const j = judgeSpecialCollection(facts, params);
    if (!j.eligible) out.set(Number(r.assessment_id), j.reasons);
  }
  return out;
}
