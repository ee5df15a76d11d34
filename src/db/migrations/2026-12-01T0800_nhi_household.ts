import { sql, type Kysely } from 'kysely';

/**
 * 国保世帯 (the NHI household), apart from the registry household: its special statuses as periods of a
 * person in a household (nhi-household.rules.ts computes the NHI household as of a day from these, the
 * registry membership periods and the 資格 periods).
 *
 * - kind: `pseudo_head` 擬制世帯主 (地方税法 §703の4), `head_by_application` 世帯主変更申出 (国保上の世帯主),
 *   `specific_same_household` 特定同一世帯所属者, `address_exception` 住所地特例 (国保法 §116の2: with the
 *   facility's name and kind; never a 児童福祉施設), `student_exception` 修学中の特例 (国保法 §116: with the school).
 * - household_no: the registry household whose NHI household the status belongs to (住所地特例: the one the
 *   person left; they are a one-person NHI household of their own while it lasts).
 * - [valid_from, valid_to) half-open; one period at a time per person and kind (exclusion constraint, btree_gist
 *   from 2026-12-01T0600). An end is an update of valid_to: history by the keep_history trigger
 *   (nhi_household_status_history), like household_member; rows are never deleted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE nhi_household_status (
      status_id bigserial PRIMARY KEY,
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      household_no bigint NOT NULL REFERENCES household(household_no),
      kind text NOT NULL CHECK (kind IN ('pseudo_head', 'head_by_application', 'specific_same_household', 'address_exception', 'student_exception')),
      valid_from date NOT NULL,
      valid_to date,
      facility_name text,                                      -- 住所地特例: 入所施設名
      facility_kind text CHECK (facility_kind IN ('hospital', 'disability_support', 'elderly_home', 'care_facility', 'other')),
      school_name text,                                        -- 修学中の特例: 学校名
      basis text,                                              -- 根拠・備考 (申出書 etc.)
      reported_on date,                                        -- 届出日・申出日
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> ''),
      CHECK (valid_to IS NULL OR valid_to > valid_from),
      CHECK ((kind = 'address_exception') = (facility_name IS NOT NULL AND facility_kind IS NOT NULL)),
      CHECK ((kind = 'student_exception') = (school_name IS NOT NULL)),
      CONSTRAINT nhi_household_status_no_overlap
        EXCLUDE USING gist (atena_no WITH =, kind WITH =, daterange(valid_from, valid_to, '[)') WITH &&)
    )`.execute(db);
  await sql`CREATE INDEX nhi_household_status_household ON nhi_household_status (household_no)`.execute(db);

  await sql`
    CREATE TABLE nhi_household_status_history (
      history_id bigserial PRIMARY KEY,
      row_key text NOT NULL,
      op text NOT NULL CHECK (op IN ('UPDATE', 'DELETE')),
      changed_fields text[] NOT NULL,
      row_data jsonb NOT NULL,
      superseded_at timestamptz NOT NULL,
      superseded_by text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX nhi_household_status_history_key ON nhi_household_status_history (row_key)`.execute(db);
  await sql`CREATE TRIGGER nhi_household_status_stamp BEFORE UPDATE ON nhi_household_status FOR EACH ROW EXECUTE FUNCTION stamp_update()`.execute(db);
  await sql`CREATE TRIGGER nhi_household_status_history AFTER UPDATE OR DELETE ON nhi_household_status FOR EACH ROW EXECUTE FUNCTION keep_history('status_id')`.execute(db);
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON nhi_household_status_history FROM nhi_app`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON nhi_household_status FROM nhi_app`.execute(db);
}
