import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { AppError } from '../../http/errors.js';
import { runUseCase } from '../../platform/use-case.js';
import { lawParams } from '../../platform/params/law-params.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { insuredBetween, keptView, personNotFound as notFound, queueReduction, refusal404 } from './notifications.js';
import { checkUnemployment, unemploymentSpan, type UnemploymentNotice } from './unemployment.rules.js';


export interface UnemploymentView {
  notificationId: number;
  atenaNo: number;
  separatedOn: string;
  reasonCode: string;
  reportedOn: string;
  /** The period: from the day after 離職 (its month on) to the end of the following 年度, half-open. */
  from: string;
  until: string;
  recordedAt: string;
  recordedBy: string;
  endedAt: string | null;
  endedBy: string | null;
  endReason: string | null;
}

type Row = { notification_id: number | string; atena_no: number | string; separated_on: string; reason_code: string; reported_on: string; recorded_at: Date; recorded_by: string; ended_at: Date | null; ended_by: string | null; end_reason: string | null };
const spanOf = (separatedOn: string) => unemploymentSpan(separatedOn, lawParams().integer('tax.involuntary_unemployment_period_years_after', separatedOn));
const view = (r: Row): UnemploymentView => ({
  notificationId: Number(r.notification_id),
  atenaNo: Number(r.atena_no),
  separatedOn: r.separated_on,
  reasonCode: r.reason_code,
  reportedOn: r.reported_on,
  ...spanOf(r.separated_on),
  ...keptView(r),
});

/**
 * 非自発的失業の届出: recorded by staff for an insured person (雇用保険受給資格者証の離職日・離職理由コード);
 * each notification and each withdrawal queues a 更正 of the person's households from the day after 離職
 * (reassessment_request, reduction_changed), which the server works through. The assessment reads the
 * notifications in force (`unemploymentOf`).
 */
export class UnemploymentService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
    private readonly today: () => string = todayInJapan,
  ) {}

  async list(actor: Actor, atenaNo: number, correlationId: string | null) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'unemployment.list', subjects: [atenaNo], correlationId, refusal: refusal404 }, async ({ tx, scope }) => {
      const p = await tx.selectFrom('person').select('atena_no').where('atena_no', '=', atenaNo).executeTakeFirst();
      if (!p || !(await scope.allows(atenaNo))) throw notFound(atenaNo);
      const rows = await tx.selectFrom('unemployment_notification').selectAll().where('atena_no', '=', atenaNo).orderBy('notification_id', 'desc').execute();
      return { atenaNo, notifications: rows.map((r) => view(r as Row)) };
    });
  }

  async record(actor: Actor, atenaNo: number, input: UnemploymentNotice, correlationId: string | null) {
    const spec = { functionCode: 'reduction.record', action: 'unemployment.record', subjects: [atenaNo], correlationId, detail: { separatedOn: input.separatedOn, reasonCode: input.reasonCode }, refusal: refusal404 } as const;
    return runUseCase(this.db, this.audit, actor, spec, async ({ tx, scope, detail }) => {
      const p = await tx.selectFrom('person').select(['atena_no', 'birth_date']).where('atena_no', '=', atenaNo).forUpdate().executeTakeFirst();
      if (!p || !(await scope.allows(atenaNo))) throw notFound(atenaNo);
      const params = lawParams();
      const today = this.today();
      if (!params.find('tax.involuntary_unemployment_period_years_after', input.separatedOn))
        throw new AppError(422, 'rule_violation', `離職日: ${input.separatedOn} は非自発的失業者の軽減の始まり(平成22年度)より前の期間です`);
      const span = spanOf(input.separatedOn);
      const insured = await insuredBetween(tx, atenaNo, span.from, span.until);
      const errors = checkUnemployment(input, {
        today,
        birthDate: p.birth_date,
        ageUnder: params.integer('tax.involuntary_unemployment_age_under', input.separatedOn),
        eligibleCodes: params.text('tax.involuntary_unemployment_reason_codes', input.separatedOn).split(','),
        insuredInPeriod: insured,
      });
      if (errors.length > 0) throw new AppError(422, 'rule_violation', errors.map((e) => e.message).join('\n'), errors);
      // One notification in force per person: two periods would overlap (a new 離職 within one ends nothing).
      const open = await tx.selectFrom('unemployment_notification').select(['notification_id', 'separated_on']).where('atena_no', '=', atenaNo).where('ended_at', 'is', null).execute();
      const clash = open.find((o) => o.separated_on < span.until && spanOf(o.separated_on).until > span.from);
      if (clash) throw new AppError(409, 'already_recorded', `離職日 ${clash.separated_on} の届出(届出番号 ${clash.notification_id})の期間と重なります。変更はその届出を取り下げてから届け出てください`);
      const by = actorLabel(actor);
      const row = await tx
        .insertInto('unemployment_notification')
        .values({ atena_no: atenaNo, separated_on: input.separatedOn, reason_code: input.reasonCode, reported_on: input.reportedOn, recorded_by: by })
        .returningAll()
        .executeTakeFirstOrThrow();
      await queueReduction(tx, { table: 'unemployment_notification', id: Number(row.notification_id), withdrawn: false }, atenaNo, span.from, by, today);
      detail({ notificationId: Number(row.notification_id), from: span.from });
      return view(row as Row);
    });
  }

  async withdraw(actor: Actor, notificationId: number, reason: string, correlationId: string | null) {
    const subjects: number[] = [];
    return runUseCase(this.db, this.audit, actor, { functionCode: 'reduction.record', action: 'unemployment.withdraw', subjects, correlationId, detail: { notificationId }, refusal: refusal404 }, async ({ tx, scope }) => {
      const r = await tx.selectFrom('unemployment_notification').selectAll().where('notification_id', '=', notificationId).forUpdate().executeTakeFirst();
      if (!r || !(await scope.allows(Number(r.atena_no)))) throw new AppError(404, 'not_found', `届出番号 ${notificationId} の非自発的失業の届出はありません`);
      subjects.push(Number(r.atena_no));
      if (r.ended_at) throw new AppError(409, 'already_ended', `届出番号 ${notificationId} は取り下げ済みです`);
      const by = actorLabel(actor);
      const ended = await tx.updateTable('unemployment_notification').set({ ended_at: new Date(), ended_by: by, end_reason: reason }).where('notification_id', '=', notificationId).returningAll().executeTakeFirstOrThrow();
      await queueReduction(tx, { table: 'unemployment_notification', id: notificationId, withdrawn: true }, Number(r.atena_no), spanOf(r.separated_on).from, by, this.today());
      return view(ended as Row);
    });
  }
}
