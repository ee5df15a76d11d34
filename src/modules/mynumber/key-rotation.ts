import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { actorLabel, operatorActor, type Actor } from '../../security/actor.js';
import { loadKeyFile, writeKeyFile } from '../../security/keyring.js';
import { AppError } from '../../http/errors.js';
import { jimuAuditDetail, safeJimuCode } from './jimu.js';
import { myNumberAad } from './mynumber.rules.js';
import { DecryptError, JimuRefusal, MY_NUMBER_KINDS } from './mynumber.service.js';

export interface RotateProgress {
  batch: number;
  /** Values re-encrypted so far in this run (stored rows and pending changes). */
  done: number;
  /** Values that were not under the target key when this run started. */
  total: number;
}

export interface RotateOptions {
  /** The key to re-encrypt under; default the key file's active key. */
  toKeyId?: string;
  batchSize?: number;
  /** The 事務 the rotation runs under (jimu.yaml, use 'rotate'). */
  jimu: string | undefined;
  actor?: Actor;
  /** Called after each committed batch; a throw stops the run (what is committed stays: re-run to finish). */
  onProgress?: (p: RotateProgress) => void | Promise<void>;
}

export interface RotateResult {
  runId: string;
  toKeyId: string;
  rotated: number;
  pendingRotated: number;
  batches: number;
}

/**
 * Key rotation of stored My Numbers (security.md §7 item 9): re-encrypt every value not yet under the
 * target key, in batches, each batch one transaction with its audit record. Resumable by
 * construction: each batch selects `WHERE key_id <> target`, so a run killed halfway and started
 * again re-encrypts only what is left, and a value is never re-encrypted twice. Pending changes
 * (their payload holds a ciphertext for the target row) are rotated the same way. Old keys stay in
 * the key file for decryption until nothing refers to them.
 */
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
  const jimu = check.jimu;
  if (!deps.keyring.hasKey(toKeyId)) throw new AppError(400, 'unknown_key', `暗号鍵 ${toKeyId} が鍵ファイルにありません`);

  const runId = actor.kind === 'operator' ? actor.runId : randomUUID();
  const label = actorLabel(actor);
  const countRows = async () => Number((await db.selectFrom('person_my_number').select((eb) => eb.fn.countAll<number>().as('n')).where('key_id', '<>', toKeyId).executeTakeFirstOrThrow()).n);
  const pendingQuery = (q: Kysely<DB> | Transaction<DB>) =>
    q
      .selectFrom('pending_change')
      .where('status', '=', 'pending')
      .where('kind', 'in', [MY_NUMBER_KINDS.register, MY_NUMBER_KINDS.correct])
      .where(sql<boolean>`payload ? 'ciphertext'`)
      .where(sql<string>`payload->>'keyId'`, '<>', toKeyId);
  const total = (await countRows()) + Number((await pendingQuery(db).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('job_run')
      .values({ run_id: runId, job: 'keys-rotate', actor: label, params: JSON.stringify({ toKeyId, batchSize, jimu: jimu.code }), status: 'running', progress: JSON.stringify({ done: 0, total }) })
      .onConflict((oc) => oc.column('run_id').doUpdateSet({ status: 'running', finished_at: null }))
      .execute();
  });

  let done = 0;
  let rotated = 0;
  let pendingRotated = 0;
  let batch = 0;
  try {
    // 1. Stored numbers.
    for (;;) {
      const n = await db.transaction().execute(async (tx) => {
        await sql`SELECT set_config('nhi.actor', ${label}, true)`.execute(tx);
        const rows = await tx
          .selectFrom('person_my_number')
          .select(['atena_no', 'ciphertext', 'key_id'])
          .where('key_id', '<>', toKeyId)
          .orderBy('atena_no')
          .limit(batchSize)
          .forUpdate()
          .skipLocked()
          .execute();
        if (rows.length === 0) return 0;
        const fromKeys: Record<string, number> = {};
        for (const r of rows) {
          const atenaNo = Number(r.atena_no);
          let plain: string;
          try {
            plain = deps.keyring.decrypt(r.ciphertext, myNumberAad(atenaNo), r.key_id);
          } catch {
            throw new DecryptError(atenaNo);
          }
          await tx
            .updateTable('person_my_number')
            .set({ ciphertext: deps.keyring.encrypt(plain, myNumberAad(atenaNo), toKeyId), key_id: toKeyId })
            .where('atena_no', '=', atenaNo)
            .where('key_id', '=', r.key_id)
            .execute();
          fromKeys[r.key_id] = (fromKeys[r.key_id] ?? 0) + 1;
        }
        await tx.updateTable('job_run').set({ progress: JSON.stringify({ done: done + rows.length, total, batch: batch + 1 }) }).where('run_id', '=', runId).execute();
        await deps.audit.append(tx, actor, {
          functionCode: 'mynumber.write',
          action: 'my_number.rotate_keys',
          subjects: rows.map((r) => Number(r.atena_no)),
          detail: { ...jimuAuditDetail(jimu), runId, batch: batch + 1, target: 'person_my_number', rows: rows.length, fromKeys, toKeyId },
        });
        return rows.length;
      });
      if (n === 0) break;
      batch++;
      done += n;
      rotated += n;
      await opts.onProgress?.({ batch, done, total });
    }

    // 2. Ciphertexts waiting in pending changes (encrypted for their target row).
    for (;;) {
      const n = await db.transaction().execute(async (tx) => {
        await sql`SELECT set_config('nhi.actor', ${label}, true)`.execute(tx);
        const rows = await pendingQuery(tx).select(['change_id', 'atena_no', 'payload']).orderBy('change_id').limit(batchSize).forUpdate().skipLocked().execute();
        if (rows.length === 0) return 0;
        const fromKeys: Record<string, number> = {};
        for (const r of rows) {
          const p = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { ciphertext: string; keyId: string };
          const atenaNo = Number(r.atena_no);
          let plain: string;
          try {
            plain = deps.keyring.decrypt(p.ciphertext, myNumberAad(atenaNo), p.keyId);
          } catch {
            throw new DecryptError(atenaNo);
          }
          const next = { ...p, ciphertext: deps.keyring.encrypt(plain, myNumberAad(atenaNo), toKeyId), keyId: toKeyId };
          await tx.updateTable('pending_change').set({ payload: JSON.stringify(next) }).where('change_id', '=', r.change_id).where('status', '=', 'pending').execute();
          fromKeys[p.keyId] = (fromKeys[p.keyId] ?? 0) + 1;
        }
        await tx.updateTable('job_run').set({ progress: JSON.stringify({ done: done + rows.length, total, batch: batch + 1 }) }).where('run_id', '=', runId).execute();
        await deps.audit.append(tx, actor, {
          functionCode: 'mynumber.write',
          action: 'my_number.rotate_keys',
          subjects: [...new Set(rows.map((r) => Number(r.atena_no)))],
          detail: { ...jimuAuditDetail(jimu), runId, batch: batch + 1, target: 'pending_change', rows: rows.length, fromKeys, toKeyId },
        });
        return rows.length;
      });
      if (n === 0) break;
      batch++;
      done += n;
      pendingRotated += n;
      await opts.onProgress?.({ batch, done, total });
    }
  } catch (e) {
    await db
      .updateTable('job_run')
      .set({ status: 'failed', finished_at: new Date(), result: JSON.stringify({ rotated, pendingRotated, batches: batch, error: e instanceof DecryptError ? 'decrypt_failed' : 'interrupted' }) })
      .where('run_id', '=', runId)
      .execute()
      .catch(() => undefined);
    throw e;
  }

  const result: RotateResult = { runId, toKeyId, rotated, pendingRotated, batches: batch };
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('job_run').set({ status: 'completed', finished_at: new Date(), result: JSON.stringify(result) }).where('run_id', '=', runId).execute();
    await deps.audit.append(tx, actor, {
      functionCode: 'mynumber.write',
      action: 'my_number.rotate_keys.complete',
      detail: { ...jimuAuditDetail(jimu), runId, toKeyId, rotated, pendingRotated, batches: batch },
    });
  });
  return result;
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
