import { sql, type Kysely } from 'kysely';

/**
 * 証交付回収情報 (the seed's 別添２(3)): every certificate issued and recovered — 資格確認書, 資格情報の
 * お知らせ, 限度額適用認定証 (and its 標準負担額減額 variant), 特定疾病療養受療証 — with the judgement it
 * states (負担割合, 所得区分) and its explanation, the validity, how and why it was issued and recovered.
 * What is printed is a snapshot (記号・番号・枝番, 交付氏名); the address is read at printing, under the DV
 * rule. Rows are never deleted; a recovery is an update of the recovery columns (history by keep_history).
 *
 * Also two facts the judgements read, from other systems:
 * - myna_insurance_use: マイナ保険証の利用登録 (オンライン資格確認), which decides 資格確認書 (none) or
 *   資格情報のお知らせ (registered).
 * - resident_tax_status: 住民税の課税状況 per 年度 (課税標準額, 非課税, 未申告) from the 個人住民税 system,
 *   for the 負担割合 (課税標準額 145万円) and the 所得区分 (非課税世帯).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE certificate (
      certificate_id bigserial PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('qualification_certificate', 'qualification_notice', 'limit', 'limit_reduced', 'specific_disease')),
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      household_no bigint NOT NULL REFERENCES household(household_no),
      eligibility_id bigint NOT NULL REFERENCES nhi_eligibility(eligibility_id),
      insured_symbol text NOT NULL,                           -- 券面記載の記号
      insured_number text NOT NULL,                           -- 券面記載の番号
      branch_no text NOT NULL CHECK (branch_no ~ '^[0-9]{2}$'),
      printed_name text NOT NULL,                             -- 交付氏名漢字 (通称 when the person uses one)
      printed_name_kana text NOT NULL,                        -- 交付氏名カナ
      issued_on date NOT NULL,                                -- 交付年月日
      valid_from date NOT NULL,                               -- 発効期日・適用年月日
      valid_to date,                                          -- 有効期限 (null: none)
      copay_percent integer CHECK (copay_percent IN (20, 30)), -- 一部負担金の割合 (高齢受給者: printed)
      income_class text CHECK (income_class IN ('a', 'i', 'u', 'e', 'o', 'high3', 'high2', 'high1', 'general', 'low2', 'low1')),
      disease text CHECK (disease IN ('hemophilia', 'renal_dialysis', 'hiv')),
      self_pay_limit integer CHECK (self_pay_limit > 0),      -- 特定疾病の自己負担限度額 (月額)
      judgement jsonb NOT NULL,                               -- the rules' explanation lines at issue
      application_on date,                                    -- 申請年月日
      issue_reason text NOT NULL CHECK (issue_reason IN ('acquisition', 'renewal', 'change', 'copay_change', 'lost', 'application')),
      issue_method text NOT NULL CHECK (issue_method IN ('counter', 'mail')),
      recovered_on date,                                      -- 回収年月日
      recovery_reason text CHECK (recovery_reason IN ('loss', 'replaced', 'expired', 'cured', 'other')),
      recovery_method text CHECK (recovery_method IN ('counter', 'mail', 'not_returned')),
      recovery_note text,
      batch_run text,                                         -- the job run that issued it (一斉更新)
      issued_by text NOT NULL CHECK (issued_by <> ''),
      issued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> ''),
      CHECK (valid_to IS NULL OR valid_to >= valid_from),
      CHECK ((recovered_on IS NULL) = (recovery_reason IS NULL) AND (recovered_on IS NULL) = (recovery_method IS NULL)),
      CHECK (recovered_on IS NULL OR recovered_on >= issued_on),
      CHECK ((kind = 'specific_disease') = (disease IS NOT NULL AND self_pay_limit IS NOT NULL)),
      CHECK ((kind IN ('limit', 'limit_reduced')) = (income_class IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX certificate_person ON certificate (atena_no, kind, issued_on)`.execute(db);
  // One renewal per person, kind and first valid day: a re-run of the 一斉更新 issues nothing twice.
  await sql`CREATE UNIQUE INDEX certificate_renewal_once ON certificate (atena_no, kind, valid_from) WHERE issue_reason = 'renewal'`.execute(db);

  await sql`
    CREATE TABLE certificate_history (
      history_id bigserial PRIMARY KEY,
      row_key text NOT NULL,
      op text NOT NULL CHECK (op IN ('UPDATE', 'DELETE')),
      changed_fields text[] NOT NULL,
      row_data jsonb NOT NULL,
      superseded_at timestamptz NOT NULL,
      superseded_by text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX certificate_history_key ON certificate_history (row_key)`.execute(db);
  await sql`CREATE TRIGGER certificate_stamp BEFORE UPDATE ON certificate FOR EACH ROW EXECUTE FUNCTION stamp_update()`.execute(db);
  await sql`CREATE TRIGGER certificate_history AFTER UPDATE OR DELETE ON certificate FOR EACH ROW EXECUTE FUNCTION keep_history('certificate_id')`.execute(db);
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON certificate_history FROM nhi_app`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON certificate FROM nhi_app`.execute(db);

  await sql`
    CREATE TABLE myna_insurance_use (
      atena_no bigint PRIMARY KEY REFERENCES person(atena_no),
      registered_on date NOT NULL,                            -- マイナ保険証の利用登録日
      cancelled_on date,                                      -- 利用登録の解除日
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> ''),
      CHECK (cancelled_on IS NULL OR cancelled_on >= registered_on)
    )`.execute(db);

  await sql`
    CREATE TABLE resident_tax_status (
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),  -- 住民税の年度 (前年の所得)
      taxable_standard_yen bigint NOT NULL CHECK (taxable_standard_yen >= 0),  -- 課税標準額
      exempt boolean NOT NULL,                                                 -- 住民税非課税
      unreported boolean NOT NULL DEFAULT false,                               -- 未申告
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> ''),
      PRIMARY KEY (atena_no, fiscal_year)
    )`.execute(db);
}
