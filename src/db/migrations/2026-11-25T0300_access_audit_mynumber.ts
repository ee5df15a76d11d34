import { sql, type Kysely } from 'kysely';

/**
 * Staff identity and permissions (利用者・権限), sessions, the audit trail (監査証跡) and My Number
 * storage (個人番号). See docs/SECURITY.md.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE office (
      office_code text PRIMARY KEY,
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('head_office', 'branch', 'tax'))  -- 本庁 / 支所・行政センター / 税部門
    )`.execute(db);

  await sql`
    CREATE TABLE staff (
      staff_id text PRIMARY KEY CHECK (staff_id ~ '^[A-Za-z0-9._-]{3,32}$'),  -- 職員ID (one person, never shared)
      display_name text NOT NULL,
      office_code text NOT NULL REFERENCES office(office_code),
      password_hash text NOT NULL,                     -- argon2id
      totp_secret_enc text,                            -- TOTP secret, AES-256-GCM under the key file
      failed_logins integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      disabled_at timestamptz,
      disabled_reason text,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> '')
    )`.execute(db);

  await sql`
    CREATE TABLE role (
      role_code text PRIMARY KEY,
      name text NOT NULL,
      read_only boolean NOT NULL DEFAULT false
    )`.execute(db);
  await sql`
    CREATE TABLE role_permission (
      role_code text NOT NULL REFERENCES role(role_code),
      permission text NOT NULL,
      PRIMARY KEY (role_code, permission)
    )`.execute(db);
  await sql`
    CREATE TABLE staff_role (
      staff_id text NOT NULL REFERENCES staff(staff_id),
      role_code text NOT NULL REFERENCES role(role_code),
      granted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      granted_by text NOT NULL,
      PRIMARY KEY (staff_id, role_code)
    )`.execute(db);
  // Every grant and revoke, for the access-rights review (人事異動).
  await sql`
    CREATE TABLE grant_log (
      grant_log_id bigserial PRIMARY KEY,
      staff_id text NOT NULL,
      role_code text,
      action text NOT NULL CHECK (action IN ('grant', 'revoke', 'disable', 'enable', 'create')),
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      by_actor text NOT NULL
    )`.execute(db);
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON grant_log FROM nhi_app`.execute(db);

  await sql`
    CREATE TABLE webauthn_credential (
      credential_id text PRIMARY KEY,                 -- base64url
      staff_id text NOT NULL REFERENCES staff(staff_id),
      public_key bytea NOT NULL,
      sign_count bigint NOT NULL DEFAULT 0,
      transports text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db);

  // Server-side sessions. The cookie carries a random token; only its SHA-256 is stored.
  await sql`
    CREATE TABLE staff_session (
      session_hash text PRIMARY KEY,
      staff_id text NOT NULL REFERENCES staff(staff_id),
      stage text NOT NULL CHECK (stage IN ('password_ok', 'active')),   -- after password / after second factor
      second_factor text CHECK (second_factor IN ('totp', 'webauthn')),
      csrf_token text NOT NULL,
      webauthn_challenge text,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      step_up_at timestamptz,
      ended_at timestamptz,
      end_reason text,
      ip text,
      terminal text
    )`.execute(db);
  await sql`CREATE INDEX staff_session_staff ON staff_session (staff_id) WHERE ended_at IS NULL`.execute(db);

  // 監査証跡: append-only, hash-chained. The application role may only SELECT and INSERT.
  await sql`
    CREATE TABLE audit_event (
      seq bigint PRIMARY KEY,
      occurred_at timestamptz NOT NULL,
      actor_kind text NOT NULL CHECK (actor_kind IN ('staff', 'operator', 'anonymous')),
      actor_id text NOT NULL,
      session_ref text,
      terminal text,
      ip text,
      function_code text NOT NULL,              -- business function / permission
      action text NOT NULL,
      subjects bigint[] NOT NULL DEFAULT '{}',  -- 宛名番号s read or changed
      detail jsonb NOT NULL DEFAULT '{}',       -- field names, before/after; never a My Number
      outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failure', 'error')),
      correlation_id text,
      prev_hash text NOT NULL,
      row_hash text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX audit_event_time ON audit_event (occurred_at)`.execute(db);
  await sql`CREATE INDEX audit_event_actor ON audit_event (actor_id, occurred_at)`.execute(db);
  await sql`CREATE INDEX audit_event_subjects ON audit_event USING gin (subjects)`.execute(db);
  await sql`
    CREATE TABLE audit_checkpoint (
      seq bigint PRIMARY KEY,
      row_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      signature text NOT NULL                   -- Ed25519 over "seq row_hash created_at", key outside the DB
    )`.execute(db);
  await sql`
    CREATE FUNCTION audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '監査証跡は追記のみです (% は禁止)', TG_OP;
    END $$;
  `.execute(db);
  for (const t of ['audit_event', 'audit_checkpoint']) {
    await sql`REVOKE UPDATE, DELETE, TRUNCATE ON ${sql.id(t)} FROM nhi_app`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${t}_no_change`)} BEFORE UPDATE OR DELETE ON ${sql.id(t)} FOR EACH ROW EXECUTE FUNCTION audit_immutable()`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${t}_no_truncate`)} BEFORE TRUNCATE ON ${sql.id(t)} FOR EACH STATEMENT EXECUTE FUNCTION audit_immutable()`.execute(db);
  }

  // 個人番号: one encrypted column; lookups through a keyed blind index (itself 特定個人情報).
  await sql`
    CREATE TABLE person_my_number (
      atena_no bigint PRIMARY KEY REFERENCES person(atena_no),
      ciphertext text NOT NULL,           -- base64(nonce ‖ tag ‖ AES-256-GCM ciphertext), AAD binds row and key id
      key_id text NOT NULL,
      blind_index text NOT NULL,          -- HMAC-SHA-256 under the blind-index key
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_by text NOT NULL CHECK (updated_by <> '')
    )`.execute(db);
  await sql`CREATE INDEX person_my_number_blind ON person_my_number (blind_index)`.execute(db);
  await sql`CREATE INDEX person_my_number_key ON person_my_number (key_id)`.execute(db);
  await sql`CREATE TRIGGER person_my_number_stamp BEFORE UPDATE ON person_my_number FOR EACH ROW EXECUTE FUNCTION stamp_update()`.execute(db);

  // 入力者以外の者による確認: changes held until a different user with 承認 approves.
  await sql`
    CREATE TABLE pending_change (
      change_id bigserial PRIMARY KEY,
      kind text NOT NULL,                  -- my_number.register, my_number.correct, my_number.delete, eligibility.*
      atena_no bigint NOT NULL REFERENCES person(atena_no),
      payload jsonb NOT NULL,              -- what to apply (My Number only as ciphertext)
      summary jsonb NOT NULL,              -- before/after shown to the approver (My Number masked)
      warnings text[] NOT NULL DEFAULT '{}',
      status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')) DEFAULT 'pending',
      requested_by text NOT NULL,
      requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      decided_by text,
      decided_at timestamptz,
      decision_note text,
      CHECK (decided_by IS NULL OR decided_by <> requested_by)
    )`.execute(db);

  // Run records of batches and CLI jobs (who, parameters, counts, hashes, checkpoints for resume).
  await sql`
    CREATE TABLE job_run (
      run_id text PRIMARY KEY,
      job text NOT NULL,
      actor text NOT NULL,
      params jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
      progress jsonb NOT NULL DEFAULT '{}',
      result jsonb,
      started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      finished_at timestamptz
    )`.execute(db);
}
