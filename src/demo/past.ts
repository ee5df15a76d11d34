import { randomUUID } from 'node:crypto';
import { insertHistoryRows } from '../db/history-versions.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { jsonRows } from '../db/json-rows.js';
import { kanaSearchKey, kanjiSearchKey } from '../lib/kana.js';
import { addDays, type MovedOutDestination } from '../modules/eligibility/eligibility.rules.js';
import { contentSha256 } from '../modules/registry/registry.apply.js';
import { CASE_LABELS, PAST_ACTORS, PAST_FROM, REQUIRED_CASES, planDemoPast, type PastCase, type PastHousehold, type PastPerson, type PastPlan } from './past-plan.js';

/**
 * Writes the demo city's past (past-plan.ts) after the seed: set-based INSERTs only (nothing of the
 * present is rewritten), with the system times of the day each change was entered — recorded_at and
 * superseded_at of every 資格 version, the history rows the triggers would have written then
 * (nhi_eligibility_history, nhi_household_status_history, person_history, household_member_history),
 * the four-eyes pending_change rows (requested by one demo staff, approved by another), the registry's
 * events (registry_event) and the work items they opened (work_item, resolved).
 *
 * One transaction, marked done by a job_run row of its own (`demo.past`) in the same transaction: an
 * interrupted first start wrote nothing, and a later start writes it once. Deterministic from the seed.
 */

export const PAST_JOB = 'demo.past';
/** Share of the households without 国保 in the seeded city that get five years of past. */
export const DEFAULT_PAST_SHARE = 0.2;

export interface PastResult {
  runId: string;
  households: number;
  versions: number;
  superseded: number;
  statuses: number;
  changes: number;
  events: number;
  workItems: number;
  formerMembers: number;
  /** Per case: how often, and a household (and person) showing it. */
  cases: Partial<Record<PastCase, { count: number; householdNo: number; atenaNo: number }>>;
  missing: PastCase[];
  elapsedMs: number;
  /** Reading the candidates, planning (the rules), writing. */
  timing: { loadMs: number; planMs: number; writeMs: number };
}

/** Whether the past was written (a completed `demo.past` run). */
export async function demoPastWritten(db: Kysely<DB>): Promise<PastResult | null> {
  const r = await db.selectFrom('job_run').select('result').where('job', '=', PAST_JOB).where('status', '=', 'completed').executeTakeFirst();
  if (!r) return null;
  return (typeof r.result === 'string' ? JSON.parse(r.result) : r.result) as PastResult;
}

/** The households the seed left without 国保 (none of their members ever insured, no status): the candidates. */
export async function pastCandidates(db: Kysely<DB>): Promise<PastHousehold[]> {
  const rows = await sql<{
    household_no: string; formed_on: string; atena_no: string; relationship: string; member_order: number; valid_from: string; valid_to: string | null; birth_date: string;
    sex: 'male' | 'female'; resident_kind: 'japanese' | 'foreign'; resident_status: 'resident' | 'moved_out' | 'deceased'; became_resident_on: string | null; death_date: string | null;
    moved_out_on: string | null; moved_out_destination: MovedOutDestination | null; previous_address: string | null; name_kanji: string; name_kana: string; area_code: string | null;
    banchi: string | null; katagaki: string | null;
  }>`
    WITH busy AS (
      SELECT m.household_no FROM household_member m JOIN (SELECT DISTINCT atena_no FROM nhi_eligibility) n ON n.atena_no = m.atena_no
      UNION SELECT m.household_no FROM household_member m JOIN person p ON p.atena_no = m.atena_no WHERE p.dv_support
      UNION SELECT m.household_no FROM household_member m JOIN (SELECT atena_no FROM household_member GROUP BY atena_no HAVING count(*) > 1) x ON x.atena_no = m.atena_no
      UNION SELECT m.household_no FROM household_member m JOIN (SELECT DISTINCT atena_no FROM registry_event) e ON e.atena_no = m.atena_no
      UNION SELECT m.household_no FROM household_member m JOIN nhi_household_status s ON s.atena_no = m.atena_no
      UNION SELECT household_no FROM nhi_household_status
    )
    SELECT h.household_no, h.formed_on::text, m.atena_no, m.relationship, m.member_order, m.valid_from::text, m.valid_to::text, p.birth_date::text, p.sex, p.resident_kind,
           p.resident_status, p.became_resident_on::text, p.death_date::text, p.moved_out_on::text, p.moved_out_destination, p.previous_address, p.name_kanji, p.name_kana,
           p.area_code, p.banchi, p.katagaki
      FROM household h
      JOIN household_member m ON m.household_no = h.household_no
      JOIN person p ON p.atena_no = m.atena_no
     WHERE h.dissolved_on IS NULL AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.household_no = h.household_no)
     ORDER BY h.household_no, m.member_order`.execute(db);
  const out: PastHousehold[] = [];
  for (const r of rows.rows) {
    const householdNo = Number(r.household_no);
    let h = out.at(-1);
    if (!h || h.householdNo !== householdNo) out.push((h = { householdNo, formedOn: r.formed_on, members: [] }));
    const m: PastPerson = {
      atenaNo: Number(r.atena_no), householdNo, relationship: r.relationship, memberOrder: Number(r.member_order), memberFrom: r.valid_from, memberTo: r.valid_to, birthDate: r.birth_date,
      sex: r.sex, residentKind: r.resident_kind, residentStatus: r.resident_status, becameResidentOn: r.became_resident_on, deathDate: r.death_date, movedOutOn: r.moved_out_on,
      movedOutDestination: r.moved_out_destination, previousAddress: r.previous_address, nameKanji: r.name_kanji, nameKana: r.name_kana, areaCode: r.area_code, banchi: r.banchi, katagaki: r.katagaki,
    };
    h.members.push(m);
  }
  return out;
}

const CHUNK = 2_000;

async function insertRows(tx: Kysely<DB>, table: string, cols: Record<string, string>, rows: Record<string, unknown>[]): Promise<void> {
  const names = sql.raw(Object.keys(cols).join(', '));
  for (let i = 0; i < rows.length; i += CHUNK) {
    await sql`INSERT INTO ${sql.table(table)} (${names}) SELECT ${names} FROM ${jsonRows(rows.slice(i, i + CHUNK), cols)}`.execute(tx);
  }
}

/** `n` new values of a table's serial column. */
async function nextIds(tx: Kysely<DB>, table: string, column: string, n: number): Promise<number[]> {
  if (n === 0) return [];
  const r = await sql<{ id: string }>`SELECT nextval(pg_get_serial_sequence(${table}, ${column})) AS id FROM generate_series(1, ${n})`.execute(tx);
  return r.rows.map((x) => Number(x.id));
}

/**
 * Plans and writes the past (once). `actorLabel` is the seed's operator (the first version of a former
 * member's record, as the seed stamps its rows).
 */
export async function writeDemoPast(database: Database, opts: { seed: number; actorLabel: string; share?: number }): Promise<PastResult & { written: boolean }> {
  const started = Date.now();
  const { db } = database;
  const done = await demoPastWritten(db);
  if (done) return { ...done, written: false };
  const households = await pastCandidates(db);
  const loaded = Date.now();
  const used = await sql<{ insured_number: string }>`SELECT DISTINCT insured_number FROM nhi_eligibility`.execute(db);
  const max = await sql<{ a: string | null }>`SELECT max(atena_no) AS a FROM person`.execute(db);
  const plan = planDemoPast(households, {
    seed: opts.seed,
    share: opts.share ?? DEFAULT_PAST_SHARE,
    usedInsuredNumbers: used.rows.map((r) => r.insured_number),
    firstNewAtena: Number(max.rows[0]?.a ?? 100_000_000) + 1,
  });
  const planned = Date.now();
  const runId = randomUUID();
  const result: PastResult = {
    runId,
    households: plan.households.length,
    versions: plan.versions.length,
    superseded: plan.versions.filter((v) => v.supersededAt !== null).length,
    statuses: plan.statuses.length,
    changes: plan.changes.length,
    events: plan.events.length,
    workItems: plan.items.length,
    formerMembers: plan.formerMembers.length,
    cases: plan.cases,
    missing: REQUIRED_CASES.filter((c) => !plan.cases[c]),
    elapsedMs: 0,
    timing: { loadMs: loaded - started, planMs: planned - loaded, writeMs: 0 },
  };
  await db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${opts.actorLabel}, true)`.execute(tx);
    // A second process got here first (PostgreSQL): nothing twice.
    await sql`SELECT pg_advisory_xact_lock(hashtext('demo.past'))`.execute(tx);
    if (await demoPastWritten(tx)) return;
    await writeFormerMembers(tx, plan, opts.actorLabel);
    const versionIds = await nextIds(tx, 'nhi_eligibility', 'eligibility_id', plan.versions.length);
    const statusIds = await nextIds(tx, 'nhi_household_status', 'status_id', plan.statuses.length);
    const vId = (idx: number) => versionIds[plan.versions.findIndex((v) => v.idx === idx)]!;
    const vIndex = new Map(plan.versions.map((v, i) => [v.idx, versionIds[i]!]));
    const sIndex = new Map(plan.statuses.map((s, i) => [s.idx, statusIds[i]!]));
    const ids = { version: (i: number) => vIndex.get(i) ?? vId(i), status: (i: number) => sIndex.get(i)! };
    await writeEligibility(tx, plan, ids.version);
    await writeStatuses(tx, plan, ids.status);
    await insertRows(
      tx,
      'registry_event',
      { event_id: 'text', event_code: 'text', occurred_on: 'date', reported_on: 'date', atena_no: 'bigint', content: 'jsonb', content_sha256: 'text', source: 'text', received_at: 'timestamptz', received_by: 'text' },
      plan.events.map((e) => ({
        event_id: e.event.eventId, event_code: e.event.eventCode, occurred_on: e.event.occurredOn, reported_on: e.event.reportedOn, atena_no: e.event.atenaNo, content: e.event,
        content_sha256: contentSha256(e.event), source: 'api', received_at: e.receivedAt.toISOString(), received_by: PAST_ACTORS.registry,
      })),
    );
    await insertRows(
      tx,
      'work_item',
      {
        kind: 'text', atena_no: 'bigint', household_no: 'bigint', event_id: 'text', origin_key: 'text', suggested_date: 'date', basis: 'text', eligibility_id: 'bigint', status: 'text',
        created_at: 'timestamptz', created_by: 'text', resolved_at: 'timestamptz', resolved_by: 'text', resolution_note: 'text',
      },
      plan.items.map((w) => ({
        kind: w.kind, atena_no: w.atenaNo, household_no: w.householdNo, event_id: w.eventId, origin_key: w.originKey, suggested_date: w.suggestedDate, basis: w.basis,
        eligibility_id: w.versionIdx === null ? null : ids.version(w.versionIdx), status: 'done', created_at: w.createdAt.toISOString(), created_by: w.createdBy,
        resolved_at: w.resolvedAt.toISOString(), resolved_by: w.resolvedBy, resolution_note: w.note,
      })),
    );
    await insertRows(
      tx,
      'pending_change',
      { kind: 'text', atena_no: 'bigint', payload: 'jsonb', summary: 'jsonb', warnings: 'text[]', status: 'text', requested_by: 'text', requested_at: 'timestamptz', decided_by: 'text', decided_at: 'timestamptz' },
      plan.changes
        .slice()
        .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime())
        .map((c) => {
          const payload = c.payload(ids);
          const meta = { ...c.summary.meta };
          if (typeof payload.eligibilityId === 'number') meta.eligibilityId = String(payload.eligibilityId);
          if (typeof payload.statusId === 'number') meta.statusId = String(payload.statusId);
          return {
            kind: c.kind, atena_no: c.atenaNo, payload, summary: { ...c.summary, meta }, warnings: c.warnings, status: 'approved', requested_by: PAST_ACTORS.clerk,
            requested_at: c.requestedAt.toISOString(), decided_by: PAST_ACTORS.approver, decided_at: c.decidedAt.toISOString(),
          };
        }),
    );
    result.elapsedMs = Date.now() - started;
    result.timing.writeMs = Date.now() - planned;
    await tx
      .insertInto('job_run')
      .values({
        run_id: runId, job: PAST_JOB, actor: opts.actorLabel, started_at: new Date(started), params: JSON.stringify({ seed: opts.seed, share: opts.share ?? DEFAULT_PAST_SHARE, from: PAST_FROM }),
        status: 'completed', finished_at: new Date(), result: JSON.stringify(result),
      })
      .execute();
  });
  return { ...result, written: true };
}

/** 資格 versions with their system times, and the history copies of the superseded ones (as keep_history writes them). */
async function writeEligibility(tx: Kysely<DB>, plan: PastPlan, id: (idx: number) => number): Promise<void> {
  await insertRows(
    tx,
    'nhi_eligibility',
    {
      eligibility_id: 'bigint', atena_no: 'bigint', household_no: 'bigint', insured_symbol: 'text', insured_number: 'text', branch_no: 'text', acquired_on: 'date', acquisition_reason: 'text',
      lost_on: 'date', loss_reason: 'text', acquisition_reported_on: 'date', loss_reported_on: 'date', acquisition_retroactive: 'boolean', loss_retroactive: 'boolean',
      recorded_at: 'timestamptz', superseded_at: 'timestamptz', updated_at: 'timestamptz', updated_by: 'text',
    },
    plan.versions.map((v) => ({
      eligibility_id: id(v.idx), atena_no: v.atenaNo, household_no: v.householdNo, insured_symbol: v.symbol, insured_number: v.number, branch_no: v.branch, acquired_on: v.acquiredOn,
      acquisition_reason: v.acquisitionReason, lost_on: v.lostOn, loss_reason: v.lossReason, acquisition_reported_on: v.acquisitionReportedOn, loss_reported_on: v.lossReportedOn,
      acquisition_retroactive: v.acquisitionRetroactive, loss_retroactive: v.lossRetroactive, recorded_at: v.recordedAt.toISOString(), superseded_at: v.supersededAt?.toISOString() ?? null,
      // A superseded version was last touched by whoever superseded it (the stamp trigger of that UPDATE).
      updated_at: (v.supersededAt ?? v.recordedAt).toISOString(), updated_by: v.supersededBy ?? v.recordedBy,
    })),
  );
  const superseded = plan.versions.filter((v) => v.supersededAt !== null).map((v) => ({ eligibility_id: id(v.idx), recorded_by: v.recordedBy }));
  for (let i = 0; i < superseded.length; i += CHUNK) {
    await sql`
      INSERT INTO nhi_eligibility_history (row_key, op, changed_fields, row_data, superseded_at, superseded_by)
      SELECT n.eligibility_id::text, 'UPDATE', ARRAY['superseded_at'],
             to_jsonb(n) || jsonb_build_object('superseded_at', NULL, 'updated_at', n.recorded_at, 'updated_by', v.recorded_by),
             n.superseded_at, n.updated_by
        FROM ${jsonRows(superseded.slice(i, i + CHUNK), { eligibility_id: 'bigint', recorded_by: 'text' })}
        JOIN nhi_eligibility n ON n.eligibility_id = v.eligibility_id`.execute(tx);
  }
}

/** Status periods (entered, and ended by an update of valid_to whose history copy is written too). */
async function writeStatuses(tx: Kysely<DB>, plan: PastPlan, id: (idx: number) => number): Promise<void> {
  await insertRows(
    tx,
    'nhi_household_status',
    {
      status_id: 'bigint', atena_no: 'bigint', household_no: 'bigint', kind: 'text', valid_from: 'date', valid_to: 'date', facility_name: 'text', facility_kind: 'text', school_name: 'text',
      basis: 'text', reported_on: 'date', updated_at: 'timestamptz', updated_by: 'text',
    },
    plan.statuses.map((s) => ({
      status_id: id(s.idx), atena_no: s.atenaNo, household_no: s.householdNo, kind: s.kind, valid_from: s.validFrom, valid_to: s.validTo, facility_name: s.facilityName,
      facility_kind: s.facilityKind, school_name: s.schoolName, basis: s.basis, reported_on: s.reportedOn, updated_at: (s.endedAt ?? s.recordedAt).toISOString(), updated_by: PAST_ACTORS.approver,
    })),
  );
  const ended = plan.statuses.filter((s) => s.endedAt !== null).map((s) => ({ status_id: id(s.idx), recorded_at: s.recordedAt.toISOString() }));
  for (let i = 0; i < ended.length; i += CHUNK) {
    await sql`
      INSERT INTO nhi_household_status_history (row_key, op, changed_fields, row_data, superseded_at, superseded_by)
      SELECT s.status_id::text, 'UPDATE', ARRAY['valid_to'], to_jsonb(s) || jsonb_build_object('valid_to', NULL, 'updated_at', v.recorded_at), s.updated_at, s.updated_by
        FROM ${jsonRows(ended.slice(i, i + CHUNK), { status_id: 'bigint', recorded_at: 'timestamptz' })}
        JOIN nhi_household_status s ON s.status_id = v.status_id`.execute(tx);
  }
}

/**
 * Former members: the person record as it is now (removed by the registry's event), the resident
 * version before it in person_history, and the membership (ended by the event) with its open version
 * in household_member_history.
 */
async function writeFormerMembers(tx: Kysely<DB>, plan: PastPlan, seedActor: string): Promise<void> {
  if (plan.formerMembers.length === 0) return;
  const reasons = { '21': 'moved_out', '22': 'moved_out', '24': 'moved_out_abroad', '25': 'death' } as const;
  await insertRows(
    tx,
    'person',
    {
      atena_no: 'bigint', name_kanji: 'text', name_kana: 'text', name_kana_key: 'text', name_kanji_key: 'text', birth_date: 'date', sex: 'text', resident_kind: 'text', resident_status: 'text',
      became_resident_on: 'date', area_code: 'text', banchi: 'text', katagaki: 'text', address_set_on: 'date', previous_address: 'text', moved_out_to: 'text', moved_out_on: 'date',
      moved_out_destination: 'text', death_date: 'date', valid_from: 'date', change_reason: 'text', reported_on: 'date', updated_at: 'timestamptz', updated_by: 'text',
    },
    plan.formerMembers.map((f) => {
      const r = f.removal;
      const moved = r.code !== '25';
      return {
        atena_no: f.atenaNo, name_kanji: f.nameKanji, name_kana: f.nameKana, name_kana_key: kanaSearchKey(f.nameKana), name_kanji_key: kanjiSearchKey(f.nameKanji), birth_date: f.birthDate, sex: f.sex,
        resident_kind: 'japanese', resident_status: moved ? 'moved_out' : 'deceased', became_resident_on: f.becameResidentOn, area_code: f.areaCode, banchi: f.banchi, katagaki: f.katagaki,
        address_set_on: f.becameResidentOn, previous_address: f.previousAddress, moved_out_to: moved ? r.to : null, moved_out_on: moved ? r.on : null, moved_out_destination: r.destination,
        death_date: moved ? null : r.on, valid_from: r.on, change_reason: reasons[r.code], reported_on: r.reportedOn, updated_at: r.receivedAt.toISOString(), updated_by: PAST_ACTORS.registry,
      };
    }),
  );
  const atenas = plan.formerMembers.map((f) => f.atenaNo);
  // The resident version the registry's event superseded (as the history trigger wrote it then).
  await insertHistoryRows(
    tx,
    'person',
    sql`
      SELECT p.atena_no::text AS row_key, 'UPDATE' AS op,
             CASE WHEN p.death_date IS NULL THEN ARRAY['change_reason', 'moved_out_destination', 'moved_out_on', 'moved_out_to', 'reported_on', 'resident_status', 'valid_from']
                  ELSE ARRAY['change_reason', 'death_date', 'reported_on', 'resident_status', 'valid_from'] END AS changed_fields,
             to_jsonb(p) || jsonb_build_object('resident_status', 'resident', 'death_date', NULL, 'moved_out_on', NULL, 'moved_out_to', NULL, 'moved_out_destination', NULL,
               'valid_from', p.became_resident_on, 'change_reason', 'moved_in', 'reported_on', p.became_resident_on,
               'updated_at', (p.became_resident_on::timestamp + interval '10 hours') AT TIME ZONE 'Asia/Tokyo', 'updated_by', ${seedActor}::text) AS row_data,
             p.updated_at AS superseded_at, p.updated_by AS superseded_by
        FROM person p WHERE p.atena_no = ANY(${atenas}::bigint[])`,
  );
  const memberIds = await nextIds(tx, 'household_member', 'member_id', plan.formerMembers.length);
  await insertRows(
    tx,
    'household_member',
    { member_id: 'bigint', household_no: 'bigint', atena_no: 'bigint', relationship: 'text', member_order: 'integer', valid_from: 'date', valid_to: 'date', change_reason: 'text', updated_at: 'timestamptz', updated_by: 'text' },
    plan.formerMembers.map((f, i) => ({
      member_id: memberIds[i], household_no: f.householdNo, atena_no: f.atenaNo, relationship: f.relationship, member_order: f.memberOrder, valid_from: f.becameResidentOn,
      // 死亡: a member until the end of the day of death (registry.bulk's leave(the day after)).
      valid_to: f.removal.code === '25' ? addDays(f.removal.on, 1) : f.removal.on, change_reason: reasons[f.removal.code], updated_at: f.removal.receivedAt.toISOString(), updated_by: PAST_ACTORS.registry,
    })),
  );
  await insertHistoryRows(
    tx,
    'household_member',
    sql`
      SELECT m.member_id::text AS row_key, 'UPDATE' AS op, ARRAY['change_reason', 'valid_to'] AS changed_fields,
             to_jsonb(m) || jsonb_build_object('valid_to', NULL, 'change_reason', 'moved_in',
               'updated_at', (m.valid_from::timestamp + interval '10 hours') AT TIME ZONE 'Asia/Tokyo', 'updated_by', ${seedActor}::text) AS row_data,
             m.updated_at AS superseded_at, m.updated_by AS superseded_by
        FROM household_member m WHERE m.member_id = ANY(${memberIds}::bigint[])`,
  );
}

/** The cases and a household to open for each (printed at first start, kept in the run's result). */
export function pastGuide(r: Pick<PastResult, 'cases'>): { label: string; count: number; householdNo: number; atenaNo: number }[] {
  return REQUIRED_CASES.flatMap((c) => {
    const x = r.cases[c];
    return x ? [{ label: CASE_LABELS[c], ...x }] : [];
  });
}
