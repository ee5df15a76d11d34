import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { AppError } from '../../http/errors.js';
import type { Actor } from '../../security/actor.js';
import { z } from 'zod';
import type { PendingChangeRow } from './approval.service.js';
import { asActor } from '../../testing/as-actor.js';

const anyPayload = z.record(z.string(), z.unknown());

let f: Fixture;
let chief: Session;
const applied: PendingChangeRow[] = [];

/** A staff actor as the session middleware would build it (for submitting through the service). */
const staffActor = (id: string): Actor & { kind: 'staff' } => ({
  kind: 'staff',
  id,
  displayName: id,
  officeCode: 'kokuho',
  officeKind: 'head_office',
  permissions: new Set(['eligibility.update']),
  sessionRef: '0000000000000000',
  stepUpAt: null,
  ip: null,
  terminal: null,
});

beforeAll(async () => {
  f = await createFixture();
  chief = await f.login('kakari01');
  // A later module (e.g. 資格異動) plugs in the same way: a kind and an apply function.
  f.deps.approvals.registerKind({
    kind: 'test.noop',
    label: 'テスト用の変更',
    functionCode: 'eligibility.update',
    payload: anyPayload,
    async apply(_tx, change) {
      applied.push(change);
      return { applied: true };
    },
  });
  f.deps.approvals.registerKind({
    kind: 'test.refuse',
    label: '適用できない変更',
    functionCode: 'eligibility.update',
    payload: anyPayload,
    async apply() {
      throw new AppError(409, 'cannot_apply', '適用できません');
    },
  });
});
afterAll(async () => f?.close());

async function submit(kind: string, by: string, warnings: string[] = [], atenaNo: number = FIXTURE.sato.head) {
  return f.deps.database.db.transaction().execute((tx) =>
    f.deps.approvals.submit(tx, staffActor(by), {
      kind,
      atenaNo,
      payload: { value: 'x' },
      summary: { fields: [{ label: '資格', before: 'なし', after: 'あり' }], notes: [{ label: '理由', value: '転入' }], meta: {} },
      warnings,
    }),
  );
}

describe('generic four-eyes workflow', () => {
  it('refuses to hold a change of an unregistered kind', async () => {
    await expect(submit('test.unknown', 'kokuho01')).rejects.toThrow(/登録されていません/);
  });

  it('lists pending changes with summary, warnings and requester; only for the approval permission', async () => {
    const id = await submit('test.noop', 'kokuho01', ['整合性: 警告の例']);
    const r = await chief.request('GET', '/api/approvals');
    expect(r.status).toBe(200);
    const body = (await r.json()) as { total: number; items: { changeId: number; kindLabel: string; warnings: string[]; requestedBy: string; fields: unknown[]; nameKanji: string }[] };
    const item = body.items.find((i) => i.changeId === id)!;
    expect(item).toMatchObject({ kindLabel: 'テスト用の変更', warnings: ['整合性: 警告の例'], requestedBy: 'staff:kokuho01', nameKanji: '佐藤　健' });
    expect(item.fields).toEqual([{ label: '資格', before: 'なし', after: 'あり' }]);
    const clerk = await f.login('kokuho01');
    expect((await clerk.request('GET', '/api/approvals')).status).toBe(403);
    expect((await (await f.login('shisho01')).request('POST', `/api/approvals/${id}/approve`, {})).status).toBe(403);
  });

  it('applies an approved change once, atomically with its audit record', async () => {
    const id = await submit('test.noop', 'kokuho01');
    const r = await chief.request('POST', `/api/approvals/${id}/approve`, { note: '確認済み' });
    expect(r.status).toBe(200);
    expect(applied.filter((c) => c.changeId === id)).toHaveLength(1);
    const row = await f.deps.database.db.selectFrom('pending_change').selectAll().where('change_id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'approved', decided_by: 'staff:kakari01', decision_note: '確認済み' });
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'test.noop.approve').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev.function_code).toBe('eligibility.update');
    expect(ev.detail).toMatchObject({ changeId: id, applied: true, requestedBy: 'staff:kokuho01' });
    const again = await chief.request('POST', `/api/approvals/${id}/approve`, {});
    expect(again.status).toBe(409);
    expect(applied.filter((c) => c.changeId === id)).toHaveLength(1);
  });

  it('rolls the whole approval back when apply refuses, and audits the refusal', async () => {
    const id = await submit('test.refuse', 'kokuho01');
    const r = await chief.request('POST', `/api/approvals/${id}/approve`, {});
    expect(r.status).toBe(409);
    const row = await f.deps.database.db.selectFrom('pending_change').selectAll().where('change_id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.decided_by).toBeNull();
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'test.refuse.approve').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev.outcome).toBe('denied');
  });

  it('refuses self-approval and self-rejection (403), and the table CHECK refuses it too', async () => {
    const id = await submit('test.noop', 'kakari01');
    for (const verb of ['approve', 'reject']) {
      const r = await chief.request('POST', `/api/approvals/${id}/${verb}`, { note: '自分で' });
      expect(r.status).toBe(403);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('self_approval');
      expect(body.error.message).toMatch(/入力者以外/);
    }
    const list = (await (await chief.request('GET', '/api/approvals')).json()) as { items: { changeId: number; ownRequest: boolean }[] };
    expect(list.items.find((i) => i.changeId === id)?.ownRequest).toBe(true);
    await expect(
      f.deps.database.db.updateTable('pending_change').set({ status: 'rejected', decided_by: 'staff:kakari01' }).where('change_id', '=', id).execute(),
    ).rejects.toThrow();
  });

  it('rejects with a required note; the change is not applied', async () => {
    const id = await submit('test.noop', 'kokuho01');
    expect((await chief.request('POST', `/api/approvals/${id}/reject`, {})).status).toBe(400);
    const r = await chief.request('POST', `/api/approvals/${id}/reject`, { note: '添付書類なし' });
    expect(r.status).toBe(200);
    expect(applied.some((c) => c.changeId === id)).toBe(false);
    const rejected = (await (await chief.request('GET', '/api/approvals?status=rejected')).json()) as { items: { changeId: number; decisionNote: string }[] };
    expect(rejected.items.find((i) => i.changeId === id)?.decisionNote).toBe('添付書類なし');
  });

  it('the checker must also hold the permission of the change itself', async () => {
    f.deps.approvals.registerKind({ kind: 'test.audited', label: '試験の変更', functionCode: 'audit', payload: anyPayload, apply: async (_tx, c) => void applied.push(c) });
    const id = await submit('test.audited', 'nozei01');
    const r = await chief.request('POST', `/api/approvals/${id}/approve`, {}); // kakari01 has approval, not audit
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/「監査」/);
    expect(applied.some((c) => c.changeId === id)).toBe(false);
  });

  it('lists a kind only to those who may decide it, and person changes only within the record scope', async () => {
    const inScope = await submit('test.noop', 'kokuho01', [], FIXTURE.yamada.head); // insured: in the NHI file
    const outOfScope = await submit('test.noop', 'kokuho01', [], FIXTURE.nguyen.person); // never insured
    // A user administrator holds neither 'approval' nor the kind's permission: person changes are not theirs.
    const admin = await f.login('admin01');
    const adminList = (await (await admin.request('GET', '/api/approvals')).json()) as { items: { changeId: number }[] };
    expect(adminList.items.map((i) => i.changeId)).not.toContain(inScope);
    expect((await admin.request('POST', `/api/approvals/${inScope}/approve`, {})).status).toBe(403);
    // A tax-office checker (scope: the NHI file) sees and decides only the in-scope person's change.
    const taxChecker: Actor = { ...staffActor('nozei09'), officeKind: 'tax', permissions: new Set(['approval', 'eligibility.update']) };
    const listed = await f.deps.approvals.list(taxChecker, { status: 'pending', page: 1, pageSize: 100 }, 'test');
    expect(listed.items.map((i) => i.changeId)).toContain(inScope);
    expect(listed.items.map((i) => i.changeId)).not.toContain(outOfScope);
    expect(listed.items.every((i) => i.atenaNo !== FIXTURE.nguyen.person)).toBe(true);
    await expect(f.deps.approvals.approve(taxChecker, outOfScope, null, 'test')).rejects.toMatchObject({ status: 404 });
    expect(applied.some((c) => c.changeId === outOfScope)).toBe(false);
    const denied = await f.deps.database.db.selectFrom('audit_event').select(['outcome', 'detail']).where('actor_id', '=', 'nozei09').where('action', '=', 'test.noop.approve').executeTakeFirstOrThrow();
    expect(denied).toMatchObject({ outcome: 'denied', detail: { changeId: outOfScope, reason: 'not_found' } });
    await f.deps.approvals.approve(taxChecker, inScope, null, 'test');
    expect(applied.some((c) => c.changeId === inScope)).toBe(true);
  });

  it('answers 404 for an unknown change, and refuses a note carrying a number', async () => {
    expect((await chief.request('POST', '/api/approvals/999999/approve', {})).status).toBe(404);
    expect((await chief.request('POST', '/api/approvals/1/reject', { note: '番号 999900000017 の誤り' })).status).toBe(400);
  });

  it('each kind declares the shape of its stored payload: a wrong shape is not held, and a stored payload that no longer fits is not applied', async () => {
    f.deps.approvals.registerKind({ kind: 'test.shaped', label: '形式つきの変更', functionCode: 'eligibility.update', payload: z.object({ value: z.literal('x') }), apply: async (_tx, c) => void applied.push(c) });
    const bad = f.deps.database.db.transaction().execute((tx) =>
      f.deps.approvals.submit(tx, staffActor('kokuho01'), { kind: 'test.shaped', atenaNo: FIXTURE.sato.head, payload: { value: 'y' }, summary: { fields: [], notes: [], meta: {} }, warnings: [] }),
    );
    await expect(bad).rejects.toThrow(/形式に合いません/);
    const id = await submit('test.shaped', 'kokuho01');
    // Someone edits the stored payload behind the application's back: approving it must not apply it.
    await asActor(f.deps.database.db, 'test:tamper', async (tx) => {
      await tx.updateTable('pending_change').set({ payload: JSON.stringify({ value: 'tampered' }) }).where('change_id', '=', id).execute();
    });
    const r = await chief.request('POST', `/api/approvals/${id}/approve`, {});
    expect(r.status).toBe(409);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('payload_shape');
    expect(applied.some((c) => c.changeId === id)).toBe(false);
  });
});

describe('取下げ and 申請状況 (the requester follows their own changes)', () => {
  type Item = { changeId: number; status: string; kindLabel: string; requestedByLabel: string; decidedByLabel: string | null; decidedAt: string | null; decisionNote: string | null; warnings: string[]; fields: unknown[]; notes: unknown[]; ownRequest: boolean };
  type Mine = { total: number; items: Item[] };
  let clerk: Session;
  const row = (id: number) => f.deps.database.db.selectFrom('pending_change').selectAll().where('change_id', '=', id).executeTakeFirstOrThrow();
  const lastEvent = (action: string) => f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();

  beforeAll(async () => {
    clerk = await f.login('kokuho01');
    f.deps.approvals.registerKind({
      kind: 'test.secret',
      label: '秘密を含む変更',
      functionCode: 'eligibility.update',
      payload: anyPayload,
      clearPayloadOnDecision: true,
      warningsNeed: 'mynumber.read',
      apply: async (_tx, c) => void applied.push(c),
    });
  });

  it('the requester withdraws a pending change with a reason: recorded, audited under the kind, and it can no longer be approved', async () => {
    const id = await submit('test.noop', 'kokuho01');
    const r = await clerk.request('POST', `/api/approvals/${id}/withdraw`, { note: '入力誤りのため' });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ changeId: id, status: 'withdrawn', kind: 'test.noop', atenaNo: FIXTURE.sato.head });
    expect(await row(id)).toMatchObject({ status: 'withdrawn', decided_by: 'staff:kokuho01', decision_note: '入力誤りのため' });
    expect((await row(id)).decided_at).not.toBeNull();
    const ev = await lastEvent('test.noop.withdraw');
    expect(ev).toMatchObject({ outcome: 'success', function_code: 'eligibility.update', actor_id: 'kokuho01' });
    expect(ev.subjects.map(Number)).toEqual([FIXTURE.sato.head]);
    expect(ev.detail).toMatchObject({ changeId: id, note: '入力誤りのため' });
    // Gone from the approver's list; approving or rejecting it now is refused, and nothing is applied.
    const pending = (await (await chief.request('GET', '/api/approvals')).json()) as { items: { changeId: number }[] };
    expect(pending.items.map((i) => i.changeId)).not.toContain(id);
    const approve = await chief.request('POST', `/api/approvals/${id}/approve`, {});
    expect(approve.status).toBe(409);
    expect(((await approve.json()) as { error: { message: string } }).error.message).toMatch(/取り下げられています/);
    expect((await chief.request('POST', `/api/approvals/${id}/reject`, { note: '却下' })).status).toBe(409);
    expect(applied.some((c) => c.changeId === id)).toBe(false);
    expect((await clerk.request('POST', `/api/approvals/${id}/withdraw`, {})).status).toBe(409);
    // Without a reason too.
    const other = await submit('test.noop', 'kokuho01');
    expect((await clerk.request('POST', `/api/approvals/${other}/withdraw`, {})).status).toBe(200);
    expect((await row(other)).decision_note).toBeNull();
  });

  it('nobody else may withdraw it (403 not_requester, audited as denied); the change still waits', async () => {
    const id = await submit('test.noop', 'kokuho01');
    const r = await chief.request('POST', `/api/approvals/${id}/withdraw`, { note: '代わりに取下げ' });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('not_requester');
    expect(await row(id)).toMatchObject({ status: 'pending', decided_by: null });
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'test.noop.withdraw').where('actor_id', '=', 'kakari01').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev.outcome).toBe('denied');
    expect(ev.detail).toMatchObject({ changeId: id, reason: 'not_requester' });
    expect(ev.subjects.map(Number)).toEqual([FIXTURE.sato.head]);
    // The table agrees: a withdrawal is the requester's own.
    await expect(
      asActor(f.deps.database.db, 'test:tamper', async (tx) => {
        await tx.updateTable('pending_change').set({ status: 'withdrawn', decided_by: 'staff:kakari01' }).where('change_id', '=', id).execute();
      }),
    ).rejects.toThrow(/pending_change_four_eyes/);
    expect((await clerk.request('POST', '/api/approvals/999999/withdraw', {})).status).toBe(404);
    expect((await clerk.request('POST', `/api/approvals/${id}/withdraw`, { note: '番号 999900000017 の誤り' })).status).toBe(400);
  });

  it('a decided change cannot be withdrawn (409)', async () => {
    const id = await submit('test.noop', 'kokuho01');
    expect((await chief.request('POST', `/api/approvals/${id}/reject`, { note: '添付書類なし' })).status).toBe(200);
    const r = await clerk.request('POST', `/api/approvals/${id}/withdraw`, {});
    expect(r.status).toBe(409);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/却下されています/);
    expect(await row(id)).toMatchObject({ status: 'rejected', decided_by: 'staff:kakari01' });
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'test.noop.withdraw').where('actor_id', '=', 'kokuho01').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ outcome: 'denied', detail: { changeId: id, reason: 'already_decided' } });
  });

  it('a withdrawn secret is wiped like a decided one', async () => {
    const id = await submit('test.secret', 'kokuho01');
    expect((await clerk.request('POST', `/api/approvals/${id}/withdraw`, {})).status).toBe(200);
    expect((await row(id)).payload).toEqual({ cleared: true });
  });

  it('申請状況 lists the caller\'s own changes, newest first: a rejected one with the reason and the approver by name', async () => {
    const first = await submit('test.noop', 'kokuho01');
    const rejected = await submit('test.noop', 'kokuho01', ['整合性: 警告の例'], FIXTURE.yamada.head);
    const someoneElses = await submit('test.noop', 'kakari01');
    expect((await chief.request('POST', `/api/approvals/${rejected}/reject`, { note: '資格取得日が届出書と異なるため' })).status).toBe(200);
    const r = await clerk.request('GET', '/api/approvals/mine?status=rejected');
    expect(r.status).toBe(200);
    const body = (await r.json()) as Mine;
    const item = body.items.find((i) => i.changeId === rejected)!;
    expect(item).toMatchObject({
      status: 'rejected',
      kindLabel: 'テスト用の変更',
      requestedByLabel: '国保 太郎(kokuho01)',
      decidedByLabel: '係長 花子(kakari01)',
      decisionNote: '資格取得日が届出書と異なるため',
      warnings: ['整合性: 警告の例'],
      fields: [{ label: '資格', before: 'なし', after: 'あり' }],
      notes: [{ label: '理由', value: '転入' }],
      ownRequest: true,
    });
    expect(item.decidedAt).not.toBeNull();
    expect(body.items.every((i) => i.status === 'rejected' && i.requestedByLabel.includes('kokuho01'))).toBe(true);
    const ids = body.items.map((i) => i.changeId);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    // Pending: the caller's own only (kokuho01 may decide no kind at all, and sees them anyway).
    const pending = (await (await clerk.request('GET', '/api/approvals/mine')).json()) as Mine;
    expect(pending.items.map((i) => i.changeId)).toContain(first);
    expect(pending.items.map((i) => i.changeId)).not.toContain(someoneElses);
    expect(pending.items.map((i) => i.changeId)).not.toContain(rejected);
    // Audited, naming the persons listed.
    const ev = await lastEvent('approval.mine');
    expect(ev).toMatchObject({ outcome: 'success', actor_id: 'kokuho01', detail: { status: 'pending' } });
    expect(ev.subjects.map(Number)).toContain(FIXTURE.sato.head);
    expect((await clerk.request('GET', '/api/approvals/mine?status=unknown')).status).toBe(400);
  });

  it('申請状況 shows withdrawn changes, and keeps a kind\'s warnings from a requester without the permission they need', async () => {
    const id = await submit('test.secret', 'kokuho01', ['同じ個人番号が別の住民に登録されています']);
    const pending = (await (await clerk.request('GET', '/api/approvals/mine')).json()) as Mine;
    expect(pending.items.find((i) => i.changeId === id)?.warnings).toEqual([]); // kokuho01 lacks mynumber.read
    expect((await clerk.request('POST', `/api/approvals/${id}/withdraw`, { note: '別の住民でした' })).status).toBe(200);
    const withdrawn = (await (await clerk.request('GET', '/api/approvals/mine?status=withdrawn')).json()) as Mine;
    expect(withdrawn.items.find((i) => i.changeId === id)).toMatchObject({ status: 'withdrawn', decidedByLabel: '国保 太郎(kokuho01)', decisionNote: '別の住民でした' });
    // The approver's list of withdrawn changes shows it too.
    const listed = (await (await chief.request('GET', '/api/approvals?status=withdrawn')).json()) as Mine;
    expect(listed.items.map((i) => i.changeId)).toContain(id);
  });
});
