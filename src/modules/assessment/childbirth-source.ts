import type { Kysely } from 'kysely';
import { anyBigint } from '../../db/any-of.js';
import type { DB } from '../../db/schema.js';

/**
 * The childbirth each person's 国民健康保険税 of the 年度 reads: the notification in force whose period
 * has months in the 年度 (the latest, when there are two). The one door through which 賦課 reads the 産前産後期間の届出 (set-based, per chunk; written by
 * the reductions area).
 */
export async function childbirthOf(db: Kysely<DB>, atenaNos: readonly number[], fiscalYear: number): Promise<Map<number, { month: string; multiple: boolean }>> {
  const out = new Map<number, { month: string; multiple: boolean }>();
  if (atenaNos.length === 0) return out;
  // A period reaches at most 3 months before and 2 after the birth month.
  const rows = await db
    .selectFrom('perinatal_notification')
    .select(['atena_no', 'birth_month', 'multiple'])
    .where(anyBigint('atena_no', atenaNos))
    .where('ended_at', 'is', null)
    .where('birth_month', '>=', `${fiscalYear}-02-01`)
    .where('birth_month', '<', `${fiscalYear + 1}-07-01`)
    .orderBy('birth_month')
    .execute();
  for (const r of rows) out.set(Number(r.atena_no), { month: r.birth_month.slice(0, 7), multiple: r.multiple });
  return out;
}
