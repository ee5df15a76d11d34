import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createFixture, FIXTURE, type Fixture } from '../testing/fixture.js';
import { writeDemoCertificateFacts } from './certificate-facts.js';

let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
  await f.deps.database.db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', 'operator:test', true)`.execute(tx);
    await tx.insertInto('income').values([
      { atena_no: FIXTURE.yamada.head, fiscal_year: 2026, income_type: 'salary', revenue_yen: 6_000_000, income_yen: 4_360_000, updated_by: 'operator:test' },
      { atena_no: FIXTURE.sato.mother, fiscal_year: 2026, income_type: 'pension', revenue_yen: 1_000_000, income_yen: 400_000, updated_by: 'operator:test' },
    ]).execute();
  });
});
afterAll(async () => f?.close());

it('gives every resident a 住民税 record for each income year (no income → 非課税, not 未申告) and is idempotent', async () => {
  const db = f.deps.database.db;
  const first = await writeDemoCertificateFacts(db, 'operator:test');
  expect(first.taxRows).toBeGreaterThan(2);
  const rows = await db.selectFrom('resident_tax_status').selectAll().where('fiscal_year', '=', 2026).execute();
  const of = (n: number) => {
    const r = rows.find((x) => Number(x.atena_no) === n)!;
    return { ...r, taxable_standard_yen: Number(r.taxable_standard_yen) };
  };
  expect(of(FIXTURE.yamada.head)).toMatchObject({ exempt: false, unreported: false, taxable_standard_yen: 4_360_000 - 430_000 - 900_000 });
  expect(of(FIXTURE.sato.mother)).toMatchObject({ exempt: true, taxable_standard_yen: 0 });
  expect(of(FIXTURE.yamada.child)).toMatchObject({ exempt: true, unreported: false });
  const again = await writeDemoCertificateFacts(db, 'operator:test');
  expect(again).toEqual({ taxRows: 0, mynaRows: 0 });
});
