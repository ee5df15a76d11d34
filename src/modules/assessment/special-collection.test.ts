import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture, type Session } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { pdfText } from '../../testing/pdf-text.js';
import { addHousehold } from './assessment.test-support.js';
import type { Installment } from './installments.rules.js';
import { PensionImportRejected } from './special-collection.service.js';
import { asActor } from '../../testing/as-actor.js';

/**
 * 特別徴収 on the database (medium test on the fixture's): the 年金保険者's file imported whole or not at
 * all, the 口座振替への変更申出 over HTTP, the 本算定 of FY2024 (a first year: 普通徴収 7–9月, 本徴収 from
 * October) and FY2025 (仮徴収 = FY2024's February), and a 更正 in November 2025 stopping it (中止).
 */
let f: Fixture;
let clerk: Session;
const db = () => f.deps.database.db;
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
const importer = () => operatorActor('special-collection-import', new Set(['assessment.run']));
const dir = mkdtempSync(path.join(tmpdir(), 'special-'));
let eligible: { householdNo: number; atenaNos: number[] };
let young: { householdNo: number; atenaNos: number[] };
let transfer: { householdNo: number; atenaNos: number[] };
let midyear: { householdNo: number; atenaNos: number[] };
const HEADER = 'atena_no,fiscal_year,insurer_code,pension_kind,annual_amount,care_withheld,care_premium,notified_on';
const total = (xs: readonly Installment[]) => xs.reduce((s, x) => s + x.amount, 0);
const file = (name: string, lines: string[]) => {
  const p = path.join(dir, name);
  writeFileSync(p, [HEADER, ...lines].join('\r\n'));
  return p;
};
const current = (householdNo: number, fy: number) => db().selectFrom('assessment').selectAll().where('household_no', '=', householdNo).where('fiscal_year', '=', fy).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
const installmentsOf = (r: { installments: unknown }) => r.installments as Installment[] | null;

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  const couple = [
    { birthDate: '1955-05-10', head: true, insured: [{ from: '2010-04-01' }], pension: 2_400_000 },
    { birthDate: '1957-08-20', insured: [{ from: '2010-04-01' }], pension: 900_000 },
  ];
  eligible = await addHousehold(db(), couple, 2025);
  young = await addHousehold(db(), [...couple, { birthDate: '1985-01-01', insured: [{ from: '2010-04-01' }], salary: 2_000_000 }], 2025);
  transfer = await addHousehold(db(), couple, 2025);
  midyear = await addHousehold(db(), couple, 2025);
});
afterAll(async () => f?.close());

describe('特別徴収 from the records', () => {
  it('a file with one wrong line is rejected whole, naming the line and the column; nothing is written', async () => {
    const bad = file('bad.csv', [`${eligible.atenaNos[0]},2025,001,1130,2400000,1,80000,2025-05-31`, `${young.atenaNos[0]},2025,1,1130,2400000,2,,2025-05-31`]);
    const e = await f.deps.specialCollection.importFile(importer(), bad).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PensionImportRejected);
    expect((e as PensionImportRejected).errors.map((x) => `${x.line} ${x.message}`)).toEqual([
      '3 年金保険者コード: 3桁の数字で記載してください(例: 001)',
      '3 介護保険料の特別徴収: 「2」は定義されていないコードです(1: 特別徴収している、0: していない)',
    ]);
    const unknown = (await f.deps.specialCollection.importFile(importer(), file('unknown.csv', ['999999999,2025,001,1130,2400000,1,80000,2025-05-31'])).catch((x: unknown) => x)) as PensionImportRejected;
    expect(unknown.errors).toEqual([{ line: 2, column: '宛名番号', message: '宛名番号: 宛名番号 999999999 の住民は登録されていません' }]);
    expect(await db().selectFrom('pension_withholding').selectAll().execute()).toEqual([]);
    const audit = await db().selectFrom('audit_event').select(['action', 'outcome']).where('action', '=', 'special_collection.import_file').execute();
    expect(audit).toEqual([
      { action: 'special_collection.import_file', outcome: 'denied' },
      { action: 'special_collection.import_file', outcome: 'denied' },
    ]);
  });

  it('imports the 年金保険者 file (FY2024 and FY2025) and records a 口座振替への変更申出 over HTTP', async () => {
    const lines = [eligible, young, transfer, midyear].flatMap((h) => [2024, 2025].map((fy) => `${h.atenaNos[0]},${fy},001,1130,2400000,1,80000,${fy}-05-31`));
    const r = await f.deps.specialCollection.importFile(importer(), file('good.csv', lines));
    expect(r).toMatchObject({ lines: 8, encoding: 'UTF-8' });
    expect(await db().selectFrom('pension_withholding').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toMatchObject({ n: 8 });
    const rec = await clerk.request('POST', `/api/households/${transfer.householdNo}/account-transfer`, { requestedOn: '2024-03-01' });
    expect(rec.status, await rec.clone().text()).toBe(201);
    expect(await rec.json()).toMatchObject({ householdNo: transfer.householdNo, atenaNo: transfer.atenaNos[0], requestedOn: '2024-03-01' });
    const again = await clerk.request('POST', `/api/households/${transfer.householdNo}/account-transfer`, { requestedOn: '2024-03-02' });
    expect(again.status).toBe(409);
    const badDate = await clerk.request('POST', `/api/households/${transfer.householdNo}/account-transfer`, { requestedOn: '2024-02-30' });
    expect(badDate.status).toBe(400);
    expect(JSON.stringify(await badDate.json())).toContain('申出日');
  });

  it('本算定 FY2024 (first year) then FY2025: 仮徴収 = FY2024 February; the 65歳未満 household and the 申出 household stay 普通徴収', async () => {
    await f.deps.assessments.runAnnual(runner(), 2024, { chunkSize: 50 });
    const y2024 = await current(eligible.householdNo, 2024);
    const i2024 = installmentsOf(y2024)!;
    expect(i2024.map((x) => x.kind)).toEqual(['ordinary', 'ordinary', 'ordinary', 'final', 'final', 'final']);
    expect(total(i2024)).toBe(y2024.total_yen);
    await f.deps.assessments.runAnnual(runner(), 2025, { chunkSize: 50 });
    const y2025 = await current(eligible.householdNo, 2025);
    const i2025 = installmentsOf(y2025)!;
    const feb = i2024.find((x) => x.label === '2月')!.amount;
    expect(i2025.slice(0, 3).map((x) => [x.label, x.kind, x.amount])).toEqual([['4月', 'provisional', feb], ['6月', 'provisional', feb], ['8月', 'provisional', feb]]);
    expect(total(i2025)).toBe(y2025.total_yen);
    expect(installmentsOf(await current(young.householdNo, 2025))).toBeNull();
    expect(installmentsOf(await current(transfer.householdNo, 2025))).toBeNull();
    // Why they are 普通徴収, on the household's versions.
    const noteOf = async (householdNo: number) => (((await (await clerk.request('GET', `/api/assessment/households/${householdNo}?fiscalYear=2025`)).json()) as { items: { collectionNote: string | null }[] }).items[0]!.collectionNote);
    expect(await noteOf(young.householdNo)).toBe(`普通徴収(特別徴収の対象外): 令和7年4月1日に65歳以上75歳未満でない被保険者がいます(宛名番号 ${young.atenaNos[2]})`);
    expect(await noteOf(transfer.householdNo)).toBe('普通徴収(特別徴収の対象外): 口座振替への変更の申出があります(令和6年3月1日)');
    expect(await noteOf(eligible.householdNo)).toBeNull();
    const page = await clerk.request('GET', `/api/assessment/households/${eligible.householdNo}?fiscalYear=2025`);
    expect(page.status).toBe(200);
    const body = (await page.json()) as { items: { installments: Installment[] }[] };
    expect(body.items[0]!.installments.map((x) => x.kind)).toEqual(['provisional', 'provisional', 'provisional', 'final', 'final', 'final']);
    // The 納税通知書 names each installment's 徴収方法.
    const notice = await f.deps.assessments.noticePdf(runner(), Number(y2025.assessment_id));
    writeFileSync(path.join(dir, 'notice-annual.pdf'), notice.pdf);
    const text = (await pdfText(notice.pdf)).join('\n').replace(/\s+/g, '');
    expect(text).toContain('4月特別徴収(仮徴収)');
    expect(text).toContain('10月特別徴収(本徴収)');
    expect(text).toContain('納付書で納める必要はありません');
  });

  it('the 申出 is withdrawn (kept, ended); staff without 賦課の実行 cannot record one', async () => {
    const list = await clerk.request('GET', `/api/households/${transfer.householdNo}/account-transfer`);
    const [req] = ((await list.json()) as { requests: { requestId: number }[] }).requests;
    const w = await clerk.request('POST', `/api/account-transfer/${req!.requestId}/withdraw`, { reason: '年金からの天引きを希望' });
    expect(w.status).toBe(200);
    expect(await w.json()).toMatchObject({ endReason: '年金からの天引きを希望', endedBy: expect.stringContaining('kokuho01') });
    expect((await clerk.request('POST', `/api/account-transfer/${req!.requestId}/withdraw`, { reason: '再度' })).status).toBe(409);
    const branch = await f.login('shisho01');
    expect((await branch.request('POST', `/api/households/${transfer.householdNo}/account-transfer`, { requestedOn: '2025-01-01' })).status).toBe(403);
  });

  it('a 更正 on 2025-11-10 stops 特別徴収 from February (中止): the months before keep their amounts, the rest is 普通徴収; the notice says so', async () => {
    const before = installmentsOf(await current(eligible.householdNo, 2025))!;
    await asActor(db(), 'staff:kokuho01', async (tx) => {
      await tx.updateTable('income_return').set({ superseded_at: new Date() }).where('atena_no', '=', eligible.atenaNos[1]!).where('fiscal_year', '=', 2025).where('superseded_at', 'is', null).execute();
      await tx.insertInto('income_return').values({ atena_no: eligible.atenaNos[1]!, fiscal_year: 2025, version: 2, source: 'simple_declaration', declared_on: '2025-10-01', filing_status: 'declared', salary_revenue_yen: 3_000_000, pension_revenue_yen: 900_000, recorded_by: 'staff:kokuho01' }).execute();
    });
    const out = await f.deps.assessments.reassess(runner(), { householdNo: eligible.householdNo, fiscalYear: 2025, cause: '所得の修正', today: '2025-11-10' });
    expect(out[0]!.outcome).toBe('corrected');
    const after = await current(eligible.householdNo, 2025);
    const i = installmentsOf(after)!;
    for (const p of before.filter((x) => x.dueDate! < '2026-01-01')) expect(i.find((x) => x.label === p.label)).toMatchObject({ amount: p.amount, kind: p.kind });
    expect(i.find((x) => x.label === '2月')).toMatchObject({ amount: 0, stopped: true });
    expect(i.filter((x) => x.kind === 'ordinary').map((x) => x.label)).toEqual(['第5期', '第6期', '第7期', '第8期']);
    expect(total(i)).toBe(after.total_yen);
    const pdf = await f.deps.assessments.noticePdf(runner(), Number(after.assessment_id));
    const text = (await pdfText(pdf.pdf)).join('\n').replace(/\s+/g, '');
    expect(text).toContain('特別徴収');
    expect(text).toContain('中止');
    expect(text).toContain('普通徴収');
    writeFileSync(path.join(dir, 'notice.pdf'), pdf.pdf);
  });

  it('a 口座振替への変更申出 recorded during the 年度 stops 特別徴収 by a 更正 with the tax unchanged (from February, decided 2025-11-10); the notice says why; a second run changes nothing', async () => {
    const before = await current(midyear.householdNo, 2025);
    const beforeI = installmentsOf(before)!;
    expect(beforeI.filter((x) => x.kind === 'final').length).toBe(3);
    const rec = await clerk.request('POST', `/api/households/${midyear.householdNo}/account-transfer`, { requestedOn: '2025-11-10' });
    expect(rec.status, await rec.clone().text()).toBe(201);
    const queued = await db().selectFrom('reassessment_request').select(['fiscal_year', 'reason']).where('household_no', '=', midyear.householdNo).where('done_at', 'is', null).execute();
    expect(queued).toContainEqual({ fiscal_year: 2025, reason: 'collection_changed' });
    const out = await f.deps.assessments.reassessPending(runner(), { today: '2025-11-10' });
    const o = out.outcomes.find((x) => x.householdNo === midyear.householdNo && x.fiscalYear === 2025);
    expect(o).toMatchObject({ outcome: 'corrected', difference: 0, message: '税額は変わらず、特別徴収を中止して普通徴収に切り替えます' });
    const after = await current(midyear.householdNo, 2025);
    expect(after.total_yen).toBe(before.total_yen);
    const i = installmentsOf(after)!;
    for (const p of beforeI.filter((x) => x.dueDate! < '2026-01-01')) expect(i.find((x) => x.label === p.label)).toMatchObject({ amount: p.amount, kind: p.kind });
    expect(i.find((x) => x.label === '2月')).toMatchObject({ amount: 0, stopped: true });
    expect(i.filter((x) => x.kind === 'ordinary' && x.amount > 0).length).toBeGreaterThan(0);
    expect(total(i)).toBe(after.total_yen);
    // The household without 特別徴収 had the same kind of request (the 申出 of 2024): nothing to stop, no version.
    expect(out.outcomes.filter((x) => x.householdNo === transfer.householdNo).every((x) => x.outcome === 'unchanged')).toBe(true);
    const pdf = await f.deps.assessments.noticePdf(runner(), Number(after.assessment_id));
    const text = (await pdfText(pdf.pdf)).join('\n').replace(/\s+/g, '');
    expect(text).toContain('変更の理由:口座振替への変更の申出(令和7年11月10日から)');
    expect(text).not.toContain('account_transfer_request');
    expect(text).toContain('特別徴収を中止');
    expect(text).toContain('税額は変わりません');
    writeFileSync(path.join(dir, 'notice-transfer.pdf'), pdf.pdf);
    expect((await f.deps.assessments.reassessPending(runner(), { today: '2025-11-10' })).households).toBe(0);
  });
});
