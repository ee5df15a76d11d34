import { sql, type Kysely } from 'kysely';

/**
 * 期別 of a 更正: the installments notified with a re-assessment (the 本算定's less those already due,
 * re-split over the 期 not yet due; a 随時 installment after the last 納期限), as a JSON array of
 * `{ label, kind, dueDate, amount }`, kept as they were notified. 過納 is Σ amount − total_yen.
 * A batch version (本算定) leaves it null: its 期別 are the city's split of its total, derived.
 * The trigger assessment_keep_versions still allows only stamping superseded_at (it compares every column).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE assessment ADD COLUMN installments jsonb
      CONSTRAINT assessment_installments_of_correction CHECK (installments IS NULL OR (reason = 'correction' AND jsonb_typeof(installments) = 'array'))`.execute(db);
}
