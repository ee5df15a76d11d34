/**
 * Work across staff members, end to end against the real server (in-process, in-memory PGlite, demo
 * city): 個人番号 entry by a 担当者 and its confirmation by a second person (入力者以外の者による確認),
 * the reveal after a step-up, self-approval refused, and user administration by admin01 with the
 * second administrator admin02 approving (four-eyes; the activation code shown once to the approver).
 *
 * The tests of this file run in order and share the demo staff's browser sessions (one login each).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import {
  answerStepUp,
  apiGet,
  inlineCode,
  lapseStepUp,
  loggedInPage,
  menuItems,
  setUpServerAndBrowser,
  todayJst,
  unlabelledControls,
  type DemoLogin,
  type TestPage,
} from './support/real-server.js';
import { fakeMyNumber } from '../../src/lib/mynumber.js';
import { formatWareki } from '../../src/lib/wareki.js';
import type { EligibilityVersion as Version, PersonSummary as Row } from '../../web/src/api.js';

type Session = TestPage & { login: DemoLogin };

const STAFF = ['kokuho01', 'kakari01', 'shisho01', 'nozei01', 'kansa01', 'admin01', 'admin02'] as const;

let server: RunningServer;
let browser: Browser;
const s = {} as Record<(typeof STAFF)[number], Session>;
const extra: TestPage[] = [];

/** Residents: Y (number deleted, then registered again), W (a correction rejected), Z (self-approval). */
let Y: Row;
let W: Row;
let Z: Row;
/** Clearly fake but valid numbers (check digit per 省令第5条; the '99' prefix marks test numbers). */
const NEW_Y = fakeMyNumber(987_650_001);
const NEW_W = fakeMyNumber(987_650_002);

/** The day (JST) this file started: a run may cross midnight, so "since" and "entered on" checks use it too. */
const STARTED_ON = todayJst();
/** A time written during this run reads as the day it started or the day it is now. */
const thisRun = (text: string) => [STARTED_ON, todayJst()].some((d) => text.includes(formatWareki(d)));

setUpServerAndBrowser((running) => ({ server, browser } = running));

beforeAll(async () => {
  for (const id of STAFF) s[id] = await loggedInPage(browser, server, id);
  const found = await apiGet<{ items: Row[] }>(s.kakari01.page, `/api/persons?kana=${encodeURIComponent('カ')}&pageSize=20`);
  const residents = found.body.items.filter((r) => r.residentStatus === 'resident');
  expect(residents.length).toBeGreaterThanOrEqual(3);
  [Y, W, Z] = residents as [Row, Row, Row];
}, 180_000);

afterAll(async () => {
  for (const p of [...Object.values(s), ...extra]) {
    expect(p.watch.cspViolations).toEqual([]);
    expect(p.watch.errors).toEqual([]);
    await p.context.close();
  }
});


function fullWidth(digits: string): string {
  return digits.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
}

function grouped(n: string): string {
  return n.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** The number (in any of the forms it could be shown in) appears nowhere on the page or in its history entry. */
async function expectNumberNowhere(page: Page, n: string): Promise<void> {
  const text = await page.locator('body').innerText();
  for (const form of [n, grouped(n), fullWidth(n), n.slice(0, 8)]) expect(text).not.toContain(form);
  expect(page.url()).not.toContain(n.slice(0, 8));
  expect(JSON.stringify(await page.evaluate(() => window.history.state))).not.toContain(n.slice(0, 8));
  const values = await page.locator('input').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  for (const v of values) expect(v.replace(/\D/g, '')).not.toContain(n.slice(0, 8));
}

async function openMenu(page: Page, label: string, heading: string | RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function openPerson(page: Page, atenaNo: number): Promise<Locator> {
  await page.goto(server.url + `/persons/${atenaNo}`);
  const section = page.getByRole('region', { name: '個人番号' });
  await section.waitFor();
  await section.getByTestId('mynumber-status').waitFor();
  return section;
}

/** The 変更番号 in 「承認待ちとして登録しました(変更番号 N)」. */
async function acceptedChangeId(section: Locator): Promise<number> {
  const notice = section.getByText(/承認待ちとして登録しました\(変更番号 \d+\)/);
  await notice.waitFor();
  return Number(/変更番号 (\d+)/.exec(await notice.innerText())![1]);
}

function noteField(c: Locator): Locator {
  return c.getByLabel('備考（却下する場合は理由を入力）');
}

function card(page: Page, changeId: number): Locator {
  return page.locator(`[data-testid="change"][data-change-id="${changeId}"]`);
}

/** The confirmation 「承認」 opens (nothing is sent before 「承認して反映する」). */
function approveDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: /を承認して反映しますか$/ });
}

/** 「承認」 on a card, then 「承認して反映する」 in its confirmation; returns the dialog as it was shown. */
async function approve(page: Page, c: Locator): Promise<string> {
  await c.getByRole('button', { name: '承認', exact: true }).click();
  const dialog = approveDialog(page);
  await dialog.waitFor();
  const shown = await dialog.innerText();
  await dialog.getByRole('button', { name: '承認して反映する' }).click();
  await expect.poll(() => dialog.count()).toBe(0);
  return shown;
}

function myRequest(page: Page, changeId: number): Locator {
  return page.locator(`[data-testid="my-request"][data-change-id="${changeId}"]`);
}

describe('menus and screens follow each role', () => {
  it('shows each demo user only the menus their permissions allow', async () => {
    const expected: Record<(typeof STAFF)[number], { menus: string[]; home: string }> = {
      kokuho01: { menus: ['検索', '作業項目', '申請状況', '本算定の確認', 'セキュリティキー登録'], home: '/search' },
      kakari01: { menus: ['検索', '作業項目', '承認', '申請状況', '本算定の確認', 'セキュリティキー登録'], home: '/search' },
      shisho01: { menus: ['検索', 'セキュリティキー登録'], home: '/search' },
      nozei01: { menus: ['検索', 'セキュリティキー登録'], home: '/search' },
      kansa01: { menus: ['監査', 'セキュリティキー登録'], home: '/audit' },
      admin01: { menus: ['承認', '申請状況', '利用者管理', 'セキュリティキー登録'], home: '/approvals' },
      admin02: { menus: ['承認', '申請状況', '利用者管理', 'セキュリティキー登録'], home: '/approvals' },
    };
    for (const id of STAFF) {
      expect(await menuItems(s[id].page), id).toEqual(expected[id].menus);
      expect(new URL(s[id].page.url()).pathname, id).toBe(expected[id].home);
    }
    // A screen reached by URL without the permission says so (and the API refuses too).
    const { page } = s.kokuho01;
    for (const path of ['/approvals', '/admin']) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { level: 1, name: '権限がありません' }).waitFor();
    }
    expect((await apiGet(page, '/api/approvals')).status).toBe(403);
    await s.admin01.page.goto(server.url + '/search');
    await s.admin01.page.getByRole('heading', { level: 1, name: '権限がありません' }).waitFor();
    expect((await apiGet(s.admin01.page, '/api/persons?kana=%E3%82%AB')).status).toBe(403);
    // Without mynumber.read the person page offers no reveal; without mynumber.write, no entry forms.
    const section = await openPerson(page, W.atenaNo);
    await section.getByRole('button', { name: '訂正を申請' }).waitFor();
    expect(await section.getByRole('button', { name: '個人番号を表示' }).count()).toBe(0);
    const shisho = s.shisho01.page;
    await shisho.goto(server.url + `/persons/${W.atenaNo}`);
    await shisho.getByRole('heading', { level: 2, name: '基本情報' }).waitFor();
    expect(await shisho.getByRole('region', { name: '個人番号' }).count()).toBe(0);
  });
});

describe('個人番号: entry, four-eyes confirmation and reveal', () => {
  let correctW: number;
  let deleteY: number;
  let registerY: number;

  it('kokuho01 asks to correct one number and to delete another (with a step-up); the typed number is never shown back', async () => {
    const { page, login } = s.kokuho01;
    let section = await openPerson(page, W.atenaNo);
    expect(await section.getByTestId('mynumber-status').innerText()).toContain('登録済み');
    await section.getByRole('heading', { name: '個人番号の訂正' }).waitFor();
    const input = section.getByLabel('訂正後の個人番号（12桁）');
    const submit = section.getByRole('button', { name: '訂正を申請' });
    // 事務: the only one allowed to change a stored number is preselected.
    expect(await section.getByLabel('訂正の事務').inputValue()).toBe('nhi.eligibility');
    await input.fill('1234');
    await submit.click();
    await expect.poll(() => section.locator('#mynumber-new-error').innerText()).toContain('12桁の数字で入力してください');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    const badCheck = NEW_W.slice(0, 11) + String((Number(NEW_W[11]) + 1) % 10);
    await input.fill(badCheck);
    await submit.click();
    await expect.poll(() => section.locator('#mynumber-new-error').innerText()).toContain('検査用数字');
    // Full-width digits with spaces, as copied from a form, are accepted.
    await input.fill(fullWidth(grouped(NEW_W)));
    await submit.click();
    correctW = await acceptedChangeId(section);
    // The change waits; the form is gone (one change at a time) and the number is nowhere on the page.
    const pending = section.getByTestId('mynumber-pending');
    await pending.waitFor();
    expect(await pending.innerText()).toContain('個人番号の訂正');
    expect(await pending.innerText()).toContain('kokuho01');
    expect(await section.getByLabel('訂正後の個人番号（12桁）').count()).toBe(0);
    await expectNumberNowhere(page, NEW_W);

    section = await openPerson(page, Y.atenaNo);
    await section.getByText('個人番号の削除を申請する').click();
    const reason = section.getByLabel('削除の理由');
    await reason.waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await inlineCode(page)).toEqual({ scripts: 0, styleAttrs: 0, styleTags: 0 });
    await section.getByRole('button', { name: '削除を申請' }).click();
    await expect.poll(() => section.locator('#mynumber-delete-reason-error').innerText()).toContain('削除の理由を入力してください');
    await reason.fill('住民票の記載誤りによる削除(テスト)');
    await section.getByRole('button', { name: '削除を申請' }).click();
    // The server asks for a step-up before a deletion request; the page asks for the code and retries.
    await section.getByText('個人番号の削除を申請するには、本人確認のため').waitFor();
    await answerStepUp(page, login, '確認して申請');
    deleteY = await acceptedChangeId(section);
    expect(await section.getByTestId('mynumber-pending').innerText()).toContain('個人番号の削除');
  });

  it('kakari01 rejects a change only with a reason, and approves a deletion after a step-up', async () => {
    const { page, login } = s.kakari01;
    await openMenu(page, '承認', /^承認/);
    const c = card(page, correctW);
    await c.waitFor();
    const text = await c.innerText();
    expect(text).toContain('個人番号の訂正');
    expect(text).toContain(`宛名番号 ${W.atenaNo}`);
    expect(text).toContain('kokuho01');
    // 入力日時 in 和暦.
    expect(thisRun(await c.locator('time').first().innerText())).toBe(true);
    // Before and after as the server gives them: masked, the last four digits only.
    const diff = c.getByTestId('change-diff').locator('tbody tr').first();
    const cells = await diff.locator('td').allInnerTexts();
    expect(cells[0]).toMatch(/^\*{8}\d{4}$/);
    expect(cells[1]).toBe(`********${NEW_W.slice(-4)}`);
    expect(await page.locator('main').innerText()).not.toMatch(/\d{12}/);
    await expectNumberNowhere(page, NEW_W);

    // Keyboard focus is visible on the card's controls.
    await noteField(c).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('承認');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    // 差戻し needs a reason, shown next to the field.
    await c.getByRole('button', { name: '差戻し（却下）' }).click();
    const note = c.getByLabel('備考（却下する場合は理由を入力）');
    await expect.poll(() => c.locator(`#change-${correctW}-note-error`).innerText()).toContain('却下の理由を入力してください');
    expect(await note.getAttribute('aria-invalid')).toBe('true');
    await note.fill('本人確認書類の番号と一致しないため');
    await c.getByRole('button', { name: '差戻し（却下）' }).click();
    await page.getByText(`変更番号 ${correctW} を却下しました。`).waitFor();
    await expect.poll(() => card(page, correctW).count()).toBe(0);

    // Approving a deletion needs a step-up of the approver too.
    const d = card(page, deleteY);
    expect(await d.innerText()).toContain('この変更の承認には本人確認（ワンタイムパスワード）が必要です');
    expect(await d.innerText()).toContain('住民票の記載誤りによる削除(テスト)');
    expect(await d.getByTestId('change-diff').locator('tbody td').nth(1).innerText()).toBe('（削除）');
    const confirmed = await approve(page, d);
    expect(confirmed).toContain('続けて本人確認（ワンタイムパスワード）が必要です');
    await d.getByText('この変更を承認するには、本人確認のため').waitFor();
    await answerStepUp(page, login, '確認して実行');
    await page.getByText(`変更番号 ${deleteY} を承認し、反映しました。`).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await inlineCode(page)).toEqual({ scripts: 0, styleAttrs: 0, styleTags: 0 });

    // Decided changes can be listed, with who decided and why.
    await page.getByLabel('状態').selectOption('rejected');
    await page.getByRole('button', { name: '表示', exact: true }).click();
    const rejected = card(page, correctW);
    await rejected.waitFor();
    expect(await rejected.innerText()).toContain('却下');
    expect(await rejected.innerText()).toContain('kakari01');
    expect(await rejected.innerText()).toContain('本人確認書類の番号と一致しないため');
    expect(await rejected.getByRole('button', { name: '承認', exact: true }).count()).toBe(0);

    // The number of Y is gone.
    const section = await openPerson(page, Y.atenaNo);
    await section.getByText('個人番号は登録されていません').waitFor();
    expect(await section.getByTestId('mynumber-status').innerText()).toContain('未登録');
    expect(await section.getByRole('button', { name: '個人番号を表示' }).count()).toBe(0);
  });

  it('kokuho01 registers a number; kakari01 approves it in 承認 and, after a step-up, is shown that number', async () => {
    const kokuho = s.kokuho01;
    let section = await openPerson(kokuho.page, Y.atenaNo);
    await section.getByRole('heading', { name: '個人番号の登録' }).waitFor();
    expect(await section.getByLabel('登録の事務').inputValue()).toBe('nhi.eligibility');
    const input = section.getByLabel('個人番号（12桁）');
    await input.fill(fullWidth(grouped(NEW_Y)));
    await section.getByRole('button', { name: '登録を申請' }).click();
    registerY = await acceptedChangeId(section);
    expect(await section.getByTestId('mynumber-pending').innerText()).toContain('個人番号の登録');
    await expectNumberNowhere(kokuho.page, NEW_Y);

    const { page, login, context } = s.kakari01;
    await openMenu(page, '承認', /^承認/);
    const c = card(page, registerY);
    await c.waitFor();
    expect(await c.innerText()).toContain('個人番号の登録');
    const cells = await c.getByTestId('change-diff').locator('tbody td').allInnerTexts();
    expect(cells).toEqual(['（なし）', `********${NEW_Y.slice(-4)}`]);
    // The person is one click away.
    expect(await c.getByRole('link', { name: `宛名番号 ${Y.atenaNo}` }).getAttribute('href')).toBe(`/persons/${Y.atenaNo}`);
    await approve(page, c);
    await page.getByText(`変更番号 ${registerY} を承認し、反映しました。`).waitFor();

    // Minutes later (the step-up of the deletion approval has lapsed), kakari01 looks the number up.
    await lapseStepUp(server, context);
    section = await openPerson(page, Y.atenaNo);
    expect(await section.getByTestId('mynumber-status').innerText()).toContain('登録済み');
    await section.getByLabel('利用する事務').selectOption('nhi.eligibility');
    await section.getByLabel('利用目的').fill('資格取得・喪失の届出確認');
    await section.getByRole('button', { name: '個人番号を表示' }).click();
    await answerStepUp(page, login, '確認して表示');
    await expect.poll(() => section.getByTestId('mynumber-value').innerText()).toContain(grouped(NEW_Y));
    await section.getByRole('button', { name: '個人番号を隠す' }).click();
    await expect.poll(() => section.getByTestId('mynumber-value').innerText()).not.toMatch(/\d{4}/);
    // The approval is now on kokuho01's page too: registered, nothing pending.
    section = await openPerson(kokuho.page, Y.atenaNo);
    expect(await section.getByTestId('mynumber-status').innerText()).toContain('登録済み');
    expect(await section.getByTestId('mynumber-pending').count()).toBe(0);
  });

  it('the requester cannot approve their own change: the page says so and shows the server\'s refusal; warnings stand out', async () => {
    const { page } = s.kakari01;
    // kakari01 may enter changes too: the number just registered for Y, for Z (a 関連性チェック warning).
    const section = await openPerson(page, Z.atenaNo);
    await section.getByLabel('訂正後の個人番号（12桁）').fill(NEW_Y);
    await section.getByRole('button', { name: '訂正を申請' }).click();
    const own = await acceptedChangeId(section);
    // The requester is told too (without the other person's number).
    expect(await section.innerText()).toContain('同じ個人番号が別の住民に登録');

    await openMenu(page, '承認', /^承認/);
    const c = card(page, own);
    await c.waitFor();
    expect(await c.getByTestId('own-request').innerText()).toContain('入力者本人は承認・却下できません');
    const warnings = c.getByTestId('change-warnings');
    expect(await warnings.getAttribute('class')).toContain('alert--warning');
    expect(await warnings.innerText()).toContain('関連性・整合性チェック');
    expect(await warnings.innerText()).toContain(`宛名番号 ${Y.atenaNo}`);
    await approve(page, c);
    await expect.poll(() => c.getByRole('alert').innerText()).toContain('自分が入力した変更は承認・却下できません');
    expect(await c.innerText()).toContain('承認待ち');
    await c.getByLabel('備考（却下する場合は理由を入力）').fill('取り下げ');
    await c.getByRole('button', { name: '差戻し（却下）' }).click();
    await expect.poll(() => c.getByRole('alert').innerText()).toContain('自分が入力した変更は承認・却下できません');
    expect(await card(page, own).count()).toBe(1);
  });

  it('kokuho01 sees in 申請状況 that the correction was rejected, why and by whom (by name, dates in 和暦), and withdraws a change nobody has decided', async () => {
    const { page } = s.kokuho01;
    await openMenu(page, '申請状況', /^申請状況/);
    const nav = page.getByRole('navigation', { name: 'メインメニュー' });
    expect(await nav.getByRole('link', { name: '申請状況' }).getAttribute('aria-current')).toBe('page');
    // Nothing of kokuho01's waits now (the deletion and the registration were approved, the correction rejected).
    expect(await page.getByTestId('my-requests-empty').innerText()).toBe('承認待ちの申請はありません。');

    await page.getByLabel('状態').selectOption('rejected');
    await page.getByRole('button', { name: '表示', exact: true }).click();
    const c = myRequest(page, correctW);
    await c.waitFor();
    expect(await c.getByRole('heading').innerText()).toContain('個人番号の訂正');
    expect(await c.getByRole('heading').innerText()).toContain('却下');
    const rejection = c.getByTestId('rejection');
    expect(await rejection.getAttribute('class')).toContain('alert--error');
    expect(await rejection.innerText()).toContain('この申請は却下されました');
    expect(await c.getByTestId('rejection-reason').innerText()).toBe('本人確認書類の番号と一致しないため');
    // The approver by name, not a bare id; the requester too.
    expect(await c.getByTestId('rejected-by').innerText()).toBe('係長 花子(kakari01)');
    expect(await c.innerText()).toContain('国保 太郎(kokuho01)');
    expect(await c.innerText()).not.toContain('staff:');
    // 入力日時 and 却下日時 in 和暦, the 西暦 in the title.
    const times = await c.locator('time').allInnerTexts();
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (const t of times) expect(thisRun(t)).toBe(true);
    expect(await c.getByTestId('requested-at').locator('time').getAttribute('title')).toMatch(/^\d{4}年/);
    // What was asked for, masked as on the 承認 page; the typed number is nowhere.
    expect(await c.getByTestId('change-diff').locator('tbody td').nth(1).innerText()).toBe(`********${NEW_W.slice(-4)}`);
    await expectNumberNowhere(page, NEW_W);
    expect(await c.getByRole('button', { name: '取り下げる' }).count()).toBe(0);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await inlineCode(page)).toEqual({ scripts: 0, styleAttrs: 0, styleTags: 0 });
    await page.screenshot({ path: '/tmp/requests-shots/my-requests-rejected.png', fullPage: true });

    // Entered again, then withdrawn before anyone decides it.
    const section = await openPerson(page, W.atenaNo);
    await section.getByLabel('訂正後の個人番号（12桁）').fill(NEW_W);
    await section.getByRole('button', { name: '訂正を申請' }).click();
    const again = await acceptedChangeId(section);
    await openMenu(page, '申請状況', /^申請状況/);
    const p = myRequest(page, again);
    await p.waitFor();
    expect(await p.innerText()).toContain('承認待ち');
    await p.getByLabel('取下げの理由（任意）').fill('本人から訂正の申出を取り下げる旨の連絡あり(テスト)');
    await p.getByRole('button', { name: '取り下げる' }).click();
    const dialog = page.getByRole('dialog', { name: `変更番号 ${again}（個人番号の訂正）を取り下げますか` });
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('キャンセル');
    expect(await dialog.innerText()).toContain(`宛名番号 ${W.atenaNo}`);
    expect(await dialog.innerText()).toContain('本人から訂正の申出を取り下げる旨の連絡あり(テスト)');
    await page.screenshot({ path: '/tmp/requests-shots/withdraw-confirm.png' });
    await page.keyboard.press('Enter'); // on キャンセル: nothing happens
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await p.innerText()).toContain('承認待ち');
    await p.getByRole('button', { name: '取り下げる' }).click();
    await dialog.getByRole('button', { name: '取り下げる' }).click();
    await page.getByText(`変更番号 ${again} を取り下げました。`).waitFor();
    await expect.poll(() => myRequest(page, again).count()).toBe(0);
    await page.getByLabel('状態').selectOption('withdrawn');
    await page.getByRole('button', { name: '表示', exact: true }).click();
    const w = myRequest(page, again);
    await w.waitFor();
    expect(await w.getByRole('heading').innerText()).toContain('取下げ');
    expect(await w.innerText()).toContain('本人から訂正の申出を取り下げる旨の連絡あり(テスト)');

    // The approver no longer sees it, and the person's page offers the correction form again.
    await openMenu(s.kakari01.page, '承認', /^承認/);
    await s.kakari01.page.getByRole('heading', { name: /承認待ちの変更/ }).waitFor();
    expect(await card(s.kakari01.page, again).count()).toBe(0);
    const after = await openPerson(page, W.atenaNo);
    await after.getByLabel('訂正後の個人番号（12桁）').waitFor();
    expect(await after.getByTestId('mynumber-pending').count()).toBe(0);
  });
});

describe('国保資格: a loss request, its confirmation, and the record it leaves', () => {
  it('kokuho01 asks for a 資格喪失 (rule errors shown next to the field); kakari01 approves it; the period ends', async () => {
    const kokuho = s.kokuho01;
    // An insured resident with an open period and nothing waiting.
    let who: { atenaNo: number; period: Version } | null = null;
    const found = await apiGet<{ items: Row[] }>(kokuho.page, `/api/persons?kana=${encodeURIComponent('サ')}&pageSize=20`);
    for (const r of found.body.items.filter((x) => x.residentStatus === 'resident')) {
      const e = await apiGet<{ current: Version[]; pending: unknown[] }>(kokuho.page, `/api/persons/${r.atenaNo}/eligibility`);
      const open = e.body.current.find((v) => v.lostOn === null && v.acquiredOn < todayJst());
      if (open && e.body.pending.length === 0) {
        who = { atenaNo: r.atenaNo, period: open };
        break;
      }
    }
    expect(who, 'an insured resident').not.toBeNull();
    const { atenaNo, period } = who!;
    await kokuho.page.goto(server.url + `/persons/${atenaNo}`);
    const section = kokuho.page.getByTestId('eligibility');
    const current = section.getByTestId('eligibility-current');
    await current.waitFor();
    const row = current.locator(`tr[data-eligibility-id="${period.eligibilityId}"]`);
    expect(await row.innerText()).toContain(`${period.insuredSymbol} ${period.insuredNumber}-${period.branchNo}`);
    expect(await row.locator('time').first().innerText()).toBe(formatWareki(period.acquiredOn));
    expect(await section.getByTestId('eligibility-status').innerText()).toContain('国保加入中');

    const form = section.getByTestId(`eligibility-request-${period.eligibilityId}`);
    await form.locator('summary').click();
    await form.getByLabel('申請の種類').selectOption('loss');
    expect(await unlabelledControls(kokuho.page)).toEqual([]);
    // A 喪失日 before the 取得日 passes the page and is refused by the server's rules, next to the field.
    const before = new Date(Date.parse(period.acquiredOn) - 86_400_000).toISOString().slice(0, 10);
    await form.getByLabel('資格喪失日').fill(before);
    await form.getByLabel('資格喪失事由').selectOption('joined_employee_insurance');
    expect(await form.getByLabel('資格喪失事由').getAttribute('aria-describedby')).toContain('hint');
    await form.getByRole('button', { name: '申請', exact: true }).click();
    const lostOnError = kokuho.page.locator(`#elig-${period.eligibilityId}-lostOn-error`);
    await expect.poll(() => lostOnError.innerText()).toContain('資格取得日');
    expect(await form.getByLabel('資格喪失日').getAttribute('aria-invalid')).toBe('true');
    // Today, in 和暦 as staff type it.
    const today = todayJst();
    await form.getByLabel('資格喪失日').fill(formatWareki(today));
    await form.getByRole('button', { name: '申請', exact: true }).click();
    const notice = section.getByText(/承認待ちとして登録しました\(変更番号 \d+\)/);
    await notice.waitFor();
    const changeId = Number(/変更番号 (\d+)/.exec(await notice.innerText())![1]);
    const pending = section.getByTestId('eligibility-pending');
    await pending.waitFor();
    expect(await pending.innerText()).toContain('資格喪失');
    expect(await pending.innerText()).toContain(formatWareki(today));

    const { page } = s.kakari01;
    await openMenu(page, '承認', /^承認/);
    const c = card(page, changeId);
    await c.waitFor();
    expect(await c.innerText()).toContain('資格喪失');
    // Dates in the before/after table are shown in 和暦 too.
    expect(await c.getByTestId('change-diff').innerText()).toContain(formatWareki(today));
    // 「承認」 asks first, repeating what will change; the safe choice has the focus and Esc sends nothing.
    await c.getByRole('button', { name: '承認', exact: true }).click();
    const dialog = approveDialog(page);
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('キャンセル');
    expect(await dialog.getByRole('heading').innerText()).toBe(`変更番号 ${changeId}（資格喪失）を承認して反映しますか`);
    expect(await dialog.innerText()).toContain(`宛名番号 ${atenaNo}`);
    expect(await dialog.getByTestId('approve-confirm-diff').innerText()).toContain(formatWareki(today));
    expect(await dialog.getByTestId('approve-confirm-diff').innerText()).toContain('社保加入');
    expect(await dialog.innerText()).toContain('国保 太郎');
    expect(await unlabelledControls(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/requests-shots/approve-confirm.png', fullPage: false });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('承認');
    expect(await c.innerText()).toContain('承認待ち');
    // Confirmed with the keyboard: Shift+Tab from キャンセル to 「承認して反映する」, Enter.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('承認して反映する');
    await page.keyboard.press('Enter');
    await page.getByText(`変更番号 ${changeId} を承認し、反映しました。`).waitFor();

    await kokuho.page.reload();
    await current.waitFor();
    const ended = await current.locator('tbody tr').allInnerTexts();
    expect(ended.some((t) => t.includes(formatWareki(today)) && t.includes('社保加入') && t.includes(`変更番号 ${changeId}`))).toBe(true);
    expect(await section.getByText(/置き換えられた記録（\d+件）/).count()).toBe(1);
  });
});

describe('利用者管理 (admin01 requests, admin02 approves)', () => {
  const NEW_STAFF = { staffId: 'rinji01', displayName: '臨時 五郎' };
  let firstCode = '';

  function row(page: Page, staffId: string): Locator {
    return page.getByTestId('staff-list').locator(`tr[data-staff-id="${staffId}"]`);
  }

  /** 「管理」 of one row (its accessible name also carries the 職員ID: 「管理 （nozei01）」). */
  function manage(page: Page, staffId: string): Locator {
    return row(page, staffId).getByRole('button', { name: new RegExp(`^管理\\s*（${staffId}）$`) });
  }

  /** admin02 approves the pending change about a staff account on the 承認 page (with a step-up). */
  async function approveAsSecondAdmin(kindLabel: string, staffId: string): Promise<Locator> {
    const { page, login, context } = s.admin02;
    await lapseStepUp(server, context);
    await openMenu(page, '承認', '承認（入力者以外の者による確認）');
    const c = page.getByTestId('change').filter({ hasText: kindLabel }).filter({ hasText: staffId });
    await c.waitFor();
    expect(await c.innerText()).toContain('入力者');
    expect(await approve(page, c)).toContain(staffId);
    await answerStepUp(page, login, '確認して実行');
    return page.getByTestId('activation-once');
  }

  it('registering an account is a request: admin02 approves it and alone sees the one-time activation code', async () => {
    const { page, login } = s.admin01;
    await openMenu(page, '利用者管理', '利用者管理');
    const kokuho = row(page, 'kokuho01');
    await kokuho.waitFor();
    expect(await kokuho.innerText()).toContain('本庁 国民健康保険課');
    expect(await kokuho.innerText()).toContain('国保課 担当者');
    expect(await kokuho.innerText()).toContain('有効');
    expect(await unlabelledControls(page)).toEqual([]);

    const form = page.locator('form[aria-labelledby="create-staff-heading"]');
    expect(await form.getByLabel('初期パスワード').count()).toBe(0); // nobody chooses a password for someone else
    await form.getByLabel('職員ID').fill(NEW_STAFF.staffId);
    await form.getByLabel('氏名').fill(NEW_STAFF.displayName);
    await form.getByLabel('所属').selectOption('kokuho');
    await form.getByLabel('支所 窓口(照会のみ)').check();
    await form.getByRole('button', { name: '登録を申請' }).click();
    await page.getByText('職員の登録を申請するには、本人確認のため').waitFor();
    await answerStepUp(page, login, '確認して続ける');
    const requested = page.getByTestId('staff-requested');
    await requested.waitFor();
    expect(await requested.innerText()).toMatch(/rinji01 の登録を申請しました（変更番号 \d+）/);
    expect(await requested.innerText()).toContain('別の利用者管理者の承認を待っています');
    await page.screenshot({ path: '/tmp/admin-shots/admin-requested.png', fullPage: true });
    expect(await row(page, NEW_STAFF.staffId).count()).toBe(0); // not before the approval

    // The requester cannot approve; the 国保係長 does not even see account changes.
    await openMenu(page, '承認', '承認（入力者以外の者による確認）');
    const own = page.getByTestId('change').filter({ hasText: NEW_STAFF.staffId });
    await own.getByTestId('own-request').waitFor();
    await openMenu(s.kakari01.page, '承認', '承認（入力者以外の者による確認）');
    await s.kakari01.page.getByRole('heading', { name: /承認待ちの変更/ }).waitFor();
    expect(await s.kakari01.page.locator('main').innerText()).not.toContain('職員の登録');

    const once = await approveAsSecondAdmin('職員の登録', NEW_STAFF.staffId);
    await once.waitFor();
    const text = await once.innerText();
    expect(text).toContain('この画面を閉じると二度と表示されません');
    expect(text).toContain('本人に手渡す');
    expect(text).toContain('封書');
    expect(await s.admin02.page.getByTestId('activation-expires').innerText()).toMatch(/^令和\d+年\d+月\d+日 \d\d:\d\d(:\d\d)?まで$/);
    firstCode = await s.admin02.page.getByTestId('activation-code').innerText();
    expect(firstCode).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
    await s.admin02.page.screenshot({ path: '/tmp/admin-shots/admin-activation-code.png', fullPage: true });
    await s.admin02.page.getByRole('button', { name: '本人に渡す準備ができました（表示を消す）' }).click();
    await expect.poll(() => once.count()).toBe(0);
    expect(await s.admin02.page.locator('body').innerText()).not.toContain(firstCode);

    // The requester's screens never show it; the account waits for its owner's first login.
    await openMenu(page, '利用者管理', '利用者管理');
    await expect.poll(() => row(page, NEW_STAFF.staffId).innerText()).toContain('初回登録待ち');
    expect(await row(page, NEW_STAFF.staffId).innerText()).toContain('支所 窓口(照会のみ)');
    expect(await page.locator('body').innerText()).not.toContain(firstCode);
    await page.screenshot({ path: '/tmp/admin-shots/admin-list.png', fullPage: true });
  });

  it('a role grant waits for the second administrator; revoke is immediate; unlocks a locked account', async () => {
    const { page, login, context } = s.admin01;
    await lapseStepUp(server, context);
    await manage(page, NEW_STAFF.staffId).click();
    const panel = page.getByTestId('staff-panel');
    await panel.waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await panel.getByLabel('付与するロール').selectOption('kokuho_staff');
    await panel.getByRole('button', { name: '付与', exact: true }).click();
    await panel.getByText('ロールの付与を申請するには、本人確認のため').waitFor();
    await answerStepUp(page, login, '確認して続ける');
    await panel.getByText(/rinji01 へのロール「国保課 担当者」の付与を申請しました（変更番号 \d+）/).waitFor();
    expect(await row(page, NEW_STAFF.staffId).innerText()).not.toContain('国保課 担当者');

    const once = await approveAsSecondAdmin('ロールの付与', NEW_STAFF.staffId);
    await s.admin02.page.getByText(/変更番号 \d+ を承認し、反映しました。/).waitFor();
    expect(await once.count()).toBe(0); // a grant hands over no code
    await page.reload();
    await expect.poll(() => row(page, NEW_STAFF.staffId).innerText()).toContain('国保課 担当者');

    await lapseStepUp(server, context); // the grant's step-up is still valid: let it lapse so the revoke asks again
    await manage(page, NEW_STAFF.staffId).click();
    await panel.getByRole('button', { name: /^剥奪\s*（国保課 担当者）$/ }).click();
    await answerStepUp(page, login, '確認して続ける');
    await panel.getByText(`${NEW_STAFF.staffId} からロール「国保課 担当者」を剥奪しました。`).waitFor();
    await expect.poll(() => row(page, NEW_STAFF.staffId).innerText()).not.toContain('国保課 担当者');

    // Five wrong passwords lock an account (a real login attempt each).
    for (let i = 0; i < 5; i++) {
      const r = await fetch(server.url + '/api/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ staffId: 'kansa01', password: 'Wrong-Password-123' }),
      });
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
    await page.reload();
    await expect.poll(() => row(page, 'kansa01').innerText()).toContain('ロック中');
    await manage(page, 'kansa01').click();
    await panel.getByRole('button', { name: 'ロックを解除' }).click();
    await panel.getByText('kansa01 のロックを解除しました。').waitFor();
    await expect.poll(() => row(page, 'kansa01').innerText()).not.toContain('ロック中');
  });

  it('disables a staff member after a confirmation dialog; their open session ends at once', async () => {
    const { page, login, context } = s.admin01;
    const nozei = s.nozei01.page;
    expect(await menuItems(nozei)).toEqual(['検索', 'セキュリティキー登録']);
    await manage(page, 'nozei01').click();
    const panel = page.getByTestId('staff-panel');
    await panel.getByRole('heading', { name: /nozei01/ }).waitFor();
    await panel.getByRole('button', { name: '無効化…' }).click();
    await expect.poll(() => page.locator('#disable-reason-error').innerText()).toContain('無効化の理由を入力してください');
    await panel.getByLabel('無効化の理由').fill('人事異動のため(テスト)');
    await panel.getByRole('button', { name: '無効化…' }).click();
    const dialog = page.getByRole('dialog', { name: '職員 nozei01 を無効化しますか' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('人事異動のため(テスト)');
    // The safe choice has the focus; Esc cancels and nothing happens.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('キャンセル');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await row(page, 'nozei01').innerText()).toContain('有効');

    // The step-up of the revoke above may still hold: let it lapse, so the server always asks here.
    await lapseStepUp(server, context);
    await panel.getByRole('button', { name: '無効化…' }).click();
    await dialog.getByRole('button', { name: '無効化する' }).click();
    await answerStepUp(page, login, '確認して続ける');
    const done = panel.getByText(/nozei01 を無効化しました。利用中のセッション \d+件を終了しました。/);
    await done.waitFor();
    expect(Number(/セッション (\d+)件/.exec(await done.innerText())![1])).toBeGreaterThanOrEqual(1);
    await expect.poll(() => row(page, 'nozei01').innerText()).toContain('無効');

    // nozei01's browser: the very next request finds the session ended.
    await nozei.getByLabel('カナ氏名').fill('カ');
    await nozei.keyboard.press('Enter');
    await expect.poll(() => nozei.getByRole('alert').first().innerText()).toContain('セッションの有効期限が切れました');
    await nozei.getByRole('heading', { level: 1, name: 'ログイン' }).waitFor();
  });

  it('shows the access review since a date, naming who requested and who approved, with a CSV download', async () => {
    const { page } = s.admin01;
    // Every change this file made is on or after the day it started.
    const today = STARTED_ON;
    const since = page.getByLabel('基準日');
    await since.fill(formatWareki(today));
    expect(await page.locator('#review-since-hint').innerText()).toContain(formatWareki(today));
    await page.getByRole('button', { name: '表示', exact: true }).click();
    const summary = page.getByTestId('review-summary');
    await expect.poll(() => summary.innerText()).toContain('以降の変更');
    const changes = await page.getByTestId('review-changes').locator('tbody tr').allInnerTexts();
    const has = (staffId: string, label: string, approver?: RegExp) => changes.some((r) => r.includes(staffId) && r.includes(label) && (!approver || approver.test(r)));
    const byAdmin02 = /admin02|管理 五子/;
    expect(has(NEW_STAFF.staffId, '職員登録', byAdmin02)).toBe(true);
    expect(has(NEW_STAFF.staffId, 'ロール付与', byAdmin02)).toBe(true);
    expect(has(NEW_STAFF.staffId, 'ロール剥奪')).toBe(true);
    expect(has('nozei01', '無効化')).toBe(true);
    const link = page.getByRole('link', { name: 'CSVをダウンロード' });
    const href = await link.getAttribute('href');
    expect(href).toBe(`/api/admin/access-review?since=${today}&format=csv`);
    expect(await link.getAttribute('download')).not.toBeNull();
    const csv = await page.evaluate(async (h) => {
      const r = await fetch(h!, { cache: 'no-store' });
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect(csv.text).toContain('nozei01');
    expect(csv.text).toContain('無効');
    expect(csv.text).toContain('承認者');
    // The criteria stay out of the page URL.
    expect(new URL(page.url()).search).toBe('');
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await inlineCode(page)).toEqual({ scripts: 0, styleAttrs: 0, styleTags: 0 });
  });

  it('re-issuing credentials is a request; on approval admin02 gets a new activation code (no password, no secret on screen)', async () => {
    const { page, login, context } = s.admin01;
    await lapseStepUp(server, context);
    await manage(page, NEW_STAFF.staffId).click();
    const panel = page.getByTestId('staff-panel');
    await panel.waitFor();
    expect(await panel.getByLabel('仮パスワード').count()).toBe(0);
    await panel.getByRole('button', { name: '再発行を申請' }).click();
    await panel.getByText('認証情報の再発行を申請するには、本人確認のため').waitFor();
    await answerStepUp(page, login, '確認して続ける');
    await panel.getByText(/rinji01 の認証情報の再発行を申請しました（変更番号 \d+）/).waitFor();
    expect(await page.locator('body').innerText()).not.toMatch(/otpauth|[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/);

    const once = await approveAsSecondAdmin('認証情報の再発行', NEW_STAFF.staffId);
    await once.waitFor();
    const code = await s.admin02.page.getByTestId('activation-code').innerText();
    expect(code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
    expect(code).not.toBe(firstCode);
    await s.admin02.page.getByRole('button', { name: '本人に渡す準備ができました（表示を消す）' }).click();
    await expect.poll(() => once.count()).toBe(0);
  });
});
