import { readFileSync, writeFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { BatchJob } from './batch-runner.js';

/**
 * A small real-shaped job for the runner's tests: import 所得 rows from a CSV file
 * (atena_no,fiscal_year,income_type,revenue_yen,income_yen), a chunk of lines at a time. The cursor is
 * the number of lines done. A row imported twice would break the income primary key, so a double
 * effect cannot hide. `failInside` makes a chunk throw after its inserts, before its commit.
 */
export interface IncomeImportParams {
  file: string;
}

export const INCOME_IMPORT_LINES = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [atena, fy, type, revenue, income] = l.split(',');
      return { atena_no: Number(atena), fiscal_year: Number(fy), income_type: type as 'salary', revenue_yen: Number(revenue), income_yen: Number(income) };
    });

export function incomeImportJob(hooks: { failInside?: (chunkNo: number) => boolean } = {}): BatchJob<IncomeImportParams, { line: number }> {
  return {
    name: 'test-income-import',
    label: '所得の取込(テスト)',
    functionCode: 'exchange.file',
    async remaining(db: Kysely<DB>, p) {
      void db;
      return INCOME_IMPORT_LINES(p.file).length;
    },
    async chunk(tx, ctx) {
      const lines = INCOME_IMPORT_LINES(ctx.params.file);
      const from = ctx.cursor?.line ?? 0;
      const part = lines.slice(from, from + ctx.chunkSize);
      if (part.length === 0) return null;
      const updatedBy = String((await sql<{ a: string }>`SELECT current_setting('nhi.actor') AS a`.execute(tx)).rows[0]!.a);
      await tx
        .insertInto('income')
        .values(part.map((r) => ({ ...r, updated_by: updatedBy })))
        .execute();
      if (hooks.failInside?.(ctx.chunkNo)) throw new Error(`killed inside chunk ${ctx.chunkNo}`);
      return {
        cursor: { line: from + part.length },
        processed: part.length,
        counts: { rows: part.length },
        totals: { revenue_yen: part.reduce((s, r) => s + r.revenue_yen, 0), income_yen: part.reduce((s, r) => s + r.income_yen, 0) },
        audit: { action: 'income.import', subjects: [...new Set(part.map((r) => r.atena_no))], detail: { rows: part.length } },
      };
    },
    async finish(db, ctx) {
      if (!ctx.outputFile) return;
      const r = await db.selectFrom('income').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('revenue_yen').as('revenue')]).executeTakeFirstOrThrow();
      writeFileSync(ctx.outputFile, `rows,${Number(r.n)}\nrevenue_yen,${Number(r.revenue)}\n`);
    },
  };
}

/** `count` synthetic persons from `firstAtena` on, whose income the test job imports. */
export function testPersons(firstAtena: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    atena_no: firstAtena + i,
    name_kanji: `試験 ${i}`,
    name_kana: 'シケン',
    name_kana_key: 'シケン',
    name_kanji_key: `試験${i}`,
    birth_date: '1980-01-01',
    sex: 'male' as const,
    resident_kind: 'japanese' as const,
    resident_status: 'resident' as const,
    valid_from: '1980-01-01',
    change_reason: 'birth' as const,
    updated_by: 'test:seed',
  }));
}
