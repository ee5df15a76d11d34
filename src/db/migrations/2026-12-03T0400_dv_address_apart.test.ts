import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../schema.js';
import { testTemplates } from '../../testing/templates.js';
import { openTestDatabase } from '../test-database.js';
import { asActor } from '../../testing/as-actor.js';

/**
 * The DV等支援措置 persons' addresses in a table of their own, kept by triggers on person; no index of
 * person names an address column, so a 転居 can be a heap-only version.
 */

let t: Awaited<ReturnType<typeof openTestDatabase>>;
const db = () => t.database.db as Kysely<DB>;

beforeAll(async () => {
  // The fixture's template: its 住所コード and its hand-made people (one of them flagged).
  t = await openTestDatabase(testTemplates()?.fixture);
});
afterAll(async () => t?.drop());

const ATENA = 990001;
const OTHER = 990002;

/** A change to person as the registry would make it (the history triggers need an actor). */
async function change(fn: (tx: Kysely<DB>) => Promise<unknown>) {
  await asActor(db(), 'operator:test', async (tx) => {
    await fn(tx);
  });
}

const flagged = async () => (await db().selectFrom('dv_flagged_address').selectAll().orderBy('atena_no').execute()).map((r) => ({ ...r, atena_no: Number(r.atena_no) }));

describe('migration 2026-12-03T0400_dv_address_apart', () => {
  it('follows a flagged person: recorded flagged, moved, lifted; an unflagged person is never there', async () => {
    const area = (await db().selectFrom('address_area').select('area_code').orderBy('area_code').limit(2).execute()).map((a) => a.area_code);
    expect(area).toHaveLength(2);
    const person = (atena: number, dv: boolean) => ({
      atena_no: atena, name_kanji: '試験　一郎', name_kana: 'シケン　イチロウ', name_kana_key: 'シケンイチロウ', name_kanji_key: '試験一郎', birth_date: '1980-01-01', sex: 'male' as const,
      resident_kind: 'japanese' as const, resident_status: 'resident' as const, area_code: area[0]!, banchi: '1-2-3', katagaki: '101号室', dv_support: dv, valid_from: '2026-04-01', change_reason: 'moved_in' as const, updated_by: 'operator:test',
    });
    const before = await flagged();
    await change((tx) => tx.insertInto('person').values([person(ATENA, true), person(OTHER, false)]).execute());
    expect((await flagged()).filter((r) => !before.some((b) => b.atena_no === r.atena_no))).toEqual([{ atena_no: ATENA, area_code: area[0], banchi: '1-2-3', katagaki: '101号室' }]);

    // 転居 of the flagged person: the row follows the address.
    await change((tx) => tx.updateTable('person').set({ area_code: area[1]!, banchi: '4-5', katagaki: null, change_reason: 'moved_within' }).where('atena_no', '=', ATENA).execute());
    expect((await flagged()).find((r) => r.atena_no === ATENA)).toEqual({ atena_no: ATENA, area_code: area[1], banchi: '4-5', katagaki: null });

    // 転居 of an unflagged person: nothing; then flagged: there; lifted: gone.
    await change((tx) => tx.updateTable('person').set({ banchi: '9-9', change_reason: 'moved_within' }).where('atena_no', '=', OTHER).execute());
    expect((await flagged()).some((r) => r.atena_no === OTHER)).toBe(false);
    await change((tx) => tx.updateTable('person').set({ dv_support: true, change_reason: 'support_started' }).where('atena_no', '=', OTHER).execute());
    expect((await flagged()).find((r) => r.atena_no === OTHER)).toEqual({ atena_no: OTHER, area_code: area[0], banchi: '9-9', katagaki: '101号室' });
    await change((tx) => tx.updateTable('person').set({ dv_support: false, change_reason: 'support_ended' }).where('atena_no', '=', OTHER).execute());
    expect((await flagged()).some((r) => r.atena_no === OTHER)).toBe(false);

    // Exactly the flagged persons, with their addresses.
    const expected = (await db().selectFrom('person').select(['atena_no', 'area_code', 'banchi', 'katagaki']).where('dv_support', '=', true).orderBy('atena_no').execute()).map((r) => ({ ...r, atena_no: Number(r.atena_no) }));
    expect(await flagged()).toEqual(expected);
  });

  it('the application may read it but not write it', async () => {
    await expect(
      asActor(db(), 'operator:test', async (tx) => {
        await tx.deleteFrom('dv_flagged_address').execute();
      }),
    ).rejects.toThrow(/permission denied/);
    await expect(db().insertInto('dv_flagged_address').values({ atena_no: OTHER, area_code: null, banchi: null, katagaki: null }).execute()).rejects.toThrow(/permission denied/);
  });

  it('no index of person names an address column (a 転居 can be written as a heap-only version)', async () => {
    const r = await sql<{ indexname: string; indexdef: string }>`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'person'`.execute(db());
    expect(r.rows.length).toBeGreaterThan(3);
    for (const i of r.rows) expect(i.indexdef, i.indexname).not.toMatch(/area_code|banchi|katagaki|dv_support/);
  });
});
