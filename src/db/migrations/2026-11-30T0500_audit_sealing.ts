import { sql, type Kysely } from 'kysely';

/**
 * Audit that scales: requests no longer serialize on one chain-head lock.
 *
 * - A request takes its number from a sequence (audit_next_seq(), which first makes sure the
 *   transaction has its id, so the sealer can tell when every number handed out so far is final) and
 *   writes row_mac, an HMAC of the record under a key outside the database. prev_hash/row_hash stay
 *   only on the records written before this migration (their own SHA-256 chain).
 * - A background sealer chains every number in order into audit_seal (a rolled-back number is sealed
 *   as a gap) and signs audit_seal_checkpoint rows; each checkpoint is also anchored in a file outside
 *   the database. See docs/ARCHITECTURE.md (監査証跡).
 *
 * Also: nhi_app becomes a LOGIN role. On PostgreSQL the server logs in as nhi_app itself (never as a
 * superuser or the owner, whose SET ROLE a RESET ROLE would undo); migrations keep the owner login.
 *
 * Frozen in time: never import application code here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Roles are cluster-wide: skip when already LOGIN (parallel test databases), never fail the migration
  // for it (an owner without CREATEROLE: the operator runs ALTER ROLE; the server's start check says so).
  await sql`
    DO $$ BEGIN
      IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'nhi_app') THEN
        ALTER ROLE nhi_app LOGIN;
      END IF;
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'ALTER ROLE nhi_app LOGIN failed: %', SQLERRM;
    END $$;
  `.execute(db);
  await sql`CREATE SEQUENCE audit_event_seq`.execute(db);
  await sql`SELECT setval('audit_event_seq', COALESCE((SELECT max(seq) FROM audit_event), 0) + 1, false)`.execute(db);
  await sql`GRANT USAGE, SELECT ON SEQUENCE audit_event_seq TO nhi_app`.execute(db);
  await sql`
    CREATE FUNCTION audit_next_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      PERFORM pg_current_xact_id();  -- the transaction id exists before the number is taken
      RETURN nextval('audit_event_seq');
    END $$;
  `.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION audit_next_seq() TO nhi_app`.execute(db);

  await sql`ALTER TABLE audit_event ADD COLUMN row_mac text`.execute(db);
  await sql`ALTER TABLE audit_event ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN row_hash DROP NOT NULL`.execute(db);
  await sql`
    ALTER TABLE audit_event ADD CONSTRAINT audit_event_one_format
      CHECK ((row_mac IS NOT NULL AND prev_hash IS NULL AND row_hash IS NULL) OR (row_mac IS NULL AND prev_hash IS NOT NULL AND row_hash IS NOT NULL))`.execute(db);

  // One row per number, in order: row_digest is the record's row_mac (row_hash before this migration),
  // NULL for a number no committed record holds; chain_hash = SHA-256(previous chain_hash, seq, digest).
  await sql`
    CREATE TABLE audit_seal (
      seq bigint PRIMARY KEY,
      row_digest text,
      chain_hash text NOT NULL,
      sealed_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db);
  await sql`
    CREATE TABLE audit_seal_checkpoint (
      seq bigint PRIMARY KEY,
      chain_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      signature text NOT NULL                   -- Ed25519 over "seq chain_hash created_at", key outside the DB
    )`.execute(db);
  for (const t of ['audit_seal', 'audit_seal_checkpoint']) {
    await sql`GRANT SELECT, INSERT ON ${sql.id(t)} TO nhi_app`.execute(db);
    await sql`REVOKE UPDATE, DELETE, TRUNCATE ON ${sql.id(t)} FROM nhi_app`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${t}_no_change`)} BEFORE UPDATE OR DELETE ON ${sql.id(t)} FOR EACH ROW EXECUTE FUNCTION audit_immutable()`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(`${t}_no_truncate`)} BEFORE TRUNCATE ON ${sql.id(t)} FOR EACH STATEMENT EXECUTE FUNCTION audit_immutable()`.execute(db);
  }
}
