import { sql, type Kysely } from 'kysely';

/**
 * 県の資格取得日 (国保法 §5, §7; the prefecture is the insurer since 2018-04-01): a 県内転入 keeps the 資格
 * acquired in the previous city of the prefecture. `acquired_on` stays this city's 適用開始日 (what 月割
 * and this city's records count from); `prefecture_acquired_on` keeps the prefecture-level 資格取得日
 * beside it, for a 県内転入 only, never after the 適用開始日.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE nhi_eligibility
      ADD COLUMN prefecture_acquired_on date,
      ADD CONSTRAINT nhi_eligibility_prefecture_acquired_on CHECK (
        prefecture_acquired_on IS NULL
        OR (acquisition_reason = 'moved_in_within_prefecture' AND prefecture_acquired_on <= acquired_on AND prefecture_acquired_on >= DATE '1961-04-01'))`.execute(db);
}
