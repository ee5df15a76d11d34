import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { openTestDatabase } from '../test-database.js';
import { asActor as withActor } from '../../testing/as-actor.js';

/** What the database enforces itself: one insurance at a time per person, and 記号・番号・枝番 never reused for another person. */

const actor = 'operator:tester@host/migration';
let t: Awaited<ReturnType<typeof openTestDatabase>>;
const db = () => t.database.db as unknown as Kysely<any>;
const asActor = (f: (tx: Kysely<any>) => Promise<unknown>) => withActor(db(), actor, f);
const period = (id: number, atena: number, branch: string, acquired: string, lost: string | null, superseded = false) => sql`
  INSERT INTO nhi_eligibility (eligibility_id, atena_no, household_no, insured_symbol, insured_number, branch_no, acquired_on, acquisition_reason, lost_on, loss_reason, superseded_at, updated_by)
  VALUES (${id}, ${atena}, 1, '川1', '00000001', ${branch}, ${acquired}, 'moved_in', ${lost}, ${lost === null ? null : 'other'}, ${superseded ? sql`clock_timestamp()` : null}, ${actor})`;

beforeAll(async () => {
  t = await openTestDatabase();
  await asActor(async (tx) => {
    await sql`INSERT INTO household (household_no, formed_on, valid_from, change_reason, updated_by) VALUES (1, '2020-01-01', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    for (const atena of [1, 2]) {
      await sql`
        INSERT INTO person (atena_no, name_kanji, name_kana, name_kana_key, name_kanji_key, birth_date, sex, resident_kind, resident_status, valid_from, change_reason, updated_by)
        VALUES (${atena}, '試験', 'シケン', 'シケン', '試験', '1970-01-01', 'male', 'japanese', 'resident', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    }
    await period(10, 1, '01', '2020-04-01', '2022-04-01').execute(tx);
    await period(11, 1, '01', '2022-04-01', null).execute(tx); // lost on D, acquired on D: no overlap
  });
});
afterAll(async () => t?.drop());

describe('migration 2026-12-01T0600_eligibility_dates', () => {
  it('refuses an overlapping current period of the same person (exclusion constraint, btree_gist)', async () => {
    await expect(asActor((tx) => period(12, 1, '01', '2021-04-01', '2021-05-01').execute(tx))).rejects.toThrow(/nhi_eligibility_no_overlap/);
    await expect(asActor((tx) => period(13, 1, '01', '2030-01-01', null).execute(tx))).rejects.toThrow(/nhi_eligibility_no_overlap/);
  });

  it('allows a superseded version to overlap (bitemporal: what was known before), and another person the same days', async () => {
    await asActor((tx) => period(14, 1, '01', '2021-04-01', '2021-05-01', true).execute(tx));
    await asActor((tx) => period(15, 2, '02', '2020-04-01', null).execute(tx));
  });

  it('never gives one 記号・番号・枝番 to another person (branch_no_assignment)', async () => {
    await expect(asActor((tx) => period(16, 2, '01', '2010-04-01', '2011-04-01').execute(tx))).rejects.toThrow(/割り当て済み|branch_no_assignment_once/);
    await expect(asActor((tx) => sql`UPDATE nhi_eligibility SET branch_no = '01' WHERE eligibility_id = 15`.execute(tx))).rejects.toThrow(/割り当て済み/);
    const held = await sql<{ atena_no: number; branch_no: string }>`SELECT atena_no, branch_no FROM branch_no_assignment ORDER BY branch_no`.execute(db());
    expect(held.rows.map((r) => [Number(r.atena_no), r.branch_no])).toEqual([[1, '01'], [2, '02']]);
  });

  it('stores 届出日 and 遡及 per acquisition and loss; no loss 届出日 without a loss', async () => {
    await expect(asActor((tx) => sql`UPDATE nhi_eligibility SET loss_reported_on = '2026-01-01' WHERE eligibility_id = 11`.execute(tx))).rejects.toThrow(/nhi_eligibility_loss_reported_check/);
    await asActor((tx) => sql`UPDATE nhi_eligibility SET loss_reported_on = '2022-05-01', loss_retroactive = true WHERE eligibility_id = 10`.execute(tx));
  });
});
