/**
 * 初回登録 in the staff UI against the real server: a new account (put into enrolment state directly in
 * the server's database, as the administrator's activation code would) types its code, sets its own
 * password, registers the TOTP secret shown once and confirms it; then it is logged in.
 * Set ENROLMENT_SCREENSHOTS=<dir> to keep a screenshot of each step.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { authenticator } from 'otplib';
import { sql } from 'kysely';
import { newPage, setUpServerAndBrowser, unlabelledControls, type TestPage } from './support/real-server.js';
import type { RunningServer } from '../../src/server.js';
import { activationCodeHash, newActivationCode } from '../../src/modules/access/activation.rules.js';

let server: RunningServer;
let browser: Browser;
setUpServerAndBrowser((running) => ({ server, browser } = running));
const pages: TestPage[] = [];
afterAll(async () => {
  for (const p of pages) await p.context.close();
});

async function enrollingAccount(staffId: string): Promise<string> {
  const code = newActivationCode();
  await server.deps.database.db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', 'test:browser', true)`.execute(tx);
    await tx
      .insertInto('staff')
      .values({ staff_id: staffId, display_name: '新人 六郎', office_code: 'kokuho', password_hash: null, totp_secret_enc: null, activation_code_hash: activationCodeHash(staffId, code), activation_expires_at: new Date(Date.now() + 72 * 3_600_000), updated_by: 'test:browser' })
      .execute();
    await tx.insertInto('staff_role').values({ staff_id: staffId, role_code: 'kokuho_staff', granted_by: 'test:browser' }).execute();
  });
  return code;
}

async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.ENROLMENT_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

describe('初回登録', () => {
  it('activation code → own password → authenticator app (secret and otpauth URI shown) → confirmation code: logged in', async () => {
    const code = await enrollingAccount('shinjin91');
    const p = await newPage(browser);
    pages.push(p);
    const { page, watch } = p;
    await page.goto(server.url + '/');
    await page.getByRole('button', { name: /初めてログインする方/ }).click();

    await page.getByRole('textbox', { name: /^初回登録コード/ }).waitFor();
    expect(await page.getByRole('heading', { name: /初回登録（手順 1 \/ 3：初回登録コード）/ }).count()).toBe(1);
    await page.getByRole('textbox', { name: /^職員ID/ }).fill('shinjin91');
    await page.getByRole('textbox', { name: /^初回登録コード/ }).fill(newActivationCode());
    await page.getByRole('button', { name: '次へ' }).click();
    await expect.poll(() => page.getByRole('alert').first().innerText()).toContain('職員IDまたは初回登録コードが正しくありません');
    await page.getByRole('textbox', { name: /^初回登録コード/ }).fill(code.toLowerCase());
    await shot(page, '1-code');
    await page.getByRole('button', { name: '次へ' }).click();

    await page.locator('#enrol-newPassword2').waitFor();
    await page.locator('#enrol-newPassword').fill('short');
    await page.locator('#enrol-newPassword2').fill('short');
    await page.getByRole('button', { name: '次へ' }).click();
    await expect.poll(() => page.locator('#enrol-newPassword-error, .field-error').first().innerText()).toContain('12文字以上');
    await page.locator('#enrol-newPassword').fill('Shinjin-Browser-2026');
    await page.locator('#enrol-newPassword2').fill('Shinjin-Browser-2026');
    await shot(page, '2-password');
    await page.getByRole('button', { name: '次へ' }).click();

    const secretEl = page.getByTestId('enrol-totp-secret');
    await secretEl.waitFor();
    const secret = (await secretEl.innerText()).replace(/\s/g, '');
    const uri = new URL(await page.getByTestId('enrol-otpauth-uri').innerText());
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(await unlabelledControls(page)).toEqual([]);
    await shot(page, '3-app');
    const good = authenticator.generate(secret);
    await page.getByRole('textbox', { name: /^確認コード/ }).fill(good === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: '登録を完了する' }).click();
    await expect.poll(() => page.getByRole('alert').first().innerText()).toContain('確認コードが正しくありません');
    await page.getByRole('textbox', { name: /^確認コード/ }).fill(good);
    await shot(page, '4-confirm');
    await page.getByRole('button', { name: '登録を完了する' }).click();
    await page.getByRole('button', { name: 'ログアウト' }).waitFor();
    await shot(page, '5-logged-in');

    const row = await server.deps.database.db.selectFrom('staff').select(['activation_code_hash', 'password_hash']).where('staff_id', '=', 'shinjin91').executeTakeFirstOrThrow();
    expect(row.activation_code_hash).toBeNull();
    expect(row.password_hash).not.toBeNull();
    expect(watch.errors).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
  });
});
