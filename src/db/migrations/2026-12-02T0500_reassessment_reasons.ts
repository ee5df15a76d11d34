import { sql, type Kysely } from 'kysely';

/**
 * The 更正 queue (reassessment_request) takes every kind of change that alters a household's 国民健康保険税,
 * not only income: 資格の取得・喪失・訂正 (eligibility_changed, from the approval of a 届出, the 住基
 * intake's automatic losses and the 75歳到達 job), the registry household's membership and head
 * (household_changed: 転入・転出・死亡・世帯分離・合併・世帯主変更 touching an insured household) and the
 * 国保世帯's status periods (status_changed: 擬制世帯主, 住所地特例, 修学中の特例, 特定同一世帯所属者,
 * 世帯主変更の申出) and the reductions by notification (reduction_changed: 産前産後期間). `effective_on` is the day the change takes effect (the 年度 from which it matters).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE reassessment_request DROP CONSTRAINT reassessment_request_reason_check`.execute(db);
  await sql`
    ALTER TABLE reassessment_request
      ADD CONSTRAINT reassessment_request_reason_check CHECK (reason IN ('income_changed', 'eligibility_changed', 'household_changed', 'status_changed', 'reduction_changed')),
      ADD COLUMN effective_on date`.execute(db);
}
