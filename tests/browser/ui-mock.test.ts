/**
 * UI behaviour against a stand-in API (tests/browser/support/mock-api.ts): situations that the real
 * server makes hard to reach on demand — an expired session, a step-up prompt, server field errors, a
 * user without 宛名 permission — plus CSP and accessibility checks of the built bundle.
 */
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, watchPage } from './support/browser.js';
import { startMockServer, type MockServer } from './support/mock-api.js';

const webRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url));

let browser: Browser;
let server: MockServer;
let context: BrowserContext;
let page: Page;
let watch: ReturnType<typeof watchPage>;

beforeAll(async () => {
  server = await startMockServer(webRoot);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  page = await context.newPage();
  watch = watchPage(page);
});

afterEach(async () => {
  expect(watch.cspViolations).toEqual([]);
  expect(watch.errors).toEqual([]);
  await context.close();
});

async function login(p: Page, staffId = 'clerk01', password = 'pass-clerk'): Promise<void> {
  await p.goto(server.url + '/');
  await p.getByLabel('職員ID').fill(staffId);
  await p.getByLabel('パスワード').fill(password);
  await p.getByRole('button', { name: 'ログイン' }).click();
  await p.getByLabel('ワンタイムパスワード').fill('123456');
  await p.getByRole('button', { name: '認証する' }).click();
  await p.getByRole('button', { name: 'ログアウト' }).waitFor();
}

/** Every form control has an accessible label (JIS X 8341-3 / WCAG 1.3.1, 3.3.2, 4.1.2). */
async function unlabelledControls(p: Page): Promise<string[]> {
  return p.evaluate(() =>
    Array.from(document.querySelectorAll('input, select, textarea'))
      .filter((el) => {
        const e = el as HTMLInputElement;
        if (e.type === 'hidden') return false;
        return (e.labels?.length ?? 0) === 0 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby');
      })
      .map((el) => el.outerHTML),
  );
}

describe('web UI (stand-in API)', () => {
  it('serves a bundle that runs under the strict CSP with no external resource', async () => {
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) external.push(r.url());
    });
    const res = await page.goto(server.url + '/');
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
    const inline = await page.evaluate(() => ({
      scripts: Array.from(document.scripts).filter((s) => !s.src).length,
      styleAttrs: document.querySelectorAll('[style]').length,
      styleTags: document.querySelectorAll('style').length,
      lang: document.documentElement.lang,
    }));
    expect(inline).toEqual({ scripts: 0, styleAttrs: 0, styleTags: 0, lang: 'ja' });
    expect(external).toEqual([]);
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('logs in with the keyboard only and shows errors in Japanese', async () => {
    await page.goto(server.url + '/');
    // The ID field has focus on arrival.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('staffId');
    await page.keyboard.type('clerk01');
    await page.keyboard.press('Tab');
    await page.keyboard.type('wrong');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('職員IDまたはパスワードが正しくありません');
    await page.getByLabel('パスワード').fill('pass-clerk');
    await page.keyboard.press('Enter');
    const code = page.getByLabel('ワンタイムパスワード');
    await code.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
    await page.keyboard.type('000000');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('ワンタイムパスワードが正しくありません');
    // Full-width digits typed through an IME are accepted.
    await page.keyboard.type('１２３４５６');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '宛名検索' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/search');
    expect(await page.getByTestId('user-info').innerText()).toContain('窓口 一郎');
    expect(await page.getByTestId('user-info').innerText()).toContain('本庁 保険年金課');
    // Keyboard focus is visible: the focused button gets an outline.
    await page.getByRole('button', { name: '検索', exact: true }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    // Unsafe calls carried the CSRF token from the second-factor response.
    const posts = server.requests.filter((r) => r.method === 'POST' && r.path === '/api/auth/totp');
    expect(posts.length).toBeGreaterThan(0);
  });

  it('validates the search form and shows server field errors next to their inputs', async () => {
    await login(page);
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('検索条件を1つ以上入力してください');
    await page.getByLabel('生年月日').fill('平成31年5月1日');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    const birth = page.getByLabel('生年月日');
    await expect.poll(() => birth.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await birth.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator('#' + describedBy.split(' ')[0]).innerText()).toContain('生年月日を正しく入力してください');
    await birth.fill('');
    await page.getByLabel('漢字氏名').fill('サーバーエラー');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.locator('#name-error').innerText()).toContain('使用できない文字');
    expect(await page.getByLabel('漢字氏名').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').innerText()).toContain('問い合わせ番号');
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('searches by half-width kana, pages with 前へ/次へ, switches to 西暦 and restores results on Back', async () => {
    await login(page);
    await page.getByLabel('カナ氏名').fill('ﾔﾏﾀﾞ');
    await page.keyboard.press('Enter');
    const count = page.getByTestId('result-count');
    await expect.poll(() => count.innerText()).toContain('該当 30 件（1〜20件目を表示）');
    const rows = page.getByTestId('search-results').locator('tbody tr');
    expect(await rows.count()).toBe(20);
    const prev = page.getByRole('button', { name: '前へ' });
    const next = page.getByRole('button', { name: '次へ' });
    expect(await prev.isDisabled()).toBe(true);
    await next.click();
    await expect.poll(() => count.innerText()).toContain('21〜30件目');
    expect(await rows.count()).toBe(10);
    expect(await next.isDisabled()).toBe(true);
    // Focus moved to the result count so screen readers announce the new page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('result-count');
    await prev.click();
    await expect.poll(() => count.innerText()).toContain('1〜20件目');

    const firstDate = page.getByTestId('search-results').locator('tbody tr').first().locator('time');
    expect(await firstDate.innerText()).toBe('昭和25年1月1日');
    expect(await firstDate.getAttribute('title')).toBe('1950年1月1日');
    await page.getByLabel('西暦で表示').check();
    expect(await firstDate.innerText()).toBe('1950年1月1日');
    expect(await firstDate.getAttribute('title')).toBe('昭和25年1月1日');
    await page.getByLabel('西暦で表示').uncheck();

    // Criteria are not put in the URL (names stay out of the browser history list).
    expect(new URL(page.url()).search).toBe('');
    await page.getByRole('link', { name: '山田　太郎' }).first().click();
    await page.getByRole('heading', { level: 1, name: /山田\s太郎/ }).waitFor();
    await page.goBack();
    await expect.poll(() => count.innerText()).toContain('該当 30 件');
    expect(await page.getByLabel('カナ氏名').inputValue()).toBe('ﾔﾏﾀﾞ');
  });

  it('shows a household with 擬制世帯主, members, 続柄, 和暦 dates and history', async () => {
    await login(page);
    await page.goto(server.url + '/households/5001');
    await page.getByRole('heading', { level: 1, name: /世帯 5001/ }).waitFor();
    const members = page.getByTestId('members');
    await members.waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('擬制世帯主');
    const text = await members.innerText();
    expect(text).toContain('世帯主');
    expect(text).toContain('妻');
    expect(text).toContain('昭和25年1月1日');
    expect(text).toContain('非加入');
    const history = await page.getByTestId('history').innerText();
    expect(history).toContain('転居');
    expect(history).toContain('令和6年4月1日 10:02:03');
    const res = await page.goto(server.url + '/households/9999');
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('世帯番号 9999 の世帯は見つかりません');
  });

  it('reveals a My Number only on request, after a step-up, and hides it again', async () => {
    await login(page);
    await page.goto(server.url + '/persons/100001');
    await page.getByRole('heading', { level: 2, name: '個人番号' }).waitFor();
    // The title (stored in the browser's history list) carries the 宛名番号, not the name.
    expect(await page.title()).toContain('個人 100001');
    expect(await page.title()).not.toContain('山田');
    const value = page.getByTestId('mynumber-value');
    expect(await value.innerText()).not.toMatch(/\d/);
    // Only the 事務 that allow 'reveal' are offered.
    const jimu = page.getByLabel('利用する事務');
    expect(await jimu.locator('option').allInnerTexts()).toEqual(['選択してください', '被保険者資格管理等に係る事務', '国民健康保険税の賦課徴収に関する事務']);
    await page.getByRole('button', { name: '個人番号を表示' }).click();
    await expect.poll(() => page.locator('#mynumber-purpose-error').innerText()).toContain('利用目的を入力してください');
    expect(await page.locator('#mynumber-jimu-error').innerText()).toContain('利用する事務を選択してください');
    await jimu.selectOption('nhi.eligibility');
    expect(await page.locator('#mynumber-jimu-hint').innerText()).toContain('別表第１の３０の項');
    await page.getByLabel('利用目的').fill('資格取得・喪失の届出確認');
    await page.getByRole('button', { name: '個人番号を表示' }).click();
    const code = page.getByLabel('ワンタイムパスワード');
    await code.waitFor();
    await code.fill('111111');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('ワンタイムパスワードが正しくありません');
    await code.fill('123456');
    await page.keyboard.press('Enter');
    await expect.poll(() => value.innerText()).toContain('1234 5678 9000');
    await page.getByRole('button', { name: '個人番号を隠す' }).click();
    await expect.poll(() => value.innerText()).not.toMatch(/\d{4}/);
    // A person without a number: no reveal button at all.
    await page.goto(server.url + '/persons/100002');
    await page.getByText('個人番号は登録されていません').waitFor();
  });

  it('returns to the login page with 「セッションの有効期限が切れました」 after a 401', async () => {
    await login(page);
    await page.getByLabel('カナ氏名').fill('さとう');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('result-count').innerText()).toContain('該当 30 件');
    server.expireSessions();
    await page.getByRole('button', { name: '次へ' }).click();
    await expect.poll(() => page.getByRole('alert').first().innerText()).toContain('セッションの有効期限が切れました');
    expect(await page.getByTestId('search-results').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('佐藤');
  });

  it('hides menu items the user lacks and offers the audit screen to auditors', async () => {
    await login(page);
    const nav = page.getByRole('navigation', { name: 'メインメニュー' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['検索', 'セキュリティキー登録']);
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();

    await login(page, 'auditor1', 'pass-audit');
    expect(new URL(page.url()).pathname).toBe('/audit');
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['監査', 'セキュリティキー登録']);
    await page.getByLabel('期間（開始日）').fill('R7.4.1');
    expect(await page.locator('#audit-from-hint').innerText()).toContain('令和7年4月1日（2025年4月1日）');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.getByTestId('audit-count').innerText()).toContain('該当 120 件（1〜50件目を表示）');
    await page.getByRole('button', { name: '次へ' }).click();
    await expect.poll(() => page.getByTestId('audit-count').innerText()).toContain('51〜100件目');
    const csv = page.getByRole('link', { name: 'この条件でCSV出力' });
    expect(await csv.getAttribute('href')).toBe('/api/audit/report?from=2025-04-01');
  });

  it('logout drops the data: Back shows the login page, not the household', async () => {
    await login(page);
    await page.goto(server.url + '/households/5002');
    await page.getByTestId('members').waitFor();
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
    expect(await page.getByRole('status').first().innerText()).toContain('ログアウトしました');
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
    expect(await page.locator('body').innerText()).not.toContain('佐藤');
    expect(await page.getByTestId('members').count()).toBe(0);
    const logout = server.requests.filter((r) => r.path === '/api/auth/logout');
    expect(logout.at(-1)?.csrf).toMatch(/^[0-9a-f]{32}$/);
  });
});
