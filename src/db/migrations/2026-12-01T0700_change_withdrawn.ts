import { sql, type Kysely } from 'kysely';

/**
 * 取下げ: the staff member who entered a change may withdraw it while it waits for the second person's
 * confirmation. The change keeps its row (who withdrew it, when and why in decided_by/decided_at/
 * decision_note, like a decision), with the status `withdrawn`. The withdrawing requester is the
 * requester, so the four-eyes CHECK (decided_by <> requested_by) now holds for decisions only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE pending_change DROP CONSTRAINT pending_change_status_check`.execute(db);
  await sql`ALTER TABLE pending_change ADD CONSTRAINT pending_change_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn'))`.execute(db);
  await sql`ALTER TABLE pending_change DROP CONSTRAINT pending_change_check`.execute(db);
  await sql`
    ALTER TABLE pending_change ADD CONSTRAINT pending_change_four_eyes CHECK (
      CASE status
        WHEN 'withdrawn' THEN decided_by IS NOT NULL AND decided_by = requested_by
        ELSE decided_by IS NULL OR decided_by <> requested_by
      END
    )`.execute(db);
  await sql`CREATE INDEX pending_change_requested_by ON pending_change (requested_by, status, change_id)`.execute(db);
}
