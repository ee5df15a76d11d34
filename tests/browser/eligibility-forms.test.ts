/**
 * The 資格管理 screens, keyboard-first, against the real server (demo city): the search shows 国保 and
 * 年齢; the 資格取得届 / 資格喪失届 show the server's rule checks (errors next to the fields, warnings such
 * as 遡及) before anything is submitted; the household page shows 国保加入の経過 at a glance.
 * Screenshots go to /tmp/screens-shots/.
 */
import { mkdirSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { apiGet, inlineCode, loggedInPage, setUpServerAndBrowser, todayJst, unlabelledControls, type DemoLogin, type TestPage } from './support/real-server.js';
import { formatWareki } from '../../src/lib/wareki.js';
import { addDays, ageOn } from '../../src/modules/eligibility/eligibility.rules.js';
import type { EligibilityVersion as Version, PersonSummary as Row } from '../../web/src/api.js';

const SHOTS = '/tmp/screens-shots';
let server: RunningServer;
let browser: Browser;
let clerk: TestPage & { login: DemoLogin };

setUpServerAndBrowser((running) => ({ server, browser } = running));

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  clerk = await loggedInPage(browser, server, 'kokuho01');
}, 180_000);

afterAll(async () => {
  expect(clerk.watch.cspViolations).toEqual([]);
  expect(clerk.watch.errors).toEqual([]);
  await clerk.context.close();
});

type View = { current: Version[]; pending: unknown[]; householdNo: number | null; birthDate: string };
const viewOf = async (page: Page, atenaNo: number) => (await apiGet<View>(page, `/api/persons/${atenaNo}/eligibility`)).body;
const residents = async (page: Page, kana: string) =>
  (await apiGet<{ items: Row[] }>(page, `/api/persons?kana=${encodeURIComponent(kana)}&pageSize=50`)).body.items.filter((r) => r.residentStatus === 'resident');

describe('宛名検索: 国保 and 年齢 in the results', () => {
  it('shows 国保 (加入中 / 喪失 / —) and 年齢 today for each row, as the API says', async () => {
    const { page } = clerk;
    await page.goto(server.url + '/');
    await page.getByLabel('カナ氏名').fill('サ');
    await page.keyboard.press('Enter');
    const table = page.getByTestId('search-results');
    await table.waitFor();
    const headers = await table.locator('thead th').allInnerTexts();
    expect(headers).toContain('国保');
    expect(headers).toContain('年齢');
    const api = (await apiGet<{ items: Row[] }>(page, `/api/persons?kana=${encodeURIComponent('サ')}&page=1&pageSize=20`)).body.items;
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(api.length);
    const today = todayJst();
    for (let i = 0; i < api.length; i++) {
      const r = api[i]!;
      expect(await rows.nth(i).getByTestId('nhi-status').innerText()).toBe(r.nhiStatusLabel);
      expect(['加入中', '喪失', '—']).toContain(r.nhiStatusLabel);
      if (!r.ageAtDeath) expect(r.age).toBe(ageOn(r.birthDate, today));
      expect(await rows.nth(i).getByTestId('age').innerText()).toContain(`${r.age}歳`);
    }
    expect(api.some((r) => r.nhiStatus === 'insured')).toBe(true);
    await page.screenshot({ path: `${SHOTS}/search-nhi-age.png`, fullPage: true });
  });
});

describe('資格の届出: the rule checks are shown before saving', () => {
  it('資格喪失届: a 資格喪失日 before the 資格取得日 shows the Japanese error next to the field before 申請; nothing is requested', async () => {
    const { page } = clerk;
    let who: { atenaNo: number; period: Version } | null = null;
    for (const r of await residents(page, 'タ')) {
      const e = await viewOf(page, r.atenaNo);
      const open = e.current.find((v) => v.lostOn === null && v.acquiredOn < todayJst());
      if (open && e.pending.length === 0) {
        who = { atenaNo: r.atenaNo, period: open };
        break;
      }
    }
    expect(who, 'an insured resident with nothing waiting').not.toBeNull();
    const { atenaNo, period } = who!;
    await page.goto(server.url + `/persons/${atenaNo}`);
    const section = page.getByTestId('eligibility');
    const form = section.getByTestId(`eligibility-request-${period.eligibilityId}`);
    await form.waitFor();
    await form.locator('summary').click();
    await form.getByLabel('申請の種類').selectOption('loss');
    expect(await unlabelledControls(page)).toEqual([]);
    const summary = page.getByTestId(`loss-check-${period.eligibilityId}`);
    expect(await summary.innerText()).toContain('申請前の確認');
    await form.getByLabel('資格喪失日').fill(formatWareki(addDays(period.acquiredOn, -1)));
    await form.getByLabel('資格喪失事由').selectOption('joined_employee_insurance');
    // No click on 申請: the dry run answers while typing.
    const lostOnError = page.locator(`#elig-${period.eligibilityId}-lostOn-error`);
    await expect.poll(() => lostOnError.isVisible().then((v) => (v ? lostOnError.innerText() : ''))).toContain('資格取得日');
    expect(await lostOnError.innerText()).toContain('より前の日付です');
    expect(await form.getByLabel('資格喪失日').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => summary.getAttribute('data-state')).toBe('errors');
    expect(await summary.innerText()).toContain('このままでは申請できません');
    await page.screenshot({ path: `${SHOTS}/loss-check-error.png`, fullPage: true });
    expect((await viewOf(page, atenaNo)).pending).toEqual([]);

    // A valid date reported late: no error, the 遡及 warning before 申請.
    const lostOn = addDays(todayJst(), -40);
    if (lostOn > period.acquiredOn) {
      await form.getByLabel('資格喪失日').fill(formatWareki(lostOn));
      await form.getByLabel('事由発生日').fill(formatWareki(addDays(lostOn, -1)));
      await form.getByLabel('届出日').fill(formatWareki(todayJst()));
      await expect.poll(() => summary.getAttribute('data-state')).toBe('ok');
      const warnings = page.getByTestId(`loss-check-${period.eligibilityId}-warnings`);
      await expect.poll(() => warnings.isVisible()).toBe(true);
      expect(await warnings.innerText()).toContain('遡及');
      expect(await lostOnError.count()).toBe(0);
      await page.screenshot({ path: `${SHOTS}/loss-check-retroactive.png`, fullPage: true });
      expect((await viewOf(page, atenaNo)).pending).toEqual([]);
    }
  });

  it('資格取得届: an overlapping acquisition shows the error before 申請, and the server refuses it the same way on 申請', async () => {
    const { page } = clerk;
    // A resident with an ended period and nothing open: the acquisition form is offered; a 取得日 inside the
    // ended period overlaps it.
    let who: { atenaNo: number; period: Version } | null = null;
    for (const kana of ['ア', 'カ', 'サ', 'タ', 'ナ', 'ハ', 'マ', 'ヤ', 'ラ', 'ワ']) {
      for (const r of await residents(page, kana)) {
        const e = await viewOf(page, r.atenaNo);
        const ended = e.current.find((v) => v.lostOn !== null && v.lostOn > addDays(v.acquiredOn, 1) && v.acquiredOn >= '1990-01-01');
        if (ended && !e.current.some((v) => v.lostOn === null) && e.pending.length === 0 && e.householdNo !== null) {
          who = { atenaNo: r.atenaNo, period: ended };
          break;
        }
      }
      if (who) break;
    }
    if (!who) {
      console.warn('no resident with an ended period in the demo city: overlap case skipped');
      return;
    }
    const { atenaNo, period } = who;
    await page.goto(server.url + `/persons/${atenaNo}`);
    const section = page.getByTestId('eligibility');
    await section.getByText('資格取得を申請する').click();
    await page.getByLabel('資格取得日').fill(formatWareki(period.acquiredOn));
    await page.getByLabel('資格取得事由').selectOption('left_employee_insurance');
    const error = page.locator('#elig-acq-acquiredOn-error');
    await expect.poll(() => error.isVisible().then((v) => (v ? error.innerText() : ''))).toContain('重なっています');
    await page.screenshot({ path: `${SHOTS}/acquire-check-overlap.png`, fullPage: true });
    expect((await viewOf(page, atenaNo)).pending).toEqual([]);
    await page.getByRole('button', { name: '資格取得を申請' }).click();
    await page.getByRole('alert').filter({ hasText: '入力内容を確認してください' }).waitFor();
    expect(await error.innerText()).toContain('重なっています');
    expect((await viewOf(page, atenaNo)).pending).toEqual([]);
  });
});

describe('世帯: 国保加入の経過', () => {
  it('shows each member’s periods as bars with accessible text and in 和暦, and the 擬制世帯主', async () => {
    const { page } = clerk;
    // A 擬制世帯主 household if the demo city has one (the head not insured, a member insured), else any with an insured member.
    type H = { householdNo: number; isPseudoHead: boolean; headAtenaNo: number | null; members: { atenaNo: number; nameKanji: string; periods: { acquiredOn: string; lostOn: string | null }[] }[] };
    let chosen: H | null = null;
    let fallback: H | null = null;
    for (const kana of ['サ', 'タ', 'カ', 'ア', 'ナ', 'ハ', 'マ', 'ヤ']) {
      for (const r of await residents(page, kana)) {
        if (r.householdNo === null) continue;
        const h = (await apiGet<H>(page, `/api/households/${r.householdNo}`)).body;
        if (h.isPseudoHead) chosen = h;
        else if (!fallback && h.members.some((m) => m.periods.length > 0)) fallback = h;
        if (chosen) break;
      }
      if (chosen) break;
    }
    const h = chosen ?? fallback;
    expect(h, 'a household with an insured member').not.toBeNull();
    // A special status of the 国保世帯 on a member (修学中の特例), recorded as the approval step would.
    const student = h!.members.find((m) => m.atenaNo !== h!.headAtenaNo) ?? h!.members[0]!;
    await server.deps.database.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', 'operator:browser-test', true)`.execute(tx);
      await tx
        .insertInto('nhi_household_status')
        .values({ atena_no: student.atenaNo, household_no: h!.householdNo, kind: 'student_exception', valid_from: addDays(todayJst(), -30), school_name: '東京テスト大学', updated_by: 'operator:browser-test' })
        .execute();
    });
    await page.goto(server.url + `/households/${h!.householdNo}`);
    const timeline = page.getByTestId('nhi-timeline');
    await timeline.waitFor();
    expect(await timeline.getByRole('heading', { name: '国保加入の経過' }).count()).toBe(1);
    const withPeriods = h!.members.find((m) => m.periods.length > 0)!;
    const row = timeline.locator(`tr[data-atena-no="${withPeriods.atenaNo}"]`);
    const p = withPeriods.periods[0]!;
    // The 取得日 in 和暦 as text, and the bar's accessible text saying the same.
    expect(await row.locator('li time').first().innerText()).toBe(formatWareki(p.acquiredOn));
    const bar = row.getByRole('img');
    const barLabel = (await bar.getAttribute('aria-label'))!;
    expect(barLabel).toContain(withPeriods.nameKanji);
    expect(barLabel).toContain(formatWareki(p.acquiredOn));
    expect(await row.locator('rect.timeline__bar').count()).toBe(withPeriods.periods.length);
    if (chosen) {
      const head = timeline.locator(`tr[data-atena-no="${chosen.headAtenaNo}"]`);
      expect(await head.innerText()).toContain('擬制世帯主');
      expect(await timeline.getByTestId('pseudo-head-spans').innerText()).toContain('擬制世帯主');
      expect(await head.getByRole('img').getAttribute('aria-label')).toContain('擬制世帯主の期間');
    }
    const nhi = (await apiGet<{ statuses: { atenaNo: number; kindLabel: string }[] }>(page, `/api/households/${h!.householdNo}/nhi`)).body;
    const label = nhi.statuses.find((x) => x.atenaNo === student.atenaNo)!.kindLabel;
    const studentRow = timeline.locator(`tr[data-atena-no="${student.atenaNo}"]`);
    await expect.poll(() => studentRow.innerText()).toContain(label);
    expect(await studentRow.innerText()).toContain(formatWareki(addDays(todayJst(), -30)));
    expect(await studentRow.getByRole('img').getAttribute('aria-label')).toContain(`特例等: ${label}`);
    expect(await inlineCode(page)).toEqual({ scripts: 0, styleAttrs: 0, styleTags: 0 });
    await timeline.screenshot({ path: `${SHOTS}/household-timeline.png` });
    await page.screenshot({ path: `${SHOTS}/household-page.png`, fullPage: true });
  });
});
