import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';
import { PERSON_COLS } from '../src/modules/registry/registry.bulk.js';

/**
 * The floor of the registry year, measured in the same run: what the rows the year wrote cost when
 * written by bare set-based statements — no triggers (history, update stamps, reference checks), no
 * foreign keys, no reads, no rules, no work items. It is a lower bound for any intake that keeps the
 * registry's state in these tables: whatever the intake does besides writing these rows comes on top.
 *
 * - The rows the year wrote are counted before and after it (events, persons inserted, person
 *   versions, memberships inserted, membership versions).
 * - Each kind of row is then written by one bare statement for a random sample of the city (as many
 *   rows as a file of the year), from a temporary table as the intake does, on the owner's connection
 *   with `session_replication_role = replica` (which turns triggers and foreign keys off), and timed.
 * - The transaction is rolled back: nothing the floor writes stays.
 *
 * In the same transaction, the **lower bound of any storage**: what an event costs when a storage does
 * only the least an event needs — read the person by key, change the person's current row in place
 * (columns no index holds, so the update can stay on its page), append the superseded version to
 * `person_version`, store the event — for the year's events. Its persons are a second random sample,
 * timed after the floor's statements: pages those already wrote can only make it cheaper, so it stays
 * a lower bound.
 */

const TABLES = ['registry_event', 'person', 'person_version', 'household_member', 'household_member_version'] as const;
export type RowCounts = Record<(typeof TABLES)[number], number>;

export async function countRows(db: Kysely<DB>): Promise<RowCounts> {
  const counts = {} as RowCounts;
  for (const t of TABLES) counts[t] = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(t)}`.execute(db)).rows[0]!.n);
  return counts;
}

/** A figure for each kind of row the year writes. */
type ByKind = Record<'events' | 'personInserts' | 'personUpdates' | 'memberInserts' | 'memberUpdates', number>;

export interface Floor {
  /** Rows the year wrote, by kind. */
  written: ByKind;
  /** Microseconds per row of each bare statement. */
  perRowMicros: ByKind;
  /** The year's rows at those costs. */
  seconds: number;
  /** The least any storage does per event (µs per row of each step) and the year's events at that cost. */
  lowerBound: { perRowMicros: Record<'read' | 'changeInPlace' | 'appendVersion', number>; seconds: number };
  sample: number;
}

/** Microseconds per row of one statement: the rows it changed, or for a query the count it answers. */
async function timed(db: Kysely<DB>, statement: ReturnType<typeof sql<{ n?: string }>>): Promise<number> {
  const t = performance.now();
  const result = await statement.execute(db);
  const rows = Number(result.numAffectedRows ?? result.rows[0]?.n ?? 0);
  // No row in the sample (an empty table): no cost per row to report (the year wrote none either).
  return rows === 0 ? 0 : ((performance.now() - t) * 1000) / rows;
}

/** Null when the owner is not a superuser (session_replication_role needs one). */
export async function measureFloor(owner: Kysely<DB>, before: RowCounts, after: RowCounts, sample: number): Promise<Floor | null> {
  const su = await sql<{ s: boolean }>`SELECT rolsuper AS s FROM pg_roles WHERE rolname = current_user`.execute(owner);
  if (!su.rows[0]?.s) return null;
  const written: ByKind = {
    events: after.registry_event - before.registry_event,
    personInserts: after.person - before.person,
    personUpdates: after.person_version - before.person_version,
    memberInserts: after.household_member - before.household_member,
    memberUpdates: after.household_member_version - before.household_member_version,
  };
  const cols = Object.keys(PERSON_COLS);
  const names = sql.raw(cols.join(', '));
  const set = sql.raw(cols.map((c) => `${c} = v.${c}`).join(', '));
  // One connection, one transaction, rolled back at the end: nothing the floor writes stays.
  const measured = await owner.connection().execute(async (tx) => {
    await sql`BEGIN`.execute(tx);
    try {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`SET LOCAL jit = off`.execute(tx);
      // The samples: random persons (a 転居 each), new persons, current memberships ended and begun again, events.
      await sql`CREATE TEMP TABLE floor_person ON COMMIT DROP AS
                SELECT atena_no, ${names} FROM person WHERE atena_no IN (SELECT atena_no FROM person ORDER BY random() LIMIT ${sample})`.execute(tx);
      await sql`UPDATE floor_person SET banchi = coalesce(banchi, '') || '-1', valid_from = current_date, change_reason = 'moved_within', updated_by = 'bench-floor'`.execute(tx);
      await sql`CREATE TEMP TABLE floor_new_person ON COMMIT DROP AS
                SELECT (SELECT max(atena_no) FROM person) + row_number() OVER () AS atena_no, ${names} FROM floor_person`.execute(tx);
      await sql`CREATE TEMP TABLE floor_member ON COMMIT DROP AS
                SELECT member_id, household_no, atena_no, relationship, member_order FROM household_member
                WHERE valid_to IS NULL AND valid_from < current_date ORDER BY random() LIMIT ${sample}`.execute(tx);
      await sql`CREATE TEMP TABLE floor_event ON COMMIT DROP AS
                SELECT 'F' || substr(md5(event_id), 1, 24) AS event_id, event_code, occurred_on, reported_on, atena_no, content, content_sha256, source, job_run_id, received_by
                FROM registry_event ORDER BY random() LIMIT ${sample}`.execute(tx);
      await sql`CREATE TEMP TABLE bound_person ON COMMIT DROP AS
                SELECT atena_no, ${names} FROM person WHERE atena_no IN (SELECT atena_no FROM person ORDER BY random() LIMIT ${sample})`.execute(tx);
      await sql`UPDATE bound_person SET banchi = coalesce(banchi, '') || '-1', valid_from = current_date, change_reason = 'moved_within', updated_by = 'bench-floor'`.execute(tx);
      for (const t of ['floor_person', 'floor_new_person', 'floor_member', 'floor_event', 'bound_person']) await sql`ANALYZE ${sql.table(t)}`.execute(tx);
      const floor = {
        personUpdates: await timed(tx, sql`UPDATE person p SET ${set} FROM floor_person v WHERE p.atena_no = v.atena_no`),
        personInserts: await timed(tx, sql`INSERT INTO person (atena_no, ${names}) SELECT atena_no, ${names} FROM floor_new_person`),
        memberUpdates: await timed(tx, sql`UPDATE household_member hm SET valid_to = current_date, change_reason = 'moved_out', updated_by = 'bench-floor' FROM floor_member v WHERE hm.member_id = v.member_id`),
        memberInserts: await timed(
          tx,
          sql`INSERT INTO household_member (household_no, atena_no, relationship, member_order, valid_from, valid_to, change_reason, updated_by)
              SELECT household_no, atena_no, relationship, member_order, current_date, NULL, 'moved_in', 'bench-floor' FROM floor_member`,
        ),
        events: await timed(
          tx,
          sql`INSERT INTO registry_event (event_id, event_code, occurred_on, reported_on, atena_no, content, content_sha256, source, job_run_id, received_by)
              SELECT event_id, event_code, occurred_on, reported_on, atena_no, content, content_sha256, source, job_run_id, received_by FROM floor_event`,
        ),
      };
      const bound = {
        // By key as the intake reads (= ANY of an array: one index lookup each, never a scan of the
        // table), counted on the server (every column read, none sent): the server's work alone.
        read: await timed(tx, sql<{ n: string }>`SELECT count(p.*) AS n FROM person p WHERE p.atena_no = ANY(ARRAY(SELECT atena_no FROM bound_person))`),
        changeInPlace: await timed(tx, sql`UPDATE person p SET banchi = v.banchi, valid_from = v.valid_from, change_reason = v.change_reason FROM bound_person v WHERE p.atena_no = v.atena_no`),
        appendVersion: await timed(
          tx,
          sql`INSERT INTO person_version (row_key, op, changed_fields, superseded_at, superseded_by, atena_no, ${names})
              SELECT atena_no::text, 'UPDATE', '{banchi}', clock_timestamp(), 'bench-floor', atena_no, ${names} FROM bound_person`,
        ),
      };
      return { floor, bound };
    } finally {
      await sql`ROLLBACK`.execute(tx);
    }
  });
  const { floor: perRowMicros, bound } = measured;
  const seconds = (Object.keys(written) as (keyof ByKind)[]).reduce((s, k) => s + (written[k] * perRowMicros[k]) / 1e6, 0);
  const perEvent = bound.read + bound.changeInPlace + bound.appendVersion + perRowMicros.events;
  return { written, perRowMicros, seconds, lowerBound: { perRowMicros: bound, seconds: (written.events * perEvent) / 1e6 }, sample };
}
