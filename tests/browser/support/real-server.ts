/** Helpers for browser tests against the real server (src/server.ts) with its demo city. */
import { createHash } from 'node:crypto';
import { authenticator } from 'otplib';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { RunningServer } from '../../../src/server.js';
import type { SessionEndReason } from '../../../src/db/schema.js';
import { launchBrowser, watchPage } from './browser.js';

export interface DemoLogin {
  staffId: string;
  password: string;
  totpSecret: string;
  roles: string[];
}

/**
 * The real server, in-process, on an in-memory PGlite with the demo city (300 residents, fixed seed),
 * even where DATABASE_URL points at a shared database (set BROWSER_TEST_DATABASE_URL to run against
 * PostgreSQL instead). `deps` gives the tests the server's own repositories (e.g. to end a session).
 */
export async function startRealServer(): Promise<RunningServer> {
  const databaseUrl = process.env.BROWSER_TEST_DATABASE_URL;
  delete process.env.DATABASE_URL;
  const { startServer } = await import('../../../src/server.js');
  return startServer({ port: 0, demo: true, demoResidents: 300, demoSeed: 1, logLevel: 'warn', ...(databaseUrl ? { databaseUrl } : {}) });
}

/**
 * For a test file: starts the real server and the browser before its tests (handing them to `started`)
 * and closes both after them. Call it before the file's own hooks: vitest runs afterAll hooks in reverse
 * order, so the file's own clean-up (e.g. closing its browser contexts) still comes first.
 */
export function setUpServerAndBrowser(started: (running: { server: RunningServer; browser: Browser }) => void): void {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startRealServer();
    browser = await launchBrowser();
    started({ server, browser });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
}

const STEP_MS = 30_000;
/** The last time step used per TOTP secret: codes are handed out in strictly increasing steps. */
const lastStep = new Map<string, number>();

/** The drift window the server accepts (auth.service.ts sets it on otplib's shared instance in this process). */
function acceptedWindow(): [number, number] {
  const w = authenticator.allOptions().window;
  if (Array.isArray(w)) return [w[0] ?? 0, w[1] ?? 0];
  return [typeof w === 'number' ? w : 0, typeof w === 'number' ? w : 0];
}

/**
 * A TOTP code never used before by this secret in this run (a server may refuse a replayed code, or any
 * step not after the last one accepted). Within the drift window the server accepts (RFC 6238 §5.2),
 * the next unused step is taken — the previous step only while 5 s or more of the current one remain —
 * so several logins and step-ups in a row do not each wait for a new 30-second step.
 */
export async function freshTotp(login: DemoLogin): Promise<string> {
  for (;;) {
    const now = Date.now();
    const step = Math.floor(now / STEP_MS);
    const [past, future] = acceptedWindow();
    const earliest = step - (now % STEP_MS < STEP_MS - 5_000 ? past : 0);
    const candidate = Math.max(earliest, (lastStep.get(login.totpSecret) ?? -Infinity) + 1);
    if (candidate <= step + future) {
      lastStep.set(login.totpSecret, candidate);
      return authenticator.clone({ epoch: candidate * STEP_MS }).generate(login.totpSecret);
    }
    await new Promise((r) => setTimeout(r, STEP_MS - (now % STEP_MS) + 250));
  }
}

/** A code that is certainly wrong now (none of the steps the server accepts). */
export function wrongTotp(login: DemoLogin): string {
  const step = Math.floor(Date.now() / STEP_MS);
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => authenticator.clone({ epoch: (step + d) * STEP_MS }).generate(login.totpSecret)));
  for (let i = 0; ; i++) {
    const c = String((123_456 + i * 111_111) % 1_000_000).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

export function demoLogin(logins: DemoLogin[], staffId: string): DemoLogin {
  const l = logins.find((x) => x.staffId === staffId);
  if (!l) throw new Error(`demo login ${staffId} not found (have: ${logins.map((x) => x.staffId).join(', ')})`);
  return l;
}

/** ID + password, then the one-time password; resolves once the header shows the logout button. */
export async function uiLogin(page: Page, baseUrl: string, login: DemoLogin): Promise<void> {
  await page.goto(baseUrl + '/');
  await page.getByLabel('職員ID').fill(login.staffId);
  await page.getByLabel('パスワード').fill(login.password);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await page.getByLabel('ワンタイムパスワード').fill(await freshTotp(login));
  await page.getByRole('button', { name: '認証する' }).click();
  await page.getByRole('button', { name: 'ログアウト' }).waitFor();
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  watch: ReturnType<typeof watchPage>;
}

/** A fresh browser context (own cookies) in Japanese, Japan time, with console/CSP watching. */
export async function newPage(browser: Browser): Promise<TestPage> {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  return { context, page, watch: watchPage(page) };
}

/** A fresh context logged in through the UI as `staffId`. */
export async function loggedInPage(browser: Browser, server: RunningServer, staffId: string): Promise<TestPage & { login: DemoLogin }> {
  const login = demoLogin(server.demoLogins, staffId);
  const p = await newPage(browser);
  await uiLogin(p.page, server.url, login);
  return { ...p, login };
}

/** The menu entries the header offers. */
export async function menuItems(page: Page): Promise<string[]> {
  return page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link').allInnerTexts();
}

/**
 * The one-time password field of the step-up prompt (the 本人確認 form). Scoped to that form: other
 * controls have labels that contain the same words (e.g. 「ワンタイムパスワードを再発行する」).
 */
export function stepUpCode(page: Page): Locator {
  return page.getByRole('form', { name: '本人確認' }).getByLabel('ワンタイムパスワード');
}

/** Answers a step-up prompt (the one-time password field) with a fresh code. */
export async function answerStepUp(page: Page, login: DemoLogin, submit: string | RegExp): Promise<void> {
  const code = stepUpCode(page);
  await code.waitFor();
  await code.fill(await freshTotp(login));
  await page.getByRole('button', { name: submit }).click();
}

/**
 * Ends this browser context's session on the server, the way an idle timeout or a revocation does
 * (the session row is closed; the cookie stays in the browser).
 */
export async function endBrowserSession(server: RunningServer, context: BrowserContext, reason: SessionEndReason = 'idle_timeout'): Promise<void> {
  await server.deps.auth.repo.endSession(await sessionHashOf(context), reason);
}

/**
 * Moves this browser session's last step-up back past the step-up window (as if the minutes had passed),
 * so that the next sensitive operation asks for a one-time password again.
 */
export async function lapseStepUp(server: RunningServer, context: BrowserContext): Promise<void> {
  await server.deps.auth.repo.setStepUp(await sessionHashOf(context), new Date(Date.now() - 60 * 60_000));
}

/** The server's key for this context's session: sha256 of the (HttpOnly) session cookie. */
async function sessionHashOf(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name.endsWith('nhi_session'));
  if (!cookie) throw new Error('no session cookie in this browser context');
  return createHash('sha256').update(cookie.value).digest('hex');
}

/** Every form control has an accessible label (JIS X 8341-3 / WCAG 1.3.1, 3.3.2, 4.1.2). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('input, select, textarea'))
      .filter((el) => {
        const e = el as HTMLInputElement;
        if (e.type === 'hidden') return false;
        return (e.labels?.length ?? 0) === 0 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby');
      })
      .map((el) => el.outerHTML),
  );
}

/** No inline script or style anywhere in the live document (the CSP would block them). */
export async function inlineCode(page: Page): Promise<{ scripts: number; styleAttrs: number; styleTags: number }> {
  return page.evaluate(() => ({
    scripts: Array.from(document.scripts).filter((s) => !s.src).length,
    styleAttrs: document.querySelectorAll('[style]').length,
    styleTags: document.querySelectorAll('style').length,
  }));
}

/** GET an API path with the page's session (cookies are HttpOnly, so the page itself asks). */
export async function apiGet<T>(page: Page, path: string): Promise<{ status: number; body: T; headers: Record<string, string> }> {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const text = await r.text();
    const headers: Record<string, string> = {};
    r.headers.forEach((v, k) => (headers[k] = v));
    const parse = (): unknown => {
      try {
        return text ? JSON.parse(text) : null;
      } catch {
        return text;
      }
    };
    return { status: r.status, body: parse() as T, headers };
  }, path);
}

/** ァ-ヶ → ぁ-ゖ (the inverse of the server's hiragana folding). */
export function toHiragana(s: string): string {
  return s.replace(/[\u30A1-\u30F6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

/** Today in Japan as YYYY-MM-DD. */
export function todayJst(): string {
  return new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
}
