import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { actorLabel, type Actor } from '../security/actor.js';
import type { AuditRepository } from '../modules/audit/audit.repository.js';
import { AppError } from '../http/errors.js';
import { RecordScope } from '../modules/access/record-scope.js';

export type Tx = Transaction<DB>;

/** How a refused or failed use case is recorded; undefined: not a refusal this use case knows (rethrown unrecorded). */
export type RefusalRecord = { outcome: 'denied' | 'failure' | 'error'; reason: string; detail?: Record<string, unknown> } | undefined;

/** What a use case is, for the audit trail: the business function it serves and the action. */
export interface UseCaseSpec {
  functionCode: string;
  action: string;
  correlationId?: string | null;
  /**
   * Subjects known before the use case runs (e.g. the 宛名番号 in the path). Read again when a refusal
   * is recorded, so a caller may keep pushing to the same array.
   */
  subjects?: readonly number[];
  /** Detail recorded with success and refusal alike (never a My Number: the writer masks and checks). */
  detail?: Record<string, unknown>;
  /** Record other errors too (e.g. a decryption failure), or describe an AppError differently. */
  refusal?: (e: unknown) => RefusalRecord;
}

export interface UseCaseContext {
  tx: Tx;
  actor: Actor;
  /** The actor's record scope, resolved once per use case (one access service for every module). */
  scope: RecordScope;
  /** Name the persons this use case read or changed: they become the audit record's subjects. */
  subjects(atenaNos: Iterable<number>): void;
  /** Add to the audit record's detail. */
  detail(d: Record<string, unknown>): void;
  /** Leave the success record out: the use case appended its own record (e.g. approvals.submit does). */
  skipSuccessRecord(): void;
  /** Name the action once the use case knows what it acts on (e.g. the kind of change decided); refusals use it too. */
  setAction(action: string): void;
}

function defaultRefusal(e: unknown): RefusalRecord {
  if (!(e instanceof AppError)) return undefined;
  return { outcome: 'denied', reason: e.code, ...(e.fields ? { detail: { fields: e.fields.map((x) => x.field) } } : {}) };
}

/**
 * The one choke point of every service operation (use case): one transaction with the actor set
 * (`nhi.actor`, which the history triggers require), the record scope resolved once, and the audit
 * record appended last in the same transaction — so a committed read or write always has its record.
 * A refusal (AppError) rolls the work back and is recorded in a transaction of its own, with the
 * subjects known so far and outcome 'denied' (permission, scope and unknown records alike).
 */
export async function runUseCase<T>(db: Kysely<DB>, audit: AuditRepository, actor: Actor, spec: UseCaseSpec, fn: (ctx: UseCaseContext) => Promise<T>): Promise<T> {
  const added = new Set<number>();
  const subjects = () => [...new Set([...(spec.subjects ?? []), ...added])];
  let detail: Record<string, unknown> = { ...(spec.detail ?? {}) };
  let skip = false;
  let action = spec.action;
  try {
    return await db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${actorLabel(actor)}, true)`.execute(tx);
      const ctx: UseCaseContext = {
        tx,
        actor,
        scope: new RecordScope(tx, actor),
        subjects: (ids) => {
          for (const id of ids) added.add(id);
        },
        detail: (d) => {
          detail = { ...detail, ...d };
        },
        skipSuccessRecord: () => {
          skip = true;
        },
        setAction: (a) => {
          action = a;
        },
      };
      const result = await fn(ctx);
      if (!skip) await audit.append(tx, actor, { functionCode: spec.functionCode, action, subjects: subjects(), detail, correlationId: spec.correlationId ?? null });
      return result;
    });
  } catch (e) {
    const refusal = spec.refusal?.(e) ?? defaultRefusal(e);
    if (refusal) {
      await audit.appendAlone(db, actor, {
        functionCode: spec.functionCode,
        action,
        subjects: subjects(),
        outcome: refusal.outcome,
        detail: { ...detail, reason: refusal.reason, ...(refusal.detail ?? {}) },
        correlationId: spec.correlationId ?? null,
      });
    }
    throw e;
  }
}
