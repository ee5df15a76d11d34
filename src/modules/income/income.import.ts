import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { BatchJob } from '../../platform/batch/batch-runner.js';
import { actorLabel } from '../../security/actor.js';
import type { IncomeLine } from './income-file.js';
import { IncomeRepository } from './income.repository.js';

/** The batch job of one validated income file (params are fixed per file: a resume needs the same file). */
export interface IncomeImportParams {
  fileName: string;
  sha256: string;
  lines: number;
}

export const INCOME_IMPORT_JOB = 'income-import';

/**
 * The import of a validated file as a resumable batch (src/platform/batch): a chunk of lines per
 * transaction, each line a new version of its person's 年度 unless equal to the current one (a replayed
 * line changes nothing) or already taken from this file (SHA-256 + line). The cursor is the index of
 * the next line; each chunk's versions, current-view rows, reassessment requests, checkpoint and audit
 * record commit together.
 */
export function incomeImportJob(lines: readonly IncomeLine[]): BatchJob<IncomeImportParams, { next: number }> {
  return {
    name: INCOME_IMPORT_JOB,
    label: '所得の取込(個人住民税システム)',
    functionCode: 'income.import',
    async remaining(db: Kysely<DB>, params) {
      const r = await db.selectFrom('income_return').select((eb) => eb.fn.countAll<number>().as('n')).where('source_sha256', '=', params.sha256).executeTakeFirstOrThrow();
      return Math.max(0, lines.length - Number(r.n));
    },
    async chunk(tx, ctx) {
      const from = ctx.cursor?.next ?? 0;
      const part = lines.slice(from, from + ctx.chunkSize);
      if (part.length === 0) return null;
      const r = await new IncomeRepository(tx).writeVersions(
        part.map((l) => ({ atenaNo: l.atenaNo, fiscalYear: l.fiscalYear, facts: l.facts, source: 'tax_system' as const, sourceSha256: ctx.params.sha256, sourceLine: l.line, jobRunId: ctx.runId })),
        actorLabel(ctx.actor),
      );
      const households = new Set(r.requests.map((q) => `${q.householdNo}/${q.fiscalYear}`)).size;
      return {
        cursor: { next: from + part.length },
        processed: part.length,
        counts: { lines: part.length, versions: r.written.length, unchanged: r.unchanged, already_taken: r.alreadyTaken, reassessment_requests: r.requests.length },
        audit: {
          action: 'income.import',
          subjects: [...new Set(part.map((l) => l.atenaNo))],
          detail: { fileSha256: ctx.params.sha256, firstLine: part[0]!.line, lastLine: part.at(-1)!.line, versions: r.written.length, unchanged: r.unchanged, households },
        },
      };
    },
  };
}
