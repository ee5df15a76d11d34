import type { Kysely } from 'kysely';
import { anyBigint } from '../../db/any-of.js';
import type { DB } from '../../db/schema.js';
import { addDays } from '../eligibility/eligibility.rules.js';

/**
 * The 非自発的失業 period each person's 国民健康保険税 of the 年度 reads: the notification in force whose
 * period (from the day after 離職 to the end of the following 年度) reaches the 年度 — the latest 離職,
 * when there are two. `from` is the day after 離職, as the calculator takes it. The one door through which
 * 賦課 reads the 非自発的失業の届出 (set-based, per chunk; written by the reductions area).
 */
export async function unemploymentOf(db: Kysely<DB>, atenaNos: readonly number[], fiscalYear: number): Promise<Map<number, { from: string }>> {
  const out = new Map<number, { from: string }>();
  if (atenaNos.length === 0) return out;
  // A period starting the day after a 離職 from 1 April of the 年度 before (its 翌年度 is this one) to the
  // 年度's last day reaches it (the calculator counts the months).
  const rows = await db
    .selectFrom('unemployment_notification')
    .select(['atena_no', 'separated_on'])
    .where(anyBigint('atena_no', atenaNos))
    .where('ended_at', 'is', null)
    .where('separated_on', '>=', `${fiscalYear - 1}-03-31`)
    .where('separated_on', '<', `${fiscalYear + 1}-03-31`)
    .orderBy('separated_on')
    .execute();
  for (const r of rows) out.set(Number(r.atena_no), { from: addDays(r.separated_on, 1) });
  return out;
}
