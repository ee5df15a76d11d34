import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { openTestDatabase } from '../test-database.js';
import { asActor as withActor } from '../../testing/as-actor.js';

/** The edit history written once per statement: the same rows the row trigger wrote, for many rows at once. */

const actor = 'operator:tester@host/history';
let t: Awaited<ReturnType<typeof openTestDatabase>>;
const db = () => t.database.db as unknown as Kysely<any>;
const asActor = (f: (tx: Kysely<any>) => Promise<unknown>, who = actor) => withActor(db(), who, f);
type HistoryRow = { row_key: string; op: string; changed_fields: string[]; row_data: Record<string, unknown>; superseded_by: string };
const historyOf = async (table: string, key: string) =>
  (await sql<HistoryRow>`SELECT row_key, op, changed_fields, row_data, superseded_by FROM ${sql.id(`${table}_history`)} WHERE row_key = ${key} ORDER BY history_id`.execute(db())).rows;

beforeAll(async () => {
  t = await openTestDatabase();
  await asActor(async (tx) => {
    for (const atena of [1, 2, 3]) {
      await sql`
        INSERT INTO person (atena_no, name_kanji, name_kana, name_kana_key, name_kanji_key, birth_date, sex, resident_kind, resident_status, valid_from, change_reason, updated_by)
        VALUES (${atena}, '試験', 'シケン', 'シケン', '試験', '1970-01-01', 'male', 'japanese', 'resident', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    }
  });
});
afterAll(async () => t?.drop());

describe('migration 2026-12-02T1100_history_by_statement', () => {
  it('keeps every superseded version of a multi-row update, with the changed columns and who', async () => {
    await asActor((tx) => sql`UPDATE person SET banchi = '1-' || atena_no, valid_from = '2021-01-01', change_reason = 'moved_within' WHERE atena_no IN (1, 2)`.execute(tx), 'operator:first');
    await asActor((tx) => sql`UPDATE person SET banchi = '9-9' WHERE atena_no = 1`.execute(tx), 'operator:second');
    const h1 = await historyOf('person', '1');
    expect(h1.map((h) => [h.op, h.changed_fields, h.superseded_by])).toEqual([
      ['UPDATE', ['banchi', 'change_reason', 'valid_from'], 'operator:first'],
      ['UPDATE', ['banchi'], 'operator:second'],
    ]);
    // Each history row holds the version as it was before the change.
    expect([h1[0]!.row_data.banchi, h1[0]!.row_data.valid_from]).toEqual([null, '2020-01-01']);
    expect(h1[1]!.row_data.banchi).toBe('1-1');
    expect((await historyOf('person', '2')).map((h) => h.changed_fields)).toEqual([['banchi', 'change_reason', 'valid_from']]);
    expect(await historyOf('person', '3')).toEqual([]);
  });

  it('records nothing for an update that changes nothing but who and when', async () => {
    await asActor((tx) => sql`UPDATE person SET banchi = banchi WHERE atena_no = 3`.execute(tx));
    expect(await historyOf('person', '3')).toEqual([]);
  });

  it('records a deleted row whole', async () => {
    await asActor(async (tx) => {
      await sql`INSERT INTO household (household_no, formed_on, valid_from, change_reason, updated_by) VALUES (1, '2020-01-01', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
      await sql`INSERT INTO household_member (member_id, household_no, atena_no, relationship, member_order, valid_from, change_reason, updated_by) VALUES (77, 1, 3, 'head', 1, '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    });
    await asActor((tx) => sql`DELETE FROM household_member WHERE member_id = 77`.execute(tx));
    const h = await historyOf('household_member', '77');
    expect(h.map((x) => x.op)).toEqual(['DELETE']);
    expect([h[0]!.row_data.atena_no, h[0]!.row_data.relationship]).toEqual([3, 'head']);
    expect(h[0]!.changed_fields).toContain('relationship');
    expect(h[0]!.changed_fields).not.toContain('updated_at');
  });

  it('refuses a change of the key column (the history pairs versions by it), and an unattributed write', async () => {
    await expect(asActor((tx) => sql`UPDATE person SET atena_no = 99 WHERE atena_no = 2`.execute(tx))).rejects.toThrow(/キー\(atena_no\)は変更できません/);
    await expect(db().transaction().execute((tx) => sql`UPDATE person SET banchi = 'x' WHERE atena_no = 2`.execute(tx))).rejects.toThrow(/nhi\.actor/);
    expect((await historyOf('person', '2')).length).toBe(1);
    // A delete has no update stamp: the history trigger itself refuses it (nhi_actor()).
    await asActor(async (tx) => {
      await sql`INSERT INTO household (household_no, formed_on, valid_from, change_reason, updated_by) VALUES (2, '2020-01-01', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
      await sql`INSERT INTO household_member (member_id, household_no, atena_no, relationship, member_order, valid_from, change_reason, updated_by) VALUES (78, 2, 2, 'head', 1, '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    });
    await expect(db().transaction().execute((tx) => sql`DELETE FROM household_member WHERE member_id = 78`.execute(tx))).rejects.toThrow(/nhi\.actor/);
    await expect(asActor((tx) => sql`SELECT set_config('nhi.actor', '', true)`.execute(tx).then(() => sql`DELETE FROM household_member WHERE member_id = 78`.execute(tx)))).rejects.toThrow(/nhi\.actor/);
    expect(await historyOf('household_member', '78')).toEqual([]);
  });

  it('leaves no row trigger of the old kind: every history table has its statement triggers', async () => {
    const old = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'keep_history'`.execute(db());
    expect(Number(old.rows[0]!.n)).toBe(0);
    // A history as jsonb (<table>_history) or, since 2026-12-06T0100, as typed rows (<table>_version).
    const tables = await sql<{ base: string; fn: string }>`
      SELECT regexp_replace(relname, '_(history|version)$', '') AS base,
             CASE WHEN relname LIKE '%\\_version' THEN 'keep_typed_history_of_statement' ELSE 'keep_history_of_statement' END AS fn
        FROM pg_class WHERE relkind = 'r' AND (relname LIKE '%\\_history' OR relname LIKE '%\\_version') AND relnamespace = 'public'::regnamespace ORDER BY 1`.execute(db());
    const triggers = await sql<{ tbl: string; fn: string; n: string }>`
      SELECT t.tgrelid::regclass::text AS tbl, p.proname AS fn, count(*) AS n FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
       WHERE p.proname IN ('keep_history_of_statement', 'keep_typed_history_of_statement') GROUP BY 1, 2`.execute(db());
    const byTable = new Map(triggers.rows.map((r) => [`${r.tbl}:${r.fn}`, Number(r.n)]));
    expect(tables.rows.length).toBeGreaterThanOrEqual(7);
    expect(tables.rows.filter((t) => t.fn === 'keep_typed_history_of_statement').map((t) => t.base)).toEqual(['household_member', 'person']);
    for (const { base, fn } of tables.rows) expect([base, byTable.get(`${base}:${fn}`)]).toEqual([base, 2]);
  });
});
