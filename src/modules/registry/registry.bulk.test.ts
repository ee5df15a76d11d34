import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { openTestDatabase } from '../../db/test-database.js';
import { seedDemoCity } from '../../demo/generator.js';
import { registryEventMaker, type Line } from '../../demo/registry-events.js';
import { Keyring, newKeyFile } from '../../security/keyring.js';
import { validateEventRecord } from './intake-file.js';
import { applyBatch, type BulkResult } from './registry.bulk.js';
import type { RegistryEvent } from './registry-events.js';
import { asActor } from '../../testing/as-actor.js';

/**
 * The batch engine sends the person, household and membership writes while it applies the next events
 * (every `writeEvery` events). Whatever the cadence, the database must end up exactly as when everything
 * is written at the end: the same rows and the same history, in every table the intake writes.
 */
let database: Database;
let drop: () => Promise<void>;
let events: RegistryEvent[];
const DAY = '2026-11-20';
const BY = 'system:registry-bulk-test';

beforeAll(async () => {
  ({ database, drop } = await openTestDatabase());
  await seedDemoCity(database, new Keyring(newKeyFile()), { residents: 400, seed: 11, actorLabel: 'operator:test/seed/1' });
  const maker = await registryEventMaker(database.db, DAY, 11);
  const lines: Line[] = [];
  for (let i = 0; i < 600; i++) lines.push(maker.next());
  // 世帯主変更 in households no other event touches, spread over the batch: the old head becomes a member,
  // then a member becomes the head — which sends the writes so far before it (the one-head index).
  const touched = new Set(lines.flatMap((l) => [Number(l.atena_no), Number(l.household_no ?? 0)]));
  const pairs = await sql<{ household_no: string; head: string; member: string }>`
    SELECT h.household_no, h.atena_no AS head, min(m.atena_no) AS member
      FROM household_member h JOIN household_member m ON m.household_no = h.household_no AND m.valid_to IS NULL AND m.relationship <> 'head'
     WHERE h.valid_to IS NULL AND h.relationship = 'head' AND h.valid_from < ${DAY}::date AND m.valid_from < ${DAY}::date
     GROUP BY h.household_no, h.atena_no ORDER BY h.household_no`.execute(database.db);
  const changes = pairs.rows.filter((r) => ![r.household_no, r.head, r.member].some((x) => touched.has(Number(x)))).slice(0, 8);
  expect(changes.length).toBeGreaterThanOrEqual(6);
  changes.forEach((c, k) => {
    const at = 25 + k * 70;
    const change = (suffix: string, atena: string, relationship: string): Line => ({ event_id: `HC${k}-${suffix}`, event_code: '34', occurred_on: DAY, reported_on: DAY, atena_no: atena, household_no: c.household_no, relationship });
    lines.splice(at, 0, change('a', c.head, '世帯員'), change('b', c.member, '世帯主'));
  });
  events = lines.map((line) => {
    const v = validateEventRecord(line, { today: '2026-11-30', prefectureCode: '11' });
    if ('errors' in v) throw new Error(JSON.stringify(v.errors));
    return v.event;
  });
});
afterAll(async () => drop?.());

/** Keys that differ between two runs by nature (serial ids, clocks), left out of the comparison. */
const VOLATILE = '^(member_id|eligibility_id|history_id|item_id|work_item_id|request_id|status_id)$|_at$';

/** Every table the intake writes, as a sorted list of its rows without their volatile keys. */
async function snapshot(tx: Kysely<DB>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of ['person', 'person_history', 'household', 'household_history', 'household_member', 'household_member_history', 'nhi_eligibility', 'work_item', 'reassessment_request', 'registry_event']) {
    const r = await sql<{ row: string }>`
      SELECT (SELECT jsonb_object_agg(k, CASE WHEN k = 'row_data' THEN (SELECT jsonb_object_agg(k2, v2) FROM jsonb_each(v) AS d(k2, v2) WHERE k2 !~ ${VOLATILE}) ELSE v END)
                FROM jsonb_each(to_jsonb(t)) AS e(k, v) WHERE k !~ ${VOLATILE})::text AS row
        FROM ${sql.table(t)} t`.execute(tx);
    out[t] = r.rows.map((x) => x.row).sort();
  }
  return out;
}

class Rollback extends Error {}

/** Applies the events in a transaction that is then rolled back; returns the result and the tables as they were. */
async function applyAndLook(writeEvery: number | null, copyRows = false): Promise<{ result: BulkResult; tables: Record<string, string[]> }> {
  let out: { result: BulkResult; tables: Record<string, string[]> } | undefined;
  await asActor(database.db, BY, async (tx) => {
    const copyIn = (table: string, columns: readonly string[], tsv: string) => database.copyIn(table, columns, tsv, tx as Transaction<DB>);
    const result = await applyBatch(tx, events, { by: BY, source: 'file', jobRunId: null, today: '2026-11-30', copyIn, overlapCopy: false, writeEvery, copyRows, copyRowsFrom: 1, ...(copyRows ? { sideReads: database.sideReads } : {}) });
    out = { result, tables: await snapshot(tx) };
    throw new Rollback();
  }).catch((e: unknown) => {
    if (!(e instanceof Rollback)) throw e;
  });
  return out!;
}

describe('the batch engine writing while it applies', () => {
  it('leaves every table as writing at the end does, at any cadence (every 1, 7, 64 events), rows sent as JSON or by COPY', async () => {
    const atEnd = await applyAndLook(null);
    expect(atEnd.result.errors).toEqual([]);
    expect(atEnd.result.taken).toBe(events.length);
    // The events touch persons more than once and change memberships: the cadence matters for order.
    expect(new Set(events.map((e) => e.atenaNo)).size).toBeLessThan(events.length);
    expect(atEnd.tables.household_member_history!.length).toBeGreaterThan(0);
    expect(atEnd.tables.person_history!.length).toBeGreaterThan(events.length / 2);
    // Every household of a 世帯主変更 has its new head and no other.
    const heads = atEnd.tables.household_member!.map((r) => JSON.parse(r) as { household_no: number; atena_no: number; relationship: string; valid_to: string | null }).filter((m) => m.valid_to === null && m.relationship === 'head');
    for (const e of events.filter((x) => x.eventCode === '34' && x.relationship === '世帯主')) expect(heads.filter((m) => m.household_no === e.householdNo).map((m) => m.atena_no)).toEqual([e.atenaNo]);
    // On PostgreSQL the rows also go in by COPY into temporary tables (as the service does there).
    const copying = database.kind === 'postgresql' ? [false, true] : [false];
    for (const copyRows of copying) {
      for (const every of copyRows ? [null, 1, 7, 64] : [1, 7, 64]) {
        const during = await applyAndLook(every, copyRows);
        expect(during.result).toEqual(atEnd.result);
        for (const [table, rows] of Object.entries(atEnd.tables)) expect(during.tables[table], `${table}, every ${every}, copy ${copyRows}`).toEqual(rows);
      }
    }
  });
});
