import { Decimal } from '../../lib/decimal.js';
import { lawParams, ParamError, type LawParams } from '../../platform/params/law-params.js';
import { addDays, ageOn, birthdayAtAge } from '../eligibility/eligibility.rules.js';
import { agedForPension, basicDeduction, oldProvisoIncome, personIncome, type PersonIncome } from './income.rules.js';
import type { MemberInput, TaxInput } from './tax.input.js';
import { formatWareki } from '../../lib/wareki.js';
import { fiscalYearOf } from '../../platform/params/law-params.js';

/**
 * 国民健康保険税 (地方税法 703条の4) of one household for one 年度, as pure rules: the same code the
 * assessment batch will run, fed here from a calculator's input. Every figure comes from the law
 * parameters in force on the 年度's 4月1日 (or from the input's `municipality`), and every step leaves
 * an explanation line (formula, amount, legal reference with the parameter key).
 *
 * Per part (医療分・支援分・介護分・子ども・子育て支援金分): 所得割 (旧ただし書き所得 × rate, per insured
 * person, summed) + 資産割 + 均等割 + 平等割 − reductions, capped at the part's limit, then truncated
 * to 100 yen. Reductions: 法定軽減 7/5/2割 of 均等割 and 平等割 (施行令 56条の89), 特定世帯 1/2 and
 * 特定継続世帯 1/4 of 平等割 (医療分・支援分, before the 法定軽減), 未就学児 1/2 of the reduced 均等割
 * (医療分・支援分), the 子育て分 均等割 of under-18s in full. Amounts below 1 yen are truncated where a
 * component is summed (the payable 均等割 and 平等割 in the taxpayer's favour); 月割 by birth date for
 * the 40/65/75 boundaries (介護分 from the month one reaches 40 to the month before one reaches 65;
 * NHI up to the month before the 75th birthday's month).
 */

export const PART_KEYS = ['medical', 'support', 'care', 'childSupport'] as const;
export type PartKey = (typeof PART_KEYS)[number];

export const PART_LABELS: Record<PartKey, string> = {
  medical: '医療分',
  support: '支援分',
  care: '介護分',
  childSupport: '子ども・子育て支援金分',
};

/** The key prefix of each part in the city files (city_tax.yaml, cities/<name>.yaml). */
const PART_PARAM: Record<PartKey, string> = { medical: 'medical', support: 'support', care: 'care', childSupport: 'child_support' };
const NATIONAL_LIMIT: Record<PartKey, string> = { medical: 'tax.limit_medical', support: 'tax.limit_support', care: 'tax.limit_care', childSupport: 'tax.limit_child_support' };

export type Reduction = '7割' | '5割' | '2割' | 'なし';

export interface Line {
  label: string;
  formula: string;
  amount: number;
  reference: string;
  /** What `amount` counts when it is not yen: 人 (a number of persons), or — (a judgement, no amount). */
  unit?: '人' | '—';
}

export interface PartResult {
  incomeLevy: number;
  assetLevy: number;
  /** 均等割 before reductions (18歳以上被保険者均等割額 included). */
  perCapita: number;
  /** 平等割 before reductions. */
  perHousehold: number;
  /** Every reduction of this part: 法定軽減, 特定世帯, 未就学児, 18歳未満 (子育て分). */
  reductionAmount: number;
  reductions: { legal: number; specificHousehold: number; preschool: number; minor: number; perinatal: number };
  beforeLimit: number;
  limit: number;
  amount: number;
}

export interface TaxResult {
  fiscalYear: number;
  municipality: string;
  reduction: Reduction;
  parts: Partial<Record<PartKey, PartResult>>;
  total: number;
  members: { label: string; insured: boolean; totalIncome: number; taxableIncome: number; reductionIncome: number; earner: boolean }[];
  lines: Line[];
}

/** The rates of one part for one 年度, each with where it came from. */
export interface PartRates {
  incomeRate: Decimal;
  assetRate: Decimal;
  perCapita: number;
  perHousehold: number;
  adultPerCapita: number;
  limit: number;
  ref: { incomeRate: string; assetRate: string; perCapita: string; perHousehold: string; adultPerCapita: string; limit: string };
}

export interface Municipality {
  name: string;
  parts: Partial<Record<PartKey, PartRates>>;
}

const yen = (n: number) => n.toLocaleString('en-US');
const pct = (d: Decimal) => d.toPercent();

/** `法令 [key]` for a parameter in force on `date`. */
function ref(params: LawParams, key: string, date: string): string {
  return `${params.entry(key, date).law} [${key}]`;
}

/** The fiscal year's rates: from the input's `municipality`, or the configured city's (or `cities.<city>`) law parameters. */
export function resolveMunicipality(input: Pick<TaxInput, 'fiscalYear' | 'municipality' | 'city'>, params: LawParams = lawParams()): Municipality {
  const date = `${input.fiscalYear}-04-01`;
  const parts: Partial<Record<PartKey, PartRates>> = {};
  const childSupportExists = params.find('tax.child_support_minor_reduction_ratio', date) !== null;
  if (input.municipality) {
    for (const key of PART_KEYS) {
      const p = input.municipality.parts[key];
      if (!p) continue;
      if (key === 'childSupport' && !childSupportExists) throw new ParamError(`municipality.parts.childSupport: 子ども・子育て支援金分は令和8年度(2026年度)からです`);
      const at = `municipality.parts.${key}`;
      parts[key] = {
        incomeRate: Decimal.parse(p.incomeRate),
        assetRate: Decimal.parse(p.assetRate ?? '0'),
        perCapita: p.perCapita,
        perHousehold: p.perHousehold ?? 0,
        adultPerCapita: 'adultPerCapita' in p ? (p.adultPerCapita ?? 0) : 0,
        limit: p.limit ?? params.yen(NATIONAL_LIMIT[key], date),
        ref: {
          incomeRate: `入力 ${at}.incomeRate`,
          assetRate: `入力 ${at}.assetRate`,
          perCapita: `入力 ${at}.perCapita`,
          perHousehold: `入力 ${at}.perHousehold`,
          adultPerCapita: `入力 ${at}.adultPerCapita`,
          limit: p.limit !== undefined ? `入力 ${at}.limit` : `${ref(params, NATIONAL_LIMIT[key], date)}(入力に限度額がないため全国の賦課限度額)`,
        },
      };
    }
    return { name: input.municipality.name ?? '(入力の市町村)', parts };
  }
  const prefix = input.city ? `cities.${input.city}` : 'city_tax';
  if (input.city && !params.defs.has(`${prefix}.city_name`)) throw new ParamError(`city: config/law/cities/${input.city}.yaml がありません`);
  for (const key of PART_KEYS) {
    const k = (name: string) => `${prefix}.${PART_PARAM[key]}_${name}`;
    if (!params.defs.has(k('income_rate'))) continue;
    if (params.find(k('income_rate'), date) === null) {
      // A part that starts later (子育て分) is simply not levied yet; the city's ordinary parts must have a value.
      if (key === 'childSupport') continue;
      params.entry(k('income_rate'), date);
    }
    const has = (name: string) => params.defs.has(k(name)) && params.find(k(name), date) !== null;
    parts[key] = {
      incomeRate: params.rate(k('income_rate'), date),
      assetRate: has('asset_rate') ? params.rate(k('asset_rate'), date) : ZERO,
      perCapita: params.yen(k('per_capita'), date),
      perHousehold: has('per_household') ? params.yen(k('per_household'), date) : 0,
      adultPerCapita: has('adult_per_capita') ? params.yen(k('adult_per_capita'), date) : 0,
      limit: has('limit') ? params.yen(k('limit'), date) : params.yen(NATIONAL_LIMIT[key], date),
      ref: {
        incomeRate: ref(params, k('income_rate'), date),
        assetRate: has('asset_rate') ? ref(params, k('asset_rate'), date) : '資産割なし',
        perCapita: ref(params, k('per_capita'), date),
        perHousehold: has('per_household') ? ref(params, k('per_household'), date) : '平等割なし',
        adultPerCapita: has('adult_per_capita') ? ref(params, k('adult_per_capita'), date) : '18歳以上被保険者均等割額なし',
        limit: has('limit') ? ref(params, k('limit'), date) : `${ref(params, NATIONAL_LIMIT[key], date)}(市の限度額が未登録のため全国の賦課限度額)`,
      },
    };
  }
  return { name: params.text(`${prefix}.city_name`, date), parts };
}

// ---- the people ----

const firstOfMonth = (iso: string) => `${iso.slice(0, 7)}-01`;

/** The 12 months of a 年度 (their first days). */
export function fiscalMonths(fiscalYear: number): string[] {
  return Array.from({ length: 12 }, (_, i) => {
    const m = ((i + 3) % 12) + 1;
    const y = i < 9 ? fiscalYear : fiscalYear + 1;
    return `${y}-${String(m).padStart(2, '0')}-01`;
  });
}

/** The last day of the month that starts on `first` (YYYY-MM-01). */
export function monthEnd(first: string): string {
  const y = Number(first.slice(0, 4));
  const m = Number(first.slice(5, 7));
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return addDays(next, -1);
}

/**
 * 月割 (地方税法 703条の4; rules: from the month of 資格取得 to the month before the month of 資格喪失):
 * the months of the 年度 (their first days) whose last day falls in one of the half-open periods.
 * So a 喪失日 on the 1st (an event on the last day of the month before) charges that month before,
 * and an 取得 and 喪失 within one month charge nothing.
 */
export function chargedMonths(fiscalYear: number, periods: readonly { from: string; to?: string | null | undefined }[] | undefined): string[] {
  const { months, ends } = yearMonths(fiscalYear);
  if (periods === undefined) return months;
  return months.filter((_, i) => {
    const end = ends[i]!;
    return periods.some((p) => p.from <= end && (p.to === null || p.to === undefined || end < p.to));
  });
}

/**
 * The months of the 年度 a member is charged for (月割): those whose last day falls in an insured period,
 * from the month of birth and before the month of the 75th birthday (後期高齢者医療 from that day).
 */
export function chargedMonthsOf(m: Pick<MemberInput, 'birthDate' | 'age' | 'insuredPeriods'>, fiscalYear: number, params: LawParams = lawParams(), months = chargedMonths(fiscalYear, m.insuredPeriods)): string[] {
  const lateElderly = params.integer('eligibility.age_latter_elderly', `${fiscalYear}-04-01`);
  if (m.birthDate === undefined) return m.age! >= lateElderly ? [] : months;
  const lateFrom = firstOfMonth(birthdayAtAge(m.birthDate, lateElderly));
  const born = firstOfMonth(m.birthDate);
  return months.filter((mo) => mo >= born && mo < lateFrom);
}

/** The months of a 年度 and their last days (computed once per year: a batch asks for every person). */
const monthsByYear = new Map<number, { months: string[]; ends: string[] }>();
function yearMonths(fiscalYear: number): { months: string[]; ends: string[] } {
  let m = monthsByYear.get(fiscalYear);
  if (!m) {
    const months = fiscalMonths(fiscalYear);
    m = { months, ends: months.map(monthEnd) };
    monthsByYear.set(fiscalYear, m);
  }
  return { months: [...m.months], ends: m.ends };
}

/**
 * The first day of the month in which one reaches `age` — 年齢計算ニ関スル法律: one reaches it on the day
 * before the birthday, so someone born on the 1st reaches it in the month before (no date arithmetic:
 * a batch asks it for every person).
 */
function monthReached(birthDate: string, age: number): string {
  const birthday = birthdayAtAge(birthDate, age);
  if (!birthday.endsWith('-01')) return `${birthday.slice(0, 7)}-01`;
  const y = Number(birthday.slice(0, 4));
  const m = Number(birthday.slice(5, 7));
  return m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
}

interface Person {
  index: number;
  label: string;
  input: MemberInput;
  /** Age on 4月1日 (for 未就学児 and 18歳未満: the status holds for the whole 年度). */
  ageAtStart: number;
  /** 65 or over at the end of 12月31日 of the income year (公的年金等控除, the 15万円 rule of the 軽減 test). */
  aged65Pension: boolean;
  /** Months of the 年度 the person is insured (up to the month before the 75th birthday's; from the birth month). */
  months: number;
  /** Months the person is a 介護保険第2号被保険者 (40–64) while insured. */
  careMonths: number;
  /** The months counted in `months` / `careMonths` (their first days). */
  chargedList: string[];
  careList: string[];
  /** Of `months` / `careMonths`: those in the 産前産後期間 (所得割 and 均等割 not charged). */
  perinatalMonths: number;
  perinatalCareMonths: number;
  perinatal: ReadonlySet<string>;
  /** Months of the 年度 (first days) in the 非自発的失業 period: 給与所得 × 30/100 (all 12 for `involuntaryUnemployment`). */
  unemployed: ReadonlySet<string>;
  /** The incomes with 給与所得 × 30/100, used for the months in `unemployed` (null: none). */
  reduced: { income: PersonIncome; taxableIncome: number; reductionIncome: number } | null;
  income: PersonIncome;
  taxableIncome: number;
  reductionIncome: number;
  earner: boolean;
}

/** The 65歳以上 公的年金等 special deduction of the 軽減 judgement (施行令 56条の89). */
const special65Of = (aged65Pension: boolean, inc: PersonIncome, start: string, params: LawParams) =>
  aged65Pension ? Math.min(inc.pension.income, params.yen('tax.pension_deduction_65_for_reduction', start)) : 0;

/** No month (a person without a 産前産後 or 非自発的失業 period): shared, never added to. */
const NO_MONTHS: ReadonlySet<string> = new Set();

function describePeople(input: TaxInput, params: LawParams): Person[] {
  const fy = input.fiscalYear;
  const start = `${fy}-04-01`;
  const incomeYear = fy - 1;
  const careFrom = params.integer('tax.care_age_from', start);
  const careUntil = params.integer('tax.care_age_until', start);
  const lateElderly = params.integer('eligibility.age_latter_elderly', start);
  return input.members.map((m, index) => {
    const months = chargedMonths(fy, m.insuredPeriods);
    const label = m.label ?? (m.head ? '世帯主' : `世帯員${index + 1}`);
    let ageAtStart: number;
    let aged65Pension: boolean;
    let careList: string[];
    const chargedList = chargedMonthsOf(m, fy, params, months);
    if (m.birthDate !== undefined) {
      ageAtStart = Math.max(0, ageOn(m.birthDate, start));
      aged65Pension = agedForPension(ageOn(m.birthDate, `${incomeYear + 1}-01-01`), incomeYear, params);
      const careStart = monthReached(m.birthDate, careFrom);
      const careEnd = monthReached(m.birthDate, careUntil);
      careList = chargedList.filter((mo) => mo >= careStart && mo < careEnd);
    } else {
      ageAtStart = m.age!;
      aged65Pension = agedForPension(m.age!, incomeYear, params);
      careList = m.age! >= careFrom && m.age! < careUntil ? chargedList : [];
    }
    const insuredMonths = chargedList.length;
    const careMonths = careList.length;
    if (m.insured && insuredMonths === 0) {
      throw new ParamError(`members[${index}]: ${lateElderly}歳以上(またはこの年度に国保の月がない人)は国保の被保険者として計算できません(insured を false にしてください)`);
    }
    const perinatal = m.childbirth ? perinatalPeriod(m.childbirth, params) : NO_MONTHS;
    // 非自発的失業: the whole 年度 (the boolean, or a period covering it) reduces the person's income
    // itself, as the calculator always did; a period starting during the 年度 keeps a second, reduced
    // income for its months.
    const period = m.unemployment ? unemploymentPeriod(m.unemployment.from, fy, params) : NO_MONTHS;
    const yearList = yearMonths(fy).months;
    const whole = (m.involuntaryUnemployment ?? false) || (period.size > 0 && yearList.every((mo) => period.has(mo)));
    const income = personIncome(m.income ?? {}, incomeYear, aged65Pension, { involuntaryUnemployment: whole, fiscalDate: start }, params);
    const special65 = special65Of(aged65Pension, income, start, params);
    const taxableIncome = m.insured ? oldProvisoIncome(income.total, start, params) : 0;
    let reduced: Person['reduced'] = null;
    if (whole) reduced = { income, taxableIncome, reductionIncome: income.total - special65 };
    else if (period.size > 0) {
      const r = personIncome(m.income ?? {}, incomeYear, aged65Pension, { involuntaryUnemployment: true, fiscalDate: start }, params);
      reduced = { income: r, taxableIncome: m.insured ? oldProvisoIncome(r.total, start, params) : 0, reductionIncome: r.total - special65Of(aged65Pension, r, start, params) };
    }
    const salaryRev = m.income?.salaryRevenue ?? 0;
    const pensionRev = m.income?.pensionRevenue ?? 0;
    const earner =
      salaryRev > params.yen('tax.salary_earner_revenue_threshold', start) ||
      (pensionRev > 0 && pensionRev > params.yen(aged65Pension ? 'tax.pension_earner_revenue_threshold_65' : 'tax.pension_earner_revenue_threshold_under_65', start));
    return {
      index,
      label,
      input: m,
      ageAtStart,
      aged65Pension,
      months: m.insured ? insuredMonths : 0,
      careMonths: m.insured ? careMonths : 0,
      chargedList: m.insured ? chargedList : [],
      careList: m.insured ? careList : [],
      perinatalMonths: m.insured && m.childbirth ? chargedList.filter((mo) => perinatal.has(mo)).length : 0,
      perinatalCareMonths: m.insured && m.childbirth ? careList.filter((mo) => perinatal.has(mo)).length : 0,
      perinatal,
      unemployed: whole ? new Set(yearList) : period,
      reduced,
      income,
      taxableIncome,
      reductionIncome: income.total - special65,
      earner,
    };
  });
}

// ---- 法定軽減 ----

interface ReductionJudgement {
  reduction: Reduction;
  ratio: Decimal;
  lines: Line[];
}

/** One person's incomes as the 軽減 judgement of some months counts them (reduced in a 非自発的失業 month). */
type JudgedIncome = (p: Person) => { total: number; reductionIncome: number; partial?: boolean };
const ordinaryIncome: JudgedIncome = (p) => ({ total: p.income.total, reductionIncome: p.reductionIncome });

function judgeReduction(people: Person[], fy: number, params: LawParams, explain: boolean, incomeOf: JudgedIncome = ordinaryIncome, suffix = ''): ReductionJudgement {
  const date = `${fy}-04-01`;
  const L = (label: string, formula: string, amount: number, reference: string): Line => ({ label: `${label}${suffix}`, formula, amount, reference });
  // 世帯主 (擬制世帯主 included), insured members and 特定同一世帯所属者.
  const counted = people.filter((p) => p.input.head || p.input.insured || p.input.formerInsuredToLatterElderly);
  const unreported = counted.filter((p) => p.input.reported === false);
  const law = ref(params, 'tax.reduction_base', date);
  if (unreported.length > 0) {
    return {
      reduction: 'なし',
      ratio: ZERO,
      lines: !explain ? [] : [L('法定軽減の判定', `未申告: ${unreported.map((p) => p.label).join('、')}(所得が判らないため軽減なし)`, 0, `${law}(世帯主・被保険者・特定同一世帯所属者の所得の申告が必要)`)],
    };
  }
  const income = counted.reduce((s, p) => s + Math.max(0, incomeOf(p).reductionIncome), 0);
  const earners = counted.filter((p) => p.earner).length;
  const persons = people.filter((p) => p.input.insured || p.input.formerInsuredToLatterElderly).length;
  const base = params.yen('tax.reduction_base', date) + params.yen('tax.reduction_per_earner', date) * Math.max(0, earners - 1);
  const five = base + params.yen('tax.reduction_per_person_5', date) * persons;
  const two = base + params.yen('tax.reduction_per_person_2', date) * persons;
  const lines: Line[] = [];
  const parts = !explain
    ? []
    : counted.map((p) => {
        const { total, reductionIncome } = incomeOf(p);
        const special = total - reductionIncome;
        return `${p.label} ${yen(total)}${special > 0 ? ` − 年金特別控除 ${yen(special)}` : ''}${incomeOf(p).partial ? '(非自発的失業: 給与所得 × 30/100)' : ''}`;
      });
  if (explain) lines.push(L('軽減判定所得', parts.join(' + '), income, `${ref(params, 'tax.pension_deduction_65_for_reduction', date)}(世帯主・被保険者・特定同一世帯所属者の総所得金額等の合計。65歳以上の公的年金等所得から更に控除)`));
  if (explain) lines.push({ ...L('給与所得者等の数', counted.filter((p) => p.earner).map((p) => p.label).join('、') || '0人', earners, `${ref(params, 'tax.salary_earner_revenue_threshold', date)}; [tax.pension_earner_revenue_threshold_under_65] [tax.pension_earner_revenue_threshold_65]`), unit: '人' });
  if (explain) lines.push(L('7割軽減の基準額', `${yen(params.yen('tax.reduction_base', date))} + ${yen(params.yen('tax.reduction_per_earner', date))} × (${earners} − 1)`, base, `${law} [tax.reduction_per_earner]`));
  if (explain) lines.push(L('5割軽減の基準額', `${yen(base)} + ${yen(params.yen('tax.reduction_per_person_5', date))} × ${persons}人(被保険者と特定同一世帯所属者)`, five, ref(params, 'tax.reduction_per_person_5', date)));
  if (explain) lines.push(L('2割軽減の基準額', `${yen(base)} + ${yen(params.yen('tax.reduction_per_person_2', date))} × ${persons}人`, two, ref(params, 'tax.reduction_per_person_2', date)));
  const reduction: Reduction = income <= base ? '7割' : income <= five ? '5割' : income <= two ? '2割' : 'なし';
  const ratioKey = reduction === '7割' ? 'tax.reduction_ratio_7' : reduction === '5割' ? 'tax.reduction_ratio_5' : reduction === '2割' ? 'tax.reduction_ratio_2' : null;
  const ratio = ratioKey ? params.rate(ratioKey, date) : ZERO;
  if (explain) lines.push({ ...L('法定軽減の判定', `軽減判定所得 ${yen(income)} → ${reduction === 'なし' ? '軽減なし(2割軽減の基準額を超える)' : `${reduction}軽減(基準額以下)`}`, 0, ratioKey ? ref(params, ratioKey, date) : law), unit: '—' });
  return { reduction, ratio, lines };
}

/**
 * The 法定軽減 of each month of the 年度. Without a 非自発的失業 period starting during the 年度 there is
 * one judgement (on 4月1日, 施行令 56条の89). With one, the months of the period are judged with the
 * reduced 給与所得 (給与所得 × 30/100 counts for the 軽減 judgement too) and the months before it with
 * the ordinary incomes: one judgement per run of months whose reduced persons are the same.
 */
interface MonthJudgements {
  runs: { months: string[]; judgement: ReductionJudgement }[];
  /** The share kept after the 法定軽減 (1 − ratio), by month. */
  keep: ReadonlyMap<string, Decimal>;
  lines: Line[];
}

const monthLabel = (first: string) => formatWareki(first).replace(/\d+日$/, '');
const monthsLabel = (ms: readonly string[]) => {
  const first = ms[0]!;
  const last = ms.at(-1)!;
  if (first === last) return monthLabel(first);
  return `${monthLabel(first)}〜${first.slice(0, 4) === last.slice(0, 4) ? `${Number(last.slice(5, 7))}月` : monthLabel(last)}`;
};

function judgeMonths(people: Person[], fy: number, params: LawParams, explain: boolean): MonthJudgements {
  const groups = new Map<string, string[]>();
  if (!people.some((p) => p.unemployed.size > 0)) groups.set('', [...yearMonths(fy).months]); // nobody's period: one judgement
  else {
    for (const mo of yearMonths(fy).months) {
      const key = people.filter((p) => p.unemployed.has(mo)).map((p) => p.index).join(',');
      const list = groups.get(key);
      if (list) list.push(mo);
      else groups.set(key, [mo]);
    }
  }
  const many = groups.size > 1;
  const runs = [...groups.values()].map((months) => {
    const mo = months[0]!;
    const incomeOf: JudgedIncome = (p) =>
      p.reduced && p.unemployed.has(mo) && p.reduced.income !== p.income ? { total: p.reduced.income.total, reductionIncome: p.reduced.reductionIncome, partial: true } : ordinaryIncome(p);
    return { months, judgement: judgeReduction(people, fy, params, explain, incomeOf, many ? `(${monthsLabel(months)}分)` : '') };
  });
  const keep = new Map<string, Decimal>();
  for (const r of runs) for (const mo of r.months) keep.set(mo, ONE.minus(r.judgement.ratio));
  return { runs, keep, lines: runs.flatMap((r) => r.judgement.lines) };
}

// ---- one part ----

/** floor(x / 12) for a non-negative exact value. */
const twelfth = (x: Decimal) => Math.floor(x.floorTo(1) / 12);
const ONE = Decimal.ofInteger(1);
const ZERO = Decimal.ofInteger(0);

// The helpers of calculatePart, at module level: a closure made per call gets its name set each time
// under the TypeScript loader (keepNames), which a batch of a million persons pays millions of times.
const monthsOf = (key: PartKey, p: Person) => (key === 'care' ? p.careMonths : p.months);
const perinatalOf = (key: PartKey, p: Person) => (key === 'care' ? p.perinatalCareMonths : p.perinatalMonths);
const listOf = (key: PartKey, p: Person) => (key === 'care' ? p.careList : p.chargedList);
/** 非自発的失業: of the charged months (or of those outside the 産前産後期間), how many are in the period. */
const unemployedOf = (key: PartKey, p: Person, outsidePerinatal = false) =>
  p.reduced === null ? 0 : listOf(key, p).filter((mo) => p.unemployed.has(mo) && !(outsidePerinatal && p.perinatal.has(mo))).length;
/** 旧ただし書き所得 × rate × months, the months of the 非自発的失業 period at the reduced income. */
const income12Of = (incomeRate: Decimal, p: Person, months: number, unemployed: number) =>
  Decimal.ofInteger(p.taxableIncome).times(months - unemployed).plus(Decimal.ofInteger(p.reduced?.taxableIncome ?? 0).times(unemployed)).times(incomeRate);
/** Σ over months of the share kept after the 法定軽減 of that month. */
const keepOver = (judgements: MonthJudgements, months: readonly string[]) =>
  months.length === 0
    ? ZERO
    : judgements.runs.length === 1
      ? judgements.keep.get(months[0]!)!.times(months.length) // one judgement: the same share every month
      : months.reduce((s, mo) => s.plus(judgements.keep.get(mo)!), ZERO);
const monthlyRatios = (judgements: MonthJudgements) => judgements.runs.map((r) => `${monthsLabel(r.months)} ${pct(r.judgement.ratio)}(${r.months.length}/12)`).join('、');
const addLine = (lines: Line[], part: string, label: string, formula: string, amount: number, reference: string) => lines.push({ label: `${part} ${label}`, formula, amount, reference });
const prorated = (key: PartKey, p: Person) => (monthsOf(key, p) < 12 ? ` × ${monthsOf(key, p)}/12` : '');
const sumOf = (terms: string[]) => (terms.length > 1 ? `(${terms.join(' + ')})` : terms[0]!);
const incomeTerm = (key: PartKey, p: Person) => {
  const u = unemployedOf(key, p);
  if (u === 0 || p.reduced!.income === p.income) return `${yen(p.taxableIncome)}${prorated(key, p)}`;
  const rest = monthsOf(key, p) - u;
  return `${rest > 0 ? `${yen(p.taxableIncome)} × ${rest}/12 + ` : ''}非自発的失業 ${yen(p.reduced!.taxableIncome)} × ${u}/12`;
};

function calculatePart(key: PartKey, rates: PartRates, people: Person[], judgements: MonthJudgements, specific: 'specific' | 'continuing' | 'none', fy: number, params: LawParams, explain: boolean): { result: PartResult; lines: Line[] } | null {
  const date = `${fy}-04-01`;
  const name = PART_LABELS[key];
  const single = judgements.runs.length === 1 ? judgements.runs[0]!.judgement : null;
  const levied = people.filter((p) => p.input.insured && monthsOf(key, p) > 0);
  if (levied.length === 0) return null;
  const lines: Line[] = [];

  // 所得割: Σ 旧ただし書き所得 × rate × months/12
  const income12 = levied.reduce((s, p) => s.plus(income12Of(rates.incomeRate, p, monthsOf(key, p), unemployedOf(key, p))), ZERO);
  const incomeLevy = twelfth(income12);
  const partial = levied.some((p) => unemployedOf(key, p) > 0 && p.reduced!.income !== p.income);
  if (explain) addLine(lines, name, '所得割', `${sumOf(levied.map((p) => incomeTerm(key, p)))} × ${pct(rates.incomeRate)}`, incomeLevy, `地方税法 第703条の4; ${rates.ref.incomeRate}; 所得割の基礎: [tax.basic_deduction]${partial ? '; 非自発的失業(地方税法 第703条の5の2) [tax.involuntary_unemployment_salary_ratio] [tax.involuntary_unemployment_period_years_after]' : ''}`);

  // 資産割
  let assetLevy = 0;
  if (rates.assetRate.compare(ZERO) > 0) {
    const asset12 = levied.reduce((s, p) => s.plus(Decimal.ofInteger(p.input.fixedAssetTax ?? 0).times(rates.assetRate).times(monthsOf(key, p))), ZERO);
    assetLevy = twelfth(asset12);
    if (explain) addLine(lines, name, '資産割', `${sumOf(levied.map((p) => `${yen(p.input.fixedAssetTax ?? 0)}${prorated(key, p)}`))} × ${pct(rates.assetRate)}`, assetLevy, `地方税法 第703条の4; ${rates.ref.assetRate}`);
  }

  // 均等割 and its reductions, per person in twelfths.
  const preschoolRatio = params.find('tax.preschool_reduction_ratio', date)?.value as Decimal | undefined;
  const minorRatio = key === 'childSupport' ? (params.rate('tax.child_support_minor_reduction_ratio', date) as Decimal) : undefined;
  let gross = ZERO;
  let afterLegal = ZERO;
  let afterPreschool = ZERO;
  let afterMinor = ZERO;
  let afterPerinatal = ZERO;
  let adults = 0;
  let preschoolers = 0;
  let minors = 0;
  for (const p of levied) {
    const minor = minorRatio !== undefined && p.ageAtStart < 18;
    const adultAddOn = key === 'childSupport' && !minor ? rates.adultPerCapita : 0;
    if (adultAddOn > 0) adults++;
    const g = Decimal.ofInteger(rates.perCapita + adultAddOn).times(monthsOf(key, p));
    const legal = Decimal.ofInteger(rates.perCapita + adultAddOn).times(keepOver(judgements, listOf(key, p)));
    const preschool = (key === 'medical' || key === 'support') && preschoolRatio !== undefined && p.ageAtStart < 6;
    if (preschool) preschoolers++;
    const pre = preschool ? legal.times(ONE.minus(preschoolRatio)) : legal;
    if (minor) minors++;
    const min = minor ? pre.times(ONE.minus(minorRatio)) : pre;
    // 産前産後: the same 均等割, after every reduction above, for the months outside the period only.
    let rest = min;
    if (p.perinatal.size > 0) {
      rest = Decimal.ofInteger(rates.perCapita + adultAddOn).times(keepOver(judgements, listOf(key, p).filter((mo) => !p.perinatal.has(mo))));
      if (preschool) rest = rest.times(ONE.minus(preschoolRatio));
      if (minor) rest = rest.times(ONE.minus(minorRatio));
    }
    afterPerinatal = afterPerinatal.plus(rest);
    gross = gross.plus(g);
    afterLegal = afterLegal.plus(legal);
    afterPreschool = afterPreschool.plus(pre);
    afterMinor = afterMinor.plus(min);
  }
  const perCapita = twelfth(gross);
  const legalPc = perCapita - twelfth(afterLegal);
  const preschoolPc = twelfth(afterLegal) - twelfth(afterPreschool);
  const minorPc = twelfth(afterPreschool) - twelfth(afterMinor);
  if (explain) addLine(lines, name, 
    '均等割',
    `${yen(rates.perCapita)} × ${levied.length}人` + (adults > 0 ? ` + 18歳以上被保険者均等割額 ${yen(rates.adultPerCapita)} × ${adults}人` : '') + (levied.some((p) => monthsOf(key, p) < 12) ? '(月割あり)' : ''),
    perCapita,
    `地方税法 第703条の4; ${rates.ref.perCapita}${adults > 0 ? `; ${rates.ref.adultPerCapita}` : ''}`,
  );

  // 平等割: 特定世帯 / 特定継続世帯 (医療分・支援分) first, then the 法定軽減.
  const perHousehold = rates.perHousehold;
  let specificPh = 0;
  let legalPh = 0;
  if (perHousehold > 0) {
    if (explain) addLine(lines, name, '平等割', `${yen(perHousehold)} × 1世帯`, perHousehold, `地方税法 第703条の4; ${rates.ref.perHousehold}`);
    let ph = Decimal.ofInteger(perHousehold);
    if ((key === 'medical' || key === 'support') && specific !== 'none') {
      const k = specific === 'specific' ? 'tax.specific_household_per_household_reduction' : 'tax.specific_continuing_household_per_household_reduction';
      const r = params.rate(k, date);
      ph = ph.times(ONE.minus(r));
      specificPh = perHousehold - ph.floorTo(1);
      if (explain) addLine(lines, name, specific === 'specific' ? '特定世帯の軽減(平等割)' : '特定継続世帯の軽減(平等割)', `${yen(perHousehold)} × ${pct(r)}`, -specificPh, ref(params, k, date));
    }
    const afterSpecific = ph.floorTo(1);
    // 平等割 is not prorated; with several judgements in the 年度, each month's twelfth is reduced by its own.
    legalPh = afterSpecific - (single ? ph.times(ONE.minus(single.ratio)).floorTo(1) : twelfth(ph.times(keepOver(judgements, yearMonths(fy).months))));
    if (explain && legalPh > 0) addLine(lines, name, `法定軽減 ${single ? single.reduction : '(月ごと)'}(平等割)`, single ? `${yen(afterSpecific)} × ${pct(single.ratio)}` : `${yen(afterSpecific)} × ${monthlyRatios(judgements)}`, -legalPh, `地方税法施行令 第56条の89 [tax.reduction_ratio_*]`);
  }
  if (explain && legalPc > 0) addLine(lines, name, `法定軽減 ${single ? single.reduction : '(月ごと)'}(均等割)`, single ? `${yen(perCapita)} × ${pct(single.ratio)}` : `${yen(perCapita)} の各月分 × ${monthlyRatios(judgements)}`, -legalPc, `地方税法施行令 第56条の89 [tax.reduction_ratio_*]${single ? '' : '; 非自発的失業(地方税法 第703条の5の2) [tax.involuntary_unemployment_salary_ratio]'}`);
  if (explain && preschoolPc > 0) addLine(lines, name, '未就学児の軽減(均等割)', `未就学児 ${preschoolers}人の軽減後の均等割 × ${pct(preschoolRatio!)}`, -preschoolPc, ref(params, 'tax.preschool_reduction_ratio', date));
  if (explain && minorPc > 0) addLine(lines, name, '18歳未満の均等割の軽減', `18歳未満 ${minors}人の均等割 × ${pct(minorRatio!)}`, -minorPc, ref(params, 'tax.child_support_minor_reduction_ratio', date));

  // 産前産後期間の減額 (地方税法 703条の5の3): the mother's 所得割 and (reduced) 均等割 of those months.
  const mothers = levied.filter((p) => perinatalOf(key, p) > 0);
  let perinatal = 0;
  if (mothers.length > 0) {
    const incomeRest12 = levied.reduce((s, p) => s.plus(income12Of(rates.incomeRate, p, monthsOf(key, p) - perinatalOf(key, p), unemployedOf(key, p, true))), ZERO);
    const perinatalIncome = incomeLevy - twelfth(incomeRest12);
    const perinatalPc = twelfth(afterMinor) - twelfth(afterPerinatal);
    perinatal = perinatalIncome + perinatalPc;
    if (explain && perinatal > 0)
      addLine(lines, name, 
        '産前産後期間の減額(所得割・均等割)',
        `${mothers.map((p) => `${p.label} ${perinatalOf(key, p)}か月分`).join('、')}: 所得割 ${yen(perinatalIncome)} + 均等割 ${yen(perinatalPc)}`,
        -perinatal,
        `地方税法 第703条の5の3 [tax.perinatal_months_before_single] [tax.perinatal_months_before_multiple] [tax.perinatal_months_after]`,
      );
  }

  const reductions = { legal: legalPc + legalPh, specificHousehold: specificPh, preschool: preschoolPc, minor: minorPc, perinatal };
  const reductionAmount = reductions.legal + reductions.specificHousehold + reductions.preschool + reductions.minor + reductions.perinatal;
  const beforeLimit = incomeLevy + assetLevy + perCapita + perHousehold - reductionAmount;
  const capped = Math.min(beforeLimit, rates.limit);
  if (explain && capped < beforeLimit) addLine(lines, name, '課税限度額', `${yen(beforeLimit)} → 限度額 ${yen(rates.limit)}`, rates.limit, `地方税法 第703条の4; ${rates.ref.limit}`);
  const unit = params.yen('tax.rounding_unit', date);
  const amount = Math.floor(capped / unit) * unit;
  if (explain) addLine(lines, name, '税額', `${yen(capped)}(${yen(unit)}円未満切捨て)`, amount, ref(params, 'tax.rounding_unit', date));
  return { result: { incomeLevy, assetLevy, perCapita, perHousehold, reductionAmount, reductions, beforeLimit, limit: rates.limit, amount }, lines };
}

/** 特定世帯: one insured person left beside a 特定同一世帯所属者 (unless the input says otherwise). */
function specificHouseholdOf(input: TaxInput): 'specific' | 'continuing' | 'none' {
  if (input.specificHousehold) return input.specificHousehold;
  const insured = input.members.filter((m) => m.insured).length;
  return insured === 1 && input.members.some((m) => m.formerInsuredToLatterElderly) ? 'specific' : 'none';
}

/** The whole calculation (the input already checked by `parseTaxInput`). */
export function calculateTax(input: TaxInput, params: LawParams = lawParams(), rates?: Municipality, opts: { explain?: boolean } = {}): TaxResult {
  // explain: false — the same amounts without the explanation lines (a batch over the city).
  const explain = opts.explain ?? true;
  const fy = input.fiscalYear;
  const date = `${fy}-04-01`;
  // `rates`: already resolved by the caller (a batch resolves the 年度's rates once, not per household).
  const municipality = rates ?? resolveMunicipality(input, params);
  const people = describePeople(input, params);
  const lines: Line[] = [];
  for (const p of explain ? people : []) {
    const inc = p.income;
    const ref1 = (k: string) => ref(params, k, `${fy - 1}-12-31`);
    if ((p.input.income?.salaryRevenue ?? 0) > 0) {
      lines.push({
        label: `給与所得(${p.label})`,
        formula: `給与収入 ${yen(p.input.income!.salaryRevenue!)}${inc.salary.tableRevenue !== p.input.income!.salaryRevenue ? `(別表第五 ${yen(inc.salary.tableRevenue)})` : ''} − 給与所得控除 ${yen(inc.salary.deduction)}${p.input.involuntaryUnemployment ? ` → 非自発的失業者 × ${pct(params.rate('tax.involuntary_unemployment_salary_ratio', date))}` : ''}`,
        amount: inc.salaryCounted,
        reference: `${ref1('income.salary_deduction_brackets')} [income.salary_deduction_minimum] [income.salary_table_steps]${p.input.involuntaryUnemployment ? ' [tax.involuntary_unemployment_salary_ratio]' : ''}`,
      });
    }
    if ((p.input.income?.pensionRevenue ?? 0) > 0) {
      lines.push({
        label: `公的年金等所得(${p.label})`,
        formula: `公的年金等収入 ${yen(p.input.income!.pensionRevenue!)} − 公的年金等控除 ${yen(inc.pension.deduction)}(${p.aged65Pension ? '65歳以上' : '65歳未満'})`,
        amount: inc.pension.income,
        reference: `${ref1('income.pension_deduction_brackets')} [income.pension_deduction_minimum_${p.aged65Pension ? '65' : 'under_65'}]`,
      });
    }
    if (p.input.insured) {
      const bd = basicDeduction(inc.total, date, params);
      lines.push({
        label: `所得割の基礎(${p.label})`,
        formula: `総所得金額等 ${yen(inc.total)} − 基礎控除 ${yen(bd)}`,
        amount: p.taxableIncome,
        reference: `${ref(params, 'tax.basic_deduction', date)} [tax.basic_deduction_reduced_*](旧ただし書き所得、0未満は0)`,
      });
    }
  }
  const judgements = judgeMonths(people, fy, params, explain);
  lines.push(...judgements.lines);
  const specific = specificHouseholdOf(input);
  const parts: Partial<Record<PartKey, PartResult>> = {};
  for (const key of PART_KEYS) {
    const rates = municipality.parts[key];
    if (!rates) continue;
    const r = calculatePart(key, rates, people, judgements, specific, fy, params, explain);
    if (!r) continue;
    parts[key] = r.result;
    lines.push(...r.lines);
  }
  const total = Object.values(parts).reduce((s, p) => s + p!.amount, 0);
  if (explain) lines.push({ label: '年税額', formula: (Object.keys(parts) as PartKey[]).map((k) => `${PART_LABELS[k]} ${yen(parts[k]!.amount)}`).join(' + '), amount: total, reference: '地方税法 第703条の4(区分ごとの税額の合計)' });
  return {
    fiscalYear: fy,
    municipality: municipality.name,
    // With several judgements in the 年度 (a 非自発的失業 period starting during it): the last month's.
    reduction: judgements.runs.at(-1)!.judgement.reduction,
    parts,
    total,
    members: people.map((p) => ({ label: p.label, insured: p.input.insured, totalIncome: p.income.total, taxableIncome: p.taxableIncome, reductionIncome: p.reductionIncome, earner: p.earner })),
    lines,
  };
}

/**
 * 産前産後期間 (地方税法 703条の5の3, from 2024-01): the months (first days) from
 * `tax.perinatal_months_before_single` (1; 多胎 `…_multiple`, 3) months before the month of (expected)
 * birth to `tax.perinatal_months_after` (2) months after; a month before the rule took effect is not in it
 * (a birth in 2023-11 reduces 2024-01 only).
 */
export function perinatalPeriod(birth: { month: string; multiple?: boolean | undefined }, params: LawParams): Set<string> {
  const index = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;
  const monthOf = (i: number) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01`;
  const b = index(birth.month);
  const out = new Set<string>();
  for (let i = b - 6; i <= b + 6; i++) {
    const day = monthOf(i);
    if (!params.find('tax.perinatal_months_after', day)) continue;
    const before = params.integer(birth.multiple ? 'tax.perinatal_months_before_multiple' : 'tax.perinatal_months_before_single', day);
    if (i >= b - before && i <= b + params.integer('tax.perinatal_months_after', day)) out.add(day);
  }
  return out;
}

/**
 * 非自発的失業者の軽減 (特例対象被保険者等, 地方税法 703条の5の2): the months (first days) of 年度 `fiscalYear`
 * from the month containing `from` (the day after 離職) to the end of the 年度
 * `tax.involuntary_unemployment_period_years_after` (1: the following 年度) after the one containing it.
 * Empty before the rule took effect (FY2010) or outside the period.
 */
export function unemploymentPeriod(from: string, fiscalYear: number, params: LawParams): Set<string> {
  const out = new Set<string>();
  const years = params.find('tax.involuntary_unemployment_period_years_after', from);
  if (!years) return out;
  const endFy = fiscalYearOf(from) + (years.value as number);
  if (fiscalYear > endFy) return out;
  const start = firstOfMonth(from);
  for (const mo of yearMonths(fiscalYear).months) if (mo >= start) out.add(mo);
  return out;
}
