import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { salaryIncome } from '../assessment/income.rules.js';
import type { ApiOk } from '../../../web/src/api.js';
import { asActor } from '../../testing/as-actor.js';

const F = FIXTURE;
let f: Fixture;
let clerk: Session;
let branch: Session;
const db = () => f.deps.database.db;
const none = { familyEmployeeSalary: 0, pensionRevenue: 0, businessRevenue: 0, businessIncome: 0, realEstateRevenue: 0, realEstateIncome: 0, dividendIncome: 0, miscIncome: 0, separateCapitalGains: 0, otherIncome: 0 };
type Result = ApiOk<'/api/persons/{atenaNo}/income-returns', 'post'>;

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  branch = await f.login('shisho01');
});
afterAll(async () => f?.close());

describe('簡易申告 (POST /api/persons/{atenaNo}/income-returns)', () => {
  it('records an insured person’s declaration as a new version, computed by the assessment rules, audited, and queues the household', async () => {
    const r = await clerk.request('POST', `/api/persons/${F.yamada.wife}/income-returns`, { fiscalYear: 2026, declaredOn: '2026-06-15', salaryRevenue: 1_200_000, ...none, note: '窓口で申告' });
    expect(r.status).toBe(200);
    const body = (await r.json()) as Result;
    expect(body).toMatchObject({ atenaNo: F.yamada.wife, fiscalYear: 2026, changed: true, reassessmentHouseholds: [F.yamada.household] });
    expect(body.versions).toHaveLength(1);
    expect(body.versions[0]).toMatchObject({ version: 1, current: true, source: 'simple_declaration', sourceLabel: '簡易申告', filingStatus: 'declared', residentTax: null, declaredOn: '2026-06-15', note: '窓口で申告', recordedBy: 'staff:kokuho01' });
    expect(body.versions[0]!.amounts.salaryIncome).toBe(salaryIncome(1_200_000, 2025).income);
    const income = await db().selectFrom('income').selectAll().where('atena_no', '=', F.yamada.wife).where('fiscal_year', '=', 2026).execute();
    expect(income.map((i) => [i.income_type, Number(i.revenue_yen), Number(i.income_yen)])).toEqual([['salary', 1_200_000, salaryIncome(1_200_000, 2025).income]]);
    const tax = await db().selectFrom('resident_tax_status').selectAll().where('atena_no', '=', F.yamada.wife).where('fiscal_year', '=', 2026).executeTakeFirstOrThrow();
    expect(tax).toMatchObject({ unreported: false, exempt: false });
    const audit = await db().selectFrom('audit_event').select(['action', 'outcome', 'subjects']).where('function_code', '=', 'income.declare').execute();
    expect(audit).toEqual([{ action: 'income.declare', outcome: 'success', subjects: [F.yamada.wife] }]);
    const queued = await db().selectFrom('reassessment_request').select(['household_no', 'fiscal_year', 'source_ref']).execute();
    expect(queued).toEqual([{ household_no: F.yamada.household, fiscal_year: 2026, source_ref: `income_return:${body.versions[0]!.returnId}` }]);
  });

  it('a correction is a new version; the old one stays; the same again changes nothing; 0 everywhere is 所得なし', async () => {
    const again = (await (await clerk.request('POST', `/api/persons/${F.yamada.wife}/income-returns`, { fiscalYear: 2026, declaredOn: '2026-06-15', salaryRevenue: 1_200_000, ...none, note: '窓口で申告' })).json()) as Result;
    expect(again.changed).toBe(false);
    expect(again.versions).toHaveLength(1);
    const zero = (await (await clerk.request('POST', `/api/persons/${F.yamada.wife}/income-returns`, { fiscalYear: 2026, declaredOn: '2026-07-01', salaryRevenue: 0, ...none })).json()) as Result;
    expect(zero.changed).toBe(true);
    expect(zero.versions.map((v) => [v.version, v.current, v.filingStatus])).toEqual([
      [2, true, 'no_income'],
      [1, false, 'declared'],
    ]);
    const tax = await db().selectFrom('resident_tax_status').selectAll().where('atena_no', '=', F.yamada.wife).where('fiscal_year', '=', 2026).executeTakeFirstOrThrow();
    expect(tax).toMatchObject({ unreported: false, exempt: true });
    const list = (await (await clerk.request('GET', `/api/persons/${F.yamada.wife}/income-returns`)).json()) as ApiOk<'/api/persons/{atenaNo}/income-returns'>;
    expect(list.versions.map((v) => v.version)).toEqual([2, 1]);
  });

  it('accepts the 擬制世帯主 (head of an insured household) and refuses one not in 国保 (422)', async () => {
    const head = await clerk.request('POST', `/api/persons/${F.sato.head}/income-returns`, { fiscalYear: 2026, declaredOn: '2026-06-15', salaryRevenue: 0, ...none, pensionRevenue: 800_000 });
    expect(head.status).toBe(200);
    const r = await clerk.request('POST', `/api/persons/${F.nguyen.person}/income-returns`, { fiscalYear: 2026, declaredOn: '2026-06-15', salaryRevenue: 0, ...none });
    expect(r.status).toBe(422);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/^2026年度\(2026年4月〜2027年3月\)に国民健康保険の被保険者\(または国保世帯の世帯主\)ではありません/);
    expect(await db().selectFrom('income_return').select('return_id').where('atena_no', '=', F.nguyen.person).execute()).toEqual([]);
  });

  it('refuses a 年度 the 個人住民税 system holds a 申告 for (409)', async () => {
    await asActor(db(), 'operator:test', async (tx) => {
      await tx.insertInto('income_return').values({ atena_no: F.yamada.head, fiscal_year: 2025, version: 1, source: 'tax_system', filing_status: 'declared', resident_tax: 'taxable', salary_revenue_yen: 4_000_000, salary_income_yen: 2_760_000, total_income_yen: 2_760_000, source_sha256: 'a'.repeat(64), source_line: 2, recorded_by: 'operator:test' }).execute();
    });
    const r = await clerk.request('POST', `/api/persons/${F.yamada.head}/income-returns`, { fiscalYear: 2025, declaredOn: '2025-06-15', salaryRevenue: 0, ...none });
    expect(r.status).toBe(409);
  });

  it('answers 400 naming the field and the rule; 403 without the permission', async () => {
    const bad = await clerk.request('POST', `/api/persons/${F.yamada.wife}/income-returns`, { fiscalYear: 2026, declaredOn: '2026-06-15', salaryRevenue: -1, ...none, familyEmployeeSalary: 10 });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { fields: { field: string; message: string }[] } };
    expect(body.error.fields.map((x) => x.field)).toContain('salaryRevenue');
    const over = await clerk.request('POST', `/api/persons/${F.yamada.wife}/income-returns`, { fiscalYear: 2026, declaredOn: '2026-06-15', salaryRevenue: 100, ...none, familyEmployeeSalary: 200 });
    expect(over.status).toBe(400);
    expect(((await over.json()) as { error: { fields: { message: string }[] } }).error.fields[0]!.message).toBe('うち専従者給与: 給与収入(100円)を超えています');
    expect((await branch.request('POST', `/api/persons/${F.yamada.wife}/income-returns`, { fiscalYear: 2026, declaredOn: '2026-06-15', salaryRevenue: 0, ...none })).status).toBe(403);
    expect((await branch.request('GET', `/api/persons/${F.yamada.wife}/income-returns`)).status).toBe(403);
  });
});
