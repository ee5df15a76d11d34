import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { kanaSearchKey, kanjiSearchKey } from '../../lib/kana.js';
import { operatorActor } from '../../security/actor.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { INTAKE_COLUMNS, type IntakeColumn } from './registry-events.js';
import { IntakeRejected } from './registry.service.js';
import { asActor } from '../../testing/as-actor.js';

const F = FIXTURE;
/** Insured since 2010, 75 on 2026-11-20: the 75歳到達 job applies the loss on that birthday. */
const KAME = 100000051;
const NEWCOMER = 100000061;
const BABY = 100000071;
const TODAY = todayInJapan();

let f: Fixture;
let clerk: Session;
const db = () => f.deps.database.db;
const op = () => operatorActor('registry-test', new Set(['registry.intake']));

function csv(lines: Partial<Record<IntakeColumn, string>>[]): Uint8Array {
  const row = (v: Partial<Record<IntakeColumn, string>>) => INTAKE_COLUMNS.map((c) => v[c] ?? '').join(',');
  return new TextEncoder().encode([INTAKE_COLUMNS.join(','), ...lines.map(row)].join('\r\n'));
}
const counts = async () => {
  const n = async (t: 'person' | 'household' | 'household_member' | 'nhi_eligibility' | 'work_item' | 'registry_event' | 'person_history') =>
    Number((await db().selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { person: await n('person'), household: await n('household'), member: await n('household_member'), eligibility: await n('nhi_eligibility'), work: await n('work_item'), events: await n('registry_event'), history: await n('person_history') };
};
const currentPeriod = (atenaNo: number) => db().selectFrom('nhi_eligibility').selectAll().where('atena_no', '=', atenaNo).where('superseded_at', 'is', null).executeTakeFirst();

const birth = { event_id: 'T-BIRTH-1', event_code: '14', occurred_on: '2026-11-10', reported_on: '2026-11-12', atena_no: String(BABY), household_no: String(F.yamada.household), relationship: '子', name_kanji: '山田　花', name_kana: 'ヤマダ　ハナ', birth_date: '2026-11-10', sex: '2', resident_kind: '1', area_code: '0102', banchi: '4-5-6' };
const death = { event_id: 'T-DEATH-1', event_code: '25', occurred_on: '2026-11-05', reported_on: '2026-11-06', atena_no: String(F.sato.mother) };
const movedIn = {
  event_id: 'T-IN-1', event_code: '11', occurred_on: '2026-11-01', reported_on: '2026-11-20', atena_no: String(NEWCOMER), household_no: '500000061', relationship: '世帯主', name_kanji: '転入　一郎', name_kana: 'テンニュウ　イチロウ',
  birth_date: '1990-05-05', sex: '1', resident_kind: '1', area_code: '0101', banchi: '9-9', other_address: '東京都千代田区千代田1-1', other_prefecture_code: '13',
};

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  await asActor(db(), 'operator:test-batch', async (tx) => {
    await tx.insertInto('household').values({ household_no: 500000051, formed_on: '2000-01-01', valid_from: '2000-01-01', change_reason: 'moved_in', updated_by: 'operator:test-batch' }).execute();
    await tx
      .insertInto('person')
      .values({ atena_no: KAME, name_kanji: '長寿　カメ', name_kana: 'チョウジュ　カメ', name_kana_key: kanaSearchKey('チョウジュ　カメ'), name_kanji_key: kanjiSearchKey('長寿　カメ'), birth_date: '1951-11-20', sex: 'female', resident_kind: 'japanese', resident_status: 'resident', became_resident_on: '2000-01-01', area_code: '0101', banchi: '7-7', address_set_on: '2000-01-01', valid_from: '2000-01-01', change_reason: 'moved_in', updated_by: 'operator:test-batch' })
      .execute();
    await tx.insertInto('household_member').values({ household_no: 500000051, atena_no: KAME, relationship: 'head', member_order: 1, valid_from: '2000-01-01', change_reason: 'moved_in', updated_by: 'operator:test-batch' }).execute();
    await tx.insertInto('nhi_eligibility').values({ atena_no: KAME, household_no: 500000051, insured_symbol: '川1', insured_number: '00500051', branch_no: '01', acquired_on: '2010-04-01', acquisition_reason: 'moved_in', updated_by: 'operator:test-batch' }).execute();
  });
});
afterAll(async () => f?.close());

describe('a registry file', () => {
  it('refuses a file with one bad line whole, naming the line, and changes no row', async () => {
    const before = await counts();
    const bad = csv([birth, { ...death, occurred_on: '2026-13-01' }, movedIn]);
    const e = await f.deps.registry.importFile(op(), bad, { fileName: 'bad.csv' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IntakeRejected);
    expect((e as IntakeRejected).errors).toEqual([expect.objectContaining({ line: 3, column: '異動日', message: expect.stringContaining('日付ではありません') })]);
    expect(await counts()).toEqual(before);
    const refused = await db().selectFrom('audit_event').selectAll().where('action', '=', 'registry.import_file').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(refused).toMatchObject({ outcome: 'denied', function_code: 'registry.intake' });
  });

  it('refuses a file whose event does not fit the registry as it stands (unknown person), whole', async () => {
    const before = await counts();
    const e = await f.deps.registry.importFile(op(), csv([birth, { ...death, event_id: 'T-X', atena_no: '100009999' }]), { fileName: 'unknown.csv' }).catch((x: unknown) => x);
    expect((e as IntakeRejected).errors).toEqual([{ line: 3, message: expect.stringContaining('宛名番号 100009999 の住民は記載されていません') }]);
    expect(await counts()).toEqual(before);
  });

  it('refuses an event naming, as its 世帯番号, the 国保世帯番号 of a 住所地特例 household', async () => {
    await asActor(db(), 'operator:test-batch', async (tx) => {
      await tx.insertInto('nhi_household_status').values({ atena_no: KAME, household_no: 500000051, kind: 'address_exception', valid_from: '2020-04-01', valid_to: '2021-04-01', facility_name: '架空の園(他市)', facility_kind: 'elderly_home', updated_by: 'operator:test-batch' }).execute();
    });
    const own = (await db().selectFrom('nhi_household_status').select('own_household_no').where('atena_no', '=', KAME).executeTakeFirstOrThrow()).own_household_no!;
    const before = await counts();
    const e = await f.deps.registry.importFile(op(), csv([{ ...movedIn, event_id: 'T-OWN-1', household_no: String(own) }]), { fileName: 'own.csv' }).catch((x: unknown) => x);
    expect((e as IntakeRejected).errors).toEqual([{ line: 2, message: expect.stringContaining(`世帯番号 ${own} は国保の住所地特例世帯の国保世帯番号です`) }]);
    expect(await counts()).toEqual(before);
  });

  it('takes a day’s events: the registry data with history, automatic losses, work items for the rest', async () => {
    const before = await counts();
    const r = await f.deps.registry.importFile(op(), csv([birth, death, movedIn]), { fileName: 'juki-20261120.csv' });
    expect(r).toMatchObject({ events: 3, taken: 3, skipped: 0, automatic: 1, workItems: 3, encoding: 'utf-8' });

    // 出生 into an insured household: a new resident in the Yamadas' household, an acquisition candidate on the birth date.
    const baby = await db().selectFrom('person').selectAll().where('atena_no', '=', BABY).executeTakeFirstOrThrow();
    expect(baby).toMatchObject({ name_kanji: '山田　花', birth_date: '2026-11-10', resident_status: 'resident', change_reason: 'birth', reported_on: '2026-11-12' });
    const member = await db().selectFrom('household_member').selectAll().where('atena_no', '=', BABY).executeTakeFirstOrThrow();
    expect(member).toMatchObject({ household_no: F.yamada.household, relationship: 'child', valid_to: null });
    // 死亡 of an insured person: lost the day after, applied by the system, the old version kept.
    const mother = await db().selectFrom('person').selectAll().where('atena_no', '=', F.sato.mother).executeTakeFirstOrThrow();
    expect(mother).toMatchObject({ resident_status: 'deceased', death_date: '2026-11-05', change_reason: 'death' });
    expect(await currentPeriod(F.sato.mother)).toMatchObject({ lost_on: '2026-11-06', loss_reason: 'death', updated_by: expect.stringMatching(/^operator:/) });
    const versions = await db().selectFrom('nhi_eligibility').select(['lost_on', 'superseded_at']).where('atena_no', '=', F.sato.mother).orderBy('eligibility_id').execute();
    expect(versions.map((v) => [v.lost_on, v.superseded_at === null])).toEqual([[null, false], ['2026-11-06', true]]);
    const membership = await db().selectFrom('household_member').select(['valid_to']).where('atena_no', '=', F.sato.mother).executeTakeFirstOrThrow();
    expect(membership.valid_to).toBe('2026-11-06');
    // 転入 from another prefecture: a new household, and an acquisition candidate for staff (not automatic).
    expect(await db().selectFrom('household').selectAll().where('household_no', '=', 500000061).executeTakeFirstOrThrow()).toMatchObject({ formed_on: '2026-11-01', change_reason: 'moved_in' });
    expect(await currentPeriod(NEWCOMER)).toBeUndefined();

    const items = await db().selectFrom('work_item').selectAll().where('event_id', 'in', ['T-BIRTH-1', 'T-DEATH-1', 'T-IN-1']).orderBy('work_item_id').execute();
    expect(items.map((i) => [i.event_id, i.kind, i.suggested_date, i.status])).toEqual([
      ['T-BIRTH-1', 'acquisition_candidate', '2026-11-10', 'open'],
      ['T-DEATH-1', 'automatic_loss', '2026-11-06', 'open'],
      ['T-IN-1', 'acquisition_candidate', '2026-11-01', 'open'],
    ]);
    const after = await counts();
    expect(after.events - before.events).toBe(3);
    expect(after.history).toBeGreaterThan(before.history); // the superseded person versions are kept
    const records = await db().selectFrom('audit_event').selectAll().where('action', '=', 'registry.import_file').where('outcome', '=', 'success').execute();
    expect(records.flatMap((x) => x.subjects.map(Number)).sort()).toEqual([F.sato.mother, NEWCOMER, BABY].sort());
  });

  it('a replayed file changes nothing', async () => {
    const before = await counts();
    const r = await f.deps.registry.importFile(op(), csv([birth, death, movedIn]), { fileName: 'juki-20261120.csv' });
    expect(r).toMatchObject({ events: 3, taken: 0, skipped: 3, automatic: 0, workItems: 0 });
    expect(await counts()).toEqual(before);
  });

  it('each stored event is its content as hashed: sha256(content) is content_sha256, checkable in SQL', async () => {
    const rows = (await sql<{ event_id: string; ok: boolean; name: string | null }>`
      SELECT event_id, encode(sha256(convert_to(content::text, 'UTF8')), 'hex') = content_sha256 AS ok, content->>'nameKanji' AS name
        FROM registry_event WHERE event_id IN ('T-BIRTH-1', 'T-DEATH-1', 'T-IN-1') ORDER BY event_id`.execute(db())).rows;
    expect(rows).toEqual([
      { event_id: 'T-BIRTH-1', ok: true, name: '山田　花' },
      { event_id: 'T-DEATH-1', ok: true, name: null },
      { event_id: 'T-IN-1', ok: true, name: '転入　一郎' },
    ]);
  });

  it('the same 異動連番 with different content is refused', async () => {
    const e = await f.deps.registry.importFile(op(), csv([{ ...birth, name_kanji: '山田　華' }]), { fileName: 'changed.csv' }).catch((x: unknown) => x);
    expect((e as IntakeRejected).errors[0]!.message).toContain('内容が異なります');
  });
});

describe('the registry’s system client (API)', () => {
  let token = '';
  beforeAll(async () => {
    token = await f.deps.registry.addClient(operatorActor('registry-client-add', new Set(['user.admin'])), 'juki', '住民記録システム');
  });
  const push = (events: unknown[], auth = `Bearer ${token}`) => f.app.request('/api/registry/events', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ events }) });

  it('takes events with its token, as a system actor, and a replay changes nothing', async () => {
    const move = { event_id: 'T-MOVE-1', event_code: '31', occurred_on: '2026-11-15', reported_on: '2026-11-16', atena_no: String(NEWCOMER), area_code: '0102', banchi: '1-1' };
    const r = await push([move]);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ events: 1, taken: 1, skipped: 0, automatic: 0, workItems: 0 });
    expect(await db().selectFrom('person').select(['area_code', 'banchi', 'change_reason']).where('atena_no', '=', NEWCOMER).executeTakeFirstOrThrow()).toEqual({ area_code: '0102', banchi: '1-1', change_reason: 'moved_within' });
    const rec = await db().selectFrom('audit_event').selectAll().where('action', '=', 'registry.push').where('outcome', '=', 'success').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ actor_kind: 'system', actor_id: 'system:juki' });
    expect(await (await push([move])).json()).toMatchObject({ taken: 0, skipped: 1 });
  });

  it('answers a wrong batch with every problem and its position, and takes nothing', async () => {
    const r = await push([{ event_id: 'T-A', event_code: '25', occurred_on: '2026-11-01', atena_no: 'x' }, { event_id: 'T-B', event_code: '77', occurred_on: '2026-11-01', atena_no: '1' }]);
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; fields: { message: string }[] } };
    expect(body.error.code).toBe('intake_rejected');
    expect(body.error.fields.map((x) => x.message)).toEqual([expect.stringMatching(/^1行目 宛名番号: /), expect.stringMatching(/^2行目 異動事由コード: /)]);
    expect(await db().selectFrom('registry_event').select('event_id').where('event_id', 'in', ['T-A', 'T-B']).execute()).toEqual([]);
  });

  it('refuses a wrong token (audited), a staff session without the permission, and the token on staff routes', async () => {
    const wrong = await push([], 'Bearer ' + 'x'.repeat(43));
    expect(wrong.status).toBe(401);
    expect(await db().selectFrom('audit_event').select(['outcome']).where('action', '=', 'system.token').orderBy('seq', 'desc').executeTakeFirstOrThrow()).toEqual({ outcome: 'denied' });
    expect((await clerk.request('POST', '/api/registry/events', { events: [death] })).status).toBe(403);
    const asSystem = await f.app.request(`/api/persons/${F.yamada.head}`, { headers: { authorization: `Bearer ${token}` } });
    expect(asSystem.status).toBe(403);
    const menu = await f.app.request('/api/auth/me', { headers: { authorization: `Bearer ${token}` } });
    expect(menu.status).toBe(401);
  });
});

describe('the work-item queue', () => {
  it('lists open items with the suggested action and its basis; done and dismissed (with a reason) close them', async () => {
    const r = await clerk.request('GET', '/api/work-items?status=open');
    expect(r.status).toBe(200);
    const list = (await r.json()) as { total: number; items: { workItemId: number; kind: string; kindLabel: string; basis: string; atenaNo: number; eventLabel: string | null }[] };
    const baby = list.items.find((i) => i.atenaNo === BABY)!;
    expect(baby).toMatchObject({ kind: 'acquisition_candidate', kindLabel: '資格取得の候補', eventLabel: '出生', basis: expect.stringContaining('第7条') });
    const dismissed = await clerk.request('POST', `/api/work-items/${baby.workItemId}/resolve`, { status: 'dismissed' });
    expect(dismissed.status).toBe(400);
    expect(((await dismissed.json()) as { error: { message: string } }).error.message).toContain('理由');
    const done = await clerk.request('POST', `/api/work-items/${baby.workItemId}/resolve`, { status: 'done', note: '資格取得届を受付' });
    expect(done.status).toBe(200);
    const again = await clerk.request('POST', `/api/work-items/${baby.workItemId}/resolve`, { status: 'done' });
    expect(again.status).toBe(409);
    const closed = (await (await clerk.request('GET', '/api/work-items?status=done')).json()) as { items: { workItemId: number; resolvedByLabel: string; resolutionNote: string }[] };
    expect(closed.items.find((i) => i.workItemId === baby.workItemId)).toMatchObject({ resolvedByLabel: expect.stringContaining('kokuho01'), resolutionNote: '資格取得届を受付' });
  });

  it('is not open to a branch office reader', async () => {
    const branch = await f.login('shisho01');
    expect((await branch.request('GET', '/api/work-items')).status).toBe(403);
  });
});

describe('75歳到達 (the daily job)', () => {
  it('ends the period on the 75th birthday, lists it for review, and a second run changes nothing', async () => {
    const r = await f.deps.registry.lateElderly(operatorActor('late-elderly', new Set(['registry.intake'])), TODAY);
    expect(r.automatic).toBeGreaterThanOrEqual(1);
    expect(await currentPeriod(KAME)).toMatchObject({ lost_on: '2026-11-20', loss_reason: 'late_elderly' });
    const item = await db().selectFrom('work_item').selectAll().where('atena_no', '=', KAME).executeTakeFirstOrThrow();
    expect(item).toMatchObject({ kind: 'automatic_loss', suggested_date: '2026-11-20', origin_key: `late_elderly:${KAME}:2026-11-20` });
    const before = await counts();
    const again = await f.deps.registry.lateElderly(operatorActor('late-elderly', new Set(['registry.intake'])), TODAY);
    expect(again).toMatchObject({ automatic: 0, workItems: 0 });
    expect(await counts()).toEqual(before);
  });
});
