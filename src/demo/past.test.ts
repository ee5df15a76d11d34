import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase } from '../db/test-database.js';
import type { Database } from '../db/database.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { seedDemoCity } from './generator.js';
import { writeDemoHistory } from './history.js';
import { PAST_JOB, pastCandidates, writeDemoPast, type PastResult } from './past.js';
import { PAST_ACTORS, PAST_FROM, REQUIRED_CASES, planDemoPast } from './past-plan.js';
import { AS_OF_ISO } from './dates.js';
import {
  ACQUISITION_REASON_CODES,
  LOSS_REASON_CODES,
  addDays,
  checkPeriod,
  knownAt,
  type AcquisitionReason,
  type LossReason,
  type MovedOutDestination,
  type PersonFacts,
} from '../modules/eligibility/eligibility.rules.js';
import { insuredOnSql } from '../modules/eligibility/eligibility.repository.js';
import { NhiHouseholdRepository } from '../modules/eligibility/nhi-household.repository.js';
import { checkStatus, pseudoHeadActions } from '../modules/eligibility/nhi-household.rules.js';

/**
 * The demo city's past (past-plan.ts, past.ts) on a seeded city: every reason and case is there, and
 * every row is legal by the same rules the services run — each 資格 version against the person's
 * facts and the other versions the system held when it was entered, the status periods against the
 * household, 擬制世帯主 exactly as the facts make it — recorded over years, through four-eyes or by the
 * registry's system actor, and written once.
 */

let database: Database;
let drop: () => Promise<void>;
let past: PastResult & { written: boolean };
const SEED = 20261125;
const ACTOR = 'operator:test@host/seed/past';

interface Version {
  eligibility_id: number;
  atena_no: number;
  household_no: number;
  acquired_on: string;
  acquisition_reason: AcquisitionReason;
  lost_on: string | null;
  loss_reason: LossReason | null;
  acquisition_reported_on: string | null;
  loss_reported_on: string | null;
  acquisition_retroactive: boolean;
  loss_retroactive: boolean;
  recorded_at: Date;
  superseded_at: Date | null;
  updated_by: string;
}
let versions: Version[] = [];

beforeAll(async () => {
  ({ database, drop } = await openTestDatabase());
  await seedDemoCity(database, new Keyring(newKeyFile()), { residents: 8000, seed: SEED, actorLabel: ACTOR });
  await writeDemoHistory(database.db, ACTOR);
  past = await writeDemoPast(database, { seed: SEED, actorLabel: ACTOR });
  // The households with a past: those of the versions the seed did not write.
  allPastHouseholds = (await sql<{ h: number }>`SELECT DISTINCT household_no::int AS h FROM nhi_eligibility WHERE updated_by <> ${ACTOR}`.execute(database.db)).rows.map((r) => r.h);
  const r = await sql<Version>`
    SELECT n.eligibility_id::int, n.atena_no::int, n.household_no::int, n.acquired_on::text, n.acquisition_reason, n.lost_on::text, n.loss_reason, n.acquisition_reported_on::text,
           n.loss_reported_on::text, n.acquisition_retroactive, n.loss_retroactive, n.recorded_at, n.superseded_at, n.updated_by
      FROM nhi_eligibility n WHERE n.household_no = ANY(${allPastHouseholds}::bigint[]) ORDER BY n.eligibility_id`.execute(database.db);
  versions = r.rows.map((v) => ({ ...v, recorded_at: new Date(v.recorded_at), superseded_at: v.superseded_at ? new Date(v.superseded_at) : null }));
}, 180_000);
afterAll(async () => drop?.());

let allPastHouseholds: number[] = [];

/** The person's registry facts as the system held them at `at` (person_history versions, then the live row). */
async function factsAt(atenaNos: number[]): Promise<(atenaNo: number, at: Date) => PersonFacts> {
  const live = await sql<{ atena_no: number; row: Record<string, string | null>; from: Date }>`
    SELECT atena_no::int, to_jsonb(p) AS row, updated_at AS from FROM person p WHERE atena_no = ANY(${atenaNos}::bigint[])`.execute(database.db);
  const old = await sql<{ atena_no: number; row: Record<string, string | null>; to: Date }>`
    SELECT row_key::int AS atena_no, row_data AS row, superseded_at AS to FROM person_history WHERE row_key = ANY(${atenaNos.map(String)}::text[]) ORDER BY history_id`.execute(database.db);
  const facts = (r: Record<string, string | null>): PersonFacts => ({
    birthDate: r.birth_date!,
    deathDate: r.death_date ?? null,
    movedOutOn: r.moved_out_on ?? null,
    movedOutDestination: (r.moved_out_destination ?? null) as MovedOutDestination | null,
    becameResidentOn: r.became_resident_on ?? null,
  });
  return (atenaNo, at) => {
    // The first version still in force at `at` (an older one ended before it).
    const h = old.rows.find((x) => x.atena_no === atenaNo && new Date(x.to) > at);
    return facts(h ? h.row : live.rows.find((x) => x.atena_no === atenaNo)!.row);
  };
}

const day = (t: Date) => new Date(t.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);

describe('the demo city has a real past', () => {
  it('covers every reason and case, written once', async () => {
    expect(past.written).toBe(true);
    expect(past.missing).toEqual([]);
    for (const c of REQUIRED_CASES) expect(past.cases[c]?.count, c).toBeGreaterThan(0);
    expect(past.households).toBeGreaterThan(200);
    // From the rows themselves: every reason of the rules (but その他) among the current versions.
    const current = versions.filter((v) => v.superseded_at === null);
    for (const r of ACQUISITION_REASON_CODES.filter((c) => c !== 'other')) expect(current.some((v) => v.acquisition_reason === r), r).toBe(true);
    for (const r of LOSS_REASON_CODES.filter((c) => c !== 'other')) expect(current.some((v) => v.loss_reason === r), r).toBe(true);
    const abroad = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM nhi_eligibility n JOIN person p ON p.atena_no = n.atena_no
       WHERE n.superseded_at IS NULL AND n.loss_reason = 'moved_out' AND p.moved_out_destination = 'abroad' AND n.lost_on = p.moved_out_on + 1`.execute(database.db);
    expect(abroad.rows[0]!.n).toBeGreaterThan(0);
    // 再加入: a person insured again after a loss.
    const reentry = current.some((a) => current.some((b) => b.atena_no === a.atena_no && a.lost_on !== null && b.acquired_on >= a.lost_on));
    expect(reentry).toBe(true);
    expect(current.some((v) => v.acquisition_retroactive)).toBe(true);
    expect(current.some((v) => v.loss_retroactive)).toBe(true);
    // 遡及して訂正: a superseded version whose 喪失日 the current one changed.
    expect(versions.some((o) => o.superseded_at !== null && o.lost_on !== null && current.some((c) => c.atena_no === o.atena_no && c.acquired_on === o.acquired_on && c.lost_on !== null && c.lost_on < o.lost_on!))).toBe(true);
    const kinds = await sql<{ kind: string; ended: number; n: number }>`
      SELECT kind, count(*) FILTER (WHERE valid_to IS NOT NULL)::int AS ended, count(*)::int AS n FROM nhi_household_status GROUP BY kind`.execute(database.db);
    const byKind = new Map(kinds.rows.map((k) => [k.kind, k]));
    for (const k of ['pseudo_head', 'head_by_application', 'address_exception', 'student_exception', 'specific_same_household']) expect(byKind.get(k)?.n, k).toBeGreaterThan(0);
    // 擬制世帯主 that began and ended (the taxpayer changed), and 世帯主変更申出 periods.
    expect(byKind.get('pseudo_head')!.ended).toBeGreaterThan(0);

    // Once: a second run adds nothing.
    const count = async () => (await sql<{ n: number }>`SELECT (SELECT count(*) FROM nhi_eligibility) + (SELECT count(*) FROM pending_change) + (SELECT count(*) FROM person) AS n`.execute(database.db)).rows[0]!.n;
    const before = await count();
    const again = await writeDemoPast(database, { seed: SEED, actorLabel: ACTOR });
    expect(again.written).toBe(false);
    expect(await count()).toBe(before);
    const runs = await database.db.selectFrom('job_run').select('run_id').where('job', '=', PAST_JOB).execute();
    expect(runs).toHaveLength(1);
  });

  it('is deterministic: the same city plans the same past', async () => {
    const hh = await pastCandidates(database.db);
    const a = planDemoPast(hh, { seed: SEED, share: 0.05, usedInsuredNumbers: [], firstNewAtena: 900_000_001 });
    const b = planDemoPast(hh, { seed: SEED, share: 0.05, usedInsuredNumbers: [], firstNewAtena: 900_000_001 });
    expect(JSON.stringify(a.versions)).toBe(JSON.stringify(b.versions));
    expect(JSON.stringify(a.statuses)).toBe(JSON.stringify(b.statuses));
  });

  it('is legal: each version by the rules on the day it was entered, with the facts and periods held then', async () => {
    const persons = [...new Set(versions.map((v) => v.atena_no))];
    const at = await factsAt(persons);
    const changes = await sql<{ payload: Record<string, unknown>; kind: string; requested_by: string; decided_by: string; requested_at: Date; decided_at: Date }>`
      SELECT payload, kind, requested_by, decided_by, requested_at, decided_at FROM pending_change WHERE kind LIKE 'eligibility.%' AND status = 'approved'`.execute(database.db);
    const byApplied = new Map(changes.rows.filter((c) => typeof c.payload.appliedEligibilityId === 'number').map((c) => [c.payload.appliedEligibilityId as number, c]));
    const items = await sql<{ eligibility_id: number; kind: string; status: string }>`SELECT eligibility_id::int, kind, status FROM work_item WHERE kind = 'automatic_loss'`.execute(database.db);
    const reviewed = new Set(items.rows.filter((i) => i.status === 'done').map((i) => i.eligibility_id));
    const problems: string[] = [];
    for (const v of versions) {
      const held = knownAt(versions.filter((o) => o.atena_no === v.atena_no).map((o) => ({ ...o, recordedAt: o.recorded_at, supersededAt: o.superseded_at })), new Date(v.recorded_at.getTime() - 1));
      // The other periods held then, but the version this one replaced (the service checks without it).
      const others = held.filter((o) => o.eligibility_id !== v.eligibility_id && o.superseded_at?.getTime() !== v.recorded_at.getTime()).map((o) => ({ eligibilityId: o.eligibility_id, acquiredOn: o.acquired_on, lostOn: o.lost_on }));
      const change = byApplied.get(v.eligibility_id);
      const p = (change?.payload ?? {}) as { occurredOn?: string | null; loss?: { occurredOn?: string | null } | null };
      const acq = change?.kind === 'eligibility.acquire';
      const check = checkPeriod(
        { acquiredOn: v.acquired_on, acquisitionReason: v.acquisition_reason, lostOn: v.lost_on, lossReason: v.loss_reason },
        at(v.atena_no, v.recorded_at),
        others,
        {
          today: day(v.recorded_at),
          reportedOn: v.acquisition_reported_on,
          lossReportedOn: v.loss_reported_on,
          acquisitionOccurredOn: acq ? (p.occurredOn ?? null) : null,
          lossOccurredOn: acq ? (p.loss?.occurredOn ?? null) : change?.kind === 'eligibility.loss' ? (p.occurredOn ?? null) : null,
        },
      );
      if (check.errors.length > 0) problems.push(`${v.eligibility_id}: ${check.errors.map((e) => e.message).join(' / ')}`);
      if (change && (check.retroactive.acquisition !== v.acquisition_retroactive || check.retroactive.loss !== v.loss_retroactive)) problems.push(`${v.eligibility_id}: 遡及 flags`);
      // Who: a clerk's change approved by another staff member when recorded, or the system (reviewed afterwards).
      if (v.updated_by === PAST_ACTORS.approver || change) {
        if (!change) problems.push(`${v.eligibility_id}: no change`);
        else if (change.requested_by === change.decided_by || new Date(change.decided_at).getTime() !== v.recorded_at.getTime() || new Date(change.requested_at) >= new Date(change.decided_at)) problems.push(`${v.eligibility_id}: four-eyes`);
      } else if (v.superseded_at === null && v.lost_on !== null && !reviewed.has(v.eligibility_id)) {
        problems.push(`${v.eligibility_id}: automatic loss by ${v.updated_by} not listed for review`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    // And as the city stands: no current period against today's facts (死亡・転出・75歳 included).
    const now = new Date(`${AS_OF_ISO}T00:00:00+09:00`);
    for (const v of versions.filter((x) => x.superseded_at === null)) {
      const others = versions.filter((o) => o.atena_no === v.atena_no && o.superseded_at === null && o.eligibility_id !== v.eligibility_id).map((o) => ({ eligibilityId: o.eligibility_id, acquiredOn: o.acquired_on, lostOn: o.lost_on }));
      const check = checkPeriod({ acquiredOn: v.acquired_on, acquisitionReason: v.acquisition_reason, lostOn: v.lost_on, lossReason: v.loss_reason }, at(v.atena_no, now), others, { today: AS_OF_ISO });
      if (check.errors.length > 0) problems.push(`${v.eligibility_id} today: ${check.errors.map((e) => e.message).join(' / ')}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('has no person with two current periods on one day, and keeps every superseded version in the history', async () => {
    const overlap = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM nhi_eligibility a JOIN nhi_eligibility b ON a.atena_no = b.atena_no AND a.eligibility_id < b.eligibility_id
       WHERE a.superseded_at IS NULL AND b.superseded_at IS NULL AND daterange(a.acquired_on, a.lost_on, '[)') && daterange(b.acquired_on, b.lost_on, '[)')`.execute(database.db);
    expect(overlap.rows[0]!.n).toBe(0);
    const missing = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM nhi_eligibility n
       WHERE n.superseded_at IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM nhi_eligibility_history h WHERE h.row_key = n.eligibility_id::text AND h.superseded_at = n.superseded_at AND h.row_data->>'superseded_at' IS NULL)`.execute(database.db);
    expect(missing.rows[0]!.n).toBe(0);
  });

  it('has its status periods legal and 擬制世帯主 exactly where the facts make it', async () => {
    const repo = new NhiHouseholdRepository(database.db);
    const problems: string[] = [];
    for (const h of allPastHouseholds) {
      const facts = await repo.facts(h);
      for (const s of facts.statuses.filter((x) => x.householdNo === h)) {
        const errors = checkStatus(s, facts, s.statusId);
        if (errors.length > 0) problems.push(`${h} ${s.kind}: ${errors.map((e) => e.message).join(' / ')}`);
      }
      const days = new Set<string>();
      for (const e of facts.eligibility) for (const d of [e.acquiredOn, e.lostOn]) if (d && d >= PAST_FROM) days.add(d);
      for (const s of facts.statuses) for (const d of [s.validFrom, s.validTo]) if (d) days.add(d);
      for (const d of days) if (d <= AS_OF_ISO && pseudoHeadActions(h, d, facts).length > 0) problems.push(`${h} ${d}: 擬制世帯主 ${JSON.stringify(pseudoHeadActions(h, d, facts))}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('was recorded over the years, and the as-of views differ from today', async () => {
    const times = versions.map((v) => v.recorded_at.getTime());
    const years = (Math.max(...times) - Math.min(...times)) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThanOrEqual(4);
    expect(Math.max(...times)).toBeLessThan(new Date(`${AS_OF_ISO}T00:00:00+09:00`).getTime());
    // Insured on a day three years ago (legal time) vs today, among the households with a past.
    const threeYearsAgo = addDays(AS_OF_ISO, -3 * 365);
    const insured = async (d: string) =>
      new Set(
        (await sql<{ atena_no: number }>`SELECT DISTINCT n.atena_no::int FROM nhi_eligibility n WHERE ${insuredOnSql('n', d)} AND n.household_no = ANY(${allPastHouseholds}::bigint[])`.execute(database.db)).rows.map((r) => r.atena_no),
      );
    const then = await insured(threeYearsAgo);
    const today = await insured(AS_OF_ISO);
    expect([...then].some((a) => !today.has(a))).toBe(true);
    expect([...today].some((a) => !then.has(a))).toBe(true);
    // What the system held (system time) three years ago is not what it holds now.
    const at = new Date(`${threeYearsAgo}T12:00:00+09:00`);
    const heldThen = knownAt(versions.map((v) => ({ ...v, recordedAt: v.recorded_at, supersededAt: v.superseded_at })), at);
    expect(heldThen.length).toBeGreaterThan(0);
    expect(heldThen.some((v) => v.superseded_at !== null)).toBe(true);
  });
});
