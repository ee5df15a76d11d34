import { sql, type Kysely } from 'kysely';

/**
 * 宛名 (persons), 世帯 (households and their members), 住所 (address areas), 所得 (income) and a first
 * home for 資格 (NHI eligibility). These hold the 宛名情報 group of the seed's 別添２ and the parts
 * of the 資格情報 group the platform needs; later areas extend them with their own migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // 住所コード master: fictional 町丁目 of the demo city, or the city's real master in production.
  await sql`
    CREATE TABLE address_area (
      area_code text PRIMARY KEY,                  -- 住所コード
      town_name text NOT NULL,                     -- 町名
      chome integer,                               -- 丁目
      postal_code text NOT NULL CHECK (postal_code ~ '^[0-9]{7}$'),
      branch_office text NOT NULL                  -- 管轄の支所 / 本庁
    )`.execute(db);

  await sql`
    CREATE TABLE person (
      atena_no bigint PRIMARY KEY CHECK (atena_no > 0),        -- 宛名番号
      name_kanji text NOT NULL,                                -- 氏名漢字 (variation selectors kept)
      name_kana text NOT NULL,                                 -- 氏名カナ (full-width katakana)
      name_kana_key text NOT NULL,                             -- search key: folded kana, no spaces
      name_kanji_key text NOT NULL,                            -- search key: NFKC, no spaces, no variation selectors
      alias_kanji text,                                        -- 外国人通称氏名漢字
      alias_kana text,                                         -- 外国人通称氏名カナ
      alias_kana_key text,
      alias_kanji_key text,
      real_name text,                                          -- 外国人本名 (alphabet)
      real_name_kana text,                                     -- 外国人本名カナ
      birth_date date NOT NULL,                                -- 生年月日
      sex text NOT NULL CHECK (sex IN ('male', 'female')),     -- 性別区分
      resident_kind text NOT NULL CHECK (resident_kind IN ('japanese', 'foreign')),  -- 住民区分
      resident_status text NOT NULL CHECK (resident_status IN ('resident', 'moved_out', 'deceased')),
      nationality_code text,                                   -- 国籍コード (ISO 3166-1 alpha-2)
      became_resident_on date,                                 -- 住民日
      area_code text REFERENCES address_area(area_code),       -- 現住所コード
      banchi text,                                             -- 現住所地番
      katagaki text,                                           -- 現住所方書
      address_set_on date,                                     -- 住定日
      previous_address text,                                   -- 転入前住所
      moved_out_to text,                                       -- 転出先住所
      moved_out_on date,
      death_date date,
      phone text,
      dv_support boolean NOT NULL DEFAULT false,               -- ＤＶ等支援措置 (自己情報不開示の申出)
      valid_from date NOT NULL,                                -- 異動日 of this version
      change_reason text NOT NULL,                             -- 異動事由
      reported_on date,                                        -- 届出日
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> '')
    )`.execute(db);
  await sql`CREATE INDEX person_kana_key ON person (name_kana_key text_pattern_ops)`.execute(db);
  await sql`CREATE INDEX person_alias_kana_key ON person (alias_kana_key text_pattern_ops) WHERE alias_kana_key IS NOT NULL`.execute(db);
  await sql`CREATE INDEX person_kanji_key ON person (name_kanji_key text_pattern_ops)`.execute(db);
  await sql`CREATE INDEX person_alias_kanji_key ON person (alias_kanji_key text_pattern_ops) WHERE alias_kanji_key IS NOT NULL`.execute(db);
  await sql`CREATE INDEX person_birth_date ON person (birth_date)`.execute(db);

  await sql`
    CREATE TABLE household (
      household_no bigint PRIMARY KEY CHECK (household_no > 0),   -- 世帯番号
      formed_on date NOT NULL,
      dissolved_on date,
      valid_from date NOT NULL,
      change_reason text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> '')
    )`.execute(db);

  // Membership periods. The head (世帯主) is the member whose relationship is '世帯主'; it is not stored
  // a second time on the household. valid_to is the first day the person is no longer a member.
  await sql`
    CREATE TABLE household_member (
      member_id bigserial PRIMARY KEY,
      household_no bigint NOT NULL REFERENCES household(household_no),
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      relationship text NOT NULL,                              -- 続柄 (世帯主, 妻, 子, 子の子, 縁故者, 同居人 …)
      member_order integer NOT NULL,                           -- 世帯員の並び順
      valid_from date NOT NULL,
      valid_to date,
      change_reason text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> ''),
      CHECK (valid_to IS NULL OR valid_to > valid_from)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX household_member_current ON household_member (atena_no) WHERE valid_to IS NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX household_head_current ON household_member (household_no) WHERE valid_to IS NULL AND relationship = '世帯主'`.execute(db);
  await sql`CREATE INDEX household_member_household ON household_member (household_no)`.execute(db);
  await sql`CREATE INDEX household_member_person ON household_member (atena_no)`.execute(db);

  // 所得: income by type for a fiscal year of assessment (賦課年度; the income is the previous calendar year's).
  await sql`
    CREATE TABLE income (
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
      income_type text NOT NULL CHECK (income_type IN ('salary', 'pension', 'business', 'other')),
      revenue_yen bigint NOT NULL CHECK (revenue_yen >= 0),     -- 収入金額
      income_yen bigint NOT NULL,                               -- 所得金額 (business may be negative)
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> ''),
      PRIMARY KEY (atena_no, fiscal_year, income_type)
    )`.execute(db);

  // 資格: NHI membership periods (acquisition/loss with legal dates). Bitemporal: acquired_on/lost_on are
  // the legal dates; recorded_at/superseded_at say when the system learned them. The eligibility area
  // extends this table.
  await sql`
    CREATE TABLE nhi_eligibility (
      eligibility_id bigserial PRIMARY KEY,
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      household_no bigint NOT NULL REFERENCES household(household_no),
      insured_symbol text NOT NULL,                             -- 被保険者証記号
      insured_number text NOT NULL,                             -- 被保険者証番号
      branch_no text NOT NULL CHECK (branch_no ~ '^[0-9]{2}$'),  -- 枝番
      acquired_on date NOT NULL,                                -- 資格取得年月日
      acquisition_reason text NOT NULL,                         -- 資格取得事由
      lost_on date,                                             -- 資格喪失年月日
      loss_reason text,
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      superseded_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> ''),
      CHECK (lost_on IS NULL OR lost_on >= acquired_on)
    )`.execute(db);
  await sql`CREATE INDEX nhi_eligibility_person ON nhi_eligibility (atena_no)`.execute(db);
  await sql`CREATE INDEX nhi_eligibility_household ON nhi_eligibility (household_no)`.execute(db);

  for (const [table, key] of [
    ['person', 'atena_no'],
    ['household', 'household_no'],
    ['household_member', 'member_id'],
    ['income', 'atena_no'],
    ['nhi_eligibility', 'eligibility_id'],
  ] as const) {
    await sql`
      CREATE TABLE ${sql.id(`${table}_history`)} (
        history_id bigserial PRIMARY KEY,
        row_key text NOT NULL,
        op text NOT NULL CHECK (op IN ('UPDATE', 'DELETE')),
        changed_fields text[] NOT NULL,
        row_data jsonb NOT NULL,                 -- the superseded version, as it was
        superseded_at timestamptz NOT NULL,
        superseded_by text NOT NULL
      )`.execute(db);
    await sql`CREATE INDEX ${sql.id(`${table}_history_key`)} ON ${sql.id(`${table}_history`)} (row_key)`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${table}_stamp`)} BEFORE UPDATE ON ${sql.id(table)} FOR EACH ROW EXECUTE FUNCTION stamp_update()`.execute(db);
    await sql`REVOKE UPDATE, DELETE, TRUNCATE ON ${sql.id(`${table}_history`)} FROM nhi_app`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${table}_history`)} AFTER UPDATE OR DELETE ON ${sql.id(table)} FOR EACH ROW EXECUTE FUNCTION keep_history(${sql.lit(key)})`.execute(db);
  }
}
