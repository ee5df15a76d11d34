import type { Kysely, Transaction } from 'kysely';
import { z } from '@hono/zod-openapi';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../http/errors.js';
import { Decimal } from '../../lib/decimal.js';
import { formatWareki } from '../../lib/wareki.js';
import { lawParams, ParamError, type LawParams } from '../../platform/params/law-params.js';
import { runUseCase } from '../../platform/use-case.js';
import { refusal404 } from './notifications.js';
import { exemptionLines } from '../assessment/exemption-source.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { ApprovalService, ChangeKind, ChangeSummary, PendingChangeRow } from '../approval/approval.service.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { queueReassessment } from '../assessment/reassessment-queue.js';
import { AssessmentRepository, unitKey } from '../assessment/assessment.repository.js';
import type { ChangeNotice } from '../assessment/assessment-stored.service.js';
import { installmentsOfVersions, resplitInstallments } from '../assessment/installments-change.rules.js';
import { yenText, type Installment } from '../assessment/installments.rules.js';
import { calculateTax, PART_KEYS, PART_LABELS, resolveMunicipality, type Line } from '../assessment/tax.rules.js';
import type { TaxInput } from '../assessment/tax.input.js';
import { decideExemption, EXEMPTION_LAW, EXEMPTION_REASON_CODES, EXEMPTION_REASONS, exemptionRule, type ExemptionDecision, type ExemptionReason } from './exemption.rules.js';

/** The four-eyes kind of a 減免 (地方税法 717条), and of its 取消し. */
export const EXEMPTION_KIND = 'reduction.exemption';
export const EXEMPTION_CANCEL_KIND = 'reduction.exemption_cancel';

const CancelPayload = z.object({ exemptionId: z.number().int(), householdNo: z.number().int(), fiscalYear: z.number().int(), reason: z.string() });
type CancelPayload = z.infer<typeof CancelPayload>;

export const ExemptionPayload = z.object({
  householdNo: z.number().int(),
  fiscalYear: z.number().int(),
  reasonCode: z.enum(EXEMPTION_REASON_CODES),
  rate: z.string().nullable(),
  amount: z.number().int().nullable(),
  appliedOn: z.string(),
  note: z.string().nullable(),
  /** The assessment version the request was computed on: the approval refuses when it is no longer current. */
  assessmentId: z.number().int(),
  version: z.number().int(),
  exemption: z.number().int(),
});
type ExemptionPayload = z.infer<typeof ExemptionPayload>;

export interface ExemptionInput {
  fiscalYear: number;
  reasonCode: ExemptionReason;
  rate?: string | null | undefined;
  amount?: number | null | undefined;
  appliedOn: string;
  note?: string | null | undefined;
}

type Tx = Kysely<DB> | Transaction<DB>;
const notFound = (householdNo: number) => new AppError(404, 'not_found', `世帯番号 ${householdNo} の世帯は登録されていません`);
const yearLabel = (fy: number) => formatWareki(`${fy}-04-01`).replace(/年.*$/, '年度');
const asJson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

type Row = DB['tax_exemption'] extends infer T ? { [K in keyof T]: unknown } : never;
const view = (r: Row) => ({
  exemptionId: Number(r.exemption_id),
  householdNo: Number(r.household_no),
  fiscalYear: Number(r.fiscal_year),
  reasonCode: r.reason_code as ExemptionReason,
  reasonLabel: EXEMPTION_REASONS[r.reason_code as ExemptionReason],
  rate: (r.rate as string | null) ?? null,
  amount: r.fixed_amount_yen === null ? null : Number(r.fixed_amount_yen),
  appliedOn: String(r.applied_on),
  base: Number(r.base_yen),
  exemption: Number(r.exemption_yen),
  assessmentId: Number(r.assessment_id),
  assessmentVersion: Number(r.assessment_version),
  note: (r.note as string | null) ?? null,
  changeId: r.change_id === null ? null : Number(r.change_id),
  requestedBy: String(r.requested_by),
  decidedAt: new Date(r.decided_at as Date).toISOString(),
  decidedBy: String(r.decided_by),
  endedAt: r.ended_at ? new Date(r.ended_at as Date).toISOString() : null,
  endedBy: (r.ended_by as string | null) ?? null,
  endReason: (r.end_reason as string | null) ?? null,
});
export type ExemptionView = ReturnType<typeof view>;

/**
 * 減免 (地方税法 第717条; the city's 国民健康保険税条例): requested by staff for a household's 年度
 * (reduction.record), held for a second person (approval kind `reduction.exemption`); on approval the
 * 減免額 is computed again on the facts of that moment, kept in `tax_exemption`, and the 更正 made at once:
 * a new assessment version with the annual tax less the 減免額, taken from the installments whose 納期限
 * is on or after the 申請日. Every later 更正 keeps subtracting it (assessment/exemption-source.ts).
 */
export class ExemptionService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
    private readonly approvals: ApprovalService,
    private readonly today: () => string = todayInJapan,
  ) {}

  approvalKinds(): ChangeKind[] {
    return [
      { kind: EXEMPTION_KIND, label: '国民健康保険税の減免', functionCode: 'reduction.record', payload: ExemptionPayload, apply: (tx, c, approver) => this.apply(tx, c, approver) },
      { kind: EXEMPTION_CANCEL_KIND, label: '国民健康保険税の減免の取消し', functionCode: 'reduction.record', payload: CancelPayload, apply: (tx, c, approver) => this.applyCancel(tx, c, approver) },
    ];
  }

  async list(actor: Actor, householdNo: number, correlationId: string | null) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'exemption.list', subjects: [], correlationId, detail: { householdNo }, refusal: refusal404 }, async ({ tx, scope, subjects }) => {
      const h = await tx.selectFrom('household').select('household_no').where('household_no', '=', householdNo).executeTakeFirst();
      if (!h) throw notFound(householdNo);
      const members = (await tx.selectFrom('household_member').select('atena_no').where('household_no', '=', householdNo).execute()).map((m) => Number(m.atena_no));
      // Tax-office staff see the households of the NHI file only; one with none of them is unknown.
      const allowed = await scope.allowed([...new Set(members)]);
      if (scope.kind !== 'all' && allowed.size === 0) throw notFound(householdNo);
      subjects([...allowed]);
      const rows = await tx.selectFrom('tax_exemption').selectAll().where('household_no', '=', householdNo).orderBy('fiscal_year', 'desc').orderBy('exemption_id', 'desc').execute();
      return { householdNo, exemptions: rows.map((r) => view(r as unknown as Row)) };
    });
  }

  /** Submit a 減免 for a second person's approval; nothing is stored in the tax until it is approved. */
  async request(actor: Actor, householdNo: number, input: ExemptionInput, correlationId: string | null) {
    const subjects: number[] = [];
    const spec = { functionCode: 'reduction.record', action: `${EXEMPTION_KIND}.request`, subjects, correlationId, detail: { householdNo, fiscalYear: input.fiscalYear, reasonCode: input.reasonCode }, refusal: refusal404 } as const;
    return runUseCase(this.db, this.audit, actor, spec, async (u) => {
      u.skipSuccessRecord();
      const { tx, scope } = u;
      const h = await tx.selectFrom('household').select('household_no').where('household_no', '=', householdNo).forUpdate().executeTakeFirst();
      if (!h) throw notFound(householdNo);
      const today = this.today();
      if (input.appliedOn > today) throw rule('appliedOn', `申請日: ${formatWareki(input.appliedOn)} は未来の日付です`);
      const facts = await this.facts(tx, householdNo, input.fiscalYear);
      if (!facts) throw rule('fiscalYear', `年度: 世帯番号 ${householdNo} の${yearLabel(input.fiscalYear)}の賦課がありません(本算定または更正の後に申請してください)`);
      const taxpayer = facts.current.taxpayer_atena_no === null ? null : Number(facts.current.taxpayer_atena_no);
      if (taxpayer === null || !(await scope.allows(taxpayer))) throw notFound(householdNo);
      subjects.push(taxpayer);
      const waiting = await this.approvals.pendingFor(tx, taxpayer, [EXEMPTION_KIND]);
      if (waiting.length > 0) throw new AppError(409, 'pending_exists', `この世帯には承認待ちの減免があります(変更番号 ${waiting[0]!.changeId})。承認または却下の後に申請してください`);
      const d = decide(input, facts.installments, lawParams());
      const payload: ExemptionPayload = {
        householdNo,
        fiscalYear: input.fiscalYear,
        reasonCode: input.reasonCode,
        rate: input.rate ?? null,
        amount: input.amount ?? null,
        appliedOn: input.appliedOn,
        note: input.note ?? null,
        assessmentId: Number(facts.current.assessment_id),
        version: facts.current.version,
        exemption: d.exemption,
      };
      const total = facts.current.total_yen;
      const summary: ChangeSummary = {
        fields: [
          { label: '年度', before: null, after: yearLabel(input.fiscalYear) },
          { label: '事由', before: null, after: EXEMPTION_REASONS[input.reasonCode] },
          { label: '率', before: null, after: input.rate ? `${input.rate}(${ratePercent(input.rate)})` : '—(減免額で入力)' },
          { label: '対象の期と額', before: null, after: `${d.targets.map((t) => `${t.label}(納期限 ${formatWareki(t.dueDate!)}) ${yenText(t.amount)}円`).join('、')} 計 ${yenText(d.base)}円` },
          { label: '減免額', before: null, after: `${yenText(d.exemption)}円` },
          { label: '年税額', before: `${yenText(total)}円`, after: `${yenText(total - d.exemption)}円` },
        ],
        notes: [
          { label: '世帯番号', value: String(householdNo) },
          { label: '申請日', value: formatWareki(input.appliedOn) },
          { label: '計算', value: d.formula },
          { label: '賦課の版', value: `第${facts.current.version}版(承認のときに変わっていれば承認できません)` },
          ...(input.note ? [{ label: '備考', value: input.note }] : []),
          { label: '根拠', value: `${EXEMPTION_LAW}: 申請日以後に納期限が到来する税額に限ります` },
        ],
        meta: { householdNo: String(householdNo), fiscalYear: String(input.fiscalYear) },
      };
      const changeId = await this.approvals.submit(tx as Transaction<DB>, actor, { kind: EXEMPTION_KIND, atenaNo: taxpayer, payload, summary, warnings: [], auditDetail: { householdNo, fiscalYear: input.fiscalYear, exemption: d.exemption }, correlationId });
      return { changeId, kind: EXEMPTION_KIND, status: 'pending' as const, householdNo, fiscalYear: input.fiscalYear, base: d.base, exemption: d.exemption, totalBefore: total, totalAfter: total - d.exemption, targets: d.targets };
    });
  }

  /**
   * 取消し of a decided 減免 (found wrong, or its grounds gone): held for a second person; on approval the
   * row is ended (kept) and the household's 年度 queued for 更正, which recomputes the tax without it.
   */
  async requestCancel(actor: Actor, exemptionId: number, reason: string, correlationId: string | null) {
    const subjects: number[] = [];
    const spec = { functionCode: 'reduction.record', action: `${EXEMPTION_CANCEL_KIND}.request`, subjects, correlationId, detail: { exemptionId }, refusal: refusal404 } as const;
    return runUseCase(this.db, this.audit, actor, spec, async (u) => {
      u.skipSuccessRecord();
      const { tx, scope } = u;
      const notThere = new AppError(404, 'not_found', `減免番号 ${exemptionId} の減免はありません`);
      const r = await tx.selectFrom('tax_exemption').selectAll().where('exemption_id', '=', exemptionId).forUpdate().executeTakeFirst();
      if (!r) throw notThere;
      const facts = await this.facts(tx, Number(r.household_no), r.fiscal_year);
      const taxpayer = facts?.current.taxpayer_atena_no == null ? null : Number(facts.current.taxpayer_atena_no);
      if (taxpayer === null || !(await scope.allows(taxpayer))) throw notThere;
      subjects.push(taxpayer);
      if (r.ended_at) throw new AppError(409, 'already_ended', `減免番号 ${exemptionId} は取り消し済みです`);
      const waiting = await this.approvals.pendingFor(tx, taxpayer, [EXEMPTION_KIND, EXEMPTION_CANCEL_KIND]);
      if (waiting.length > 0) throw new AppError(409, 'pending_exists', `この世帯には承認待ちの減免の変更があります(変更番号 ${waiting[0]!.changeId})。承認または却下の後に申請してください`);
      const payload: CancelPayload = { exemptionId, householdNo: Number(r.household_no), fiscalYear: r.fiscal_year, reason };
      const summary: ChangeSummary = {
        fields: [
          { label: '減免', before: `${yearLabel(r.fiscal_year)} ${EXEMPTION_REASONS[r.reason_code as ExemptionReason]} ${yenText(r.exemption_yen)}円`, after: '取消し' },
          { label: '年税額', before: `${yenText(facts!.current.total_yen)}円`, after: '取消し後の更正で計算し直します' },
        ],
        notes: [
          { label: '世帯番号', value: String(r.household_no) },
          { label: '理由', value: reason },
          { label: '根拠', value: `${EXEMPTION_LAW}: 減免の事由がなくなった、または誤りのときは取り消し、税額を更正します` },
        ],
        meta: { householdNo: String(r.household_no), fiscalYear: String(r.fiscal_year) },
      };
      const changeId = await this.approvals.submit(tx as Transaction<DB>, actor, { kind: EXEMPTION_CANCEL_KIND, atenaNo: taxpayer, payload, summary, warnings: [], auditDetail: { exemptionId }, correlationId });
      return { changeId, kind: EXEMPTION_CANCEL_KIND, status: 'pending' as const, exemptionId };
    });
  }

  private async applyCancel(tx: Transaction<DB>, change: PendingChangeRow, approver: Actor) {
    const p = CancelPayload.parse(change.payload);
    const r = await tx.selectFrom('tax_exemption').select(['ended_at', 'applied_on']).where('exemption_id', '=', p.exemptionId).forUpdate().executeTakeFirst();
    if (!r || r.ended_at) throw new AppError(409, 'changed_since_request', `減免番号 ${p.exemptionId} は既に取り消されています`);
    const by = actorLabel(approver);
    await tx.updateTable('tax_exemption').set({ ended_at: new Date(), ended_by: by, end_reason: p.reason }).where('exemption_id', '=', p.exemptionId).execute();
    await queueReassessment(tx, [{ reason: 'reduction_changed', effectiveOn: `${p.fiscalYear}-04-01`, householdNos: [p.householdNo], atenaNo: null, sourceRef: `tax_exemption:${p.exemptionId}-cancelled` }], by, this.today());
    return { exemptionId: p.exemptionId, householdNo: p.householdNo, fiscalYear: p.fiscalYear };
  }

  /** The approval step: recompute on the facts of this moment, store the 減免, make the 更正 at once. */
  private async apply(tx: Transaction<DB>, change: PendingChangeRow, approver: Actor) {
    const p = ExemptionPayload.parse(change.payload);
    await tx.selectFrom('household').select('household_no').where('household_no', '=', p.householdNo).forUpdate().executeTakeFirst();
    const params = lawParams();
    const facts = await this.facts(tx, p.householdNo, p.fiscalYear);
    if (!facts || Number(facts.current.assessment_id) !== p.assessmentId) {
      throw new AppError(409, 'changed_since_request', `申請の後に${yearLabel(p.fiscalYear)}の賦課が更正されました(申請時 第${p.version}版${facts ? `、現在 第${facts.current.version}版` : ''})。減免額を計算し直すため、却下して申請し直してください`);
    }
    const d = decide({ fiscalYear: p.fiscalYear, reasonCode: p.reasonCode, rate: p.rate, amount: p.amount, appliedOn: p.appliedOn }, facts.installments, params);
    const by = actorLabel(approver);
    const row = await tx
      .insertInto('tax_exemption')
      .values({
        household_no: p.householdNo,
        fiscal_year: p.fiscalYear,
        reason_code: p.reasonCode,
        rate: p.rate,
        fixed_amount_yen: p.amount,
        applied_on: p.appliedOn,
        base_yen: d.base,
        exemption_yen: d.exemption,
        assessment_id: p.assessmentId,
        assessment_version: p.version,
        note: p.note,
        change_id: change.changeId,
        requested_by: change.requestedBy,
        decided_by: by,
      })
      .returning('exemption_id')
      .executeTakeFirstOrThrow();
    const version = await this.correct(tx, facts, p, d, by, params);
    return { exemptionId: Number(row.exemption_id), householdNo: p.householdNo, fiscalYear: p.fiscalYear, exemption: d.exemption, assessmentVersion: version };
  }

  /** The household's own unit (not a 住所地特例 one): its current version and the 期別 of that version. */
  private async facts(tx: Tx, householdNo: number, fiscalYear: number) {
    const current = await tx
      .selectFrom('assessment')
      .selectAll()
      .where('household_no', '=', householdNo)
      .where('fiscal_year', '=', fiscalYear)
      .where('address_exception_atena_no', '=', 0)
      .where('superseded_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!current) return null;
    const chains = await new AssessmentRepository(tx).versionChains(fiscalYear, householdNo);
    const installments: Installment[] = installmentsOfVersions(fiscalYear, chains.get(unitKey(householdNo, 0)) ?? [], lawParams()).at(-1)?.installments ?? [];
    return { current, installments };
  }

  /** The 更正 of the 減免: the current version copied with the annual tax less the 減免額 and its 期別 re-split at the 申請日. */
  private async correct(tx: Transaction<DB>, facts: NonNullable<Awaited<ReturnType<ExemptionService['facts']>>>, p: ExemptionPayload, d: Decided, by: string, params: LawParams): Promise<number> {
    const cur = facts.current;
    const total = cur.total_yen - d.exemption;
    const resplit = resplitInstallments({ fiscalYear: p.fiscalYear, previous: facts.installments, annualTax: total, decidedOn: p.appliedOn }, params);
    let base = asJson(cur.lines) as Line[] | null;
    if (!base) {
      try {
        base = calculateTax(asJson(cur.input) as TaxInput, params, resolveMunicipality({ fiscalYear: p.fiscalYear }, params)).lines;
      } catch {
        base = [];
      }
    }
    const lines: Line[] = [...base, ...exemptionLines(cur.total_yen, { total: d.exemption, reasons: [p.reasonCode] }, d.formula).lines, ...resplit.lines.map((l) => ({ ...l, label: `期別: ${l.label}` }))];
    const cause = `減免(${EXEMPTION_REASONS[p.reasonCode]})`;
    const today = this.today();
    const parts = { medical: cur.medical_yen, support: cur.support_yen, care: cur.care_yen, childSupport: cur.child_support_yen } as Record<string, number>;
    const partsList = PART_KEYS.filter((k) => (parts[k] ?? 0) > 0).map((k) => ({ label: PART_LABELS[k], amount: parts[k]! }));
    const notice: ChangeNotice = {
      title: '国民健康保険税 変更決定通知書',
      fiscalYear: p.fiscalYear,
      fiscalYearLabel: yearLabel(p.fiscalYear),
      householdNo: p.householdNo,
      taxpayerAtenaNo: cur.taxpayer_atena_no === null ? null : Number(cur.taxpayer_atena_no),
      decidedOn: today,
      reason: cause,
      before: { total: cur.total_yen, parts: partsList },
      after: { total, parts: [...partsList, { label: `減免(${EXEMPTION_REASONS[p.reasonCode]})`, amount: -d.exemption }] },
      difference: -d.exemption,
      basis: `${EXEMPTION_LAW}(申請日 ${formatWareki(p.appliedOn)}以後に納期限が到来する税額から減額)`,
      installments: { before: facts.installments, after: resplit.installments, overpaid: resplit.overpaid },
    };
    const at = new Date();
    await tx.updateTable('assessment').set({ superseded_at: at }).where('assessment_id', '=', cur.assessment_id).execute();
    const { assessment_id: _id, recorded_at: _at, superseded_at: _s, ...copy } = cur;
    const version = cur.version + 1;
    await tx
      .insertInto('assessment')
      .values({
        ...copy,
        version,
        reason: 'correction',
        run_id: null,
        cause,
        total_yen: total,
        parts: JSON.stringify(asJson(cur.parts)),
        members: JSON.stringify(asJson(cur.members)),
        input: JSON.stringify(asJson(cur.input)),
        lines: JSON.stringify(lines),
        notice: JSON.stringify(notice),
        installments: JSON.stringify(resplit.installments),
        recorded_by: by,
        recorded_at: at,
      })
      .execute();
    return version;
  }
}

type Decided = Extract<ExemptionDecision, { ok: true }>;

const FIELD: Record<string, { field: string; label: string }> = {
  rate: { field: 'exemptionRate', label: '減免の率' },
  amount: { field: 'exemptionAmount', label: '減免額' },
  appliedOn: { field: 'appliedOn', label: '申請日' },
  fiscalYear: { field: 'fiscalYear', label: '年度' },
};
const rule = (field: string, message: string) => new AppError(422, 'rule_violation', message, [{ ...(FIELD[field] ?? { field, label: field }), message }]);
const ratePercent = (rate: string) => `${Decimal.parse(rate).times(100).toString()}/100`;

function decide(input: ExemptionInput, installments: readonly Installment[], params: LawParams): Decided {
  let r;
  try {
    r = exemptionRule(input.reasonCode, input.appliedOn, params);
  } catch (e) {
    if (e instanceof ParamError) throw new AppError(422, 'rule_violation', `申請日: ${e.message}`);
    throw e;
  }
  const d = decideExemption({ reason: input.reasonCode, rate: input.rate ?? null, amount: input.amount ?? null, appliedOn: input.appliedOn }, installments, r);
  if (!d.ok) throw rule(d.field, d.message);
  return d;
}
