import { sql, type Kysely, type Transaction } from 'kysely';
import type { ZodType } from 'zod';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { Permission, PermissionCatalogue } from '../../platform/permissions.js';
import { runUseCase } from '../../platform/use-case.js';
import { AppError } from '../../http/errors.js';
import { requireStepUp } from '../../http/step-up.js';
import { whoLabels } from '../access/who.js';
import { nhiFileScopeWhere, scopeKindOf } from '../access/record-scope.js';

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
 *     commit together or not at all. A reject touches only the pending_change row and the audit trail;
 *  4. until then, the requester alone may withdraw it (取下げ: status 'withdrawn', nothing applied), and
 *     follows every change they entered in `mine` (申請状況), whatever its kind.
 *
 * Self-approval is refused here (403) and by the table's CHECK (decided_by <> requested_by, except for
 * a withdrawal, which is the requester's own). The
 * checker needs the kind's `approverPermissions` (by default 'approval' and the kind's own permission
 * `functionCode`, so approving never lets someone make a change they could not enter; user
 * administration kinds need 'user.admin' alone). A change is listed only to those who may decide it,
 * and a change keyed to a person only within the checker's record scope.
 * A change is keyed to a person (`atenaNo`) or to something else (`subjectKey`, e.g. 'staff:kokuho01').
 * With `clearPayloadOnDecision`, the payload (e.g. a My Number ciphertext) is wiped once decided, so
 * no copy of the value outlives the decision in pending_change.
 */

/** 承認待ち, 承認済み, 却下, 取下げ (withdrawn by the requester before anyone decided). */
export type ChangeStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';

const STATUS_DONE: Record<Exclude<ChangeStatus, 'pending'>, string> = { approved: '承認されています', rejected: '却下されています', withdrawn: '取り下げられています' };

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
  atenaNo: number | null;
  subjectKey: string | null;
  payload: unknown;
  summary: ChangeSummary;
  warnings: string[];
  status: ChangeStatus;
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
  /** What the checker must hold (all of them); default: 'approval' and `functionCode`. */
  approverPermissions?: readonly Permission[];
  /** The approver must have stepped up recently (deletions: security.md §7 item 20). */
  stepUpToApprove?: boolean;
  /** Wipe the payload once approved or rejected (it held a secret only the apply step needed). */
  clearPayloadOnDecision?: boolean;
  /** The warnings of this kind are listed only to viewers holding this permission (they may tell who holds a number). */
  warningsNeed?: Permission;
  /**
   * Apply the change inside the approval transaction. Throw AppError to refuse (the whole approval
   * rolls back and the refusal is audited). Returns extra audit detail (never a My Number), and
   * optionally `activation`: a one-time activation code handed to the approver in the approve answer
   * only (never stored in clear, never audited).
   */
  apply(tx: Transaction<DB>, change: PendingChangeRow, approver: Actor): Promise<(Record<string, unknown> & { activation?: ActivationHandOver }) | void>;
}

/** A one-time activation code for a staff account, shown once to the approving administrator. */
export interface ActivationHandOver {
  staffId: string;
  displayName: string;
  code: string;
  expiresAt: Date;
}

/** The person a person-keyed change is about (a kind keyed to persons never holds a change without one). */
export function personOf(change: PendingChangeRow): number {
  if (change.atenaNo === null) throw new Error(`変更 ${change.changeId} (${change.kind}) に宛名番号がありません`);
  return change.atenaNo;
}

/** The permissions a checker of this kind must hold. */
export function approverPermissionsOf(k: ChangeKind): readonly Permission[] {
  return k.approverPermissions ?? ['approval', k.functionCode];
}

function mayDecide(actor: Actor, k: ChangeKind): boolean {
  return actor.kind !== 'anonymous' && approverPermissionsOf(k).every((p) => actor.permissions.has(p));
}

export interface SubmitInput {
  kind: string;
  /** The person the change is about, or null with a subjectKey (a change not keyed to one person). */
  atenaNo: number | null;
  subjectKey?: string | null;
  payload: Record<string, unknown>;
  summary: ChangeSummary;
  warnings: string[];
  /** Extra audit detail for the request record (never a My Number). */
  auditDetail?: Record<string, unknown>;
  correlationId?: string | null;
}

const CLEARED_PAYLOAD = { cleared: true };

const LIST_COLUMNS = [
  'c.change_id', 'c.kind', 'c.atena_no', 'c.subject_key', 'c.summary', 'c.warnings', 'c.status', 'c.requested_by', 'c.requested_at',
  'c.decided_by', 'c.decided_at', 'c.decision_note', 'p.name_kanji', 'p.resident_status',
] as const;

interface ListRow {
  change_id: number;
  kind: string;
  atena_no: number | null;
  subject_key: string | null;
  summary: unknown;
  warnings: string[];
  status: ChangeStatus;
  requested_by: string;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  name_kanji: string | null;
  resident_status: 'resident' | 'moved_out' | 'deceased' | null;
}

type Q = Kysely<DB> | Transaction<DB>;

function toRow(r: {
  change_id: number;
  kind: string;
  atena_no: number | null;
  subject_key: string | null;
  payload: unknown;
  summary: unknown;
  warnings: string[];
  status: ChangeStatus;
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
    atenaNo: r.atena_no === null ? null : Number(r.atena_no),
    subjectKey: r.subject_key,
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
    /** The modules' permissions: names the missing ones in a refusal. */
    private readonly permissions: PermissionCatalogue,
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
    if (input.atenaNo === null && !input.subjectKey) throw new Error('承認対象の変更には宛名番号か対象キーが必要です');
    const row = await tx
      .insertInto('pending_change')
      .values({
        kind: input.kind,
        atena_no: input.atenaNo,
        subject_key: input.subjectKey ?? null,
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
      subjects: input.atenaNo === null ? [] : [input.atenaNo],
      detail: { changeId, kind: input.kind, warnings: input.warnings.length, ...(input.auditDetail ?? {}) },
      correlationId: input.correlationId ?? null,
    });
    return changeId;
  }

  /** Pending changes of these kinds for a subject key (e.g. a staff account). */
  async pendingForSubject(q: Q, subjectKey: string, kinds: readonly string[]): Promise<PendingChangeRow[]> {
    if (kinds.length === 0) return [];
    const rows = await q.selectFrom('pending_change').selectAll().where('subject_key', '=', subjectKey).where('status', '=', 'pending').where('kind', 'in', [...kinds]).orderBy('change_id').execute();
    return rows.map(toRow);
  }

  /** Pending changes of these kinds for a person (a module refuses a second one while one waits). */
  async pendingFor(q: Q, atenaNo: number, kinds: readonly string[]): Promise<PendingChangeRow[]> {
    if (kinds.length === 0) return [];
    const rows = await q.selectFrom('pending_change').selectAll().where('atena_no', '=', atenaNo).where('status', '=', 'pending').where('kind', 'in', [...kinds]).orderBy('change_id').execute();
    return rows.map(toRow);
  }

  /** The kinds this actor may decide (and so may see). */
  decidableKinds(actor: Actor): ChangeKind[] {
    return [...this.kinds.values()].filter((k) => mayDecide(actor, k));
  }

  /**
   * Changes the actor may decide: only kinds whose permissions they hold and, for changes keyed to a
   * person, only persons within their record scope. Someone who may decide no kind at all is refused.
   */
  async list(actor: Actor, opts: { status: ChangeStatus; page: number; pageSize: number }, correlationId: string) {
    const kinds = this.decidableKinds(actor).map((k) => k.kind);
    const scope = scopeKindOf(actor);
    const refusal = (e: unknown) => (e instanceof AppError && e.code === 'forbidden' ? { outcome: 'denied' as const, reason: 'no_kind' } : undefined);
    return runUseCase(this.db, this.audit, actor, { functionCode: 'approval', action: 'approval.list', correlationId, refusal }, async ({ tx, subjects, detail }) => {
      if (kinds.length === 0) throw new AppError(403, 'forbidden', '承認の一覧を見るには「承認」または「利用者管理」の権限が必要です');
      let base = tx.selectFrom('pending_change as c').where('c.status', '=', opts.status).where('c.kind', 'in', kinds);
      if (scope === 'nhi_file') base = base.where((eb) => eb.or([eb('c.atena_no', 'is', null), nhiFileScopeWhere(sql.ref('c.atena_no'))]));
      const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const rows = await base
        .leftJoin('person as p', 'p.atena_no', 'c.atena_no')
        .select(LIST_COLUMNS)
        .orderBy('c.change_id', opts.status === 'pending' ? 'asc' : 'desc')
        .limit(opts.pageSize)
        .offset((opts.page - 1) * opts.pageSize)
        .execute();
      const items = await this.listItems(tx, actor, rows);
      subjects(items.flatMap((i) => (i.atenaNo === null ? [] : [i.atenaNo])));
      detail({ status: opts.status, page: opts.page, total, returned: items.length, ...(scope === 'all' ? {} : { scope }) });
      return { total, page: opts.page, pageSize: opts.pageSize, items };
    });
  }

  /**
   * 申請状況: the changes the actor entered, of any kind (also kinds they may not decide), newest
   * first, in the list's shape: what was asked for, and for a decided one who decided, when and why.
   */
  async mine(actor: Actor, opts: { status: ChangeStatus; page: number; pageSize: number }, correlationId: string) {
    const me = actorLabel(actor);
    return runUseCase(this.db, this.audit, actor, { functionCode: 'approval', action: 'approval.mine', correlationId }, async ({ tx, subjects, detail }) => {
      const base = tx.selectFrom('pending_change as c').where('c.requested_by', '=', me).where('c.status', '=', opts.status);
      const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const rows = await base
        .leftJoin('person as p', 'p.atena_no', 'c.atena_no')
        .select(LIST_COLUMNS)
        .orderBy('c.change_id', 'desc')
        .limit(opts.pageSize)
        .offset((opts.page - 1) * opts.pageSize)
        .execute();
      const items = await this.listItems(tx, actor, rows);
      subjects(items.flatMap((i) => (i.atenaNo === null ? [] : [i.atenaNo])));
      detail({ status: opts.status, page: opts.page, total, returned: items.length });
      return { total, page: opts.page, pageSize: opts.pageSize, items };
    });
  }

  /** The list's items: summary, warnings (only to those the kind allows), who requested and decided (by name). */
  private async listItems(tx: Q, actor: Actor, rows: ListRow[]) {
    const me = actorLabel(actor);
    const who = await whoLabels(tx, rows.flatMap((r) => [r.requested_by, r.decided_by]));
    return rows.map((r) => {
      const summary = (typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary) as ChangeSummary;
      const k = this.kinds.get(r.kind);
      return {
        changeId: Number(r.change_id),
        kind: r.kind,
        kindLabel: k?.label ?? r.kind,
        atenaNo: r.atena_no === null ? null : Number(r.atena_no),
        subjectKey: r.subject_key,
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
        /** The caller entered this change, so may not decide it (and alone may withdraw it). */
        ownRequest: r.requested_by === me,
        needsStepUp: !!k?.stepUpToApprove,
      };
    });
  }

  approve(actor: Actor, changeId: number, note: string | null, correlationId: string) {
    return this.decide(actor, changeId, 'approved', note, correlationId);
  }

  reject(actor: Actor, changeId: number, note: string, correlationId: string) {
    return this.decide(actor, changeId, 'rejected', note, correlationId);
  }

  /**
   * 取下げ: the requester takes back a change nobody has decided yet. Only the staff member who entered
   * it (403 `not_requester` for anyone else), only while it waits (409). Nothing is applied; the row
   * records who withdrew it, when and why, and a payload holding a secret is wiped as on a decision.
   */
  async withdraw(actor: Actor, changeId: number, note: string | null, correlationId: string) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'approval', action: 'change.withdraw', correlationId, detail: { changeId } }, async ({ tx, subjects, setAction, skipSuccessRecord }) => {
      const raw = await tx.selectFrom('pending_change').selectAll().where('change_id', '=', changeId).forUpdate().executeTakeFirst();
      if (!raw) throw new AppError(404, 'not_found', `変更 ${changeId} はありません`);
      const change = toRow(raw);
      setAction(`${change.kind}.withdraw`);
      if (change.atenaNo !== null) subjects([change.atenaNo]);
      if (change.requestedBy !== actorLabel(actor)) {
        throw new AppError(403, 'not_requester', '取り下げられるのは、その変更を入力した本人だけです');
      }
      if (change.status !== 'pending') throw new AppError(409, 'already_decided', `この変更は既に${STATUS_DONE[change.status]}。取り下げられません`);
      const k = this.kinds.get(change.kind);
      await tx
        .updateTable('pending_change')
        .set({
          status: 'withdrawn',
          decided_by: actorLabel(actor),
          decided_at: sql<Date>`clock_timestamp()`,
          decision_note: note,
          ...(k?.clearPayloadOnDecision ? { payload: JSON.stringify(CLEARED_PAYLOAD) } : {}),
        })
        .where('change_id', '=', changeId)
        .where('status', '=', 'pending')
        .execute();
      // The success record is the kind's own (its business function), as for a decision.
      await this.audit.append(tx, actor, {
        functionCode: k?.functionCode ?? 'approval',
        action: `${change.kind}.withdraw`,
        subjects: change.atenaNo === null ? [] : [change.atenaNo],
        detail: { changeId, kind: change.kind, note, ...(change.subjectKey ? { subjectKey: change.subjectKey } : {}) },
        correlationId,
      });
      skipSuccessRecord();
      return { changeId, status: 'withdrawn' as const, kind: change.kind, atenaNo: change.atenaNo, subjectKey: change.subjectKey };
    });
  }

  private async decide(actor: Actor, changeId: number, decision: 'approved' | 'rejected', note: string | null, correlationId: string) {
    const verb = decision === 'approved' ? 'approve' : 'reject';
    // Refusals are recorded as 'denied' (default); an apply step that failed unexpectedly (e.g. a
    // ciphertext that does not open) as 'error', so it is on the trail too.
    const refusal = (e: unknown) => (e instanceof AppError ? undefined : { outcome: 'error' as const, reason: 'apply_failed' });
    return runUseCase(this.db, this.audit, actor, { functionCode: 'approval', action: `change.${verb}`, correlationId, detail: { changeId }, refusal }, async ({ tx, subjects, setAction, skipSuccessRecord, scope }) => {
      const raw = await tx.selectFrom('pending_change').selectAll().where('change_id', '=', changeId).forUpdate().executeTakeFirst();
      if (!raw) throw new AppError(404, 'not_found', `承認待ちの変更 ${changeId} はありません`);
      const change = toRow(raw);
      setAction(`${change.kind}.${verb}`);
      if (change.atenaNo !== null) subjects([change.atenaNo]);
      if (change.status !== 'pending') throw new AppError(409, 'already_decided', `この変更は既に${STATUS_DONE[change.status]}`);
      if (change.requestedBy === actorLabel(actor)) {
        throw new AppError(403, 'self_approval', '自分が入力した変更は承認・却下できません。入力者以外の承認者が確認してください');
      }
      const k = this.kinds.get(change.kind);
      if (!k) throw new AppError(409, 'unknown_kind', `この種類の変更(${change.kind})を処理できません`);
      // The checker must be entitled to make the change themselves (e.g. 個人番号登録・訂正), not only to approve.
      const missing = approverPermissionsOf(k).filter((p) => actor.kind === 'anonymous' || !actor.permissions.has(p));
      if (missing.length > 0) {
        throw new AppError(403, 'forbidden', `この変更を${decision === 'approved' ? '承認' : '却下'}するには「${missing.map((p) => this.permissions.label(p)).join('」「')}」の権限が必要です`);
      }
      // Out of the checker's record scope: answered like an unknown change.
      if (change.atenaNo !== null && !(await scope.allows(change.atenaNo))) {
        throw new AppError(404, 'not_found', `承認待ちの変更 ${changeId} はありません`);
      }
      if (decision === 'approved' && k.stepUpToApprove) requireStepUp(actor);
      if (decision === 'approved' && !k.payload.safeParse(change.payload).success) {
        throw new AppError(409, 'payload_shape', `この変更(${k.label})の保存内容が現在の形式に合わないため適用できません。却下して入力し直してください`);
      }
      const { activation, ...applied } = decision === 'approved' ? ((await k.apply(tx, change, actor)) ?? {}) : {};
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
      // The success record is the kind's own (its business function), written here in the same transaction.
      await this.audit.append(tx, actor, {
        functionCode: k.functionCode,
        action: `${change.kind}.${verb}`,
        subjects: change.atenaNo === null ? [] : [change.atenaNo],
        detail: { changeId, kind: change.kind, requestedBy: change.requestedBy, note, warnings: change.warnings.length, ...(change.subjectKey ? { subjectKey: change.subjectKey } : {}), ...applied },
        correlationId,
      });
      skipSuccessRecord();
      return { changeId, status: decision, kind: change.kind, atenaNo: change.atenaNo, subjectKey: change.subjectKey, ...(activation ? { activation } : {}) };
    });
  }
}
