/**
 * A 窓口 flow from the registry to a printed card: the resident registry sends a 転入 (from another
 * prefecture) of a new resident; kokuho01 finds the 資格取得の候補 in 作業項目, opens the person, enters the
 * 資格取得届; kakari01 approves it; kokuho01 issues the 資格確認書 (no マイナ保険証) and prints it. The PDF
 * is read back as the resident would read it: title, name, 記号・番号, 和暦 dates, validity.
 *
 * Set CERTIFICATE_SCREENSHOTS=<dir> to keep screenshots and the PDF.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { loggedInPage, setUpServerAndBrowser, todayJst, type DemoLogin, type TestPage } from './support/real-server.js';
import { operatorActor } from '../../src/security/actor.js';
import { INTAKE_COLUMNS, type IntakeColumn } from '../../src/modules/registry/registry-events.js';
import { addDays } from '../../src/modules/eligibility/eligibility.rules.js';
import { formatWareki } from '../../src/lib/wareki.js';
import { pdfText } from '../../src/testing/pdf-text.js';

let server: RunningServer;
let browser: Browser;
let clerk: TestPage & { login: DemoLogin };
let chief: TestPage & { login: DemoLogin };
const shots = process.env.CERTIFICATE_SCREENSHOTS;

setUpServerAndBrowser((running) => ({ server, browser } = running));

const ATENA = 9900000201;
const HOUSEHOLD = 9900000201;
const movedIn = addDays(todayJst(), -4);

beforeAll(async () => {
  const db = server.deps.database.db;
  const area = await db.selectFrom('address_area').select(['area_code']).orderBy('area_code').limit(1).executeTakeFirstOrThrow();
  const line = (v: Partial<Record<IntakeColumn, string>>) => INTAKE_COLUMNS.map((c) => v[c] ?? '').join(',');
  const file = [
    INTAKE_COLUMNS.join(','),
    line({
      event_id: 'UI-MOVEIN-1', event_code: '11', occurred_on: movedIn, reported_on: addDays(movedIn, 1), atena_no: String(ATENA), household_no: String(HOUSEHOLD), relationship: '世帯主',
      name_kanji: '転入　花子', name_kana: 'テンニュウ　ハナコ', birth_date: '1988-06-21', sex: '2', resident_kind: '1', area_code: area.area_code, banchi: '7-8-9',
      other_address: '東京都新宿区西新宿二丁目8番1号', other_prefecture_code: '13',
    }),
  ].join('\r\n');
  const r = await server.deps.registry.importFile(operatorActor('registry-import', new Set(['registry.intake'])), new TextEncoder().encode(file), { fileName: 'ui-movein.csv' });
  expect(r).toMatchObject({ taken: 1 });
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

describe('転入 → 作業項目 → 資格取得届 → 承認 → 資格確認書', () => {
  it('the clerk finds the 資格取得の候補 and enters the 資格取得届 from the person page', async () => {
    const { page } = clerk;
    await page.getByRole('link', { name: '作業項目' }).click();
    const item = page.getByTestId('work-item').filter({ hasText: '転入　花子' });
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.innerText()).toContain('資格取得の候補');
    await item.getByRole('link', { name: `宛名番号 ${ATENA}` }).click();
    const section = page.getByTestId('eligibility');
    await section.getByText('資格取得を申請する').click();
    await page.getByLabel('資格取得日').fill(formatWareki(movedIn));
    await page.getByLabel('資格取得事由').selectOption('moved_in');
    await page.getByLabel('届出日（任意）').fill(formatWareki(todayJst()));
    await page.getByRole('button', { name: '資格取得を申請' }).click();
    await section.getByText(/承認待ちとして登録しました\(変更番号 \d+\)/).waitFor();
    // No 資格 yet: no certificate can be issued.
    await page.getByTestId('certificates').getByText('証は交付できません').waitFor();
  });

  it('the chief approves it after seeing what changes', async () => {
    const { page } = chief;
    await page.getByRole('link', { name: '承認', exact: true }).click();
    const card = page.getByTestId('change').filter({ hasText: '転入　花子' });
    await expect.poll(() => card.count()).toBe(1);
    await card.getByRole('button', { name: '承認', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /を承認して反映しますか$/ });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: '承認して反映する' }).click();
    await page.getByText(/を承認し、反映しました。/).waitFor();
  });

  it('the clerk issues the 資格確認書 and prints it; the PDF reads as the resident will read it', async () => {
    const { page } = clerk;
    await page.goto(`${server.url}/persons/${ATENA}`);
    const section = page.getByTestId('certificates');
    await section.getByText('利用登録なし(資格確認書を交付)').waitFor();
    expect(await section.getByLabel('種類').inputValue()).toBe('qualification_certificate');
    await section.getByLabel('交付方法').selectOption('mail');
    await section.getByRole('button', { name: '交付する' }).click();
    await section.getByText(/資格確認書を交付しました\(証番号 \d+\)/).waitFor();
    const printLink = section.getByRole('link', { name: '印刷(PDF)' }).first();
    const href = (await printLink.getAttribute('href'))!;
    if (shots) await page.screenshot({ path: `${shots}/certificates-section.png`, fullPage: true });

    const r = await page.request.get(`${server.url}${href}`);
    expect(r.status()).toBe(200);
    expect(r.headers()['content-type']).toBe('application/pdf');
    const bytes = await r.body();
    if (shots) writeFileSync(`${shots}/shikaku-kakuninsho.pdf`, bytes);
    const text = (await pdfText(bytes)).join('').replace(/\s+/g, '');
    for (const s of ['国民健康保険資格確認書', '氏名転入花子', 'フリガナテンニュウハナコ', '生年月日・性別昭和63年6月21日女', `資格取得年月日${formatWareki(movedIn)}`, '世帯主氏名転入花子', '転入花子様', '7-8-9', '有効期限']) {
      expect(text).toContain(s);
    }
    const audit = await server.deps.database.db.selectFrom('audit_event').select(['subjects']).where('action', '=', 'certificate.print').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(audit.subjects.map(Number)).toContain(ATENA);
  });
});
