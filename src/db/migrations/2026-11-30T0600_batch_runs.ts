import { sql, type Kysely } from 'kysely';

/**
 * Batch runs (src/platform/batch): job_run gains what the batch runner records — the owning process
 * (host, pid) of a running run, the checkpoint after the last committed chunk, counts and money totals
 * (updated in the same transaction as each chunk's effects), input/output file SHA-256, a heartbeat —
 * and the status 'abandoned' (an interrupted run an operator gave up). One running run per job: a
 * partial unique index over runner-managed rows (pid set; the demo seed keeps its own rows without).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE job_run ADD COLUMN host text`.execute(db);
  await sql`ALTER TABLE job_run ADD COLUMN pid integer`.execute(db);
  await sql`ALTER TABLE job_run ADD COLUMN chunks_done integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE job_run ADD COLUMN checkpoint jsonb`.execute(db);
  await sql`ALTER TABLE job_run ADD COLUMN counts jsonb NOT NULL DEFAULT '{}'`.execute(db);
  await sql`ALTER TABLE job_run ADD COLUMN totals jsonb NOT NULL DEFAULT '{}'`.execute(db);
  await sql`ALTER TABLE job_run ADD COLUMN input_sha256 text CHECK (input_sha256 ~ '^[0-9a-f]{64}$')`.execute(db);
  await sql`ALTER TABLE job_run ADD COLUMN output_sha256 text CHECK (output_sha256 ~ '^[0-9a-f]{64}$')`.execute(db);
  await sql`ALTER TABLE job_run ADD COLUMN heartbeat_at timestamptz`.execute(db);
  await sql`ALTER TABLE job_run DROP CONSTRAINT job_run_status_check`.execute(db);
  await sql`ALTER TABLE job_run ADD CONSTRAINT job_run_status_check CHECK (status IN ('running', 'completed', 'failed', 'abandoned'))`.execute(db);
  await sql`CREATE UNIQUE INDEX job_run_one_running ON job_run (job) WHERE status = 'running' AND pid IS NOT NULL`.execute(db);
  await sql`CREATE INDEX job_run_started ON job_run (started_at DESC)`.execute(db);
}
