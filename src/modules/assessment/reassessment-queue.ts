import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { fiscalYearOf, SUPPORTED_FISCAL_YEARS } from '../../platform/params/law-params.js';

/**
 * The 更正 queue (`reassessment_request`): every change that alters a household's 国民健康保険税 writes
 * one row per household and 年度 in the transaction of the change; `reassessPending` (run on a schedule
 * by the server and by `assessment reassess-pending`) re-assesses them. Replaying a change writes nothing
 * new (one row per household, 年度 and `sourceRef`).
 */

export type ReassessmentReason = 'income_changed' | 'eligibility_changed' | 'household_changed' | 'status_changed' | 'reduction_changed' | 'collection_changed';

/** What a clerk reads as the cause of the 更正 (変更決定通知書 「更正の理由」). */
export const REASSESSMENT_REASON_LABELS: Record<ReassessmentReason, string> = {
  income_changed: '所得の変更',
  eligibility_changed: '資格の異動',
  household_changed: '世帯の異動',
  status_changed: '国保世帯の変更',
  reduction_changed: '減額の届出',
  collection_changed: '口座振替への変更の申出',
};

export interface ReassessmentCause {
  reason: ReassessmentReason;
  /** The day the change takes effect: re-assessed from the 年度 containing it. */
  effectiveOn: string;
  /** The households whose NHI household the change touches (registry 世帯番号). */
  householdNos: readonly number[];
  /** Whose change it was, when it is one person's. */
  atenaNo: number | null;
  /** `<table>:<id>` of the change (`pending_change:12`, `registry_event:E-1`, `nhi_eligibility:40`). */
  sourceRef: string;
}

/**
 * The 年度 a change effective on `effectiveOn` can alter, judged on `today`: from the 年度 containing
 * it (never before the oldest one 地方税法 17条の5 still allows to decrease: 5 years, nor before the
 * parameters' first 年度) to the current 年度 (or the change's own, when it lies ahead). The 17条の5
 * deadlines themselves are judged by the 更正, which reports a refused 年度 rather than skipping it.
 */
export function reassessmentYears(effectiveOn: string, today: string): number[] {
  const current = fiscalYearOf(today);
  const from = Math.max(fiscalYearOf(effectiveOn), current - 5, SUPPORTED_FISCAL_YEARS.from);
  const to = Math.min(Math.max(current, fiscalYearOf(effectiveOn)), SUPPORTED_FISCAL_YEARS.to);
  const years: number[] = [];
  for (let y = from; y <= to; y++) years.push(y);
  return years;
}

/** Writes the requests of `causes` in the caller's transaction; returns how many were new. */
export async function queueReassessment(db: Kysely<DB>, causes: readonly ReassessmentCause[], by: string, today: string): Promise<number> {
  const rows = causes.flatMap((c) =>
    [...new Set(c.householdNos)].flatMap((h) =>
      reassessmentYears(c.effectiveOn, today).map((fy) => ({ household_no: h, fiscal_year: fy, reason: c.reason, atena_no: c.atenaNo, source_ref: c.sourceRef, effective_on: c.effectiveOn, requested_by: by })),
    ),
  );
  let written = 0;
  for (let i = 0; i < rows.length; i += 5000) {
    const r = await db
      .insertInto('reassessment_request')
      .values(rows.slice(i, i + 5000).map((row) => ({ ...row, requested_at: sql<Date>`clock_timestamp()` })))
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    written += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return written;
}

/** The registry households a person belongs to on `from` or later (a 資格 counts in each of them). */
export async function personHouseholdsFrom(db: Kysely<DB>, atenaNo: number, from: string): Promise<number[]> {
  const rows = await db
    .selectFrom('household_member')
    .select('household_no')
    .distinct()
    .where('atena_no', '=', atenaNo)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', from)]))
    .execute();
  return rows.map((r) => Number(r.household_no));
}
