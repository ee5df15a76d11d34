import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * What the demo city's certificates need from other systems:
 *
 * - 住民税の課税状況 (resident_tax_status): the current view of the demo income (income_return, written by
 *   the seed with synthetic 課税標準額 and 課税区分, see population.ts demoReturn), by the same rule as
 *   src/modules/income (currentResidentTax): 未申告 → unreported; otherwise the 課税区分 and 課税標準額.
 * - マイナ保険証の利用登録 (myna_insurance_use) for three residents in four (a fixed function of the 宛名番号).
 *
 * Idempotent: rows that exist are left alone, so a re-run after an interrupted first start adds nothing twice.
 */
export async function writeDemoCertificateFacts(db: Kysely<DB>, actorLabel: string): Promise<{ taxRows: number; mynaRows: number }> {
  const tax = await sql`
    INSERT INTO resident_tax_status (atena_no, fiscal_year, taxable_standard_yen, exempt, unreported, updated_by)
    SELECT atena_no, fiscal_year, taxable_standard_yen,
           coalesce(resident_tax = 'exempt', false) OR (resident_tax IS NULL AND filing_status <> 'unreported' AND total_income_yen = 0),
           filing_status = 'unreported', ${actorLabel}
      FROM income_return
     WHERE superseded_at IS NULL
    ON CONFLICT (atena_no, fiscal_year) DO NOTHING
    RETURNING 1`.execute(db);
  const myna = await sql`
    INSERT INTO myna_insurance_use (atena_no, registered_on, updated_by)
    SELECT atena_no, date '2023-04-01' + (atena_no % 900)::int, ${actorLabel}
      FROM person
     WHERE atena_no % 4 <> 0 AND birth_date < date '2023-04-01' + (atena_no % 900)::int
    ON CONFLICT (atena_no) DO NOTHING
    RETURNING 1`.execute(db);
  return { taxRows: tax.rows.length, mynaRows: myna.rows.length };
}
