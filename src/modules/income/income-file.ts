import type { Encoding, IntakeError } from '../registry/intake-file.js';
import { readPersonYearFile } from '../registry/person-year-file.js';
import { AMOUNT_LABELS, AMOUNTS, FILING_STATUSES, factsProblems, MAX_YEN, RESIDENT_TAX, SIGNED_AMOUNTS, type Amount, type FilingStatus, type IncomeFacts, type ResidentTax } from './income.rules.js';

/**
 * The 個人住民税 system's income file (所得データ): decoding (UTF-8 or Shift_JIS/CP932, as the registry
 * file), CSV reading and whole-file validation. Pure: bytes in, lines or line-numbered Japanese errors
 * naming the column and the rule out. Layout: docs/interfaces/income-intake.md. A file with any error
 * is rejected whole (the caller changes no row). Whether each 宛名番号 exists is the caller's check.
 */

/** The columns of the file, in order (the header line names them). */
export const INCOME_COLUMNS = [
  'atena_no',
  'fiscal_year',
  'filing_status',
  'resident_tax',
  'taxable_standard',
  'salary_revenue',
  'salary_income',
  'family_employee_salary',
  'pension_revenue',
  'pension_income',
  'business_revenue',
  'business_income',
  'real_estate_revenue',
  'real_estate_income',
  'dividend_income',
  'misc_income',
  'separate_capital_gains',
  'other_income',
  'total_income',
] as const;
export type IncomeColumn = (typeof INCOME_COLUMNS)[number];

/** The file column of each amount. */
export const AMOUNT_FILE_COLUMNS: Record<Amount, IncomeColumn> = {
  taxableStandard: 'taxable_standard',
  salaryRevenue: 'salary_revenue',
  salaryIncome: 'salary_income',
  familyEmployeeSalary: 'family_employee_salary',
  pensionRevenue: 'pension_revenue',
  pensionIncome: 'pension_income',
  businessRevenue: 'business_revenue',
  businessIncome: 'business_income',
  realEstateRevenue: 'real_estate_revenue',
  realEstateIncome: 'real_estate_income',
  dividendIncome: 'dividend_income',
  miscIncome: 'misc_income',
  separateCapitalGains: 'separate_capital_gains',
  otherIncome: 'other_income',
  totalIncome: 'total_income',
};

export const INCOME_COLUMN_LABELS = {
  ...(Object.fromEntries(AMOUNTS.map((a) => [AMOUNT_FILE_COLUMNS[a], AMOUNT_LABELS[a]])) as Record<IncomeColumn, string>),
  atena_no: '宛名番号',
  fiscal_year: '年度',
  filing_status: '申告区分',
  resident_tax: '住民税課税区分',
} satisfies Record<IncomeColumn, string>;

/** One line of the file, validated. */
export interface IncomeLine {
  line: number;
  atenaNo: number;
  fiscalYear: number;
  facts: IncomeFacts;
}

export interface IncomeFileOptions {
  /** The day the file is read (Japan): the 年度 may be at most the next calendar year's. */
  today: string;
}

export interface IncomeFileResult {
  lines: IncomeLine[];
  errors: IntakeError[];
  /** All errors found (errors holds the first MAX_LISTED_ERRORS). */
  errorCount: number;
  encoding?: Encoding;
}

/** The earliest 年度 the file may carry. */
export const FIRST_FISCAL_YEAR = 2000;

const FILING_BY_CODE = new Map<string, FilingStatus>(Object.entries(FILING_STATUSES).map(([k, v]) => [v.code, k as FilingStatus]));
const RESIDENT_TAX_BY_CODE = new Map<string, ResidentTax>(Object.entries(RESIDENT_TAX).map(([k, v]) => [v.code, k as ResidentTax]));

/** Decode, read and validate a whole file. Any error → the file must be rejected whole. */
export function readIncomeFile(bytes: Uint8Array, opts: IncomeFileOptions): IncomeFileResult {
  return readPersonYearFile(bytes, { columns: INCOME_COLUMNS, labels: INCOME_COLUMN_LABELS, empty: '所得データが1件もありません', onePerYear: '1人1年度につき1行です', validate: (r) => validateIncomeRecord(r, opts) });
}

type FieldError = { column: string; message: string };

/** One line's columns (as text) → the line's content, or one message per wrong column naming it and the rule. */
export function validateIncomeRecord(record: Record<IncomeColumn, string>, opts: IncomeFileOptions): Omit<IncomeLine, 'line'> | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (c: IncomeColumn, message: string) => {
    errors.push({ column: INCOME_COLUMN_LABELS[c], message: `${INCOME_COLUMN_LABELS[c]}: ${message}` });
    return null;
  };
  const v = (c: IncomeColumn) => record[c] ?? '';

  const atena = v('atena_no');
  const atenaNo = atena === '' ? fail('atena_no', '必須です') : !/^\d{1,10}$/.test(atena) || Number(atena) === 0 ? fail('atena_no', '1〜10桁の数字で記載してください') : Number(atena);

  const lastYear = Number(opts.today.slice(0, 4)) + 1;
  const fy = v('fiscal_year');
  const fiscalYear =
    fy === '' ? fail('fiscal_year', '必須です') : !/^\d{4}$/.test(fy) || Number(fy) < FIRST_FISCAL_YEAR || Number(fy) > lastYear ? fail('fiscal_year', `${FIRST_FISCAL_YEAR}〜${lastYear}の西暦4桁で記載してください(所得の年の翌年)`) : Number(fy);

  const fs = v('filing_status');
  const filingStatus = FILING_BY_CODE.get(fs) ?? fail('filing_status', `「${fs}」は定義されていないコードです(1: 申告あり、2: 所得なし、9: 未申告)`);

  const rt = v('resident_tax');
  let residentTax: ResidentTax | null = null;
  if (rt !== '') residentTax = RESIDENT_TAX_BY_CODE.get(rt) ?? fail('resident_tax', `「${rt}」は定義されていないコードです(1: 課税、2: 非課税、未申告は空欄)`);
  else if (filingStatus === 'declared') fail('resident_tax', '申告区分が1(申告あり)のときは必須です(1: 課税、2: 非課税)');

  const amounts = {} as Record<Amount, number>;
  let amountsOk = true;
  for (const a of AMOUNTS) {
    const c = AMOUNT_FILE_COLUMNS[a];
    const t = v(c);
    const signed = SIGNED_AMOUNTS.has(a);
    if (t === '') {
      amounts[a] = 0;
      continue;
    }
    if (!(signed ? /^-?\d{1,12}$/ : /^\d{1,12}$/).test(t)) {
      fail(c, signed ? '円単位の整数(半角数字、損失は先頭に - 、カンマなし)で記載してください' : '0以上の円単位の整数(半角数字、カンマなし)で記載してください');
      amountsOk = false;
      continue;
    }
    const n = Number(t);
    if (Math.abs(n) > MAX_YEN) {
      fail(c, '1,000億円以下で記載してください');
      amountsOk = false;
      continue;
    }
    amounts[a] = n === 0 ? 0 : n; // no -0
  }

  if (atenaNo === null || fiscalYear === null || filingStatus === null || errors.length > 0 || !amountsOk) return { errors };
  const facts: IncomeFacts = { filingStatus, residentTax, ...amounts };
  for (const [field, message] of factsProblems(facts)) {
    const c: IncomeColumn = field === 'filingStatus' ? 'filing_status' : field === 'residentTax' ? 'resident_tax' : AMOUNT_FILE_COLUMNS[field];
    fail(c, message);
  }
  if (errors.length > 0) {
    const order = (label: string) => INCOME_COLUMNS.findIndex((c) => INCOME_COLUMN_LABELS[c] === label);
    return { errors: errors.map((e, i) => ({ e, i })).sort((x, y) => order(x.e.column) - order(y.e.column) || x.i - y.i).map((x) => x.e) };
  }
  return { atenaNo, fiscalYear, facts };
}
