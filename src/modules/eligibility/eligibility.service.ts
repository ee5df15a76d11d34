import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { personOf, type ChangeKind, type ApprovalService, type ChangeSummary, type PendingChangeRow } from '../approval/approval.service.js';
import { AppError, type FieldError } from '../../http/errors.js';
import { runUseCase, type RefusalRecord } from '../../platform/use-case.js';
import { RecordScope } from '../access/record-scope.js';
import { requireStepUp } from '../../http/step-up.js';
import { lawParams } from '../../platform/params/law-params.js';
import { EligibilityRepository, type EligibilityRow } from './eligibility.repository.js';
import { AcquirePayloadSchema, PeriodPayloadSchema, type AcquirePayload, type PeriodPayload, type PeriodState, type PersonSeen } from './eligibility.payloads.js';
import { whoLabels } from '../access/who.js';
import { personHouseholdsFrom, queueReassessment } from '../assessment/reassessment-queue.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import {
  ACQUISITION_REASONS,
  birthdayAtAge,
  branchNoMaxOn,
  insuredSymbolOn,
  LOSS_REASONS,
  acquisitionReasonLabel,
  automaticLoss,
  checkPeriod,
  checkPrefectureAcquiredOn,
  errorsMessage,
  firstInsuredNumberCandidate,
  knownAt,
  lossReasonLabel,
  nextBranchNo,
  nextInsuredNumber,
  todayInJapan,
  type AcquisitionReason,
  type LossReason,
  type CheckOptions,
  type PeriodCheck,
  type PersonFacts,
  type RuleResult,
} from './eligibility.rules.js';

/** The kinds of pending change this module submits for 入力者以外の者による確認. */
export const ELIGIBILITY_KINDS = {
  acquire: 'eligibility.acquire',
  loss: 'eligibility.loss',
  correct: 'eligibility.correct',
  delete: 'eligibility.delete',
} as const;
const ALL_KINDS: string[] = Object.values(ELIGIBILITY_KINDS);
/** Kinds that act on one existing period (one pending change per period at a time). */
const PERIOD_KINDS: string[] = [ELIGIBILITY_KINDS.loss, ELIGIBILITY_KINDS.correct, ELIGIBILITY_KINDS.delete];

type Tx = Transaction<DB>;

/** The 住民記録 facts the rules used when the change was entered; the apply step compares them. */
export interface AcquireInput {
  householdNo: number;
  acquiredOn: string;
  acquisitionReason: AcquisitionReason;
  reportedOn: string | null;
  /** 事由発生日 (退職日, 保護廃止日 …): the rules check the 資格取得日 against it. */
  occurredOn?: string | null;
  /** 県内転入: the prefecture-level 資格取得日 (the previous city's), beside this city's 適用開始日. */
  prefectureAcquiredOn?: string | null;
  /** A period that has already ended (entered late: a dead person, one past 75 …) is recorded with its loss at once. */
  loss?: LossInput | null;
}

export interface LossInput {
  lostOn: string;
  lossReason: LossReason;
  /** 資格喪失の届出日. */
  reportedOn?: string | null;
  /** 事由発生日 (社保の資格取得日, 保護開始日 …). */
  occurredOn?: string | null;
}

export interface CorrectInput {
  acquiredOn?: string;
  acquisitionReason?: AcquisitionReason;
  lostOn?: string | null;
  lossReason?: LossReason | null;
  /** 資格喪失の届出日 of the corrected loss (the 14-day rule and 遡及 are judged on it). */
  lossReportedOn?: string | null;
}

const seenOf = (p: PersonFacts & { residentStatus: string }): PersonSeen => ({
  birthDate: p.birthDate,
  deathDate: p.deathDate,
  movedOutOn: p.movedOutOn,
  movedOutDestination: p.movedOutDestination ?? null,
  becameResidentOn: p.becameResidentOn,
  residentStatus: p.residentStatus,
});
const sameSeen = (a: PersonSeen, b: PersonSeen) =>
  a.birthDate === b.birthDate &&
  a.deathDate === b.deathDate &&
  a.movedOutOn === b.movedOutOn &&
  (a.movedOutDestination ?? null) === (b.movedOutDestination ?? null) &&
  a.becameResidentOn === b.becameResidentOn &&
  a.residentStatus === b.residentStatus;

const stateOf = (r: EligibilityRow): PeriodState => ({ acquiredOn: r.acquired_on, acquisitionReason: r.acquisition_reason, lostOn: r.lost_on, lossReason: r.loss_reason });

/** A state's field as the approver reads it: the reasons by their labels. */
const shownValue = (s: PeriodState, k: keyof PeriodState): string | null =>
  k === 'acquisitionReason' ? acquisitionReasonLabel(s.acquisitionReason) : k === 'lossReason' ? (s.lossReason === null ? null : lossReasonLabel(s.lossReason)) : s[k];

const others = (rows: EligibilityRow[], exceptId: number | null) =>
  rows.filter((r) => r.eligibility_id !== exceptId).map((r) => ({ eligibilityId: r.eligibility_id, acquiredOn: r.acquired_on, lostOn: r.lost_on }));

const numberText = (r: { insured_symbol: string; insured_number: string; branch_no: string }) => `${r.insured_symbol} ${r.insured_number} 枝番${r.branch_no}`;
const periodText = (s: PeriodState) => `${d(s.acquiredOn)}〜${s.lostOn ? d(s.lostOn) : ''}`;

/** The period an acquisition request records: open, or closed at once by its loss. */
const acquiredPeriod = (a: { acquiredOn: string; acquisitionReason: AcquisitionReason; loss?: LossInput | null }) => ({
  acquiredOn: a.acquiredOn,
  acquisitionReason: a.acquisitionReason,
  lostOn: a.loss?.lostOn ?? null,
  lossReason: a.loss?.lossReason ?? null,
});

/**
 * What the rules are told of a new version of `row`: the acquisition's 届出日 as stored, and the loss's —
 * the new one for a loss request, the stored one while the 喪失日 stays, none when the loss is cancelled.
 */
function checkOptionsFor(row: EligibilityRow, after: PeriodState, loss: { reportedOn: string | null; occurredOn: string | null } | undefined): CheckOptions {
  return {
    today: todayInJapan(),
    reportedOn: row.acquisition_reported_on,
    lossReportedOn: loss ? loss.reportedOn : after.lostOn !== null && after.lostOn === row.lost_on ? row.loss_reported_on : null,
    lossOccurredOn: loss?.occurredOn ?? null,
  };
}

/** The 届出日 columns of the new version, and whether each is 遡及 (from the rules' check). */
/** The period a correction asks for: the stored one with the entered fields replaced (lostOn null cancels the loss). */
function correctedState(row: EligibilityRow, input: CorrectInput): PeriodState {
  const before = stateOf(row);
  return {
    acquiredOn: input.acquiredOn ?? before.acquiredOn,
    acquisitionReason: input.acquisitionReason ?? before.acquisitionReason,
    lostOn: input.lostOn !== undefined ? input.lostOn : before.lostOn,
    lossReason: input.lossReason !== undefined ? input.lossReason : input.lostOn === null ? null : before.lossReason,
  };
}

function reportedFor(row: EligibilityRow, after: PeriodState, loss: { reportedOn: string | null } | undefined, check: PeriodCheck) {
  const lossReportedOn = loss ? loss.reportedOn : after.lostOn !== null && after.lostOn === row.lost_on ? row.loss_reported_on : null;
  return {
    acquisitionReportedOn: row.acquisition_reported_on,
    lossReportedOn,
    acquisitionRetroactive: row.acquisition_reported_on !== null && check.retroactive.acquisition,
    lossRetroactive: lossReportedOn !== null && check.retroactive.loss,
  };
}

/** What a dry run (確認) answers: the request's rule errors and warnings, and whether each 届出 is 遡及. */
export interface CheckAnswer {
  errors: FieldError[];
  warnings: string[];
  retroactive: { acquisition: boolean; loss: boolean };
}

const notFoundRefusal = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);

const CHANGED_SINCE_REQUEST = 'この変更の入力後に資格または住民記録が変更されています。この変更は却下し、改めて入力してください';

/**
 * 資格 (NHI eligibility): registration, loss, correction and deletion of periods, each held in
 * pending_change until a different user with 承認 approves it. nhi_eligibility is bitemporal: acquired_on
 * / lost_on are the legal dates, recorded_at / superseded_at the system time. The apply steps never
 * edit a version's legal dates in place: they supersede it and record a new version (none for a
 * deletion), so "what did we know when" stays answerable; a reject leaves the table untouched.
 */
export class EligibilityService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
    private readonly approvals: ApprovalService,
  ) {}

  /** The kinds of change this area holds for a second person (declared by eligibility.module.ts). */
  approvalKinds(): ChangeKind[] {
    return [
      {
        kind: ELIGIBILITY_KINDS.acquire,
        label: '資格取得',
        functionCode: 'eligibility.update',
        payload: AcquirePayloadSchema,
        apply: (tx, change, approver) => this.applyAcquire(tx, change, approver),
      },
      {
        kind: ELIGIBILITY_KINDS.loss,
        label: '資格喪失',
        functionCode: 'eligibility.update',
        payload: PeriodPayloadSchema,
        apply: (tx, change, approver) => this.applyPeriodChange(tx, change, approver, 'loss'),
      },
      {
        kind: ELIGIBILITY_KINDS.correct,
        label: '資格の訂正',
        functionCode: 'eligibility.update',
        payload: PeriodPayloadSchema,
        apply: (tx, change, approver) => this.applyPeriodChange(tx, change, approver, 'correct'),
      },
      {
        kind: ELIGIBILITY_KINDS.delete,
        label: '資格の削除',
        functionCode: 'eligibility.update',
        payload: PeriodPayloadSchema,
        stepUpToApprove: true,
        apply: (tx, change, approver) => this.applyPeriodChange(tx, change, approver, 'delete'),
      },
    ];
  }

  /** A request through the use-case choke point; approvals.submit appends the success record itself. */
  private audited<T>(actor: Actor, ctx: { action: string; subjects: number[]; correlationId: string | null; detail?: Record<string, unknown> }, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'eligibility.update', ...ctx }, (u) => {
      u.skipSuccessRecord();
      return fn(u.tx);
    });
  }

  /** 404 alike for unknown and out-of-scope persons (a probe learns nothing). Locks the person row. */
  private async requirePerson(tx: Tx, actor: Actor, atenaNo: number, lock: boolean) {
    const person = await new EligibilityRepository(tx).person(atenaNo, lock);
    if (!person || !(await new RecordScope(tx, actor).allows(atenaNo))) {
      throw new AppError(404, 'not_found', `宛名番号 ${atenaNo} の住民は登録されていません`);
    }
    return person;
  }

  /** The current version of a period, with its person locked (serialises requests per person). */
  private async requireCurrentRow(tx: Tx, actor: Actor, eligibilityId: number, lock = true) {
    const repo = new EligibilityRepository(tx);
    const notFound = new AppError(404, 'not_found', `資格履歴番号 ${eligibilityId} の資格記録はありません`);
    const peek = await repo.row(eligibilityId);
    if (!peek) throw notFound;
    let person;
    try {
      person = await this.requirePerson(tx, actor, peek.atena_no, lock);
    } catch (e) {
      if (e instanceof AppError && e.status === 404) throw notFound;
      throw e;
    }
    const row = (await repo.row(eligibilityId, lock))!;
    if (row.superseded_at !== null) {
      const current = await repo.currentRows(row.atena_no);
      throw new AppError(
        409,
        'superseded',
        `この資格記録(資格履歴番号 ${eligibilityId})は訂正・削除等により置き換えられています。現在の記録(${current.map((c) => `資格履歴番号 ${c.eligibility_id}`).join('、') || 'なし'})を指定してください`,
      );
    }
    return { row, person };
  }

  private async refuseIfPending(tx: Tx, atenaNo: number, eligibilityId: number | null) {
    if (eligibilityId === null) {
      const waiting = await this.approvals.pendingFor(tx, atenaNo, [ELIGIBILITY_KINDS.acquire]);
      if (waiting.length > 0) throw new AppError(409, 'pending_exists', `この住民には承認待ちの資格取得があります(変更番号 ${waiting[0]!.changeId})。承認または却下の後に入力してください`);
      return;
    }
    const waiting = (await this.approvals.pendingFor(tx, atenaNo, PERIOD_KINDS)).filter((c) => (c.payload as PeriodPayload).eligibilityId === eligibilityId);
    if (waiting.length > 0) throw new AppError(409, 'pending_exists', `この資格記録には承認待ちの変更があります(変更番号 ${waiting[0]!.changeId})。承認または却下の後に入力してください`);
  }

  private refuseOnErrors(r: RuleResult) {
    if (r.errors.length > 0) throw new AppError(422, 'rule_violation', errorsMessage(r.errors), r.errors);
  }

  // ---- requests (held for a second person) ----

  /** 資格取得: a new period for a current member of the household. */
  async requestAcquire(actor: Actor, atenaNo: number, input: AcquireInput, correlationId: string) {
    const kind = ELIGIBILITY_KINDS.acquire;
    return this.audited(actor, { action: `${kind}.request`, subjects: [atenaNo], correlationId }, async (tx) => {
      const repo = new EligibilityRepository(tx);
      const { person, notMember, check } = await this.acquireCheck(tx, actor, atenaNo, input, true);
      if (notMember) throw new AppError(422, 'not_member', notMember.text, [notMember.error]);
      this.refuseOnErrors(check);
      const number = await repo.householdNumber(input.householdNo);
      const reason = ACQUISITION_REASONS[input.acquisitionReason];
      const summary: ChangeSummary = {
        fields: [
          { label: '世帯番号', before: null, after: String(input.householdNo) },
          { label: '資格取得日', before: null, after: input.acquiredOn },
          { label: '資格取得事由', before: null, after: reason.label },
          ...(input.loss
            ? [
                { label: '資格喪失日', before: null, after: input.loss.lostOn },
                { label: '資格喪失事由', before: null, after: LOSS_REASONS[input.loss.lossReason].label },
              ]
            : []),
        ],
        notes: [
          { label: '被保険者', value: `${person.nameKanji}(宛名番号 ${atenaNo}、生年月日 ${d(person.birthDate)})` },
          { label: '被保険者証記号・番号', value: number ? `${number.symbol} ${number.number}(世帯の記号・番号。枝番は承認時に割り当て)` : '承認時に新しく割り当て' },
          ...(input.occurredOn ? [{ label: '事由発生日', value: d(input.occurredOn) }] : []),
          ...(input.prefectureAcquiredOn ? [{ label: '県の資格取得日', value: `${d(input.prefectureAcquiredOn)}(前住所地で取得。本市の適用開始は資格取得日)` }] : []),
          ...(input.reportedOn ? [{ label: '届出日', value: `${d(input.reportedOn)}${check.retroactive.acquisition ? '(遡及: 届出期限後)' : ''}` }] : []),
          { label: '根拠', value: reason.basis },
        ],
        meta: { householdNo: String(input.householdNo) },
      };
      const payload: AcquirePayload = { ...input, occurredOn: input.occurredOn ?? null, prefectureAcquiredOn: input.prefectureAcquiredOn ?? null, loss: input.loss ?? null, person: seenOf(person) };
      const changeId = await this.approvals.submit(tx, actor, {
        kind,
        atenaNo,
        payload: payload as unknown as Record<string, unknown>,
        summary,
        warnings: check.warnings,
        auditDetail: { householdNo: input.householdNo, acquiredOn: input.acquiredOn, acquisitionReason: input.acquisitionReason, reportedOn: input.reportedOn, retroactive: check.retroactive.acquisition },
        correlationId,
      });
      return { changeId, kind, status: 'pending' as const, warnings: check.warnings, retroactive: check.retroactive };
    });
  }

  /**
   * The checks of an acquisition, as the request runs them and as its dry run (checkAcquire) answers:
   * the person (404 alike when unknown or out of scope), membership of the household, no acquisition
   * waiting (409), then checkPeriod against the person's facts and other current periods.
   */
  private async acquireCheck(tx: Tx, actor: Actor, atenaNo: number, input: AcquireInput, lock: boolean) {
    const repo = new EligibilityRepository(tx);
    const person = await this.requirePerson(tx, actor, atenaNo, lock);
    const member = await repo.currentHousehold(atenaNo);
    let notMember: { text: string; error: FieldError } | null = null;
    if (member !== input.householdNo) {
      const text = `宛名番号 ${atenaNo} の住民は世帯番号 ${input.householdNo} の現在の世帯員ではありません${member ? `(現在の世帯: ${member})` : ''}`;
      notMember = { text, error: { field: 'householdNo', label: '世帯番号', message: `世帯番号: ${text}` } };
    } else {
      await this.refuseIfPending(tx, atenaNo, null);
    }
    const current = await repo.currentRows(atenaNo);
    const check = checkPeriod(acquiredPeriod(input), person, others(current, null), {
      today: todayInJapan(),
      reportedOn: input.reportedOn,
      acquisitionOccurredOn: input.occurredOn ?? null,
      lossReportedOn: input.loss?.reportedOn ?? null,
      lossOccurredOn: input.loss?.occurredOn ?? null,
    });
    const prefecture = checkPrefectureAcquiredOn(input.acquisitionReason, input.acquiredOn, input.prefectureAcquiredOn ?? null);
    check.errors.push(...prefecture.errors);
    check.warnings.push(...prefecture.warnings);
    return { person, notMember, check };
  }

  /**
   * 資格取得の確認 (dry run): the request's checks on the same input, answered before saving — nothing
   * is written but the audit record of the read. A refusal the request would answer with 404 or 409
   * (unknown person, an acquisition waiting) is answered the same; rule errors come back as a list.
   */
  async checkAcquire(actor: Actor, atenaNo: number, input: AcquireInput, correlationId: string): Promise<CheckAnswer> {
    const kind = ELIGIBILITY_KINDS.acquire;
    return runUseCase(this.db, this.audit, actor, { functionCode: 'eligibility.update', action: `${kind}.check`, subjects: [atenaNo], correlationId, refusal: notFoundRefusal }, async ({ tx, detail }) => {
      const { notMember, check } = await this.acquireCheck(tx, actor, atenaNo, input, false);
      const answer = { errors: [...(notMember ? [notMember.error] : []), ...check.errors], warnings: check.warnings, retroactive: check.retroactive };
      detail({ acquiredOn: input.acquiredOn, acquisitionReason: input.acquisitionReason, errors: answer.errors.map((e) => e.field), warnings: answer.warnings.length, retroactive: check.retroactive });
      return answer;
    });
  }

  /** A loss of `row` as requested: refused when the period has already ended. */
  private lossOf(row: EligibilityRow, input: LossInput) {
    if (row.lost_on !== null) {
      throw new AppError(409, 'already_lost', `この資格は既に喪失しています(資格喪失日 ${d(row.lost_on)}、事由 ${row.loss_reason ? lossReasonLabel(row.loss_reason) : '-'})。誤りのときは訂正してください`);
    }
    const after: PeriodState = { ...stateOf(row), lostOn: input.lostOn, lossReason: input.lossReason };
    return { after, loss: { reportedOn: input.reportedOn ?? null, occurredOn: input.occurredOn ?? null } };
  }

  /**
   * 資格喪失の確認 (dry run): the loss request's checks (the period current, none waiting, not already
   * lost, then checkPeriod as the request runs it), answered without saving; audited as a read.
   */
  async checkLoss(actor: Actor, eligibilityId: number, input: LossInput, correlationId: string): Promise<CheckAnswer> {
    const kind = ELIGIBILITY_KINDS.loss;
    return runUseCase(this.db, this.audit, actor, { functionCode: 'eligibility.update', action: `${kind}.check`, subjects: [], detail: { eligibilityId }, correlationId, refusal: notFoundRefusal }, async ({ tx, subjects, detail }) => {
      const { row, person } = await this.requireCurrentRow(tx, actor, eligibilityId, false);
      subjects([row.atena_no]);
      await this.refuseIfPending(tx, row.atena_no, eligibilityId);
      const { after, loss } = this.lossOf(row, input);
      const current = await new EligibilityRepository(tx).currentRows(row.atena_no);
      const check = checkPeriod(after, person, others(current, eligibilityId), checkOptionsFor(row, after, loss));
      detail({ eligibilityId, lostOn: input.lostOn, lossReason: input.lossReason, errors: check.errors.map((e) => e.field), warnings: check.warnings.length, retroactive: check.retroactive });
      return { errors: check.errors, warnings: check.warnings, retroactive: check.retroactive };
    });
  }

  /** 訂正の確認 (dry run): the same checks as the correction request on the corrected period; nothing saved. */
  async checkCorrect(actor: Actor, eligibilityId: number, input: CorrectInput, correlationId: string): Promise<CheckAnswer> {
    const kind = ELIGIBILITY_KINDS.correct;
    return runUseCase(this.db, this.audit, actor, { functionCode: 'eligibility.update', action: `${kind}.check`, subjects: [], detail: { eligibilityId }, correlationId, refusal: notFoundRefusal }, async ({ tx, subjects, detail }) => {
      const { row, person } = await this.requireCurrentRow(tx, actor, eligibilityId, false);
      subjects([row.atena_no]);
      await this.refuseIfPending(tx, row.atena_no, eligibilityId);
      const after = correctedState(row, input);
      const loss = input.lossReportedOn !== undefined && after.lostOn !== null ? { reportedOn: input.lossReportedOn, occurredOn: null } : undefined;
      const current = await new EligibilityRepository(tx).currentRows(row.atena_no);
      const check = checkPeriod(after, person, others(current, eligibilityId), checkOptionsFor(row, after, loss));
      detail({ eligibilityId, errors: check.errors.map((e) => e.field), warnings: check.warnings.length, retroactive: check.retroactive });
      return { errors: check.errors, warnings: check.warnings, retroactive: check.retroactive };
    });
  }

  /** 資格喪失: the period ends (a new version with 喪失日 and 事由). */
  async requestLoss(actor: Actor, eligibilityId: number, input: LossInput, correlationId: string) {
    const kind = ELIGIBILITY_KINDS.loss;
    return this.auditedPeriod(actor, kind, eligibilityId, correlationId, async (_tx, row) => {
      const { after } = this.lossOf(row, input);
      const reason = LOSS_REASONS[input.lossReason];
      return {
        after,
        fields: [
          { label: '資格喪失日', before: null, after: input.lostOn },
          { label: '資格喪失事由', before: null, after: reason.label },
        ],
        notes: [
          ...(input.occurredOn ? [{ label: '事由発生日', value: d(input.occurredOn) }] : []),
          ...(input.reportedOn ? [{ label: '資格喪失の届出日', value: d(input.reportedOn) }] : []),
          { label: '根拠', value: reason.basis },
        ],
        auditDetail: { lostOn: input.lostOn, lossReason: input.lossReason, reportedOn: input.reportedOn ?? null },
        loss: { reportedOn: input.reportedOn ?? null, occurredOn: input.occurredOn ?? null },
      };
    });
  }

  /** 訂正: some of the period's legal content was recorded wrongly. */
  async requestCorrect(actor: Actor, eligibilityId: number, input: CorrectInput, correlationId: string) {
    const kind = ELIGIBILITY_KINDS.correct;
    return this.auditedPeriod(actor, kind, eligibilityId, correlationId, async (_tx, row) => {
      const before = stateOf(row);
      const after = correctedState(row, input);
      const labels: [keyof PeriodState, string][] = [
        ['acquiredOn', '資格取得日'],
        ['acquisitionReason', '資格取得事由'],
        ['lostOn', '資格喪失日'],
        ['lossReason', '資格喪失事由'],
      ];
      const fields = labels.filter(([k]) => before[k] !== after[k]).map(([k, label]) => ({ label, before: shownValue(before, k), after: shownValue(after, k) }));
      const reportChanged = input.lossReportedOn !== undefined && input.lossReportedOn !== row.loss_reported_on;
      if (reportChanged) fields.push({ label: '資格喪失の届出日', before: row.loss_reported_on, after: input.lossReportedOn ?? null });
      if (fields.length === 0) throw new AppError(409, 'unchanged', '登録されている内容と同じです。訂正の必要はありません');
      const changed = labels.filter(([k]) => before[k] !== after[k]).map(([k]) => k as string);
      return {
        after,
        fields,
        notes: [],
        auditDetail: { fields: reportChanged ? [...changed, 'lossReportedOn'] : changed },
        ...(input.lossReportedOn !== undefined && after.lostOn !== null ? { loss: { reportedOn: input.lossReportedOn, occurredOn: null } } : {}),
      };
    });
  }

  /** 削除: the period was recorded in error. After a step-up; the approver steps up too. */
  async requestDelete(actor: Actor, eligibilityId: number, reason: string, correlationId: string) {
    const kind = ELIGIBILITY_KINDS.delete;
    return this.auditedPeriod(actor, kind, eligibilityId, correlationId, async (_tx, row) => {
      const before = stateOf(row);
      const warnings = row.lost_on === null ? ['現に被保険者である資格期間を削除します。賦課・給付への影響を確認してください'] : [];
      return {
        after: null,
        fields: [
          { label: '資格取得日', before: before.acquiredOn, after: null },
          { label: '資格取得事由', before: shownValue(before, 'acquisitionReason'), after: null },
          { label: '資格喪失日', before: before.lostOn, after: null },
          { label: '資格喪失事由', before: shownValue(before, 'lossReason'), after: null },
        ],
        notes: [{ label: '削除の理由', value: reason }],
        auditDetail: { reason },
        reason,
        extraWarnings: warnings,
      };
    }, true);
  }

  /** The common part of loss / correct / delete requests. */
  private auditedPeriod(
    actor: Actor,
    kind: string,
    eligibilityId: number,
    correlationId: string,
    build: (
      tx: Tx,
      row: EligibilityRow,
      person: PersonFacts & { atenaNo: number; nameKanji: string; residentStatus: string },
    ) => Promise<{
      after: PeriodState | null;
      fields: ChangeSummary['fields'];
      notes: ChangeSummary['notes'];
      auditDetail: Record<string, unknown>;
      reason?: string;
      extraWarnings?: string[];
      /** A loss: its 届出日 and 事由発生日. */
      loss?: { reportedOn: string | null; occurredOn: string | null };
    }>,
    stepUp = false,
  ) {
    const subjects: number[] = [];
    return this.audited(actor, { action: `${kind}.request`, subjects, correlationId, detail: { eligibilityId } }, async (tx) => {
      if (stepUp) requireStepUp(actor);
      const { row, person } = await this.requireCurrentRow(tx, actor, eligibilityId);
      subjects.push(row.atena_no);
      await this.refuseIfPending(tx, row.atena_no, eligibilityId);
      const b = await build(tx, row, person);
      let warnings = b.extraWarnings ?? [];
      let retroactive = { acquisition: row.acquisition_retroactive, loss: row.loss_retroactive };
      if (b.after) {
        const current = await new EligibilityRepository(tx).currentRows(row.atena_no);
        const check = checkPeriod(b.after, person, others(current, eligibilityId), checkOptionsFor(row, b.after, b.loss));
        this.refuseOnErrors(check);
        warnings = [...warnings, ...check.warnings];
        retroactive = check.retroactive;
      }
      const summary: ChangeSummary = {
        fields: b.fields,
        notes: [
          { label: '被保険者', value: `${person.nameKanji}(宛名番号 ${row.atena_no}、生年月日 ${d(person.birthDate)})` },
          { label: '資格期間', value: `資格履歴番号 ${row.eligibility_id}: ${periodText(stateOf(row))}(世帯番号 ${row.household_no}、${numberText(row)})` },
          ...b.notes,
        ],
        meta: { eligibilityId: String(eligibilityId) },
      };
      const payload: PeriodPayload = {
        eligibilityId,
        rowUpdatedAt: row.updated_at.toISOString(),
        person: seenOf(person),
        before: stateOf(row),
        after: b.after,
        ...(b.reason !== undefined ? { reason: b.reason } : {}),
        ...(b.loss ? { reportedOn: b.loss.reportedOn, occurredOn: b.loss.occurredOn } : {}),
      };
      const changeId = await this.approvals.submit(tx, actor, {
        kind,
        atenaNo: row.atena_no,
        payload: payload as unknown as Record<string, unknown>,
        summary,
        warnings,
        auditDetail: { eligibilityId, ...b.auditDetail },
        correlationId,
      });
      return { changeId, kind, status: 'pending' as const, warnings, retroactive };
    });
  }

  // ---- apply steps (run by the approval module in the approval transaction; nhi.actor = approver) ----

  /** The apply step's result goes into the change's payload, so the history can name the change. */
  private async recordApplied(tx: Tx, changeId: number, eligibilityId: number) {
    await tx
      .updateTable('pending_change')
      .set({ payload: sql`payload || ${JSON.stringify({ appliedEligibilityId: eligibilityId })}::jsonb` })
      .where('change_id', '=', changeId)
      .execute();
  }

  private async applyAcquire(tx: Tx, change: PendingChangeRow, approver: Actor) {
    const p = change.payload as AcquirePayload;
    const repo = new EligibilityRepository(tx);
    const person = await repo.person(personOf(change), true);
    if (!person || !sameSeen(seenOf(person), p.person)) throw new AppError(409, 'changed_since_request', CHANGED_SINCE_REQUEST);
    if ((await repo.currentHousehold(personOf(change))) !== p.householdNo) {
      throw new AppError(409, 'changed_since_request', `この変更の入力後に世帯が変わっています(世帯番号 ${p.householdNo} の世帯員ではありません)。この変更は却下し、改めて入力してください`);
    }
    const current = await repo.currentRows(personOf(change), true);
    const today = todayInJapan();
    const check = checkPeriod(acquiredPeriod(p), person, others(current, null), {
      today,
      reportedOn: p.reportedOn,
      acquisitionOccurredOn: p.occurredOn ?? null,
      lossReportedOn: p.loss?.reportedOn ?? null,
      lossOccurredOn: p.loss?.occurredOn ?? null,
    });
    check.errors.push(...checkPrefectureAcquiredOn(p.acquisitionReason, p.acquiredOn, p.prefectureAcquiredOn ?? null).errors);
    if (check.errors.length > 0) throw new AppError(409, 'changed_since_request', `${CHANGED_SINCE_REQUEST}: ${check.errors.map((e) => e.message).join(' / ')}`, check.errors);

    // 被保険者証記号・番号: the household's own, else a new number no other household uses; 枝番: the
    // person's old one under this number, else the next never-used one.
    await repo.lockNumberAllocation();
    let number = await repo.householdNumber(p.householdNo);
    if (!number) {
      let candidate = firstInsuredNumberCandidate(p.householdNo);
      for (let i = 0; await repo.numberUsedByOtherHousehold(candidate, p.householdNo); i++) {
        if (i > 10_000) throw new AppError(409, 'number_exhausted', '被保険者証番号を割り当てられません。システム管理者に連絡してください');
        candidate = nextInsuredNumber(candidate);
      }
      number = { symbol: insuredSymbolOn(today), number: candidate };
    }
    const branches = await repo.branchesUnder(number.symbol, number.number, personOf(change));
    const branchNoMax = branchNoMaxOn(today);
    const branchNo = branches.own ?? nextBranchNo(branches.used, branchNoMax);
    if (!branchNo) throw new AppError(409, 'branch_exhausted', `被保険者証番号 ${number.number} の枝番(${branchNoMax}まで)をすべて使っています`);

    const at = await repo.now();
    const eligibilityId = await repo.insertVersion(
      {
        atenaNo: personOf(change),
        householdNo: p.householdNo,
        insuredSymbol: number.symbol,
        insuredNumber: number.number,
        branchNo,
        acquiredOn: p.acquiredOn,
        acquisitionReason: p.acquisitionReason,
        prefectureAcquiredOn: p.prefectureAcquiredOn ?? null,
        lostOn: p.loss?.lostOn ?? null,
        lossReason: p.loss?.lossReason ?? null,
        acquisitionReportedOn: p.reportedOn,
        lossReportedOn: p.loss?.reportedOn ?? null,
        acquisitionRetroactive: check.retroactive.acquisition,
        lossRetroactive: check.retroactive.loss,
      },
      at,
      actorLabel(approver),
    );
    await this.recordApplied(tx, change.changeId, eligibilityId);
    await this.queueReassessment(tx, personOf(change), [p.householdNo], p.acquiredOn, `pending_change:${change.changeId}`, approver, today);
    return { eligibilityId, householdNo: p.householdNo, branchNo };
  }

  private async applyPeriodChange(tx: Tx, change: PendingChangeRow, approver: Actor, what: 'loss' | 'correct' | 'delete') {
    const p = change.payload as PeriodPayload;
    const repo = new EligibilityRepository(tx);
    const person = await repo.person(personOf(change), true);
    const row = await repo.row(p.eligibilityId, true);
    if (!person || !sameSeen(seenOf(person), p.person) || !row || row.superseded_at !== null || row.updated_at.toISOString() !== p.rowUpdatedAt) {
      throw new AppError(409, 'changed_since_request', CHANGED_SINCE_REQUEST);
    }
    // A loss, or a correction that states the loss's 届出日: the 14-day rule and 遡及 are judged on it.
    const lossFacts = what === 'loss' || (what === 'correct' && p.reportedOn !== undefined) ? { reportedOn: p.reportedOn ?? null, occurredOn: p.occurredOn ?? null } : undefined;
    let check: PeriodCheck | null = null;
    if (p.after) {
      const current = await repo.currentRows(personOf(change), true);
      check = checkPeriod(p.after, person, others(current, p.eligibilityId), checkOptionsFor(row, p.after, lossFacts));
      if (check.errors.length > 0) throw new AppError(409, 'changed_since_request', `${CHANGED_SINCE_REQUEST}: ${check.errors.map((e) => e.message).join(' / ')}`, check.errors);
    }
    const at = await repo.now();
    await repo.supersede(p.eligibilityId, at);
    // 賦課: from the earliest day the change moves (a deletion: the whole period).
    const effectiveOn = p.after ? (earliestMoved([row.acquired_on, p.after.acquiredOn], [row.lost_on, p.after.lostOn ?? null]) ?? row.acquired_on) : row.acquired_on;
    await this.queueReassessment(tx, Number(row.atena_no), [Number(row.household_no)], effectiveOn, `pending_change:${change.changeId}`, approver, todayInJapan());
    if (!p.after || !check) return { eligibilityId: p.eligibilityId, what };
    const newId = await repo.insertVersion(
      {
        atenaNo: row.atena_no,
        householdNo: row.household_no,
        insuredSymbol: row.insured_symbol,
        insuredNumber: row.insured_number,
        branchNo: row.branch_no,
        ...p.after,
        prefectureAcquiredOn: keptPrefectureDate(row.prefecture_acquired_on, p.after),
        ...reportedFor(row, p.after, lossFacts, check),
      },
      at,
      actorLabel(approver),
    );
    await this.recordApplied(tx, change.changeId, newId);
    return { eligibilityId: p.eligibilityId, newEligibilityId: newId, what };
  }

  // ---- changes the law makes by itself (住基連携: death, 転出 out of the prefecture, 75歳到達) ----

  /**
   * A loss the law makes without a notification, applied by the system actor inside the caller's
   * transaction through the same rules as a clerk's loss (checkPeriod): the current version is
   * superseded by one with the 喪失日 and 事由. Refused (AppError 422) when the rules refuse it; the
   * caller then leaves it to staff. Returns the new version's id.
   */
  async applyAutomaticLoss(tx: Kysely<DB>, input: { eligibilityId: number; lostOn: string; lossReason: LossReason; by: string; reportedOn?: string | null }): Promise<number> {
    const repo = new EligibilityRepository(tx);
    const row = await repo.row(input.eligibilityId, true);
    if (!row || row.superseded_at !== null) throw new AppError(409, 'changed_since_request', `資格履歴番号 ${input.eligibilityId} は既に置き換えられています`);
    const person = await repo.person(Number(row.atena_no), true);
    if (!person) throw new AppError(404, 'not_found', `宛名番号 ${row.atena_no} はありません`);
    const current = await repo.currentRows(Number(row.atena_no), true);
    const r = automaticLoss(
      { acquiredOn: row.acquired_on, acquisitionReason: row.acquisition_reason, acquisitionReportedOn: row.acquisition_reported_on },
      { lostOn: input.lostOn, lossReason: input.lossReason, reportedOn: input.reportedOn ?? null },
      person,
      others(current, input.eligibilityId),
      todayInJapan(),
    );
    if ('errors' in r) throw new AppError(422, 'rule_violation', errorsMessage(r.errors), r.errors);
    const at = await repo.now();
    await repo.supersede(input.eligibilityId, at);
    const { after, ...reported } = r;
    const id = await repo.insertVersion(
      {
        atenaNo: Number(row.atena_no),
        householdNo: Number(row.household_no),
        insuredSymbol: row.insured_symbol,
        insuredNumber: row.insured_number,
        branchNo: row.branch_no,
        ...after,
        prefectureAcquiredOn: keptPrefectureDate(row.prefecture_acquired_on, after),
        ...reported,
      },
      at,
      input.by,
    );
    await queueReassessment(tx, [{ reason: 'eligibility_changed', effectiveOn: after.lostOn ?? input.lostOn, householdNos: [Number(row.household_no), ...(await personHouseholdsFrom(tx, Number(row.atena_no), input.lostOn))], atenaNo: Number(row.atena_no), sourceRef: `nhi_eligibility:${id}` }], input.by, todayInJapan());
    return id;
  }

  /** 更正: the households the person's 資格 counts in from `effectiveOn` are re-assessed (reassessment_request). */
  private async queueReassessment(tx: Tx, atenaNo: number, households: number[], effectiveOn: string, sourceRef: string, approver: Actor, today: string) {
    const all = [...households, ...(await personHouseholdsFrom(tx, atenaNo, effectiveOn))];
    await queueReassessment(tx, [{ reason: 'eligibility_changed', effectiveOn, householdNos: all, atenaNo, sourceRef }], actorLabel(approver), today);
  }

  // ---- reading ----

  /**
   * The person's periods: the current versions, the superseded ones (what was recorded when, and by
   * which approved change), optionally the versions held at a past moment, and the changes waiting.
   */
  async view(actor: Actor, atenaNo: number, asOf: Date | null, correlationId: string) {
    const refusal = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'eligibility.get', subjects: [atenaNo], correlationId, refusal }, async ({ tx, detail }) => {
      const repo = new EligibilityRepository(tx);
      const person = await this.requirePerson(tx, actor, atenaNo, false);
      const rows = await repo.allRows(atenaNo);
      const recorders = await repo.firstRecorders(rows.map((r) => r.eligibility_id));
      const decided = await tx
        .selectFrom('pending_change')
        .select(['change_id', 'kind', 'payload', 'requested_by', 'decided_by'])
        .where('atena_no', '=', atenaNo)
        .where('status', '=', 'approved')
        .where('kind', 'in', ALL_KINDS)
        .execute();
      const pendingChanges = await this.approvals.pendingFor(tx, atenaNo, ALL_KINDS);
      const who = await whoLabels(tx, [...rows.map((r) => r.updated_by), ...recorders.values(), ...decided.flatMap((c) => [c.requested_by, c.decided_by]), ...pendingChanges.map((c) => c.requestedBy)]);
      const changeRef = (c: (typeof decided)[number]) => ({
        changeId: Number(c.change_id),
        kind: c.kind,
        requestedBy: c.requested_by,
        requestedByLabel: who(c.requested_by),
        approvedBy: c.decided_by ?? '',
        approvedByLabel: c.decided_by ? who(c.decided_by) : '',
      });
      const payloadOf = (c: (typeof decided)[number]) => (typeof c.payload === 'string' ? JSON.parse(c.payload) : c.payload) as Partial<PeriodPayload & AcquirePayload>;
      const version = (r: EligibilityRow) => {
        const recordedBy = decided.find((c) => payloadOf(c).appliedEligibilityId === r.eligibility_id);
        const supersededBy = r.superseded_at ? decided.find((c) => c.kind !== ELIGIBILITY_KINDS.acquire && payloadOf(c).eligibilityId === r.eligibility_id) : undefined;
        return {
          eligibilityId: r.eligibility_id,
          householdNo: r.household_no,
          insuredSymbol: r.insured_symbol,
          insuredNumber: r.insured_number,
          branchNo: r.branch_no,
          acquiredOn: r.acquired_on,
          acquisitionReason: r.acquisition_reason,
          acquisitionReasonLabel: acquisitionReasonLabel(r.acquisition_reason),
          prefectureAcquiredOn: r.prefecture_acquired_on,
          lostOn: r.lost_on,
          lossReason: r.loss_reason,
          lossReasonLabel: r.loss_reason === null ? null : lossReasonLabel(r.loss_reason),
          acquisitionReportedOn: r.acquisition_reported_on,
          lossReportedOn: r.loss_reported_on,
          acquisitionRetroactive: r.acquisition_retroactive,
          lossRetroactive: r.loss_retroactive,
          recordedAt: r.recorded_at.toISOString(),
          recordedBy: recorders.get(r.eligibility_id) ?? r.updated_by,
          recordedByLabel: who(recorders.get(r.eligibility_id) ?? r.updated_by),
          supersededAt: r.superseded_at ? r.superseded_at.toISOString() : null,
          supersededBy: r.superseded_at ? r.updated_by : null,
          supersededByLabel: r.superseded_at ? who(r.updated_by) : null,
          recordedByChange: recordedBy ? changeRef(recordedBy) : null,
          supersededByChange: supersededBy ? changeRef(supersededBy) : null,
        };
      };
      const current = rows.filter((r) => r.superseded_at === null).map(version);
      const history = rows
        .filter((r) => r.superseded_at !== null)
        .sort((a, b) => b.superseded_at!.getTime() - a.superseded_at!.getTime() || b.eligibility_id - a.eligibility_id)
        .map(version);
      const asOfPeriods = asOf
        ? knownAt(
            rows.map((r) => ({ ...r, recordedAt: r.recorded_at, supersededAt: r.superseded_at })),
            asOf,
          ).map(version)
        : null;
      const pending = pendingChanges.map((c) => ({
        changeId: c.changeId,
        kind: c.kind,
        kindLabel: this.approvals.kindOf(c.kind)?.label ?? c.kind,
        eligibilityId: (c.payload as Partial<PeriodPayload>).eligibilityId ?? null,
        requestedBy: c.requestedBy,
        requestedByLabel: who(c.requestedBy),
        requestedAt: c.requestedAt.toISOString(),
        fields: c.summary.fields ?? [],
        warnings: c.warnings,
      }));
      const householdNo = await repo.currentHousehold(atenaNo);
      detail({ current: current.length, history: history.length, pending: pending.length, ...(asOf ? { asOf: asOf.toISOString() } : {}) });
      return {
        atenaNo,
        nameKanji: person.nameKanji,
        birthDate: person.birthDate,
        seventyFifthBirthday: birthdayAtAge(person.birthDate, lawParams().integer('eligibility.age_latter_elderly', todayInJapan())),
        householdNo,
        current,
        history,
        asOf: asOf ? { at: asOf.toISOString(), periods: asOfPeriods! } : null,
        pending,
      };
    });
  }
}

/** The earliest day among the date pairs (before, after) that differ: from then on the tax may change. */
function earliestMoved(...pairs: [string | null, string | null][]): string | null {
  const days = pairs.filter(([a, b]) => a !== b).flatMap((pair) => pair.filter((x): x is string => x !== null));
  return days.length ? days.sort()[0]! : null;
}

/** A new version keeps the 県の資格取得日 while it is still a 県内転入 that starts no earlier. */
function keptPrefectureDate(kept: string | null, after: { acquisitionReason: string; acquiredOn: string }): string | null {
  return kept !== null && after.acquisitionReason === 'moved_in_within_prefecture' && kept <= after.acquiredOn ? kept : null;
}
