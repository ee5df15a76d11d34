import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { migrateTo, migrateToLatest } from '../database.js';
import { openEmptyTestDatabase, openTestDatabase } from '../test-database.js';
import { checkedValues } from '../generate-types.js';
import { CHANGE_REASONS, RELATIONSHIPS } from '../../modules/person/person.rules.js';
import { ACQUISITION_REASON_CODES, LOSS_REASON_CODES } from '../../modules/eligibility/eligibility.rules.js';
import { FACILITY_KIND_CODES, NHI_HOUSEHOLD_STATUS_KIND_CODES } from '../../modules/eligibility/nhi-household.rules.js';

/**
 * The stored-codes migration against a database as it was before it: labels written the old way (live
 * rows, superseded versions, pending 資格 changes, office names of the area master), then the migration.
 */

const BEFORE = '2026-11-30T0600_batch_runs';
const actor = 'operator:tester@host/migration';

let db: Kysely<any>;
let drop: () => Promise<void>;
const rows = async <T>(q: RawBuilder<T>) => (await q.execute(db)).rows;

/** One write transaction as the application makes it (nhi.actor set, so the history triggers run). */
const asActor = (f: (tx: Kysely<any>) => Promise<unknown>) =>
  db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${actor}, true)`.execute(tx);
    await f(tx);
  });

beforeAll(async () => {
  ({ db, drop } = await openEmptyTestDatabase());
  await migrateTo(db, BEFORE);
  await asActor(async (tx) => {
    // Offices: johoseisaku (for the session's staff) and one whose name an area uses verbatim; kokuho and
    // shingo are missing (a database seeded without the organisation applied).
    await sql`INSERT INTO office (office_code, name, kind) VALUES ('johoseisaku', '情報政策課', 'head_office'), ('daini', '第二庁舎', 'branch')`.execute(tx);
    await sql`
      INSERT INTO address_area (area_code, town_name, chome, postal_code, branch_office) VALUES
        ('00101', '緑町', 1, '3330801', '本庁'), ('00102', '緑町', 2, '3330801', '本庁'),
        ('00201', '若葉台', 1, '3330802', '新郷支所'), ('00301', '桜ケ丘', NULL, '3330803', '第二庁舎')`.execute(tx);
    const person = (atena: number, reason: string) => sql`
      INSERT INTO person (atena_no, name_kanji, name_kana, name_kana_key, name_kanji_key, birth_date, sex, resident_kind, resident_status,
                          area_code, valid_from, change_reason, updated_by)
      VALUES (${atena}, '試験 太郎', 'シケン タロウ', 'シケンタロウ', '試験太郎', '1970-01-01', 'male', 'japanese', 'resident',
              '00101', '2010-04-01', ${reason}, ${actor})`;
    await person(1, '転入').execute(tx);
    await person(2, '国外転入').execute(tx);
    await person(3, '住所設定').execute(tx); // no such label: other
    await sql`INSERT INTO household (household_no, formed_on, valid_from, change_reason, updated_by) VALUES (10, '2010-04-01', '2010-04-01', '転入', ${actor})`.execute(tx);
    await sql`
      INSERT INTO household_member (member_id, household_no, atena_no, relationship, member_order, valid_from, change_reason, updated_by) VALUES
        (101, 10, 1, '世帯主', 1, '2010-04-01', '転入', ${actor}),
        (102, 10, 2, '妻', 2, '2010-04-01', '国外転入', ${actor}),
        (103, 10, 3, '妻(未届)', 3, '2010-04-01', '転入', ${actor})`.execute(tx);
    await sql`
      INSERT INTO nhi_eligibility (eligibility_id, atena_no, household_no, insured_symbol, insured_number, branch_no, acquired_on, acquisition_reason, lost_on, loss_reason, updated_by) VALUES
        (201, 1, 10, '川1', '00000010', '01', '2010-04-01', '転入', NULL, NULL, ${actor}),
        (202, 2, 10, '川1', '00000010', '02', '2012-04-01', '社保離脱', '2020-05-02', '後期高齢者医療', ${actor}),
        (203, 3, 10, '川1', '00000010', '03', '2012-04-01', '職権', '2020-05-02', '資格不明', ${actor})`.execute(tx);
    // Superseded versions (the history triggers keep the old rows as JSON).
    await sql`UPDATE person SET change_reason = '転居', valid_from = '2015-04-01' WHERE atena_no = 1`.execute(tx);
    await sql`UPDATE household_member SET relationship = '子の妻' WHERE member_id = 102`.execute(tx);
    await sql`UPDATE household SET change_reason = '世帯変更' WHERE household_no = 10`.execute(tx);
    await sql`UPDATE nhi_eligibility SET lost_on = '2020-05-02', loss_reason = '死亡' WHERE eligibility_id = 201`.execute(tx);
    // Pending 資格 changes: before/after as stored (labels); an acquisition already speaks codes.
    const state = (acq: string, loss: string | null) => ({ acquiredOn: '2010-04-01', acquisitionReason: acq, lostOn: loss ? '2020-05-02' : null, lossReason: loss });
    const seen = { birthDate: '1970-01-01', deathDate: null, movedOutOn: null, becameResidentOn: null, residentStatus: 'resident' };
    const pending = (id: number, kind: string, payload: unknown) => sql`
      INSERT INTO pending_change (change_id, kind, atena_no, payload, summary, requested_by) VALUES (${id}, ${kind}, 1, ${JSON.stringify(payload)}::jsonb, '{"fields": [{"label": "資格喪失事由", "before": null, "after": "転出"}]}'::jsonb, 'staff:kokuho01')`;
    await pending(301, 'eligibility.loss', { eligibilityId: 201, rowUpdatedAt: '2026-01-01T00:00:00.000Z', person: seen, before: state('転入', null), after: state('転入', '転出') }).execute(tx);
    await pending(302, 'eligibility.delete', { eligibilityId: 202, rowUpdatedAt: '2026-01-01T00:00:00.000Z', person: seen, before: state('社保離脱', '後期高齢者医療'), after: null, reason: '誤登録' }).execute(tx);
    await pending(303, 'eligibility.acquire', { householdNo: 10, acquiredOn: '2010-04-01', acquisitionReason: 'moved_in', reportedOn: null, person: seen }).execute(tx);
    // A session ended under the TOTP lockout's old name.
    await sql`INSERT INTO staff (staff_id, display_name, office_code, updated_by) VALUES ('tester01', '試験 一郎', 'johoseisaku', ${actor})`.execute(tx);
    await sql`
      INSERT INTO staff_session (session_hash, staff_id, stage, csrf_token, ended_at, end_reason) VALUES
        ('h1', 'tester01', 'password_ok', 'c', clock_timestamp(), 'too_many_failures'), ('h2', 'tester01', 'active', 'c', clock_timestamp(), 'logout')`.execute(tx);
  });
});
afterAll(async () => drop?.());

describe('migration 2026-12-01T0100_stored_codes', () => {
  let stampsBefore: { key: string; updated_at: string; updated_by: string }[];
  let historyBefore: number;
  const stamps = () =>
    rows(sql<{ key: string; updated_at: string; updated_by: string }>`
      SELECT 'p' || atena_no AS key, updated_at::text, updated_by FROM person
      UNION ALL SELECT 'h' || household_no, updated_at::text, updated_by FROM household
      UNION ALL SELECT 'm' || member_id, updated_at::text, updated_by FROM household_member
      UNION ALL SELECT 'e' || eligibility_id, updated_at::text, updated_by FROM nhi_eligibility ORDER BY 1`);
  const historyCount = async () =>
    Number(
      (
        await rows(sql<{ n: string }>`
          SELECT (SELECT count(*) FROM person_history) + (SELECT count(*) FROM household_history)
               + (SELECT count(*) FROM household_member_history) + (SELECT count(*) FROM nhi_eligibility_history) AS n`)
      )[0]!.n,
    );

  beforeAll(async () => {
    stampsBefore = await stamps();
    historyBefore = await historyCount();
    expect(historyBefore).toBe(4);
    expect(await migrateToLatest(db)).toContain('2026-12-01T0100_stored_codes');
  });

  it('converts the live rows: labels to codes, unknown labels to other', async () => {
    expect(await rows(sql`SELECT atena_no, change_reason FROM person ORDER BY atena_no`)).toEqual([
      { atena_no: 1, change_reason: 'moved_within' },
      { atena_no: 2, change_reason: 'moved_in_from_abroad' },
      { atena_no: 3, change_reason: 'other' },
    ]);
    expect(await rows(sql`SELECT change_reason FROM household`)).toEqual([{ change_reason: 'household_changed' }]);
    expect(await rows(sql`SELECT member_id, relationship, change_reason FROM household_member ORDER BY member_id`)).toEqual([
      { member_id: 101, relationship: 'head', change_reason: 'moved_in' },
      { member_id: 102, relationship: 'child_wife', change_reason: 'moved_in_from_abroad' },
      { member_id: 103, relationship: 'other', change_reason: 'moved_in' },
    ]);
    expect(await rows(sql`SELECT eligibility_id, acquisition_reason, loss_reason FROM nhi_eligibility ORDER BY eligibility_id`)).toEqual([
      { eligibility_id: 201, acquisition_reason: 'moved_in', loss_reason: 'death' },
      { eligibility_id: 202, acquisition_reason: 'left_employee_insurance', loss_reason: 'late_elderly' },
      { eligibility_id: 203, acquisition_reason: 'other', loss_reason: 'other' },
    ]);
  });

  it('re-encodes without a change of record: no history rows, stamps kept', async () => {
    expect(await historyCount()).toBe(historyBefore);
    expect(await stamps()).toEqual(stampsBefore);
  });

  it('rewrites the same fields inside the superseded versions', async () => {
    expect(await rows(sql`SELECT row_data->>'change_reason' AS r FROM person_history`)).toEqual([{ r: 'moved_in' }]);
    expect(await rows(sql`SELECT row_data->>'change_reason' AS r FROM household_history`)).toEqual([{ r: 'moved_in' }]);
    expect(await rows(sql`SELECT row_data->>'relationship' AS rel, row_data->>'change_reason' AS r FROM household_member_history`)).toEqual([{ rel: 'wife', r: 'moved_in_from_abroad' }]);
    expect(await rows(sql`SELECT row_data->>'acquisition_reason' AS a, row_data->'loss_reason' AS l FROM nhi_eligibility_history`)).toEqual([{ a: 'moved_in', l: null }]);
  });

  it('rewrites the reasons of pending 資格 changes (payload), not their display summary', async () => {
    const changes = await rows(sql<{ change_id: number; payload: Record<string, unknown>; summary: unknown }>`SELECT change_id, payload, summary FROM pending_change ORDER BY change_id`);
    expect(changes[0]!.payload).toMatchObject({
      before: { acquisitionReason: 'moved_in', lossReason: null },
      after: { acquisitionReason: 'moved_in', lossReason: 'moved_out' },
    });
    expect(changes[1]!.payload).toMatchObject({ before: { acquisitionReason: 'left_employee_insurance', lossReason: 'late_elderly' }, after: null, reason: '誤登録' });
    expect(changes[2]!.payload).toMatchObject({ acquisitionReason: 'moved_in' });
    expect(changes[0]!.summary).toEqual({ fields: [{ label: '資格喪失事由', before: null, after: '転出' }] });
  });

  it('refuses a label where a code belongs', async () => {
    const tryWrite = (q: RawBuilder<unknown>) => asActor((tx) => q.execute(tx));
    await expect(tryWrite(sql`UPDATE household_member SET relationship = '世帯主' WHERE member_id = 101`)).rejects.toThrow(/household_member_relationship_check/);
    await expect(tryWrite(sql`UPDATE person SET change_reason = '転入' WHERE atena_no = 1`)).rejects.toThrow(/person_change_reason_check/);
    await expect(tryWrite(sql`UPDATE household SET change_reason = '転入' WHERE household_no = 10`)).rejects.toThrow(/household_change_reason_check/);
    await expect(tryWrite(sql`UPDATE household_member SET change_reason = '転入' WHERE member_id = 101`)).rejects.toThrow(/household_member_change_reason_check/);
    await expect(tryWrite(sql`UPDATE nhi_eligibility SET acquisition_reason = '転入' WHERE eligibility_id = 201`)).rejects.toThrow(/nhi_eligibility_acquisition_reason_check/);
    await expect(tryWrite(sql`UPDATE nhi_eligibility SET loss_reason = '死亡' WHERE eligibility_id = 201`)).rejects.toThrow(/nhi_eligibility_loss_reason_check/);
    await expect(tryWrite(sql`UPDATE pending_change SET kind = 'eligibility' WHERE change_id = 301`)).rejects.toThrow(/pending_change_kind_check/);
    await expect(tryWrite(sql`UPDATE staff_session SET end_reason = 'timeout' WHERE session_hash = 'h2'`)).rejects.toThrow(/staff_session_end_reason_check/);
    await expect(tryWrite(sql`INSERT INTO job_run (run_id, job, actor, params, status) VALUES ('r1', 'Demo Seed', 'x', '{}', 'running')`)).rejects.toThrow(/job_run_job_check/);
    const permission = asActor(async (tx) => {
      await sql`INSERT INTO role (role_code, name) VALUES ('r', 'r')`.execute(tx);
      await sql`INSERT INTO role_permission (role_code, permission) VALUES ('r', '宛名照会')`.execute(tx);
    });
    await expect(permission).rejects.toThrow(/role_permission_permission_check/);
  });

  it('keeps the history triggers on, and one current head per household by its code', async () => {
    await asActor((tx) => sql`UPDATE person SET change_reason = 'corrected' WHERE atena_no = 2`.execute(tx));
    expect(await historyCount()).toBe(historyBefore + 1);
    const ix = await rows(sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE indexname = 'household_head_current'`);
    expect(ix[0]!.indexdef).toMatch(/WHERE \(\(valid_to IS NULL\) AND \(relationship = 'head'::text\)\)/);
    await expect(asActor((tx) => sql`UPDATE household_member SET relationship = 'head' WHERE member_id = 102`.execute(tx))).rejects.toThrow(/household_head_current/);
  });

  it('maps the area master to office codes: by exact office name, else the demo city office; missing offices created', async () => {
    expect(await rows(sql`SELECT area_code, branch_office_code FROM address_area ORDER BY area_code`)).toEqual([
      { area_code: '00101', branch_office_code: 'kokuho' },
      { area_code: '00102', branch_office_code: 'kokuho' },
      { area_code: '00201', branch_office_code: 'shingo' },
      { area_code: '00301', branch_office_code: 'daini' },
    ]);
    expect(await rows(sql`SELECT office_code, name, kind FROM office ORDER BY office_code`)).toEqual([
      { office_code: 'daini', name: '第二庁舎', kind: 'branch' },
      { office_code: 'johoseisaku', name: '情報政策課', kind: 'head_office' },
      { office_code: 'kokuho', name: '本庁', kind: 'head_office' },
      { office_code: 'shingo', name: '新郷支所', kind: 'branch' },
    ]);
    await expect(asActor((tx) => sql`UPDATE address_area SET branch_office_code = 'nowhere' WHERE area_code = '00101'`.execute(tx))).rejects.toThrow(/address_area_branch_office_code_fkey/);
  });

  it('renames the old TOTP lockout end reason', async () => {
    expect(await rows(sql`SELECT session_hash, end_reason FROM staff_session ORDER BY session_hash`)).toEqual([
      { session_hash: 'h1', end_reason: 'second_factor_lockout' },
      { session_hash: 'h2', end_reason: 'logout' },
    ]);
  });
});

describe('migration 2026-12-01T0100_stored_codes on a database whose area names map to no office', () => {
  it('stops, naming the names', async () => {
    const t = await openEmptyTestDatabase();
    try {
      await migrateTo(t.db, BEFORE);
      await sql`INSERT INTO address_area (area_code, town_name, postal_code, branch_office) VALUES ('1', '町', '3330000', '北出張所')`.execute(t.db);
      await expect(migrateToLatest(t.db)).rejects.toThrow(/北出張所/);
    } finally {
      await t.drop();
    }
  });
});

describe('the migrated schema', () => {
  it('allows exactly the codes the areas label (one code set, in the same order)', async () => {
    const t = await openTestDatabase();
    try {
      const checks = await sql<{ relname: string; conname: string; def: string }>`
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         WHERE c.contype = 'c' AND c.conname LIKE '%_check'`.execute(t.database.db);
      const allowed = (table: string, column: string) => checkedValues(checks.rows.find((r) => r.relname === table && r.conname === `${table}_${column}_check`)!.def, column);
      for (const table of ['person', 'household', 'household_member']) expect(allowed(table, 'change_reason'), table).toEqual(Object.keys(CHANGE_REASONS));
      expect(allowed('household_member', 'relationship')).toEqual(Object.keys(RELATIONSHIPS));
      expect(allowed('nhi_eligibility', 'acquisition_reason')).toEqual(ACQUISITION_REASON_CODES);
      expect(allowed('nhi_eligibility', 'loss_reason')).toEqual(LOSS_REASON_CODES);
      expect(allowed('nhi_household_status', 'kind')).toEqual(NHI_HOUSEHOLD_STATUS_KIND_CODES);
      // 児童福祉施設 is never stored: a child placed there is not 住所地特例 (国保法 §116の2).
      expect(allowed('nhi_household_status', 'facility_kind')).toEqual(FACILITY_KIND_CODES.filter((k) => k !== 'child_welfare'));
    } finally {
      await t.drop();
    }
  });

  it('refuses 世帯主 as a relationship (the application connection)', async () => {
    const t = await openTestDatabase();
    try {
      const insert = t.database.db.transaction().execute(async (tx) => {
        await sql`SELECT set_config('nhi.actor', ${actor}, true)`.execute(tx);
        await sql`INSERT INTO household (household_no, formed_on, valid_from, change_reason, updated_by) VALUES (1, '2020-01-01', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
        await sql`
          INSERT INTO person (atena_no, name_kanji, name_kana, name_kana_key, name_kanji_key, birth_date, sex, resident_kind, resident_status, valid_from, change_reason, updated_by)
          VALUES (1, '試験', 'シケン', 'シケン', '試験', '1970-01-01', 'male', 'japanese', 'resident', '2020-01-01', 'moved_in', ${actor})`.execute(tx);
        await sql`INSERT INTO household_member (household_no, atena_no, relationship, member_order, valid_from, change_reason, updated_by) VALUES (1, 1, '世帯主', 1, '2020-01-01', 'moved_in', ${actor})`.execute(tx);
      });
      await expect(insert).rejects.toThrow(/household_member_relationship_check/);
    } finally {
      await t.drop();
    }
  });
});
