/**
 * 国保世帯の変更届 on the household page: kokuho01 asks for a 修学中の特例 period without the school and is
 * told which field is missing; with it, the request waits for approval (変更番号); kakari01 approves and the
 * period is listed in 特例・世帯主の記録. Set NHI_STATUS_SCREENSHOTS=<dir> to keep screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { loggedInPage, setUpServerAndBrowser, todayJst, type DemoLogin, type TestPage } from './support/real-server.js';
import { formatWareki } from '../../src/lib/wareki.js';
import { sql } from 'kysely';

let server: RunningServer;
let browser: Browser;
let clerk: TestPage & { login: DemoLogin };
let chief: TestPage & { login: DemoLogin };
const shots = process.env.NHI_STATUS_SCREENSHOTS;
setUpServerAndBrowser((running) => ({ server, browser } = running));

let household: { householdNo: number; child: number; childName: string };

beforeAll(async () => {
  const db = server.deps.database.db;
  // An insured child (18–22) in a household with an insured head: a student who may study away.
  const rows = await db
    .selectFrom('household_member as m')
    .innerJoin('person as p', 'p.atena_no', 'm.atena_no')
    .innerJoin('nhi_eligibility as n', (j) => j.onRef('n.atena_no', '=', 'm.atena_no').on('n.superseded_at', 'is', null).on('n.lost_on', 'is', null))
    .select(['m.household_no', 'm.atena_no', 'p.name_kanji'])
    .where('m.valid_to', 'is', null)
    .where('m.relationship', '=', 'child')
    .where('p.birth_date', '>', '2004-04-02')
    .where('p.birth_date', '<', '2008-04-01')
    .where('p.dv_support', '=', false)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('nhi_household_status as s').select('s.status_id').whereRef('s.atena_no', '=', 'm.atena_no'))))
    .orderBy('m.atena_no')
    .limit(1)
    .execute();
  expect(rows.length).toBe(1);
  household = { householdNo: Number(rows[0]!.household_no), child: Number(rows[0]!.atena_no), childName: rows[0]!.name_kanji };
  clerk = await loggedInPage(browser, server, 'kokuho01');
  chief = await loggedInPage(browser, server, 'kakari01');
}, 180_000);

afterAll(async () => {
  for (const p of [clerk, chief]) {
    if (!p) continue;
    expect(p.watch.cspViolations).toEqual([]);
    expect(p.watch.errors).toEqual([]);
    await p.context.close();
  }
});

describe('国保世帯の変更届', () => {
  it('names the missing school, then takes the 修学中の特例 for approval', async () => {
    const { page } = clerk;
    await page.goto(`${server.url}/households/${household.householdNo}`);
    const form = page.getByTestId('nhi-status-form');
    await form.getByLabel('区分').selectOption('student_exception');
    await form.getByLabel('対象者').selectOption(String(household.child));
    await form.getByLabel('開始日').fill(formatWareki(todayJst()));
    await form.getByRole('button', { name: '変更届を申請' }).click();
    await expect.poll(() => form.getByRole('alert').first().innerText()).toContain('学校');
    await form.getByLabel('学校名').fill('東京テスト大学');
    await form.getByLabel('届出日・申出日').fill(formatWareki(todayJst()));
    await form.getByRole('button', { name: '変更届を申請' }).click();
    await form.getByText(/変更番号 \d+/).waitFor();
    if (shots) await page.screenshot({ path: `${shots}/nhi-status-form.png`, fullPage: true });
  });

  it('the chief approves; the period is listed on the household page', async () => {
    const { page } = chief;
    await page.getByRole('link', { name: '承認', exact: true }).click();
    const card = page.getByTestId('change').filter({ hasText: '東京テスト大学' });
    await expect.poll(() => card.count()).toBe(1);
    await card.getByRole('button', { name: '承認', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /を承認して反映しますか$/ });
    await dialog.getByRole('button', { name: '承認して反映する' }).click();
    await page.getByText(/を承認し、反映しました。/).waitFor();
    await clerk.page.goto(`${server.url}/households/${household.householdNo}`);
    const row = clerk.page.getByTestId('nhi-statuses').getByRole('row').filter({ hasText: household.childName });
    await expect.poll(() => row.innerText()).toContain('修学中の特例');
    expect(await row.innerText()).toContain('東京テスト大学');
  });

  it('a 住所地特例 person in force today is shown with the own 国保世帯番号 of their one-person NHI household', async () => {
    const db = server.deps.database.db;
    const today = todayJst();
    // An insured member of the household with no status yet, entered in a facility of another city today
    // (the row the approval of a 住所地特例 request writes; the trigger draws the number).
    const m = await db
      .selectFrom('household_member as m')
      .innerJoin('person as p', 'p.atena_no', 'm.atena_no')
      .innerJoin('nhi_eligibility as n', (j) => j.onRef('n.atena_no', '=', 'm.atena_no').on('n.superseded_at', 'is', null).on('n.lost_on', 'is', null))
      .select(['m.household_no', 'm.atena_no', 'p.name_kanji'])
      .where('m.valid_to', 'is', null)
      .where('m.household_no', '=', household.householdNo)
      .where('m.atena_no', '<>', household.child)
      .where('p.dv_support', '=', false)
      .orderBy('m.atena_no')
      .executeTakeFirstOrThrow();
    await db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', 'operator:browser-test', true)`.execute(tx);
      await tx
        .insertInto('nhi_household_status')
        .values({ atena_no: m.atena_no, household_no: m.household_no, kind: 'address_exception', valid_from: today, facility_name: '架空の里(他市)', facility_kind: 'elderly_home', updated_by: 'operator:browser-test' })
        .execute();
    });
    const own = (await db.selectFrom('nhi_household_status').select('own_household_no').where('atena_no', '=', m.atena_no).where('kind', '=', 'address_exception').executeTakeFirstOrThrow()).own_household_no;
    const s = { household_no: m.household_no, own_household_no: own, name_kanji: m.name_kanji };
    const { page } = clerk;
    await page.goto(`${server.url}/households/${s!.household_no}`);
    await expect.poll(() => page.getByText('住所地特例(別の国保世帯)').count()).toBe(1);
    const shown = page.locator('dd').filter({ hasText: `${s!.name_kanji}(国保世帯番号 ${s!.own_household_no})` });
    await expect.poll(() => shown.count()).toBe(1);
    const row = page.getByTestId('nhi-statuses').getByRole('row').filter({ hasText: `国保世帯番号 ${s!.own_household_no}` });
    expect(await row.count()).toBeGreaterThan(0);
    if (shots) await page.screenshot({ path: `${shots}/address-exception.png`, fullPage: true });
  });
});
