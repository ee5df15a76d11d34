/**
 * 特別徴収 on the household page: a demo household whose insured members are all 65–74 gets its 世帯主's
 * pension notified (the 年金保険者 file), the 本算定 for 令和8年度 makes it a first-year 特別徴収 (第1–3期
 * 普通徴収, 本徴収 from October), and a 更正 on 2026-11-10 stops it from February (特別徴収の中止). The page
 * names each installment's 徴収方法; the 変更決定通知書 prints the 中止. Then a 口座振替への変更申出 is
 * recorded and withdrawn on the page's card. Set TAX_NOTICE_SCREENSHOTS=<dir> to
 * keep the screenshots and the PDF.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { loggedInPage, setUpServerAndBrowser, type DemoLogin, type TestPage } from './support/real-server.js';
import { operatorActor } from '../../src/security/actor.js';
import { pdfText } from '../../src/testing/pdf-text.js';

let server: RunningServer;
let browser: Browser;
let clerk: TestPage & { login: DemoLogin };
const shots = process.env.TAX_NOTICE_SCREENSHOTS;
setUpServerAndBrowser((running) => ({ server, browser } = running));
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
let target: { householdNo: number; taxpayerNo: number };

beforeAll(async () => {
  const db = server.deps.database.db;
  await server.deps.assessments.runAnnual(runner(), 2026);
  // A household whose insured members are all 65–74 on 2026-04-01 and none reaches 75 in the 年度.
  const row = await sql<{ household_no: string; taxpayer_atena_no: string }>`
    SELECT a.household_no, a.taxpayer_atena_no FROM assessment a JOIN person p ON p.atena_no = a.taxpayer_atena_no
    WHERE a.fiscal_year = 2026 AND a.superseded_at IS NULL AND a.total_yen > 0 AND a.address_exception_atena_no = 0 AND NOT a.pseudo_head AND NOT p.dv_support
      AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(a.input->'members') m
                      WHERE (m->>'insured')::boolean AND ((m->>'birthDate')::date > '1961-04-01' OR (m->>'birthDate')::date < '1952-04-02'))
    ORDER BY a.household_no LIMIT 1`.execute(db);
  const found = row.rows[0]!;
  target = { householdNo: Number(found.household_no), taxpayerNo: Number(found.taxpayer_atena_no) };
  const dir = mkdtempSync(path.join(tmpdir(), 'special-browser-'));
  const file = path.join(dir, 'tokucho-2026.csv');
  writeFileSync(file, `atena_no,fiscal_year,insurer_code,pension_kind,annual_amount,care_withheld,care_premium,notified_on\r\n${target.taxpayerNo},2026,001,1130,3000000,1,90000,2026-05-29\r\n`);
  await server.deps.specialCollection.importFile(operatorActor('special-collection-import', new Set(['assessment.run'])), file);
  await server.deps.assessments.runAnnual(runner(), 2026);
  clerk = await loggedInPage(browser, server, 'kokuho01');
}, 300_000);

afterAll(async () => {
  if (!clerk) return;
  expect(clerk.watch.cspViolations).toEqual([]);
  expect(clerk.watch.errors).toEqual([]);
  await clerk.context.close();
});

describe('特別徴収 on the household page', () => {
  it('the 本算定 shows 特別徴収 from October; after a 更正 the page and the 変更決定通知書 show the 中止', async () => {
    const { page } = clerk;
    await page.goto(`${server.url}/households/${target.householdNo}`);
    const panel = page.getByTestId('assessment-installments');
    await panel.getByText('徴収方法').waitFor();
    let text = await panel.innerText();
    expect(text).toContain('特別徴収(本徴収)');
    expect(text).toMatch(/第1期\s+普通徴収/);
    if (shots) await panel.screenshot({ path: `${shots}/household-special.png` });

    const db = server.deps.database.db;
    await db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', 'staff:kokuho01', true)`.execute(tx);
      const cur = await tx.selectFrom('income_return').select('version').where('atena_no', '=', target.taxpayerNo).where('fiscal_year', '=', 2026).where('superseded_at', 'is', null).executeTakeFirst();
      await tx.updateTable('income_return').set({ superseded_at: new Date() }).where('atena_no', '=', target.taxpayerNo).where('fiscal_year', '=', 2026).where('superseded_at', 'is', null).execute();
      await tx
        .insertInto('income_return')
        .values({ atena_no: target.taxpayerNo, fiscal_year: 2026, version: (cur?.version ?? 0) + 1, source: 'simple_declaration', declared_on: '2026-10-01', filing_status: 'declared', salary_revenue_yen: 4_000_000, pension_revenue_yen: 3_000_000, recorded_by: 'staff:kokuho01' })
        .execute();
    });
    const [out] = await server.deps.assessments.reassess(runner(), { householdNo: target.householdNo, fiscalYear: 2026, cause: '所得の修正申告', today: '2026-11-10' });
    expect(out!.outcome).toBe('corrected');
    await page.goto(`${server.url}/households/${target.householdNo}`);
    await page.getByTestId('special-stopped').waitFor();
    text = await panel.innerText();
    expect(text).toContain('特別徴収 中止');
    expect(await page.getByTestId('special-stopped').innerText()).toContain('2月');
    if (shots) await panel.screenshot({ path: `${shots}/household-special-stopped.png` });
    const href = (await page.getByTestId('assessment').getByRole('link', { name: '変更決定通知書を印刷(PDF)' }).first().getAttribute('href'))!;
    const r = await page.request.get(`${server.url}${href}`);
    expect(r.status()).toBe(200);
    const bytes = await r.body();
    if (shots) writeFileSync(`${shots}/henko-special.pdf`, bytes);
    const pdf = (await pdfText(bytes)).join('').replace(/\s+/g, '');
    expect(pdf).toContain('特別徴収中止');
    expect(pdf).toContain('特別徴収の中止');
  });

  it('the 口座振替への変更申出 is recorded (a bad date refused, naming the field) and withdrawn on the household page; recording queues a 更正 of the 年度', async () => {
    const { page } = clerk;
    await page.goto(`${server.url}/households/${target.householdNo}`);
    const card = page.getByTestId('account-transfer');
    await card.getByText('申出はありません。').waitFor();
    await card.getByLabel('申出日').fill('令和8年13月1日');
    await card.getByRole('button', { name: '申出を記録する' }).click();
    await card.getByText(/申出日: 日付を正しく入力してください/).first().waitFor();
    await card.getByLabel('申出日').fill('令和8年11月20日');
    await card.getByRole('button', { name: '申出を記録する' }).click();
    await card.getByText(/申出を記録しました/).waitFor();
    expect(await card.innerText()).toContain('申出中(普通徴収)');
    expect(await card.getByTestId('account-transfer-form').count()).toBe(0); // one standing 申出 per household
    const queued = await server.deps.database.db.selectFrom('reassessment_request').select(['fiscal_year', 'reason']).where('household_no', '=', target.householdNo).where('reason', '=', 'collection_changed').execute();
    expect(queued).toContainEqual({ fiscal_year: 2026, reason: 'collection_changed' });
    if (shots) await card.screenshot({ path: `${shots}/account-transfer.png` });
    await card.getByRole('button', { name: '取下げ', exact: true }).click();
    await card.getByLabel('取下げの理由').fill('年金からの天引きを続けたい');
    await card.getByRole('button', { name: '取り下げる' }).click();
    await card.getByText(/取り下げました/).waitFor();
    expect(await card.innerText()).toContain('年金からの天引きを続けたい');
    await card.getByTestId('account-transfer-form').waitFor(); // a new 申出 can be recorded again
  });
});
