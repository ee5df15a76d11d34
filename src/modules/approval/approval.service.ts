import { sql, type Kysely, type Transaction } from 'kysely';
import type { ZodType } from 'zod';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { PERMISSIONS, type Permission } from '../access/permissions.js';
import { AppError } from '../../http/errors.js';
import { requireStepUp } from '../../http/step-up.js';
import { whoLabels } from '../access/who.js';

/**
 * 入力者以外の者による確認 (four-eyes / maker–checker), generic over the kind of change.
 *
 * A module that needs a second person's confirmation:
 *  1. registers a ChangeKind once at construction (`approvals.registerKind({...})`): its `kind` string
 *     (e.g. 'my_number.register', later 'eligibility.acquire'), a Japanese label, the permission the
 *     audit record is filed under, and an `apply` function;
 *  2. calls `approvals.submit(tx, actor, {...})` inside its own transaction instead of writing the
 *     business tables: the change waits in pending_change with a summary (before/after as the approver
 *     should see it, already masked by the module) and warnings (関連性・整合性チェック);
 *  3. a different user with the 'approval' permission approves it: `apply(tx, change, approver)` runs in
 *     the same transaction as the status update and the audit record, so the change and its trail
 *     commit together or not at all. A reject touches only the pending_change row and the audit trail.
 *
 * Self-approval is refused here (403) and by the table's CHECK (decided_by <> requested_by). The
 * checker needs 'approval' (route) and the kind's own permission (`functionCode`), so approving never
 * lets someone make a change they could not enter.
 * With `clearPayloadOnDecision`, the payload (e.g. a My Number ciphertext) is wiped once decided, so
 * no copy of the value outlives the decision in pending_change.
 */

export interface ChangeSummary {
  /** What changes, as the approver sees it (values masked by the submitting module). */
  fields: { label: string; before: string | null; after: string | null }[];
  /** Context lines (事務, 理由 …). */
  notes: { label: string; value: string }[];
  /** Machine-readable context the kind's apply function needs (never a secret). */
  meta: Record<string, string>;
}

export interface PendingChangeRow {
  changeId: number;
  kind: string;
  atenaNo: number;
  payload: unknown;
  summary: ChangeSummary;
  warnings: string[];
  status: 'pending' | 'approved' | 'rejected';
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
}

export interface ChangeKind {
  kind: string;
  /** Japanese label shown in the approval list, e.g. 個人番号の登録. */
  label: string;
  /** The business function the audit records of this kind are filed under. */
  functionCode: Permission;
  /** The shape of the stored payload: checked when a change is submitted and again before it is applied. */
  payload: ZodType<Record<string, unknown>>;
  /** The approver must have stepped up recently (deletions: security.md §7 item 20). */
  stepUpToApprove?: boolean;
  /** Wipe the payload once approved or rejected (it held a secret only the apply step needed). */
  clearPayloadOnDecision?: boolean;
  /** The warnings of this kind are listed only to viewers holding this permission (they may tell who holds a number). */
  warningsNeed?: Permission;
  /**
   * Apply the change inside the approval transaction. Throw AppError to refuse (the whole approval
   * rolls back and the refusal is audited). Returns extra audit detail (never a My Number).
   */
  apply(tx: Transaction<DB>, change: PendingChangeRow, approver: Actor): Promise<Record<string, unknown> | void>;
}

export interface SubmitInput {
  kind: string;
  atenaNo: number;
  payload: Record<string, unknown>;
  summary: ChangeSummary;
  warnings: string[];
  /** Extra audit detail for the request record (never a My Number). */
  auditDetail?: Record<string, unknown>;
  correlationId?: string | null;
}

const CLEARED_PAYLOAD = { cleared: true };

type Q = Kysely<DB> | Transaction<DB>;

function toRow(r: {
  change_id: number;
  kind: string;
  atena_no: number | null;
  payload: unknown;
  summary: unknown;
  warnings: string[];
  status: 'pending' | 'approved' | 'rejected';
  requested_by: string;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
}): PendingChangeRow {
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    changeId: Number(r.change_id),
    kind: r.kind,
    atenaNo: Number(r.atena_no),
    payload: parse(r.payload),
    summary: parse(r.summary) as ChangeSummary,
    warnings: r.warnings ?? [],
    status: r.status,
    requestedBy: r.requested_by,
    requestedAt: new Date(r.requested_at),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at) : null,
    decisionNote: r.decision_note,
  };
}

export class ApprovalService {
  private readonly kinds = new Map<string, ChangeKind>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  registerKind(k: ChangeKind): void {
    if (this.kinds.has(k.kind)) throw new Error(`承認対象の種類 ${k.kind} は登録済みです`);
    this.kinds.set(k.kind, k);
  }

  kindOf(kind: string): ChangeKind | undefined {
    return this.kinds.get(kind);
  }

  /** Hold a change for a second person's confirmation. Runs inside the caller's transaction. */
  async submit(tx: Transaction<DB>, actor: Actor, input: SubmitInput): Promise<number> {
    const k = this.kinds.get(input.kind);
    if (!k) throw new Error(`承認対象の種類 ${input.kind} は登録されていません`);
    const shape = k.payload.safeParse(input.payload);
    if (!shape.success) throw new Error(`承認対象 ${input.kind} の内容が宣言された形式に合いません: ${shape.error.message}`);
    const row = await tx
      .insertInto('pending_change')
      .values({
        kind: input.kind,
        atena_no: input.atenaNo,
        payload: JSON.stringify(input.payload),
        summary: JSON.stringify(input.summary),
        warnings: sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(input.warnings)}::jsonb))`,
        requested_by: actorLabel(actor),
      })
      .returning('change_id')
      .executeTakeFirstOrThrow();
    const changeId = Number(row.change_id);
    await this.audit.append(tx, actor, {
      functionCode: k.functionCode,
      action: `${input.kind}.request`,
      subjects: [input.atenaNo],
      detail: { changeId, kind: input.kind, warnings: input.warnings.length, ...(input.auditDetail ?? {}) },
      correlationId: input.correlationId ?? null,
    });
    return changeId;
  }

  /** Pending changes of these kinds for a person (a module refuses a second one while one waits). */
  async pendingFor(q: Q, atenaNo: number, kinds: readonly string[]): Promise<PendingChangeRow[]> {
    if (kinds.length === 0) return [];
    const rows = await q.selectFrom('pending_change').selectAll().where('atena_no', '=', atenaNo).where('status', '=', 'pending').where('kind', 'in', [...kinds]).orderBy('change_id').execute();
    return rows.map(toRow);
  }

  async list(actor: Actor, opts: { status: 'pending' | 'approved' | 'rejected'; page: number; pageSize: number }, correlationId: string) {
    return this.db.transaction().execute(async (tx) => {
      const base = tx.selectFrom('pending_change as c').where('c.status', '=', opts.status);
      const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const rows = await base
        .leftJoin('person as p', 'p.atena_no', 'c.atena_no')
        .select([
          'c.change_id', 'c.kind', 'c.atena_no', 'c.summary', 'c.warnings', 'c.status', 'c.requested_by', 'c.requested_at',
          'c.decided_by', 'c.decided_at', 'c.decision_note', 'p.name_kanji', 'p.resident_status',
        ])
        .orderBy('c.change_id', opts.status === 'pending' ? 'asc' : 'desc')
        .limit(opts.pageSize)
        .offset((opts.page - 1) * opts.pageSize)
        .execute();
      const me = actorLabel(actor);
      const who = await whoLabels(tx, rows.flatMap((r) => [r.requested_by, r.decided_by]));
      const items = rows.map((r) => {
        const summary = (typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary) as ChangeSummary;
        const k = this.kinds.get(r.kind);
        return {
          changeId: Number(r.change_id),
          kind: r.kind,
          kindLabel: k?.label ?? r.kind,
          atenaNo: Number(r.atena_no),
          nameKanji: r.name_kanji ?? '',
          residentStatus: r.resident_status ?? null,
          fields: summary.fields ?? [],
          notes: summary.notes ?? [],
          warnings: k?.warningsNeed && !(actor.kind !== 'anonymous' && actor.permissions.has(k.warningsNeed)) ? [] : (r.warnings ?? []),
          status: r.status,
          requestedBy: r.requested_by,
          requestedByLabel: who(r.requested_by),
          requestedAt: new Date(r.requested_at).toISOString(),
          decidedBy: r.decided_by,
          decidedByLabel: r.decided_by ? who(r.decided_by) : null,
          decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
          decisionNote: r.decision_note,
          /** The caller entered this change, so may not decide it. */
          ownRequest: r.requested_by === me,
          needsStepUp: !!k?.stepUpToApprove,
        };
      });
      await this.audit.append(tx, actor, {
        functionCode: 'approval',
        action: 'approval.list',
        subjects: [...new Set(items.map((i) => i.atenaNo))],
        detail: { status: opts.status, page: opts.page, total, returned: items.length },
        correlationId,
      });
      return { total, page: opts.page, pageSize: opts.pageSize, items };
    });
  }

  approve(actor: Actor, changeId: number, note: string | null, correlationId: string) {
    return this.decide(actor, changeId, 'approved', note, correlationId);
  }

  reject(actor: Actor, changeId: number, note: string, correlationId: string) {
    return this.decide(actor, changeId, 'rejected', note, correlationId);
  }

  private async decide(actor: Actor, changeId: number, decision: 'approved' | 'rejected', note: string | null, correlationId: string) {
    const verb = decision === 'approved' ? 'approve' : 'reject';
    let seen: PendingChangeRow | undefined;
    try {
      return await this.db.transaction().execute(async (tx) => {
        await sql`SELECT set_config('nhi.actor', ${actorLabel(actor)}, true)`.execute(tx);
        const raw = await tx.selectFrom('pending_change').selectAll().where('change_id', '=', changeId).forUpdate().executeTakeFirst();
        if (!raw) throw new AppError(404, 'not_found', `承認待ちの変更 ${changeId} はありません`);
        const change = toRow(raw);
        seen = change;
        if (change.status !== 'pending') throw new AppError(409, 'already_decided', `この変更は既に${change.status === 'approved' ? '承認' : '却下'}されています`);
        if (change.requestedBy === actorLabel(actor)) {
          throw new AppError(403, 'self_approval', '自分が入力した変更は承認・却下できません。入力者以外の承認者が確認してください');
        }
        const k = this.kinds.get(change.kind);
        if (!k) throw new AppError(409, 'unknown_kind', `この種類の変更(${change.kind})を処理できません`);
        // The checker must be entitled to make the change themselves (e.g. 個人番号登録・訂正), not only to approve.
        if (actor.kind !== 'anonymous' && !actor.permissions.has(k.functionCode)) {
          throw new AppError(403, 'forbidden', `この変更を${decision === 'approved' ? '承認' : '却下'}するには「${PERMISSIONS[k.functionCode]}」の権限も必要です`);
        }
        if (decision === 'approved' && k.stepUpToApprove) requireStepUp(actor);
        if (decision === 'approved' && !k.payload.safeParse(change.payload).success) {
          throw new AppError(409, 'payload_shape', `この変更(${k.label})の保存内容が現在の形式に合わないため適用できません。却下して入力し直してください`);
        }
        const applied = decision === 'approved' ? ((await k.apply(tx, change, actor)) ?? {}) : {};
        await tx
          .updateTable('pending_change')
          .set({
            status: decision,
            decided_by: actorLabel(actor),
            decided_at: sql<Date>`clock_timestamp()`,
            decision_note: note,
            ...(k.clearPayloadOnDecision ? { payload: JSON.stringify(CLEARED_PAYLOAD) } : {}),
          })
          .where('change_id', '=', changeId)
          .where('status', '=', 'pending')
          .execute();
        await this.audit.append(tx, actor, {
          functionCode: k.functionCode,
          action: `${change.kind}.${verb}`,
          subjects: [change.atenaNo],
          detail: { changeId, kind: change.kind, requestedBy: change.requestedBy, note, warnings: change.warnings.length, ...applied },
          correlationId,
        });
        return { changeId, status: decision, kind: change.kind, atenaNo: change.atenaNo };
      });
    } catch (e) {
      if (e instanceof AppError) {
        await this.audit.appendAlone(this.db, actor, {
          functionCode: 'approval',
          action: `${seen?.kind ?? 'change'}.${verb}`,
          subjects: seen ? [seen.atenaNo] : [],
          outcome: 'denied',
          detail: { changeId, reason: e.code },
          correlationId,
        });
      } else {
        // An apply step that failed unexpectedly (e.g. a ciphertext that does not open): on the trail too.
        await this.audit
          .appendAlone(this.db, actor, { functionCode: 'approval', action: `${seen?.kind ?? 'change'}.${verb}`, subjects: seen ? [seen.atenaNo] : [], outcome: 'error', detail: { changeId, reason: 'apply_failed' }, correlationId })
          .catch(() => undefined);
      }
      throw e;
    }
  }
}
