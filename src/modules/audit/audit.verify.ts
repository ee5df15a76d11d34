import type { Kysely, Selectable } from 'kysely';
import type { AuditEventTable, AuditSealCheckpointTable, DB } from '../../db/schema.js';
import type { Keyring } from '../../security/keyring.js';
import type { AnchorEntry } from './audit.anchors.js';
import { chainHash, checkpointMessage, GENESIS_HASH, recordText, sealCheckpointMessage, sealHash, type AuditRecord } from './audit.rules.js';

export type ProblemKind =
  | 'anchor_unreadable'
  | 'anchor_signature'
  | 'no_anchor'
  | 'no_checkpoint'
  | 'checkpoint_signature'
  | 'checkpoint_missing'
  | 'checkpoint_mismatch'
  | 'row_mac'
  | 'row_hash'
  | 'prev_hash'
  | 'seal_gap'
  | 'seal_chain'
  | 'seal_mismatch'
  | 'deleted'
  | 'inserted'
  | 'truncated'
  | 'unsealed_stale';

export interface VerifyResult {
  ok: boolean;
  records: number;
  checkpoints: number;
  anchors: number;
  /** The highest sealed number (chained and covered by the seal chain). */
  sealedSeq: number;
  /** Records not sealed yet (newer than the sealed head). */
  unsealed: number;
  lastSeq: number;
  /** The first problem found, naming the record, checkpoint or anchor line. */
  problem?: { seq: number; kind: ProblemKind; message: string };
}

export interface VerifyOptions {
  /** The anchors kept outside the database (the anchor file). */
  anchors: readonly AnchorEntry[];
  /** A record not sealed this long after it was written is a failure (the sealer stopped, or tampering). */
  unsealedMaxAgeMs?: number;
  now?: Date;
  onProgress?: (n: number) => void;
}

/** The sealer runs every half second; ten minutes unsealed means it is not running or was stopped. */
export const UNSEALED_MAX_AGE_MS = 10 * 60_000;
const BATCH = 5000;

/** A stored audit row as the record its MAC (or older hash) covers (the same recipe the writer used). */
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

class Failure extends Error {
  constructor(
    readonly seq: number,
    readonly kind: ProblemKind,
    message: string,
  ) {
    super(message);
  }
}

/** The anchors against the checkpoints: every anchor is signed and names a checkpoint that is still there, unchanged. */
function checkAnchors(anchors: readonly AnchorEntry[], cpBySeq: Map<number, Selectable<AuditSealCheckpointTable>>, keyring: Keyring): void {
  for (const e of anchors) {
    if ('unreadable' in e) throw new Failure(0, 'anchor_unreadable', `アンカーファイルの ${e.line} 行目を読めません(改ざんまたは破損): ${e.unreadable}`);
    const a = e.anchor;
    if (!keyring.verifySignature(sealCheckpointMessage(a.seq, a.chainHash, a.createdAt), a.signature)) {
      throw new Failure(a.seq, 'anchor_signature', `アンカーファイルの ${e.line} 行目(通番 ${a.seq})の署名が正しくありません`);
    }
    const cp = cpBySeq.get(a.seq);
    if (!cp) throw new Failure(a.seq, 'checkpoint_missing', `通番 ${a.seq} のチェックポイントがデータベースにありません(アンカーファイル ${e.line} 行目にはあります。削除された可能性があります)`);
    if (cp.chain_hash !== a.chainHash || cp.created_at.toISOString() !== a.createdAt || cp.signature !== a.signature) {
      throw new Failure(a.seq, 'checkpoint_mismatch', `通番 ${a.seq} のチェックポイントがアンカーファイル ${e.line} 行目と一致しません(書き換えられています)`);
    }
  }
}

/**
 * Proves the trail untampered:
 *  - every record's HMAC (key outside the database) matches its content and number: an edited, renumbered
 *    or forged record is caught, sealed or not; records before the sealing migration keep their SHA-256 chain;
 *  - the seal chain covers every number 1…sealed head in order (a gap sealed as such), each seal naming the
 *    record's digest: a sealed record deleted, or added into a sealed gap, is caught;
 *  - every checkpoint is signed and matches the chain; every anchor outside the database is signed and
 *    matches its checkpoint (deleted or rewritten checkpoints are caught); a trail with records needs both;
 *  - the seal chain reaches the newest checkpoint (a truncated tail is caught);
 *  - no record stays unsealed longer than the bound.
 */
export async function verifyAuditTrail(db: Kysely<DB>, keyring: Keyring, opts: VerifyOptions): Promise<VerifyResult> {
  const now = opts.now ?? new Date();
  const maxAge = opts.unsealedMaxAgeMs ?? UNSEALED_MAX_AGE_MS;
  const checkpoints = await db.selectFrom('audit_seal_checkpoint').selectAll().orderBy('seq').execute();
  const legacyCheckpoints = await db.selectFrom('audit_checkpoint').selectAll().orderBy('seq').execute();
  const cpBySeq = new Map(checkpoints.map((c) => [Number(c.seq), c]));
  const legacyCpBySeq = new Map(legacyCheckpoints.map((c) => [Number(c.seq), c]));
  const anchorCount = opts.anchors.filter((a) => 'anchor' in a).length;
  const sealHead = await db.selectFrom('audit_seal').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const eventHead = await db.selectFrom('audit_event').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const sealedSeq = sealHead ? Number(sealHead.seq) : 0;
  const lastSeq = Math.max(sealedSeq, eventHead ? Number(eventHead.seq) : 0);
  let records = 0;
  let unsealed = 0;
  const result = (problem?: Failure): VerifyResult => ({
    ok: !problem,
    records,
    checkpoints: checkpoints.length,
    anchors: anchorCount,
    sealedSeq,
    unsealed,
    lastSeq,
    ...(problem ? { problem: { seq: problem.seq, kind: problem.kind, message: problem.message } } : {}),
  });

  try {
    for (const cp of checkpoints) {
      if (!keyring.verifySignature(sealCheckpointMessage(Number(cp.seq), cp.chain_hash, cp.created_at.toISOString()), cp.signature)) {
        throw new Failure(Number(cp.seq), 'checkpoint_signature', `チェックポイント(通番 ${cp.seq})の署名が正しくありません`);
      }
    }
    for (const cp of legacyCheckpoints) {
      if (!keyring.verifySignature(checkpointMessage(Number(cp.seq), cp.row_hash, cp.created_at.toISOString()), cp.signature)) {
        throw new Failure(Number(cp.seq), 'checkpoint_signature', `旧形式のチェックポイント(通番 ${cp.seq})の署名が正しくありません`);
      }
    }
    checkAnchors(opts.anchors, cpBySeq, keyring);
    if (lastSeq > 0 && checkpoints.length === 0) throw new Failure(0, 'no_checkpoint', '記録があるのに署名付きチェックポイントが1件もありません(削除された可能性があります)');
    if ((lastSeq > 0 || checkpoints.length > 0) && anchorCount === 0) {
      throw new Failure(0, 'no_anchor', 'アンカーファイルにアンカーが1件もありません。運用者が保管している写しを AUDIT_ANCHOR_FILE に指定してください');
    }
    const newestCp = checkpoints.at(-1);
    if (newestCp && Number(newestCp.seq) > sealedSeq) {
      throw new Failure(sealedSeq + 1, 'truncated', `通番 ${sealedSeq + 1} 以降の封印がありません。チェックポイント(通番 ${newestCp.seq})より前で末尾が削除されています`);
    }

    let chain = GENESIS_HASH;
    let legacyPrev = GENESIS_HASH;
    let sawMac = false;
    for (let from = 1; from <= lastSeq; from += BATCH) {
      const to = Math.min(lastSeq, from + BATCH - 1);
      const events = new Map((await db.selectFrom('audit_event').selectAll().where('seq', '>=', from).where('seq', '<=', to).execute()).map((r) => [Number(r.seq), r]));
      const seals = new Map((await db.selectFrom('audit_seal').selectAll().where('seq', '>=', from).where('seq', '<=', to).execute()).map((r) => [Number(r.seq), r]));
      for (let seq = from; seq <= to; seq++) {
        const ev = events.get(seq);
        if (ev) {
          records++;
          if (ev.row_mac !== null) {
            sawMac = true;
            if (keyring.auditMac(recordText(recordOfRow(ev))) !== ev.row_mac) throw new Failure(seq, 'row_mac', `通番 ${seq} の内容または通番が記録時のものと一致しません(記録が改ざんされています)`);
          } else {
            // A record of the older chain: only before the first record with a MAC, and only once sealed.
            if (sawMac || seq > sealedSeq) throw new Failure(seq, 'row_mac', `通番 ${seq} に記録の認証符号がありません(偽造された記録です)`);
            if (ev.prev_hash !== legacyPrev) throw new Failure(seq, 'prev_hash', `通番 ${seq} の前レコードハッシュが連鎖と一致しません(挿入または順序の改ざん)`);
            if (chainHash(legacyPrev, recordOfRow(ev)) !== ev.row_hash) throw new Failure(seq, 'row_hash', `通番 ${seq} の内容がハッシュと一致しません(記録が改ざんされています)`);
            const lcp = legacyCpBySeq.get(seq);
            if (lcp && lcp.row_hash !== ev.row_hash) throw new Failure(seq, 'checkpoint_mismatch', `通番 ${seq} が旧形式のチェックポイントのハッシュと一致しません`);
            legacyPrev = ev.row_hash!;
          }
        }
        if (seq > sealedSeq) {
          if (ev) {
            unsealed++;
            if (now.getTime() - ev.occurred_at.getTime() > maxAge) {
              throw new Failure(seq, 'unsealed_stale', `通番 ${seq} の記録が ${Math.round(maxAge / 60_000)} 分以上封印されていません(封印処理が止まっているか、改ざんの可能性があります)`);
            }
          }
          continue;
        }
        const seal = seals.get(seq);
        if (!seal) throw new Failure(seq, 'seal_gap', `通番 ${seq} の封印がありません(削除された可能性があります)`);
        const digest = ev ? (ev.row_mac ?? ev.row_hash) : null;
        if (seal.row_digest !== null && !ev) throw new Failure(seq, 'deleted', `通番 ${seq} の記録がありません(封印後に削除されています)`);
        if (seal.row_digest === null && ev) throw new Failure(seq, 'inserted', `通番 ${seq} は欠番として封印されていますが、記録があります(後から挿入されています)`);
        if (seal.row_digest !== digest) throw new Failure(seq, 'seal_mismatch', `通番 ${seq} の記録が封印時のものと異なります(差し替えられています)`);
        chain = sealHash(chain, seq, seal.row_digest);
        if (chain !== seal.chain_hash) throw new Failure(seq, 'seal_chain', `通番 ${seq} の封印の連鎖ハッシュが一致しません(封印が書き換えられています)`);
        const cp = cpBySeq.get(seq);
        if (cp && cp.chain_hash !== chain) throw new Failure(seq, 'checkpoint_mismatch', `通番 ${seq} までの連鎖がチェックポイント(通番 ${seq})と一致しません(記録または封印が書き換えられています)`);
      }
      opts.onProgress?.(records);
    }
    return result();
  } catch (e) {
    if (e instanceof Failure) return result(e);
    throw e;
  }
}
