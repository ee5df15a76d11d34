import { sql, type Kysely } from 'kysely';
import { z } from '@hono/zod-openapi';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../http/errors.js';
import { formatWareki } from '../../lib/wareki.js';
import { runBatch, type RunSummary } from '../../platform/batch/batch-runner.js';
import { fiscalYearOf, lawParams, ParamError, SUPPORTED_FISCAL_YEARS, type LawParams } from '../../platform/params/law-params.js';
import { runUseCase } from '../../platform/use-case.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { ApprovalService, ChangeKind } from '../approval/approval.service.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { addDays, todayInJapan } from '../eligibility/eligibility.rules.js';
import { annualHeapMiB, annualJob, ANNUAL_JOB, assessHouseholds, ratesOf, type AnnualChunkRequest, type AnnualWork } from './assessment.batch.js';
import { siblingModule } from '../../platform/workers/start-worker.js';
import { WorkerPool } from '../../platform/workers/worker-pool.js';
import { AssessmentRepository, unitKey, versionForInstallments, type ChainRow, type CurrentVersion, type NewVersion } from './assessment.repository.js';
import { ASSESSMENT_REASONS, canonicalJson, REDUCTION_CODES, type Assessed, type ReductionCode } from './assessment.rules.js';
import { installmentsOfVersions, resplitInstallments, specialCollectionToStop } from './installments-change.rules.js';
import { ordinaryReasonsOf } from './special-collection-source.js';
import { ordinaryDueDates, type Installment } from './installments.rules.js';
import { REASSESSMENT_REASON_LABELS, type ReassessmentReason } from './reassessment-queue.js';
import { exemptionAt, exemptionLines, type HouseholdExemption } from './exemption-source.js';
import { taxDocumentPdf } from './tax-notice-pdf.js';
import { PersonRepository } from '../person/person.repository.js';
import { formatAddress } from '../person/person.rules.js';
import { calculateTax, PART_KEYS, PART_LABELS, resolveMunicipality } from './tax.rules.js';
import type { TaxInput } from './tax.input.js';
import { simulateOver, SIMULATION_WORKERS } from './rate-simulation.js';

/**
 * A 住所地特例 person's own 国保世帯番号 in `fiscalYear` (the status under the household they left that is in
 * force during the 年度, the latest if several); null when none is recorded.
 */
async function ownHouseholdNoIn(tx: Kysely<DB>, atenaNo: number, leftHouseholdNo: number, fiscalYear: number): Promise<number | null> {
  const r = await tx
    .selectFrom('nhi_household_status')
    .select('own_household_no')
    .where('kind', '=', 'address_exception')
    .where('atena_no', '=', atenaNo)
    .where('household_no', '=', leftHouseholdNo)
    .where('valid_from', '<=', `${fiscalYear + 1}-03-31`)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', `${fiscalYear}-04-01`)]))
    .orderBy('valid_from', 'desc')
    .executeTakeFirst();
  return r?.own_household_no == null ? null : Number(r.own_household_no);
}

/** The four-eyes kind of the release of an annual run's notices (通知の発送を確定). */
export const RELEASE_KIND = 'assessment.release';
const ReleasePayload = z.object({ runId: z.string().min(1), fiscalYear: z.number().int() });

/** Bands of the annual tax for the review's distribution (yen, lower bounds). */
export const TAX_BANDS = [0, 1, 10_000, 50_000, 100_000, 200_000, 300_000, 500_000, 800_000, 1_000_000] as const;
const bandLabel = (i: number) => {
  const lo = TAX_BANDS[i]!;
  const hi = TAX_BANDS[i + 1];
  if (lo === 0) return '0円';
  if (hi === undefined) return `${(lo / 10_000).toLocaleString('en-US')}万円以上`;
  return `${lo === 1 ? '1円' : `${(lo / 10_000).toLocaleString('en-US')}万円`}〜${(hi / 10_000).toLocaleString('en-US')}万円未満`;
};

/** 地方税法 17条の5: the first day on which a 更正 of `fiscalYear` can no longer be made (increase: 3 years, decrease: 5). */
export function correctionDeadline(fiscalYear: number, direction: 'increase' | 'decrease'): { lastDay: string; dueDate: string; years: number } {
  // 法定納期限: the 納期限 of the 年度's first 普通徴収 installment (第1期); the period counts from the day after.
  const dueDate = ordinaryDueDates(fiscalYear)[0]!;
  const years = direction === 'increase' ? 3 : 5;
  const from = addDays(dueDate, 1);
  const until = `${Number(from.slice(0, 4)) + years}${from.slice(4)}`;
  return { lastDay: addDays(until, -1), dueDate, years };
}

export interface CorrectionOutcome {
  fiscalYear: number;
  householdNo: number;
  addressExceptionAtenaNo: number;
  outcome: 'corrected' | 'unchanged' | 'refused' | 'first';
  before: { version: number; total: number; parts: Record<string, number>; reduction: string } | null;
  after: { version: number; total: number; parts: Record<string, number>; reduction: string } | null;
  difference: number;
  message: string;
  notice: ChangeNotice | null;
}

/** 変更決定通知書 (the change notice) as data: the printing is another piece of work. */
export interface ChangeNotice {
  title: '国民健康保険税 変更決定通知書';
  fiscalYear: number;
  fiscalYearLabel: string;
  householdNo: number;
  taxpayerAtenaNo: number | null;
  decidedOn: string;
  reason: string;
  before: { total: number; parts: { label: string; amount: number }[] };
  after: { total: number; parts: { label: string; amount: number }[] };
  difference: number;
  basis: string;
  /** 期別 before and after (those already due kept, the rest re-split) and any 過納; absent on notices stored before it was kept. */
  installments?: { before: Installment[]; after: Installment[]; overpaid: number };
}

const partsList = (parts: Record<string, number>) => PART_KEYS.filter((k) => (parts[k] ?? 0) > 0).map((k) => ({ label: PART_LABELS[k], amount: parts[k]! }));

/**
 * Stored assessments: the annual batch (本算定) and its review and release, re-assessment (更正) with the
 * 地方税法 17条の5 limits and the change notice, a household's versions, and the rate simulation.
 */
export class StoredAssessmentService {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditRepository,
    private readonly approvals: ApprovalService,
  ) {}

  private get db(): Kysely<DB> {
    return this.database.db;
  }

  approvalKinds(): ChangeKind[] {
    return [
      {
        kind: RELEASE_KIND,
        label: '本算定の通知発送の確定',
        functionCode: 'assessment.run',
        payload: ReleasePayload,
        apply: async (tx, change, approver) => {
          const p = ReleasePayload.parse(change.payload);
          const run = await tx.selectFrom('assessment_run').selectAll().where('run_id', '=', p.runId).forUpdate().executeTakeFirst();
          if (!run) throw new AppError(404, 'not_found', `本算定の実行 ${p.runId} はありません`);
          if (run.status === 'released') throw new AppError(409, 'already_released', 'この本算定は既に通知の発送を確定しています');
          const other = await tx.selectFrom('assessment_run').select('run_id').where('fiscal_year', '=', run.fiscal_year).where('status', '=', 'released').executeTakeFirst();
          if (other) throw new AppError(409, 'already_released', `${run.fiscal_year}年度は別の本算定(${other.run_id})で確定済みです`);
          await tx.updateTable('assessment_run').set({ status: 'released', released_at: new Date(), released_by: actorLabel(approver), release_requested_by: change.requestedBy }).where('run_id', '=', p.runId).execute();
          return { runId: p.runId, fiscalYear: p.fiscalYear };
        },
      },
    ];
  }

  // ---- 本算定 ----

  /** The annual batch over every household (resumable: a second start after a kill continues the run). */
  async runAnnual(actor: Actor, fiscalYear: number, opts: { chunkSize?: number; onProgress?: (p: { done: number; total: number; chunkNo: number }) => void } = {}): Promise<RunSummary> {
    const released = await this.db.selectFrom('assessment_run').select('run_id').where('fiscal_year', '=', fiscalYear).where('status', '=', 'released').executeTakeFirst();
    if (released) {
      await this.audit.appendAlone(this.db, actor, { functionCode: 'assessment.run', action: 'batch.start', outcome: 'denied', detail: { job: ANNUAL_JOB, code: 'already_released', fiscalYear } });
      throw new AppError(409, 'already_released', `${fiscalYear}年度の本算定は通知の発送を確定済みです(実行ID ${released.run_id})。以後の変更は更正(assessment reassess)で行います`);
    }
    try {
      ratesOf(fiscalYear);
    } catch (e) {
      if (e instanceof ParamError) throw new AppError(422, 'calculation_refused', e.message);
      throw e;
    }
    const chunkSize = opts.chunkSize ?? 5000;
    // On PostgreSQL a worker thread reads, computes and encodes the next chunk on its own connection while
    // this thread writes the current one (the embedded database lives in this thread only).
    const appUrl = this.database.kind === 'postgresql' ? this.database.appUrl : undefined;
    const pool = appUrl ? new WorkerPool<AnnualChunkRequest & { appUrl: string }, AnnualWork>(siblingModule(import.meta.url, 'annual-chunk.worker'), 1, '本算定のワーカー', { resourceLimits: { maxOldGenerationSizeMb: annualHeapMiB(chunkSize) } }) : null;
    try {
      const job = annualJob((table, columns, tsv, tx) => this.database.copyIn(table, columns, tsv, tx), pool && appUrl ? (req) => pool.run({ ...req, appUrl }) : undefined);
      return await runBatch({ database: this.database, audit: this.audit }, job, { fiscalYear }, { actor, chunkSize, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    } finally {
      await pool?.close();
    }
  }

  // ---- 更正 ----

  /**
   * Re-assess a household for one 年度 on the facts as they stand: every unit whose amounts differ gets a
   * new version (reason 更正) with its explanation lines and change notice, the one before superseded.
   * An increase later than 3 years, a decrease later than 5 years after the day following the 法定納期限
   * is refused (地方税法 17条の5); nothing else is stored then.
   */
  async reassess(
    actor: Actor,
    input: { householdNo: number; fiscalYear: number; cause: string; noticeReason?: string; today?: string; requestIds?: readonly number[]; collectionChanged?: boolean },
    correlationId: string | null = null,
  ): Promise<CorrectionOutcome[]> {
    const { householdNo, fiscalYear, cause } = input;
    const today = input.today ?? todayInJapan();
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.run', action: 'assessment.reassess', correlationId, detail: { householdNo, fiscalYear, cause } }, async ({ tx, subjects, detail }) => {
      const household = await tx.selectFrom('household').select('household_no').where('household_no', '=', householdNo).forUpdate().executeTakeFirst();
      if (!household) throw new AppError(404, 'not_found', `世帯番号 ${householdNo} の世帯は登録されていません`);
      const params = lawParams();
      let rates;
      try {
        rates = ratesOf(fiscalYear, params);
      } catch (e) {
        if (e instanceof ParamError) throw new AppError(422, 'calculation_refused', e.message);
        throw e;
      }
      const repo = new AssessmentRepository(tx);
      const current = await repo.current(fiscalYear, [householdNo], true);
      const chains = await repo.versionChains(fiscalYear, householdNo);
      const { assessed, refused } = await assessHouseholds(tx, [householdNo], fiscalYear, rates.municipality, params, true);
      if (refused.length > 0) throw new AppError(422, 'calculation_refused', refused.map((r) => r.message).join('\n'));
      await repo.saveParams(rates.hash, fiscalYear, rates.municipality.name, rates.values);
      const byKey = new Map(assessed.map((a) => [unitKey(a.unit.householdNo, a.unit.addressExceptionAtenaNo), a]));
      const keys = [...new Set([...byKey.keys(), ...current.keys()])].sort();
      const outcomes: CorrectionOutcome[] = [];
      const rows: NewVersion[] = [];
      const superseded: number[] = [];
      for (const key of keys) {
        const a = byKey.get(key) ?? zeroAssessed(current.get(key)!, fiscalYear);
        const cur = current.get(key);
        const after = { total: a.amounts.total, parts: a.amounts.parts as Record<string, number>, reduction: a.amounts.reduction };
        const before = cur ? { version: cur.version, total: cur.total, parts: cur.parts, reduction: cur.reduction } : null;
        const difference = after.total - (before?.total ?? 0);
        const unit = { fiscalYear, householdNo, addressExceptionAtenaNo: a.unit.addressExceptionAtenaNo };
        const unchanged = before !== null && PART_KEYS.every((k) => before.parts[k] === after.parts[k]) && before.reduction === after.reduction && before.total === after.total;
        // The tax unchanged, the 特別徴収 must still stop when the way of collecting changed (口座振替への変更申出)
        // or the 納税義務者 did (the pension withheld was the former one's).
        const wantsStop = input.collectionChanged === true || (cur !== undefined && a.unit.taxpayer !== null && cur.taxpayerAtenaNo !== a.unit.taxpayer);
        // 期別 in force (read only when needed: a 年度 whose 納期 the parameters lack cannot fold them):
        // those already due are kept, the rest re-split (installments-change.rules.ts).
        const inForce = () => installmentsOfVersions(fiscalYear, chains.get(key) ?? [], params).at(-1)?.installments ?? [];
        let previousInstallments: Installment[] = [];
        let stopSpecial = false;
        if (unchanged && wantsStop) {
          try {
            previousInstallments = inForce();
            stopSpecial = specialCollectionToStop(fiscalYear, previousInstallments, today, params);
          } catch {
            stopSpecial = false; // no 期別 to fold: nothing known to stop
          }
        } else if (!unchanged) {
          previousInstallments = inForce();
          stopSpecial = wantsStop && specialCollectionToStop(fiscalYear, previousInstallments, today, params);
        }
        if (unchanged && !stopSpecial) {
          outcomes.push({ ...unit, outcome: 'unchanged', before, after: { version: before.version, ...after }, difference: 0, message: '税額に変更はありません', notice: null });
          continue;
        }
        if (!before && after.total === 0) continue;
        const direction = difference > 0 ? 'increase' : 'decrease';
        const deadline = correctionDeadline(fiscalYear, direction);
        if (today > deadline.lastDay) {
          outcomes.push({
            ...unit,
            outcome: 'refused',
            before,
            after: null,
            difference,
            message: `地方税法第17条の5: ${direction === 'increase' ? '増額' : '減額'}の更正は法定納期限(${formatWareki(deadline.dueDate)})の翌日から${deadline.years}年を経過した日以後はできません(期限 ${formatWareki(deadline.lastDay)})`,
            notice: null,
          });
          continue;
        }
        const version = (cur?.version ?? 0) + 1;
        const reason = input.noticeReason ?? cause; // what the resident reads (without record ids)
        const resplit = resplitInstallments({ fiscalYear, previous: previousInstallments, annualTax: after.total, decidedOn: today, cause: reason }, params);
        const notice: ChangeNotice = {
          title: '国民健康保険税 変更決定通知書',
          fiscalYear,
          fiscalYearLabel: `${formatWareki(`${fiscalYear}-04-01`).replace(/年.*$/, '年度')}`,
          householdNo,
          taxpayerAtenaNo: a.unit.taxpayer,
          decidedOn: today,
          reason,
          before: { total: before?.total ?? 0, parts: partsList(before?.parts ?? {}) },
          after: { total: after.total, parts: partsList(after.parts) },
          difference,
          basis:
            difference === 0 && stopSpecial
              ? `特別徴収の中止: ${params.entry('city_tax.special_stop_lead_months', today).law}(税額は変わりません)`
              : `地方税法第703条の4、第17条の5(${direction === 'increase' ? '増額: 3年' : '減額: 5年'})`,
          installments: { before: previousInstallments, after: resplit.installments, overpaid: resplit.overpaid },
        };
        if (cur) superseded.push(cur.assessmentId);
        rows.push({ assessed: a, version, reason: 'correction', runId: null, cause, paramsHash: rates.hash, lines: true, notice, installments: resplit.installments });
        const message = difference !== 0 ? `${difference > 0 ? '増額' : '減額'} ${Math.abs(difference).toLocaleString('en-US')}円` : stopSpecial && before?.total === after.total ? '税額は変わらず、特別徴収を中止して普通徴収に切り替えます' : '区分の内訳が変わりました';
        outcomes.push({ ...unit, outcome: before ? 'corrected' : 'first', before, after: { version, ...after }, difference, message, notice });
      }
      const at = new Date();
      await repo.supersede(superseded, at);
      await repo.copyVersions(rows, actorLabel(actor), at, (table, columns, bytes) => this.database.copyIn(table, columns, bytes, tx));
      if (input.requestIds?.length) {
        await tx.updateTable('reassessment_request').set({ done_at: at, done_by: actorLabel(actor) }).where('request_id', 'in', [...input.requestIds]).where('done_at', 'is', null).execute();
      }
      subjects(assessed.flatMap((a) => a.unit.members.map((m) => m.atenaNo)));
      detail({ outcomes: outcomes.map((o) => ({ unit: o.addressExceptionAtenaNo, outcome: o.outcome, difference: o.difference })) });
      return outcomes;
    });
  }

  /**
   * The hook for eligibility, household, income and reduction changes: re-assess the household for every
   * 年度 from the one containing `effectiveOn` up to the latest with stored assessments. Years beyond the
   * limits of 地方税法 17条の5 come back as `refused`, never silently skipped.
   */
  async reassessFrom(actor: Actor, input: { householdNo: number; effectiveOn: string; cause: string; today?: string }, correlationId: string | null = null): Promise<CorrectionOutcome[]> {
    const first = Math.max(fiscalYearOf(input.effectiveOn), SUPPORTED_FISCAL_YEARS.from);
    const latest = await this.db.selectFrom('assessment').select((eb) => eb.fn.max('fiscal_year').as('y')).where('household_no', '=', input.householdNo).executeTakeFirst();
    const last = Math.min(Math.max(Number(latest?.y ?? 0), first), SUPPORTED_FISCAL_YEARS.to);
    const out: CorrectionOutcome[] = [];
    for (let y = first; y <= last; y++) {
      const stored = await this.db.selectFrom('assessment').select('assessment_id').where('household_no', '=', input.householdNo).where('fiscal_year', '=', y).limit(1).executeTakeFirst();
      const annual = await this.db.selectFrom('assessment_run').select('run_id').where('fiscal_year', '=', y).limit(1).executeTakeFirst();
      if (!stored && !annual) continue; // no 本算定 of that year yet: the batch will assess it
      out.push(...(await this.reassess(actor, { householdNo: input.householdNo, fiscalYear: y, cause: input.cause, ...(input.today ? { today: input.today } : {}) }, correlationId)));
    }
    return out;
  }

  /**
   * The queue the income area writes (`reassessment_request`, one row per household, 年度 and change):
   * each pending household and 年度 is re-assessed and its requests marked done in the same transaction.
   * A 年度 without a 本算定 or a stored version is only marked done (the batch will read the new income).
   */
  async reassessPending(actor: Actor, opts: { limit?: number; today?: string } = {}): Promise<{ households: number; outcomes: CorrectionOutcome[] }> {
    const pending = await this.db
      .selectFrom('reassessment_request')
      .select(['request_id', 'household_no', 'fiscal_year', 'reason', 'source_ref', 'effective_on'])
      .where('done_at', 'is', null)
      .orderBy('fiscal_year')
      .orderBy('household_no')
      .orderBy('request_id')
      .limit(opts.limit ?? 1000)
      .execute();
    const groups = new Map<string, typeof pending>();
    for (const r of pending) {
      const k = `${r.fiscal_year}:${r.household_no}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const outcomes: CorrectionOutcome[] = [];
    for (const rows of groups.values()) {
      const { household_no, fiscal_year } = rows[0]!;
      const householdNo = Number(household_no);
      const ids = rows.map((r) => Number(r.request_id));
      const stored = await this.db.selectFrom('assessment').select('assessment_id').where('household_no', '=', householdNo).where('fiscal_year', '=', fiscal_year).limit(1).executeTakeFirst();
      const annual = await this.db.selectFrom('assessment_run').select('run_id').where('fiscal_year', '=', fiscal_year).limit(1).executeTakeFirst();
      if (!stored && !annual) {
        await runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.run', action: 'assessment.reassess', detail: { householdNo, fiscalYear: fiscal_year, requests: ids, outcome: 'no_assessment_yet' } }, async ({ tx }) => {
          await tx.updateTable('reassessment_request').set({ done_at: new Date(), done_by: actorLabel(actor) }).where('request_id', 'in', ids).where('done_at', 'is', null).execute();
        });
        continue;
      }
      const cause = causeOf(rows);
      const collectionChanged = rows.some((r) => r.reason === 'collection_changed');
      outcomes.push(...(await this.reassess(actor, { householdNo, fiscalYear: fiscal_year, cause, noticeReason: causeOf(rows, false), requestIds: ids, collectionChanged, ...(opts.today ? { today: opts.today } : {}) })));
    }
    return { households: groups.size, outcomes };
  }

  /** One run of the queue for the server's background task: its summary, or null when nothing was waiting. */
  async reassessPendingSummary(actor: Actor, opts: { limit?: number; today?: string } = {}): Promise<string | null> {
    const r = await this.reassessPending(actor, opts);
    return r.households === 0 ? null : pendingSummary(r);
  }

  // ---- reading ----

  /** Every version of a household's assessments (newest first), with the explanation of each. */
  async versions(actor: Actor, householdNo: number, fiscalYear: number | null, correlationId: string | null = null) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.read', action: 'assessment.versions', correlationId, detail: { householdNo, fiscalYear } }, async ({ tx, subjects }) => {
      let q = tx.selectFrom('assessment').selectAll().where('household_no', '=', householdNo);
      if (fiscalYear !== null) q = q.where('fiscal_year', '=', fiscalYear);
      const rows = await q.orderBy('fiscal_year', 'desc').orderBy('address_exception_atena_no').orderBy('version', 'desc').execute();
      if (rows.length === 0) throw new AppError(404, 'not_found', `世帯番号 ${householdNo} の賦課はありません`);
      subjects(rows.flatMap((r) => (r.members as { atenaNo: number }[]).map((m) => m.atenaNo)));
      const params = lawParams();
      const installments = installmentsByVersion(rows, params);
      // 特別徴収: why a version whose 世帯主 has a pension notified is 普通徴収 (special-collection-source.ts).
      const ordinaryReasons = await ordinaryReasonsOf(tx, rows, params);
      // The 減免 each batch version (no stored lines) subtracted, to explain it again.
      const exemptions = new Map<number, HouseholdExemption>();
      for (const r of rows) {
        if (r.lines || Number(r.address_exception_atena_no) !== 0) continue;
        const e = await exemptionAt(tx, Number(r.household_no), r.fiscal_year, new Date(r.recorded_at));
        if (e) exemptions.set(Number(r.assessment_id), e);
      }
      return rows.map((r) => {
        let lines = r.lines as { label: string; formula: string; amount: number; reference: string }[] | null;
        let explanationNote: string | null = null;
        if (!lines) {
          // A batch version keeps its input and parameter set; the lines are the same rule run again.
          try {
            let again = calculateTax(r.input as TaxInput, params, resolveMunicipality({ fiscalYear: r.fiscal_year }, params));
            const exemption = exemptions.get(Number(r.assessment_id));
            if (exemption) {
              const x = exemptionLines(again.total, exemption);
              again = { ...again, total: x.total, lines: [...again.lines, ...x.lines] };
            }
            lines = again.lines;
            if (again.total !== r.total_yen) explanationNote = `現在の法令パラメータでは年税額が ${again.total.toLocaleString('en-US')}円 になります(保存された額は ${r.total_yen.toLocaleString('en-US')}円)`;
          } catch (e) {
            lines = [];
            explanationNote = e instanceof Error ? e.message : String(e);
          }
        }
        return {
          assessmentId: Number(r.assessment_id),
          fiscalYear: r.fiscal_year,
          householdNo: Number(r.household_no),
          addressExceptionAtenaNo: Number(r.address_exception_atena_no),
          version: r.version,
          reason: r.reason,
          reasonLabel: ASSESSMENT_REASONS[r.reason],
          runId: r.run_id,
          cause: r.cause,
          taxpayerAtenaNo: r.taxpayer_atena_no === null ? null : Number(r.taxpayer_atena_no),
          pseudoHead: r.pseudo_head,
          reduction: r.reduction,
          reductionLabel: REDUCTION_CODES[r.reduction],
          total: r.total_yen,
          parts: { medical: r.medical_yen, support: r.support_yen, care: r.care_yen, childSupport: r.child_support_yen },
          recordedAt: new Date(r.recorded_at as Date).toISOString(),
          recordedBy: r.recorded_by,
          supersededAt: r.superseded_at ? new Date(r.superseded_at as Date).toISOString() : null,
          paramsHash: r.params_hash,
          inputHash: r.input_hash,
          lines,
          explanationNote,
          notice: (r.notice as ChangeNotice | null) ?? null,
          ...installments(Number(r.assessment_id)),
          collectionNote: ordinaryReasons.has(Number(r.assessment_id)) ? `普通徴収(特別徴収の対象外): ${ordinaryReasons.get(Number(r.assessment_id))!.join('。')}` : null,
        };
      });
    });
  }

  /** Annual runs, newest first, with their review state. */
  /**
   * 納税通知書 (本算定) or 変更決定通知書 (更正) of one stored version, as PDF: the version's amounts with the
   * steps recomputed from its stored input (refused if they no longer give the stored total), the 期別 by
   * the city's calendar, the taxpayer's name and address (none when DV等支援措置 protects it). Audited.
   */
  async noticePdf(actor: Actor, assessmentId: number, correlationId: string | null = null): Promise<{ pdf: Buffer; fileName: string }> {
    const subjects: number[] = [];
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.read', action: 'assessment.notice.print', subjects, correlationId, detail: { assessmentId } }, async ({ tx, scope, detail }) => {
      const notFound = new AppError(404, 'not_found', `賦課番号 ${assessmentId} の賦課はありません`);
      const r = await tx.selectFrom('assessment').selectAll().where('assessment_id', '=', assessmentId).executeTakeFirst();
      if (!r || r.taxpayer_atena_no === null) throw notFound;
      const taxpayerNo = Number(r.taxpayer_atena_no);
      if (!(await scope.allows(taxpayerNo))) throw notFound;
      subjects.push(taxpayerNo);
      const params = lawParams();
      let tax;
      try {
        tax = calculateTax(r.input as TaxInput, params, resolveMunicipality({ fiscalYear: r.fiscal_year }, params));
      } catch (e) {
        throw new AppError(409, 'not_recomputable', `この賦課の計算を再現できません: ${e instanceof Error ? e.message : String(e)}`);
      }
      // A 減免 in force when the version was recorded: the stored total is the tax after it.
      const exemption = r.address_exception_atena_no === 0 ? await exemptionAt(tx, Number(r.household_no), r.fiscal_year, new Date(r.recorded_at)) : undefined;
      if (exemption) {
        const x = exemptionLines(tax.total, exemption);
        tax = { ...tax, total: x.total, lines: [...tax.lines, ...x.lines] };
      }
      if (tax.total !== r.total_yen) throw new AppError(409, 'not_recomputable', `保存された年税額(${r.total_yen.toLocaleString('ja-JP')}円)と計算の再現(${tax.total.toLocaleString('ja-JP')}円)が一致しないため印刷できません。更正で計算し直してください`);
      // 期別: the unit's versions up to this one, folded (a 更正 re-splits the version before's).
      const chain = await tx
        .selectFrom('assessment')
        .select(['reason', 'total_yen', 'recorded_at', 'notice', 'installments'])
        .where('household_no', '=', r.household_no)
        .where('fiscal_year', '=', r.fiscal_year)
        .where('address_exception_atena_no', '=', r.address_exception_atena_no)
        .where('version', '<=', r.version)
        .orderBy('version')
        .execute();
      const folded = installmentsOfVersions(r.fiscal_year, chain.map(versionForInstallments), params).at(-1)!;
      const previous = r.reason === 'correction' && chain.length > 1 ? chain.at(-2)! : undefined;
      const person = await tx
        .selectFrom('person as p')
        .leftJoin('address_area as a', 'a.area_code', 'p.area_code')
        .select(['p.name_kanji', 'p.alias_kanji', 'p.banchi', 'p.katagaki', 'a.town_name', 'a.chome', 'a.postal_code'])
        .where('p.atena_no', '=', taxpayerNo)
        .executeTakeFirstOrThrow();
      const dv = (await new PersonRepository(tx).protectedAddressesAmong([taxpayerNo])).has(taxpayerNo);
      // The household the notice names: its registry 世帯番号, or for a 住所地特例 person the NHI's own
      // 国保世帯番号 of the 年度 (never the number of the household they left, which is another family's).
      const householdNo = r.address_exception_atena_no === 0 ? Number(r.household_no) : await ownHouseholdNoIn(tx, Number(r.address_exception_atena_no), Number(r.household_no), r.fiscal_year);
      const noticeNo = `${r.fiscal_year}-${householdNo ?? `A${r.assessment_id}`}-${r.version}`;
      const city = tax.municipality;
      const line = dv ? null : formatAddress(person);
      const address = line === null ? null : { postalCode: person.postal_code ?? '', text: `${city}${line}` };
      detail({ addressPrinted: address !== null, reason: r.reason, version: r.version });
      const pdf = await taxDocumentPdf({
        kind: r.reason === 'correction' ? 'change_notice' : 'notice',
        issuedOn: todayInJapan(),
        cityName: city,
        noticeNo,
        householdNo,
        taxpayer: { name: person.alias_kanji ?? person.name_kanji, address },
        tax,
        installments: folded.installments,
        overpaid: folded.overpaid,
        installmentLines: folded.lines,
        // 「変更の理由」 as the change notice recorded it for the resident (no record ids), else the version's cause.
        ...(r.reason === 'correction' ? { previous: { total: previous?.total_yen ?? 0, installments: folded.previous ?? [], reason: (asJson(r.notice) as { reason?: string } | null)?.reason ?? r.cause ?? '更正' } } : {}),
      });
      return { pdf, fileName: `notice-${noticeNo}.pdf` };
    });
  }

  async runs(actor: Actor, correlationId: string | null = null) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.read', action: 'assessment.runs', correlationId }, async ({ tx }) => {
      const rows = await tx
        .selectFrom('job_run as j')
        .leftJoin('assessment_run as a', 'a.run_id', 'j.run_id')
        .select(['j.run_id', 'j.status', 'j.params', 'j.started_at', 'j.finished_at', 'j.actor', 'j.counts', 'j.totals', 'a.status as review_status', 'a.released_at', 'a.released_by'])
        .where('j.job', '=', ANNUAL_JOB)
        .orderBy('j.started_at', 'desc')
        .limit(50)
        .execute();
      return rows.map((r) => ({
        runId: r.run_id,
        fiscalYear: Number((asJson(r.params) as { fiscalYear: number }).fiscalYear),
        status: r.status,
        reviewStatus: (r.review_status ?? 'review') as 'review' | 'released',
        startedAt: new Date(r.started_at as Date).toISOString(),
        finishedAt: r.finished_at ? new Date(r.finished_at as Date).toISOString() : null,
        actor: r.actor,
        households: Number((asJson(r.counts) as Record<string, number>).units ?? 0),
        total: Number((asJson(r.totals) as Record<string, number>).total ?? 0),
        releasedAt: r.released_at ? new Date(r.released_at as Date).toISOString() : null,
        releasedBy: r.released_by,
      }));
    });
  }

  /** The review of one run: totals per part and reduction kind, the distribution, the outliers. */
  async review(actor: Actor, runId: string, correlationId: string | null = null) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.read', action: 'assessment.review', correlationId, detail: { runId } }, async ({ tx, subjects }) => {
      const run = await tx.selectFrom('job_run as j').leftJoin('assessment_run as a', 'a.run_id', 'j.run_id').select(['j.run_id', 'j.status', 'j.params', 'j.counts', 'j.totals', 'j.started_at', 'j.finished_at', 'j.actor', 'a.status as review_status', 'a.released_at', 'a.released_by', 'a.release_requested_by']).where('j.run_id', '=', runId).where('j.job', '=', ANNUAL_JOB).executeTakeFirst();
      if (!run) throw new AppError(404, 'not_found', `本算定の実行 ${runId} はありません`);
      const fiscalYear = Number((asJson(run.params) as { fiscalYear: number }).fiscalYear);
      const counts = asJson(run.counts) as Record<string, number>;
      const totals = asJson(run.totals) as Record<string, number>;
      const band = sql<number>`CASE ${sql.join(
        TAX_BANDS.map((lo, i) => sql`WHEN total_yen >= ${lo} AND total_yen < ${TAX_BANDS[i + 1] ?? 2_000_000_000} THEN ${i}`),
        sql` `,
      )} END`;
      const hist = await tx.selectFrom('assessment').select([band.as('band'), (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('total_yen').as('yen')]).where('run_id', '=', runId).groupBy(sql`1`).execute();
      const distribution = TAX_BANDS.map((_, i) => {
        const h = hist.find((x) => Number(x.band) === i);
        return { band: bandLabel(i), households: Number(h?.n ?? 0), total: Number(h?.yen ?? 0) };
      });
      const pick = ['a.household_no', 'a.address_exception_atena_no', 'a.taxpayer_atena_no', 'a.total_yen', 'a.reduction', 'a.insured_count', 'p.name_kanji'] as const;
      const base = () => tx.selectFrom('assessment as a').leftJoin('person as p', 'p.atena_no', 'a.taxpayer_atena_no').where('a.run_id', '=', runId);
      const capped = await base().select([...pick]).where('a.capped', '=', true).orderBy('a.total_yen', 'desc').orderBy('a.household_no').limit(20).execute();
      const zero = await base().select([...pick]).where('a.total_yen', '=', 0).orderBy('a.household_no').limit(20).execute();
      const changes = await base()
        .innerJoin('assessment as prev', (j) =>
          j
            .onRef('prev.household_no', '=', 'a.household_no')
            .onRef('prev.address_exception_atena_no', '=', 'a.address_exception_atena_no')
            .on('prev.fiscal_year', '=', fiscalYear - 1)
            .on('prev.superseded_at', 'is', null),
        )
        .select([...pick, 'prev.total_yen as previous'])
        .orderBy(sql`abs(a.total_yen - prev.total_yen)`, 'desc')
        .orderBy('a.household_no')
        .limit(20)
        .execute();
      const row = (r: (typeof capped)[number]) => ({
        householdNo: Number(r.household_no),
        addressExceptionAtenaNo: Number(r.address_exception_atena_no),
        taxpayerAtenaNo: r.taxpayer_atena_no === null ? null : Number(r.taxpayer_atena_no),
        taxpayerName: r.name_kanji ?? '',
        total: r.total_yen,
        reduction: r.reduction as ReductionCode,
        reductionLabel: REDUCTION_CODES[r.reduction as ReductionCode],
        insured: r.insured_count,
      });
      subjects([...capped, ...zero, ...changes].flatMap((r) => (r.taxpayer_atena_no === null ? [] : [Number(r.taxpayer_atena_no)])));
      const pending = await this.approvals.pendingForSubject(tx, `job_run:${runId}`, [RELEASE_KIND]);
      return {
        runId,
        fiscalYear,
        status: run.status,
        reviewStatus: (run.review_status ?? 'review') as 'review' | 'released',
        startedAt: new Date(run.started_at as Date).toISOString(),
        finishedAt: run.finished_at ? new Date(run.finished_at as Date).toISOString() : null,
        actor: run.actor,
        releasedAt: run.released_at ? new Date(run.released_at as Date).toISOString() : null,
        releasedBy: run.released_by,
        releaseRequestedBy: run.release_requested_by,
        releasePending: pending.length > 0 ? pending[0]!.changeId : null,
        counts,
        totals,
        parts: PART_KEYS.map((k) => ({ part: k, label: PART_LABELS[k], total: Number(totals[k] ?? 0) })),
        reductions: [
          { kind: 'r7', label: '法定軽減 7割', households: counts.r7 ?? 0, amount: totals['reduction.r7'] ?? 0 },
          { kind: 'r5', label: '法定軽減 5割', households: counts.r5 ?? 0, amount: totals['reduction.r5'] ?? 0 },
          { kind: 'r2', label: '法定軽減 2割', households: counts.r2 ?? 0, amount: totals['reduction.r2'] ?? 0 },
          { kind: 'specificHousehold', label: '特定世帯・特定継続世帯', households: null, amount: totals['reduction.specificHousehold'] ?? 0 },
          { kind: 'preschool', label: '未就学児の均等割軽減', households: null, amount: totals['reduction.preschool'] ?? 0 },
          { kind: 'minor', label: '18歳未満の均等割軽減(子育て分)', households: null, amount: totals['reduction.minor'] ?? 0 },
          { kind: 'perinatal', label: '産前産後期間の減額', households: null, amount: totals['reduction.perinatal'] ?? 0 },
        ],
        distribution,
        outliers: {
          capped: capped.map(row),
          zero: zero.map(row),
          biggestChange: changes.map((r) => ({ ...row(r), previous: Number(r.previous), change: r.total_yen - Number(r.previous) })),
        },
      };
    });
  }

  /** 「通知の発送を確定」: submitted for a second person's approval (the run must be complete and not released). */
  async requestRelease(actor: Actor, runId: string, correlationId: string | null = null): Promise<{ changeId: number }> {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.run', action: `${RELEASE_KIND}.submit`, correlationId, detail: { runId } }, async ({ tx, skipSuccessRecord }) => {
      const run = await tx.selectFrom('job_run as j').innerJoin('assessment_run as a', 'a.run_id', 'j.run_id').select(['j.status', 'a.status as review_status', 'a.fiscal_year']).where('j.run_id', '=', runId).forUpdate().executeTakeFirst();
      if (!run) throw new AppError(404, 'not_found', `本算定の実行 ${runId} はありません`);
      if (run.status !== 'completed') throw new AppError(409, 'run_not_completed', 'この本算定は完了していません(中断した実行は再実行で続きから完了させてください)');
      if (run.review_status === 'released') throw new AppError(409, 'already_released', 'この本算定は既に通知の発送を確定しています');
      const pending = await this.approvals.pendingForSubject(tx, `job_run:${runId}`, [RELEASE_KIND]);
      if (pending.length > 0) throw new AppError(409, 'pending_exists', `この本算定の確定は承認待ちです(変更番号 ${pending[0]!.changeId})`);
      skipSuccessRecord();
      const changeId = await this.approvals.submit(tx, actor, {
        kind: RELEASE_KIND,
        atenaNo: null,
        subjectKey: `job_run:${runId}`,
        payload: { runId, fiscalYear: run.fiscal_year },
        summary: { fields: [{ label: '本算定', before: '確認中', after: '通知の発送を確定' }], notes: [{ label: '年度', value: `${run.fiscal_year}年度` }, { label: '実行ID', value: runId }], meta: { runId } },
        warnings: [],
        correlationId,
      });
      return { changeId };
    });
  }

  // ---- simulation ----

  /**
   * Rate simulation: the proposed rates over the households of the year before (their stored current
   * assessments' inputs: households, incomes, 月割) → the revenue per part and the distribution of each
   * household's change against its current tax. Nothing is written (audited as a read).
   */
  async simulate(actor: Actor, input: { fiscalYear: number; municipality: NonNullable<TaxInput['municipality']> }, correlationId: string | null = null) {
    const baseYear = input.fiscalYear - 1;
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.read', action: 'assessment.simulate', correlationId, detail: { fiscalYear: input.fiscalYear, baseYear, municipality: input.municipality.name ?? null } }, async ({ tx }) => {
      const params = lawParams();
      // The national figures of the proposed year when the law parameters have them, else the base year's.
      let nationalYear = input.fiscalYear;
      const resolveYear = input.fiscalYear <= SUPPORTED_FISCAL_YEARS.to ? input.fiscalYear : baseYear;
      try {
        resolveMunicipality({ fiscalYear: resolveYear, municipality: input.municipality }, params); // refused here, before reading
        if (input.fiscalYear > SUPPORTED_FISCAL_YEARS.to) nationalYear = baseYear;
      } catch (e) {
        if (e instanceof ParamError) throw new AppError(422, 'calculation_refused', e.message);
        throw e;
      }
      return simulateOver(tx, baseYear, nationalYear, { fiscalYear: resolveYear, municipality: input.municipality }, params, { workers: this.database.kind === 'postgresql' ? SIMULATION_WORKERS : 0 });
    });
  }
}

const asJson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/**
 * The 期別 and 過納 of each of these versions (by assessment id): every unit's versions folded in order
 * (`installmentsOfVersions`); the rows must hold every version of each unit they name.
 */
function installmentsByVersion(
  rows: readonly (ChainRow & { assessment_id: number | string; fiscal_year: number; household_no: number | string; address_exception_atena_no: number | string; version: number })[],
  params: LawParams,
): (assessmentId: number) => { installments: Installment[]; overpaid: number; installmentsNote: string | null } {
  const units = new Map<string, typeof rows>();
  for (const r of rows) {
    const k = `${r.fiscal_year}:${r.household_no}:${r.address_exception_atena_no}`;
    units.set(k, [...(units.get(k) ?? []), r]);
  }
  const out = new Map<number, { installments: Installment[]; overpaid: number; installmentsNote: string | null }>();
  for (const list of units.values()) {
    const ordered = [...list].sort((a, b) => a.version - b.version);
    try {
      installmentsOfVersions(ordered[0]!.fiscal_year, ordered.map(versionForInstallments), params).forEach((v, i) => out.set(Number(ordered[i]!.assessment_id), { installments: v.installments, overpaid: v.overpaid, installmentsNote: null }));
    } catch (e) {
      // A 年度 whose 納期 the parameters do not cover: the versions are still shown, without 期別.
      for (const r of ordered) out.set(Number(r.assessment_id), { installments: [], overpaid: 0, installmentsNote: e instanceof Error ? e.message : String(e) });
    }
  }
  return (id) => out.get(id) ?? { installments: [], overpaid: 0, installmentsNote: null };
}

/** A version of zero for a unit that no longer has insured months (everyone's 資格 ended before the 年度, …). */
function zeroAssessed(cur: CurrentVersion, fiscalYear: number): Assessed {
  const input: TaxInput = { fiscalYear, members: [] };
  return {
    unit: { fiscalYear, householdNo: cur.householdNo, addressExceptionAtenaNo: cur.addressExceptionAtenaNo, referenceDay: `${fiscalYear}-04-01`, taxpayer: null, pseudoHead: false, members: [], input },
    result: { fiscalYear, municipality: '', reduction: 'なし', parts: {}, total: 0, members: [], lines: [{ label: '年税額', formula: 'この年度に国保の被保険者の月がありません', amount: 0, reference: '地方税法 第703条の4' }] },
    amounts: { reduction: 'none', total: 0, parts: { medical: 0, support: 0, care: 0, childSupport: 0 }, incomeLevy: 0, perCapita: 0, perHousehold: 0, reductions: { legal: 0, specificHousehold: 0, preschool: 0, minor: 0, perinatal: 0 }, capped: false, insuredCount: 0 },
    inputHash: '0'.repeat(64),
    inputJson: canonicalJson(input),
  };
}

/**
 * 「更正の理由」 of queued requests: each kind of change once, with the day it took effect and (for the
 * version's record, not for the resident's notice) the records that made it.
 */
function causeOf(rows: readonly { reason: ReassessmentReason; source_ref: string; effective_on: string | null }[], withRecords = true): string {
  const byReason = new Map<ReassessmentReason, typeof rows>();
  for (const r of rows) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r]);
  return [...byReason]
    .map(([reason, rs]) => {
      const days = [...new Set(rs.flatMap((r) => (r.effective_on ? [formatWareki(r.effective_on)] : [])))];
      const parts = [...days.map((d) => `${d}から`), ...(withRecords ? rs.map((r) => r.source_ref) : [])];
      return parts.length > 0 ? `${REASSESSMENT_REASON_LABELS[reason]}(${parts.join('、')})` : REASSESSMENT_REASON_LABELS[reason];
    })
    .join('・');
}

/** What one run of the 更正 queue did, in a clerk's words (CLI and server log). */
export function pendingSummary(r: { households: number; outcomes: readonly CorrectionOutcome[] }): string {
  const by = (k: CorrectionOutcome['outcome']) => r.outcomes.filter((x) => x.outcome === k).length;
  return `更正の待ち行列: ${r.households} 世帯・年度を処理しました(更正 ${by('corrected') + by('first')}、変更なし ${by('unchanged')}、期限切れ ${by('refused')})`;
}
