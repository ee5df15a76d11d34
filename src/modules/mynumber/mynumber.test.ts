import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { fakeMyNumber, myNumberCheckDigit } from '../../lib/mynumber.js';
import { myNumberAad } from './mynumber.rules.js';
import { sha256 } from '../access/auth.service.js';
import { applyOrganization, type Organization } from '../access/organization.js';
import { operatorActor } from '../../security/actor.js';
import { asActor } from '../../testing/as-actor.js';

let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => f?.close());

const F = FIXTURE;
const JIMU = 'nhi.eligibility';
const N1 = fakeMyNumber(1);
const N2 = fakeMyNumber(2);
const N3 = fakeMyNumber(3);
const N4 = fakeMyNumber(4);
const N5 = fakeMyNumber(5);
const N6 = fakeMyNumber(6);
const ALL_NUMBERS = [N1, N2, N3, N4, N5, N6];
const TWELVE = /(?<!\d)\d{12}(?!\d)/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Every response body seen in this file, for the leak scan at the end. */
const seen: { method: string; path: string; status: number; text: string }[] = [];

function tracked(s: Session): Session {
  return {
    ...s,
    async request(method, path, body, headers) {
      const r = await s.request(method, path, body, headers);
      const text = await r.clone().text();
      seen.push({ method, path, status: r.status, text });
      return r;
    },
  };
}
const login = async (id: string) => tracked(await f.login(id));
const stepUp = async (s: Session, id: string) => {
  const r = await s.request('POST', '/api/auth/step-up', { code: await f.totpCode(id) });
  expect(r.status).toBe(204);
};
const db = () => f.deps.database.db;
/** A login counts as a fresh step-up (the second factor was just used); age it past the window. */
const expireStepUp = (s: Session) =>
  db().updateTable('staff_session').set({ step_up_at: new Date(Date.now() - 60 * 60_000) }).where('session_hash', '=', sha256(s.cookie.split('=')[1]!)).execute();
const lastAudit = (action: string) => db().selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirst();
const stored = (atenaNo: number) => db().selectFrom('person_my_number').selectAll().where('atena_no', '=', atenaNo).executeTakeFirst();
const change = (id: number) => db().selectFrom('pending_change').selectAll().where('change_id', '=', id).executeTakeFirstOrThrow();
const errOf = async (r: Response) => ((await r.json()) as { error: { code: string; message: string; fields?: { label: string; message: string }[] } }).error;
const badCheckDigit = (n: string) => n.slice(0, 11) + String((Number(n[11]) + 1) % 10);

let clerk: Session; // kokuho01: mynumber.write, not mynumber.read, not approval
let chief: Session; // kakari01: approval, mynumber.read, mynumber.write

beforeAll(async () => {
  clerk = await login('kokuho01');
  chief = await login('kakari01');
});

async function register(s: Session, atenaNo: number, myNumber: string, jimu: string | null = JIMU) {
  return s.request('POST', `/api/persons/${atenaNo}/my-number`, { myNumber, ...(jimu === null ? {} : { jimu }) });
}
async function registerAndApprove(atenaNo: number, myNumber: string) {
  const r = await register(clerk, atenaNo, myNumber);
  expect(r.status).toBe(202);
  const { changeId } = (await r.json()) as { changeId: number };
  const a = await chief.request('POST', `/api/approvals/${changeId}/approve`, {});
  expect(a.status).toBe(200);
  return changeId;
}

describe('entry: check digit (省令第5条)', () => {
  it('refuses a wrong check digit with a Japanese message naming 個人番号, and keeps nothing', async () => {
    const r = await register(clerk, F.yamada.head, badCheckDigit(N1));
    expect(r.status).toBe(400);
    const text = await r.clone().text();
    const e = await errOf(r);
    expect(e.message).toContain('個人番号');
    expect(e.fields?.[0]?.label).toBe('個人番号');
    expect(e.fields?.[0]?.message).toMatch(/個人番号: 検査用数字/);
    expect(text).not.toContain(badCheckDigit(N1));
    const short = await register(clerk, F.yamada.head, '12345');
    expect(short.status).toBe(400);
    expect((await errOf(short)).fields?.[0]?.message).toMatch(/個人番号: 12桁/);
    expect(await db().selectFrom('pending_change').selectAll().execute()).toHaveLength(0);
  });

  it('accepts full-width digits and separators as written on a form', async () => {
    expect(myNumberCheckDigit(N6.slice(0, 11))).toBe(Number(N6[11]));
    const wide = N6.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    const r = await chief.request('POST', '/api/my-number/lookup', { myNumber: `${wide.slice(0, 4)}-${wide.slice(4, 8)} ${wide.slice(8)}`, jimu: JIMU });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ atenaNos: [] });
  });
});

describe('four-eyes: register → pending → approve by another user', () => {
  let changeId: number;

  it('holds a registration as a pending change: nothing in person_my_number, payload only ciphertext', async () => {
    const r = await register(clerk, F.yamada.head, N1);
    expect(r.status).toBe(202);
    const body = (await r.json()) as { changeId: number; kind: string; status: string; message: string };
    expect(body.kind).toBe('my_number.register');
    expect(body.status).toBe('pending');
    expect(body.message).toMatch(/承認者/);
    changeId = body.changeId;
    expect(await stored(F.yamada.head)).toBeUndefined();
    const c = await change(changeId);
    expect(c.status).toBe('pending');
    expect(c.requested_by).toBe('staff:kokuho01');
    expect(Object.keys(c.payload as object).sort()).toEqual(['beforeBlindIndex', 'blindIndex', 'ciphertext', 'keyId']);
    expect(JSON.stringify(c.payload)).not.toContain(N1);
    expect(JSON.stringify(c.summary)).not.toMatch(TWELVE);
    expect((c.summary as { fields: { before: string | null; after: string }[] }).fields[0]).toEqual({ label: '個人番号', before: null, after: `********${N1.slice(-4)}` });
    const ev = await lastAudit('my_number.register.request');
    expect(ev?.actor_id).toBe('kokuho01');
    expect((ev?.detail as { jimu: string }).jimu).toBe(JIMU);
  });

  it('the entry clerk has no approval permission, and the approver cannot approve their own entry', async () => {
    expect((await clerk.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(403);
    const own = await register(chief, F.yamada.wife, N2);
    expect(own.status).toBe(202);
    const ownId = ((await own.json()) as { changeId: number }).changeId;
    const r = await chief.request('POST', `/api/approvals/${ownId}/approve`, {});
    expect(r.status).toBe(403);
    const e = await errOf(r);
    expect(e.code).toBe('self_approval');
    expect(e.message).toMatch(/自分が入力した変更は承認/);
    const ev = await lastAudit('my_number.register.approve');
    expect(ev?.outcome).toBe('denied');
    expect((ev?.detail as { reason: string }).reason).toBe('self_approval');
    expect(await stored(F.yamada.wife)).toBeUndefined();
    // The database refuses it too, whatever the code does.
    const c = await change(ownId);
    await expect(db().updateTable('pending_change').set({ status: 'approved', decided_by: c.requested_by }).where('change_id', '=', ownId).execute()).rejects.toThrow();
    // It stays pending: only a second supervisor could decide it.
  });

  it('another user approves: stored encrypted with the row bound in the AAD', async () => {
    const list = await chief.request('GET', '/api/approvals');
    expect(list.status).toBe(200);
    const items = ((await list.json()) as { items: { changeId: number; ownRequest: boolean; fields: { after: string }[]; requestedBy: string }[] }).items;
    const mine = items.find((i) => i.changeId === changeId)!;
    expect(mine.ownRequest).toBe(false);
    expect(mine.requestedBy).toBe('staff:kokuho01');
    expect(mine.fields[0]!.after).toBe(`********${N1.slice(-4)}`);
    expect(items.find((i) => i.requestedBy === 'staff:kakari01')?.ownRequest).toBe(true);

    const r = await chief.request('POST', `/api/approvals/${changeId}/approve`, { note: '本人確認書類と照合済み' });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ changeId, status: 'approved', kind: 'my_number.register' });
    const row = (await stored(F.yamada.head))!;
    expect(row).toBeDefined();
    expect(row.ciphertext).not.toContain(N1);
    expect(Buffer.from(row.ciphertext, 'base64').toString('latin1')).not.toContain(N1);
    expect(row.key_id).toBe(f.deps.keyring.activeKeyId);
    expect(row.blind_index).toBe(f.deps.keyring.blindIndex(N1));
    expect(row.updated_by).toBe('staff:kakari01');
    expect(f.deps.keyring.decrypt(row.ciphertext, myNumberAad(F.yamada.head), row.key_id)).toBe(N1);
    expect(() => f.deps.keyring.decrypt(row.ciphertext, myNumberAad(F.yamada.child), row.key_id)).toThrow();
    const c = await change(changeId);
    expect(c.status).toBe('approved');
    expect(c.decided_by).toBe('staff:kakari01');
    expect(c.payload).toEqual({ cleared: true }); // no copy of the ciphertext outlives the decision
    const ev = await lastAudit('my_number.register.approve');
    expect(ev?.outcome).toBe('success');
    expect(ev?.subjects).toEqual([F.yamada.head]);
    expect((ev?.detail as { jimu: string }).jimu).toBe(JIMU);
    expect(JSON.stringify(ev?.detail)).not.toMatch(TWELVE);
    // Twice is refused.
    expect((await chief.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(409);
  });

  it('a ciphertext moved to another person\'s row does not decrypt (fails closed, audited)', async () => {
    const row = (await stored(F.yamada.head))!;
    await db().insertInto('person_my_number').values({ atena_no: F.yamada.child, ciphertext: row.ciphertext, key_id: row.key_id, blind_index: row.blind_index, updated_by: 'test:attacker' }).execute();
    const s = await login('kakari01');
    await stepUp(s, 'kakari01');
    const r = await s.request('POST', `/api/persons/${F.yamada.child}/my-number/reveal`, { purpose: '移動テスト', jimu: JIMU });
    expect(r.status).toBe(500);
    expect(await r.text()).not.toContain(N1);
    const ev = await lastAudit('my_number.reveal');
    expect(ev?.outcome).toBe('failure');
    expect((ev?.detail as { reason: string }).reason).toBe('decrypt_failed');
    await db().deleteFrom('person_my_number').where('atena_no', '=', F.yamada.child).execute();
  });
});

describe('reject and 関連性・整合性チェック', () => {
  it('a rejected registration leaves no row in person_my_number', async () => {
    const r = await register(clerk, F.sato.head, N3);
    const { changeId } = (await r.json()) as { changeId: number };
    expect((await chief.request('POST', `/api/approvals/${changeId}/reject`, { note: '' })).status).toBe(400);
    const rej = await chief.request('POST', `/api/approvals/${changeId}/reject`, { note: '番号の転記誤り' });
    expect(rej.status).toBe(200);
    expect(await stored(F.sato.head)).toBeUndefined();
    const c = await change(changeId);
    expect(c.status).toBe('rejected');
    expect(c.decision_note).toBe('番号の転記誤り');
    expect(c.payload).toEqual({ cleared: true });
    expect((await lastAudit('my_number.register.reject'))?.outcome).toBe('success');
  });

  it('warns the approver when the same number is tied to another person; a requester without mynumber.read cannot tell', async () => {
    // A clerk without mynumber.read gets the same answer for a number nobody holds and for one another
    // resident holds (it once warned "同じ個人番号が別の住民に登録…", an oracle for who holds a number).
    const free = await register(clerk, F.sato.mother, N4);
    expect(free.status).toBe(202);
    const freeBody = (await free.json()) as { changeId: number; warnings: string[] };
    expect((await chief.request('POST', `/api/approvals/${freeBody.changeId}/reject`, { note: 'テスト' })).status).toBe(200);
    const r = await register(clerk, F.sato.mother, N1); // N1 belongs to yamada.head
    expect(r.status).toBe(202);
    const body = (await r.json()) as { changeId: number; warnings: string[] };
    const sansId = (b: object) => JSON.stringify({ ...b, changeId: 0 }).replace(/変更番号 \d+/g, '変更番号 N');
    expect(sansId(body)).toBe(sansId(freeBody));
    expect(body.warnings.join()).not.toMatch(/別の住民/);
    const list = (await (await chief.request('GET', '/api/approvals')).json()) as { items: { changeId: number; warnings: string[] }[] };
    const w = list.items.find((i) => i.changeId === body.changeId)!.warnings.join();
    expect(w).toContain('関連性・整合性チェック');
    expect(w).toContain(String(F.yamada.head));
    // An approver without mynumber.read (a role of approval + mynumber.write) is not shown who holds it.
    const op = operatorActor('test', new Set(f.deps.permissions.all));
    await applyOrganization(db(), { offices: [], roles: [{ code: 'test_approver', name: '試験 承認者', permissions: ['approval', 'mynumber.write'] }] } as unknown as Organization, op.id);
    const password = 'Approver-Test-Pass-2026!';
    const { totpSecret } = await f.deps.staff.createWithKnownCredentials({ staffId: 'shonin01', displayName: '承認 六郎', officeCode: 'kokuho', password, roles: ['test_approver'] }, op);
    const approver = tracked(await f.loginWith('shonin01', password, totpSecret));
    const theirs = (await (await approver.request('GET', '/api/approvals')).json()) as { items: { changeId: number; warnings: string[] }[] };
    expect(theirs.items.find((i) => i.changeId === body.changeId)!.warnings).toEqual([]);
    expect((await chief.request('POST', `/api/approvals/${body.changeId}/reject`, { note: '他の住民の番号' })).status).toBe(200);
    // A requester who may look numbers up (mynumber.read) is told at once.
    const own = await register(chief, F.sato.mother, N1);
    expect(own.status).toBe(202);
    const ownBody = (await own.json()) as { changeId: number; warnings: string[] };
    expect(ownBody.warnings.join()).toMatch(/別の住民/);
    expect(ownBody.warnings.join()).not.toContain(String(F.yamada.head));
  });

  it('one pending change per person at a time', async () => {
    const a = await register(clerk, F.nguyen.person, N5);
    expect(a.status).toBe(202);
    const b = await register(clerk, F.nguyen.person, N6);
    expect(b.status).toBe(409);
    expect((await errOf(b)).code).toBe('pending_exists');
    const id = ((await a.json()) as { changeId: number }).changeId;
    expect((await chief.request('POST', `/api/approvals/${id}/reject`, { note: 'テスト' })).status).toBe(200);
  });
});

describe('reveal (番号表示)', () => {
  it('without mynumber.read: 403 and a denied audit record', async () => {
    const r = await clerk.request('POST', `/api/persons/${F.yamada.head}/my-number/reveal`, { purpose: '資格取得の確認', jimu: JIMU });
    expect(r.status).toBe(403);
    expect(await r.text()).not.toContain(N1);
    const ev = await db().selectFrom('audit_event').selectAll().where('actor_id', '=', 'kokuho01').where('function_code', '=', 'mynumber.read').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    expect(ev?.outcome).toBe('denied');
    expect(ev?.subjects).toEqual([F.yamada.head]);
  });

  it('without a step-up: step_up_required, audited', async () => {
    const s = await login('kakari01');
    await expireStepUp(s);
    const r = await s.request('POST', `/api/persons/${F.yamada.head}/my-number/reveal`, { purpose: '資格取得の確認', jimu: JIMU });
    expect(r.status).toBe(403);
    expect((await errOf(r)).code).toBe('step_up_required');
    const ev = await lastAudit('my_number.reveal');
    expect(ev?.outcome).toBe('denied');
    expect((ev?.detail as { reason: string }).reason).toBe('step_up_required');
  });

  it('with a step-up: returns the number; the audit has purpose and 事務 but no 12-digit number', async () => {
    const s = await login('kakari01');
    await stepUp(s, 'kakari01');
    const r = await s.request('POST', `/api/persons/${F.yamada.head}/my-number/reveal`, { purpose: '中間サーバーへの資格情報提供の確認', jimu: JIMU });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ myNumber: N1 });
    expect(r.headers.get('cache-control')).toBe('no-store');
    const ev = (await lastAudit('my_number.reveal'))!;
    expect(ev.outcome).toBe('success');
    expect(ev.actor_id).toBe('kakari01');
    const detail = ev.detail as { purpose: string; jimu: string; legalBasis: string[] };
    expect(detail.purpose).toBe('中間サーバーへの資格情報提供の確認');
    expect(detail.jimu).toBe(JIMU);
    expect(detail.legalBasis.join()).toMatch(/別表第１の３０の項/);
    expect(JSON.stringify(ev.detail)).not.toMatch(TWELVE);
  });

  it('refuses a purpose that carries a number', async () => {
    const s = await login('kakari01');
    await stepUp(s, 'kakari01');
    const r = await s.request('POST', `/api/persons/${F.yamada.head}/my-number/reveal`, { purpose: `照会 ${N1.slice(0, 4)} ${N1.slice(4, 8)} ${N1.slice(8)}`, jimu: JIMU });
    expect(r.status).toBe(400);
    expect((await errOf(r)).fields?.[0]?.label).toBe('利用目的');
  });

  it('deceased persons get the same protection', async () => {
    await registerAndApprove(F.suzuki.person, N4);
    await asActor(db(), 'test:fixture', async (tx) => {
      await tx.updateTable('person').set({ resident_status: 'deceased', death_date: '2026-10-01', valid_from: '2026-10-01', change_reason: 'death' }).where('atena_no', '=', F.suzuki.person).execute();
    });
    expect((await clerk.request('POST', `/api/persons/${F.suzuki.person}/my-number/reveal`, { purpose: '葬祭費の支給', jimu: 'nhi.benefit' })).status).toBe(403);
    const s = await login('kakari01');
    await expireStepUp(s);
    const noStep = await s.request('POST', `/api/persons/${F.suzuki.person}/my-number/reveal`, { purpose: '葬祭費の支給', jimu: 'nhi.benefit' });
    expect((await errOf(noStep)).code).toBe('step_up_required');
    expect((await s.request('POST', `/api/persons/${F.suzuki.person}/my-number/reveal`, { purpose: '葬祭費の支給', jimu: 'nhi.nope' })).status).toBe(403);
    await stepUp(s, 'kakari01');
    const ok = await s.request('POST', `/api/persons/${F.suzuki.person}/my-number/reveal`, { purpose: '葬祭費の支給', jimu: 'nhi.benefit' });
    expect(ok.status).toBe(200);
    expect((await lastAudit('my_number.reveal'))?.detail).toMatchObject({ deceased: true, jimu: 'nhi.benefit' });
  });
});

describe('事務 whitelist (番号法第9条)', () => {
  it('refuses and audits a use with an unknown 事務, without one, or with one not allowed that use', async () => {
    const s = await login('kakari01');
    await stepUp(s, 'kakari01');
    const cases: { call: () => Promise<Response>; action: string; reason: string }[] = [
      { call: () => s.request('POST', `/api/persons/${F.yamada.head}/my-number/reveal`, { purpose: '確認', jimu: 'marketing.campaign' }), action: 'my_number.reveal', reason: 'jimu_unknown' },
      { call: () => s.request('POST', `/api/persons/${F.yamada.head}/my-number/reveal`, { purpose: '確認' }), action: 'my_number.reveal', reason: 'jimu_missing' },
      { call: () => s.request('POST', '/api/my-number/lookup', { myNumber: N1, jimu: 'marketing.campaign' }), action: 'my_number.lookup', reason: 'jimu_unknown' },
      { call: () => register(clerk, F.yamada.wife, N2, 'marketing.campaign'), action: 'my_number.set.request', reason: 'jimu_unknown' },
      { call: () => register(clerk, F.sato.head, N3, null), action: 'my_number.set.request', reason: 'jimu_missing' },
      { call: () => register(clerk, F.sato.head, N3, 'nhi.tax'), action: 'my_number.set.request', reason: 'jimu_use_not_allowed' },
    ];
    for (const c of cases) {
      const r = await c.call();
      expect(r.status).toBe(403);
      const e = await errOf(r);
      expect(e.code).toBe('jimu_not_allowed');
      expect(e.message).toMatch(/事務/);
      const ev = await lastAudit(c.action);
      expect(ev?.outcome).toBe('denied');
      expect((ev?.detail as { reason: string }).reason).toBe(c.reason);
    }
    expect(await db().selectFrom('pending_change').selectAll().where('atena_no', '=', F.sato.head).where('status', '=', 'pending').execute()).toHaveLength(0);
  });

  it('lists the whitelist with legal bases', async () => {
    const r = await clerk.request('GET', '/api/my-number/jimu');
    expect(r.status).toBe(200);
    const { items } = (await r.json()) as { items: { code: string; legalBasis: string[]; uses: string[] }[] };
    expect(items.map((i) => i.code)).toContain(JIMU);
    expect(items.find((i) => i.code === JIMU)!.uses).toContain('register');
    expect(items.find((i) => i.code === 'nhi.tax')!.legalBasis.join()).toMatch(/１６の項/);
  });
});

describe('lookup by number (blind index)', () => {
  it('returns 宛名番号 only, audited, never the number', async () => {
    const r = await chief.request('POST', '/api/my-number/lookup', { myNumber: N1, jimu: 'nhi.benefit' });
    expect(r.status).toBe(200);
    const text = await r.clone().text();
    expect(text).not.toContain(N1);
    expect(await r.json()).toEqual({ atenaNos: [F.yamada.head] });
    const ev = (await lastAudit('my_number.lookup'))!;
    expect(ev.subjects).toEqual([F.yamada.head]);
    expect(ev.detail).toMatchObject({ jimu: 'nhi.benefit', matches: 1 });
    expect((await clerk.request('POST', '/api/my-number/lookup', { myNumber: N1, jimu: JIMU })).status).toBe(403);
    expect((await chief.request('POST', '/api/my-number/lookup', { myNumber: badCheckDigit(N1), jimu: JIMU })).status).toBe(400);
  });
});

describe('correction and deletion', () => {
  it('a correction shows masked before/after and applies on approval', async () => {
    const r = await register(clerk, F.yamada.head, N5);
    expect(r.status).toBe(202);
    const body = (await r.json()) as { changeId: number; kind: string };
    expect(body.kind).toBe('my_number.correct');
    const c = await change(body.changeId);
    expect((c.summary as { fields: unknown[] }).fields[0]).toEqual({ label: '個人番号', before: `********${N1.slice(-4)}`, after: `********${N5.slice(-4)}` });
    expect((await register(clerk, F.yamada.head, N5)).status).toBe(409);
    expect((await chief.request('POST', `/api/approvals/${body.changeId}/approve`, {})).status).toBe(200);
    const row = (await stored(F.yamada.head))!;
    expect(f.deps.keyring.decrypt(row.ciphertext, myNumberAad(F.yamada.head), row.key_id)).toBe(N5);
    expect((await register(clerk, F.yamada.head, N5)).status).toBe(409); // unchanged
  });

  it('deletion needs a step-up to request and to approve', async () => {
    await expireStepUp(clerk);
    const noStep = await clerk.request('POST', `/api/persons/${F.yamada.head}/my-number/delete`, { jimu: JIMU, reason: '誤登録' });
    expect(noStep.status).toBe(403);
    expect((await errOf(noStep)).code).toBe('step_up_required');
    await stepUp(clerk, 'kokuho01');
    expect((await clerk.request('POST', `/api/persons/${F.yamada.head}/my-number/delete`, { jimu: 'nhi.benefit', reason: '誤登録' })).status).toBe(403);
    const r = await clerk.request('POST', `/api/persons/${F.yamada.head}/my-number/delete`, { jimu: JIMU, reason: '誤登録' });
    expect(r.status).toBe(202);
    const { changeId, kind } = (await r.json()) as { changeId: number; kind: string };
    expect(kind).toBe('my_number.delete');
    const approver = await login('kakari01');
    await expireStepUp(approver);
    const a1 = await approver.request('POST', `/api/approvals/${changeId}/approve`, {});
    expect(a1.status).toBe(403);
    expect((await errOf(a1)).code).toBe('step_up_required');
    expect(await stored(F.yamada.head)).toBeDefined();
    await stepUp(approver, 'kakari01');
    expect((await approver.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(200);
    expect(await stored(F.yamada.head)).toBeUndefined();
    const status = await clerk.request('GET', `/api/persons/${F.yamada.head}/my-number`);
    expect(await status.json()).toMatchObject({ registered: false, pending: [] });
    // Register again for the leak scan below.
    await registerAndApprove(F.yamada.head, N1);
  });
});

describe('leak scan', () => {
  it('no answer except the reveal, no log line and no audit detail carries a 12-digit number', async () => {
    await registerAndApprove(F.sato.head, N3);
    const shisho = await login('shisho01');
    const nozei = await login('nozei01');
    for (const s of [clerk, chief, shisho, nozei]) {
      for (const q of ['kana=ヤマダ', 'kana=サトウ', 'kana=スズキ', 'kana=グエン', `atenaNo=${F.yamada.head}`, `householdNo=${F.sato.household}`]) await s.request('GET', `/api/persons?${q}`);
      for (const p of [F.yamada.head, F.yamada.wife, F.yamada.child, F.sato.head, F.sato.mother, F.suzuki.person, F.nguyen.person]) {
        await s.request('GET', `/api/persons/${p}`);
        await s.request('GET', `/api/persons/${p}/my-number`);
      }
      for (const h of [F.yamada.household, F.sato.household, F.suzuki.household, F.nguyen.household]) await s.request('GET', `/api/households/${h}`);
    }
    for (const st of ['pending', 'approved', 'rejected']) await chief.request('GET', `/api/approvals?status=${st}`);
    await chief.request('POST', '/api/my-number/lookup', { myNumber: N3, jimu: JIMU });

    const reveals = seen.filter((x) => /\/my-number\/reveal$/.test(x.path) && x.status === 200);
    expect(reveals.length).toBeGreaterThan(0);
    const others = seen.filter((x) => !reveals.includes(x));
    expect(others.length).toBeGreaterThan(100);
    for (const x of others) {
      const text = x.text.replace(UUID, '<uuid>');
      for (const n of ALL_NUMBERS) expect(text, `${x.method} ${x.path}`).not.toContain(n);
      expect(text, `${x.method} ${x.path}`).not.toMatch(TWELVE);
    }
    const logs = f.logs.join('\n');
    for (const n of ALL_NUMBERS) expect(logs).not.toContain(n);
    expect(logs.replace(UUID, '<uuid>')).not.toMatch(TWELVE);
    const details = await db().selectFrom('audit_event').select(['detail']).execute();
    // Hex digests under a key naming them (sessionRef, …Hash, sha256, runId) are exempt from masking by
    // design (audit.rules.ts); a random hex string can hold twelve decimal digits in a row.
    const DIGEST_VALUE = /"(\w*(?:sha256|[Hh]ash|sessionRef|runId))":"[0-9a-f-]{16,128}"/g;
    for (const d of details) {
      const text = JSON.stringify(d.detail);
      for (const n of ALL_NUMBERS) expect(text).not.toContain(n);
      expect(text.replace(DIGEST_VALUE, '"$1":"<digest>"')).not.toMatch(TWELVE);
    }
    const changes = await db().selectFrom('pending_change').select(['payload', 'summary', 'warnings']).execute();
    for (const c of changes) expect(JSON.stringify(c)).not.toMatch(new RegExp(ALL_NUMBERS.join('|')));
  });
});
