import { sql, type Kysely } from 'kysely';

/**
 * Output files of batch jobs (住民票記載データ for the registry, the 異動世帯 extract for the 国保連合会):
 * each chunk writes its lines here in the same transaction as its checkpoint, so a run killed at any
 * point resumes without a line lost or doubled; the file is written from these lines at the end, and
 * the lines are then deleted (they hold personal data only while the run is open).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE export_line (
      run_id text NOT NULL,
      seq bigint NOT NULL CHECK (seq >= 0),
      line text NOT NULL,
      PRIMARY KEY (run_id, seq)
    )`.execute(db);
  await sql`REVOKE TRUNCATE ON export_line FROM nhi_app`.execute(db);
}
