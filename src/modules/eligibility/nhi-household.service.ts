import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { personOf, type ApprovalService, type ChangeKind, type ChangeSummary, type PendingChangeRow } from '../approval/approval.service.js';
import { AppError, type FieldError } from '../../http/errors.js';
import { runUseCase, type RefusalRecord } from '../../platform/use-case.js';
import { RecordScope } from '../access/record-scope.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import { errorsMessage, todayInJapan } from './eligibility.rules.js';
import { NhiHouseholdRepository, type StatusRow } from './nhi-household.repository.js';
import { runNhiStatusSync, type StatusSyncSummary } from './nhi-status-sync.js';
import { personHouseholdsFrom, queueReassessment } from '../assessment/reassessment-queue.js';
import {
  FACILITY_KINDS,
  FACILITY_KIND_CODES,
  NHI_HOUSEHOLD_STATUS_KINDS,
  NHI_HOUSEHOLD_STATUS_KIND_CODES,
  checkEnd,
  checkStatus,
  nhiHouseholdOn,
  pseudoHeadActions,
  specificSameHouseholdEnd,
  statusKindLabel,
  within,
  type FacilityKind,
  type NhiHouseholdStatusKind,
  type StatusInput,
} from './nhi-household.rules.js';

/** The kinds of pending change of the NHI household's status periods (入力者以外の者による確認). */
export const NHI_HOUSEHOLD_KINDS = { record: 'eligibility.household_status', end: 'eligibility.household_status_end' } as const;
const KINDS: string[] = Object.values(NHI_HOUSEHOLD_KINDS);

const RecordPayloadSchema = z.object({
  atenaNo: z.number().int(),
  householdNo: z.number().int(),
  kind: z.enum(NHI_HOUSEHOLD_STATUS_KIND_CODES),
  validFrom: z.string(),
  validTo: z.string().nullable(),
  facilityName: z.string().nullable(),
  facilityKind: z.enum(FACILITY_KIND_CODES).nullable(),
  schoolName: z.string().nullable(),
  basis: z.string().nullable(),
  reportedOn: z.string().nullable(),
  /** Set by the apply step: the period it recorded. */
  appliedStatusId: z.number().int().optional(),
});
type RecordPayload = z.infer<typeof RecordPayloadSchema>;
const EndPayloadSchema = z.object({ statusId: z.number().int(), validTo: z.string(), rowUpdatedAt: z.string() });
type EndPayload = z.infer<typeof EndPayloadSchema>;

export type StatusRequest = Omit<RecordPayload, 'appliedStatusId' | 'atenaNo'>;

type Tx = Transaction<DB>;
const CHANGED = 'この変更の入力後に世帯・資格または国保世帯の記録が変わっています。この変更は却下し、改めて入力してください';
const notFoundPerson = (n: number) => new AppError(404, 'not_found', `宛名番号 ${n} の住民は登録されていません`);
const refuse = (errors: FieldError[], status: 409 | 422) => {
  if (errors.length === 0) return;
  if (status === 409) throw new AppError(409, 'changed_since_request', `${CHANGED}: ${errors.map((e) => e.message).join(' / ')}`, errors);
  throw new AppError(422, 'rule_violation', errorsMessage(errors), errors);
};
const periodText = (from: string, to: string | null) => `${d(from)}〜${to ? d(to) : ''}`;

/**
 * 国保世帯: the NHI household as of a day (read), and its status periods (擬制世帯主, 世帯主変更申出,
 * 特定同一世帯所属者, 住所地特例, 修学中の特例), recorded and ended through four-eyes confirmation.
 */
export class NhiHouseholdService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
    private readonly approvals: ApprovalService,
  ) {}

  approvalKinds(): ChangeKind[] {
    return [
      { kind: NHI_HOUSEHOLD_KINDS.record, label: '国保世帯の特例・世帯主の記録', functionCode: 'eligibility.update', payload: RecordPayloadSchema, apply: (tx, c, approver) => this.applyRecord(tx, c, approver) },
      { kind: NHI_HOUSEHOLD_KINDS.end, label: '国保世帯の特例・世帯主の終了', functionCode: 'eligibility.update', payload: EndPayloadSchema, apply: (tx, c, approver) => this.applyEnd(tx, c, approver) },
    ];
  }

  private audited<T>(actor: Actor, ctx: { action: string; subjects: number[]; correlationId: string | null; detail?: Record<string, unknown> }, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'eligibility.update', ...ctx }, (u) => {
      u.skipSuccessRecord();
      return fn(u.tx);
    });
  }

  /** 404 alike for unknown and out-of-scope persons. Locks the person row (serialises changes per person). */
  private async requirePerson(tx: Tx, actor: Actor, atenaNo: number) {
    const p = await tx.selectFrom('person').select(['atena_no', 'name_kanji']).where('atena_no', '=', atenaNo).forUpdate().executeTakeFirst();
    if (!p || !(await new RecordScope(tx, actor).allows(atenaNo))) throw notFoundPerson(atenaNo);
    return p;
  }

  private async refuseIfPending(tx: Tx, atenaNo: number) {
    const waiting = await this.approvals.pendingFor(tx, atenaNo, KINDS);
    if (waiting.length > 0) throw new AppError(409, 'pending_exists', `この住民には承認待ちの国保世帯の変更があります(変更番号 ${waiting[0]!.changeId})。承認または却下の後に入力してください`);
  }

  /** 国保世帯の状態の自動適用: the daily job (nhi-status-sync.ts). */
  syncStatuses(actor: Actor, today: string, since?: string): Promise<StatusSyncSummary> {
    return runNhiStatusSync(this.db, this.audit, actor, today, since);
  }

  // ---- reading ----

  /** The NHI household of the registry household `householdNo` on `day` (4月1日: 賦課; 8月1日: 負担割合). */
  async view(actor: Actor, householdNo: number, day: string, correlationId: string) {
    const refusal = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);
    return runUseCase(
      this.db,
      this.audit,
      actor,
      { functionCode: 'person.read', action: 'nhi_household.get', subjects: [], detail: { householdNo, asOf: day }, correlationId, refusal },
      async ({ tx, scope, subjects, detail }) => {
        const repo = new NhiHouseholdRepository(tx);
        const notFound = new AppError(404, 'not_found', `世帯番号 ${householdNo} の世帯は登録されていません`);
        if (!(await repo.householdExists(householdNo))) throw notFound;
        const facts = await repo.facts(householdNo);
        const h = nhiHouseholdOn(householdNo, day, facts);
        const statuses = facts.statuses.filter((s) => s.householdNo === householdNo);
        const involved = [...new Set([...h.members.map((m) => m.atenaNo), ...(h.head ? [h.head.atenaNo] : []), ...h.specificSameHousehold, ...h.addressException, ...statuses.map((s) => s.atenaNo)])];
        // Tax-office staff see the persons of the NHI file only; a household with none of them is unknown.
        const allowed = await scope.allowed(involved);
        if (scope.kind === 'nhi_file' && allowed.size === 0) throw notFound;
        const names = await repo.names([...allowed]);
        const person = (n: number) => ({ atenaNo: n, nameKanji: names.get(n) ?? '' });
        const today = todayInJapan();
        const notices = [
          ...pseudoHeadActions(householdNo, day, facts).map((a) => `擬制世帯主の期間を${a.action === 'start' ? '開始' : '終了'}する必要があります(宛名番号 ${a.atenaNo}、${d(a.on)}: ${a.why})`),
          ...statuses
            .filter((s) => s.kind === 'specific_same_household')
            .flatMap((s) => {
              const end = specificSameHouseholdEnd(s, today, facts);
              return end ? [`特定同一世帯所属者(宛名番号 ${s.atenaNo})の期間は${d(end.on)}で終了する必要があります(${end.why})`] : [];
            }),
        ];
        const result = {
          householdNo,
          asOf: day,
          exists: h.members.length > 0,
          head: h.head && allowed.has(h.head.atenaNo) ? { ...person(h.head.atenaNo), insured: h.head.insured, byApplication: h.head.byApplication } : null,
          pseudoHead: h.pseudoHead,
          members: h.members.filter((m) => allowed.has(m.atenaNo)).map((m) => ({ ...person(m.atenaNo), basis: m.basis, basisLabel: m.basis === 'registry' ? '世帯員' : statusKindLabel('student_exception') })),
          specificSameHousehold: h.specificSameHousehold.filter((n) => allowed.has(n)).map(person),
          addressException: h.addressException.filter((n) => allowed.has(n)).map(person),
          statuses: statuses.filter((s) => allowed.has(s.atenaNo)).map((s) => ({ ...this.statusView(s), nameKanji: names.get(s.atenaNo) ?? '', inForce: within(s, day) })),
          notices,
        };
        subjects([...allowed]);
        detail({ householdNo, asOf: day, members: result.members.length, pseudoHead: h.pseudoHead, statuses: result.statuses.length });
        return result;
      },
    );
  }

  private statusView(s: StatusRow) {
    return {
      statusId: s.statusId,
      atenaNo: s.atenaNo,
      householdNo: s.householdNo,
      kind: s.kind,
      kindLabel: statusKindLabel(s.kind),
      validFrom: s.validFrom,
      validTo: s.validTo,
      facilityName: s.facilityName,
      facilityKind: s.facilityKind,
      facilityKindLabel: s.facilityKind ? FACILITY_KINDS[s.facilityKind] : null,
      schoolName: s.schoolName,
      ownHouseholdNo: s.ownHouseholdNo,
      basis: s.basis,
      reportedOn: s.reportedOn,
    };
  }

  // ---- requests ----

  /** Record a status period (held for a second person). */
  async requestStatus(actor: Actor, atenaNo: number, input: StatusRequest, correlationId: string) {
    const kind = NHI_HOUSEHOLD_KINDS.record;
    return this.audited(actor, { action: `${kind}.request`, subjects: [atenaNo], correlationId, detail: { householdNo: input.householdNo, statusKind: input.kind } }, async (tx) => {
      const person = await this.requirePerson(tx, actor, atenaNo);
      const repo = new NhiHouseholdRepository(tx);
      if (!(await repo.householdExists(input.householdNo))) {
        throw new AppError(422, 'rule_violation', `世帯番号: 世帯番号 ${input.householdNo} の世帯は登録されていません`, [{ field: 'householdNo', label: '世帯番号', message: `世帯番号: 世帯番号 ${input.householdNo} の世帯は登録されていません` }]);
      }
      await this.refuseIfPending(tx, atenaNo);
      const s: StatusInput = { atenaNo, ...input };
      refuse(checkStatus(s, await repo.facts(input.householdNo, [atenaNo])), 422);
      const info = NHI_HOUSEHOLD_STATUS_KINDS[input.kind];
      const summary: ChangeSummary = {
        fields: [
          { label: '区分', before: null, after: info.label },
          { label: '世帯番号', before: null, after: String(input.householdNo) },
          { label: '期間', before: null, after: periodText(input.validFrom, input.validTo) },
          ...(input.facilityName ? [{ label: '施設', before: null, after: `${input.facilityName}(${input.facilityKind ? FACILITY_KINDS[input.facilityKind] : ''})` }] : []),
          ...(input.schoolName ? [{ label: '学校名', before: null, after: input.schoolName }] : []),
        ],
        notes: [
          { label: '対象者', value: `${person.name_kanji}(宛名番号 ${atenaNo})` },
          ...(input.reportedOn ? [{ label: '届出日', value: d(input.reportedOn) }] : []),
          ...(input.basis ? [{ label: '備考', value: input.basis }] : []),
          { label: '根拠', value: info.basis },
        ],
        meta: { householdNo: String(input.householdNo) },
      };
      const payload: RecordPayload = { atenaNo, ...input };
      const changeId = await this.approvals.submit(tx, actor, { kind, atenaNo, payload, summary, warnings: [], auditDetail: { householdNo: input.householdNo, statusKind: input.kind, validFrom: input.validFrom }, correlationId });
      return { changeId, kind, status: 'pending' as const };
    });
  }

  /** End a status period on `validTo` (held for a second person). */
  async requestEnd(actor: Actor, statusId: number, validTo: string, correlationId: string) {
    const kind = NHI_HOUSEHOLD_KINDS.end;
    const subjects: number[] = [];
    return this.audited(actor, { action: `${kind}.request`, subjects, correlationId, detail: { statusId } }, async (tx) => {
      const repo = new NhiHouseholdRepository(tx);
      const notFound = new AppError(404, 'not_found', `国保世帯の記録番号 ${statusId} はありません`);
      const peek = await repo.status(statusId);
      if (!peek) throw notFound;
      let person;
      try {
        person = await this.requirePerson(tx, actor, peek.atenaNo);
      } catch (e) {
        if (e instanceof AppError && e.status === 404) throw notFound;
        throw e;
      }
      subjects.push(peek.atenaNo);
      const s = (await repo.status(statusId, true))!;
      await this.refuseIfPending(tx, s.atenaNo);
      refuse(checkEnd(s, validTo), 422);
      const summary: ChangeSummary = {
        fields: [{ label: `${statusKindLabel(s.kind)}の期間`, before: periodText(s.validFrom, s.validTo), after: periodText(s.validFrom, validTo) }],
        notes: [{ label: '対象者', value: `${person.name_kanji}(宛名番号 ${s.atenaNo}、世帯番号 ${s.householdNo})` }],
        meta: { statusId: String(statusId) },
      };
      const payload: EndPayload = { statusId, validTo, rowUpdatedAt: s.updatedAt.toISOString() };
      const changeId = await this.approvals.submit(tx, actor, { kind, atenaNo: s.atenaNo, payload, summary, warnings: [], auditDetail: { statusId, validTo }, correlationId });
      return { changeId, kind, status: 'pending' as const };
    });
  }

  // ---- apply steps (in the approval transaction; nhi.actor = the approver) ----

  private async applyRecord(tx: Tx, change: PendingChangeRow, approver: Actor) {
    const p = change.payload as RecordPayload;
    const repo = new NhiHouseholdRepository(tx);
    await tx.selectFrom('person').select('atena_no').where('atena_no', '=', personOf(change)).forUpdate().execute();
    refuse(checkStatus(p, await repo.facts(p.householdNo, [p.atenaNo])), 409);
    if (p.facilityKind === 'child_welfare') throw new AppError(409, 'changed_since_request', CHANGED); // refused by checkStatus already
    const statusId = await repo.insert({ ...p, facilityKind: p.facilityKind as Exclude<FacilityKind, 'child_welfare'> | null }, actorLabel(approver));
    await tx.updateTable('pending_change').set({ payload: sql`payload || ${JSON.stringify({ appliedStatusId: statusId })}::jsonb` }).where('change_id', '=', change.changeId).execute();
    await queueStatusChange(tx, p.atenaNo, p.householdNo, p.validFrom, change.changeId, approver);
    return { statusId, statusKind: p.kind as NhiHouseholdStatusKind };
  }

  private async applyEnd(tx: Tx, change: PendingChangeRow, approver: Actor) {
    const p = change.payload as EndPayload;
    const repo = new NhiHouseholdRepository(tx);
    const s = await repo.status(p.statusId, true);
    if (!s || s.updatedAt.toISOString() !== p.rowUpdatedAt) throw new AppError(409, 'changed_since_request', CHANGED);
    refuse(checkEnd(s, p.validTo), 409);
    await repo.end(p.statusId, p.validTo);
    await queueStatusChange(tx, s.atenaNo, s.householdNo, p.validTo, change.changeId, approver);
    return { statusId: p.statusId, validTo: p.validTo };
  }
}

/**
 * 更正: a status period (擬制世帯主, 住所地特例, 修学, 特定同一世帯所属者, 世帯主変更の申出) changes who is
 * taxed and how from `effectiveOn`: the household it names and the person's households are re-assessed.
 */
async function queueStatusChange(tx: Tx, atenaNo: number, householdNo: number, effectiveOn: string, changeId: number, approver: Actor) {
  const households = [householdNo, ...(await personHouseholdsFrom(tx, atenaNo, effectiveOn))];
  await queueReassessment(tx, [{ reason: 'status_changed', effectiveOn, householdNos: households, atenaNo, sourceRef: `pending_change:${changeId}` }], actorLabel(approver), todayInJapan());
}
