import { sql, type Kysely } from 'kysely';

/**
 * 減免 (地方税法 717条; the city's 国民健康保険税条例): one row per 減免 decided on a household's 年度, made
 * when a second person approves the request (approval kind `reduction.exemption`). The 減免額 is taken
 * from the installments whose 納期限 is on or after the 申請日 (`applied_on`) of the assessment version
 * it was decided on; every later 更正 of the household and 年度 keeps subtracting it. Kept, never
 * deleted: a 取消し sets `ended_at` / `ended_by` / `end_reason` once (the only update the trigger allows).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE tax_exemption (
      exemption_id bigserial PRIMARY KEY,
      household_no bigint NOT NULL REFERENCES household(household_no),
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
      reason_code text NOT NULL CHECK (reason_code IN ('disaster', 'income_decrease', 'detention', 'former_dependent')),
      rate text CHECK (rate IS NULL OR rate ~ '^(0(\\.[0-9]+)?|1(\\.0+)?)$'),  -- exact decimal text, 0..1
      fixed_amount_yen integer CHECK (fixed_amount_yen IS NULL OR fixed_amount_yen >= 1),
      applied_on date NOT NULL,                       -- 申請日: the 期 due on or after it are reduced
      base_yen integer NOT NULL CHECK (base_yen >= 0), -- Σ of those 期 on the version decided on
      exemption_yen integer NOT NULL CHECK (exemption_yen >= 1 AND exemption_yen <= base_yen),
      assessment_id bigint NOT NULL REFERENCES assessment(assessment_id),
      assessment_version integer NOT NULL CHECK (assessment_version >= 1),
      note text CHECK (note IS NULL OR length(note) BETWEEN 1 AND 200),
      change_id bigint REFERENCES pending_change(change_id),
      requested_by text NOT NULL CHECK (requested_by <> ''),
      decided_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      decided_by text NOT NULL CHECK (decided_by <> '' AND decided_by <> requested_by),
      ended_at timestamptz,
      ended_by text,
      end_reason text CHECK (end_reason IS NULL OR length(end_reason) BETWEEN 1 AND 200),
      CHECK ((rate IS NULL) <> (fixed_amount_yen IS NULL)),
      CHECK ((ended_at IS NULL) = (ended_by IS NULL) AND (ended_at IS NULL) = (end_reason IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX tax_exemption_household ON tax_exemption (household_no, fiscal_year) WHERE ended_at IS NULL`.execute(db);
  await sql`
    CREATE FUNCTION tax_exemption_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL
         OR (to_jsonb(NEW) - 'ended_at' - 'ended_by' - 'end_reason') <> (to_jsonb(OLD) - 'ended_at' - 'ended_by' - 'end_reason') THEN
        RAISE EXCEPTION 'tax_exemption: only ending (取消し) an exemption once is allowed';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER tax_exemption_keep BEFORE UPDATE ON tax_exemption FOR EACH ROW EXECUTE FUNCTION tax_exemption_keep()`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON tax_exemption FROM nhi_app`.execute(db);
}
