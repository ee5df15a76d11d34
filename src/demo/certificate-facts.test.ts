import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture } from '../testing/fixture.js';
import { writeDemoCertificateFacts } from './certificate-facts.js';
import { currentResidentTax, ZERO_AMOUNTS, type IncomeFacts } from '../modules/income/income.rules.js';
import { asActor } from '../testing/as-actor.js';

let f: Fixture;
const facts: [number, IncomeFacts][] = [
  [FIXTURE.yamada.head, { filingStatus: 'declared', residentTax: 'taxable', ...ZERO_AMOUNTS, salaryRevenue: 6_000_000, salaryIncome: 4_360_000, totalIncome: 4_360_000, taxableStandard: 3_030_000 }],
  [FIXTURE.sato.mother, { filingStatus: 'declared', residentTax: 'exempt', ...ZERO_AMOUNTS, pensionRevenue: 1_000_000, pensionIncome: 400_000, totalIncome: 400_000 }],
  [FIXTURE.yamada.child, { filingStatus: 'no_income', residentTax: 'exempt', ...ZERO_AMOUNTS }],
  [FIXTURE.tanaka.person, { filingStatus: 'unreported', residentTax: null, ...ZERO_AMOUNTS }],
];
beforeAll(async () => {
  f = await createFixture();
  await asActor(f.deps.database.db, 'operator:test', async (tx) => {
    await tx
      .insertInto('income_return')
      .values(
        facts.map(([atena, x]) => ({
          atena_no: atena, fiscal_year: 2026, version: 1, source: 'initial_load' as const, filing_status: x.filingStatus, resident_tax: x.residentTax,
          taxable_standard_yen: x.taxableStandard, salary_revenue_yen: x.salaryRevenue, salary_income_yen: x.salaryIncome, pension_revenue_yen: x.pensionRevenue, pension_income_yen: x.pensionIncome, total_income_yen: x.totalIncome, recorded_by: 'operator:test',
        })),
      )
      .execute();
  });
});
afterAll(async () => f?.close());

it('writes the 住民税 record of each current income version as the income area does, and is idempotent', async () => {
  const db = f.deps.database.db;
  const first = await writeDemoCertificateFacts(db, 'operator:test');
  expect(first.taxRows).toBe(facts.length);
  const rows = await db.selectFrom('resident_tax_status').selectAll().where('fiscal_year', '=', 2026).execute();
  for (const [atena, x] of facts) {
    const r = rows.find((y) => Number(y.atena_no) === atena)!;
    const want = currentResidentTax(x);
    expect({ taxableStandard: Number(r.taxable_standard_yen), exempt: r.exempt, unreported: r.unreported }).toEqual(want);
  }
  const again = await writeDemoCertificateFacts(db, 'operator:test');
  expect(again).toEqual({ taxRows: 0, mynaRows: 0 });
});
