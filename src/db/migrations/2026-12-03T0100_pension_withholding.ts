import { sql, type Kysely } from 'kysely';

/**
 * 特別徴収 (年金からの天引き) of 国民健康保険税: what the 年金保険者 notified about each person and 年度
 * (特別徴収対象年金所得者の情報: 年金保険者コード, 年金の種類, 年金の年額, whether 介護保険料 is withheld from
 * that pension and its annual amount), imported from their file; a re-import of the same person and 年度
 * replaces the row (the file is the record; its SHA-256 and line are kept). And the 口座振替への変更申出:
 * a household head who asked to pay by 口座振替 (普通徴収) instead — kept, never deleted: a withdrawn
 * 申出 gets `ended_at` / `ended_by` / `end_reason` (the only update the trigger allows). And a 本算定
 * version may now store its 期別 (`assessment.installments`): those of a household under 特別徴収.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE pension_withholding (
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
      insurer_code text NOT NULL CHECK (insurer_code ~ '^[0-9]{3}$'),          -- 年金保険者コード
      pension_kind text NOT NULL CHECK (pension_kind ~ '^[0-9A-Z]{1,4}$'),       -- 年金の種類 (the insurer's code)
      annual_amount_yen bigint NOT NULL CHECK (annual_amount_yen BETWEEN 0 AND 100000000000),
      care_withheld boolean NOT NULL,                                          -- 介護保険料を特別徴収している年金か
      care_premium_yen bigint CHECK (care_premium_yen BETWEEN 0 AND 100000000000),
      notified_on date NOT NULL,
      source_sha256 text NOT NULL CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
      source_line integer NOT NULL CHECK (source_line > 0),
      imported_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      imported_by text NOT NULL CHECK (imported_by <> ''),
      PRIMARY KEY (atena_no, fiscal_year)
    )`.execute(db);
  await sql`CREATE INDEX pension_withholding_year ON pension_withholding (fiscal_year, atena_no)`.execute(db);
  await sql`
    CREATE TABLE account_transfer_request (
      request_id bigserial PRIMARY KEY,
      household_no bigint NOT NULL REFERENCES household(household_no),
      atena_no bigint NOT NULL REFERENCES person(atena_no),                    -- the 世帯主 who asked
      requested_on date NOT NULL,                                              -- 申出日
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      recorded_by text NOT NULL CHECK (recorded_by <> ''),
      ended_at timestamptz,
      ended_by text,
      end_reason text CHECK (end_reason IS NULL OR length(end_reason) BETWEEN 1 AND 200),
      CHECK ((ended_at IS NULL) = (ended_by IS NULL) AND (ended_at IS NULL) = (end_reason IS NULL))
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX account_transfer_request_open ON account_transfer_request (household_no) WHERE ended_at IS NULL`.execute(db);
  await sql`
    CREATE FUNCTION account_transfer_request_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL
         OR (to_jsonb(NEW) - 'ended_at' - 'ended_by' - 'end_reason') <> (to_jsonb(OLD) - 'ended_at' - 'ended_by' - 'end_reason') THEN
        RAISE EXCEPTION 'account_transfer_request: only ending a request once is allowed';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER account_transfer_request_keep BEFORE UPDATE ON account_transfer_request FOR EACH ROW EXECUTE FUNCTION account_transfer_request_keep()`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON account_transfer_request FROM nhi_app`.execute(db);
  // A 本算定 version under 特別徴収 stores its 期別 too (the others stay null: derived from the total).
  await sql`
    ALTER TABLE assessment DROP CONSTRAINT assessment_installments_of_correction,
      ADD CONSTRAINT assessment_installments_array CHECK (installments IS NULL OR jsonb_typeof(installments) = 'array')`.execute(db);
}
