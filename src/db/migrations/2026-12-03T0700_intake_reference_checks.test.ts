import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE as F } from '../../testing/fixture.js';
import { testTemplates } from '../../testing/templates.js';
import type { DB } from '../schema.js';
import { openTestDatabase } from '../test-database.js';
import { asActor } from '../../testing/as-actor.js';

/** Memberships and work items refer to existing persons, households and events: checked per statement. */

let t: Awaited<ReturnType<typeof openTestDatabase>>;
const db = () => t.database.db as Kysely<DB>;

beforeAll(async () => {
  t = await openTestDatabase(testTemplates()?.fixture);
});
afterAll(async () => t?.drop());

const MISSING_PERSON = 199999999;
const MISSING_HOUSEHOLD = 599999999;

/** Runs as the registry would (the history triggers need an actor); the error, if any. */
async function attempt(fn: (tx: Kysely<DB>) => Promise<unknown>): Promise<{ code?: string; message: string } | null> {
  try {
    await asActor(db(), 'operator:test', async (tx) => {
      await fn(tx);
    });
    return null;
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
}

const member = (household_no: number, atena_no: number) => ({ household_no, atena_no, relationship: 'lodger' as const, member_order: 9, valid_from: '2026-11-01', valid_to: '2026-11-20', change_reason: 'moved_in' as const, updated_by: 'operator:test' });
const item = (atena_no: number, event_id: string | null, origin_key: string | null) => ({ kind: 'household_review' as const, atena_no, event_id, origin_key, basis: '国民健康保険法 第6条', created_by: 'operator:test' });

describe('migration 2026-12-03T0700_intake_reference_checks', () => {
  it('a membership must name an existing household and person, inserted or updated; the statement is refused whole', async () => {
    expect(await attempt((tx) => tx.insertInto('household_member').values(member(F.yamada.household, F.tanaka.person)).execute())).toBeNull();
    const noHousehold = await attempt((tx) => tx.insertInto('household_member').values([member(F.sato.household, F.tanaka.person), member(MISSING_HOUSEHOLD, F.tanaka.person)]).execute());
    expect(noHousehold).toMatchObject({ code: '23503' });
    expect(noHousehold!.message).toContain(`世帯番号 ${MISSING_HOUSEHOLD}`);
    const noPerson = await attempt((tx) => tx.insertInto('household_member').values(member(F.sato.household, MISSING_PERSON)).execute());
    expect(noPerson).toMatchObject({ code: '23503' });
    expect(noPerson!.message).toContain(`宛名番号 ${MISSING_PERSON}`);
    // Nothing of the refused statements stayed.
    expect(await db().selectFrom('household_member').select('member_id').where('household_no', '=', F.sato.household).where('atena_no', '=', F.tanaka.person).execute()).toEqual([]);
    const moved = await attempt((tx) => tx.updateTable('household_member').set({ household_no: MISSING_HOUSEHOLD }).where('household_no', '=', F.yamada.household).where('atena_no', '=', F.tanaka.person).execute());
    expect(moved).toMatchObject({ code: '23503' });
  });

  it('a work item must name an existing person and, when it has one, an existing event', async () => {
    expect(await attempt((tx) => tx.insertInto('work_item').values(item(F.tanaka.person, null, 'test:ok')).execute())).toBeNull();
    const noPerson = await attempt((tx) => tx.insertInto('work_item').values(item(MISSING_PERSON, null, 'test:no-person')).execute());
    expect(noPerson).toMatchObject({ code: '23503' });
    expect(noPerson!.message).toContain(`宛名番号 ${MISSING_PERSON}`);
    const noEvent = await attempt((tx) => tx.insertInto('work_item').values(item(F.tanaka.person, 'NO-SUCH-EVENT', null)).execute());
    expect(noEvent).toMatchObject({ code: '23503' });
    expect(noEvent!.message).toContain('異動連番 NO-SUCH-EVENT');
    const retarget = await attempt((tx) => tx.updateTable('work_item').set({ atena_no: MISSING_PERSON }).where('origin_key', '=', 'test:ok').execute());
    expect(retarget).toMatchObject({ code: '23503' });
  });

  it('the application may not delete the rows these refer to', async () => {
    for (const table of ['person', 'household', 'registry_event'] as const) {
      const r = await attempt((tx) => sql`DELETE FROM ${sql.table(table)} WHERE false`.execute(tx));
      expect(r?.message, table).toMatch(/permission denied/);
    }
  });
});

describe('migration 2026-12-03T0900_reference_checks_planned_each_time', () => {
  it('every statement-level reference check runs the one generic function, which plans its anti-joins per statement (EXECUTE)', async () => {
    const r = await sql<{ tgname: string; proname: string }>`
      SELECT t.tgname, p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
       WHERE t.tgname IN ('assessment_references', 'household_member_references_insert', 'household_member_references_update', 'work_item_references_insert', 'work_item_references_update') ORDER BY 1`.execute(db());
    expect(r.rows).toEqual(['assessment_references', 'household_member_references_insert', 'household_member_references_update', 'work_item_references_insert', 'work_item_references_update'].map((tgname) => ({ tgname, proname: 'statement_references' })));
    const src = (await sql<{ prosrc: string }>`SELECT prosrc FROM pg_proc WHERE proname = 'statement_references'`.execute(db())).rows[0]!.prosrc;
    // The one query over new_rows is built and run by EXECUTE format(…): planned for the statement at hand.
    expect(src).toMatch(/EXECUTE format\('SELECT %L \|\| '' '' \|\| n\.%I FROM new_rows n/);
    expect(src.match(/FROM new_rows/g)).toHaveLength(1);
    expect(await sql`SELECT 1 FROM pg_proc WHERE proname = 'assessment_references'`.execute(db()).then((x) => x.rows)).toEqual([]);
  });
});
