import { sql, type Kysely } from 'kysely';

/**
 * User administration is four-eyes (issue 6): creating an account and granting a role are requested by
 * one administrator and applied when a second one approves. The access-rights review names both, so
 * grant_log records the approver beside the requester (by_actor). Null for direct acts (revoke,
 * disable) and for rows written before this migration.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE grant_log ADD COLUMN approved_by text`.execute(db);
}
