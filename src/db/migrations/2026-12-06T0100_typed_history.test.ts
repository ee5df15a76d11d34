import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { migrateTo, migrateToLatest } from '../database.js';
import { openEmptyTestDatabase } from '../test-database.js';

/**
 * The typed history of person and household_member against a database as it was before it: versions
 * written as jsonb by the old trigger, then the migration; they read back the same through the
 * `_history` views, and new versions go to the typed `_version` tables.
 */

const BEFORE = '2026-12-05T0100_registry_event_content_as_received';
const actor = 'operator:tester@host/typed-history';

let db: Kysely<any>;
let drop: () => Promise<void>;
type HistoryRow = { history_id: string | number; row_key: string; op: string; changed_fields: string[]; row_data: Record<string, unknown>; superseded_at: unknown; superseded_by: string };
const historyOf = async (table: string) => (await sql<HistoryRow>`SELECT history_id, row_key, op, changed_fields, row_data, superseded_at, superseded_by FROM ${sql.id(`${table}_history`)} ORDER BY history_id`.execute(db)).rows;
const asActor = (f: (tx: Kysely<any>) => Promise<unknown>, who = actor) =>
  db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${who}, true)`.execute(tx);
    await f(tx);
  });
const columnsOf = async (table: string) =>
  (await sql<{ name: string; type: string }>`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`.execute(db)).rows;

let before: Record<string, HistoryRow[]>;

beforeAll(async () => {
  ({ db, drop } = await openEmptyTestDatabase());
  await migrateTo(db, BEFORE);
  await asActor(async (tx) => {
    for (const atena of [1, 2]) {
      await sql`
        INSERT INTO person (atena_no, name_kanji, name_kana, name_kana_key, name_kanji_key, birth_date, sex, resident_kind, resident_status, valid_from, change_reason, updated_by)
        VALUES (${atena}, '試験', 'シケン', 'シケン', '試験', '1970-01-01', 'male', 'japanese', 'resident', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    }
    await sql`INSERT INTO household (household_no, formed_on, valid_from, change_reason, updated_by) VALUES (1, '2020-01-01', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    await sql`INSERT INTO household_member (member_id, household_no, atena_no, relationship, member_order, valid_from, change_reason, updated_by) VALUES (7, 1, 1, 'head', 1, '2020-01-01', 'moved_in', ${actor}), (8, 1, 2, 'wife', 2, '2020-01-01', 'moved_in', ${actor})`.execute(tx);
  });
  // Versions as the jsonb trigger wrote them: a 転居 of both, a name change of one, a membership ended, one deleted.
  await asActor((tx) => sql`UPDATE person SET banchi = '1-' || atena_no, valid_from = '2021-01-01', change_reason = 'moved_within' WHERE atena_no IN (1, 2)`.execute(tx), 'operator:first');
  await asActor((tx) => sql`UPDATE person SET name_kanji = '試験二', name_kanji_key = '試験二', change_reason = 'name_changed' WHERE atena_no = 2`.execute(tx), 'operator:second');
  await asActor((tx) => sql`UPDATE household_member SET valid_to = '2022-01-01', change_reason = 'household_split' WHERE member_id = 8`.execute(tx));
  await asActor((tx) => sql`DELETE FROM household_member WHERE member_id = 8`.execute(tx));
  before = { person: await historyOf('person'), household_member: await historyOf('household_member') };
  expect(before.person).toHaveLength(3);
  expect(before.household_member!.map((h) => h.op)).toEqual(['UPDATE', 'DELETE']);
  expect(await migrateToLatest(db)).toContain('2026-12-06T0100_typed_history');
});
afterAll(async () => drop?.());

describe('migration 2026-12-06T0100_typed_history', () => {
  it('keeps every version written before it, read the same through the _history view', async () => {
    for (const table of ['person', 'household_member']) {
      const after = await historyOf(table);
      expect(after.map((h) => [Number(h.history_id), h.row_key, h.op, h.changed_fields, h.superseded_by, String(h.superseded_at)])).toEqual(
        before[table]!.map((h) => [Number(h.history_id), h.row_key, h.op, h.changed_fields, h.superseded_by, String(h.superseded_at)]),
      );
      expect(after.map((h) => h.row_data)).toEqual(before[table]!.map((h) => h.row_data));
    }
  });

  it('stores new versions as typed rows: the same rows as before, numbered on', async () => {
    await asActor((tx) => sql`UPDATE person SET banchi = '9-9', change_reason = 'moved_within' WHERE atena_no = 1`.execute(tx), 'operator:third');
    await asActor((tx) => sql`UPDATE person SET banchi = banchi WHERE atena_no = 2`.execute(tx)); // changes nothing: no version
    const h = await historyOf('person');
    expect(h).toHaveLength(4);
    const last = h[3]!;
    expect([last.row_key, last.op, last.changed_fields, last.superseded_by, last.row_data.banchi, last.row_data.change_reason]).toEqual(['1', 'UPDATE', ['banchi'], 'operator:third', '1-1', 'moved_within']);
    expect(Number(last.history_id)).toBeGreaterThan(Number(h[2]!.history_id));
    // The version as typed columns, and the view's jsonb built from them.
    const typed = (await sql<{ banchi: string; birth_date: unknown }>`SELECT banchi, birth_date FROM person_version WHERE history_id = ${last.history_id}`.execute(db)).rows[0]!;
    expect(typed.banchi).toBe('1-1');
    expect(Object.keys(last.row_data).sort()).toEqual((await columnsOf('person')).map((c) => c.name).sort());
  });

  it('records a deleted membership whole and refuses a change of the key', async () => {
    await asActor((tx) => sql`DELETE FROM household_member WHERE member_id = 7`.execute(tx));
    const h = (await historyOf('household_member')).filter((x) => x.row_key === '7');
    expect(h.map((x) => [x.op, x.row_data.atena_no, x.row_data.relationship])).toEqual([['DELETE', 1, 'head']]);
    expect(h[0]!.changed_fields).toContain('relationship');
    expect(h[0]!.changed_fields).not.toContain('updated_at');
    await expect(asActor((tx) => sql`UPDATE person SET atena_no = 99 WHERE atena_no = 2`.execute(tx))).rejects.toThrow(/キー\(atena_no\)は変更できません/);
  });

  it('has every column of person and household_member in their _version tables, with the same types', async () => {
    // A later migration adding a column to either table must add it to the _version table as well.
    for (const table of ['person', 'household_member']) {
      const version = new Map((await columnsOf(`${table}_version`)).map((c) => [c.name, c.type]));
      for (const c of await columnsOf(table)) expect([c.name, version.get(c.name)]).toEqual([c.name, c.type]);
    }
  });

  it('keeps the versions append-only and the views read-only for the application', async () => {
    const grants = await sql<{ t: string; p: string }>`
      SELECT table_name AS t, privilege_type AS p FROM information_schema.role_table_grants
       WHERE grantee = 'nhi_app' AND table_name IN ('person_version', 'household_member_version', 'person_history', 'household_member_history') ORDER BY 1, 2`.execute(db);
    const of = (t: string) => grants.rows.filter((g) => g.t === t).map((g) => g.p);
    for (const t of ['person_version', 'household_member_version']) expect(of(t)).toEqual(expect.arrayContaining(['INSERT', 'SELECT']));
    for (const t of ['person_version', 'household_member_version']) expect(of(t).filter((p) => ['UPDATE', 'DELETE', 'TRUNCATE'].includes(p))).toEqual([]);
    for (const t of ['person_history', 'household_member_history']) expect(of(t)).toEqual(['SELECT']);
  });
});
