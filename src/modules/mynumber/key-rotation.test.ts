import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFixture, FIXTURE, type Fixture } from '../../testing/fixture.js';
import { Keyring, loadKeyFile, newKeyFile, writeKeyFile, type KeyFile } from '../../security/keyring.js';
import { fakeMyNumber } from '../../lib/mynumber.js';
import { operatorActor } from '../../security/actor.js';
import { addDataKey, rotateMyNumberKeys } from './key-rotation.js';
import { myNumberAad } from './mynumber.rules.js';
import { JimuRefusal } from './mynumber.service.js';

let f: Fixture;
let k1: KeyFile;
let k2: KeyFile;
let before: Keyring; // the key file before `keys-new`: only k1
let after: Keyring; // after `keys-new`: k1 kept for decryption, k2 active

const persons: number[] = [
  FIXTURE.yamada.head, FIXTURE.yamada.wife, FIXTURE.yamada.child, FIXTURE.sato.head, FIXTURE.sato.mother, FIXTURE.suzuki.person, FIXTURE.nguyen.person,
];
const numberOf = new Map(persons.map((p, i) => [p, fakeMyNumber(100 + i)]));

beforeAll(async () => {
  f = await createFixture();
  k1 = newKeyFile();
  k2 = { ...k1, dataKeys: { ...k1.dataKeys, k2: randomBytes(32).toString('base64') }, activeDataKey: 'k2' };
  before = new Keyring(k1);
  after = new Keyring(k2);
  // Numbers stored under k1 (as registration under the old key file would have left them).
  await f.deps.database.db
    .insertInto('person_my_number')
    .values(persons.map((p) => ({ atena_no: p, ciphertext: before.encrypt(numberOf.get(p)!, myNumberAad(p)), key_id: 'k1', blind_index: before.blindIndex(numberOf.get(p)!), updated_by: 'test:seed' })))
    .execute();
  // One registration waiting for approval: its payload holds a k1 ciphertext too.
  const pendingNo = fakeMyNumber(999);
  await f.deps.database.db
    .insertInto('pending_change')
    .values({
      kind: 'my_number.correct',
      atena_no: FIXTURE.yamada.head,
      payload: JSON.stringify({ ciphertext: before.encrypt(pendingNo, myNumberAad(FIXTURE.yamada.head)), blindIndex: before.blindIndex(pendingNo), keyId: 'k1', beforeBlindIndex: before.blindIndex(numberOf.get(FIXTURE.yamada.head)!) }),
      summary: JSON.stringify({ fields: [], notes: [], meta: { jimu: 'nhi.eligibility' } }),
      requested_by: 'staff:kokuho01',
    })
    .execute();
});
afterAll(async () => f?.close());

const rotDeps = () => ({ database: f.deps.database, keyring: after, audit: f.deps.audit, myNumbers: f.deps.myNumbers });
const rows = () => f.deps.database.db.selectFrom('person_my_number').selectAll().orderBy('atena_no').execute();

describe('My Number key rotation', () => {
  it('refuses (and audits) a rotation without a 事務 that allows it', async () => {
    await expect(rotateMyNumberKeys(rotDeps(), { jimu: 'nhi.tax', batchSize: 2 })).rejects.toBeInstanceOf(JimuRefusal);
    await expect(rotateMyNumberKeys(rotDeps(), { jimu: undefined, batchSize: 2 })).rejects.toBeInstanceOf(JimuRefusal);
    const denied = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'my_number.rotate_keys').where('outcome', '=', 'denied').execute();
    expect(denied).toHaveLength(2);
    expect((await rows()).every((r) => r.key_id === 'k1')).toBe(true);
  });

  it('is resumable: interrupted after two batches, the next start resumes the same run, finishes the rest once, with the totals of one uninterrupted run', async () => {
    const actor = operatorActor('keys-rotate', new Set(['mynumber.write']));
    await expect(
      rotateMyNumberKeys(rotDeps(), {
        jimu: 'nhi.eligibility',
        batchSize: 2,
        actor,
        onProgress: ({ batch }) => {
          if (batch === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const mid = await rows();
    expect(mid.filter((r) => r.key_id === 'k2')).toHaveLength(4);
    expect(mid.filter((r) => r.key_id === 'k1')).toHaveLength(3);
    const job = await f.deps.database.db.selectFrom('job_run').selectAll().where('run_id', '=', actor.runId).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'failed', chunks_done: 2, counts: { rotated: 4 }, params: { toKeyId: 'k2', jimu: 'nhi.eligibility' } });
    const rotatedFirst = new Map(mid.filter((r) => r.key_id === 'k2').map((r) => [r.atena_no, r.ciphertext]));

    // A different target key while the run is interrupted is refused (resume it or abandon it first).
    await expect(rotateMyNumberKeys(rotDeps(), { jimu: 'nhi.eligibility', batchSize: 2, toKeyId: 'k1' })).rejects.toThrow(/前回の実行が中断したままです: 実行ID/);

    const progress: number[] = [];
    const r = await rotateMyNumberKeys(rotDeps(), { jimu: 'nhi.eligibility', batchSize: 2, onProgress: ({ done }) => void progress.push(done) });
    expect(r).toMatchObject({ runId: actor.runId, resumed: true, rotated: 7, pendingRotated: 1, toKeyId: 'k2', batches: 5 });
    expect(progress).toEqual([6, 7, 8]);
    expect((await f.deps.database.db.selectFrom('job_run').selectAll().where('run_id', '=', actor.runId).executeTakeFirstOrThrow()).status).toBe('completed');
    const end = await rows();
    expect(end.every((x) => x.key_id === 'k2')).toBe(true);
    for (const x of end) {
      if (rotatedFirst.has(x.atena_no)) expect(x.ciphertext).toBe(rotatedFirst.get(x.atena_no)); // not re-encrypted twice
      expect(after.decrypt(x.ciphertext, myNumberAad(x.atena_no), x.key_id)).toBe(numberOf.get(x.atena_no));
      expect(x.blind_index).toBe(after.blindIndex(numberOf.get(x.atena_no)!)); // the blind-index key is unchanged
      expect(() => before.decrypt(x.ciphertext, myNumberAad(x.atena_no), x.key_id)).toThrow(); // old key file cannot read it
    }
    const pending = await f.deps.database.db.selectFrom('pending_change').selectAll().where('status', '=', 'pending').executeTakeFirstOrThrow();
    const p = pending.payload as { ciphertext: string; keyId: string };
    expect(p.keyId).toBe('k2');
    expect(pending.atena_no).not.toBeNull(); // a My Number change is keyed to its person
    expect(after.decrypt(p.ciphertext, myNumberAad(Number(pending.atena_no)), p.keyId)).toBe(fakeMyNumber(999));

    // Audited per batch (2 + 2 batches of stored rows, 1 of pending changes), never with a number; the run's start, failure, resume and finish too.
    const audits = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'my_number.rotate_keys').where('outcome', '=', 'success').orderBy('seq').execute();
    expect(audits).toHaveLength(5);
    expect(audits.reduce((n, a) => n + (a.detail as { rows: number }).rows, 0)).toBe(8);
    // Digests and run ids under a key naming them are exempt from masking (a random hex string can hold twelve digits).
    const digestValue = /"(\w*(?:sha256|[Hh]ash|sessionRef|runId))":"[0-9a-f-]{16,128}"/g;
    for (const a of audits) expect(JSON.stringify(a.detail).replace(digestValue, '"$1":"<digest>"')).not.toMatch(/(?<!\d)\d{12}(?!\d)/);
    const runAudits = await f.deps.database.db.selectFrom('audit_event').select('action').where(sql<boolean>`detail->>'runId' = ${actor.runId}`).where('action', 'like', 'batch.%').orderBy('seq').execute();
    expect(runAudits.map((a) => a.action)).toEqual(['batch.start', 'batch.fail', 'batch.resume', 'batch.finish']);

    // Nothing left: a third run is a no-op.
    expect(await rotateMyNumberKeys(rotDeps(), { jimu: 'nhi.eligibility', batchSize: 2 })).toMatchObject({ rotated: 0, pendingRotated: 0, batches: 0, resumed: false });
  });

  it('keys-new adds a key, makes it active and keeps the old ones for decryption', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keys-'));
    try {
      const file = path.join(dir, 'keys.json');
      const original = newKeyFile();
      writeKeyFile(file, original);
      const old = new Keyring(original);
      const blob = old.encrypt('x', 'aad');
      const r = addDataKey(file);
      expect(r).toMatchObject({ keyId: 'k2', previousKeyId: 'k1' });
      const loaded = loadKeyFile(file);
      expect(loaded.activeDataKey).toBe('k2');
      expect(loaded.dataKeys.k1).toBe(original.dataKeys.k1);
      expect(loaded.blindIndexKey).toBe(original.blindIndexKey);
      const next = new Keyring(loaded);
      expect(next.activeKeyId).toBe('k2');
      expect(next.decrypt(blob, 'aad', 'k1')).toBe('x');
      expect(addDataKey(file).keyId).toBe('k3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
