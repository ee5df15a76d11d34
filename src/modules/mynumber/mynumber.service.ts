import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { Keyring } from '../../security/keyring.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { z } from 'zod';
import { personOf, type ApprovalService, type ChangeKind, type ChangeSummary, type PendingChangeRow } from '../approval/approval.service.js';
import { AppError } from '../../http/errors.js';
import { runUseCase, type RefusalRecord } from '../../platform/use-case.js';
import { RecordScope } from '../access/record-scope.js';
import { requireStepUp } from '../../http/step-up.js';
import { isValidMyNumber } from '../../lib/mynumber.js';
import { jimuAuditDetail, safeJimuCode, type Jimu, type JimuRegistry, type MyNumberUse } from './jimu.js';
import { maskMyNumber, myNumberAad } from './mynumber.rules.js';
import { whoLabels } from '../access/who.js';

/** The kinds of pending change this module submits for 入力者以外の者による確認. */
export const MY_NUMBER_KINDS = {
  register: 'my_number.register',
  correct: 'my_number.correct',
  delete: 'my_number.delete',
} as const;
const ALL_KINDS = Object.values(MY_NUMBER_KINDS);

/** What a pending change of this module carries: the ciphertext (never the number), its index and key. */
/** What a pending My Number change stores (only ciphertext and blind index, never the number). */
const MyNumberPayloadSchema = z.object({
  ciphertext: z.string().optional(),
  blindIndex: z.string().optional(),
  keyId: z.string().optional(),
  /** The blind index of the stored number when the change was entered (null: none was stored). */
  beforeBlindIndex: z.string().nullable(),
});
type MyNumberPayload = z.infer<typeof MyNumberPayloadSchema>;

type Tx = Transaction<DB>;

/** Whether the actor may learn which residents hold a number (the lookup's permission). */
const mayLookUpNumbers = (actor: Actor) => actor.kind !== 'anonymous' && actor.permissions.has('mynumber.read');

/** A refusal for want of a whitelisted 事務 (番号法第9条); `auditReason` goes to the audit trail. */
export class JimuRefusal extends AppError {
  constructor(
    message: string,
    readonly auditReason: string,
  ) {
    super(403, 'jimu_not_allowed', message, [{ field: 'jimu', label: '事務', message: `事務: ${message}` }]);
  }
}

/**
 * 個人番号 (My Number): entry through four-eyes confirmation, reveal after step-up, exact-match lookup
 * through the blind index. Every use names a whitelisted 事務 (jimu.yaml) and is audited with it;
 * the number itself never reaches a log, an audit record, a pending change or an answer (except reveal).
 */
export class MyNumberService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly keyring: Keyring,
    private readonly audit: AuditRepository,
    private readonly approvals: ApprovalService,
    readonly jimu: JimuRegistry,
  ) {}

  /** The kinds of change this area holds for a second person (declared by mynumber.module.ts). */
  approvalKinds(): ChangeKind[] {
    return [
      {
        kind: MY_NUMBER_KINDS.register,
        label: '個人番号の登録',
        functionCode: 'mynumber.write',
        payload: MyNumberPayloadSchema,
        clearPayloadOnDecision: true,
      warningsNeed: 'mynumber.read',
        apply: (tx, change, approver) => this.applyChange(tx, change, approver, 'register'),
      },
      {
        kind: MY_NUMBER_KINDS.correct,
        label: '個人番号の訂正',
        functionCode: 'mynumber.write',
        payload: MyNumberPayloadSchema,
        clearPayloadOnDecision: true,
      warningsNeed: 'mynumber.read',
        apply: (tx, change, approver) => this.applyChange(tx, change, approver, 'correct'),
      },
      {
        kind: MY_NUMBER_KINDS.delete,
        label: '個人番号の削除',
        functionCode: 'mynumber.write',
        payload: MyNumberPayloadSchema,
        stepUpToApprove: true,
        clearPayloadOnDecision: true,
      warningsNeed: 'mynumber.read',
        apply: (tx, change, approver) => this.applyChange(tx, change, approver, 'delete'),
      },
    ];
  }

  /** The 事務 for this use, or a 403 (the caller's catch audits it as 'denied'). */
  private requireJimu(code: string | undefined, use: MyNumberUse): Jimu {
    const r = this.jimu.check(code, use);
    if (!r.ok) throw new JimuRefusal(r.message, `jimu_${r.reason}`);
    return r.jimu;
  }

  /**
   * A use of My Number through the use-case choke point. The use case appends its own success record
   * (approvals.submit, reveal, lookup); refusals and decryption failures are recorded here.
   */
  private audited<T>(
    actor: Actor,
    ctx: { functionCode: 'mynumber.read' | 'mynumber.write'; action: string; subjects: number[]; jimu: string | undefined; correlationId: string | null; detail?: Record<string, unknown> },
    fn: (tx: Tx) => Promise<T>,
  ): Promise<T> {
    const jimu = safeJimuCode(ctx.jimu);
    const refusal = (e: unknown): RefusalRecord => {
      if (e instanceof AppError) return { outcome: 'denied', reason: e instanceof JimuRefusal ? e.auditReason : e.code, detail: { jimu } };
      if (e instanceof DecryptError) return { outcome: 'failure', reason: 'decrypt_failed', detail: { jimu, atenaNo: e.atenaNo } };
      return undefined;
    };
    const { jimu: _code, ...spec } = ctx;
    return runUseCase(this.db, this.audit, actor, { ...spec, refusal }, (u) => {
      u.skipSuccessRecord();
      return fn(u.tx);
    });
  }


  /** 404 alike for unknown and out-of-scope persons (a probe learns nothing). */
  private async requirePerson(tx: Tx, actor: Actor, atenaNo: number) {
    const p = await tx.selectFrom('person').select(['atena_no', 'resident_status', 'name_kanji']).where('atena_no', '=', atenaNo).executeTakeFirst();
    if (!p) throw new AppError(404, 'not_found', `宛名番号 ${atenaNo} の住民は登録されていません`);
    if (!(await new RecordScope(tx, actor).allows(atenaNo))) {
      throw new AppError(404, 'not_found', `宛名番号 ${atenaNo} の住民は登録されていません`);
    }
    return p;
  }

  private stored(tx: Tx, atenaNo: number, lock = false) {
    let q = tx.selectFrom('person_my_number').select(['atena_no', 'ciphertext', 'key_id', 'blind_index', 'updated_at', 'updated_by']).where('atena_no', '=', atenaNo);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /** Fails closed: a wrong key, a moved ciphertext or any tampering is an error, never a guess. */
  private decryptRow(row: { atena_no: number; ciphertext: string; key_id: string }): string {
    try {
      return this.keyring.decrypt(row.ciphertext, myNumberAad(Number(row.atena_no)), row.key_id);
    } catch {
      throw new DecryptError(Number(row.atena_no));
    }
  }

  private summaryNotes(j: Jimu, extra: { label: string; value: string }[] = []) {
    return [{ label: '事務', value: `${j.name} (${j.code})` }, { label: '根拠', value: j.legalBasis.join(' / ') }, ...extra];
  }

  /**
   * 登録・訂正 (register or correct): validates the check digit, encrypts for the target row, and holds
   * the change for a second person. Warnings (関連性・整合性チェック) go to the approver.
   */
  async requestSet(actor: Actor, atenaNo: number, myNumber: string, jimuCode: string | undefined, correlationId: string) {
    const action = 'my_number.set.request';
    return this.audited(actor, { functionCode: 'mynumber.write', action, subjects: [atenaNo], jimu: jimuCode, correlationId }, async (tx) => {
      if (!this.jimu.get(jimuCode ?? '')) this.requireJimu(jimuCode, 'register'); // missing or unknown: refuse before touching anything
      const person = await this.requirePerson(tx, actor, atenaNo);
      const current = await this.stored(tx, atenaNo, true);
      const use: MyNumberUse = current ? 'correct' : 'register';
      const j = this.requireJimu(jimuCode, use);
      if (!isValidMyNumber(myNumber)) throw new AppError(400, 'validation', '個人番号: 検査用数字(12桁目)が一致しません。番号を確認してください', [{ field: 'myNumber', label: '個人番号', message: '個人番号: 検査用数字(12桁目)が一致しません' }]);
      const waiting = await this.approvals.pendingFor(tx, atenaNo, ALL_KINDS);
      if (waiting.length > 0) throw new AppError(409, 'pending_exists', `この住民の個人番号には承認待ちの変更があります(変更番号 ${waiting[0]!.changeId})。承認または却下の後に入力してください`);

      const blindIndex = this.keyring.blindIndex(myNumber);
      if (current && current.blind_index === blindIndex) throw new AppError(409, 'unchanged', '登録済みの個人番号と同じです。訂正の必要はありません');
      const before = current ? maskMyNumber(this.decryptRow(current)) : null;

      // 関連性・整合性チェック: the same number tied to another person (stored or waiting).
      const warnings: string[] = [];
      const requesterWarnings: string[] = [];
      const others = await tx.selectFrom('person_my_number').select('atena_no').where('blind_index', '=', blindIndex).where('atena_no', '<>', atenaNo).execute();
      const otherPending = await tx
        .selectFrom('pending_change')
        .select(['atena_no', 'change_id'])
        .where('status', '=', 'pending')
        .where('kind', 'in', [MY_NUMBER_KINDS.register, MY_NUMBER_KINDS.correct])
        .where(sql<string>`payload->>'blindIndex'`, '=', blindIndex)
        .where('atena_no', '<>', atenaNo)
        .execute();
      if (others.length > 0) {
        warnings.push(`関連性・整合性チェック: 同じ個人番号が別の住民(宛名番号 ${others.map((o) => o.atena_no).join('、')})に登録されています。本人確認書類と照合してください`);
      }
      if (otherPending.length > 0) {
        warnings.push(`関連性・整合性チェック: 同じ個人番号が別の住民(宛名番号 ${otherPending.map((o) => o.atena_no).join('、')})の承認待ちの変更(変更番号 ${otherPending.map((o) => o.change_id).join('、')})にあります`);
      }
      // Only someone who may look numbers up (mynumber.read) learns that another resident holds this
      // one; for anyone else the answer is the same as for a number nobody holds (the approver sees it).
      if ((others.length > 0 || otherPending.length > 0) && mayLookUpNumbers(actor)) {
        requesterWarnings.push('同じ個人番号が別の住民に登録(または申請)されています。承認者が確認します');
      }
      if (person.resident_status === 'deceased') {
        warnings.push('死亡した住民です(死者の個人番号も同じ安全管理措置の対象です)');
        requesterWarnings.push('死亡した住民です');
      }

      const keyId = this.keyring.activeKeyId;
      const payload: MyNumberPayload = { ciphertext: this.keyring.encrypt(myNumber, myNumberAad(atenaNo), keyId), blindIndex, keyId, beforeBlindIndex: current?.blind_index ?? null };
      const summary: ChangeSummary = {
        fields: [{ label: '個人番号', before, after: maskMyNumber(myNumber) }],
        notes: this.summaryNotes(j),
        meta: { jimu: j.code },
      };
      const kind = current ? MY_NUMBER_KINDS.correct : MY_NUMBER_KINDS.register;
      const changeId = await this.approvals.submit(tx, actor, {
        kind,
        atenaNo,
        payload: payload as unknown as Record<string, unknown>,
        summary,
        warnings,
        auditDetail: { ...jimuAuditDetail(j), use },
        correlationId,
      });
      return { changeId, kind, status: 'pending' as const, warnings: requesterWarnings };
    });
  }

  /** 削除: after a step-up, held for a second person (who steps up too before approving). */
  async requestDelete(actor: Actor, atenaNo: number, jimuCode: string | undefined, reason: string, correlationId: string) {
    return this.audited(actor, { functionCode: 'mynumber.write', action: `${MY_NUMBER_KINDS.delete}.request`, subjects: [atenaNo], jimu: jimuCode, correlationId }, async (tx) => {
      const j = this.requireJimu(jimuCode, 'delete');
      requireStepUp(actor);
      const person = await this.requirePerson(tx, actor, atenaNo);
      const current = await this.stored(tx, atenaNo, true);
      if (!current) throw new AppError(404, 'not_registered', 'この住民の個人番号は登録されていません');
      const waiting = await this.approvals.pendingFor(tx, atenaNo, ALL_KINDS);
      if (waiting.length > 0) throw new AppError(409, 'pending_exists', `この住民の個人番号には承認待ちの変更があります(変更番号 ${waiting[0]!.changeId})。承認または却下の後に入力してください`);
      const before = maskMyNumber(this.decryptRow(current));
      const warnings = person.resident_status === 'deceased' ? ['死亡した住民です(削除は保存期間の経過後に限ります。文書管理規程を確認してください)'] : [];
      const payload: MyNumberPayload = { beforeBlindIndex: current.blind_index };
      const changeId = await this.approvals.submit(tx, actor, {
        kind: MY_NUMBER_KINDS.delete,
        atenaNo,
        payload: payload as unknown as Record<string, unknown>,
        summary: { fields: [{ label: '個人番号', before, after: null }], notes: this.summaryNotes(j, [{ label: '削除の理由', value: reason }]), meta: { jimu: j.code } },
        warnings,
        auditDetail: { ...jimuAuditDetail(j), use: 'delete', reason },
        correlationId,
      });
      return { changeId, kind: MY_NUMBER_KINDS.delete, status: 'pending' as const, warnings };
    });
  }

  /**
   * Applied by the approval module in the approval transaction. The stored row must still be what the
   * requester saw (else 409), and the 事務 must still be whitelisted for the use.
   */
  private async applyChange(tx: Tx, change: PendingChangeRow, approver: Actor, use: 'register' | 'correct' | 'delete') {
    const p = change.payload as MyNumberPayload;
    const j = this.requireJimu(change.summary.meta?.jimu, use);
    const current = await this.stored(tx, personOf(change), true);
    if ((current?.blind_index ?? null) !== p.beforeBlindIndex) {
      throw new AppError(409, 'changed_since_request', 'この変更の入力後に個人番号が変更されています。この変更は却下し、改めて入力してください');
    }
    const label = actorLabel(approver);
    if (use === 'delete') {
      await tx.deleteFrom('person_my_number').where('atena_no', '=', personOf(change)).execute();
      return { ...jimuAuditDetail(j), use };
    }
    if (!p.ciphertext || !p.blindIndex || !p.keyId) throw new AppError(409, 'payload_missing', 'この変更には適用する内容がありません');
    // Integrity before storing: the ciphertext must open for this row with its key (fails closed).
    const plain = this.decryptRow({ atena_no: personOf(change), ciphertext: p.ciphertext, key_id: p.keyId });
    if (!isValidMyNumber(plain) || this.keyring.blindIndex(plain) !== p.blindIndex) throw new AppError(409, 'payload_invalid', 'この変更の内容が不正です。却下してください');
    if (use === 'register') {
      await tx.insertInto('person_my_number').values({ atena_no: personOf(change), ciphertext: p.ciphertext, key_id: p.keyId, blind_index: p.blindIndex, updated_by: label }).execute();
    } else {
      await tx.updateTable('person_my_number').set({ ciphertext: p.ciphertext, key_id: p.keyId, blind_index: p.blindIndex }).where('atena_no', '=', personOf(change)).execute();
    }
    return { ...jimuAuditDetail(j), use, keyId: p.keyId };
  }

  /** 番号表示: the number itself, after permission, 事務, purpose and a recent step-up; always audited. */
  async reveal(actor: Actor, atenaNo: number, purpose: string, jimuCode: string | undefined, correlationId: string) {
    return this.audited(actor, { functionCode: 'mynumber.read', action: 'my_number.reveal', subjects: [atenaNo], jimu: jimuCode, correlationId, detail: { purpose } }, async (tx) => {
      const j = this.requireJimu(jimuCode, 'reveal');
      requireStepUp(actor);
      const person = await this.requirePerson(tx, actor, atenaNo);
      const row = await this.stored(tx, atenaNo);
      if (!row) throw new AppError(404, 'not_registered', 'この住民の個人番号は登録されていません');
      const myNumber = this.decryptRow(row);
      await this.audit.append(tx, actor, {
        functionCode: 'mynumber.read',
        action: 'my_number.reveal',
        subjects: [atenaNo],
        detail: { ...jimuAuditDetail(j), purpose, deceased: person.resident_status === 'deceased', keyId: row.key_id },
        correlationId,
      });
      return { myNumber };
    });
  }

  /** Exact-match lookup by number (blind index): 宛名番号 only, never the number. */
  async lookup(actor: Actor, myNumber: string, jimuCode: string | undefined, correlationId: string) {
    return this.audited(actor, { functionCode: 'mynumber.read', action: 'my_number.lookup', subjects: [], jimu: jimuCode, correlationId }, async (tx) => {
      const j = this.requireJimu(jimuCode, 'lookup');
      const rows = await tx.selectFrom('person_my_number').select('atena_no').where('blind_index', '=', this.keyring.blindIndex(myNumber)).orderBy('atena_no').execute();
      let atenaNos = rows.map((r) => Number(r.atena_no));
      const inScope = await new RecordScope(tx, actor).allowed(atenaNos);
      atenaNos = atenaNos.filter((n) => inScope.has(n));
      await this.audit.append(tx, actor, {
        functionCode: 'mynumber.read',
        action: 'my_number.lookup',
        subjects: atenaNos,
        detail: { ...jimuAuditDetail(j), matches: atenaNos.length },
        correlationId,
      });
      return { atenaNos };
    });
  }

  /** Whether a number is stored and what waits for approval; the number is not touched. */
  async status(actor: Actor, atenaNo: number, correlationId: string) {
    const refusal = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'my_number.status', subjects: [atenaNo], correlationId, refusal }, async ({ tx, detail }) => {
      await this.requirePerson(tx, actor, atenaNo);
      const row = await tx.selectFrom('person_my_number').select(['updated_at', 'updated_by']).where('atena_no', '=', atenaNo).executeTakeFirst();
      const pending = await this.approvals.pendingFor(tx, atenaNo, ALL_KINDS);
      const who = await whoLabels(tx, [row?.updated_by, ...pending.map((c) => c.requestedBy)]);
      detail({ registered: !!row, pending: pending.length });
      return {
        atenaNo,
        registered: !!row,
        updatedAt: row ? new Date(row.updated_at).toISOString() : null,
        updatedBy: row?.updated_by ?? null,
        updatedByLabel: row ? who(row.updated_by) : null,
        pending: pending.map((c) => ({ changeId: c.changeId, kind: c.kind, kindLabel: this.approvals.kindOf(c.kind)?.label ?? c.kind, requestedBy: c.requestedBy, requestedByLabel: who(c.requestedBy), requestedAt: c.requestedAt.toISOString() })),
      };
    });
  }
}

/** A stored or pending ciphertext that does not open: tampering, a moved row, or a missing key. */
export class DecryptError extends Error {
  constructor(readonly atenaNo: number) {
    super(`宛名番号 ${atenaNo} の個人番号を復号できません(鍵がないか、データが改ざんされています)`);
    this.name = 'DecryptError';
  }
}
