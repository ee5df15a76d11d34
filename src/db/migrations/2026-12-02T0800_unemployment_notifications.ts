import { sql, type Kysely } from 'kysely';

/**
 * 非自発的失業の届出 (特例対象被保険者等, 地方税法 703条の5の2): an insured person's 離職日 and 離職理由コード
 * (雇用保険受給資格者証), from which 給与所得 × 30/100 is used from the month of the day after 離職 to
 * the end of the following 年度. Kept, never deleted: a withdrawn notification gets `ended_at` /
 * `ended_by` / `end_reason` (the only update the trigger allows) and a correction is a new row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE unemployment_notification (
      notification_id bigserial PRIMARY KEY,
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      separated_on date NOT NULL,                  -- 離職日 (the period starts the day after)
      reason_code text NOT NULL CHECK (reason_code ~ '^[0-9]{2}$'),
      reported_on date NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      recorded_by text NOT NULL CHECK (recorded_by <> ''),
      ended_at timestamptz,
      ended_by text,
      end_reason text CHECK (end_reason IS NULL OR length(end_reason) BETWEEN 1 AND 200),
      CHECK ((ended_at IS NULL) = (ended_by IS NULL) AND (ended_at IS NULL) = (end_reason IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX unemployment_notification_person ON unemployment_notification (atena_no) WHERE ended_at IS NULL`.execute(db);
  await sql`
    CREATE FUNCTION unemployment_notification_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL
         OR (to_jsonb(NEW) - 'ended_at' - 'ended_by' - 'end_reason') <> (to_jsonb(OLD) - 'ended_at' - 'ended_by' - 'end_reason') THEN
        RAISE EXCEPTION 'unemployment_notification: only ending a notification once is allowed';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER unemployment_notification_keep BEFORE UPDATE ON unemployment_notification FOR EACH ROW EXECUTE FUNCTION unemployment_notification_keep()`.execute(db);
  await sql`REVOKE DELETE, TRUNCATE ON unemployment_notification FROM nhi_app`.execute(db);
}
