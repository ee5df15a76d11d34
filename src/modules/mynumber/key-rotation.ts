import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { operatorActor, type Actor } from '../../security/actor.js';
import { loadKeyFile, writeKeyFile, type Keyring } from '../../security/keyring.js';
import { AppError } from '../../http/errors.js';
import { runBatch, type BatchJob } from '../../platform/batch/batch-runner.js';
import { jimuAuditDetail, safeJimuCode, type Jimu } from './jimu.js';
import { myNumberAad } from './mynumber.rules.js';
import { DecryptError, JimuRefusal, MY_NUMBER_KINDS } from './mynumber.service.js';

export interface RotateProgress {
  /** The chunk just committed (numbered across resumes of the run). */
  batch: number;
  /** Values re-encrypted so far in this run, across resumes (stored rows and pending changes). */
  done: number;
  /** done + what was left when this call started. */
  total: number;
}

export interface RotateOptions {
  /** The key to re-encrypt under; default the key file's active key. */
  toKeyId?: string;
  batchSize?: number;
  /** The 事務 the rotation runs under (jimu.yaml, use 'rotate'). */
  jimu: string | undefined;
  actor?: Actor;
  /** Called after each committed batch; a throw stops the run (what is committed stays: run again to resume). */
  onProgress?: (p: RotateProgress) => void | Promise<void>;
}

export interface RotateResult {
  runId: string;
  toKeyId: string;
  /** Counts of the whole run, across resumes. */
  rotated: number;
  pendingRotated: number;
  batches: number;
  /** This call continued an interrupted run. */
  resumed: boolean;
}

type RotateParams = { toKeyId: string; jimu: string };
type RotateCursor = { phase: 'stored' | 'pending' };

/**
 * Key rotation of stored My Numbers (security.md §7 item 9) as a batch job (src/platform/batch): re-encrypt
 * every value not yet under the target key, a chunk at a time, each chunk one transaction with its
 * checkpoint and its audit record. Each chunk selects `WHERE key_id <> target`, so a value is never
 * re-encrypted twice; a run killed halfway is resumed by the next start (same run, counts continued).
 * Pending changes (their payload holds a ciphertext for the target row) are rotated after the stored
 * rows. Old keys stay in the key file for decryption until nothing refers to them.
 */
function keyRotationJob(keyring: Keyring, jimu: Jimu): BatchJob<RotateParams, RotateCursor> {
  const pendingQuery = (q: Kysely<DB> | Transaction<DB>, toKeyId: string) =>
    q
      .selectFrom('pending_change')
      .where('status', '=', 'pending')
      .where('kind', 'in', [MY_NUMBER_KINDS.register, MY_NUMBER_KINDS.correct])
      .where(sql<boolean>`payload ? 'ciphertext'`)
      .where(sql<string>`payload->>'keyId'`, '<>', toKeyId);

  async function storedChunk(tx: Transaction<DB>, toKeyId: string, size: number): Promise<{ subjects: number[]; fromKeys: Record<string, number> }> {
    const rows = await tx.selectFrom('person_my_number').select(['atena_no', 'ciphertext', 'key_id']).where('key_id', '<>', toKeyId).orderBy('atena_no').limit(size).forUpdate().skipLocked().execute();
    const fromKeys: Record<string, number> = {};
    for (const r of rows) {
      const atenaNo = Number(r.atena_no);
      let plain: string;
      try {
        plain = keyring.decrypt(r.ciphertext, myNumberAad(atenaNo), r.key_id);
      } catch {
        throw new DecryptError(atenaNo);
      }
      await tx
        .updateTable('person_my_number')
        .set({ ciphertext: keyring.encrypt(plain, myNumberAad(atenaNo), toKeyId), key_id: toKeyId })
        .where('atena_no', '=', atenaNo)
        .where('key_id', '=', r.key_id)
        .execute();
      fromKeys[r.key_id] = (fromKeys[r.key_id] ?? 0) + 1;
    }
    return { subjects: rows.map((r) => Number(r.atena_no)), fromKeys };
  }

  async function pendingChunk(tx: Transaction<DB>, toKeyId: string, size: number): Promise<{ subjects: number[]; fromKeys: Record<string, number> }> {
    const rows = await pendingQuery(tx, toKeyId).select(['change_id', 'atena_no', 'payload']).orderBy('change_id').limit(size).forUpdate().skipLocked().execute();
    const fromKeys: Record<string, number> = {};
    for (const r of rows) {
      const p = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { ciphertext: string; keyId: string };
      const atenaNo = Number(r.atena_no);
      let plain: string;
      try {
        plain = keyring.decrypt(p.ciphertext, myNumberAad(atenaNo), p.keyId);
      } catch {
        throw new DecryptError(atenaNo);
      }
      const next = { ...p, ciphertext: keyring.encrypt(plain, myNumberAad(atenaNo), toKeyId), keyId: toKeyId };
      await tx.updateTable('pending_change').set({ payload: JSON.stringify(next) }).where('change_id', '=', r.change_id).where('status', '=', 'pending').execute();
      fromKeys[p.keyId] = (fromKeys[p.keyId] ?? 0) + 1;
    }
    return { subjects: rows.map((r) => Number(r.atena_no)), fromKeys };
  }

  return {
    name: 'keys-rotate',
    label: '個人番号の再暗号化',
    functionCode: 'mynumber.write',
    async remaining(db, p) {
      const stored = await db.selectFrom('person_my_number').select((eb) => eb.fn.countAll<number>().as('n')).where('key_id', '<>', p.toKeyId).executeTakeFirstOrThrow();
      const pending = await pendingQuery(db, p.toKeyId).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(stored.n) + Number(pending.n);
    },
    async chunk(tx, ctx) {
      const { toKeyId } = ctx.params;
      for (const phase of ['stored', 'pending'] as const) {
        if (phase === 'stored' && ctx.cursor?.phase === 'pending') continue;
        const r = phase === 'stored' ? await storedChunk(tx, toKeyId, ctx.chunkSize) : await pendingChunk(tx, toKeyId, ctx.chunkSize);
        if (r.subjects.length === 0) continue;
        const target = phase === 'stored' ? 'person_my_number' : 'pending_change';
        return {
          cursor: { phase },
          processed: r.subjects.length,
          counts: { [phase === 'stored' ? 'rotated' : 'pendingRotated']: r.subjects.length },
          audit: {
            action: 'my_number.rotate_keys',
            subjects: [...new Set(r.subjects)],
            detail: { ...jimuAuditDetail(jimu), target, rows: r.subjects.length, fromKeys: r.fromKeys, toKeyId },
          },
        };
      }
      return null;
    },
  };
}

export async function rotateMyNumberKeys(deps: Pick<Deps, 'database' | 'keyring' | 'audit' | 'myNumbers'>, opts: RotateOptions): Promise<RotateResult> {
  const { db } = deps.database;
  const actor = opts.actor ?? operatorActor('keys-rotate', new Set(['mynumber.write']));
  const toKeyId = opts.toKeyId ?? deps.keyring.activeKeyId;
  const batchSize = opts.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new AppError(400, 'bad_option', '--batch-size は1〜10000の整数で指定してください');

  const check = deps.myNumbers.jimu.check(opts.jimu, 'rotate');
  if (!check.ok) {
    await deps.audit.appendAlone(db, actor, { functionCode: 'mynumber.write', action: 'my_number.rotate_keys', outcome: 'denied', detail: { jimu: safeJimuCode(opts.jimu), reason: `jimu_${check.reason}` } });
    throw new JimuRefusal(check.message, `jimu_${check.reason}`);
  }
  if (!deps.keyring.hasKey(toKeyId)) throw new AppError(400, 'unknown_key', `暗号鍵 ${toKeyId} が鍵ファイルにありません`);

  const onProgress = opts.onProgress;
  const r = await runBatch(deps, keyRotationJob(deps.keyring, check.jimu), { toKeyId, jimu: check.jimu.code }, {
    actor,
    chunkSize: batchSize,
    ...(onProgress ? { onProgress: (p: { done: number; total: number; chunkNo: number }) => onProgress({ batch: p.chunkNo, done: p.done, total: p.total }) } : {}),
  });
  return { runId: r.runId, toKeyId, rotated: r.counts.rotated ?? 0, pendingRotated: r.counts.pendingRotated ?? 0, batches: r.chunks, resumed: r.resumed };
}

/**
 * Add a fresh AES-256 data key to the key file and make it the active one (new values are encrypted
 * under it). Old keys stay so existing values still decrypt; run `keys-rotate` to move them. The
 * blind-index key is not changed (that would need every number re-indexed from plaintext).
 */
export function addDataKey(file: string): { keyId: string; previousKeyId: string; keyIds: string[] } {
  const keys = loadKeyFile(file);
  const used = Object.keys(keys.dataKeys);
  let n = Math.max(0, ...used.map((id) => Number(/^k(\d+)$/.exec(id)?.[1] ?? 0))) + 1;
  while (used.includes(`k${n}`)) n++;
  const keyId = `k${n}`;
  const previousKeyId = keys.activeDataKey;
  writeKeyFile(file, { ...keys, dataKeys: { ...keys.dataKeys, [keyId]: randomBytes(32).toString('base64') }, activeDataKey: keyId });
  return { keyId, previousKeyId, keyIds: [...used, keyId] };
}
