/**
 * From a household page to the printed 納税通知書: the 本算定 has run for 令和8年度; kokuho01 opens an
 * insured household, finds its assessment in 「国民健康保険税(賦課)」 and prints the notice. The PDF is
 * read back as the taxpayer would read it. Then a 更正 after 第3期 (a salary found later): the page shows
 * each 期 before and after, and the 変更決定通知書 prints them. Set TAX_NOTICE_SCREENSHOTS=<dir> to keep
 * screenshots and the PDFs.
 */
import { writeFileSync } from 'node:fs';
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

let target: { householdNo: number; total: number; taxpayer: string; taxpayerNo: number };

beforeAll(async () => {
  await server.deps.assessments.runAnnual(operatorActor('assessment-run', new Set(['assessment.run'])), 2026);
  const db = server.deps.database.db;
  const row = await db
    .selectFrom('assessment as a')
    .innerJoin('person as p', 'p.atena_no', 'a.taxpayer_atena_no')
    .select(['a.household_no', 'a.total_yen', 'a.taxpayer_atena_no', 'p.name_kanji'])
    .where('a.fiscal_year', '=', 2026)
    .where('a.superseded_at', 'is', null)
    .where('a.total_yen', '>', 0)
    .where('p.dv_support', '=', false)
    .orderBy('a.household_no')
    .limit(1)
    .executeTakeFirstOrThrow();
  target = { householdNo: Number(row.household_no), total: row.total_yen, taxpayer: row.name_kanji, taxpayerNo: Number(row.taxpayer_atena_no) };
  clerk = await loggedInPage(browser, server, 'kokuho01');
}, 300_000);

afterAll(async () => {
  if (!clerk) return;
  expect(clerk.watch.cspViolations).toEqual([]);
  expect(clerk.watch.errors).toEqual([]);
  await clerk.context.close();
});

describe('納税通知書 from the household page', () => {
  it('lists the 本算定 and prints its notice with the amount, the 期別 and the explanation', async () => {
    const { page } = clerk;
    await page.goto(`${server.url}/households/${target.householdNo}`);
    const section = page.getByTestId('assessment');
    await section.getByText('令和8年度').first().waitFor();
    expect(await section.innerText()).toContain(`${target.total.toLocaleString('ja-JP')}円`);
    const link = section.getByRole('link', { name: '納税通知書を印刷(PDF)' }).first();
    const href = (await link.getAttribute('href'))!;
    if (shots) await page.screenshot({ path: `${shots}/household-assessment.png`, fullPage: true });
    const r = await page.request.get(`${server.url}${href}`);
    expect(r.status()).toBe(200);
    expect(r.headers()['content-type']).toBe('application/pdf');
    const bytes = await r.body();
    if (shots) writeFileSync(`${shots}/nozei-tsuchisho.pdf`, bytes);
    const text = (await pdfText(bytes)).join('').replace(/\s+/g, '');
    if (shots) {
      await page.getByRole('link', { name: '本算定の確認' }).click();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForTimeout(1500);
      await page.screenshot({ path: `${shots}/assessment-runs.png`, fullPage: true });
    }
    for (const s of ['令和8年度国民健康保険税納税通知書', `${target.taxpayer.replace(/\s+/g, '')}様`, `年税額${target.total.toLocaleString('ja-JP')}円`, '第1期納期限', '計算の内訳(算式と根拠)', '不服申立てについて']) {
      expect(text).toContain(s);
    }
  });

  it('after a 更正 decided after 第3期, the page shows each 期 before and after, and the 変更決定通知書 prints them', async () => {
    const { page } = clerk;
    const db = server.deps.database.db;
    await db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', 'staff:kokuho01', true)`.execute(tx);
      const cur = await tx.selectFrom('income_return').select(['version']).where('atena_no', '=', target.taxpayerNo).where('fiscal_year', '=', 2026).where('superseded_at', 'is', null).executeTakeFirst();
      await tx.updateTable('income_return').set({ superseded_at: new Date() }).where('atena_no', '=', target.taxpayerNo).where('fiscal_year', '=', 2026).where('superseded_at', 'is', null).execute();
      await tx
        .insertInto('income_return')
        .values({ atena_no: target.taxpayerNo, fiscal_year: 2026, version: (cur?.version ?? 0) + 1, source: 'simple_declaration', declared_on: '2026-10-01', filing_status: 'declared', salary_revenue_yen: 7_000_000, recorded_by: 'staff:kokuho01' })
        .execute();
    });
    const [out] = await server.deps.assessments.reassess(operatorActor('assessment-run', new Set(['assessment.run'])), { householdNo: target.householdNo, fiscalYear: 2026, cause: '所得の修正申告', today: '2026-10-15' });
    expect(out!.outcome).toBe('corrected');
    await page.goto(`${server.url}/households/${target.householdNo}`);
    const panel = page.getByTestId('assessment-installments');
    await panel.getByText('変更前').waitFor();
    const text = await panel.innerText();
    expect(text).toContain('更正');
    expect(text).toMatch(/第4期\s+令和8年11月2日/);
    if (shots) await page.screenshot({ path: `${shots}/household-installments.png`, fullPage: true });
    const href = (await page.getByTestId('assessment').getByRole('link', { name: '変更決定通知書を印刷(PDF)' }).first().getAttribute('href'))!;
    const r = await page.request.get(`${server.url}${href}`);
    expect(r.status()).toBe(200);
    const bytes = await r.body();
    if (shots) writeFileSync(`${shots}/henko-kettei-tsuchisho.pdf`, bytes);
    const pdf = (await pdfText(bytes)).join('').replace(/\s+/g, '');
    expect(pdf).toContain('各期の税額と納期限(変更前・変更後)');
    expect(pdf).toContain('第4期令和8年11月2日');
  });
});

describe('産前産後期間の届出 from the person page', () => {
  it('a clerk records the expected month of birth; the 更正 the server queues leaves the period uncharged and the household page shows it', async () => {
    const { page } = clerk;
    const db = server.deps.database.db;
    // An insured woman of child-bearing age in a household with an assessment, not DV-protected.
    const woman = await db
      .selectFrom('person as p')
      .innerJoin('nhi_eligibility as e', 'e.atena_no', 'p.atena_no')
      .innerJoin('household_member as m', 'm.atena_no', 'p.atena_no')
      .innerJoin('assessment as a', (j) => j.onRef('a.household_no', '=', 'm.household_no').on('a.fiscal_year', '=', 2026).on('a.superseded_at', 'is', null))
      .select(['p.atena_no', 'm.household_no', 'a.total_yen'])
      .where('p.sex', '=', 'female')
      .where('p.dv_support', '=', false)
      .where('p.birth_date', '>', '1988-01-01')
      .where('p.birth_date', '<', '2002-01-01')
      .where('e.superseded_at', 'is', null)
      .where('e.lost_on', 'is', null)
      .where('m.valid_to', 'is', null)
      .where('a.household_no', '<>', target.householdNo)
      .where('a.total_yen', '>', 0)
      .orderBy('p.atena_no')
      .limit(1)
      .executeTakeFirstOrThrow();
    await page.goto(`${server.url}/persons/${woman.atena_no}`);
    const section = page.getByTestId('perinatal');
    await section.getByText('届出はありません').waitFor();
    await section.getByLabel('出産予定月').fill('令和9年1月');
    await section.getByRole('button', { name: '届出を記録する' }).click();
    await section.getByText(/届出を記録しました/).waitFor();
    const row = await section.getByTestId('perinatal-list').innerText();
    expect(row).toContain('令和9年1月(予定)');
    expect(row).toContain('令和8年12月〜令和9年3月(4か月)');
    if (shots) await page.screenshot({ path: `${shots}/perinatal.png`, fullPage: true });

    // What the server's background task does every REASSESS_EVERY_MINUTES.
    await server.deps.assessments.reassessPending(operatorActor('assessment-reassess-pending', new Set(['assessment.run'])));
    await page.goto(`${server.url}/households/${woman.household_no}`);
    const assessment = page.getByTestId('assessment');
    await assessment.getByText('減額の届出', { exact: false }).first().waitFor();
    const now = await db.selectFrom('assessment').select(['total_yen', 'version']).where('household_no', '=', woman.household_no).where('fiscal_year', '=', 2026).where('superseded_at', 'is', null).where('address_exception_atena_no', '=', 0).executeTakeFirstOrThrow();
    expect(now.version).toBe(2);
    expect(now.total_yen).toBeLessThan(woman.total_yen);
    expect(await assessment.innerText()).toContain(`${now.total_yen.toLocaleString('ja-JP')}円`);
    if (shots) await page.screenshot({ path: `${shots}/perinatal-household.png`, fullPage: true });
  });
});

describe('非自発的失業者の届出 from the person page', () => {
  it('a clerk records the 離職日 and 離職理由コード; the 更正 charges the salary at 30/100 from the month after', async () => {
    const { page } = clerk;
    const db = server.deps.database.db;
    const used = await db.selectFrom('assessment').select('household_no').where('fiscal_year', '=', 2026).where('version', '>', 1).execute();
    const worker = await db
      .selectFrom('person as p')
      .innerJoin('nhi_eligibility as e', 'e.atena_no', 'p.atena_no')
      .innerJoin('household_member as m', 'm.atena_no', 'p.atena_no')
      .innerJoin('income_return as i', (j) => j.onRef('i.atena_no', '=', 'p.atena_no').on('i.fiscal_year', '=', 2026).on('i.superseded_at', 'is', null))
      .innerJoin('assessment as a', (j) => j.onRef('a.household_no', '=', 'm.household_no').on('a.fiscal_year', '=', 2026).on('a.superseded_at', 'is', null))
      .select(['p.atena_no', 'm.household_no', 'a.total_yen'])
      .where('p.dv_support', '=', false)
      .where('p.birth_date', '>', '1965-01-01')
      .where('p.birth_date', '<', '2000-01-01')
      .where('e.superseded_at', 'is', null)
      .where('e.acquired_on', '<=', '2026-04-01')
      .where('e.lost_on', 'is', null)
      .where('m.valid_to', 'is', null)
      .where('i.salary_revenue_yen', '>', 2_000_000)
      .where('a.reduction', '=', 'none')
      .where('a.capped', '=', false)
      .where('a.household_no', 'not in', [target.householdNo, ...used.map((u) => Number(u.household_no))])
      .orderBy('p.atena_no')
      .limit(1)
      .executeTakeFirstOrThrow();
    await page.goto(`${server.url}/persons/${worker.atena_no}`);
    const section = page.getByTestId('unemployment');
    await section.getByText('届出はありません').waitFor();
    await section.getByLabel('離職日').fill('令和8年9月30日');
    await section.getByLabel('離職理由コード').fill('１１');
    await section.getByRole('button', { name: '届出を記録する' }).click();
    await section.getByText(/届出を記録しました/).waitFor();
    expect(await section.getByTestId('unemployment-list').innerText()).toContain('令和8年10月〜令和10年3月');
    if (shots) await page.screenshot({ path: `${shots}/unemployment.png`, fullPage: true });

    await server.deps.assessments.reassessPending(operatorActor('assessment-reassess-pending', new Set(['assessment.run'])));
    const now = await db.selectFrom('assessment').select(['total_yen', 'cause']).where('household_no', '=', worker.household_no).where('fiscal_year', '=', 2026).where('superseded_at', 'is', null).where('address_exception_atena_no', '=', 0).executeTakeFirstOrThrow();
    expect(now.cause).toContain('減額の届出');
    expect(now.total_yen).toBeLessThan(worker.total_yen);
    await page.goto(`${server.url}/households/${worker.household_no}`);
    await page.getByTestId('assessment').getByText(`${now.total_yen.toLocaleString('ja-JP')}円`).first().waitFor();
  });
});
