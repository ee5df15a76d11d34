import { sql, type Kysely } from 'kysely';

/**
 * 所得の取込み (issue 8 part 2): every version of a person's previous-year income for a 年度, never
 * overwritten, with where it came from; and the queue of households whose 賦課 must be redone.
 *
 * - income_return: one row per version of (atena_no, fiscal_year). A new version sets superseded_at
 *   on the current one (unique partial index: one current version) and is inserted with version + 1;
 *   a trigger refuses any other update and the application role may not delete. `source`:
 *   `tax_system` (the 個人住民税 system's file: its SHA-256 and line, unique together, so a line is
 *   never taken twice), `simple_declaration` (簡易申告 entered by staff, with the 申告日) or
 *   `initial_load` (data taken over when the system started: the rows below, or the demo city).
 *   `filing_status`: `declared` (申告・課税資料あり), `no_income` (所得なし, known), `unreported` (未申告);
 *   only `declared` carries amounts. Amounts are integer yen; 事業所得 and 不動産所得 may be losses.
 *   給与収入 includes 専従者給与 (family_employee_salary_yen is the part of it that is).
 * - income and resident_tax_status stay the current view the rest of the code reads: the application
 *   rewrites a person's rows of the 年度 from the version it makes current (src/modules/income).
 * - reassessment_request: a household and 年度 whose assessment must be redone because a member's income
 *   changed, written in the same transaction as the change; the assessment batch consumes it (done_at).
 *
 * Existing income / resident_tax_status rows become version 1 (`initial_load`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE income_return (
      return_id bigserial PRIMARY KEY,
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),   -- 年度 (income of fiscal_year − 1)
      version integer NOT NULL CHECK (version >= 1),
      source text NOT NULL CHECK (source IN ('tax_system', 'simple_declaration', 'initial_load')),
      filing_status text NOT NULL CHECK (filing_status IN ('declared', 'no_income', 'unreported')),
      resident_tax text CHECK (resident_tax IN ('taxable', 'exempt')),          -- 住民税 課税/非課税; null: not judged
      taxable_standard_yen bigint NOT NULL DEFAULT 0 CHECK (taxable_standard_yen >= 0),   -- 課税標準額
      salary_revenue_yen bigint NOT NULL DEFAULT 0 CHECK (salary_revenue_yen >= 0),       -- 給与収入 (専従者給与を含む)
      salary_income_yen bigint NOT NULL DEFAULT 0 CHECK (salary_income_yen >= 0),         -- 給与所得
      family_employee_salary_yen bigint NOT NULL DEFAULT 0 CHECK (family_employee_salary_yen >= 0), -- うち専従者給与
      pension_revenue_yen bigint NOT NULL DEFAULT 0 CHECK (pension_revenue_yen >= 0),     -- 公的年金等収入
      pension_income_yen bigint NOT NULL DEFAULT 0 CHECK (pension_income_yen >= 0),       -- 公的年金等所得
      business_revenue_yen bigint NOT NULL DEFAULT 0 CHECK (business_revenue_yen >= 0),   -- 事業(営業等・農業)収入
      business_income_yen bigint NOT NULL DEFAULT 0,                                      -- 事業所得 (損失は負)
      real_estate_revenue_yen bigint NOT NULL DEFAULT 0 CHECK (real_estate_revenue_yen >= 0), -- 不動産収入
      real_estate_income_yen bigint NOT NULL DEFAULT 0,                                   -- 不動産所得 (損失は負)
      dividend_income_yen bigint NOT NULL DEFAULT 0 CHECK (dividend_income_yen >= 0),     -- 配当所得
      misc_income_yen bigint NOT NULL DEFAULT 0 CHECK (misc_income_yen >= 0),             -- 雑所得(公的年金等以外)
      separate_capital_gains_yen bigint NOT NULL DEFAULT 0 CHECK (separate_capital_gains_yen >= 0), -- 分離譲渡所得(特別控除前)
      other_income_yen bigint NOT NULL DEFAULT 0 CHECK (other_income_yen >= 0),           -- その他の所得(一時・総合譲渡等)
      total_income_yen bigint NOT NULL DEFAULT 0 CHECK (total_income_yen >= 0),           -- 総所得金額等
      source_sha256 text CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
      source_line integer CHECK (source_line >= 2),
      job_run_id text,
      declared_on date,                                                                   -- 申告日 (簡易申告)
      note text CHECK (char_length(note) <= 200),
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      recorded_by text NOT NULL CHECK (recorded_by <> ''),
      superseded_at timestamptz,
      CHECK ((source = 'tax_system') = (source_sha256 IS NOT NULL AND source_line IS NOT NULL)),
      CHECK ((source = 'simple_declaration') = (declared_on IS NOT NULL)),
      CHECK (family_employee_salary_yen <= salary_revenue_yen),
      CHECK (salary_income_yen <= salary_revenue_yen),
      CHECK (pension_income_yen <= pension_revenue_yen),
      CHECK (filing_status = 'declared' OR (taxable_standard_yen = 0 AND salary_revenue_yen = 0 AND salary_income_yen = 0
        AND pension_revenue_yen = 0 AND pension_income_yen = 0 AND business_revenue_yen = 0 AND business_income_yen = 0
        AND real_estate_revenue_yen = 0 AND real_estate_income_yen = 0 AND dividend_income_yen = 0 AND misc_income_yen = 0
        AND separate_capital_gains_yen = 0 AND other_income_yen = 0 AND total_income_yen = 0)),
      CHECK (filing_status <> 'unreported' OR resident_tax IS NULL),
      CHECK (superseded_at IS NULL OR superseded_at >= recorded_at)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX income_return_version ON income_return (atena_no, fiscal_year, version)`.execute(db);
  await sql`CREATE UNIQUE INDEX income_return_current ON income_return (atena_no, fiscal_year) WHERE superseded_at IS NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX income_return_source_line ON income_return (source_sha256, source_line) WHERE source_sha256 IS NOT NULL`.execute(db);

  // Versions are kept as written: the only change a row may take is being superseded, once.
  await sql`
    CREATE FUNCTION income_return_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL
         OR (to_jsonb(NEW) - 'superseded_at') IS DISTINCT FROM (to_jsonb(OLD) - 'superseded_at') THEN
        RAISE EXCEPTION 'income_return is append-only: a version may only be superseded, once (return_id %)', OLD.return_id;
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER income_return_keep BEFORE UPDATE ON income_return FOR EACH ROW EXECUTE FUNCTION income_return_keep()`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON income_return FROM nhi_app`.execute(db);

  await sql`
    CREATE TABLE reassessment_request (
      request_id bigserial PRIMARY KEY,
      household_no bigint NOT NULL REFERENCES household(household_no),
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
      reason text NOT NULL CHECK (reason IN ('income_changed')),
      atena_no bigint REFERENCES person(atena_no),                 -- whose change it was
      source_ref text NOT NULL CHECK (source_ref ~ '^[a-z_]+:[0-9A-Za-z_-]+$'),  -- income_return:<return_id>
      requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      requested_by text NOT NULL CHECK (requested_by <> ''),
      done_at timestamptz,
      done_by text,
      CHECK ((done_at IS NULL) = (done_by IS NULL)),
      UNIQUE (household_no, fiscal_year, source_ref)
    )`.execute(db);
  await sql`CREATE INDEX reassessment_request_pending ON reassessment_request (fiscal_year, household_no) WHERE done_at IS NULL`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON reassessment_request FROM nhi_app`.execute(db);

  // What was stored before becomes version 1 of each person and 年度.
  await sql`
    WITH k AS (SELECT atena_no, fiscal_year FROM income UNION SELECT atena_no, fiscal_year FROM resident_tax_status),
    i AS (
      SELECT atena_no, fiscal_year,
             coalesce(sum(revenue_yen) FILTER (WHERE income_type = 'salary'), 0) AS sr, coalesce(sum(greatest(income_yen, 0)) FILTER (WHERE income_type = 'salary'), 0) AS si,
             coalesce(sum(revenue_yen) FILTER (WHERE income_type = 'pension'), 0) AS pr, coalesce(sum(greatest(income_yen, 0)) FILTER (WHERE income_type = 'pension'), 0) AS pi,
             coalesce(sum(revenue_yen) FILTER (WHERE income_type = 'business'), 0) AS br, coalesce(sum(income_yen) FILTER (WHERE income_type = 'business'), 0) AS bi,
             coalesce(sum(revenue_yen) FILTER (WHERE income_type = 'other'), 0) AS orv, coalesce(sum(greatest(income_yen, 0)) FILTER (WHERE income_type = 'other'), 0) AS oi
        FROM income GROUP BY atena_no, fiscal_year),
    s AS (
      SELECT k.atena_no, k.fiscal_year, i.sr, i.si, i.pr, i.pi, i.br, i.bi, i.oi, t.exempt, t.taxable_standard_yen,
             CASE WHEN i.atena_no IS NULL AND t.unreported THEN 'unreported'
                  WHEN i.atena_no IS NULL OR (i.sr + i.si + i.pr + i.pi + i.br + i.orv + i.oi = 0 AND i.bi = 0) THEN 'no_income'
                  ELSE 'declared' END AS status,
             t.atena_no IS NOT NULL AS has_tax
        FROM k
        LEFT JOIN i ON i.atena_no = k.atena_no AND i.fiscal_year = k.fiscal_year
        LEFT JOIN resident_tax_status t ON t.atena_no = k.atena_no AND t.fiscal_year = k.fiscal_year)
    INSERT INTO income_return (atena_no, fiscal_year, version, source, filing_status, resident_tax, taxable_standard_yen,
      salary_revenue_yen, salary_income_yen, pension_revenue_yen, pension_income_yen, business_revenue_yen, business_income_yen,
      other_income_yen, total_income_yen, recorded_by)
    SELECT atena_no, fiscal_year, 1, 'initial_load', status,
           CASE WHEN status = 'unreported' OR NOT has_tax THEN NULL WHEN exempt THEN 'exempt' ELSE 'taxable' END,
           CASE WHEN status = 'declared' THEN coalesce(taxable_standard_yen, 0) ELSE 0 END,
           CASE WHEN status = 'declared' THEN sr ELSE 0 END, CASE WHEN status = 'declared' THEN least(si, sr) ELSE 0 END,
           CASE WHEN status = 'declared' THEN pr ELSE 0 END, CASE WHEN status = 'declared' THEN least(pi, pr) ELSE 0 END,
           CASE WHEN status = 'declared' THEN br ELSE 0 END, CASE WHEN status = 'declared' THEN bi ELSE 0 END,
           CASE WHEN status = 'declared' THEN oi ELSE 0 END,
           CASE WHEN status = 'declared' THEN greatest(0, least(si, sr) + least(pi, pr) + bi + oi) ELSE 0 END,
           'migration:2026-12-02T0300_income_returns'
      FROM s`.execute(db);
}
