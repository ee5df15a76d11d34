import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * What the demo city's certificates need from other systems, synthesised from the demo income:
 *
 * - 住民税の課税状況 (resident_tax_status) for every resident and every 年度 with income rows. In a real city
 *   the 個人住民税 system sends these; here the 課税標準額 is approximated as 総所得金額等 − 43万 − 15% of
 *   給与収入 (a stand-in for 社会保険料控除 and the other deductions) and 非課税 as 総所得金額等 ≤ 45万
 *   (the single-person 均等割 非課税 line of a 1級地). Synthetic, for the demo only — never a rule.
 * - マイナ保険証の利用登録 (myna_insurance_use) for three residents in four (a fixed function of the 宛名番号).
 *
 * Idempotent: rows that exist are left alone, so a re-run after an interrupted first start adds nothing twice.
 */
export async function writeDemoCertificateFacts(db: Kysely<DB>, actorLabel: string): Promise<{ taxRows: number; mynaRows: number }> {
  const tax = await sql`
    INSERT INTO resident_tax_status (atena_no, fiscal_year, taxable_standard_yen, exempt, unreported, updated_by)
    SELECT p.atena_no, y.fiscal_year,
           greatest(0, coalesce(i.total, 0) - 430000 - coalesce(i.salary_revenue, 0) * 15 / 100),
           coalesce(i.total, 0) <= 450000, false, ${actorLabel}
      FROM person p
     CROSS JOIN (SELECT DISTINCT fiscal_year FROM income) y
      LEFT JOIN (
        SELECT atena_no, fiscal_year, greatest(0, sum(income_yen)) AS total,
               sum(revenue_yen) FILTER (WHERE income_type = 'salary') AS salary_revenue
          FROM income GROUP BY atena_no, fiscal_year
      ) i ON i.atena_no = p.atena_no AND i.fiscal_year = y.fiscal_year
     WHERE p.birth_date < make_date(y.fiscal_year - 1, 12, 31)
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
