import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { loadIncomes, loadUnitIncomes } from '../assessment/income-source.js';
import { INCOME_COLUMN_LABELS, INCOME_COLUMNS, type IncomeColumn } from './income-file.js';
import { IncomeImportRejected } from './income.service.js';

const F = FIXTURE;
let f: Fixture;
let dir: string;
const db = () => f.deps.database.db;
const op = () => operatorActor('income-test', new Set(['income.import']));

function writeCsv(name: string, lines: Partial<Record<IncomeColumn, string>>[], encode: (s: string) => Uint8Array = (s) => new TextEncoder().encode(s)): string {
  const file = path.join(dir, name);
  writeFileSync(file, encode([INCOME_COLUMNS.join(','), ...lines.map((v) => INCOME_COLUMNS.map((c) => v[c] ?? '').join(','))].join('\r\n') + '\r\n'));
  return file;
}
const salaried = (atena: number, revenue: string, income: string, taxable = '1000000'): Partial<Record<IncomeColumn, string>> => ({
  atena_no: String(atena), fiscal_year: '2026', filing_status: '1', resident_tax: '1', taxable_standard: taxable, salary_revenue: revenue, salary_income: income, total_income: income,
});
const counts = async () => {
  const n = async (t: 'income_return' | 'income' | 'resident_tax_status' | 'reassessment_request' | 'income_history') =>
    Number((await db().selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { returns: await n('income_return'), income: await n('income'), tax: await n('resident_tax_status'), requests: await n('reassessment_request'), history: await n('income_history') };
};
const requests = async () =>
  (await db().selectFrom('reassessment_request').select(['household_no', 'fiscal_year', 'atena_no', 'reason']).orderBy('request_id').execute()).map((r) => `${r.household_no}/${r.fiscal_year}/${r.atena_no}/${r.reason}`);

beforeAll(async () => {
  f = await createFixture();
  dir = mkdtempSync(path.join(os.tmpdir(), 'income-import-'));
});
afterAll(async () => f?.close());

describe('income-import', () => {
  it('rejects a file with a bad line whole, naming line, column and rule, and changes no row', async () => {
    const before = await counts();
    const file = writeCsv('bad.csv', [salaried(F.yamada.head, '4000000', '2760000'), { ...salaried(F.yamada.wife, '1000000', '450000'), resident_tax: '7' }]);
    const e = await f.deps.income.importFile(op(), file).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IncomeImportRejected);
    expect((e as IncomeImportRejected).errors).toEqual([{ line: 3, column: '住民税課税区分', message: '住民税課税区分: 「7」は定義されていないコードです(1: 課税、2: 非課税、未申告は空欄)' }]);
    expect(await counts()).toEqual(before);
    const runs = await db().selectFrom('job_run').select('run_id').where('job', '=', 'income-import').execute();
    expect(runs).toEqual([]);
    const audit = await db().selectFrom('audit_event').select(['action', 'outcome']).where('function_code', '=', 'income.import').execute();
    expect(audit).toEqual([{ action: 'income.import_file', outcome: 'denied' }]);
  });

  it('rejects a file naming a person who is not registered', async () => {
    const before = await counts();
    const file = writeCsv('unknown.csv', [salaried(F.yamada.head, '4000000', '2760000'), salaried(999999999, '1000000', '450000')]);
    const e = (await f.deps.income.importFile(op(), file).catch((x: unknown) => x)) as IncomeImportRejected;
    expect(e.errors).toEqual([{ line: 3, column: '宛名番号', message: '宛名番号: 宛名番号 999999999 の住民は登録されていません' }]);
    expect(await counts()).toEqual(before);
  });

  it('imports versions, the current view and the reassessment requests of the right households', async () => {
    const file = writeCsv('fy2026.csv', [
      salaried(F.yamada.head, '4000000', '2760000', '2000000'),
      { atena_no: String(F.yamada.child), fiscal_year: '2026', filing_status: '2' },
      salaried(F.sato.head, '6000000', '4360000', '3500000'), // 擬制世帯主: his household's 軽減 reads it
      { atena_no: String(F.sato.mother), fiscal_year: '2026', filing_status: '1', resident_tax: '2', pension_revenue: '1000000', pension_income: '0' },
      { atena_no: String(F.tanaka.person), fiscal_year: '2026', filing_status: '9' }, // not in 国保: nothing to reassess
    ]);
    const r = await f.deps.income.importFile(op(), file, { chunkSize: 2 });
    expect(r).toMatchObject({ alreadyImported: false, lines: 5, versions: 5, unchanged: 0, encoding: 'UTF-8' });
    expect(r.run!.chunks).toBe(3);
    expect(await requests()).toEqual([
      `${F.yamada.household}/2026/${F.yamada.head}/income_changed`,
      `${F.yamada.household}/2026/${F.yamada.child}/income_changed`,
      `${F.sato.household}/2026/${F.sato.head}/income_changed`,
      `${F.sato.household}/2026/${F.sato.mother}/income_changed`,
    ]);
    const income = await db().selectFrom('income').select(['atena_no', 'income_type', 'revenue_yen', 'income_yen']).where('fiscal_year', '=', 2026).orderBy('atena_no').execute();
    expect(income.map((i) => `${i.atena_no}:${i.income_type}:${i.revenue_yen}:${i.income_yen}`)).toEqual([
      `${F.yamada.head}:salary:4000000:2760000`,
      `${F.yamada.child}:other:0:0`,
      `${F.sato.head}:salary:6000000:4360000`,
      `${F.sato.mother}:pension:1000000:0`,
    ]);
    const tax = await db().selectFrom('resident_tax_status').select(['atena_no', 'taxable_standard_yen', 'exempt', 'unreported']).where('fiscal_year', '=', 2026).orderBy('atena_no').execute();
    expect(tax.map((t) => `${t.atena_no}:${t.taxable_standard_yen}:${t.exempt}:${t.unreported}`)).toEqual([
      `${F.yamada.head}:2000000:false:false`,
      `${F.yamada.child}:0:true:false`,
      `${F.sato.head}:3500000:false:false`,
      `${F.sato.mother}:0:true:false`,
      `${F.tanaka.person}:0:false:true`,
    ]);
    const lines = await db().selectFrom('income_return').select(['atena_no', 'source', 'source_sha256', 'source_line', 'version', 'job_run_id']).orderBy('source_line').execute();
    expect(lines.map((l) => [Number(l.atena_no), l.source, l.source_sha256, l.source_line, l.version, l.job_run_id])).toEqual(
      [F.yamada.head, F.yamada.child, F.sato.head, F.sato.mother, F.tanaka.person].map((a, i) => [a, 'tax_system', r.sha256, i + 2, 1, r.run!.runId]),
    );
    // the certificates' reading of the current view
    const seen = await db().selectFrom('audit_event').select(['action']).where('function_code', '=', 'income.import').where('outcome', '=', 'success').execute();
    expect(seen.map((a) => a.action)).toEqual(['batch.start', 'income.import', 'income.import', 'income.import', 'batch.finish']);
  });

  it('changes nothing when the same file comes again, or another file repeats the same lines', async () => {
    const before = await counts();
    const again = await f.deps.income.importFile(op(), path.join(dir, 'fy2026.csv'));
    expect(again).toMatchObject({ alreadyImported: true, versions: 0, run: null });
    const copy = writeCsv('fy2026-copy.csv', [salaried(F.yamada.head, '4000000', '2760000', '2000000'), { atena_no: String(F.yamada.child), fiscal_year: '2026', filing_status: '2' }]);
    const r = await f.deps.income.importFile(op(), copy);
    expect(r).toMatchObject({ alreadyImported: false, lines: 2, versions: 0, unchanged: 2, reassessmentRequests: 0 });
    expect(await counts()).toEqual(before);
  });

  it('keeps the old version when a corrected file changes a person, and queues the household again', async () => {
    const file = writeCsv('fy2026-fix.csv', [salaried(F.yamada.head, '4200000', '2920000', '2150000')], (s) => new TextEncoder().encode(s));
    const r = await f.deps.income.importFile(op(), file);
    expect(r).toMatchObject({ versions: 1, reassessmentRequests: 1 });
    const versions = await db().selectFrom('income_return').select(['version', 'salary_revenue_yen', 'superseded_at', 'recorded_at', 'source_sha256']).where('atena_no', '=', F.yamada.head).where('fiscal_year', '=', 2026).orderBy('version').execute();
    expect(versions.map((v) => [v.version, Number(v.salary_revenue_yen), v.superseded_at !== null])).toEqual([
      [1, 4_000_000, true],
      [2, 4_200_000, false],
    ]);
    expect(versions[0]!.superseded_at!.getTime()).toBe(versions[1]!.recorded_at.getTime());
    const pending = await requests();
    expect(pending.filter((q) => q.startsWith(`${F.yamada.household}/2026/${F.yamada.head}/`))).toHaveLength(2);
    // the income view follows; the old row is in the history
    const income = await db().selectFrom('income').select(['revenue_yen']).where('atena_no', '=', F.yamada.head).where('fiscal_year', '=', 2026).executeTakeFirstOrThrow();
    expect(Number(income.revenue_yen)).toBe(4_200_000);
    // versions are never rewritten
    await expect(
      db().transaction().execute(async (tx) => {
        await tx.updateTable('income_return').set({ salary_revenue_yen: 1 }).where('atena_no', '=', F.yamada.head).execute();
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('reads Shift_JIS files with the Japanese header', async () => {
    const header = INCOME_COLUMNS.map((c) => INCOME_COLUMN_LABELS[c]).join(',');
    const text = `${header}\r\n${INCOME_COLUMNS.map((c) => salaried(F.yamada.wife, '1000000', '450000', '0')[c] ?? '').join(',')}\r\n`;
    const file = path.join(dir, 'sjis.csv');
    writeFileSync(file, encodeShiftJis(text));
    const r = await f.deps.income.importFile(op(), file);
    expect(r).toMatchObject({ encoding: 'Shift_JIS', versions: 1 });
  });

  it('gives the assessment each person’s income for a 年度 (loadIncomes)', async () => {
    const m = await loadIncomes(db(), [F.yamada.head, F.yamada.child, F.sato.mother, F.tanaka.person, F.nguyen.person], 2026);
    expect(m.get(F.yamada.head)).toMatchObject({ filingStatus: 'declared', reported: true, income: { salaryRevenue: 4_200_000, pensionRevenue: 0, otherIncome: 0 }, salaryIncome: 2_920_000, taxableStandard: 2_150_000, residentTax: 'taxable', source: 'tax_system', version: 2 });
    expect(m.get(F.yamada.child)).toMatchObject({ filingStatus: 'no_income', reported: true, income: { salaryRevenue: 0, pensionRevenue: 0, otherIncome: 0 } });
    expect(m.get(F.sato.mother)).toMatchObject({ reported: true, income: { pensionRevenue: 1_000_000 }, residentTax: 'exempt' });
    expect(m.get(F.tanaka.person)).toMatchObject({ filingStatus: 'unreported', reported: false });
    expect(m.get(F.nguyen.person)).toMatchObject({ filingStatus: 'none', reported: false, source: null });
    // born after the income year: no income, not 未申告
    const child2019 = await loadIncomes(db(), [F.yamada.child], 2019);
    expect(child2019.get(F.yamada.child)).toMatchObject({ filingStatus: 'none', reported: true });
  });

  it('gives the 本算定 the same income and 申告 as loadIncomes, reading only what the units take (loadUnitIncomes)', async () => {
    const persons = (await db().selectFrom('person').select(['atena_no', 'birth_date']).execute()).map((p) => [Number(p.atena_no), p.birth_date] as const);
    expect(persons.length).toBeGreaterThan(5);
    const births = new Map(persons);
    for (const fy of [2019, 2025, 2026]) {
      const full = await loadIncomes(db(), [...births.keys()], fy);
      const slim = await loadUnitIncomes(db(), [...births.keys()], fy, births);
      expect(slim.size).toBe(full.size);
      for (const [n, f] of full) expect(slim.get(n), `${n} ${fy}`).toEqual({ income: f.income, reported: f.reported });
    }
  });
});

/** Shift_JIS bytes of a text, by searching the decoder's table (tests only; the platform has no encoder). */
function encodeShiftJis(text: string): Uint8Array {
  const dec = new TextDecoder('shift_jis');
  const table = new Map<string, number[]>();
  for (let b = 0; b < 0x80; b++) table.set(String.fromCharCode(b), [b]);
  for (let hi = 0x81; hi <= 0xfc; hi++) {
    if (hi >= 0xa0 && hi <= 0xdf) continue;
    for (let lo = 0x40; lo <= 0xfc; lo++) {
      if (lo === 0x7f) continue;
      const ch = dec.decode(new Uint8Array([hi, lo]));
      if (ch.length === 1 && ch !== '\uFFFD' && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const bytes = table.get(ch);
    if (!bytes) throw new Error(`no Shift_JIS for ${ch}`);
    out.push(...bytes);
  }
  return new Uint8Array(out);
}
