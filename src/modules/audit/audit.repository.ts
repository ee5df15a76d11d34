import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Actor } from '../../security/actor.js';
import type { Keyring } from '../../security/keyring.js';
import { currentRequestTrail, noteAuditRecord, noteRefusalRecorded } from '../../platform/request-trail.js';
import { assertNoMyNumber, recordText, redactMyNumberLike, type AuditRecord } from './audit.rules.js';
import { MemoryAnchorLog, type AnchorLog } from './audit.anchors.js';
import { AuditSealer } from './audit.sealer.js';
import { verifyAuditTrail, type VerifyOptions, type VerifyResult } from './audit.verify.js';

export interface AuditInput {
  functionCode: string;
  action: string;
  subjects?: readonly number[];
  detail?: Record<string, unknown>;
  outcome?: AuditRecord['outcome'];
  correlationId?: string | null;
}

export class AuditRepository {
  readonly sealer: AuditSealer;

  constructor(
    private readonly keyring: Keyring,
    anchors: AnchorLog = new MemoryAnchorLog(),
  ) {
    this.sealer = new AuditSealer(keyring, anchors);
  }

  /**
   * Append one record inside the caller's transaction: if the audit write fails, the business
   * operation fails with it, and a committed operation always has its record. No lock: the number comes
   * from a sequence, the record carries its own HMAC, and the sealer chains the records later.
   */
  async append(tx: Transaction<DB> | Kysely<DB>, actor: Actor, input: AuditInput): Promise<number> {
    // Never a My Number in the trail: 12-digit runs are masked (user input may carry one), then checked.
    const detail = redactMyNumberLike(input.detail ?? {});
    assertNoMyNumber(detail);
    const next = await sql<{ seq: number }>`SELECT audit_next_seq() AS seq`.execute(tx);
    const seq = Number(next.rows[0]!.seq);
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
        row_mac: this.keyring.auditMac(recordText(record)),
      })
      .execute();
    noteAuditRecord();
    return seq;
  }

  /** Append in a transaction of its own (failed logins, denials: there is no business transaction). */
  async appendAlone(db: Kysely<DB>, actor: Actor, input: AuditInput): Promise<number> {
    const seq = await db.transaction().execute((tx) => this.append(tx, actor, input));
    if ((input.outcome ?? 'success') !== 'success') noteRefusalRecorded();
    return seq;
  }

  /** Seal everything handed out so far and sign (and anchor) the sealed head if it moved. Returns its number. */
  async checkpoint(db: Kysely<DB>): Promise<number | null> {
    return this.sealer.sealNow(db);
  }

  /** Seal and checkpoint what is there, then verify the whole trail against the anchors. */
  async verify(db: Kysely<DB>, opts: Omit<VerifyOptions, 'anchors'> = {}): Promise<VerifyResult> {
    await this.checkpoint(db);
    return verifyAuditTrail(db, this.keyring, { ...opts, anchors: this.sealer.anchors.read() });
  }
}
