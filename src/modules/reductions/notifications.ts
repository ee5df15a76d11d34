import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../http/errors.js';
import type { RefusalRecord } from '../../platform/use-case.js';
import { personHouseholdsFrom, queueReassessment } from '../assessment/reassessment-queue.js';

/**
 * What the 届出 of this area (産前産後期間, 非自発的失業) share: the refusal of an unknown or out-of-scope
 * person (404, audited as denied), the test that the person is insured during the reduction's span, how
 * a kept row reads (recorded / ended), and the 更正 each record or withdrawal queues.
 */
export const refusal404 = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);
export const personNotFound = (atenaNo: number) => new AppError(404, 'not_found', `宛名番号 ${atenaNo} の住民は見つかりません`);

/** Whether a current 資格 period of the person overlaps [from, until). */
export async function insuredBetween(db: Kysely<DB>, atenaNo: number, from: string, until: string): Promise<boolean> {
  const row = await db
    .selectFrom('nhi_eligibility')
    .select('eligibility_id')
    .where('atena_no', '=', atenaNo)
    .where('superseded_at', 'is', null)
    .where('acquired_on', '<', until)
    .where((eb) => eb.or([eb('lost_on', 'is', null), eb('lost_on', '>', from)]))
    .executeTakeFirst();
  return !!row;
}

export interface KeptRow {
  recorded_at: Date;
  recorded_by: string;
  ended_at: Date | null;
  ended_by: string | null;
  end_reason: string | null;
}

/** Who recorded a notification and when, and its withdrawal. */
export const keptView = (r: KeptRow) => ({
  recordedAt: new Date(r.recorded_at).toISOString(),
  recordedBy: r.recorded_by,
  endedAt: r.ended_at ? new Date(r.ended_at).toISOString() : null,
  endedBy: r.ended_by,
  endReason: r.end_reason,
});

/** 更正 of the person's households from `from` (reassessment_request, reduction_changed). */
export async function queueReduction(db: Kysely<DB>, source: { table: 'perinatal_notification' | 'unemployment_notification'; id: number; withdrawn: boolean }, atenaNo: number, from: string, by: string, today: string): Promise<void> {
  const households = await personHouseholdsFrom(db, atenaNo, from);
  await queueReassessment(db, [{ reason: 'reduction_changed', effectiveOn: from, householdNos: households, atenaNo, sourceRef: `${source.table}:${source.id}${source.withdrawn ? '-withdrawn' : ''}` }], by, today);
}
