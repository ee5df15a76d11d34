import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldError } from '../../http/errors.js';
import { runUseCase, type UseCaseContext } from '../../platform/use-case.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { birthdayAtAge, lateElderlyAge, todayInJapan } from '../eligibility/eligibility.rules.js';
import { lateElderlyLoss, type WorkItemKind } from './intake-effects.rules.js';
import { readIntakeFile, validateEventRecord, type IntakeError, type IntakeOptions } from './intake-file.js';
import { applyLossOrRefer, type AutomaticLossPort } from './registry.apply.js';
import { applyBatch, phase } from './registry.bulk.js';
import type { IntakeColumn, RegistryEvent } from './registry-events.js';

/** The answer of a whole intake (file or API batch). */
export interface IntakeSummary {
  events: number;
  taken: number;
  /** Events whose 異動連番 was already taken with the same content (a replay). */
  skipped: number;
  automatic: number;
  workItems: number;
  encoding?: string;
  sha256?: string;
}

/** A rejected intake: nothing was changed; every problem is listed with its line (or its index in the batch). */
export class IntakeRejected extends AppError {
  constructor(
    readonly errors: IntakeError[],
    readonly errorCount: number,
  ) {
    super(400, 'intake_rejected', `取込みを中止しました(${errorCount}件の誤り。データベースは変更していません): ${errors.slice(0, 3).map((e) => `${e.line}行目 ${e.message}`).join(' / ')}${errorCount > 3 ? ' …' : ''}`, errors.map(asFieldError));
  }
}

function asFieldError(e: IntakeError): FieldError {
  return { field: `line${e.line}`, label: e.column ?? `${e.line}行目`, message: `${e.line}行目 ${e.message}` };
}

/** Audit records of one intake name at most this many persons each (a year's file has ~800,000). */
const SUBJECTS_PER_RECORD = 1000;

/**
 * 住基連携: takes the registry's events (a file, or a batch over the API), all or nothing, and lists
 * the work they open for staff. Every intake is one use case: one transaction, audited, refused whole.
 */
export class RegistryService {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditRepository,
    private readonly eligibility: AutomaticLossPort,
    private readonly opts: { prefectureCode: string; today?: () => string },
  ) {}

  private intakeOptions(): IntakeOptions {
    return { today: this.opts.today?.() ?? todayInJapan(), prefectureCode: this.opts.prefectureCode };
  }

  /** A registry file (UTF-8 or Shift_JIS CSV, docs/interfaces/registry-intake.md). */
  async importFile(actor: Actor, bytes: Uint8Array, meta: { fileName: string; correlationId?: string | null }): Promise<IntakeSummary> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const spec = { functionCode: 'registry.intake', action: 'registry.import_file', correlationId: meta.correlationId ?? null, detail: { fileName: meta.fileName.slice(0, 200), sha256 }, refusal: intakeRefusal };
    return runUseCase(this.database.db, this.audit, actor, spec, async (ctx) => {
      const t = performance.now();
      const read = readIntakeFile(bytes, this.intakeOptions());
      phase('file: decode + validate', t);
      if (read.errorCount > 0) throw new IntakeRejected(read.errors, read.errorCount);
      const summary = await this.applyAll(ctx, read.events, (i) => read.lines[i]!, 'file');
      return { ...summary, encoding: read.encoding, sha256 };
    });
  }

  /** Events pushed over the API by the registry's system client (the same columns as the file, by name). */
  async pushEvents(actor: Actor, records: readonly Partial<Record<IntakeColumn, string | null>>[], correlationId?: string | null): Promise<IntakeSummary> {
    const spec = { functionCode: 'registry.intake', action: 'registry.push', correlationId: correlationId ?? null, detail: { events: records.length }, refusal: intakeRefusal };
    return runUseCase(this.database.db, this.audit, actor, spec, async (ctx) => {
      const opts = this.intakeOptions();
      const errors: IntakeError[] = [];
      const events: RegistryEvent[] = [];
      const ids = new Map<string, number>();
      records.forEach((r, i) => {
        const v = validateEventRecord(r, opts);
        if ('errors' in v) for (const e of v.errors) errors.push({ line: i + 1, ...e });
        else if (ids.has(v.event.eventId)) errors.push({ line: i + 1, column: '異動連番', message: `異動連番「${v.event.eventId}」が${ids.get(v.event.eventId)}件目と重複しています` });
        else {
          ids.set(v.event.eventId, i + 1);
          events.push(v.event);
        }
      });
      if (errors.length > 0) throw new IntakeRejected(errors.slice(0, 200), errors.length);
      return this.applyAll(ctx, events, (i) => i + 1, 'api');
    });
  }

  /** 75歳到達: the daily job (see runLateElderlyJob). */
  lateElderly(actor: Actor, today: string): Promise<AgeJobSummary> {
    return runLateElderlyJob(this.database.db, this.audit, this.eligibility, actor, today);
  }

  /** Registers the registry's system client; the token is returned once (only its SHA-256 is kept). */
  async addClient(actor: Actor, clientId: string, name: string): Promise<string> {
    if (!/^[a-z][a-z0-9-]{1,39}$/.test(clientId)) throw new AppError(400, 'bad_option', 'クライアントIDは半角小文字で始まる小文字・数字・ハイフンの2〜40文字です(例: juki)');
    const token = randomBytes(32).toString('base64url');
    await runUseCase(this.database.db, this.audit, actor, { functionCode: 'user.admin', action: 'system_client.add', detail: { clientId } }, async ({ tx }) => {
      if (await tx.selectFrom('system_client').select('client_id').where('client_id', '=', clientId).executeTakeFirst()) throw new AppError(409, 'exists', `システム利用者 ${clientId} は既に登録されています`);
      await tx.insertInto('system_client').values({ client_id: clientId, name, purpose: 'registry', token_sha256: createHash('sha256').update(token).digest('hex'), created_by: actorLabel(actor) }).execute();
    });
    return token;
  }

  /** The system actor of a bearer token (null: unknown or disabled client). */
  async systemActor(token: string, ip: string | null): Promise<(Actor & { kind: 'system' }) | null> {
    if (token.length < 20 || token.length > 128) return null;
    const c = await this.database.db.selectFrom('system_client').select(['client_id', 'purpose']).where('token_sha256', '=', createHash('sha256').update(token).digest('hex')).where('disabled_at', 'is', null).executeTakeFirst();
    if (!c) return null;
    return { kind: 'system', id: `system:${c.client_id}`, clientId: c.client_id, permissions: new Set(['registry.intake']), ip, terminal: null };
  }

  private async applyAll(ctx: UseCaseContext, events: readonly RegistryEvent[], lineOf: (i: number) => number, source: 'file' | 'api'): Promise<IntakeSummary> {
    const copyIn = (table: string, columns: readonly string[], tsv: string) => this.database.copyIn(table, columns, tsv, ctx.tx as Transaction<DB>);
    const r = await applyBatch(ctx.tx, events, { by: actorLabel(ctx.actor), source, jobRunId: null, copyIn, ...(this.database.kind === 'postgresql' ? { overlapCopy: true, writeEvery: 5000, copyRows: true, sideReads: this.database.sideReads } : { overlapCopy: false, writeEvery: null, copyRows: false }), ...(this.opts.today ? { today: this.opts.today() } : {}) });
    if (r.errors.length > 0) throw new IntakeRejected(r.errors.map((e) => ({ line: lineOf(e.index), message: e.message })), r.errors.length);
    // One audit record per SUBJECTS_PER_RECORD persons (a year's file names ~800,000).
    const t = performance.now();
    for (let i = 0, part = 1; i < r.subjects.length; i += SUBJECTS_PER_RECORD, part++) {
      await this.audit.append(ctx.tx, ctx.actor, { functionCode: 'registry.intake', action: `registry.${source === 'file' ? 'import_file' : 'push'}`, subjects: r.subjects.slice(i, i + SUBJECTS_PER_RECORD), detail: { part }, correlationId: null });
    }
    phase('audit records', t);
    if (r.subjects.length > 0) ctx.skipSuccessRecord();
    else ctx.detail({ taken: 0, skipped: r.skipped });
    return { events: events.length, taken: r.taken, skipped: r.skipped, automatic: r.automatic, workItems: r.workItems };
  }

}

export interface AgeJobSummary {
  today: string;
  checked: number;
  automatic: number;
  workItems: number;
}

/** 75歳到達 (後期高齢者医療): the daily job. Idempotent: a loss already applied is not applied again. */
export async function runLateElderlyJob(db: Kysely<DB>, audit: AuditRepository, eligibility: AutomaticLossPort, actor: Actor, today: string): Promise<AgeJobSummary> {
  const age = lateElderlyAge(today);
  if (age === null) return { today, checked: 0, automatic: 0, workItems: 0 };
  // Born on or before this day, they are 75 by today (a 29 February birthday counts from 1 March).
  const bornBy = `${String(Number(today.slice(0, 4)) - age).padStart(4, '0')}${today.slice(4)}`;
  return runUseCase(db, audit, actor, { functionCode: 'registry.intake', action: 'registry.late_elderly', detail: { today } }, async ({ tx, subjects, detail }) => {
    const rows = await tx
      .selectFrom('nhi_eligibility as n')
      .innerJoin('person as p', 'p.atena_no', 'n.atena_no')
      .select(['n.eligibility_id', 'n.atena_no', 'n.household_no', 'n.acquired_on', 'n.lost_on', 'p.birth_date'])
      .where('n.superseded_at', 'is', null)
      .where('p.birth_date', '<=', bornBy)
      .where((eb) => eb.or([eb('n.lost_on', 'is', null), eb(eb.ref('n.lost_on'), '>', eb.fn<string>('greatest', [eb.ref('n.acquired_on'), eb.val(bornBy)]))]))
      .orderBy('n.atena_no')
      .execute();
    let automatic = 0;
    let workItems = 0;
    const by = actorLabel(actor);
    // The items this job already made for these persons, read once (a second run makes none).
    const keyOf = (r: { atena_no: number; birth_date: string }) => `late_elderly:${r.atena_no}:${birthdayAtAge(r.birth_date, age)}`;
    const done = new Set(
      rows.length === 0 ? [] : (await tx.selectFrom('work_item').select('origin_key').where('origin_key', 'in', rows.map(keyOf)).execute()).map((w) => w.origin_key),
    );
    for (const r of rows) {
      const effect = lateElderlyLoss(r.birth_date, { eligibilityId: Number(r.eligibility_id), acquiredOn: r.acquired_on, lostOn: r.lost_on }, today);
      if (!effect) continue;
      const originKey = keyOf(r);
      if (done.has(originKey)) continue;
      let item: { kind: 'automatic_loss' | WorkItemKind; date: string | null; basis: string; eligibilityId: number };
      if (effect.kind === 'automatic_loss') {
        const applied = await applyLossOrRefer(eligibility, tx, { eligibilityId: Number(r.eligibility_id), lostOn: effect.lostOn, lossReason: effect.lossReason, by });
        if (applied.applied) {
          automatic++;
          item = { kind: 'automatic_loss', date: effect.lostOn, basis: effect.basis, eligibilityId: applied.eligibilityId };
        } else item = { kind: 'loss_candidate', date: effect.lostOn, basis: `${effect.basis}。自動では適用できませんでした: ${applied.why}`, eligibilityId: Number(r.eligibility_id) };
      } else item = { kind: effect.item, date: effect.suggestedDate, basis: effect.basis, eligibilityId: Number(r.eligibility_id) };
      await tx
        .insertInto('work_item')
        .values({ kind: item.kind, atena_no: r.atena_no, household_no: r.household_no, origin_key: originKey, suggested_date: item.date, basis: item.basis, eligibility_id: item.eligibilityId, created_by: by })
        .execute();
      workItems++;
      subjects([Number(r.atena_no)]);
    }
    detail({ checked: rows.length, automatic, workItems });
    return { today, checked: rows.length, automatic, workItems };
  });
}

function intakeRefusal(e: unknown) {
  if (e instanceof IntakeRejected) return { outcome: 'denied' as const, reason: 'intake_rejected', detail: { errorCount: e.errorCount, lines: e.errors.slice(0, 50).map((x) => x.line) } };
  return undefined;
}
