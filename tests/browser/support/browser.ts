/** Headless Chromium for the UI tests (Debian's chromium; no browser download). */
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Collects console errors and CSP violations of a page, to assert the UI runs under the strict CSP. */
export function watchPage(page: Page): { errors: string[]; cspViolations: string[] } {
  const errors: string[] = [];
  const cspViolations: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/Content Security Policy/i.test(text)) cspViolations.push(text);
    // 4xx answers are part of the flows under test (wrong password, expired session, ...).
    else if (!/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) errors.push(text);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { errors, cspViolations };
}
