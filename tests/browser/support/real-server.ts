/** Helpers for browser tests against the real server (src/server.ts) with its demo city. */
import { authenticator } from 'otplib';
import type { Page } from 'playwright-core';

export interface DemoLogin {
  staffId: string;
  password: string;
  totpSecret: string;
  roles: string[];
}

const usedCodes = new Map<string, Set<string>>();

/**
 * A TOTP code not yet used by this staff member in this run (a server may refuse a replayed code):
 * waits for the next 30-second step when the current code was already used.
 */
export async function freshTotp(login: DemoLogin): Promise<string> {
  const used = usedCodes.get(login.staffId) ?? new Set<string>();
  usedCodes.set(login.staffId, used);
  for (;;) {
    const code = authenticator.generate(login.totpSecret);
    if (!used.has(code)) {
      used.add(code);
      return code;
    }
    await new Promise((r) => setTimeout(r, (authenticator.timeRemaining() + 1) * 1000));
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

/** GET an API path with the page's session (cookies are HttpOnly, so the page itself asks). */
export async function apiGet<T>(page: Page, path: string): Promise<{ status: number; body: T; headers: Record<string, string> }> {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const text = await r.text();
    const headers: Record<string, string> = {};
    r.headers.forEach((v, k) => (headers[k] = v));
    return { status: r.status, body: (text ? JSON.parse(text) : null) as T, headers };
  }, path);
}

/** ァ-ヶ → ぁ-ゖ (the inverse of the server's hiragana folding). */
export function toHiragana(s: string): string {
  return s.replace(/[\u30A1-\u30F6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}
