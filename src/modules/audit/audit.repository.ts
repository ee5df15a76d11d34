import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Actor } from '../../security/actor.js';
import type { Keyring } from '../../security/keyring.js';
import { currentRequestTrail, noteAuditRecord } from '../../platform/request-trail.js';
import { noteRefusalRecorded } from './refusal-trail.js';
import { assertNoMyNumber, chainHash, checkpointMessage, GENESIS_HASH, redactMyNumberLike, type AuditRecord } from './audit.rules.js';

/** One lock key for the chain head: writers are serialized so the chain never forks. */
const AUDIT_CHAIN_LOCK = 7_041_955_001;
/** A signed checkpoint is written every this many records (and by the periodic timer). */
export const CHECKPOINT_EVERY = 500;

export interface AuditInput {
  functionCode: string;
  action: string;
  subjects?: readonly number[];
  detail?: Record<string, unknown>;
  outcome?: AuditRecord['outcome'];
  correlationId?: string | null;
}

export class AuditRepository {
  constructor(private readonly keyring: Keyring) {}

  /**
   * Append one record inside the caller's transaction: if the audit write fails, the business
   * operation fails with it. Call it last in the transaction to keep the chain lock short.
   */
  async append(tx: Transaction<DB> | Kysely<DB>, actor: Actor, input: AuditInput): Promise<number> {
    // Never a My Number in the trail: 12-digit runs are masked (user input may carry one), then checked.
    const detail = redactMyNumberLike(input.detail ?? {});
    assertNoMyNumber(detail);
    await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(tx);
    const head = await tx.selectFrom('audit_event').select(['seq', 'row_hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.row_hash ?? GENESIS_HASH;
    const record: AuditRecord = {
      seq,
      occurredAt: new Date().toISOString(),
      actorKind: actor.kind,
      actorId: actor.id,
      sessionRef: actor.kind === 'staff' ? actor.sessionRef : actor.kind === 'operator' ? actor.runId : null,
      terminal: actor.terminal ?? null,
      ip: actor.ip ?? null,
      functionCode: input.functionCode,
      action: input.action,
      subjects: [...(input.subjects ?? [])],
      detail,
      outcome: input.outcome ?? 'success',
      correlationId: input.correlationId ?? currentRequestTrail()?.correlationId ?? null,
    };
    const rowHash = chainHash(prevHash, record);
    await tx
      .insertInto('audit_event')
      .values({
        seq,
        occurred_at: new Date(record.occurredAt),
        actor_kind: record.actorKind,
        actor_id: record.actorId,
        session_ref: record.sessionRef,
        terminal: record.terminal,
        ip: record.ip,
        function_code: record.functionCode,
        action: record.action,
        subjects: sql`${`{${record.subjects.join(',')}}`}::bigint[]` as unknown as number[],
        detail: JSON.stringify(record.detail),
        outcome: record.outcome,
        correlation_id: record.correlationId,
        prev_hash: prevHash,
        row_hash: rowHash,
      })
      .execute();
    if (seq % CHECKPOINT_EVERY === 0) await this.writeCheckpoint(tx, seq, rowHash);
    noteAuditRecord(record.subjects);
    return seq;
  }

  /** Append in a transaction of its own (failed logins, denials: there is no business transaction). */
  async appendAlone(db: Kysely<DB>, actor: Actor, input: AuditInput): Promise<number> {
    const seq = await db.transaction().execute((tx) => this.append(tx, actor, input));
    if ((input.outcome ?? 'success') !== 'success') noteRefusalRecorded();
    return seq;
  }

  private async writeCheckpoint(tx: Transaction<DB> | Kysely<DB>, seq: number, rowHash: string): Promise<void> {
    const createdAt = new Date();
    const signature = this.keyring.sign(checkpointMessage(seq, rowHash, createdAt.toISOString()));
    await tx.insertInto('audit_checkpoint').values({ seq, row_hash: rowHash, created_at: createdAt, signature }).onConflict((oc) => oc.column('seq').doNothing()).execute();
  }

  /** Sign the current chain head, if it moved since the last checkpoint. Returns the seq signed. */
  async checkpoint(db: Kysely<DB>): Promise<number | null> {
    return db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(tx);
      const head = await tx.selectFrom('audit_event').select(['seq', 'row_hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      if (!head) return null;
      const last = await tx.selectFrom('audit_checkpoint').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      if (last && last.seq >= head.seq) return null;
      await this.writeCheckpoint(tx, head.seq, head.row_hash);
      return head.seq;
    });
  }
}
