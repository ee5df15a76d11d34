/**
 * The UI's rules, checked against the real server (in-process, in-memory PGlite, demo city): the
 * bundle runs under the strict CSP with no external request, login works from the keyboard alone,
 * every control is labelled, server field errors appear next to their inputs, search criteria stay out
 * of URLs, titles carry numbers and never names, an ended session returns to the login page, a step-up
 * is asked for before a My Number is shown, and menus follow permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Request } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import {
  apiGet,
  demoLogin,
  endBrowserSession,
  freshTotp,
  inlineCode,
  loggedInPage,
  menuItems,
  newPage,
  setUpServerAndBrowser,
  todayJst,
  unlabelledControls,
  wrongTotp,
  type DemoLogin,
  type TestPage,
} from './support/real-server.js';
import { toHalfWidthKatakana } from '../../src/lib/kana.js';
import { formatSeireki, formatWareki } from '../../src/lib/wareki.js';
import type { Household, PersonSummary as Row, PersonSearchResult as SearchResult } from '../../web/src/api.js';

let server: RunningServer;
let browser: Browser;
setUpServerAndBrowser((running) => ({ server, browser } = running));

/** A test on its own browser context, checked for CSP violations and script errors at the end. */
async function withPage(fn: (p: TestPage & { login: DemoLogin | null }) => Promise<void>, staffId?: string): Promise<void> {
  const p = staffId ? await loggedInPage(browser, server, staffId) : { ...(await newPage(browser)), login: null };
  try {
    await fn(p);
    expect(p.watch.cspViolations).toEqual([]);
    expect(p.watch.errors).toEqual([]);
  } finally {
    await p.context.close();
  }
}

const KANA_INITIALS = 'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ'.split('');


describe('login and the bundle', () => {
  it('serves a bundle that runs under the strict CSP with no external resource', async () => {
    await withPage(async ({ page }) => {
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url)) external.push(r.url());
      });
      const res = await page.goto(server.url + '/');
      const csp = res?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
      expect(await inlineCode(page)).toEqual({ scripts: 0, styleAttrs: 0, styleTags: 0 });
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja');
      expect(external).toEqual([]);
      expect(await unlabelledControls(page)).toEqual([]);
    });
  });

  it('logs in with the keyboard only and shows errors in Japanese', async () => {
    const kokuho = demoLogin(server.demoLogins, 'kokuho01');
    await withPage(async ({ page }) => {
      const posts: Request[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(r);
      });
      await page.goto(server.url + '/');
      // The ID field has focus on arrival.
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('staffId');
      await page.keyboard.type(kokuho.staffId);
      await page.keyboard.press('Tab');
      await page.keyboard.type(kokuho.password + 'x');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByRole('alert').innerText()).toContain('職員IDまたはパスワードが正しくありません');
      // The password field was emptied; back to it.
      await page.getByLabel('パスワード').focus();
      await page.keyboard.type(kokuho.password);
      await page.keyboard.press('Enter');
      const code = page.getByLabel('ワンタイムパスワード');
      await code.waitFor();
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
      await page.keyboard.type(wrongTotp(kokuho));
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByRole('alert').innerText()).toContain('ワンタイムパスワードが正しくありません');
      // Full-width digits typed through an IME are accepted.
      const good = await freshTotp(kokuho);
      await page.keyboard.type(good.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0)));
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: '宛名検索' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/search');
      const user = await page.getByTestId('user-info').innerText();
      expect(user).toContain('国保 太郎');
      expect(user).toContain('本庁 国民健康保険課');
      // Keyboard focus is visible: the focused button gets an outline.
      await page.getByRole('button', { name: '検索', exact: true }).focus();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
      // The second-factor call carried the CSRF token from the password step's answer.
      const totpPost = posts.filter((r) => new URL(r.url()).pathname === '/api/auth/totp').at(-1);
      expect(totpPost?.headers()['x-csrf-token']).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    });
  });
});

describe('search, household and person screens (kokuho01)', () => {
  let kokuho: TestPage;
  /** A kana initial with more than one page of results, and its first page from the API. */
  let paged: { kana: string; first: SearchResult };

  beforeAll(async () => {
    kokuho = await loggedInPage(browser, server, 'kokuho01');
    for (const kana of KANA_INITIALS) {
      const r = await apiGet<SearchResult>(kokuho.page, `/api/persons?kana=${encodeURIComponent(kana)}&pageSize=20`);
      if (r.status === 200 && r.body.total > 20 && !r.body.totalCapped) {
        paged = { kana, first: r.body };
        break;
      }
    }
    expect(paged, 'a kana initial with more than 20 residents').toBeDefined();
  }, 120_000);

  afterAll(async () => {
    expect(kokuho.watch.cspViolations).toEqual([]);
    expect(kokuho.watch.errors).toEqual([]);
    await kokuho?.context.close();
  });

  async function openSearch(): Promise<void> {
    const { page } = kokuho;
    await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '検索' }).click();
    await page.getByRole('heading', { level: 1, name: '宛名検索' }).waitFor();
    await page.getByRole('button', { name: '条件をクリア' }).click();
  }

  it('validates the search form and shows server field errors next to their inputs', async () => {
    const { page } = kokuho;
    await openSearch();
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('検索条件を1つ以上入力してください');
    // 平成31年5月1日 does not exist (令和 began that day): refused before any request.
    const birth = page.getByLabel('生年月日');
    await birth.fill('平成31年5月1日');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => birth.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await birth.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator('#' + describedBy.split(' ')[0]).innerText()).toContain('生年月日を正しく入力してください');
    await birth.fill('');
    // Latin letters in カナ氏名 pass the page and are refused by the server, next to the field.
    await page.getByLabel('カナ氏名').fill('abc');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.locator('#kana-error').innerText()).toContain('カタカナ・ひらがな・半角カナで入力してください');
    expect(await page.getByLabel('カナ氏名').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('カナ氏名').getAttribute('aria-describedby')).toContain('kana-error');
    // A typing slip is not a system error: no inquiry number, and the field's message once in the summary.
    const summary = await page.getByRole('alert').innerText();
    expect(summary).not.toContain('問い合わせ番号');
    expect(summary.split('カタカナ・ひらがな・半角カナで入力してください').length - 1).toBe(1);
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('searches by half-width kana, pages with 前へ/次へ, switches to 西暦 and restores results on Back', async () => {
    const { page } = kokuho;
    const total = paged.first.total;
    await openSearch();
    const halfWidth = toHalfWidthKatakana(paged.kana);
    expect(halfWidth).toMatch(/^[\uFF66-\uFF9F]+$/);
    await page.getByLabel('カナ氏名').fill(halfWidth);
    await page.keyboard.press('Enter');
    const count = page.getByTestId('result-count');
    await expect.poll(() => count.innerText()).toContain(`該当 ${total.toLocaleString('ja-JP')} 件（1〜20件目を表示）`);
    const rows = page.getByTestId('search-results').locator('tbody tr');
    expect(await rows.count()).toBe(20);
    const prev = page.getByRole('button', { name: '前へ' });
    const next = page.getByRole('button', { name: '次へ' });
    expect(await prev.isDisabled()).toBe(true);
    await next.click();
    await expect.poll(() => count.innerText()).toContain(`21〜${Math.min(40, total)}件目`);
    // Focus moved to the result count so screen readers announce the new page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('result-count');
    await prev.click();
    await expect.poll(() => count.innerText()).toContain('1〜20件目');

    const first = paged.first.items[0]!;
    const firstDate = rows.first().locator('time');
    expect(await firstDate.innerText()).toBe(formatWareki(first.birthDate));
    expect(await firstDate.getAttribute('title')).toBe(formatSeireki(first.birthDate));
    await page.getByLabel('西暦で表示').check();
    expect(await firstDate.innerText()).toBe(formatSeireki(first.birthDate));
    expect(await firstDate.getAttribute('title')).toBe(formatWareki(first.birthDate));
    await page.getByLabel('西暦で表示').uncheck();

    // Criteria are not put in the URL (names stay out of the browser history list).
    expect(new URL(page.url()).search).toBe('');
    await rows.first().getByRole('link', { name: first.nameKanji }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(first.nameKanji.replace(/\s/g, '\\s')) }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/persons/${first.atenaNo}`);
    // The title (kept in the browser's history list) carries the 宛名番号, never the name.
    expect(await page.title()).toContain(`個人 ${first.atenaNo}`);
    for (const part of first.nameKanji.split(/\s/)) expect(await page.title()).not.toContain(part);
    await page.goBack();
    await expect.poll(() => count.innerText()).toContain(`該当 ${total.toLocaleString('ja-JP')} 件`);
    expect(await page.getByLabel('カナ氏名').inputValue()).toBe(halfWidth);
    expect(new URL(page.url()).search).toBe('');
  });

  it('shows a household with its members, 続柄 and 和暦 dates (擬制世帯主 when so), and says when one is not found', async () => {
    const { page } = kokuho;
    let household: Household | undefined;
    for (const row of paged.first.items) {
      if (row.householdNo === null) continue;
      const h = await apiGet<Household>(page, `/api/households/${row.householdNo}`);
      if (h.status === 200 && h.body.members.filter((m) => !m.validTo).length >= 2) {
        household = h.body;
        break;
      }
    }
    expect(household, 'a household of two or more').toBeDefined();
    const h = household!;
    await page.goto(server.url + `/households/${h.householdNo}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`世帯 ${h.householdNo}`) }).waitFor();
    expect(await page.title()).toContain(`世帯 ${h.householdNo}`);
    const members = page.getByTestId('members');
    await members.waitFor();
    const text = await members.innerText();
    for (const m of h.members.filter((x) => !x.validTo)) {
      expect(text).toContain(m.nameKanji);
      expect(text).toContain(m.relationshipLabel);
      expect(text).toContain(formatWareki(m.birthDate));
    }
    expect((await page.getByRole('heading', { level: 1 }).innerText()).includes('擬制世帯主')).toBe(h.isPseudoHead);
    // 国保世帯 as of today: its section, the taxpayer and the 擬制世帯主 badge when so.
    const nhi = page.getByTestId('nhi-household');
    await nhi.getByRole('heading', { level: 2, name: '国保世帯' }).waitFor();
    await expect.poll(() => nhi.innerText()).toMatch(/現在。賦課は4月1日/);
    if (h.isPseudoHead) expect(await nhi.innerText()).toContain('擬制世帯主');
    for (const m of h.members) for (const part of m.nameKanji.split(/\s/)) expect(await page.title()).not.toContain(part);

    const res = await page.goto(server.url + '/households/99999999');
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('世帯番号 99999999 の世帯は見つかりません');
  });

  it('logout drops the data: Back shows the login page, not the household', async () => {
    const { page } = kokuho;
    const row = paged.first.items.find((r) => r.householdNo !== null)!;
    await page.goto(server.url + `/households/${row.householdNo}`);
    await page.getByTestId('members').waitFor();
    const name = row.nameKanji;
    expect(await page.locator('main').innerText()).toContain(name);
    const logoutRequest = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/auth/logout');
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
    expect(await page.getByRole('status').first().innerText()).toContain('ログアウトしました');
    // The logout was sent with the CSRF token (the server refuses an unsafe call without it).
    expect((await logoutRequest).headers()['x-csrf-token']).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
    expect(await page.locator('body').innerText()).not.toContain(name);
    expect(await page.getByTestId('members').count()).toBe(0);
    expect((await apiGet<unknown>(page, `/api/households/${row.householdNo}`)).status).toBe(401);
  });
});

describe('session and step-up', () => {
  it('reveals a My Number only on request, after a step-up, and hides it again', async () => {
    await withPage(async ({ page, login }) => {
      const jimu = await apiGet<{ items: { code: string; name: string; legalBasis: string[]; uses: string[] }[] }>(page, '/api/my-number/jimu');
      const forReveal = jimu.body.items.filter((j) => j.uses.includes('reveal'));
      expect(forReveal.length).toBeGreaterThan(1);
      // Every resident of the demo city has a number (a person without one: see workflows.test.ts).
      const found = await apiGet<SearchResult>(page, `/api/persons?kana=${encodeURIComponent('ア')}&pageSize=5`);
      let withNumber: Row | null = null;
      for (const row of found.body.items) {
        const p = await apiGet<{ hasMyNumber: boolean }>(page, `/api/persons/${row.atenaNo}`);
        if (p.body.hasMyNumber) {
          withNumber = row;
          break;
        }
      }
      expect(withNumber, 'a resident with a registered My Number').not.toBeNull();

      await page.goto(server.url + `/persons/${withNumber!.atenaNo}`);
      await page.getByRole('heading', { level: 2, name: '個人番号' }).waitFor();
      // The title (stored in the browser's history list) carries the 宛名番号, not the name.
      expect(await page.title()).toContain(`個人 ${withNumber!.atenaNo}`);
      for (const part of withNumber!.nameKanji.split(/\s/)) expect(await page.title()).not.toContain(part);
      const value = page.getByTestId('mynumber-value');
      expect(await value.innerText()).not.toMatch(/\d/);
      // Only the 事務 that allow 'reveal' are offered.
      const select = page.getByLabel('利用する事務');
      await expect.poll(() => select.locator('option').count()).toBe(forReveal.length + 1);
      expect(await select.locator('option').allInnerTexts()).toEqual(['選択してください', ...forReveal.map((j) => j.name)]);
      await page.getByRole('button', { name: '個人番号を表示' }).click();
      await expect.poll(() => page.locator('#mynumber-purpose-error').innerText()).toContain('利用目的を入力してください');
      expect(await page.locator('#mynumber-jimu-error').innerText()).toContain('利用する事務を選択してください');
      expect(await page.getByLabel('利用目的').getAttribute('aria-invalid')).toBe('true');
      await select.selectOption('nhi.eligibility');
      expect(await page.locator('#mynumber-jimu-hint').innerText()).toContain('別表第１の３０の項');
      await page.getByLabel('利用目的').fill('資格取得・喪失の届出確認');
      await page.getByRole('button', { name: '個人番号を表示' }).click();
      const code = page.getByLabel('ワンタイムパスワード');
      await code.waitFor();
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('autocomplete'))).toBe('one-time-code');
      await code.fill(wrongTotp(login!));
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByRole('alert').innerText()).toContain('ワンタイムパスワードが正しくありません');
      expect(await value.innerText()).not.toMatch(/\d/);
      await code.fill(await freshTotp(login!));
      await page.keyboard.press('Enter');
      await expect.poll(() => value.innerText()).toMatch(/\d{4} \d{4} \d{4}/);
      expect(await page.title()).not.toMatch(/\d{4}\s?\d{4}\s?\d{4}/);
      await page.getByRole('button', { name: '個人番号を隠す' }).click();
      await expect.poll(() => value.innerText()).not.toMatch(/\d{4}/);
      expect(await unlabelledControls(page)).toEqual([]);
    }, 'kakari01');
  });

  it('returns to the login page with 「セッションの有効期限が切れました」 when the session ends on the server', async () => {
    await withPage(async ({ page, context }) => {
      let kana = '';
      let names: string[] = [];
      for (const k of KANA_INITIALS) {
        const r = await apiGet<SearchResult>(page, `/api/persons?kana=${encodeURIComponent(k)}&pageSize=20`);
        if (r.body.total > 20) {
          kana = k;
          names = r.body.items.map((i) => i.nameKanji);
          break;
        }
      }
      expect(kana).not.toBe('');
      await page.getByLabel('カナ氏名').fill(kana);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('result-count').innerText()).toContain('1〜20件目');
      // The session ends on the server (as after the idle timeout); the page still shows the results.
      await endBrowserSession(server, context, 'idle_timeout');
      await page.getByRole('button', { name: '次へ' }).click();
      await expect.poll(() => page.getByRole('alert').first().innerText()).toContain('セッションの有効期限が切れました');
      await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
      expect(await page.getByTestId('search-results').count()).toBe(0);
      const body = await page.locator('body').innerText();
      for (const n of names) expect(body).not.toContain(n);
    }, 'shisho01');
  });
});

describe('menus', () => {
  it('hides menu items the user lacks and offers the audit screen to auditors', async () => {
    await withPage(async ({ page }) => {
      expect(new URL(page.url()).pathname).toBe('/audit');
      expect(await menuItems(page)).toEqual(['監査', 'セキュリティキー登録']);
      // Screens outside the user's permissions say so, whatever the URL.
      await page.goto(server.url + '/search');
      await page.getByRole('heading', { level: 1, name: '権限がありません' }).waitFor();
      await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '監査' }).click();
      await page.getByRole('heading', { level: 1, name: '監査ログ照会' }).waitFor();

      // More than a page of today's events: every search of the audit trail is itself on the trail.
      for (let i = 0; i < 55; i++) expect((await apiGet(page, `/api/audit/events?action=${encodeURIComponent('audit.search')}&pageSize=1`)).status).toBe(200);
      const today = todayJst();
      const [y, m, d] = today.split('-').map(Number) as [number, number, number];
      const short = `R${y - 2018}.${m}.${d}`;
      await page.getByLabel('期間（開始日）').fill(short);
      expect(await page.locator('#audit-from-hint').innerText()).toContain(`${formatWareki(today)}（${formatSeireki(today)}）`);
      await page.getByRole('button', { name: '検索', exact: true }).click();
      const count = page.getByTestId('audit-count');
      await expect.poll(() => count.innerText()).toMatch(/該当 [\d,]+ 件/);
      const total = Number(/該当 ([\d,]+) 件/.exec(await count.innerText())![1]!.replace(/,/g, ''));
      expect(total).toBeGreaterThan(55);
      expect(await count.innerText()).toContain('1〜50件目を表示');
      await page.getByRole('button', { name: '次へ' }).click();
      await expect.poll(() => count.innerText()).toContain('51〜');
      const csv = page.getByRole('link', { name: 'この条件でCSV出力' });
      expect(await csv.getAttribute('href')).toBe(`/api/audit/report?from=${today}`);
      expect(await unlabelledControls(page)).toEqual([]);
    }, 'kansa01');
  });
});
