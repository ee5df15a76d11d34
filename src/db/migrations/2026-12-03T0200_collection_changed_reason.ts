import { sql, type Kysely } from 'kysely';

/**
 * The 更正 queue takes a change of the way the tax is collected (collection_changed): a 口座振替への変更申出
 * recorded during the 年度 stops the 特別徴収 of the versions in force (特別徴収の中止), the tax unchanged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE reassessment_request DROP CONSTRAINT reassessment_request_reason_check`.execute(db);
  await sql`
    ALTER TABLE reassessment_request
      ADD CONSTRAINT reassessment_request_reason_check CHECK (reason IN ('income_changed', 'eligibility_changed', 'household_changed', 'status_changed', 'reduction_changed', 'collection_changed'))`.execute(db);
}
