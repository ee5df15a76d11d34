import { sql, type Kysely } from 'kysely';

/**
 * 産前産後期間の届出 (地方税法 703条の5の3): an insured person's notification of the (expected) month of
 * birth, from which the 所得割 and 均等割 of the 産前産後期間 are not charged. Kept, never deleted: a
 * withdrawn or corrected notification gets `ended_at` / `ended_by` / `end_reason` (the only update the
 * trigger allows) and a correction is a new row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE perinatal_notification (
      notification_id bigserial PRIMARY KEY,
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      birth_month date NOT NULL CHECK (extract(day FROM birth_month) = 1),
      multiple boolean NOT NULL,
      born boolean NOT NULL,                       -- false: 出産予定月, true: 出産月
      reported_on date NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      recorded_by text NOT NULL CHECK (recorded_by <> ''),
      ended_at timestamptz,
      ended_by text,
      end_reason text CHECK (end_reason IS NULL OR length(end_reason) BETWEEN 1 AND 200),
      CHECK ((ended_at IS NULL) = (ended_by IS NULL) AND (ended_at IS NULL) = (end_reason IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX perinatal_notification_person ON perinatal_notification (atena_no) WHERE ended_at IS NULL`.execute(db);
  await sql`
    CREATE FUNCTION perinatal_notification_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL
         OR (to_jsonb(NEW) - 'ended_at' - 'ended_by' - 'end_reason') <> (to_jsonb(OLD) - 'ended_at' - 'ended_by' - 'end_reason') THEN
        RAISE EXCEPTION 'perinatal_notification: only ending a notification once is allowed';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER perinatal_notification_keep BEFORE UPDATE ON perinatal_notification FOR EACH ROW EXECUTE FUNCTION perinatal_notification_keep()`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON perinatal_notification FROM nhi_app`.execute(db);
}
