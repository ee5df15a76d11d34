import type { Kysely, Selectable } from 'kysely';
import type { AuditEventTable, DB } from '../../db/schema.js';
import type { Keyring } from '../../security/keyring.js';
import { chainHash, checkpointMessage, GENESIS_HASH, type AuditRecord } from './audit.rules.js';

export interface VerifyResult {
  ok: boolean;
  records: number;
  checkpoints: number;
  lastSeq: number;
  /** The first problem found, naming the record. */
  problem?: { seq: number; kind: 'gap' | 'prev_hash' | 'row_hash' | 'checkpoint_signature' | 'checkpoint_mismatch' | 'truncated'; message: string };
}

const BATCH = 5000;

/** A stored audit row as the record the chain hash covers (the same recipe the writer used). */
export function recordOfRow(r: Selectable<AuditEventTable>): AuditRecord {
  return {
    seq: Number(r.seq),
    occurredAt: r.occurred_at.toISOString(),
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    sessionRef: r.session_ref,
    terminal: r.terminal,
    ip: r.ip,
    functionCode: r.function_code,
    action: r.action,
    subjects: (r.subjects ?? []).map(Number),
    detail: r.detail,
    outcome: r.outcome,
    correlationId: r.correlation_id,
  };
}

/**
 * Walks the whole chain in order and proves it untampered:
 *  - seq runs 1, 2, 3 … with no gap (a deleted record leaves a gap),
 *  - each prev_hash is the previous row_hash (a record inserted out of order breaks this),
 *  - each row_hash recomputes from the record's content (an edited record breaks this),
 *  - every checkpoint is signed by the key outside the database and matches the record it names,
 *  - the chain reaches the newest checkpoint (a tail truncated past a checkpoint is caught).
 */
export async function verifyAuditTrail(db: Kysely<DB>, keyring: Keyring, onProgress?: (n: number) => void): Promise<VerifyResult> {
  const checkpoints = await db.selectFrom('audit_checkpoint').selectAll().orderBy('seq').execute();
  const cpBySeq = new Map(checkpoints.map((c) => [c.seq, c]));
  for (const cp of checkpoints) {
    if (!keyring.verifySignature(checkpointMessage(cp.seq, cp.row_hash, cp.created_at.toISOString()), cp.signature)) {
      return { ok: false, records: 0, checkpoints: checkpoints.length, lastSeq: 0, problem: { seq: cp.seq, kind: 'checkpoint_signature', message: `チェックポイント(通番 ${cp.seq})の署名が正しくありません` } };
    }
  }
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let records = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_event').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(BATCH).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const fail = (kind: NonNullable<VerifyResult['problem']>['kind'], message: string): VerifyResult => ({
        ok: false,
        records,
        checkpoints: checkpoints.length,
        lastSeq: expectedSeq - 1,
        problem: { seq: kind === 'gap' ? expectedSeq : r.seq, kind, message },
      });
      if (r.seq !== expectedSeq) return fail('gap', `通番 ${expectedSeq} の記録がありません(削除された可能性があります。次の記録は通番 ${r.seq})`);
      if (r.prev_hash !== prevHash) return fail('prev_hash', `通番 ${r.seq} の前レコードハッシュが連鎖と一致しません(挿入または順序の改ざん)`);
      const record = recordOfRow(r);
      const hash = chainHash(prevHash, record);
      if (hash !== r.row_hash) return fail('row_hash', `通番 ${r.seq} の内容がハッシュと一致しません(記録が改ざんされています)`);
      const cp = cpBySeq.get(r.seq);
      if (cp && cp.row_hash !== r.row_hash) return fail('checkpoint_mismatch', `通番 ${r.seq} がチェックポイントのハッシュと一致しません`);
      prevHash = r.row_hash;
      expectedSeq++;
      records++;
    }
    onProgress?.(records);
  }
  const lastSeq = expectedSeq - 1;
  const newestCp = checkpoints.at(-1);
  if (newestCp && newestCp.seq > lastSeq) {
    return {
      ok: false,
      records,
      checkpoints: checkpoints.length,
      lastSeq,
      problem: { seq: lastSeq + 1, kind: 'truncated', message: `通番 ${lastSeq + 1} 以降の記録がありません。チェックポイント(通番 ${newestCp.seq})より前で末尾が削除されています` },
    };
  }
  return { ok: true, records, checkpoints: checkpoints.length, lastSeq };
}
