import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { AppError } from '../../http/errors.js';
import { runUseCase } from '../../platform/use-case.js';
import { lawParams } from '../../platform/params/law-params.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { perinatalPeriod } from '../assessment/tax.rules.js';
import { insuredBetween, keptView, personNotFound as notFound, queueReduction, refusal404 } from './notifications.js';
import { checkPerinatal, type PerinatalNotice } from './perinatal.rules.js';


export interface PerinatalView {
  notificationId: number;
  atenaNo: number;
  birthMonth: string;
  multiple: boolean;
  born: boolean;
  reportedOn: string;
  /** The months (YYYY-MM) whose 所得割 and 均等割 are not charged. */
  months: string[];
  recordedAt: string;
  recordedBy: string;
  endedAt: string | null;
  endedBy: string | null;
  endReason: string | null;
}

type Row = { notification_id: number | string; atena_no: number | string; birth_month: string; multiple: boolean; born: boolean; reported_on: string; recorded_at: Date; recorded_by: string; ended_at: Date | null; ended_by: string | null; end_reason: string | null };
const view = (r: Row): PerinatalView => ({
  notificationId: Number(r.notification_id),
  atenaNo: Number(r.atena_no),
  birthMonth: r.birth_month.slice(0, 7),
  multiple: r.multiple,
  born: r.born,
  reportedOn: r.reported_on,
  months: [...perinatalPeriod({ month: r.birth_month.slice(0, 7), multiple: r.multiple }, lawParams())].map((m) => m.slice(0, 7)),
  ...keptView(r),
});

/**
 * 産前産後期間の届出: recorded by staff for the insured mother; each notification and each withdrawal
 * queues a 更正 of her households from the period's first month (reassessment_request, reduction_changed),
 * which the server works through. The assessment reads the notifications in force (`childbirthOf`).
 */
export class PerinatalService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
    private readonly today: () => string = todayInJapan,
  ) {}

  async list(actor: Actor, atenaNo: number, correlationId: string | null) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'person.read', action: 'perinatal.list', subjects: [atenaNo], correlationId, refusal: refusal404 }, async ({ tx, scope }) => {
      const p = await tx.selectFrom('person').select('atena_no').where('atena_no', '=', atenaNo).executeTakeFirst();
      if (!p || !(await scope.allows(atenaNo))) throw notFound(atenaNo);
      const rows = await tx.selectFrom('perinatal_notification').selectAll().where('atena_no', '=', atenaNo).orderBy('notification_id', 'desc').execute();
      return { atenaNo, notifications: rows.map((r) => view(r as Row)) };
    });
  }

  async record(actor: Actor, atenaNo: number, input: PerinatalNotice, correlationId: string | null) {
    const spec = { functionCode: 'reduction.record', action: 'perinatal.record', subjects: [atenaNo], correlationId, detail: { birthMonth: input.birthMonth, multiple: input.multiple, born: input.born }, refusal: refusal404 } as const;
    return runUseCase(this.db, this.audit, actor, spec, async ({ tx, scope, detail }) => {
      const p = await tx.selectFrom('person').select(['atena_no', 'sex']).where('atena_no', '=', atenaNo).forUpdate().executeTakeFirst();
      if (!p || !(await scope.allows(atenaNo))) throw notFound(atenaNo);
      const params = lawParams();
      const today = this.today();
      const months = [...perinatalPeriod({ month: input.birthMonth, multiple: input.multiple }, params)];
      const insured = months.length > 0 && (await insuredBetween(tx, atenaNo, months[0]!, nextMonth(months.at(-1)!)));
      if (months.length === 0) throw new AppError(422, 'rule_violation', `出産予定月: ${input.birthMonth} の前後に産前産後期間の減額の対象となる月がありません(令和6年1月以降の月が対象です)`);
      const errors = checkPerinatal(input, { today, sex: p.sex, insuredInPeriod: insured, monthsAhead: params.integer('tax.perinatal_notice_months_ahead', today) });
      if (errors.length > 0) throw new AppError(422, 'rule_violation', errors.map((e) => e.message).join('\n'), errors);
      const open = await tx.selectFrom('perinatal_notification').select(['notification_id', 'birth_month']).where('atena_no', '=', atenaNo).where('ended_at', 'is', null).execute();
      const clash = open.find((o) => Math.abs(monthIndex(o.birth_month.slice(0, 7)) - monthIndex(input.birthMonth)) < 9);
      if (clash) throw new AppError(409, 'already_recorded', `出産予定月 ${clash.birth_month.slice(0, 7)} の届出(届出番号 ${clash.notification_id})があります。変更はその届出を取り下げてから届け出てください`);
      const by = actorLabel(actor);
      const row = await tx
        .insertInto('perinatal_notification')
        .values({ atena_no: atenaNo, birth_month: `${input.birthMonth}-01`, multiple: input.multiple, born: input.born, reported_on: input.reportedOn, recorded_by: by })
        .returningAll()
        .executeTakeFirstOrThrow();
      await queueReduction(tx, { table: 'perinatal_notification', id: Number(row.notification_id), withdrawn: false }, atenaNo, months[0]!, by, today);
      detail({ notificationId: Number(row.notification_id), months: months.length });
      return view(row as Row);
    });
  }

  async withdraw(actor: Actor, notificationId: number, reason: string, correlationId: string | null) {
    const subjects: number[] = [];
    return runUseCase(this.db, this.audit, actor, { functionCode: 'reduction.record', action: 'perinatal.withdraw', subjects, correlationId, detail: { notificationId }, refusal: refusal404 }, async ({ tx, scope }) => {
      const r = await tx.selectFrom('perinatal_notification').selectAll().where('notification_id', '=', notificationId).forUpdate().executeTakeFirst();
      if (!r || !(await scope.allows(Number(r.atena_no)))) throw new AppError(404, 'not_found', `届出番号 ${notificationId} の産前産後期間の届出はありません`);
      subjects.push(Number(r.atena_no));
      if (r.ended_at) throw new AppError(409, 'already_ended', `届出番号 ${notificationId} は取り下げ済みです`);
      const by = actorLabel(actor);
      const ended = await tx.updateTable('perinatal_notification').set({ ended_at: new Date(), ended_by: by, end_reason: reason }).where('notification_id', '=', notificationId).returningAll().executeTakeFirstOrThrow();
      const months = [...perinatalPeriod({ month: r.birth_month.slice(0, 7), multiple: r.multiple }, lawParams())];
      if (months.length > 0) await queueReduction(tx, { table: 'perinatal_notification', id: notificationId, withdrawn: true }, Number(r.atena_no), months[0]!, by, this.today());
      return view(ended as Row);
    });
  }
}

const monthIndex = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7));
function nextMonth(firstDay: string): string {
  const y = Number(firstDay.slice(0, 4));
  const m = Number(firstDay.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}
