import { sql, type Kysely } from 'kysely';

/**
 * 住所地特例 (国保法 §116の2): the person is a one-person NHI household of their own while the period lasts
 * — now with a 世帯番号 of its own (国保世帯番号), `nhi_household_status.own_household_no`, which the
 * 国保連合会's 異動世帯 extract and the staff screens use for that household.
 *
 * - Drawn from the sequence nhi_own_household_no (from 9000000001, ten digits like the registry's longest
 *   世帯番号) by a BEFORE INSERT trigger, so every way a period is recorded gets one and the application
 *   cannot choose it; a number the registry already uses for a household is skipped.
 * - The registry intake refuses an event naming a 世帯番号 that is a 住所地特例 household's (the two number
 *   spaces never meet); a city whose registry numbers reach that range moves the sequence (ALTER SEQUENCE).
 * - Exactly the 住所地特例 periods have one (CHECK); unique; the periods recorded before get theirs here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE SEQUENCE nhi_own_household_no START WITH 9000000001 MINVALUE 9000000001 MAXVALUE 9999999999`.execute(db);
  await sql`ALTER TABLE nhi_household_status ADD COLUMN own_household_no bigint UNIQUE`.execute(db);
  await sql`
    CREATE FUNCTION assign_own_household_no() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE n bigint;
    BEGIN
      IF NEW.kind <> 'address_exception' THEN
        NEW.own_household_no := NULL;
        RETURN NEW;
      END IF;
      LOOP
        n := nextval('nhi_own_household_no');
        EXIT WHEN NOT EXISTS (SELECT 1 FROM household h WHERE h.household_no = n);
      END LOOP;
      NEW.own_household_no := n;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER nhi_household_status_own_household_no BEFORE INSERT ON nhi_household_status FOR EACH ROW EXECUTE FUNCTION assign_own_household_no()`.execute(db);
  // The periods recorded before this migration (the history trigger records the change, as a migration's).
  await sql`SELECT set_config('nhi.actor', 'migration:2026-12-03T1000_address_exception_household_no', true)`.execute(db);
  await sql`UPDATE nhi_household_status SET own_household_no = nextval('nhi_own_household_no') WHERE kind = 'address_exception'`.execute(db);
  await sql`ALTER TABLE nhi_household_status ADD CONSTRAINT nhi_household_status_own_household_no CHECK ((kind = 'address_exception') = (own_household_no IS NOT NULL))`.execute(db);
  // Set once, when the period is recorded: an update may not change it.
  await sql`
    CREATE FUNCTION keep_own_household_no() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.own_household_no IS DISTINCT FROM OLD.own_household_no OR NEW.kind IS DISTINCT FROM OLD.kind THEN
        RAISE EXCEPTION '住所地特例の国保世帯番号と特例の種類は変更できません' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER nhi_household_status_keep_own_household_no BEFORE UPDATE ON nhi_household_status FOR EACH ROW EXECUTE FUNCTION keep_own_household_no()`.execute(db);
}
