import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { AppError } from '../../http/errors.js';
import { runUseCase, type RefusalRecord } from '../../platform/use-case.js';
import { lawParams } from '../../platform/params/law-params.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { perinatalPeriod } from '../assessment/tax.rules.js';
import { personHouseholdsFrom, queueReassessment } from '../assessment/reassessment-queue.js';
import { checkPerinatal, type PerinatalNotice } from './perinatal.rules.js';

const refusal404 = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);
const notFound = (atenaNo: number) => new AppError(404, 'not_found', `宛名番号 ${atenaNo} の住民は見つかりません`);

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
  recordedAt: new Date(r.recorded_at).toISOString(),
  recordedBy: r.recorded_by,
  endedAt: r.ended_at ? new Date(r.ended_at).toISOString() : null,
  endedBy: r.ended_by,
  endReason: r.end_reason,
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
      const insured = months.length === 0 ? null : await tx
        .selectFrom('nhi_eligibility')
        .select('eligibility_id')
        .where('atena_no', '=', atenaNo)
        .where('superseded_at', 'is', null)
        .where('acquired_on', '<', nextMonth(months.at(-1)!))
        .where((eb) => eb.or([eb('lost_on', 'is', null), eb('lost_on', '>', months[0]!)]))
        .executeTakeFirst();
      if (months.length === 0) throw new AppError(422, 'rule_violation', `出産予定月: ${input.birthMonth} の前後に産前産後期間の減額の対象となる月がありません(令和6年1月以降の月が対象です)`);
      const errors = checkPerinatal(input, { today, sex: p.sex, insuredInPeriod: !!insured, monthsAhead: params.integer('tax.perinatal_notice_months_ahead', today) });
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
      await this.queue(tx, atenaNo, months[0]!, Number(row.notification_id), by, today);
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
      if (months.length > 0) await this.queue(tx, Number(r.atena_no), months[0]!, notificationId, by, this.today(), 'withdrawn');
      return view(ended as Row);
    });
  }

  private async queue(tx: Kysely<DB>, atenaNo: number, from: string, notificationId: number, by: string, today: string, suffix = '') {
    const households = await personHouseholdsFrom(tx, atenaNo, from);
    await queueReassessment(tx, [{ reason: 'reduction_changed', effectiveOn: from, householdNos: households, atenaNo, sourceRef: `perinatal_notification:${notificationId}${suffix ? `-${suffix}` : ''}` }], by, today);
  }
}

const monthIndex = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7));
function nextMonth(firstDay: string): string {
  const y = Number(firstDay.slice(0, 4));
  const m = Number(firstDay.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}
