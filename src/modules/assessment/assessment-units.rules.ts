import { addressExceptionHouseholdOn, factBoundaries, nhiHouseholdOn, type HouseholdFacts } from '../eligibility/nhi-household.rules.js';
import type { AssessmentIncome } from './income-source.js';
import type { MemberInput, TaxInput } from './tax.input.js';
import { chargedMonthsOf } from './tax.rules.js';
import { birthdayAtAge } from '../eligibility/eligibility.rules.js';
import { lawParams, type LawParams } from '../../platform/params/law-params.js';

/**
 * Who is assessed, and on what: the pure step between the stored facts (registry membership, current
 * 資格 periods, 国保世帯 status periods, birth dates, incomes) and `calculateTax`. The annual batch, a
 * re-assessment (更正) and the rate simulation all build their inputs here, so they run the same rules
 * as the `tax calc` calculator, on an input a clerk could type.
 *
 * A unit of assessment is the NHI household (国保世帯) named by its registry household for one 年度 —
 * or a 住所地特例 person's own one-person NHI household (国保法 §116の2), named by the household they
 * left and their 宛名番号. For each unit:
 *  - the reference day: 4月1日 (賦課期日) when someone is insured in it that day, else the first day of
 *    the 年度 on which someone is (a household that joins NHI during the year);
 *  - the taxpayer (納税義務者) and 擬制世帯主 as of that day (nhiHouseholdOn); 特定同一世帯所属者 that day;
 *  - 月割: each person's periods in the unit during the 年度 — the days on which nhiHouseholdOn counts
 *    them as a member, so 資格取得・喪失, 世帯変更 and 住所地特例 all cut them — from which calculateTax
 *    charges the months whose last day falls in a period.
 * No unit without insured months; a unit whose taxpayer cannot be named (no registry head that day) is
 * returned with `taxpayer: null` and no input, for the run's review list.
 */

export interface PersonFacts {
  birthDate: string;
  /** 産前産後期間の届出 in force for the 年度 (assessment/childbirth-source.ts). */
  childbirth?: { month: string; multiple: boolean };
  /** 非自発的失業の届出 in force for the 年度: the day after 離職 (assessment/unemployment-source.ts). */
  unemployment?: { from: string };
}

export interface UnitMember {
  atenaNo: number;
  head: boolean;
  insured: boolean;
  specificSameHousehold: boolean;
  periods: { from: string; to: string | null }[];
}

export interface AssessmentUnit {
  fiscalYear: number;
  householdNo: number;
  /** 0: the household's NHI household; otherwise the 住所地特例 person's 宛名番号. */
  addressExceptionAtenaNo: number;
  referenceDay: string;
  taxpayer: number | null;
  pseudoHead: boolean;
  members: UnitMember[];
  /** The calculator's input (without `municipality`: the caller gives the rates); null without a taxpayer. */
  input: TaxInput | null;
}

interface Segment {
  from: string;
  to: string | null;
}

/** Days in [start, end) on which the facts may change (period boundaries), with `start` first. */
const boundaries = (facts: HouseholdFacts, start: string, end: string): string[] => [start, ...factBoundaries(facts, (d) => d > start && d < end)];

/** Merge per-boundary membership into half-open periods (to: null = to the end of the 年度 and beyond). */
function periodsOf(days: readonly string[], memberOn: readonly boolean[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < days.length; i++) {
    if (!memberOn[i]) continue;
    const to = i + 1 < days.length ? days[i + 1]! : null;
    const last = out.at(-1);
    if (last && last.to === days[i]) last.to = to;
    else out.push({ from: days[i]!, to });
  }
  return out;
}

/** What the calculator takes of a person's income for the 年度 (income-source.ts `loadIncomes`). */
export type UnitIncome = Pick<AssessmentIncome, 'income' | 'reported'>;
/** A person `loadIncomes` did not return (not in `person`): no income, reported. */
const NO_INCOME: UnitIncome = { income: { salaryRevenue: 0, pensionRevenue: 0, otherIncome: 0 }, reported: true };

function memberInput(atenaNo: number, m: Omit<UnitMember, 'atenaNo'>, person: PersonFacts | undefined, source: UnitIncome): MemberInput {
  const income = source.income;
  const inc: NonNullable<MemberInput['income']> = {};
  if (income.salaryRevenue > 0) inc.salaryRevenue = income.salaryRevenue;
  if (income.pensionRevenue > 0) inc.pensionRevenue = income.pensionRevenue;
  if (income.otherIncome > 0) inc.otherIncome = income.otherIncome;
  return {
    label: `宛名番号 ${atenaNo}`,
    head: m.head,
    insured: m.insured,
    birthDate: person?.birthDate ?? '1900-01-01',
    income: inc,
    ...(source.reported ? {} : { reported: false }),
    ...(m.specificSameHousehold ? { formerInsuredToLatterElderly: true } : {}),
    ...(m.insured && m.periods.length > 0 ? { insuredPeriods: m.periods } : {}),
    ...(m.insured && person?.unemployment ? { unemployment: { from: person.unemployment.from } } : {}),
    ...(m.insured && person?.childbirth ? { childbirth: { month: person.childbirth.month, ...(person.childbirth.multiple ? { multiple: true } : {}) } } : {}),
  };
}

function unitFrom(
  fiscalYear: number,
  householdNo: number,
  addressExceptionAtenaNo: number,
  days: readonly string[],
  membersByDay: readonly (readonly number[])[],
  headOn: (day: string) => { taxpayer: number | null; pseudoHead: boolean; specific: number[] },
  persons: ReadonlyMap<number, PersonFacts>,
  incomes: ReadonlyMap<number, UnitIncome>,
  params: LawParams,
): AssessmentUnit | null {
  const refIndex = membersByDay.findIndex((m) => m.length > 0);
  if (refIndex < 0) return null;
  const referenceDay = days[refIndex]!;
  const everyone = [...new Set(membersByDay.flat())].sort((a, b) => a - b);
  const { taxpayer, pseudoHead, specific } = headOn(referenceDay);
  const fyStart = `${fiscalYear}-04-01`;
  const members: UnitMember[] = everyone.map((n) => {
    const periods = periodsOf(
      days,
      membersByDay.map((m) => m.includes(n)),
    );
    return { atenaNo: n, head: n === taxpayer, insured: true, specificSameHousehold: false, periods };
  });
  if (taxpayer !== null && !everyone.includes(taxpayer)) members.unshift({ atenaNo: taxpayer, head: true, insured: false, specificSameHousehold: false, periods: [] });
  for (const n of specific) if (!members.some((m) => m.atenaNo === n)) members.push({ atenaNo: n, head: false, insured: false, specificSameHousehold: true, periods: [] });
  // The whole 年度 in the unit: no periods in the input (the calculator's default).
  for (const m of members) if (m.periods.length === 1 && m.periods[0]!.from === fyStart && m.periods[0]!.to === null) m.periods = [];
  const unit: AssessmentUnit = { fiscalYear, householdNo, addressExceptionAtenaNo, referenceDay, taxpayer, pseudoHead, members, input: null };
  if (taxpayer === null) return unit;
  const inputs = members.map((m) => memberInput(m.atenaNo, m, persons.get(m.atenaNo), incomes.get(m.atenaNo) ?? NO_INCOME));
  // A member of the unit with no month charged in the 年度 (joined and left within one month, or reached 75
  // in its first month) is not charged: not `insured` for the calculator. One insured on the reference day
  // who left for 後期高齢者医療 still counts in that day's 軽減 judgement, as a 特定同一世帯所属者 does.
  const onReference = new Set(membersByDay[refIndex]);
  const lateElderly = params.integer('eligibility.age_latter_elderly', fyStart);
  for (const [i, mi] of inputs.entries()) {
    if (!mi.insured || chargedMonthsOf(mi, fiscalYear, params).length > 0) continue;
    const reached75 = mi.birthDate !== undefined && members[i]!.periods.at(-1)?.to === birthdayAtAge(mi.birthDate, lateElderly);
    inputs[i] = memberInput(members[i]!.atenaNo, { ...members[i]!, insured: false, specificSameHousehold: members[i]!.specificSameHousehold || (reached75 && onReference.has(members[i]!.atenaNo)) }, persons.get(members[i]!.atenaNo), incomes.get(members[i]!.atenaNo) ?? NO_INCOME);
  }
  if (!inputs.some((mi) => mi.insured)) return null; // no month to charge: no unit
  unit.input = { fiscalYear, members: inputs };
  return unit;
}

/**
 * The units of assessment of registry household `householdNo` for `fiscalYear`: its NHI household, and
 * the 住所地特例 persons who left it. `facts` must hold the household's membership periods, the current
 * 資格 periods and status periods of its members and of the persons whose statuses name it.
 */
export function assessmentUnits(
  householdNo: number,
  fiscalYear: number,
  facts: HouseholdFacts,
  persons: ReadonlyMap<number, PersonFacts>,
  incomes: ReadonlyMap<number, UnitIncome>,
  params: LawParams = lawParams(),
): AssessmentUnit[] {
  const start = `${fiscalYear}-04-01`;
  const end = `${fiscalYear + 1}-04-01`;
  const days = boundaries(facts, start, end);
  const out: AssessmentUnit[] = [];
  const views = days.map((d) => nhiHouseholdOn(householdNo, d, facts));
  const household = unitFrom(
    fiscalYear,
    householdNo,
    0,
    days,
    views.map((v) => v.members.map((m) => m.atenaNo)),
    (day) => {
      const v = views[days.indexOf(day)]!;
      return { taxpayer: v.head?.atenaNo ?? null, pseudoHead: v.pseudoHead, specific: v.specificSameHousehold };
    },
    persons,
    incomes,
    params,
  );
  if (household) {
    // 特定世帯・特定継続世帯: from the history of the 特定同一世帯所属者 status, on the reference day.
    const ref = household.referenceDay;
    const specific = household.members.filter((m) => m.specificSameHousehold).map((m) => m.atenaNo);
    if (household.input && specific.length > 0) {
      const since = facts.statuses
        .filter((x) => x.kind === 'specific_same_household' && x.householdNo === householdNo && specific.includes(x.atenaNo) && x.validFrom <= ref && (x.validTo === null || ref < x.validTo))
        .map((x) => x.validFrom)
        .sort()[0];
      const insuredThatDay = views[days.indexOf(ref)]!.members.length;
      if (since) household.input.specificHousehold = specificHouseholdOn(since, ref, insuredThatDay, params);
    }
    out.push(household);
  }
  const separated = [...new Set(facts.statuses.filter((s) => s.kind === 'address_exception' && s.householdNo === householdNo && s.validFrom < end && (s.validTo === null || s.validTo > start)).map((s) => s.atenaNo))].sort((a, b) => a - b);
  for (const n of separated) {
    const own = days.map((d) => {
      const h = addressExceptionHouseholdOn(n, d, facts);
      const s = facts.statuses.find((x) => x.kind === 'address_exception' && x.atenaNo === n && x.validFrom <= d && (x.validTo === null || d < x.validTo));
      return h && s?.householdNo === householdNo ? [n] : [];
    });
    const unit = unitFrom(fiscalYear, householdNo, n, days, own, () => ({ taxpayer: n, pseudoHead: false, specific: [] }), persons, incomes, params);
    if (unit) out.push(unit);
  }
  return out;
}

/**
 * 特定世帯 / 特定継続世帯 on the 賦課期日 (地方税法施行令 56条の89; judged on the reference day): a household
 * with exactly one insured person beside a 特定同一世帯所属者 is 特定世帯 from the month that person became
 * one (`since`, the status period's first day) through the month `tax.specific_household_months` (60)
 * later, then 特定継続世帯 for `tax.specific_continuing_household_months` (36) more; afterwards neither.
 * The head changing ends the status period itself (nhi-household.rules.ts), so it ends this too.
 */
export function specificHouseholdOn(since: string, day: string, insuredCount: number, params: LawParams = lawParams()): 'specific' | 'continuing' | 'none' {
  if (insuredCount !== 1) return 'none';
  const month = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7));
  const elapsed = month(day) - month(since);
  const specificMonths = params.integer('tax.specific_household_months', day);
  if (elapsed <= specificMonths) return 'specific';
  if (elapsed <= specificMonths + params.integer('tax.specific_continuing_household_months', day)) return 'continuing';
  return 'none';
}
