import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { openTestDatabase } from '../test-database.js';
import { asActor as withActor } from '../../testing/as-actor.js';

/** A stored assessment's references, checked once per statement: refused like a foreign key, never orphaned. */

const actor = 'operator:tester@host/assessment-refs';
let t: Awaited<ReturnType<typeof openTestDatabase>>;
const db = () => t.database.db as unknown as Kysely<any>;
const asActor = (f: (tx: Kysely<any>) => Promise<unknown>) => withActor(db(), actor, f);
const P1 = 'a'.repeat(64);
const count = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM assessment`.execute(db())).rows[0]!.n);

/** Versions of the given households (1–4 exist, person 1, parameter set P1, run r1), with a field overridden. */
const insert = (rows: { household: number; version?: number; taxpayer?: number | null; run?: string | null; params?: string }[]) => sql`
  INSERT INTO assessment (fiscal_year, household_no, address_exception_atena_no, version, reason, run_id, cause, taxpayer_atena_no, pseudo_head, insured_count, reduction,
    total_yen, medical_yen, support_yen, care_yen, child_support_yen, income_levy_yen, per_capita_yen, per_household_yen, legal_reduction_yen, specific_household_reduction_yen,
    preschool_reduction_yen, minor_reduction_yen, capped, parts, members, input, input_hash, params_hash, recorded_by)
  SELECT 2026, r.household, 0, r.version, CASE WHEN r.run IS NULL THEN 'correction' ELSE 'annual' END, r.run, '本算定', r.taxpayer, false, 1, 'none', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, '{}', '[]', '{}', ${'0'.repeat(64)}, r.params, ${actor}
    FROM jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ household: r.household, version: r.version ?? 1, taxpayer: r.taxpayer === undefined ? 1 : r.taxpayer, run: r.run === undefined ? 'r1' : r.run, params: r.params ?? P1 })))}::jsonb)
      AS r(household bigint, version integer, taxpayer bigint, run text, params text)`;

beforeAll(async () => {
  t = await openTestDatabase();
  await asActor(async (tx) => {
    for (const h of [1, 2, 3, 4]) await sql`INSERT INTO household (household_no, formed_on, valid_from, change_reason, updated_by) VALUES (${h}, '2020-01-01', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    await sql`
      INSERT INTO person (atena_no, name_kanji, name_kana, name_kana_key, name_kanji_key, birth_date, sex, resident_kind, resident_status, valid_from, change_reason, updated_by)
      VALUES (1, '試験', 'シケン', 'シケン', '試験', '1970-01-01', 'male', 'japanese', 'resident', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
    await sql`INSERT INTO assessment_params (params_hash, fiscal_year, municipality, param_values) VALUES (${P1}, 2026, '試験市', '{}')`.execute(tx);
    await sql`INSERT INTO job_run (run_id, job, actor, params, status) VALUES ('r1', 'assessment.annual', ${actor}, '{"fiscalYear":2026}', 'completed')`.execute(tx);
  });
});
afterAll(async () => t?.drop());

describe('migration 2026-12-02T1200_assessment_reference_checks', () => {
  it('takes a statement whose every reference exists (a null run or taxpayer included)', async () => {
    await asActor((tx) => insert([{ household: 1 }, { household: 2, run: null, taxpayer: null }]).execute(tx));
    expect(await count()).toBe(2);
  });

  it('refuses the whole statement when one row names a missing household, person, run or parameter set', async () => {
    const cases: [Parameters<typeof insert>[0][number], RegExp][] = [
      [{ household: 99 }, /世帯番号 99/],
      [{ household: 4, taxpayer: 42 }, /納税義務者の宛名番号 42/],
      [{ household: 4, run: 'nope' }, /バッチ実行 nope/],
      [{ household: 4, params: 'f'.repeat(64) }, /税率等の組 f{64}/],
    ];
    for (const [bad, message] of cases) {
      const before = await count();
      const e = await asActor((tx) => insert([{ household: 3 }, bad]).execute(tx)).then(() => null, (x: unknown) => x as { code?: string; message: string });
      expect(e?.message).toMatch(message);
      expect(e?.code).toBe('23503');
      expect(await count()).toBe(before);
    }
  });

  it('the application cannot delete a household, person or run an assessment could name', async () => {
    for (const q of [sql`DELETE FROM household WHERE household_no = 3`, sql`DELETE FROM person WHERE atena_no = 1`, sql`DELETE FROM job_run WHERE run_id = 'r1'`]) {
      await expect(asActor((tx) => q.execute(tx))).rejects.toThrow(/permission denied/);
    }
  });
});
