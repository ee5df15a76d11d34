import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INCOME_COLUMNS, readIncomeFile, type IncomeColumn } from './income-file.js';
import { currentIncomeRows, currentResidentTax, declarationFacts, ZERO_AMOUNTS, type IncomeFacts } from './income.rules.js';
import { salaryIncome } from '../assessment/income.rules.js';

const OPTS = { today: '2026-11-30' };
const HEADER = INCOME_COLUMNS.join(',');
const enc = (s: string) => new TextEncoder().encode(s);
const line = (v: Partial<Record<IncomeColumn, string>>) => INCOME_COLUMNS.map((c) => (/[",]/.test(v[c] ?? '') ? `"${v[c]}"` : (v[c] ?? ''))).join(',');
const salaried: Partial<Record<IncomeColumn, string>> = {
  atena_no: '1001', fiscal_year: '2026', filing_status: '1', resident_tax: '1', taxable_standard: '2200000',
  salary_revenue: '4000000', salary_income: '2760000', total_income: '2760000',
};
const file = (...lines: Partial<Record<IncomeColumn, string>>[]) => enc([HEADER, ...lines.map(line)].join('\r\n'));
const errorsOf = (...lines: Partial<Record<IncomeColumn, string>>[]) => readIncomeFile(file(...lines), OPTS).errors.map((e) => `${e.line} ${e.message}`);

describe('the income file', () => {
  it('reads a good file: codes, empty amounts as 0, a loss, 所得なし and 未申告', () => {
    const r = readIncomeFile(
      file(
        salaried,
        { atena_no: '1002', fiscal_year: '2026', filing_status: '1', resident_tax: '2', business_revenue: '3000000', business_income: '-200000', real_estate_revenue: '1200000', real_estate_income: '500000', total_income: '300000' },
        { atena_no: '1003', fiscal_year: '2026', filing_status: '2' },
        { atena_no: '1004', fiscal_year: '2025', filing_status: '9' },
      ),
      OPTS,
    );
    expect(r.errors).toEqual([]);
    expect(r.encoding).toBe('utf-8');
    expect(r.lines.map((l) => [l.line, l.atenaNo, l.fiscalYear, l.facts.filingStatus, l.facts.residentTax])).toEqual([
      [2, 1001, 2026, 'declared', 'taxable'],
      [3, 1002, 2026, 'declared', 'exempt'],
      [4, 1003, 2026, 'no_income', null],
      [5, 1004, 2025, 'unreported', null],
    ]);
    expect(r.lines[0]!.facts).toMatchObject({ taxableStandard: 2_200_000, salaryRevenue: 4_000_000, salaryIncome: 2_760_000, pensionRevenue: 0, totalIncome: 2_760_000 });
    expect(r.lines[1]!.facts.businessIncome).toBe(-200_000);
  });

  it('reads Shift_JIS (the header is ASCII; a quoted field may hold anything)', () => {
    const bytes = new Uint8Array([...enc(`${HEADER}\r\n`), ...enc(line(salaried))]);
    expect(readIncomeFile(bytes, OPTS).errors).toEqual([]);
    // a CP932 byte sequence makes the file Shift_JIS: 「所得なし」 can only be in a wrong header here
    const sjisHeader = new Uint8Array([0x8f, 0x8a, 0x93, 0xbe, ...enc(`\r\n${line(salaried)}`)]);
    const r = readIncomeFile(sjisHeader, OPTS);
    expect(r.encoding).toBe('shift_jis');
    expect(r.errors[0]!.message).toMatch(/^見出し行が定義と一致しません/);
  });

  it('refuses a wrong header, an empty file, a wrong column count', () => {
    expect(readIncomeFile(enc('atena_no,fiscal_year\r\n1,2026'), OPTS).errors[0]!.message).toMatch(/^見出し行が定義と一致しません。次の19項目をこの順で記載してください\(項目名は英字か日本語\)/);
    expect(readIncomeFile(enc(''), OPTS).errors[0]!.message).toBe('ファイルが空です(見出し行がありません)');
    expect(readIncomeFile(enc(HEADER), OPTS).errors[0]!.message).toBe('所得データが1件もありません');
    expect(readIncomeFile(enc(`${HEADER}\n1001,2026,1`), OPTS).errors).toEqual([{ line: 2, message: '項目数が3です(19項目必要です)' }]);
  });

  it('names the line, the column and the rule of each error, and lists them all', () => {
    expect(errorsOf({ ...salaried, atena_no: 'x1' })).toEqual(['2 宛名番号: 1〜10桁の数字で記載してください']);
    expect(errorsOf({ ...salaried, fiscal_year: '1999' })).toEqual(['2 年度: 2000〜2027の西暦4桁で記載してください(所得の年の翌年)']);
    expect(errorsOf({ ...salaried, filing_status: '3' })).toEqual(['2 申告区分: 「3」は定義されていないコードです(1: 申告あり、2: 所得なし、9: 未申告)']);
    expect(errorsOf({ ...salaried, resident_tax: '' })).toEqual(['2 住民税課税区分: 申告区分が1(申告あり)のときは必須です(1: 課税、2: 非課税)']);
    expect(errorsOf({ ...salaried, resident_tax: '3' })).toEqual(['2 住民税課税区分: 「3」は定義されていないコードです(1: 課税、2: 非課税、未申告は空欄)']);
    expect(errorsOf({ ...salaried, salary_revenue: '4,000,000' })).toEqual(['2 給与収入: 0以上の円単位の整数(半角数字、カンマなし)で記載してください']);
    expect(errorsOf({ ...salaried, salary_revenue: '-1' })).toEqual(['2 給与収入: 0以上の円単位の整数(半角数字、カンマなし)で記載してください']);
    expect(errorsOf({ ...salaried, business_income: '1.5' })).toEqual(['2 事業所得: 円単位の整数(半角数字、損失は先頭に - 、カンマなし)で記載してください']);
    expect(errorsOf({ ...salaried, dividend_income: '200000000000' })).toEqual(['2 配当所得: 1,000億円以下で記載してください']);
    expect(errorsOf({ ...salaried, salary_income: '5000000' })).toEqual(['2 給与所得: 給与収入(4000000円)を超えています']);
    expect(errorsOf({ ...salaried, family_employee_salary: '4100000' })).toEqual(['2 うち専従者給与: 給与収入(4000000円)を超えています']);
    expect(errorsOf({ ...salaried, pension_income: '1' })).toEqual(['2 公的年金等所得: 公的年金等収入(0円)を超えています']);
    expect(errorsOf({ ...salaried, total_income: '2760001' })).toEqual(['2 総所得金額等: 各所得のうち正の額の合計(2760000円)を超えています']);
    expect(errorsOf({ atena_no: '1003', fiscal_year: '2026', filing_status: '2', salary_revenue: '100' })).toEqual(['2 給与収入: 申告区分が「所得なし」のときは0か空欄にしてください']);
    expect(errorsOf({ atena_no: '1003', fiscal_year: '2026', filing_status: '2', resident_tax: '1' })).toEqual(['2 住民税課税区分: 所得なしのときは2(非課税)か空欄にしてください']);
    expect(errorsOf({ atena_no: '1003', fiscal_year: '2026', filing_status: '9', resident_tax: '2' })).toEqual(['2 住民税課税区分: 未申告のときは空欄にしてください']);
    // every wrong line is listed, and a duplicate person and 年度
    expect(errorsOf(salaried, { ...salaried, atena_no: '' }, salaried, { ...salaried, fiscal_year: '2025' })).toEqual([
      '3 宛名番号: 必須です',
      '4 宛名番号: 宛名番号 1001 の2026年度が2行目と重複しています(1人1年度につき1行です)',
    ]);
  });

  it('reads the examples of docs/interfaces/income-intake.md', () => {
    const doc = readFileSync(new URL('../../../docs/interfaces/income-intake.md', import.meta.url), 'utf8');
    const csv = /```csv\n([\s\S]*?)```/.exec(doc)![1]!;
    const r = readIncomeFile(enc(csv), OPTS);
    expect(r.errors).toEqual([]);
    expect(r.lines.map((l) => l.facts.filingStatus)).toEqual(['declared', 'declared', 'no_income', 'declared', 'declared', 'unreported']);
  });

  it('returns no line when any line is wrong (the file is rejected whole)', () => {
    const r = readIncomeFile(file(salaried, { ...salaried, atena_no: '1002', fiscal_year: 'x' }), OPTS);
    expect(r.lines).toEqual([]);
    expect(r.errorCount).toBe(1);
  });
});

describe('the current view of a version', () => {
  const f = (x: Partial<IncomeFacts>): IncomeFacts => ({ filingStatus: 'declared', residentTax: 'taxable', ...ZERO_AMOUNTS, ...x });
  it('makes income rows by kind; 所得なし one zero row; 未申告 none', () => {
    expect(currentIncomeRows(f({ salaryRevenue: 4_000_000, salaryIncome: 2_760_000, realEstateRevenue: 1_000_000, realEstateIncome: -100_000, dividendIncome: 50_000 }))).toEqual([
      { type: 'salary', revenue: 4_000_000, income: 2_760_000 },
      { type: 'other', revenue: 1_000_000, income: -50_000 },
    ]);
    expect(currentIncomeRows(f({ filingStatus: 'no_income', residentTax: null }))).toEqual([{ type: 'other', revenue: 0, income: 0 }]);
    expect(currentIncomeRows(f({ filingStatus: 'unreported', residentTax: null }))).toEqual([]);
  });
  it('makes the 住民税 record: 未申告 unreported; a 簡易申告 is 非課税 only without income', () => {
    expect(currentResidentTax(f({ filingStatus: 'unreported', residentTax: null }))).toEqual({ taxableStandard: 0, exempt: false, unreported: true });
    expect(currentResidentTax(f({ residentTax: 'exempt', taxableStandard: 0 }))).toEqual({ taxableStandard: 0, exempt: true, unreported: false });
    expect(currentResidentTax(f({ residentTax: null, totalIncome: 0 }))).toMatchObject({ exempt: true });
    expect(currentResidentTax(f({ residentTax: null, totalIncome: 10 }))).toMatchObject({ exempt: false });
  });
  it('computes a 簡易申告 by the assessment rules; all zero is 所得なし', () => {
    const zero = { salaryRevenue: 0, familyEmployeeSalary: 0, pensionRevenue: 0, businessRevenue: 0, businessIncome: 0, realEstateRevenue: 0, realEstateIncome: 0, dividendIncome: 0, miscIncome: 0, separateCapitalGains: 0, otherIncome: 0 };
    expect(declarationFacts(zero, 2026, '1980-01-01').filingStatus).toBe('no_income');
    const d = declarationFacts({ ...zero, salaryRevenue: 1_000_000, pensionRevenue: 1_500_000 }, 2026, '1961-01-01');
    expect(d.salaryIncome).toBe(salaryIncome(1_000_000, 2025).income);
    // born 1 January 1961: 65 at the end of 31 December 2025 → 110万円 minimum deduction
    expect(d.pensionIncome).toBe(400_000);
    expect(declarationFacts({ ...zero, pensionRevenue: 1_500_000 }, 2026, '1961-01-02').pensionIncome).toBe(850_000); // under 65: 1,500,000 × 25% + 275,000
    expect(d.totalIncome).toBe(d.salaryIncome + d.pensionIncome);
  });
});
