import { queueReassessment } from './reassessment-queue.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../http/errors.js';
import { runUseCase } from '../../platform/use-case.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import type { IntakeError } from '../registry/intake-file.js';
import { refusal404 } from '../reductions/notifications.js';
import { PENSION_COLUMN_LABELS, readPensionFile } from './pension-file.js';

/** A rejected 特別徴収対象者 file: nothing was changed. */
export class PensionImportRejected extends AppError {
  constructor(
    readonly errors: IntakeError[],
    readonly errorCount: number,
  ) {
    super(400, 'pension_import_rejected', `取込みを中止しました(${errorCount}件の誤り。データベースは変更していません): ${errors.slice(0, 3).map((e) => `${e.line}行目 ${e.message}`).join(' / ')}${errorCount > 3 ? ' …' : ''}`);
  }
}

export interface AccountTransferView {
  requestId: number;
  householdNo: number;
  atenaNo: number;
  requestedOn: string;
  recordedAt: string;
  recordedBy: string;
  endedAt: string | null;
  endedBy: string | null;
  endReason: string | null;
}

type Row = { request_id: number | string; household_no: number | string; atena_no: number | string; requested_on: string; recorded_at: Date; recorded_by: string; ended_at: Date | null; ended_by: string | null; end_reason: string | null };
const view = (r: Row): AccountTransferView => ({
  requestId: Number(r.request_id),
  householdNo: Number(r.household_no),
  atenaNo: Number(r.atena_no),
  requestedOn: r.requested_on,
  recordedAt: new Date(r.recorded_at).toISOString(),
  recordedBy: r.recorded_by,
  endedAt: r.ended_at ? new Date(r.ended_at).toISOString() : null,
  endedBy: r.ended_by,
  endReason: r.end_reason,
});
const notFound = (householdNo: number) => new AppError(404, 'not_found', `世帯番号 ${householdNo} の世帯は登録されていません`);

/**
 * 特別徴収's records: the 年金保険者's 特別徴収対象者 file (CLI `special-collection import`: whole-file
 * validation, nothing changed on a rejected file, one transaction) and the 口座振替への変更申出 of a
 * household's head (API). The 本算定 reads both (special-collection-source.ts).
 */
export class SpecialCollectionService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
    private readonly today: () => string = todayInJapan,
  ) {}

  async importFile(actor: Actor, file: string): Promise<{ lines: number; written: number; encoding: string; sha256: string }> {
    const bytes = readFileSync(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const fileName = path.basename(file).slice(0, 200);
    const reject = async (errors: IntakeError[], errorCount: number): Promise<never> => {
      await this.audit.appendAlone(this.db, actor, { functionCode: 'assessment.run', action: 'special_collection.import_file', outcome: 'denied', detail: { fileName, sha256, errorCount, reason: 'pension_import_rejected' } });
      throw new PensionImportRejected(errors, errorCount);
    };
    const read = readPensionFile(bytes, { today: this.today() });
    if (read.errorCount > 0) return reject(read.errors, read.errorCount);
    const atenas = [...new Set(read.lines.map((l) => l.atenaNo))];
    const existing = new Set((await this.db.selectFrom('person').select('atena_no').where(sql<boolean>`atena_no = ANY(${sql.val(atenas)}::bigint[])`).execute()).map((p) => Number(p.atena_no)));
    const unknown = read.lines.filter((l) => !existing.has(l.atenaNo));
    if (unknown.length > 0) return reject(unknown.slice(0, 200).map((l) => ({ line: l.line, column: PENSION_COLUMN_LABELS.atena_no, message: `宛名番号: 宛名番号 ${l.atenaNo} の住民は登録されていません` })), unknown.length);
    const encoding = read.encoding === 'shift_jis' ? 'Shift_JIS' : 'UTF-8';
    const spec = { functionCode: 'assessment.run', action: 'special_collection.import_file', subjects: atenas, detail: { fileName, sha256, lines: read.lines.length } } as const;
    return runUseCase(this.db, this.audit, actor, spec, async ({ tx }) => {
      const by = actorLabel(actor);
      for (let i = 0; i < read.lines.length; i += 500) {
        const part = read.lines.slice(i, i + 500);
        await tx
          .insertInto('pension_withholding')
          .values(part.map((l) => ({ atena_no: l.atenaNo, fiscal_year: l.fiscalYear, insurer_code: l.insurerCode, pension_kind: l.pensionKind, annual_amount_yen: l.annualAmount, care_withheld: l.careWithheld, care_premium_yen: l.carePremium, notified_on: l.notifiedOn, source_sha256: sha256, source_line: l.line, imported_by: by })))
          .onConflict((oc) =>
            oc.columns(['atena_no', 'fiscal_year']).doUpdateSet((eb) => ({
              insurer_code: eb.ref('excluded.insurer_code'),
              pension_kind: eb.ref('excluded.pension_kind'),
              annual_amount_yen: eb.ref('excluded.annual_amount_yen'),
              care_withheld: eb.ref('excluded.care_withheld'),
              care_premium_yen: eb.ref('excluded.care_premium_yen'),
              notified_on: eb.ref('excluded.notified_on'),
              source_sha256: eb.ref('excluded.source_sha256'),
              source_line: eb.ref('excluded.source_line'),
              imported_at: sql`clock_timestamp()`,
              imported_by: eb.ref('excluded.imported_by'),
            })),
          )
          .execute();
      }
      return { lines: read.lines.length, written: read.lines.length, encoding, sha256 };
    });
  }

  /** The 口座振替への変更申出 of a household (withdrawn ones too), newest first. */
  async listTransfers(actor: Actor, householdNo: number, correlationId: string | null) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.read', action: 'special_collection.transfer_list', subjects: [], correlationId, detail: { householdNo }, refusal: refusal404 }, async ({ tx, scope, subjects }) => {
      const members = await this.membersIn(tx, householdNo);
      const allowed = await scope.allowed(members);
      if (scope.kind !== 'all' && allowed.size === 0) throw notFound(householdNo);
      subjects([...allowed]);
      const rows = await tx.selectFrom('account_transfer_request').selectAll().where('household_no', '=', householdNo).orderBy('request_id', 'desc').execute();
      return { householdNo, requests: rows.map((r) => view(r as unknown as Row)) };
    });
  }

  /**
   * Record the head's 申出 (one standing per household): the 特別徴収 in force stops by a 更正 of the 年度 (queued:
   * the tax unchanged, from the first 年金支払月 the 年金保険者 can still be told of), and from the next 本算定
   * on the household pays by 普通徴収.
   */
  async recordTransfer(actor: Actor, householdNo: number, input: { requestedOn: string }, correlationId: string | null) {
    const subjects: number[] = [];
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.run', action: 'special_collection.transfer_record', subjects, correlationId, detail: { householdNo, requestedOn: input.requestedOn }, refusal: refusal404 }, async ({ tx, scope }) => {
      const members = await this.membersIn(tx, householdNo);
      if (scope.kind !== 'all' && (await scope.allowed(members)).size === 0) throw notFound(householdNo);
      const today = this.today();
      if (input.requestedOn > today) throw new AppError(422, 'rule_violation', `申出日: 今日(${today})より後の日付は入力できません`);
      const head = await tx
        .selectFrom('household_member')
        .select('atena_no')
        .where('household_no', '=', householdNo)
        .where('relationship', '=', 'head')
        .where('valid_from', '<=', input.requestedOn)
        .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', input.requestedOn)]))
        .executeTakeFirst();
      if (!head) throw new AppError(422, 'rule_violation', `申出日: ${input.requestedOn} にこの世帯の世帯主が登録されていません(申出は世帯主が行います)`);
      subjects.push(Number(head.atena_no));
      const open = await tx.selectFrom('account_transfer_request').select(['request_id', 'requested_on']).where('household_no', '=', householdNo).where('ended_at', 'is', null).executeTakeFirst();
      if (open) throw new AppError(409, 'already_recorded', `この世帯には申出日 ${open.requested_on} の申出(申出番号 ${open.request_id})があります`);
      const row = await tx.insertInto('account_transfer_request').values({ household_no: householdNo, atena_no: Number(head.atena_no), requested_on: input.requestedOn, recorded_by: actorLabel(actor) }).returningAll().executeTakeFirstOrThrow();
      // The 特別徴収 in force stops (中止) by a 更正 of the 年度 (the tax unchanged): queued like every change.
      await queueReassessment(tx, [{ reason: 'collection_changed', effectiveOn: input.requestedOn, householdNos: [householdNo], atenaNo: Number(head.atena_no), sourceRef: `account_transfer_request:${row.request_id}` }], actorLabel(actor), today);
      return view(row as unknown as Row);
    });
  }

  /** Withdraw a 申出 (kept, ended): from the next 本算定 on, 特別徴収 is judged again. */
  async withdrawTransfer(actor: Actor, requestId: number, reason: string, correlationId: string | null) {
    const subjects: number[] = [];
    return runUseCase(this.db, this.audit, actor, { functionCode: 'assessment.run', action: 'special_collection.transfer_withdraw', subjects, correlationId, detail: { requestId }, refusal: refusal404 }, async ({ tx, scope }) => {
      const r = await tx.selectFrom('account_transfer_request').selectAll().where('request_id', '=', requestId).forUpdate().executeTakeFirst();
      if (!r || !(await scope.allows(Number(r.atena_no)))) throw new AppError(404, 'not_found', `申出番号 ${requestId} の口座振替への変更申出はありません`);
      subjects.push(Number(r.atena_no));
      if (r.ended_at) throw new AppError(409, 'already_ended', `申出番号 ${requestId} は取り下げ済みです`);
      const ended = await tx.updateTable('account_transfer_request').set({ ended_at: new Date(), ended_by: actorLabel(actor), end_reason: reason }).where('request_id', '=', requestId).returningAll().executeTakeFirstOrThrow();
      return view(ended as unknown as Row);
    });
  }

  private async membersIn(tx: Kysely<DB>, householdNo: number): Promise<number[]> {
    const h = await tx.selectFrom('household').select('household_no').where('household_no', '=', householdNo).executeTakeFirst();
    if (!h) throw notFound(householdNo);
    return [...new Set((await tx.selectFrom('household_member').select('atena_no').where('household_no', '=', householdNo).execute()).map((m) => Number(m.atena_no)))];
  }
}
