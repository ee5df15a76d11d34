import { Decimal } from '../../lib/decimal.js';
import { lawParams, ParamError, type LawParams } from '../../platform/params/law-params.js';

/**
 * 所得の計算 for 国民健康保険税: what the tax of 年度 n reads from the income of calendar year n−1.
 * Pure functions of integer yen; every figure comes from config/law/income.yaml and tax.yaml, read by
 * the income year (給与所得控除, 公的年金等控除) or by the 年度 (基礎控除).
 *
 * - 給与所得 (所得税法 28条): revenue − 給与所得控除額, where the deduction is the year's bracket
 *   formula kept between its minimum (55万円; 65万円 from 2025 income) and maximum (195万円). Under
 *   660万円 the law's 別表第五 gives the income by steps: the revenue is first cut down to its step
 *   (4,000円 over most of the range: "4で割って千円未満を切り捨て" × 4), then the formula applies.
 * - 公的年金等所得 (所得税法 35条): revenue − 公的年金等控除額, the minimum depending on the age on
 *   12月31日 of the income year (65歳以上 110万円, else 60万円), reduced by 10万円/20万円 when the other
 *   income exceeds 1,000万円/2,000万円.
 * - 総所得金額等: the sum of the incomes (others already net of expenses); 旧ただし書き所得 (the 所得割
 *   base): 総所得金額等 − 基礎控除 (43万円; less above a 合計所得金額 of 2,400万円), never below 0.
 *
 * An income is never negative and always whole yen (1円未満 truncated).
 */

/** One step of a deduction formula: up to `upper` yen of revenue, deduction = revenue × rate + add. */
export interface Bracket {
  upper: number;
  rate: Decimal;
  add: number;
}

/** "1800000:0.4:-100000; 3600000:0.3:80000" → brackets (checked: increasing uppers, decimal rates). */
const parsedBrackets = new Map<string, Bracket[]>();
const parsedSteps = new Map<string, { from: number; step: number }[]>();

export function parseBrackets(key: string, text: string): Bracket[] {
  // The same few parameter texts for every person of a batch: parsed once each.
  const known = parsedBrackets.get(text);
  if (known) return known;
  const brackets = text.split(';').map((part) => {
    const m = /^\s*(\d+):(\d+(?:\.\d+)?):(-?\d+)\s*$/.exec(part);
    if (!m) throw new ParamError(`法令パラメータ ${key}: 「${part.trim()}」は「収入金額の上限:率:加算額」の形ではありません`);
    return { upper: Number(m[1]), rate: Decimal.parse(m[2]!), add: Number(m[3]) };
  });
  brackets.forEach((b, i) => {
    if (i > 0 && b.upper <= brackets[i - 1]!.upper) throw new ParamError(`法令パラメータ ${key}: 収入金額の上限は小さい順に書いてください`);
  });
  parsedBrackets.set(text, brackets);
  return brackets;
}

/** "1619000:1000; 1624000:4000; 6600000:1" → the 別表第五 steps (from this revenue on, cut to a multiple of step). */
export function parseSteps(key: string, text: string): { from: number; step: number }[] {
  const known = parsedSteps.get(text);
  if (known) return known;
  const steps = text.split(';').map((part) => {
    const m = /^\s*(\d+):(\d+)\s*$/.exec(part);
    if (!m || Number(m[2]) < 1) throw new ParamError(`法令パラメータ ${key}: 「${part.trim()}」は「収入金額:刻み」の形ではありません`);
    return { from: Number(m[1]), step: Number(m[2]) };
  });
  steps.forEach((s, i) => {
    if (i > 0 && s.from <= steps[i - 1]!.from) throw new ParamError(`法令パラメータ ${key}: 収入金額は小さい順に書いてください`);
  });
  parsedSteps.set(text, steps);
  return steps;
}

/** The law in force for an income year is read on its last day. */
export const incomeYearDate = (incomeYear: number) => `${incomeYear}-12-31`;

/** The deduction given by brackets, between a minimum and a maximum (exact; the caller truncates). */
function bracketDeduction(revenue: number, brackets: readonly Bracket[], minimum: number, maximum: number): Decimal {
  const b = brackets.find((x) => revenue <= x.upper);
  const formula = b ? Decimal.ofInteger(revenue).times(b.rate).plus(Decimal.ofInteger(b.add)) : Decimal.ofInteger(maximum);
  const min = Decimal.ofInteger(minimum);
  const max = Decimal.ofInteger(maximum);
  return formula.compare(min) < 0 ? min : formula.compare(max) > 0 ? max : formula;
}

function checkYen(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what}: 0以上の整数(円)で指定してください`);
}

export interface SalaryIncome {
  /** 給与所得 (yen). */
  income: number;
  /** The revenue the table reads (cut to the 別表第五 step below 660万円). */
  tableRevenue: number;
  /** 給与所得控除額 as applied (revenue − income). */
  deduction: number;
}

/** 給与所得 of a 給与収入 in an income year (所得税法 28条・別表第五). */
export function salaryIncome(revenue: number, incomeYear: number, params: LawParams = lawParams()): SalaryIncome {
  checkYen('給与収入', revenue);
  const date = incomeYearDate(incomeYear);
  const minimum = params.yen('income.salary_deduction_minimum', date);
  const maximum = params.yen('income.salary_deduction_maximum', date);
  const brackets = parseBrackets('income.salary_deduction_brackets', params.text('income.salary_deduction_brackets', date));
  const steps = parseSteps('income.salary_table_steps', params.text('income.salary_table_steps', date));
  const step = steps.filter((s) => s.from <= revenue).at(-1)?.step ?? 1;
  const tableRevenue = Math.floor(revenue / step) * step;
  const deduction = bracketDeduction(tableRevenue, brackets, minimum, maximum);
  const income = Math.max(0, Decimal.ofInteger(tableRevenue).minus(deduction).floorTo(1));
  return { income, tableRevenue, deduction: revenue - income };
}

export interface PensionIncome {
  /** 公的年金等に係る雑所得 (yen). */
  income: number;
  /** 公的年金等控除額 as applied (revenue − income). */
  deduction: number;
  /** The minimum deduction that applied (by age, after the other-income cut). */
  minimum: number;
}

/**
 * 公的年金等所得 of a 公的年金等収入 (所得税法 35条). `aged65` — 65 or over on 12月31日 of the income year;
 * `otherIncome` — the 合計所得金額 other than the pension (給与所得 and the rest), which lowers the
 * deduction above 1,000万円 and 2,000万円.
 */
export function pensionIncome(revenue: number, incomeYear: number, aged65: boolean, otherIncome = 0, params: LawParams = lawParams()): PensionIncome {
  checkYen('公的年金等収入', revenue);
  checkYen('公的年金等以外の所得', otherIncome);
  const date = incomeYearDate(incomeYear);
  const cut =
    otherIncome > params.yen('income.pension_other_income_step_2', date)
      ? params.yen('income.pension_other_income_cut_2', date)
      : otherIncome > params.yen('income.pension_other_income_step_1', date)
        ? params.yen('income.pension_other_income_cut_1', date)
        : 0;
  const minimum = params.yen(aged65 ? 'income.pension_deduction_minimum_65' : 'income.pension_deduction_minimum_under_65', date);
  const maximum = params.yen('income.pension_deduction_maximum', date);
  const brackets = parseBrackets('income.pension_deduction_brackets', params.text('income.pension_deduction_brackets', date));
  const deduction = bracketDeduction(revenue, brackets, minimum, maximum).minus(Decimal.ofInteger(cut));
  const income = Math.max(0, Decimal.ofInteger(revenue).minus(deduction).floorTo(1));
  return { income, deduction: revenue - income, minimum: minimum - cut };
}

/** Whether a person counts as 65 or over for 公的年金等控除: their age at the end of 12月31日 of the income year. */
export function agedForPension(age: number, incomeYear: number, params: LawParams = lawParams()): boolean {
  return age >= params.integer('income.pension_age', incomeYearDate(incomeYear));
}

/** 基礎控除 for the 所得割 (地方税法 314条の2②, by 合計所得金額) of a 年度 (`date`: its 4月1日). */
export function basicDeduction(totalIncome: number, date: string, params: LawParams = lawParams()): number {
  checkYen('合計所得金額', totalIncome);
  if (totalIncome > params.yen('tax.basic_deduction_none_income_over', date)) return 0;
  if (totalIncome > params.yen('tax.basic_deduction_reduced_2_income_over', date)) return params.yen('tax.basic_deduction_reduced_2', date);
  if (totalIncome > params.yen('tax.basic_deduction_reduced_1_income_over', date)) return params.yen('tax.basic_deduction_reduced_1', date);
  return params.yen('tax.basic_deduction', date);
}

/** 旧ただし書き所得 (基準総所得金額): 総所得金額等 − 基礎控除, never below 0. */
export function oldProvisoIncome(totalIncome: number, date: string, params: LawParams = lawParams()): number {
  return Math.max(0, totalIncome - basicDeduction(totalIncome, date, params));
}

export interface IncomeInput {
  salaryRevenue?: number | undefined;
  pensionRevenue?: number | undefined;
  /** Other 所得, already net of expenses (事業・不動産・雑 …), integer yen ≥ 0. */
  otherIncome?: number | undefined;
}

export interface PersonIncome {
  salary: SalaryIncome;
  /** 給与所得 as counted (× 30/100 for a 非自発的失業者). */
  salaryCounted: number;
  pension: PensionIncome;
  other: number;
  /** 総所得金額等 (= 合計所得金額 here: no losses carried over). */
  total: number;
}

/** One person's incomes of an income year. `involuntaryUnemployment`: 給与所得 × 30/100 (地方税法施行令). */
export function personIncome(input: IncomeInput, incomeYear: number, aged65: boolean, opts: { involuntaryUnemployment?: boolean; fiscalDate?: string } = {}, params: LawParams = lawParams()): PersonIncome {
  const salary = salaryIncome(input.salaryRevenue ?? 0, incomeYear, params);
  const salaryCounted = opts.involuntaryUnemployment ? Decimal.ofInteger(salary.income).times(params.rate('tax.involuntary_unemployment_salary_ratio', opts.fiscalDate ?? `${incomeYear + 1}-04-01`)).floorTo(1) : salary.income;
  const other = input.otherIncome ?? 0;
  checkYen('その他の所得', other);
  const pension = pensionIncome(input.pensionRevenue ?? 0, incomeYear, aged65, salaryCounted + other, params);
  return { salary, salaryCounted, pension, other, total: salaryCounted + pension.income + other };
}
