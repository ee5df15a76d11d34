import { sql, type Kysely } from 'kysely';

/**
 * Database roles and the edit-history mechanism shared by every business table.
 * Frozen in time: never import application code here.
 *
 * - nhi_app: the role the application runs as (SET ROLE after connecting). It gets DML on business
 *   tables through default privileges; audit tables later revoke UPDATE/DELETE/TRUNCATE from it.
 * - nhi.actor: a transaction-local setting that every write transaction must set; the history
 *   triggers refuse to run without it, so no change is ever unattributed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DO $$ BEGIN
      CREATE ROLE nhi_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$;
  `.execute(db);
  await sql`
    DO $$ BEGIN
      EXECUTE format('GRANT nhi_app TO %I', current_user);
    EXCEPTION WHEN others THEN NULL;
    END $$;
  `.execute(db);
  await sql`GRANT USAGE ON SCHEMA public TO nhi_app`.execute(db);
  await sql`GRANT SELECT ON kysely_migration TO nhi_app`.execute(db); // so /healthz can name the schema version
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO nhi_app`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO nhi_app`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO nhi_app`.execute(db);

  await sql`
    CREATE FUNCTION nhi_actor() RETURNS text LANGUAGE plpgsql STABLE AS $$
    DECLARE a text := current_setting('nhi.actor', true);
    BEGIN
      IF a IS NULL OR a = '' THEN
        RAISE EXCEPTION '操作者が設定されていない更新は拒否されます (nhi.actor)';
      END IF;
      RETURN a;
    END $$;
  `.execute(db);

  // BEFORE UPDATE: stamp who/when on the live row.
  await sql`
    CREATE FUNCTION stamp_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.updated_at := clock_timestamp();
      NEW.updated_by := nhi_actor();
      RETURN NEW;
    END $$;
  `.execute(db);

  // AFTER UPDATE/DELETE: keep the superseded version in <table>_history with the changed field names.
  // The live row is the current version; history + live row = the full history (system-versioned table).
  await sql`
    CREATE FUNCTION keep_history() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      old_j jsonb := to_jsonb(OLD);
      new_j jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(NEW) ELSE '{}'::jsonb END;
      changed text[];
    BEGIN
      SELECT coalesce(array_agg(o.key ORDER BY o.key), '{}') INTO changed
        FROM jsonb_each(old_j) o
       WHERE o.key NOT IN ('updated_at', 'updated_by')
         AND (new_j -> o.key) IS DISTINCT FROM o.value;
      IF TG_OP = 'UPDATE' AND cardinality(changed) = 0 THEN
        RETURN NULL;
      END IF;
      EXECUTE format(
        'INSERT INTO %I (row_key, op, changed_fields, row_data, superseded_at, superseded_by) VALUES ($1, $2, $3, $4, clock_timestamp(), $5)',
        TG_TABLE_NAME || '_history')
      USING old_j ->> TG_ARGV[0], TG_OP, changed, old_j, nhi_actor();
      RETURN NULL;
    END $$;
  `.execute(db);
}
