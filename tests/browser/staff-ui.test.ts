/**
 * End-to-end tests of the staff web UI against the real server (in-process, in-memory PGlite, demo
 * city of 300 residents) in Debian's headless Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { watchPage } from './support/browser.js';
import { apiGet, demoLogin, freshTotp, newPage, setUpServerAndBrowser, stepUpCode, toHiragana, uiLogin, type DemoLogin } from './support/real-server.js';
import type { RunningServer } from '../../src/server.js';
import { toHalfWidthKatakana } from '../../src/lib/kana.js';
import { formatWareki } from '../../src/lib/wareki.js';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import type { Household, PersonSummary as Row, PersonSearchResult as SearchResult } from '../../web/src/api.js';

let server: RunningServer;
let browser: Browser;
setUpServerAndBrowser((running) => ({ server, browser } = running));


const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

/**
 * Record one known 転居 (move within the city: new 番地) the way the 住基 interface would, in the server's
 * own database, so the test can look for exactly that change in the history list (there is no 異動 API yet).
 */
async function recordMove(atenaNo: number): Promise<void> {
  const db: Kysely<DB> = server.deps.database.db;
  await db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${'staff:kokuho01'}, true)`.execute(tx);
    await tx
      .updateTable('person')
      .set({ banchi: '9-9-9', address_set_on: '2025-04-01', valid_from: '2025-04-01', change_reason: 'moved_within' })
      .where('atena_no', '=', atenaNo)
      .execute();
  });
}

describe('login', () => {
  it('TOTP: wrong password and wrong code are refused in Japanese; the right code lands on 検索', async () => {
    const kokuho = demoLogin(server.demoLogins, 'kokuho01');
    const { context, page, watch } = await newPage(browser);
    try {
      const res = await page.goto(server.url + '/');
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(res?.headers()['cache-control']).toContain('no-store');
      await page.getByLabel('職員ID').fill(kokuho.staffId);
      await page.getByLabel('パスワード').fill(kokuho.password + 'x');
      await page.getByRole('button', { name: 'ログイン', exact: true }).click();
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.innerText()).toMatch(JAPANESE);
      expect(await alert.innerText()).toContain('職員IDまたはパスワードが正しくありません');
      expect(await page.getByLabel('ワンタイムパスワード').count()).toBe(0);

      await page.getByLabel('パスワード').fill(kokuho.password);
      await page.getByRole('button', { name: 'ログイン', exact: true }).click();
      const code = page.getByLabel('ワンタイムパスワード');
      await code.waitFor();
      const good = await freshTotp(kokuho);
      const wrong = String((Number(good) + 500_000) % 1_000_000).padStart(6, '0');
      await code.fill(wrong);
      await page.getByRole('button', { name: '認証する' }).click();
      await expect.poll(() => alert.innerText()).toContain('ワンタイムパスワードが正しくありません');
      expect(new URL(page.url()).pathname).toBe('/');

      await code.fill(good);
      await page.getByRole('button', { name: '認証する' }).click();
      await page.getByRole('heading', { level: 1, name: '宛名検索' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/search');
      const user = await page.getByTestId('user-info').innerText();
      expect(user).toContain('国保 太郎');
      expect(user).toContain('本庁 国民健康保険課');
      // Menu items follow permissions: no 監査 for a 国保課 担当者.
      const nav = page.getByRole('navigation', { name: 'メインメニュー' });
      expect(await nav.getByRole('link').allInnerTexts()).toEqual(['検索', '作業項目', '申請状況', '本算定の確認', 'セキュリティキー登録']);
      expect(watch.cspViolations).toEqual([]);
      expect(watch.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('WebAuthn: registers a security key after a TOTP login, then logs in with password + key', async () => {
    const shisho = demoLogin(server.demoLogins, 'shisho01');
    const { context, page, watch } = await newPage(browser);
    try {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
      });
      await uiLogin(page, server.url, shisho);
      await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: 'セキュリティキー登録' }).click();
      await page.getByRole('heading', { level: 1, name: 'セキュリティキー登録' }).waitFor();
      expect(await page.getByText('未登録').count()).toBe(1);
      await page.getByRole('button', { name: 'セキュリティキーを登録' }).click();
      await page.getByText('セキュリティキーを登録しました').waitFor();
      expect(await page.getByText('登録済み').count()).toBe(1);

      await page.getByRole('button', { name: 'ログアウト' }).click();
      await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
      await page.getByLabel('職員ID').fill(shisho.staffId);
      await page.getByLabel('パスワード').fill(shisho.password);
      await page.getByRole('button', { name: 'ログイン', exact: true }).click();
      const keyButton = page.getByRole('button', { name: 'セキュリティキーでログイン' });
      await keyButton.waitFor();
      await keyButton.click();
      await page.getByRole('heading', { level: 1, name: '宛名検索' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/search');
      expect(await page.getByTestId('user-info').innerText()).toContain('支所 一郎');
      expect(watch.cspViolations).toEqual([]);
      expect(watch.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('search, household and person screens', () => {
  let context: BrowserContext;
  let page: Page;
  let watch: ReturnType<typeof watchPage>;
  let kakari: DemoLogin;
  /** A resident in a household of two or more with a change history. */
  let sample: Row;
  let household: Household;
  /** A kana initial with more than one page of results. */
  let pagedKana: { kana: string; total: number };
  /** Residents found while looking for the sample. */
  let rows: Row[] = [];

  beforeAll(async () => {
    kakari = demoLogin(server.demoLogins, 'kakari01');
    ({ context, page, watch } = await newPage(browser));
    await uiLogin(page, server.url, kakari);

    const initials = 'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ'.split('');
    rows = [];
    let best = { kana: '', total: 0 };
    for (const kana of initials) {
      const r = await apiGet<SearchResult>(page, `/api/persons?kana=${encodeURIComponent(kana)}&pageSize=50`);
      expect(r.status).toBe(200);
      expect(r.headers['cache-control']).toContain('no-store');
      if (r.body.total > best.total) best = { kana, total: r.body.total };
      rows.push(...r.body.items);
    }
    pagedKana = best;
    // Prefer a household with a change history, then one with a 擬制世帯主, among those of 2+ members.
    const seen = new Set<number>();
    let bestScore = -1;
    for (const row of rows) {
      if (row.residentStatus !== 'resident' || row.householdNo === null || seen.has(row.householdNo)) continue;
      seen.add(row.householdNo);
      const h = await apiGet<Household>(page, `/api/households/${row.householdNo}`);
      if (h.status !== 200 || h.body.members.filter((m) => !m.validTo).length < 2) continue;
      const score = (h.body.history.length > 0 ? 2 : 0) + (h.body.isPseudoHead ? 1 : 0);
      if (score > bestScore) {
        bestScore = score;
        sample = row;
        household = h.body;
      }
      if (score === 3 || seen.size > 80) break;
    }
    expect(sample, 'a household with 2+ members in the demo city').toBeDefined();
    if (household.history.length === 0) {
      await recordMove(sample.atenaNo);
      household = (await apiGet<Household>(page, `/api/households/${sample.householdNo}`)).body;
    }
    expect(household.history.length, 'the household has a change history').toBeGreaterThan(0);
  }, 180_000);

  afterAll(async () => {
    expect(watch.cspViolations).toEqual([]);
    expect(watch.errors).toEqual([]);
    await context?.close();
  });

  async function search(fields: Partial<Record<'カナ氏名' | '漢字氏名' | '生年月日' | '宛名番号' | '世帯番号', string>>): Promise<void> {
    await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '検索' }).click();
    await page.getByRole('heading', { level: 1, name: '宛名検索' }).waitFor();
    await page.getByRole('button', { name: '条件をクリア' }).click();
    for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: false }).fill(value);
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await page.getByTestId('result-count').waitFor();
  }

  function rowOf(atenaNo: number) {
    return page.getByTestId('search-results').locator('tbody tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${atenaNo}$`) }) });
  }

  it('finds a resident by half-width kana', async () => {
    const halfWidth = toHalfWidthKatakana(sample.nameKana);
    expect(halfWidth).toMatch(/[\uFF66-\uFF9F]/);
    await search({ カナ氏名: halfWidth });
    await expect.poll(() => rowOf(sample.atenaNo).count()).toBe(1);
    expect(await rowOf(sample.atenaNo).innerText()).toContain(sample.nameKanji);
  });

  it('finds a resident by hiragana', async () => {
    const hira = toHiragana(sample.nameKana);
    expect(hira).toMatch(/[\u3041-\u3096]/);
    await search({ カナ氏名: hira });
    await expect.poll(() => rowOf(sample.atenaNo).count()).toBe(1);
  });

  it('finds a resident by 和暦 birth date and shows dates in 和暦 with the 西暦 available', async () => {
    const wareki = formatWareki(sample.birthDate);
    expect(wareki).toMatch(/^(明治|大正|昭和|平成|令和)/);
    await search({ 生年月日: wareki });
    await expect.poll(() => rowOf(sample.atenaNo).count()).toBe(1);
    const time = rowOf(sample.atenaNo).locator('time');
    expect(await time.innerText()).toBe(wareki);
    expect(await time.getAttribute('datetime')).toBe(sample.birthDate);
    expect(await time.getAttribute('title')).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
    // Every row has that birth date.
    const dates = await page.getByTestId('search-results').locator('tbody tr time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
    expect(new Set(dates)).toEqual(new Set([sample.birthDate]));
    // 「西暦で表示」 switches every date on the page.
    await page.getByLabel('西暦で表示').check();
    expect(await time.innerText()).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
    expect(await time.getAttribute('title')).toBe(wareki);
    await page.getByLabel('西暦で表示').uncheck();
    expect(await time.innerText()).toBe(wareki);
  });

  it('pages through results with 次へ and 前へ and shows the count', async () => {
    expect(pagedKana.total, `kana initial ${pagedKana.kana} should have more than one page`).toBeGreaterThan(20);
    await search({ カナ氏名: pagedKana.kana });
    const count = page.getByTestId('result-count');
    await expect.poll(() => count.innerText()).toContain(`該当 ${pagedKana.total.toLocaleString('ja-JP')} 件`);
    expect(await count.innerText()).toContain('1〜20件目を表示');
    const rows = page.getByTestId('search-results').locator('tbody tr');
    expect(await rows.count()).toBe(20);
    const firstPage = await rows.first().locator('td').first().innerText();
    const prev = page.getByRole('button', { name: '前へ' });
    const next = page.getByRole('button', { name: '次へ' });
    expect(await prev.isDisabled()).toBe(true);
    await next.click();
    await expect.poll(() => count.innerText()).toContain('21〜');
    const secondPage = await rows.first().locator('td').first().innerText();
    expect(secondPage).not.toBe(firstPage);
    expect(await prev.isDisabled()).toBe(false);
    await prev.click();
    await expect.poll(() => count.innerText()).toContain('1〜20件目を表示');
    expect(await rows.first().locator('td').first().innerText()).toBe(firstPage);
  });

  it('shows the household: members with 続柄 and 和暦 birth dates, 擬制世帯主 when so, and the history', async () => {
    await search({ 宛名番号: String(sample.atenaNo) });
    const row = rowOf(sample.atenaNo);
    await expect.poll(() => row.count()).toBe(1);
    await row.getByRole('link', { name: new RegExp(String(sample.householdNo)) }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`世帯 ${sample.householdNo}`) }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/households/${sample.householdNo}`);
    const members = page.getByTestId('members');
    await members.waitFor();
    const text = await members.innerText();
    for (const m of household.members.filter((x) => !x.validTo)) {
      expect(text).toContain(m.nameKanji);
      expect(text).toContain(m.relationshipLabel);
      expect(text).toContain(formatWareki(m.birthDate));
    }
    const heading = await page.getByRole('heading', { level: 1 }).innerText();
    expect(heading.includes('擬制世帯主')).toBe(household.isPseudoHead);
    const history = page.getByTestId('history');
    expect(await history.locator('tbody tr').count()).toBe(household.history.length);
    expect(await history.locator('tbody tr').first().locator('time').first().innerText()).toMatch(/^(昭和|平成|令和)/);
  });

  it('shows the person page with its history; the My Number stays masked until asked for', async () => {
    await page.goto(server.url + `/persons/${sample.atenaNo}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(sample.nameKanji.replace(/\s/g, '\\s')) }).waitFor();
    const body = await page.locator('main').innerText();
    expect(body).toContain(formatWareki(sample.birthDate));
    expect(body).toContain('異動履歴');
    // kakari01 (係長) holds mynumber.read: the section is there, masked.
    const section = page.getByRole('region', { name: '個人番号' });
    await section.waitFor();
    expect(await section.innerText()).not.toMatch(/\d{4}\s?\d{4}\s?\d{4}/);
  });

  it('reveals a My Number after the purpose and a step-up, when the server offers it', async () => {
    let withNumber: number | null = null;
    for (const r of rows.slice(0, 40)) {
      const person = await apiGet<{ hasMyNumber: boolean }>(page, `/api/persons/${r.atenaNo}`);
      if (person.status === 200 && person.body.hasMyNumber) {
        withNumber = r.atenaNo;
        break;
      }
    }
    expect(withNumber, 'a demo resident with a registered My Number').not.toBeNull();
    await page.goto(server.url + `/persons/${withNumber}`);
    const jimu = page.getByLabel('利用する事務');
    await expect.poll(() => jimu.locator('option').count()).toBeGreaterThan(1);
    await jimu.selectOption({ index: 1 });
    await page.getByLabel('利用目的').fill('資格取得・喪失の届出確認');
    await page.getByRole('button', { name: '個人番号を表示' }).click();
    const value = page.getByTestId('mynumber-value');
    const stepUp = stepUpCode(page);
    await expect.poll(async () => (await stepUp.count()) > 0 || /\d{4} \d{4} \d{4}/.test(await value.innerText())).toBe(true);
    if ((await stepUp.count()) > 0) {
      await stepUp.fill(await freshTotp(kakari));
      await page.getByRole('button', { name: '確認して表示' }).click();
    }
    await expect.poll(() => value.innerText()).toMatch(/\d{4} \d{4} \d{4}/);
    await page.getByRole('button', { name: '個人番号を隠す' }).click();
    await expect.poll(() => value.innerText()).not.toMatch(/\d{4}/);
  });

  it('logout returns to the login page and Back does not show personal data', async () => {
    await page.goto(server.url + `/households/${sample.householdNo}`);
    await page.getByTestId('members').waitFor();
    const api = await apiGet<unknown>(page, `/api/households/${sample.householdNo}`);
    expect(api.headers['cache-control']).toContain('no-store');
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
    const text = await page.locator('body').innerText();
    expect(text).not.toContain(sample.nameKanji);
    expect(await page.getByTestId('members').count()).toBe(0);
    // A fresh load of a data page after logout shows the login page too.
    const res = await page.goto(server.url + `/households/${sample.householdNo}`);
    expect(res?.headers()['cache-control']).toContain('no-store');
    await page.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
    expect(await page.locator('body').innerText()).not.toContain(sample.nameKanji);
    const after = await apiGet<unknown>(page, `/api/households/${sample.householdNo}`);
    expect(after.status).toBe(401);
  });
});

describe('own password', () => {
  it('changes the password on the security page: a wrong current password is named next to its field, then the new one works', async () => {
    const nozei = demoLogin(server.demoLogins, 'nozei01');
    const { context, page, watch } = await newPage(browser);
    try {
      await uiLogin(page, server.url, nozei);
      await page.getByRole('link', { name: 'セキュリティキー登録' }).click();
      await page.getByRole('heading', { name: 'パスワードの変更' }).waitFor();
      await page.getByLabel('現在のパスワード').fill('not-the-password');
      await page.getByLabel('新しいパスワード').fill('Nozei-Atarashii-2027');
      await page.getByRole('button', { name: 'パスワードを変更' }).click();
      await expect.poll(() => page.locator('#current-password-error').innerText()).toContain('正しくありません');
      expect(await page.getByLabel('現在のパスワード').inputValue()).toBe('');
      await page.getByLabel('現在のパスワード').fill(nozei.password);
      await page.getByLabel('新しいパスワード').fill('Nozei-Atarashii-2027');
      await page.getByRole('button', { name: 'パスワードを変更' }).click();
      await page.getByText('パスワードを変更しました。').waitFor();
      const r = await fetch(server.url + '/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ staffId: 'nozei01', password: 'Nozei-Atarashii-2027' }) });
      expect(r.status).toBe(200);
      expect(watch.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('audit screen', () => {
  it('is offered only to auditors and lists audit events', async () => {
    const kansa = demoLogin(server.demoLogins, 'kansa01');
    const { context, page, watch } = await newPage(browser);
    try {
      await uiLogin(page, server.url, kansa);
      const nav = page.getByRole('navigation', { name: 'メインメニュー' });
      expect(await nav.getByRole('link').allInnerTexts()).toEqual(['監査', 'セキュリティキー登録']);
      expect(new URL(page.url()).pathname).toBe('/audit');
      await page.getByRole('heading', { level: 1, name: '監査ログ照会' }).waitFor();
      await page.getByLabel('職員ID').fill('kakari01');
      await page.getByRole('button', { name: '検索', exact: true }).click();
      const count = page.getByTestId('audit-count');
      await expect.poll(() => count.innerText()).toMatch(/該当 [\d,]+ 件/);
      const actors = await page.getByTestId('audit-events').locator('tbody tr td:nth-child(3)').allInnerTexts();
      expect(actors.length).toBeGreaterThan(0);
      expect(new Set(actors)).toEqual(new Set(['係長 花子(kakari01)'])); // staff shown by name, with the ID
      expect(await page.getByRole('link', { name: 'この条件でCSV出力' }).getAttribute('href')).toContain('/api/audit/report?staffId=kakari01');
      expect(watch.cspViolations).toEqual([]);
      expect(watch.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
