import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { anyBigint } from '../../db/any-of.js';
import { AMOUNT_COLUMNS, columnsToFacts, otherIncomeOf, type FilingStatus, type IncomeSource, type ResidentTax } from '../income/income.rules.js';

/**
 * What the assessment reads of each person's income for a 年度 (the income of the calendar year
 * before), from the current version in income_return (src/modules/income: the 個人住民税 system's file,
 * a 簡易申告, or the initial load). Shaped for the tax rules' input (tax.input.ts `members[].income` and
 * `reported`), with the details the rules may need besides.
 */
export interface AssessmentIncome {
  atenaNo: number;
  fiscalYear: number;
  /**
   * `declared` / `no_income` / `unreported` as recorded; `none` — no record: the person was born after
   * the income year (no income, not 未申告) or, when born before, has no record (counts as 未申告).
   */
  filingStatus: FilingStatus | 'none';
  /** false = 未申告 (tax.input `reported`): no 法定軽減 for a household counting this person. */
  reported: boolean;
  /** The tax rules' `income` (integer yen ≥ 0): 給与収入, 公的年金等収入, other 所得 net (floor 0). */
  income: { salaryRevenue: number; pensionRevenue: number; otherIncome: number };
  /** 給与収入 includes 専従者給与; the 給与所得者等 test of the 法定軽減 excludes it (revenue − this). */
  familyEmployeeSalary: number;
  /** 給与所得 and 公的年金等所得 as the tax system computed them (the rules recompute from revenue). */
  salaryIncome: number;
  pensionIncome: number;
  /** Other 所得 with losses (事業・不動産 may be negative; `income.otherIncome` is this floored at 0). */
  otherIncomeNet: number;
  /** 分離譲渡所得 before the special deductions (counted in otherIncome, as 総所得金額等 counts it). */
  separateCapitalGains: number;
  /** 総所得金額等 as recorded (losses offset by the tax system). */
  totalIncome: number;
  /** 住民税: 課税標準額 and 課税区分 (null: not judged). */
  taxableStandard: number;
  residentTax: ResidentTax | null;
  /** Where the version came from, and which (for the assessment's explanation). */
  source: IncomeSource | null;
  returnId: number | null;
  version: number | null;
}

const NONE = { salaryRevenue: 0, pensionRevenue: 0, otherIncome: 0 };
/** The amount columns only (a batch reads a million of these rows: no timestamps, notes or file references). */
const INCOME_AMOUNTS = Object.values(AMOUNT_COLUMNS).map((c) => `r.${c}` as const);

/** The current income_return versions of these persons for the 年度. */
const currentReturns = (tx: Kysely<DB> | Transaction<DB>, ids: readonly number[], fiscalYear: number) =>
  tx.selectFrom('income_return as r').where(anyBigint('r.atena_no', ids)).where('r.fiscal_year', '=', fiscalYear).where('r.superseded_at', 'is', null);

/**
 * Each person's income for the 年度 `fiscalYear` (persons not found in `person` are left out). Call it
 * inside the assessment's transaction; it reads the current version only. `birthDates` — the persons'
 * birth dates when the caller has read them (the 本算定's chunk has): only then is `person` not read again.
 */
export async function loadIncomes(tx: Kysely<DB> | Transaction<DB>, atenaNos: readonly number[], fiscalYear: number, birthDates?: ReadonlyMap<number, string>): Promise<Map<number, AssessmentIncome>> {
  const out = new Map<number, AssessmentIncome>();
  if (atenaNos.length === 0) return out;
  const ids = [...new Set(atenaNos)];
  const births = birthDates ?? new Map((await tx.selectFrom('person').select(['atena_no', 'birth_date']).where(anyBigint('atena_no', ids)).execute()).map((p) => [Number(p.atena_no), p.birth_date]));
  const endOfIncomeYear = `${fiscalYear - 1}-12-31`;
  const rows = await currentReturns(tx, ids, fiscalYear)
    .select(['r.atena_no as person', 'r.return_id', 'r.version', 'r.source', 'r.filing_status', 'r.resident_tax'])
    .select(INCOME_AMOUNTS)
    .execute();
  for (const r of rows) {
    const atenaNo = Number(r.person);
    if (!births.has(atenaNo)) continue;
    const f = columnsToFacts(r as Parameters<typeof columnsToFacts>[0]);
    const net = otherIncomeOf(f);
    out.set(atenaNo, {
      atenaNo,
      fiscalYear,
      filingStatus: f.filingStatus,
      reported: f.filingStatus !== 'unreported',
      income: { salaryRevenue: f.salaryRevenue, pensionRevenue: f.pensionRevenue, otherIncome: Math.max(0, net) },
      familyEmployeeSalary: f.familyEmployeeSalary,
      salaryIncome: f.salaryIncome,
      pensionIncome: f.pensionIncome,
      otherIncomeNet: net,
      separateCapitalGains: f.separateCapitalGains,
      totalIncome: f.totalIncome,
      taxableStandard: f.taxableStandard,
      residentTax: f.residentTax,
      source: r.source,
      returnId: Number(r.return_id),
      version: r.version,
    });
  }
  // No record: born after the income year (no income, reported), else 未申告.
  for (const atenaNo of ids) {
    const birth = births.get(atenaNo);
    if (birth === undefined || out.has(atenaNo)) continue;
    out.set(atenaNo, {
      atenaNo, fiscalYear, filingStatus: 'none', reported: birth > endOfIncomeYear, income: NONE, familyEmployeeSalary: 0, salaryIncome: 0, pensionIncome: 0,
      otherIncomeNet: 0, separateCapitalGains: 0, totalIncome: 0, taxableStandard: 0, residentTax: null, source: null, returnId: null, version: null,
    });
  }
  return out;
}

/**
 * What the units of assessment take of each person's income (`UnitIncome`: 給与収入, 公的年金等収入, other
 * 所得 net, 申告の有無) — the 本算定 reads it for a million persons, so only those columns, the other 所得
 * summed by PostgreSQL (the sum `otherIncomeOf` makes). The same answer as `loadIncomes` for them (tested).
 * `birthDates`: the persons read from `person` (the others are left out, as there).
 */
export async function loadUnitIncomes(tx: Kysely<DB> | Transaction<DB>, atenaNos: readonly number[], fiscalYear: number, birthDates: ReadonlyMap<number, string>): Promise<Map<number, Pick<AssessmentIncome, 'income' | 'reported'>>> {
  const out = new Map<number, Pick<AssessmentIncome, 'income' | 'reported'>>();
  if (atenaNos.length === 0) return out;
  const ids = [...new Set(atenaNos)];
  const rows = await currentReturns(tx, ids, fiscalYear)
    .select(['r.atena_no as person', 'r.filing_status', 'r.salary_revenue_yen as salary', 'r.pension_revenue_yen as pension'])
    .select(sql<string>`r.business_income_yen + r.real_estate_income_yen + r.dividend_income_yen + r.misc_income_yen + r.separate_capital_gains_yen + r.other_income_yen`.as('other_net'))
    .execute();
  for (const r of rows) {
    const atenaNo = Number(r.person);
    if (!birthDates.has(atenaNo)) continue;
    out.set(atenaNo, { reported: r.filing_status !== 'unreported', income: { salaryRevenue: Number(r.salary), pensionRevenue: Number(r.pension), otherIncome: Math.max(0, Number(r.other_net)) } });
  }
  const endOfIncomeYear = `${fiscalYear - 1}-12-31`;
  for (const atenaNo of ids) {
    const birth = birthDates.get(atenaNo);
    if (birth !== undefined && !out.has(atenaNo)) out.set(atenaNo, { reported: birth > endOfIncomeYear, income: NONE });
  }
  return out;
}

