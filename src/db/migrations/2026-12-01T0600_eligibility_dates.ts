import { sql, type Kysely } from 'kysely';

/**
 * 資格: every legal reason and date.
 *
 * - 資格取得事由 / 資格喪失事由: the reasons the law has besides those of 2026-12-01T0100 (県内転入・転出
 *   = 適用開始・終了, 国保組合, 後期(障害認定), 在留資格, 職権喪失); the CHECK lists in the code sets' order.
 * - 届出日 of the acquisition and of the loss (国保法 §9, 施行規則 §2・§11: within 14 days), and whether the
 *   entry is retroactive (遡及: reported later than the deadline), so 賦課 can find it.
 * - person.moved_out_destination: where the 転出 went (another prefecture, within the prefecture, abroad),
 *   which decides the 資格喪失日 (国保法 §8 and its ただし書). Unknown (null) for rows written before.
 * - One insurance at a time, enforced by the database: no two current versions (superseded_at IS NULL)
 *   of one person share a day (an exclusion constraint over daterange(acquired_on, lost_on, '[)'),
 *   btree_gist for the = on atena_no).
 * - 被保険者証記号・番号・枝番 belong to one person for good: branch_no_assignment keeps the first person
 *   that held each (記号, 番号, 枝番); a version naming it for another person is refused.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Same order as ACQUISITION_REASONS / LOSS_REASONS (eligibility.rules.ts).
  const acquisition = ['moved_in', 'moved_in_within_prefecture', 'left_employee_insurance', 'left_national_health_union', 'birth', 'welfare_ended', 'late_elderly_withdrawn',
    'foreigner_moved_in', 'residence_status_gained', 'other'];
  const loss = ['moved_out', 'moved_out_within_prefecture', 'death', 'joined_employee_insurance', 'joined_national_health_union', 'late_elderly', 'late_elderly_disability',
    'welfare_started', 'residence_status_excluded', 'ex_officio', 'other'];
  const list = (codes: string[]) => sql.join(codes.map((c) => sql.lit(c)));
  await sql`ALTER TABLE nhi_eligibility DROP CONSTRAINT nhi_eligibility_acquisition_reason_check`.execute(db);
  await sql`ALTER TABLE nhi_eligibility ADD CONSTRAINT nhi_eligibility_acquisition_reason_check CHECK (acquisition_reason IN (${list(acquisition)}))`.execute(db);
  await sql`ALTER TABLE nhi_eligibility DROP CONSTRAINT nhi_eligibility_loss_reason_check`.execute(db);
  await sql`ALTER TABLE nhi_eligibility ADD CONSTRAINT nhi_eligibility_loss_reason_check CHECK (loss_reason IN (${list(loss)}))`.execute(db);

  await sql`ALTER TABLE nhi_eligibility ADD COLUMN acquisition_reported_on date`.execute(db); // 資格取得の届出日
  await sql`ALTER TABLE nhi_eligibility ADD COLUMN loss_reported_on date`.execute(db); // 資格喪失の届出日
  // 遡及: the 届出 came after the deadline (law parameter eligibility.notification_deadline_days), set by the rules.
  await sql`ALTER TABLE nhi_eligibility ADD COLUMN acquisition_retroactive boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE nhi_eligibility ADD COLUMN loss_retroactive boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE nhi_eligibility ADD CONSTRAINT nhi_eligibility_loss_reported_check CHECK (lost_on IS NOT NULL OR (loss_reported_on IS NULL AND NOT loss_retroactive))`.execute(db);
  await sql`ALTER TABLE nhi_eligibility ADD CONSTRAINT nhi_eligibility_retroactive_reported_check CHECK ((NOT acquisition_retroactive OR acquisition_reported_on IS NOT NULL) AND (NOT loss_retroactive OR loss_reported_on IS NOT NULL))`.execute(db);
  await sql`CREATE INDEX nhi_eligibility_retroactive ON nhi_eligibility (atena_no) WHERE superseded_at IS NULL AND (acquisition_retroactive OR loss_retroactive)`.execute(db);

  await sql`ALTER TABLE person ADD COLUMN moved_out_destination text CHECK (moved_out_destination IN ('other_prefecture', 'within_prefecture', 'abroad'))`.execute(db);

  // btree_gist is a trusted extension (PostgreSQL 13+): the owner of the database may create it.
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gist`.execute(db);
  await sql`
    ALTER TABLE nhi_eligibility ADD CONSTRAINT nhi_eligibility_no_overlap
      EXCLUDE USING gist (atena_no WITH =, daterange(acquired_on, lost_on, '[)') WITH &&) WHERE (superseded_at IS NULL)`.execute(db);

  await sql`
    CREATE TABLE branch_no_assignment (
      insured_symbol text NOT NULL,
      insured_number text NOT NULL,
      branch_no text NOT NULL,
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      assigned_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (insured_symbol, insured_number, branch_no)
    )`.execute(db);
  const taken = await sql<{ insured_symbol: string; insured_number: string; branch_no: string; persons: string }>`
    SELECT insured_symbol, insured_number, branch_no, string_agg(DISTINCT atena_no::text, ', ') AS persons FROM nhi_eligibility
     GROUP BY 1, 2, 3 HAVING count(DISTINCT atena_no) > 1 ORDER BY 1, 2, 3`.execute(db);
  if (taken.rows.length > 0) {
    throw new Error(
      `被保険者証記号・番号・枝番が複数の住民に使われています。訂正してから移行してください: ${taken.rows.map((r) => `${r.insured_symbol} ${r.insured_number} 枝番${r.branch_no}(宛名番号 ${r.persons})`).join('、')}`,
    );
  }
  await sql`
    INSERT INTO branch_no_assignment (insured_symbol, insured_number, branch_no, atena_no)
    SELECT DISTINCT insured_symbol, insured_number, branch_no, atena_no FROM nhi_eligibility`.execute(db);
  await sql`
    CREATE FUNCTION branch_no_once() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE holder bigint;
    BEGIN
      INSERT INTO branch_no_assignment (insured_symbol, insured_number, branch_no, atena_no)
      VALUES (NEW.insured_symbol, NEW.insured_number, NEW.branch_no, NEW.atena_no)
      ON CONFLICT (insured_symbol, insured_number, branch_no) DO NOTHING;
      SELECT atena_no INTO holder FROM branch_no_assignment
       WHERE insured_symbol = NEW.insured_symbol AND insured_number = NEW.insured_number AND branch_no = NEW.branch_no;
      IF holder <> NEW.atena_no THEN
        RAISE EXCEPTION '被保険者証記号・番号・枝番 % % 枝番% は宛名番号 % の住民に割り当て済みです(別の住民には再使用できません)',
          NEW.insured_symbol, NEW.insured_number, NEW.branch_no, holder
          USING ERRCODE = 'unique_violation', CONSTRAINT = 'branch_no_assignment_once';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER nhi_eligibility_branch_no_once BEFORE INSERT OR UPDATE OF insured_symbol, insured_number, branch_no, atena_no ON nhi_eligibility
      FOR EACH ROW EXECUTE FUNCTION branch_no_once()`.execute(db);
  // An assignment is for good: never rewritten nor removed.
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON branch_no_assignment FROM nhi_app`.execute(db);
}
