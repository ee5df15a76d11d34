import { agedForPension, pensionIncome, salaryIncome } from '../assessment/income.rules.js';
import type { LawParams } from '../../platform/params/law-params.js';
import { lawParams } from '../../platform/params/law-params.js';

/**
 * 所得 (income) as the 個人住民税 system reports it, or as the insured declares it (簡易申告): the pure
 * part — the codes, what one version holds, how it becomes the current `income` / `resident_tax_status`
 * rows the rest of the system reads, and the incomes of a 簡易申告 (from the assessment's income rules).
 * 年度 n holds the income of calendar year n − 1.
 */

/** 申告区分: whether the income is known. Only `declared` carries amounts; no income ≠ 未申告. */
export const FILING_STATUSES = {
  declared: { label: '申告あり', code: '1' },
  no_income: { label: '所得なし', code: '2' },
  unreported: { label: '未申告', code: '9' },
} as const;
export type FilingStatus = keyof typeof FILING_STATUSES;

/** 住民税の課税区分 (null: not judged — 未申告, or a 簡易申告 the tax system has not judged). */
export const RESIDENT_TAX = {
  taxable: { label: '課税', code: '1' },
  exempt: { label: '非課税', code: '2' },
} as const;
export type ResidentTax = keyof typeof RESIDENT_TAX;

/** Where a version came from. */
export const INCOME_SOURCES = {
  tax_system: '個人住民税システム',
  simple_declaration: '簡易申告',
  initial_load: '初期移行',
} as const;
export type IncomeSource = keyof typeof INCOME_SOURCES;

/** The amounts of a version (integer yen), in file order; the two marked may be negative (損失). */
export const AMOUNTS = [
  'taxableStandard',
  'salaryRevenue',
  'salaryIncome',
  'familyEmployeeSalary',
  'pensionRevenue',
  'pensionIncome',
  'businessRevenue',
  'businessIncome',
  'realEstateRevenue',
  'realEstateIncome',
  'dividendIncome',
  'miscIncome',
  'separateCapitalGains',
  'otherIncome',
  'totalIncome',
] as const;
export type Amount = (typeof AMOUNTS)[number];
export const SIGNED_AMOUNTS: ReadonlySet<Amount> = new Set(['businessIncome', 'realEstateIncome']);

export const AMOUNT_LABELS: Record<Amount, string> = {
  taxableStandard: '課税標準額',
  salaryRevenue: '給与収入',
  salaryIncome: '給与所得',
  familyEmployeeSalary: 'うち専従者給与',
  pensionRevenue: '公的年金等収入',
  pensionIncome: '公的年金等所得',
  businessRevenue: '事業収入',
  businessIncome: '事業所得',
  realEstateRevenue: '不動産収入',
  realEstateIncome: '不動産所得',
  dividendIncome: '配当所得',
  miscIncome: '雑所得(公的年金等以外)',
  separateCapitalGains: '分離譲渡所得(特別控除前)',
  otherIncome: 'その他の所得',
  totalIncome: '総所得金額等',
};

/** The column of income_return holding each amount. */
export const AMOUNT_COLUMNS = {
  taxableStandard: 'taxable_standard_yen',
  salaryRevenue: 'salary_revenue_yen',
  salaryIncome: 'salary_income_yen',
  familyEmployeeSalary: 'family_employee_salary_yen',
  pensionRevenue: 'pension_revenue_yen',
  pensionIncome: 'pension_income_yen',
  businessRevenue: 'business_revenue_yen',
  businessIncome: 'business_income_yen',
  realEstateRevenue: 'real_estate_revenue_yen',
  realEstateIncome: 'real_estate_income_yen',
  dividendIncome: 'dividend_income_yen',
  miscIncome: 'misc_income_yen',
  separateCapitalGains: 'separate_capital_gains_yen',
  otherIncome: 'other_income_yen',
  totalIncome: 'total_income_yen',
} as const satisfies Record<Amount, string>;

/** The largest amount accepted (1,000億円), as the calculators. */
export const MAX_YEN = 100_000_000_000;

/** What one version says: the content compared to tell a change from a replay. */
export type IncomeFacts = { filingStatus: FilingStatus; residentTax: ResidentTax | null } & Record<Amount, number>;

export const ZERO_AMOUNTS: Record<Amount, number> = Object.fromEntries(AMOUNTS.map((a) => [a, 0])) as Record<Amount, number>;

export function sameFacts(a: IncomeFacts, b: IncomeFacts): boolean {
  return a.filingStatus === b.filingStatus && a.residentTax === b.residentTax && AMOUNTS.every((k) => a[k] === b[k]);
}

/** income_return columns of the facts. */
export function factsToColumns(f: IncomeFacts) {
  const out: Record<string, unknown> = { filing_status: f.filingStatus, resident_tax: f.residentTax };
  for (const a of AMOUNTS) out[AMOUNT_COLUMNS[a]] = f[a];
  return out as { filing_status: FilingStatus; resident_tax: ResidentTax | null } & { [K in (typeof AMOUNT_COLUMNS)[Amount]]: number };
}

/** The facts of an income_return row. */
export function columnsToFacts(r: { filing_status: FilingStatus; resident_tax: ResidentTax | null } & { [K in (typeof AMOUNT_COLUMNS)[Amount]]: number | string }): IncomeFacts {
  const f = { filingStatus: r.filing_status, residentTax: r.resident_tax } as IncomeFacts;
  for (const a of AMOUNTS) f[a] = Number(r[AMOUNT_COLUMNS[a]]);
  return f;
}

/**
 * Cross-field rules of one version (whatever its source), as `[amount or field, message]`:
 * only 申告あり carries amounts; 未申告 has no 課税区分; an income never exceeds its revenue; 専従者給与
 * is part of 給与収入; 総所得金額等 is at most the sum of the positive incomes (損益通算 only lowers it).
 */
export function factsProblems(f: IncomeFacts): [Amount | 'filingStatus' | 'residentTax', string][] {
  const p: [Amount | 'filingStatus' | 'residentTax', string][] = [];
  if (f.filingStatus !== 'declared') {
    for (const a of AMOUNTS) if (f[a] !== 0) p.push([a, `申告区分が「${FILING_STATUSES[f.filingStatus].label}」のときは0か空欄にしてください`]);
  }
  if (f.filingStatus === 'unreported' && f.residentTax !== null) p.push(['residentTax', '未申告のときは空欄にしてください']);
  if (f.filingStatus === 'no_income' && f.residentTax === 'taxable') p.push(['residentTax', '所得なしのときは2(非課税)か空欄にしてください']);
  const notAbove = (income: Amount, revenue: Amount) => {
    if (f[income] > f[revenue]) p.push([income, `${AMOUNT_LABELS[revenue]}(${f[revenue]}円)を超えています`]);
  };
  notAbove('salaryIncome', 'salaryRevenue');
  notAbove('familyEmployeeSalary', 'salaryRevenue');
  notAbove('pensionIncome', 'pensionRevenue');
  if (f.businessRevenue > 0 || f.businessIncome > 0) notAbove('businessIncome', 'businessRevenue');
  if (f.realEstateRevenue > 0 || f.realEstateIncome > 0) notAbove('realEstateIncome', 'realEstateRevenue');
  const positive = positiveIncomeSum(f);
  if (f.totalIncome > positive) p.push(['totalIncome', `各所得のうち正の額の合計(${positive}円)を超えています`]);
  return p;
}

function positiveIncomeSum(f: IncomeFacts): number {
  return [f.salaryIncome, f.pensionIncome, f.businessIncome, f.realEstateIncome, f.dividendIncome, f.miscIncome, f.separateCapitalGains, f.otherIncome].reduce((s, v) => s + Math.max(0, v), 0);
}

/** The income other than 給与 and 公的年金等 (net; losses of 事業・不動産 included), as the tax rules' otherIncome before the floor. */
export function otherIncomeOf(f: IncomeFacts): number {
  return f.businessIncome + f.realEstateIncome + f.dividendIncome + f.miscIncome + f.separateCapitalGains + f.otherIncome;
}

export type IncomeType = 'salary' | 'pension' | 'business' | 'other';

/**
 * The current `income` rows of a version (the view certificates and older code read): 給与, 公的年金等,
 * 事業 as they are; 不動産・配当・雑・分離譲渡・その他 summed as `other` (revenue = 不動産収入). 所得なし, or
 * 申告あり with nothing, is one zero `other` row; 未申告 is no row (so no income ≠ 未申告).
 */
export function currentIncomeRows(f: IncomeFacts): { type: IncomeType; revenue: number; income: number }[] {
  if (f.filingStatus === 'unreported') return [];
  const rows: { type: IncomeType; revenue: number; income: number }[] = [];
  if (f.salaryRevenue > 0 || f.salaryIncome > 0) rows.push({ type: 'salary', revenue: f.salaryRevenue, income: f.salaryIncome });
  if (f.pensionRevenue > 0 || f.pensionIncome > 0) rows.push({ type: 'pension', revenue: f.pensionRevenue, income: f.pensionIncome });
  if (f.businessRevenue > 0 || f.businessIncome !== 0) rows.push({ type: 'business', revenue: f.businessRevenue, income: f.businessIncome });
  const other = f.realEstateIncome + f.dividendIncome + f.miscIncome + f.separateCapitalGains + f.otherIncome;
  if (f.realEstateRevenue > 0 || other !== 0) rows.push({ type: 'other', revenue: f.realEstateRevenue, income: other });
  if (rows.length === 0) rows.push({ type: 'other', revenue: 0, income: 0 });
  return rows;
}

/**
 * The current `resident_tax_status` row of a version: 未申告 → unreported; otherwise the 課税区分 and
 * 課税標準額 the tax system sent. A version the tax system has not judged (a 簡易申告) counts as 課税 with
 * 課税標準額 0 unless its 総所得金額等 is 0 (所得なし is 非課税 under any 非課税限度額): 非課税 is the tax
 * department's finding, never taken from the insured's word alone.
 */
export function currentResidentTax(f: IncomeFacts): { taxableStandard: number; exempt: boolean; unreported: boolean } {
  if (f.filingStatus === 'unreported') return { taxableStandard: 0, exempt: false, unreported: true };
  const exempt = f.residentTax === 'exempt' || (f.residentTax === null && f.totalIncome === 0);
  return { taxableStandard: f.taxableStandard, exempt, unreported: false };
}

/** What the insured declares in a 簡易申告: revenues (and the 所得 of 事業・不動産), 0 = none. */
export interface SimpleDeclaration {
  salaryRevenue: number;
  familyEmployeeSalary: number;
  pensionRevenue: number;
  businessRevenue: number;
  businessIncome: number;
  realEstateRevenue: number;
  realEstateIncome: number;
  dividendIncome: number;
  miscIncome: number;
  separateCapitalGains: number;
  otherIncome: number;
}

/**
 * The age at the end of 12月31日 of the income year (年度 − 1), which the 公的年金等控除 reads: one is a
 * year older at the end of the day before the birthday (年齢計算ニ関スル法律), so those born on 1月1日 of
 * the next year count too.
 */
export function ageAtEndOfIncomeYear(birthDate: string, fiscalYear: number): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  return fiscalYear - 1 - y + (m === 1 && d === 1 ? 1 : 0);
}

/**
 * The version a 簡易申告 makes: 給与所得 and 公的年金等所得 by the assessment's rules of the income year
 * (所得税法 28条・35条, config/law/income.yaml), the rest as declared; 総所得金額等 = their sum, floor 0;
 * all zero → 所得なし. No 課税区分 or 課税標準額 (the tax system's to judge).
 */
export function declarationFacts(d: SimpleDeclaration, fiscalYear: number, birthDate: string, params: LawParams = lawParams()): IncomeFacts {
  const incomeYear = fiscalYear - 1;
  const salary = salaryIncome(d.salaryRevenue, incomeYear, params).income;
  const rest = d.businessIncome + d.realEstateIncome + d.dividendIncome + d.miscIncome + d.separateCapitalGains + d.otherIncome;
  const aged65 = agedForPension(ageAtEndOfIncomeYear(birthDate, fiscalYear), incomeYear, params);
  const pension = pensionIncome(d.pensionRevenue, incomeYear, aged65, Math.max(0, salary + rest), params).income;
  const f: IncomeFacts = {
    filingStatus: 'declared',
    residentTax: null,
    taxableStandard: 0,
    salaryRevenue: d.salaryRevenue,
    salaryIncome: salary,
    familyEmployeeSalary: d.familyEmployeeSalary,
    pensionRevenue: d.pensionRevenue,
    pensionIncome: pension,
    businessRevenue: d.businessRevenue,
    businessIncome: d.businessIncome,
    realEstateRevenue: d.realEstateRevenue,
    realEstateIncome: d.realEstateIncome,
    dividendIncome: d.dividendIncome,
    miscIncome: d.miscIncome,
    separateCapitalGains: d.separateCapitalGains,
    otherIncome: d.otherIncome,
    totalIncome: Math.max(0, salary + pension + rest),
  };
  if (AMOUNTS.every((a) => f[a] === 0)) return { ...f, filingStatus: 'no_income' };
  return f;
}
