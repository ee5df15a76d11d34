import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/database.js';
import { AppError, type FieldError } from '../../http/errors.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import { runBatch, type RunSummary } from '../../platform/batch/batch-runner.js';
import { runUseCase, type RefusalRecord } from '../../platform/use-case.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import type { IntakeError } from '../registry/intake-file.js';
import { INCOME_COLUMN_LABELS, readIncomeFile } from './income-file.js';
import { INCOME_IMPORT_JOB, incomeImportJob } from './income.import.js';
import { IncomeRepository, type IncomeReturnRow } from './income.repository.js';
import { AMOUNTS, columnsToFacts, declarationFacts, FILING_STATUSES, INCOME_SOURCES, RESIDENT_TAX, type SimpleDeclaration } from './income.rules.js';

/** A rejected income file: nothing was changed; every problem is listed with its line. */
export class IncomeImportRejected extends AppError {
  constructor(
    readonly errors: IntakeError[],
    readonly errorCount: number,
  ) {
    super(400, 'income_import_rejected', `取込みを中止しました(${errorCount}件の誤り。データベースは変更していません): ${errors.slice(0, 3).map((e) => `${e.line}行目 ${e.message}`).join(' / ')}${errorCount > 3 ? ' …' : ''}`);
  }
}

export interface IncomeImportSummary {
  /** The file was already imported whole: nothing was run. */
  alreadyImported: boolean;
  lines: number;
  versions: number;
  unchanged: number;
  reassessmentRequests: number;
  encoding: string;
  sha256: string;
  run: RunSummary | null;
}

/** The 簡易申告 as the API receives it. */
export interface DeclarationInput extends SimpleDeclaration {
  fiscalYear: number;
  declaredOn: string;
  note?: string | undefined;
}

const refusal404 = (e: unknown): RefusalRecord => (e instanceof AppError && e.status === 404 ? { outcome: 'denied', reason: 'not_found_or_out_of_scope' } : undefined);
const notFound = (atenaNo: number) => new AppError(404, 'not_found', `宛名番号 ${atenaNo} の住民は見つかりません`);

/** A version as the screens show it (codes with their labels). */
export function returnView(r: IncomeReturnRow) {
  const f = columnsToFacts(r);
  return {
    returnId: Number(r.return_id),
    fiscalYear: r.fiscal_year,
    incomeYear: r.fiscal_year - 1,
    version: r.version,
    current: r.superseded_at === null,
    source: r.source,
    sourceLabel: INCOME_SOURCES[r.source],
    filingStatus: f.filingStatus,
    filingStatusLabel: FILING_STATUSES[f.filingStatus].label,
    residentTax: f.residentTax,
    residentTaxLabel: f.residentTax ? RESIDENT_TAX[f.residentTax].label : null,
    amounts: Object.fromEntries(AMOUNTS.map((a) => [a, f[a]])) as Record<(typeof AMOUNTS)[number], number>,
    sourceSha256: r.source_sha256,
    sourceLine: r.source_line,
    declaredOn: r.declared_on,
    note: r.note,
    recordedAt: r.recorded_at.toISOString(),
    recordedBy: r.recorded_by,
    supersededAt: r.superseded_at ? r.superseded_at.toISOString() : null,
  };
}

/**
 * 所得: the 個人住民税 system's file (a resumable batch), the 簡易申告 entered by staff, and the versions
 * of a person's income. Every change is a new version (income_return), rewrites the current view
 * (income, resident_tax_status) and queues the households to reassess, in one transaction.
 */
export class IncomeService {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditRepository,
    private readonly opts: { today?: () => string } = {},
  ) {}

  private today(): string {
    return this.opts.today?.() ?? todayInJapan();
  }

  /**
   * Import a file (docs/interfaces/income-intake.md): validated whole first (columns, codes, amounts,
   * duplicates, and that every 宛名番号 exists) — any error rejects it with nothing changed; a file
   * already imported whole changes nothing; otherwise a batch run (resumable after a kill).
   */
  async importFile(actor: Actor, file: string, opts: { chunkSize?: number; onProgress?: (p: { done: number; total: number }) => void } = {}): Promise<IncomeImportSummary> {
    const { db } = this.database;
    const bytes = readFileSync(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const fileName = path.basename(file).slice(0, 200);
    const reject = async (errors: IntakeError[], errorCount: number): Promise<never> => {
      await this.audit.appendAlone(db, actor, { functionCode: 'income.import', action: 'income.import_file', outcome: 'denied', detail: { fileName, sha256, errorCount, reason: 'income_import_rejected' } });
      throw new IncomeImportRejected(errors, errorCount);
    };
    const read = readIncomeFile(bytes, { today: this.today() });
    if (read.errorCount > 0) return reject(read.errors, read.errorCount);
    const atenas = [...new Set(read.lines.map((l) => l.atenaNo))];
    const existing = await new IncomeRepository(db).existingPersons(atenas);
    const unknown = read.lines.filter((l) => !existing.has(l.atenaNo));
    if (unknown.length > 0) {
      return reject(
        unknown.slice(0, 200).map((l) => ({ line: l.line, column: INCOME_COLUMN_LABELS.atena_no, message: `宛名番号: 宛名番号 ${l.atenaNo} の住民は登録されていません` })),
        unknown.length,
      );
    }
    const encoding = read.encoding === 'shift_jis' ? 'Shift_JIS' : 'UTF-8';
    const done = await db.selectFrom('job_run').select('run_id').where('job', '=', INCOME_IMPORT_JOB).where('status', '=', 'completed').where('input_sha256', '=', sha256).executeTakeFirst();
    if (done) {
      await this.audit.appendAlone(db, actor, { functionCode: 'income.import', action: 'income.import_file', detail: { fileName, sha256, alreadyImported: true, runId: done.run_id } });
      return { alreadyImported: true, lines: read.lines.length, versions: 0, unchanged: read.lines.length, reassessmentRequests: 0, encoding, sha256, run: null };
    }
    const run = await runBatch({ database: this.database, audit: this.audit }, incomeImportJob(read.lines), { fileName, sha256, lines: read.lines.length }, {
      actor,
      chunkSize: opts.chunkSize ?? 500,
      inputFile: file,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    return {
      alreadyImported: false,
      lines: read.lines.length,
      versions: run.counts.versions ?? 0,
      unchanged: (run.counts.unchanged ?? 0) + (run.counts.already_taken ?? 0),
      reassessmentRequests: run.counts.reassessment_requests ?? 0,
      encoding,
      sha256,
      run,
    };
  }

  /** Every version of a person's income (newest 年度 and version first). */
  async returnsOf(actor: Actor, atenaNo: number, correlationId: string | null) {
    return runUseCase(this.database.db, this.audit, actor, { functionCode: 'income.read', action: 'income.list', subjects: [atenaNo], correlationId, refusal: refusal404 }, async ({ tx, scope }) => {
      const p = await tx.selectFrom('person').select(['atena_no', 'birth_date']).where('atena_no', '=', atenaNo).executeTakeFirst();
      if (!p || !(await scope.allows(atenaNo))) throw notFound(atenaNo);
      const versions = (await new IncomeRepository(tx).versionsOf(atenaNo)).map(returnView);
      return { atenaNo, versions };
    });
  }

  /**
   * 簡易申告: the insured's own declaration for a 年度 — a new version (source simple_declaration) with
   * 給与所得 and 公的年金等所得 computed by the assessment's rules, audited, and the households queued.
   * Refused when the person was not insured (nor 世帯主 of an insured household) in the 年度, and when
   * the 個人住民税 system already holds a 申告 for it (that one is corrected there).
   */
  async declare(actor: Actor, atenaNo: number, input: DeclarationInput, correlationId: string | null) {
    const spec = { functionCode: 'income.declare', action: 'income.declare', subjects: [atenaNo], correlationId, detail: { fiscalYear: input.fiscalYear }, refusal: refusal404 };
    return runUseCase(this.database.db, this.audit, actor, spec, async ({ tx, scope, detail }) => {
      const p = await tx.selectFrom('person').select(['atena_no', 'birth_date']).where('atena_no', '=', atenaNo).forUpdate().executeTakeFirst();
      if (!p || !(await scope.allows(atenaNo))) throw notFound(atenaNo);
      const errors: FieldError[] = [];
      const field = (f: string, label: string, message: string) => errors.push({ field: f, label, message: `${label}: ${message}` });
      if (input.familyEmployeeSalary > input.salaryRevenue) field('familyEmployeeSalary', 'うち専従者給与', `給与収入(${input.salaryRevenue}円)を超えています`);
      if (input.businessIncome > input.businessRevenue) field('businessIncome', '事業所得', `事業収入(${input.businessRevenue}円)を超えています`);
      if (input.realEstateIncome > input.realEstateRevenue) field('realEstateIncome', '不動産所得', `不動産収入(${input.realEstateRevenue}円)を超えています`);
      if (input.declaredOn > this.today()) field('declaredOn', '申告日', `${d(input.declaredOn)}は今日より後です`);
      if (input.declaredOn < `${input.fiscalYear - 1}-01-01`) field('declaredOn', '申告日', `所得の年(${input.fiscalYear - 1}年)より前です`);
      if (p.birth_date > `${input.fiscalYear - 1}-12-31`) field('fiscalYear', '年度', `所得の年(${input.fiscalYear - 1}年)の末日にはまだ生まれていません`);
      if (errors.length > 0) throw new AppError(400, 'validation', errors.map((e) => e.message).join('\n'), errors);
      const repo = new IncomeRepository(tx);
      if (!(await repo.mayDeclare(atenaNo, input.fiscalYear))) {
        throw new AppError(422, 'not_insured', `${input.fiscalYear}年度(${input.fiscalYear}年4月〜${input.fiscalYear + 1}年3月)に国民健康保険の被保険者(または国保世帯の世帯主)ではありません。簡易申告は国保の加入者が対象です`);
      }
      const current = (await repo.current([atenaNo], input.fiscalYear)).get(`${atenaNo}/${input.fiscalYear}`);
      if (current && current.source === 'tax_system' && current.filing_status === 'declared') {
        throw new AppError(409, 'tax_return_exists', `${input.fiscalYear}年度の所得は個人住民税システムに申告があります(${INCOME_SOURCES.tax_system}、第${current.version}版)。誤りは住民税の申告の修正で直してください`);
      }
      const facts = declarationFacts(input, input.fiscalYear, p.birth_date);
      const r = await repo.writeVersions([{ atenaNo, fiscalYear: input.fiscalYear, facts, source: 'simple_declaration', declaredOn: input.declaredOn, note: input.note ?? null }], actorLabel(actor));
      detail({ version: r.written[0]?.version ?? current?.version ?? null, changed: r.written.length > 0, filingStatus: facts.filingStatus, households: [...new Set(r.requests.map((q) => q.householdNo))] });
      const versions = (await repo.versionsOf(atenaNo)).filter((v) => v.fiscal_year === input.fiscalYear).map(returnView);
      return { atenaNo, fiscalYear: input.fiscalYear, changed: r.written.length > 0, reassessmentHouseholds: [...new Set(r.requests.map((q) => q.householdNo))], versions };
    });
  }
}
