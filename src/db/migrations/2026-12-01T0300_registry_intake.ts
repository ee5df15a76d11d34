import { sql, type Kysely } from 'kysely';

/**
 * 住基連携 (resident-registry intake): every event taken (keyed by the registry's 異動連番, so a replay
 * changes nothing), the work items it opens for staff (作業項目: 資格取得/喪失の候補 …, and the automatic
 * changes listed for review), the system clients allowed to push events (a token per client, only its
 * SHA-256 kept), and the person's 在留資格・在留期間満了日. Audit records may now name a system actor.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // 異動事由 the registry brings besides those of 2026-12-01T0100 (same order as the areas' code set).
  const reasons = ['moved_in', 'moved_in_from_abroad', 'moved_within', 'moved_out', 'moved_out_abroad', 'birth', 'death', 'household_split', 'household_merged', 'household_changed', 'recorded_ex_officio', 'removed_ex_officio',
    'moved_out_planned', 'head_changed', 'name_changed', 'alias_changed', 'residence_changed', 'support_started', 'support_ended', 'naturalized', 'corrected', 'other'];
  for (const table of ['person', 'household', 'household_member']) {
    await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${sql.id(`${table}_change_reason_check`)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${sql.id(`${table}_change_reason_check`)} CHECK (change_reason IN (${sql.join(reasons.map((r) => sql.lit(r)))}))`.execute(db);
  }

  await sql`ALTER TABLE person ADD COLUMN residence_status text`.execute(db);
  await sql`ALTER TABLE person ADD COLUMN residence_expires_on date`.execute(db);

  await sql`
    CREATE TABLE system_client (
      client_id text PRIMARY KEY CHECK (client_id ~ '^[a-z][a-z0-9-]{1,39}$'),
      name text NOT NULL CHECK (name <> ''),
      purpose text NOT NULL CHECK (purpose IN ('registry')),
      token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      created_by text NOT NULL CHECK (created_by <> ''),
      disabled_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE registry_event (
      event_id text PRIMARY KEY CHECK (event_id ~ '^[A-Za-z0-9_-]{1,40}$'),   -- 異動連番 (the registry's)
      event_code text NOT NULL CHECK (event_code IN ('11','12','13','14','15','21','22','23','24','25','26','31','32','33','34','35','36','37','38','41','42')),
      occurred_on date NOT NULL,                                                -- 異動日
      reported_on date,                                                         -- 届出日
      atena_no bigint NOT NULL CHECK (atena_no > 0),
      content jsonb NOT NULL,                                                   -- the event as received
      content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
      source text NOT NULL CHECK (source IN ('file', 'api')),
      job_run_id text,                                                          -- the file's run
      received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      received_by text NOT NULL CHECK (received_by <> '')
    )`.execute(db);
  await sql`CREATE INDEX registry_event_person ON registry_event (atena_no, occurred_on)`.execute(db);
  await sql`CREATE INDEX registry_event_received ON registry_event (received_at)`.execute(db);

  await sql`
    CREATE TABLE work_item (
      work_item_id bigserial PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('acquisition_candidate', 'application_start_in_prefecture', 'loss_candidate',
        'application_end_in_prefecture', 'household_review', 'certificate_reissue', 'residence_review', 'automatic_loss')),
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      household_no bigint,
      event_id text REFERENCES registry_event(event_id),
      -- what made it when no registry event did (the 75th-birthday job: 'late_elderly:<atena_no>:<date>')
      origin_key text,
      suggested_date date,
      basis text NOT NULL CHECK (basis <> ''),
      eligibility_id bigint REFERENCES nhi_eligibility(eligibility_id),       -- automatic: the version it wrote
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dismissed')),
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      created_by text NOT NULL CHECK (created_by <> ''),
      resolved_at timestamptz,
      resolved_by text,
      resolution_note text,
      CHECK ((status = 'open') = (resolved_at IS NULL)),
      CHECK (event_id IS NOT NULL OR origin_key IS NOT NULL)
    )`.execute(db);
  await sql`CREATE INDEX work_item_open ON work_item (created_at) WHERE status = 'open'`.execute(db);
  await sql`CREATE INDEX work_item_person ON work_item (atena_no)`.execute(db);
  await sql`CREATE UNIQUE INDEX work_item_once_per_event ON work_item (event_id, kind) WHERE event_id IS NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX work_item_once_per_origin ON work_item (origin_key) WHERE origin_key IS NOT NULL`.execute(db);

  await sql`ALTER TABLE audit_event DROP CONSTRAINT audit_event_actor_kind_check`.execute(db);
  await sql`ALTER TABLE audit_event ADD CONSTRAINT audit_event_actor_kind_check CHECK (actor_kind IN ('staff', 'operator', 'anonymous', 'system'))`.execute(db);

  // Default privileges give nhi_app DML on new tables; deletion is not how these tables change.
  await sql`REVOKE DELETE, TRUNCATE ON system_client, work_item FROM nhi_app`.execute(db);
  // An event taken is a fact: never rewritten.
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON registry_event FROM nhi_app`.execute(db);
}
