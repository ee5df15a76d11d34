import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import { runUseCase } from '../../platform/use-case.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { personHouseholdsFrom, queueReassessment } from '../assessment/reassessment-queue.js';
import { addDays, errorsMessage } from './eligibility.rules.js';
import { NhiHouseholdRepository } from './nhi-household.repository.js';
import { checkStatus, factBoundaries, pseudoHeadActions, specificSameHouseholdEnd, specificSameHouseholdStarts, type HouseholdFacts, type StatusAction } from './nhi-household.rules.js';

/**
 * 国保世帯の状態の自動適用 (a daily job, `nhi-status-sync`): the 擬制世帯主 and 特定同一世帯所属者 periods
 * the rules derive from the registry and 資格 — until now only notices on the household page — are
 * applied by the job's system actor:
 *
 * - 擬制世帯主 (pseudoHeadActions): started on the day the registry head is not insured while a member
 *   is, ended on the day that stops (or moved to the new head on a 世帯主変更), each on the day it
 *   happened: the household's facts are replayed day by day over the days something changed in the
 *   lookback window (default 31 days, `--since`);
 * - 特定同一世帯所属者: started on the day a member left NHI for 後期高齢者医療 while the household stays
 *   in NHI (specificSameHouseholdStarts); ended on the day the person left the household, the head
 *   changed, or the person was insured again (specificSameHouseholdEnd).
 *
 * A start is checked by the same rules as a clerk's request (checkStatus); one they refuse is not
 * applied but opened as a work item with the reasons. Each applied change queues the 更正 of the
 * households it touches and opens a work item (世帯の確認) naming it, for review. A second run changes
 * nothing (the rules find nothing left to do; the work items are keyed by what was done). Changes
 * older than the window (a registry entry made long after the fact) stay notices for staff.
 */
export interface StatusSyncSummary {
  today: string;
  since: string;
  checked: number;
  started: number;
  ended: number;
  referred: number;
}

const KIND_LABEL = { pseudo_head: '擬制世帯主', specific_same_household: '特定同一世帯所属者' } as const;

export async function runNhiStatusSync(db: Kysely<DB>, audit: AuditRepository, actor: Actor, today: string, since: string = addDays(today, -31)): Promise<StatusSyncSummary> {
  return runUseCase(db, audit, actor, { functionCode: 'eligibility.update', action: 'nhi_household.status_sync', detail: { today, since } }, async ({ tx, subjects, detail }) => {
    const by = actorLabel(actor);
    const repo = new NhiHouseholdRepository(tx);
    const households = await candidates(tx, since, today);
    const summary: StatusSyncSummary = { today, since, checked: households.length, started: 0, ended: 0, referred: 0 };
    const workItem = async (w: { atenaNo: number; householdNo: number; originKey: string; on: string; basis: string }) => {
      await tx
        .insertInto('work_item')
        .values({ kind: 'household_review', atena_no: w.atenaNo, household_no: w.householdNo, origin_key: w.originKey, suggested_date: w.on, basis: w.basis, created_by: by })
        .onConflict((oc) => oc.doNothing())
        .execute();
    };
    const queue = async (atenaNo: number, householdNo: number, on: string, ref: string) => {
      const touched = [householdNo, ...(await personHouseholdsFrom(tx, atenaNo, on))];
      await queueReassessment(tx, [{ reason: 'status_changed', effectiveOn: on, householdNos: touched, atenaNo, sourceRef: ref }], by, today);
    };
    const apply = async (householdNo: number, a: StatusAction): Promise<boolean> => {
      const label = KIND_LABEL[a.kind as keyof typeof KIND_LABEL];
      const key = `nhi_status:${householdNo}:${a.kind}:${a.action}:${a.atenaNo}:${a.on}`;
      let statusId: number;
      if (a.action === 'end') {
        await repo.end(a.statusId, a.on);
        statusId = a.statusId;
        summary.ended++;
        await workItem({ atenaNo: a.atenaNo, householdNo, originKey: key, on: a.on, basis: `${label}の期間を${d(a.on)}で自動で終了しました(${a.why})。内容を確認してください` });
      } else {
        const input = { kind: a.kind, atenaNo: a.atenaNo, householdNo, validFrom: a.on, validTo: null, facilityName: null, facilityKind: null, schoolName: null };
        const errors = checkStatus(input, await repo.facts(householdNo, [a.atenaNo]));
        if (errors.length > 0) {
          summary.referred++;
          await workItem({ atenaNo: a.atenaNo, householdNo, originKey: key, on: a.on, basis: `${label}の期間を${d(a.on)}から開始する必要がありますが、自動では適用できませんでした: ${errorsMessage(errors)}` });
          return false;
        }
        statusId = await repo.insert({ ...input, basis: `自動適用: ${a.why}`, reportedOn: null }, by);
        summary.started++;
        await workItem({ atenaNo: a.atenaNo, householdNo, originKey: key, on: a.on, basis: `${label}の期間を${d(a.on)}から自動で開始しました(${a.why})。内容を確認してください` });
      }
      await queue(a.atenaNo, householdNo, a.on, `nhi_status:${statusId}`);
      subjects([a.atenaNo]);
      return true;
    };

    for (const householdNo of households) {
      let facts = await repo.facts(householdNo);
      // Replayed over the days something changed in the window, then today: 擬制世帯主 (unless a change was
      // already due before the window: that one, and what follows it, stay a notice for staff), and the
      // 特定同一世帯所属者 who left NHI for 後期高齢者医療 that day.
      const due = pseudoHeadActions(householdNo, since, facts).length > 0;
      for (const day of changeDays(facts, since, today)) {
        for (const a of [...(due ? [] : pseudoHeadActions(householdNo, day, facts)), ...specificSameHouseholdStarts(householdNo, day, facts)]) {
          if (!(await apply(householdNo, a))) break;
          facts = await repo.facts(householdNo);
        }
      }
      // 特定同一世帯所属者: ended on the day the rule names (within the window).
      for (const s of facts.statuses.filter((x) => x.kind === 'specific_same_household' && x.householdNo === householdNo && x.validTo === null)) {
        const end = specificSameHouseholdEnd(s, today, facts);
        if (end && end.on > since) await apply(householdNo, { action: 'end', statusId: s.statusId, kind: s.kind, atenaNo: s.atenaNo, on: end.on, why: end.why });
      }
    }
    detail({ ...summary });
    return summary;
  });
}

/** The days in (since, today] on which the household's facts change, and today; in order. */
const changeDays = (facts: HouseholdFacts, since: string, today: string): string[] => [...factBoundaries(facts, (d) => d > since && d < today), today];

/**
 * Households where a stored period may have to start or end: a membership or a member's 資格 began or
 * ended in the window, or a 擬制世帯主 / 特定同一世帯所属者 period is in force in it.
 */
async function candidates(tx: Kysely<DB>, since: string, today: string): Promise<number[]> {
  const rows = await sql<{ h: string }>`
    SELECT h FROM (
      SELECT m.household_no AS h FROM household_member m
       WHERE (m.valid_from > ${since} AND m.valid_from <= ${today}) OR (m.valid_to > ${since} AND m.valid_to <= ${today})
      UNION
      SELECT m.household_no FROM nhi_eligibility e JOIN household_member m ON m.atena_no = e.atena_no
       WHERE e.superseded_at IS NULL
         AND ((e.acquired_on > ${since} AND e.acquired_on <= ${today}) OR (e.lost_on > ${since} AND e.lost_on <= ${today}))
         AND m.valid_from <= ${today} AND (m.valid_to IS NULL OR m.valid_to > ${since})
      UNION
      SELECT s.household_no FROM nhi_household_status s
       WHERE s.kind IN ('pseudo_head', 'specific_same_household') AND s.valid_from <= ${today} AND (s.valid_to IS NULL OR s.valid_to > ${since})
    ) c ORDER BY h`.execute(tx);
  return rows.rows.map((r) => Number(r.h));
}

