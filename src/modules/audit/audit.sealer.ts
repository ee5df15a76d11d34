import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Keyring } from '../../security/keyring.js';
import type { Anchor, AnchorLog } from './audit.anchors.js';
import { GENESIS_HASH, sealCheckpointMessage, sealHash } from './audit.rules.js';

/** Only one sealer at a time (server, CLI): the others skip their turn. Requests never take it. */
const SEALER_LOCK = 7_041_955_002;
/** A signed, anchored checkpoint after this many sealed numbers … */
export const CHECKPOINT_EVERY = 500;
/** … or this long after the last one, whichever comes first (while the trail moves). */
export const CHECKPOINT_INTERVAL_MS = 30_000;
const BATCH = 2000;

/**
 * Numbers handed out up to `upTo`; final once every transaction with an id below `xmax` has ended
 * (audit_next_seq() gives a transaction its id before its number, so a number not yet committed
 * belongs to a transaction with an id below xmax).
 */
interface Horizon {
  upTo: number;
  xmax: bigint;
}

/**
 * Chains every audit number in order into audit_seal, signs checkpoints and anchors them outside the
 * database. Runs in the background of the server (tick) and before `audit verify` (sealNow).
 */
export class AuditSealer {
  private pending: Horizon | null = null;
  private lastCheckpointAt = Date.now();
  /** The newest anchored number: never checkpoint at or below it again (a deleted checkpoint stays missing). */
  private anchoredSeq: number | null = null;

  constructor(
    private readonly keyring: Keyring,
    readonly anchors: AnchorLog,
  ) {}

  private async horizon(db: Kysely<DB>): Promise<Horizon> {
    // First the numbers handed out, then the transaction-id bound: every transaction holding one of
    // those numbers already had its id, below this xmax.
    const s = await sql<{ last_value: number; is_called: boolean }>`SELECT last_value, is_called FROM audit_event_seq`.execute(db);
    const x = await sql<{ xmax: string }>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`.execute(db);
    const seq = s.rows[0]!;
    return { upTo: Number(seq.last_value) - (seq.is_called ? 0 : 1), xmax: BigInt(x.rows[0]!.xmax) };
  }

  private async isFinal(db: Kysely<DB>, h: Horizon): Promise<boolean> {
    const r = await sql<{ xmin: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`.execute(db);
    return BigInt(r.rows[0]!.xmin) >= h.xmax;
  }

  /** One background step: seal what became final since the last step, checkpoint when due. */
  async tick(db: Kysely<DB>): Promise<void> {
    if (this.pending && (await this.isFinal(db, this.pending))) {
      await this.sealTo(db, this.pending.upTo, false);
      this.pending = null;
    }
    if (!this.pending) this.pending = await this.horizon(db);
  }

  /**
   * Seal every number handed out until now (waiting up to `waitMs` for transactions still open — a
   * loaded server may hold one for seconds; a verify can wait) and
   * write a checkpoint of the sealed head if it moved. Returns the checkpoint's number, or null.
   */
  async sealNow(db: Kysely<DB>, waitMs = 30_000): Promise<number | null> {
    const h = await this.horizon(db);
    const until = Date.now() + waitMs;
    while (!(await this.isFinal(db, h))) {
      if (Date.now() > until) throw new Error(`監査記録の封印を待てませんでした: 通番 ${h.upTo} までを持つトランザクションが ${waitMs / 1000} 秒以上終わっていません`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.sealTo(db, h.upTo, true);
  }

  private async sealTo(db: Kysely<DB>, upTo: number, forceCheckpoint: boolean): Promise<number | null> {
    this.anchoredSeq ??= Math.max(0, ...this.anchors.read().map((e) => ('anchor' in e ? e.anchor.seq : 0)));
    const anchoredSeq = this.anchoredSeq;
    const anchor = await db.transaction().execute(async (tx): Promise<Anchor | null> => {
      const lock = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${SEALER_LOCK}) AS ok`.execute(tx);
      if (!lock.rows[0]!.ok) return null;
      const last = await tx.selectFrom('audit_seal').select(['seq', 'chain_hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      let seq = last ? Number(last.seq) : 0;
      let chain = last?.chain_hash ?? GENESIS_HASH;
      while (seq < upTo) {
        const to = Math.min(upTo, seq + BATCH);
        const rows = await tx.selectFrom('audit_event').select(['seq', 'row_mac', 'row_hash']).where('seq', '>', seq).where('seq', '<=', to).execute();
        const digests = new Map(rows.map((r) => [Number(r.seq), r.row_mac ?? r.row_hash]));
        const seals = [];
        for (let s = seq + 1; s <= to; s++) {
          const digest = digests.get(s) ?? null;
          chain = sealHash(chain, s, digest);
          seals.push({ seq: s, row_digest: digest, chain_hash: chain });
        }
        await tx.insertInto('audit_seal').values(seals).execute();
        seq = to;
      }
      if (seq === 0) return null;
      const cp = await tx.selectFrom('audit_seal_checkpoint').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const cpSeq = cp ? Number(cp.seq) : 0;
      const due = forceCheckpoint || seq - cpSeq >= CHECKPOINT_EVERY || Date.now() - this.lastCheckpointAt >= CHECKPOINT_INTERVAL_MS;
      if (seq <= Math.max(cpSeq, anchoredSeq) || !due) return null;
      const createdAt = new Date();
      const signature = this.keyring.sign(sealCheckpointMessage(seq, chain, createdAt.toISOString()));
      await tx.insertInto('audit_seal_checkpoint').values({ seq, chain_hash: chain, created_at: createdAt, signature }).execute();
      return { seq, chainHash: chain, createdAt: createdAt.toISOString(), signature };
    });
    if (!anchor) return null;
    // After the commit: an anchor always names a checkpoint that exists.
    this.anchors.append(anchor);
    this.anchoredSeq = anchor.seq;
    this.lastCheckpointAt = Date.now();
    return anchor.seq;
  }
}
