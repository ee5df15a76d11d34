import { sql, type Kysely } from 'kysely';

/**
 * The addresses of the DV等支援措置 persons kept in a small table of their own, instead of the partial
 * index person_dv_address (2026-11-30T0400) on person (area_code, banchi, katagaki) WHERE dv_support.
 *
 * Why: an index names its columns for every row, even a partial one. With the address columns indexed,
 * every 転居 of anyone (a third of the registry's changes) could not be written as a heap-only version:
 * each one added an entry to each of the person table's indexes (name keys, birth date, …) and touched a
 * page of each. A replayed registry file of 20,000 random 転居 took 3.3 s with the index, 1.1 s without.
 *
 * `dv_flagged_address` holds one row per flagged person (宛名番号, 町字, 番地, 方書), kept by triggers on
 * person that fire only for a flagged person (set, moved, lifted) or a flagged newcomer: the application
 * cannot write it (no grants) and cannot bypass it. The read "which flagged persons live at these
 * addresses" looks it up by (町字, 番地) as the index did.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE dv_flagged_address (
      atena_no bigint PRIMARY KEY REFERENCES person(atena_no) ON DELETE CASCADE,   -- 宛名番号 of a person with dv_support
      area_code text,                                                               -- 町字 (住所コード)
      banchi text,                                                                  -- 番地
      katagaki text                                                                 -- 方書
    )`.execute(db);
  await sql`CREATE INDEX dv_flagged_address_place ON dv_flagged_address (area_code, (coalesce(banchi, '')))`.execute(db);
  await sql`INSERT INTO dv_flagged_address (atena_no, area_code, banchi, katagaki) SELECT atena_no, area_code, banchi, katagaki FROM person WHERE dv_support`.execute(db);

  await sql`
    CREATE FUNCTION keep_dv_flagged_address() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    BEGIN
      IF NEW.dv_support THEN
        INSERT INTO dv_flagged_address (atena_no, area_code, banchi, katagaki) VALUES (NEW.atena_no, NEW.area_code, NEW.banchi, NEW.katagaki)
        ON CONFLICT (atena_no) DO UPDATE SET area_code = EXCLUDED.area_code, banchi = EXCLUDED.banchi, katagaki = EXCLUDED.katagaki;
      ELSE
        DELETE FROM dv_flagged_address WHERE atena_no = NEW.atena_no;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  // WHEN is evaluated without calling the function: rows of persons never flagged cost nothing.
  await sql`CREATE TRIGGER person_dv_flagged_insert AFTER INSERT ON person FOR EACH ROW WHEN (NEW.dv_support) EXECUTE FUNCTION keep_dv_flagged_address()`.execute(db);
  await sql`CREATE TRIGGER person_dv_flagged_update AFTER UPDATE ON person FOR EACH ROW WHEN (NEW.dv_support OR OLD.dv_support) EXECUTE FUNCTION keep_dv_flagged_address()`.execute(db);
  // Read by the application; written only by the triggers (the function runs as the owner).
  await sql`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON dv_flagged_address FROM nhi_app`.execute(db);
  await sql`DROP INDEX person_dv_address`.execute(db);
}
