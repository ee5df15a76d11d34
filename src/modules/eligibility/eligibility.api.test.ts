import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { sha256 } from '../access/auth.service.js';
import { operatorActor } from '../../security/actor.js';
import { kanaSearchKey, kanjiSearchKey } from '../../lib/kana.js';

const F = FIXTURE;
/** Not in NHI, aged 75+ from 2020-03-03: may not acquire (後期高齢者医療). Added to the Satos below. */
const UME = 100000013;

let f: Fixture;
let clerk: Session; // kokuho01: eligibility.update, not approval
let chief: Session; // kakari01: approval + eligibility.update
let chief2: Session; // kakari02 (created here): a second approver, to decide kakari01's own requests

const db = () => f.deps.database.db;
const errOf = async (r: Response) => ((await r.json()) as { error: { code: string; message: string; fields?: { field: string; label: string; message: string }[] } }).error;
const stepUp = async (s: Session, totpSecret: string) => {
  const r = await s.request('POST', '/api/auth/step-up', { code: await f.totpCode(s.staffId, totpSecret) });
  expect(r.status).toBe(204);
};
/** A login counts as a fresh step-up; age it past the window. */
const expireStepUp = (s: Session) =>
  db().updateTable('staff_session').set({ step_up_at: new Date(Date.now() - 60 * 60_000) }).where('session_hash', '=', sha256(s.cookie.split('=')[1]!)).execute();
const rowsOf = (atenaNo: number) => db().selectFrom('nhi_eligibility').selectAll().where('atena_no', '=', atenaNo).orderBy('eligibility_id').execute();
const currentOf = async (atenaNo: number) => (await rowsOf(atenaNo)).filter((r) => r.superseded_at === null);
const change = (id: number) => db().selectFrom('pending_change').selectAll().where('change_id', '=', id).executeTakeFirstOrThrow();
const lastAudit = (action: string) => db().selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
/** Every row of the table and its history, for before/after comparisons. */
const snapshot = async () => ({
  rows: await db().selectFrom('nhi_eligibility').selectAll().orderBy('eligibility_id').execute(),
  history: await db().selectFrom('nhi_eligibility_history').selectAll().orderBy('history_id').execute(),
});
/** A write outside the API (another process), attributed like every write. */
async function asBatch(fn: (tx: Transaction<DB>) => Promise<unknown>) {
  await db().transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', 'operator:test-batch', true)`.execute(tx);
    await fn(tx);
  });
}

let chief2Totp = '';

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  chief = await f.login('kakari01');
  const op = operatorActor('eligibility-test', new Set(f.deps.permissions.all));
  const password = 'Kakari-Second-2026!';
  chief2Totp = (await f.deps.staff.createWithKnownCredentials({ staffId: 'kakari02', displayName: '係長 次郎', officeCode: 'kokuho', password, roles: ['kokuho_supervisor'] }, op)).totpSecret;
  chief2 = await f.loginWith('kakari02', password, chief2Totp);
  await asBatch(async (tx) => {
    await tx
      .insertInto('person')
      .values({
        atena_no: UME, name_kanji: '佐藤　ウメ', name_kana: 'サトウ　ウメ', name_kana_key: kanaSearchKey('サトウ　ウメ'), name_kanji_key: kanjiSearchKey('佐藤　ウメ'),
        birth_date: '1945-03-03', sex: 'female', resident_kind: 'japanese', resident_status: 'resident', became_resident_on: '2010-04-01',
        area_code: '0102', banchi: '1-2-3', address_set_on: '2010-04-01', valid_from: '2010-04-01', change_reason: 'moved_in', updated_by: 'operator:test-batch',
      })
      .execute();
    await tx.insertInto('household_member').values({ household_no: F.sato.household, atena_no: UME, relationship: 'other', member_order: 3, valid_from: '2010-04-01', change_reason: 'moved_in', updated_by: 'operator:test-batch' }).execute();
    // The number the Nguyens' household would get first is taken by another household: allocation skips it.
    await tx.updateTable('nhi_eligibility').set({ insured_number: '00000004' }).where('atena_no', '=', F.suzuki.person).execute();
  });
});
afterAll(async () => f?.close());

async function approve(s: Session, changeId: number, note?: string) {
  return s.request('POST', `/api/approvals/${changeId}/approve`, note ? { note } : {});
}

describe('scope and permissions', () => {
  it('tax-office staff get 404 for persons outside the NHI file, audited; inside they read', async () => {
    const nozei = await f.login('nozei01');
    const r = await nozei.request('GET', `/api/persons/${F.nguyen.person}/eligibility`);
    expect(r.status).toBe(404);
    const ev = await lastAudit('eligibility.get');
    expect(ev).toMatchObject({ actor_id: 'nozei01', outcome: 'denied' });
    expect((await nozei.request('GET', `/api/persons/${F.sato.head}/eligibility`)).status).toBe(200); // head of an NHI household
    expect((await nozei.request('GET', '/api/persons/999999999/eligibility')).status).toBe(404);
    expect((await nozei.request('POST', `/api/persons/${F.sato.head}/eligibility`, { householdNo: F.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' })).status).toBe(403);
  });

  it('branch staff (read-only) read, and get 403 on every write route, audited as denied', async () => {
    const shisho = await f.login('shisho01');
    const g = await shisho.request('GET', `/api/persons/${F.yamada.head}/eligibility`);
    expect(g.status).toBe(200);
    const id = (await currentOf(F.yamada.head))[0]!.eligibility_id;
    const writes: [string, unknown][] = [
      [`/api/persons/${F.sato.head}/eligibility`, { householdNo: F.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' }],
      [`/api/eligibility/${id}/loss`, { lostOn: '2026-04-01', lossReason: 'other' }],
      [`/api/eligibility/${id}/correct`, { acquisitionReason: 'other' }],
      [`/api/eligibility/${id}/delete`, { reason: '誤登録' }],
    ];
    const before = await snapshot();
    for (const [path, body] of writes) {
      const r = await shisho.request('POST', path, body);
      expect(r.status, path).toBe(403);
      expect((await errOf(r)).message).toMatch(/資格更新/);
    }
    expect(await snapshot()).toEqual(before);
    const denied = await db().selectFrom('audit_event').select(['action']).where('actor_id', '=', 'shisho01').where('outcome', '=', 'denied').execute();
    expect(denied.map((d) => d.action)).toEqual(expect.arrayContaining(['POST /api/eligibility/:eligibilityId/loss', 'POST /api/persons/:atenaNo/eligibility']));
  });

  it('lists the reason codes with Japanese labels and legal basis', async () => {
    const r = await clerk.request('GET', '/api/eligibility/reasons');
    const body = (await r.json()) as { acquisition: { code: string; label: string }[]; loss: { code: string; label: string }[] };
    expect(body.acquisition.map((x) => x.label)).toEqual(['転入', '県内転入', '社保離脱', '国保組合脱退', '出生', '生保廃止', '後期(障害認定)撤回', '外国人転入', '在留資格取得・変更', 'その他']);
    expect(body.loss.find((x) => x.code === 'late_elderly')?.label).toBe('後期高齢者医療');
  });
});

describe('validation (400) and rules (422), in Japanese naming the field', () => {
  it('answers 400 for malformed input', async () => {
    const bad = await clerk.request('POST', `/api/persons/${F.sato.head}/eligibility`, { householdNo: F.sato.household, acquiredOn: '2026-02-30', acquisitionReason: 'xyz' });
    expect(bad.status).toBe(400);
    const e = await errOf(bad);
    expect(e.fields?.map((x) => x.label)).toEqual(expect.arrayContaining(['資格取得日', '資格取得事由']));
    expect(e.fields?.find((x) => x.label === '資格取得日')?.message).toMatch(/^資格取得日: .*YYYY-MM-DD/);
    const none = await clerk.request('POST', `/api/eligibility/1/correct`, {});
    expect(none.status).toBe(400);
    expect((await errOf(none)).message).toMatch(/訂正する項目を1つ以上/);
    const noReason = await clerk.request('POST', `/api/eligibility/1/loss`, { lostOn: '2026-04-01' });
    expect(noReason.status).toBe(400);
    expect((await errOf(noReason)).fields?.[0]?.label).toBe('資格喪失事由');
  });

  it('answers 422 for rule violations and keeps nothing; the refusal is audited', async () => {
    const before = await snapshot();
    const cases: [number, Record<string, unknown>, string, RegExp][] = [
      [F.sato.head, { householdNo: F.sato.household, acquiredOn: '1979-01-01', acquisitionReason: 'moved_in' }, 'acquiredOn', /^資格取得日: 生年月日\(昭和55年11月20日\(1980-11-20\)\)より前/],
      [UME, { householdNo: F.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' }, 'acquiredOn', /^資格取得日: .*75歳に達しています.*後期高齢者医療/],
      [F.yamada.head, { householdNo: F.yamada.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' }, 'acquiredOn', /^資格取得日: 同じ住民の別の資格期間.*と重なっています/],
      [F.sato.head, { householdNo: F.yamada.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' }, 'householdNo', /^世帯番号: .*現在の世帯員ではありません/],
      [F.sato.head, { householdNo: F.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'birth' }, 'acquiredOn', /^資格取得日: 事由が出生のときは生年月日/],
    ];
    for (const [atena, body, field, message] of cases) {
      const r = await clerk.request('POST', `/api/persons/${atena}/eligibility`, body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      const e = await errOf(r);
      expect(e.fields?.find((x) => x.field === field)?.message).toMatch(message);
    }
    const wife = (await currentOf(F.yamada.wife))[0]!;
    const early = await clerk.request('POST', `/api/eligibility/${wife.eligibility_id}/loss`, { lostOn: '2009-12-31', lossReason: 'other' });
    expect(early.status).toBe(422);
    expect((await errOf(early)).fields?.[0]).toMatchObject({ field: 'lostOn', label: '資格喪失日', message: '資格喪失日: 資格取得日(平成22年4月1日(2010-04-01))より前の日付です' });
    expect(await snapshot()).toEqual(before);
    expect(await db().selectFrom('pending_change').select('change_id').where('kind', 'like', 'eligibility.%').execute()).toEqual([]);
    const ev = await lastAudit('eligibility.loss.request');
    expect(ev).toMatchObject({ actor_id: 'kokuho01', outcome: 'denied', function_code: 'eligibility.update' });
    expect(ev.detail).toMatchObject({ reason: 'rule_violation', fields: ['lostOn'] });
  });
});

describe('acquisition through four-eyes', () => {
  let changeId = 0;

  it('is held as pending: no row in nhi_eligibility, the change is visible with before/after', async () => {
    const r = await clerk.request('POST', `/api/persons/${F.sato.head}/eligibility`, {
      householdNo: F.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'left_employee_insurance', reportedOn: '2026-04-20',
    });
    expect(r.status).toBe(202);
    const body = (await r.json()) as { changeId: number; kind: string; status: string; warnings: string[]; message: string };
    expect(body).toMatchObject({ kind: 'eligibility.acquire', status: 'pending' });
    expect(body.warnings.join()).toMatch(/14日/); // 届出 later than 14 days (国保法 §9)
    expect(body.message).toMatch(/入力者以外の承認者/);
    changeId = body.changeId;
    expect(await rowsOf(F.sato.head)).toEqual([]);

    const again = await clerk.request('POST', `/api/persons/${F.sato.head}/eligibility`, { householdNo: F.sato.household, acquiredOn: '2026-04-02', acquisitionReason: 'moved_in' });
    expect(again.status).toBe(409);
    expect((await errOf(again)).code).toBe('pending_exists');

    const view = (await (await clerk.request('GET', `/api/persons/${F.sato.head}/eligibility`)).json()) as { current: unknown[]; pending: { changeId: number; kindLabel: string; fields: unknown[] }[] };
    expect(view.current).toEqual([]);
    expect(view.pending).toEqual([expect.objectContaining({ changeId, kindLabel: '資格取得' })]);

    const list = (await (await chief.request('GET', '/api/approvals')).json()) as { items: { changeId: number; kindLabel: string; fields: unknown[]; notes: { label: string; value: string }[]; requestedBy: string }[] };
    const item = list.items.find((i) => i.changeId === changeId)!;
    expect(item).toMatchObject({ kindLabel: '資格取得', requestedBy: 'staff:kokuho01' });
    expect(item.fields).toEqual([
      { label: '世帯番号', before: null, after: String(F.sato.household) },
      { label: '資格取得日', before: null, after: '2026-04-01' },
      { label: '資格取得事由', before: null, after: '社保離脱' },
    ]);
    expect(item.notes.find((n) => n.label === '被保険者証記号・番号')?.value).toMatch(/^川1 00000002/);
  });

  it('the requester cannot approve their own change (403 self_approval); a clerk without 承認 cannot approve at all', async () => {
    expect((await approve(clerk, changeId)).status).toBe(403);
    // Open past the 75th birthday (2020-03-03) is refused (国保法 §6第8号); a period already ended is recorded with its loss.
    const open = await chief.request('POST', `/api/persons/${UME}/eligibility`, { householdNo: F.sato.household, acquiredOn: '2019-04-01', acquisitionReason: 'moved_in' });
    expect(open.status).toBe(422);
    expect((await errOf(open)).fields?.map((x) => x.field)).toEqual(['lostOn']);
    const own = await chief.request('POST', `/api/persons/${UME}/eligibility`, { householdNo: F.sato.household, acquiredOn: '2019-04-01', acquisitionReason: 'moved_in', lostOn: '2020-03-03', lossReason: 'late_elderly' });
    expect(own.status).toBe(202); // aged 74 on that day
    const ownId = ((await own.json()) as { changeId: number }).changeId;
    const self = await approve(chief, ownId);
    expect(self.status).toBe(403);
    expect((await errOf(self)).code).toBe('self_approval');
    expect(await rowsOf(UME)).toEqual([]);
    // A different approver may.
    expect((await approve(chief2, ownId)).status).toBe(200);
    expect(await currentOf(UME)).toHaveLength(1);
  });

  it('kakari01 approves: the row exists with allocated numbers; history and audit name requester and approver', async () => {
    const r = await approve(chief, changeId, '保険証の写しで確認');
    expect(r.status).toBe(200);
    const rows = await rowsOf(F.sato.head);
    expect(rows).toHaveLength(1);
    // The Satos already hold 川1 00000002 (the mother, 枝番 01; 祖母 got 02 above): the head gets the next one.
    expect(rows[0]).toMatchObject({ household_no: F.sato.household, insured_symbol: '川1', insured_number: '00000002', branch_no: '03', acquired_on: '2026-04-01', acquisition_reason: 'left_employee_insurance', lost_on: null, superseded_at: null, updated_by: 'staff:kakari01' });

    const req = await db().selectFrom('audit_event').selectAll().where('action', '=', 'eligibility.acquire.request').where(sql<string>`detail->>'changeId'`, '=', String(changeId)).executeTakeFirstOrThrow();
    expect(req).toMatchObject({ actor_id: 'kokuho01', function_code: 'eligibility.update', outcome: 'success' });
    const ok = await lastAudit('eligibility.acquire.approve');
    expect(ok).toMatchObject({ actor_id: 'kakari01', outcome: 'success' });
    expect(ok.detail).toMatchObject({ changeId, requestedBy: 'staff:kokuho01', eligibilityId: rows[0]!.eligibility_id, branchNo: '03' });

    const view = (await (await clerk.request('GET', `/api/persons/${F.sato.head}/eligibility`)).json()) as { current: { recordedBy: string; recordedByChange: unknown; acquisitionReason: string; acquisitionReasonLabel: string }[]; pending: unknown[] };
    expect(view.pending).toEqual([]);
    expect(view.current[0]).toMatchObject({ acquisitionReason: 'left_employee_insurance', acquisitionReasonLabel: '社保離脱', recordedBy: 'staff:kakari01', recordedByChange: { changeId, kind: 'eligibility.acquire', requestedBy: 'staff:kokuho01', approvedBy: 'staff:kakari01' } });
  });

  it('a reject leaves nhi_eligibility exactly as it was; only the audit trail has it', async () => {
    const r = await clerk.request('POST', `/api/persons/${F.nguyen.person}/eligibility`, { householdNo: F.nguyen.household, acquiredOn: '2026-04-01', acquisitionReason: 'foreigner_moved_in' });
    expect(r.status).toBe(202);
    const { changeId: id, warnings } = (await r.json()) as { changeId: number; warnings: string[] };
    expect(warnings.join()).toMatch(/住民日/);
    const before = await snapshot();
    const rej = await chief.request('POST', `/api/approvals/${id}/reject`, { note: '在留資格を確認できない' });
    expect(rej.status).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect(await change(id)).toMatchObject({ status: 'rejected', decided_by: 'staff:kakari01' });
    const ev = await lastAudit('eligibility.acquire.reject');
    expect(ev).toMatchObject({ actor_id: 'kakari01', subjects: [F.nguyen.person] });
    expect(ev.detail).toMatchObject({ changeId: id, requestedBy: 'staff:kokuho01', note: '在留資格を確認できない' });
  });

  it('a household without an NHI number gets a new 8-digit one that no other household uses', async () => {
    const r = await clerk.request('POST', `/api/persons/${F.nguyen.person}/eligibility`, { householdNo: F.nguyen.household, acquiredOn: '2010-04-01', acquisitionReason: 'foreigner_moved_in' });
    expect(r.status).toBe(202);
    expect((await approve(chief, ((await r.json()) as { changeId: number }).changeId)).status).toBe(200);
    const [row] = await currentOf(F.nguyen.person);
    // 00000004 (the household's own candidate) is used by the Suzukis: the next free number.
    expect(row).toMatchObject({ insured_symbol: '川1', insured_number: '00000005', branch_no: '01', acquisition_reason: 'foreigner_moved_in' });
  });
});

describe('loss, correction and deletion are bitemporal', () => {
  it('loss: supersedes the version and records a new one with 喪失日/事由; the old one stays in history', async () => {
    const [wife] = await currentOf(F.yamada.wife);
    const r = await clerk.request('POST', `/api/eligibility/${wife!.eligibility_id}/loss`, { lostOn: '2026-05-01', lossReason: 'joined_employee_insurance' });
    expect(r.status).toBe(202);
    const { changeId, kind } = (await r.json()) as { changeId: number; kind: string };
    expect(kind).toBe('eligibility.loss');
    // The stored change speaks codes; only its summary (what the approver reads) carries labels.
    expect((await change(changeId)).payload).toMatchObject({ before: { acquisitionReason: 'moved_in', lossReason: null }, after: { lostOn: '2026-05-01', lossReason: 'joined_employee_insurance' } });
    expect((await change(changeId)).summary).toMatchObject({ fields: [{ label: '資格喪失日' }, { label: '資格喪失事由', before: null, after: '社保加入' }] });
    expect((await clerk.request('POST', `/api/eligibility/${wife!.eligibility_id}/loss`, { lostOn: '2026-05-02', lossReason: 'other' })).status).toBe(409);
    expect(await currentOf(F.yamada.wife)).toEqual([wife]);
    expect((await approve(chief, changeId)).status).toBe(200);

    const rows = await rowsOf(F.yamada.wife);
    expect(rows).toHaveLength(2);
    const [old, now] = rows as [(typeof rows)[number], (typeof rows)[number]];
    expect(old).toMatchObject({ eligibility_id: wife!.eligibility_id, acquired_on: '2010-04-01', lost_on: null, updated_by: 'staff:kakari01' });
    expect(old.superseded_at).not.toBeNull();
    expect(now).toMatchObject({ acquired_on: '2010-04-01', lost_on: '2026-05-01', loss_reason: 'joined_employee_insurance', superseded_at: null, insured_number: wife!.insured_number, branch_no: wife!.branch_no });
    expect(new Date(now.recorded_at).getTime()).toBe(new Date(old.superseded_at!).getTime());
    const hist = await db().selectFrom('nhi_eligibility_history').selectAll().where('row_key', '=', String(old.eligibility_id)).execute();
    expect(hist).toHaveLength(1);
    expect(hist[0]).toMatchObject({ op: 'UPDATE', superseded_by: 'staff:kakari01' });
    expect(hist[0]!.changed_fields).toContain('superseded_at');

    const view = (await (await clerk.request('GET', `/api/persons/${F.yamada.wife}/eligibility`)).json()) as {
      current: { eligibilityId: number; lossReason: string; lossReasonLabel: string; recordedByChange: { requestedBy: string } }[];
      history: { eligibilityId: number; recordedBy: string; supersededBy: string; supersededByChange: { kind: string; requestedBy: string; approvedBy: string } }[];
    };
    expect(view.current).toEqual([expect.objectContaining({ eligibilityId: now.eligibility_id, lossReason: 'joined_employee_insurance', lossReasonLabel: '社保加入', recordedByChange: expect.objectContaining({ requestedBy: 'staff:kokuho01' }) })]);
    expect(view.history[0]).toMatchObject({ eligibilityId: old.eligibility_id, recordedBy: expect.stringMatching(/^operator:.*fixture/), supersededBy: 'staff:kakari01', supersededByChange: { kind: 'eligibility.loss', requestedBy: 'staff:kokuho01', approvedBy: 'staff:kakari01' } });

    // What the system held before the loss was approved (system time).
    const asOf = new Date(new Date(old.superseded_at!).getTime() - 1).toISOString();
    const past = (await (await clerk.request('GET', `/api/persons/${F.yamada.wife}/eligibility?asOf=${encodeURIComponent(asOf)}`)).json()) as { asOf: { periods: { eligibilityId: number; lostOn: string | null }[] } };
    expect(past.asOf.periods).toEqual([expect.objectContaining({ eligibilityId: old.eligibility_id, lostOn: null })]);

    const twice = await clerk.request('POST', `/api/eligibility/${now.eligibility_id}/loss`, { lostOn: '2026-05-02', lossReason: 'other' });
    expect(twice.status).toBe(409);
    expect((await errOf(twice)).code).toBe('already_lost');
    const stale = await clerk.request('POST', `/api/eligibility/${old.eligibility_id}/loss`, { lostOn: '2026-05-02', lossReason: 'other' });
    expect(stale.status).toBe(409);
    expect((await errOf(stale)).code).toBe('superseded');
  });

  it('correction: a new version with the corrected legal dates; rule violations 422; no change 409', async () => {
    const [child] = await currentOf(F.yamada.child); // legacy row: acquired 2010-04-01, born 2019-05-01
    const invalid = await clerk.request('POST', `/api/eligibility/${child!.eligibility_id}/correct`, { acquiredOn: '2019-04-30' });
    expect(invalid.status).toBe(422);
    expect((await errOf(invalid)).fields?.[0]?.message).toMatch(/^資格取得日: 生年月日\(令和元年5月1日\(2019-05-01\)\)より前/);
    const same = await clerk.request('POST', `/api/eligibility/${child!.eligibility_id}/correct`, { acquisitionReason: 'moved_in' });
    expect(same.status).toBe(409);
    expect((await errOf(same)).code).toBe('unchanged');

    const r = await clerk.request('POST', `/api/eligibility/${child!.eligibility_id}/correct`, { acquiredOn: '2019-05-01', acquisitionReason: 'birth' });
    expect(r.status).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    expect(((await change(changeId)).summary as { fields: unknown[] }).fields).toEqual([
      { label: '資格取得日', before: '2010-04-01', after: '2019-05-01' },
      { label: '資格取得事由', before: '転入', after: '出生' },
    ]);
    expect((await approve(chief, changeId)).status).toBe(200);
    const rows = await rowsOf(F.yamada.child);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ eligibility_id: child!.eligibility_id, acquired_on: '2010-04-01' }); // legal dates of the old version untouched
    expect(rows[0]!.superseded_at).not.toBeNull();
    expect(rows[1]).toMatchObject({ acquired_on: '2019-05-01', acquisition_reason: 'birth', superseded_at: null, branch_no: child!.branch_no });
  });

  it('correction can cancel a loss (喪失日 null)', async () => {
    const [wife] = await currentOf(F.yamada.wife);
    const r = await clerk.request('POST', `/api/eligibility/${wife!.eligibility_id}/correct`, { lostOn: null });
    expect(r.status).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    expect(((await change(changeId)).summary as { fields: unknown[] }).fields).toEqual([
      { label: '資格喪失日', before: '2026-05-01', after: null },
      { label: '資格喪失事由', before: '社保加入', after: null },
    ]);
    expect((await approve(chief, changeId)).status).toBe(200);
    const cur = await currentOf(F.yamada.wife);
    expect(cur).toHaveLength(1);
    expect(cur[0]).toMatchObject({ lost_on: null, loss_reason: null });
    expect(await rowsOf(F.yamada.wife)).toHaveLength(3);
  });

  it('death: the loss must be the day after the death date', async () => {
    await asBatch((tx) => tx.updateTable('person').set({ death_date: '2026-03-10', resident_status: 'deceased', valid_from: '2026-03-10', change_reason: 'death' }).where('atena_no', '=', F.suzuki.person).execute());
    const [row] = await currentOf(F.suzuki.person);
    const wrong = await clerk.request('POST', `/api/eligibility/${row!.eligibility_id}/loss`, { lostOn: '2026-03-10', lossReason: 'death' });
    expect(wrong.status).toBe(422);
    expect((await errOf(wrong)).fields?.[0]?.message).toBe('資格喪失日: 事由が死亡のときは死亡日(令和8年3月10日(2026-03-10))の翌日(令和8年3月11日(2026-03-11))です(国保法 §8)');
    const ok = await clerk.request('POST', `/api/eligibility/${row!.eligibility_id}/loss`, { lostOn: '2026-03-11', lossReason: 'death' });
    expect(ok.status).toBe(202);
    expect((await approve(chief, ((await ok.json()) as { changeId: number }).changeId)).status).toBe(200);
    expect(await currentOf(F.suzuki.person)).toEqual([expect.objectContaining({ lost_on: '2026-03-11', loss_reason: 'death' })]);
  });

  it('deletion needs a step-up to request and to approve; the version is superseded, no new one', async () => {
    const [row] = await currentOf(F.nguyen.person);
    await expireStepUp(clerk);
    const noStep = await clerk.request('POST', `/api/eligibility/${row!.eligibility_id}/delete`, { reason: '誤登録' });
    expect(noStep.status).toBe(403);
    expect((await errOf(noStep)).code).toBe('step_up_required');
    await stepUp(clerk, f.totp.kokuho01!);
    const r = await clerk.request('POST', `/api/eligibility/${row!.eligibility_id}/delete`, { reason: '誤登録(別人の届出)' });
    expect(r.status).toBe(202);
    const { changeId, kind } = (await r.json()) as { changeId: number; kind: string };
    expect(kind).toBe('eligibility.delete');
    await expireStepUp(chief);
    const a1 = await approve(chief, changeId);
    expect(a1.status).toBe(403);
    expect((await errOf(a1)).code).toBe('step_up_required');
    expect(await currentOf(F.nguyen.person)).toHaveLength(1);
    await stepUp(chief, f.totp.kakari01!);
    expect((await approve(chief, changeId)).status).toBe(200);
    const rows = await rowsOf(F.nguyen.person);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.superseded_at).not.toBeNull();
    expect(rows[0]!.acquired_on).toBe(row!.acquired_on);
    const view = (await (await clerk.request('GET', `/api/persons/${F.nguyen.person}/eligibility`)).json()) as { current: unknown[]; history: { supersededByChange: { kind: string } }[] };
    expect(view.current).toEqual([]);
    expect(view.history[0]!.supersededByChange.kind).toBe('eligibility.delete');
    expect((await lastAudit('eligibility.delete.request')).detail).toMatchObject({ reason: '誤登録(別人の届出)' });
  });
});

describe('stale changes', () => {
  it('a change whose period was rewritten after the request → 409 on approve; nothing applied, still pending', async () => {
    const [mother] = await currentOf(F.sato.mother);
    const r = await clerk.request('POST', `/api/eligibility/${mother!.eligibility_id}/correct`, { acquisitionReason: 'other' });
    expect(r.status).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    await asBatch((tx) => tx.updateTable('nhi_eligibility').set({ insured_symbol: '川2' }).where('eligibility_id', '=', mother!.eligibility_id).execute());
    const before = await snapshot();
    const a = await approve(chief, changeId);
    expect(a.status).toBe(409);
    expect((await errOf(a)).code).toBe('changed_since_request');
    expect(await snapshot()).toEqual(before);
    expect((await change(changeId)).status).toBe('pending');
    expect(await lastAudit('eligibility.correct.approve')).toMatchObject({ outcome: 'denied', actor_id: 'kakari01' });
    expect((await chief.request('POST', `/api/approvals/${changeId}/reject`, { note: '入力後に変更あり' })).status).toBe(200);
  });

  it('a change whose person record changed after the request → 409 on approve', async () => {
    const [child] = await currentOf(F.yamada.child);
    const r = await chief.request('POST', `/api/eligibility/${child!.eligibility_id}/loss`, { lostOn: '2026-06-01', lossReason: 'moved_out' });
    expect(r.status, await r.clone().text()).toBe(202);
    const { changeId, warnings } = (await r.json()) as { changeId: number; warnings: string[] };
    expect(warnings.join()).toMatch(/転出日がありません/);
    await asBatch((tx) => tx.updateTable('person').set({ moved_out_on: '2026-05-20' }).where('atena_no', '=', F.yamada.child).execute());
    const a = await approve(chief2, changeId);
    expect(a.status).toBe(409);
    expect((await errOf(a)).code).toBe('changed_since_request');
    expect(await currentOf(F.yamada.child)).toEqual([child]);
  });

  it('an acquisition whose person left the household after the request → 409 on approve', async () => {
    await asBatch((tx) => tx.deleteFrom('nhi_eligibility').where('atena_no', '=', F.sato.head).execute());
    const r = await clerk.request('POST', `/api/persons/${F.sato.head}/eligibility`, { householdNo: F.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' });
    expect(r.status).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    await asBatch((tx) => tx.updateTable('household_member').set({ valid_to: '2026-05-01' }).where('atena_no', '=', F.sato.head).where('valid_to', 'is', null).execute());
    const a = await approve(chief, changeId);
    expect(a.status).toBe(409);
    expect((await errOf(a)).message).toMatch(/世帯/);
    expect(await rowsOf(F.sato.head)).toEqual([]);
  });
});

describe('届出日 and 遡及 (国保法 §9; 施行規則 §2・§11)', () => {
  it('a loss reported after 14 days is stored with its 届出日 and flagged 遡及 for 賦課; the GET shows both', async () => {
    const [row] = await currentOf(F.yamada.wife);
    const late = await clerk.request('POST', `/api/eligibility/${row!.eligibility_id}/loss`, { lostOn: '2026-01-02', lossReason: 'joined_employee_insurance', occurredOn: '2026-01-01', reportedOn: '2026-02-20' });
    expect(late.status).toBe(202);
    const body = (await late.json()) as { changeId: number; warnings: string[]; retroactive: { acquisition: boolean; loss: boolean } };
    expect(body.retroactive).toEqual({ acquisition: false, loss: true });
    expect(body.warnings.join()).toMatch(/施行規則 §11\)。遡及/);
    expect((await approve(chief, body.changeId)).status).toBe(200);
    const [now] = await currentOf(F.yamada.wife);
    expect(now).toMatchObject({ lost_on: '2026-01-02', loss_reason: 'joined_employee_insurance', loss_reported_on: '2026-02-20', loss_retroactive: true, acquisition_retroactive: false });
    const view = (await (await clerk.request('GET', `/api/persons/${F.yamada.wife}/eligibility`)).json()) as { current: { lossReportedOn: string | null; lossRetroactive: boolean }[] };
    expect(view.current[0]).toMatchObject({ lossReportedOn: '2026-02-20', lossRetroactive: true });
  });

  it('an acquisition reported in time is not 遡及; 届出日 and 喪失 without its reason are a 400', async () => {
    const bad = await clerk.request('POST', `/api/persons/${F.tanaka.person}/eligibility`, { householdNo: F.tanaka.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in', lostOn: '2026-05-01' });
    expect(bad.status).toBe(400);
    const r = await clerk.request('POST', `/api/persons/${F.tanaka.person}/eligibility`, { householdNo: F.tanaka.household, acquiredOn: '2026-04-01', acquisitionReason: 'left_employee_insurance', occurredOn: '2026-03-31', reportedOn: '2026-04-10' });
    expect(r.status).toBe(202);
    const body = (await r.json()) as { changeId: number; retroactive: { acquisition: boolean } };
    expect(body.retroactive.acquisition).toBe(false);
    expect((await approve(chief, body.changeId)).status).toBe(200);
    expect((await currentOf(F.tanaka.person))[0]).toMatchObject({ acquisition_reported_on: '2026-04-10', acquisition_retroactive: false });
  });

  it('the 社保加入 date follows the municipal parameter: the day after the employee insurance 資格取得日 (422 otherwise)', async () => {
    const [row] = await currentOf(F.tanaka.person);
    const r = await clerk.request('POST', `/api/eligibility/${row!.eligibility_id}/loss`, { lostOn: '2026-01-01', lossReason: 'joined_employee_insurance', occurredOn: '2026-01-01' });
    expect(r.status).toBe(422);
    const e = await errOf(r);
    expect(e.fields?.[0]).toMatchObject({ field: 'lostOn' });
    expect(e.message).toMatch(/国保法 §8第1項/);
  });
});
