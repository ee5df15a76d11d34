/**
 * 作業項目 as a clerk meets them: the resident registry's day file is taken (a death of an insured
 * resident, a birth into an insured household), and kokuho01 opens 「作業項目」: the automatic loss is
 * listed for review and the birth as an acquisition candidate, each with its dates in 和暦 and its
 * legal basis; the clerk closes one as 処理済み and learns that 対象外 needs a reason.
 *
 * Set WORK_ITEM_SCREENSHOTS=<dir> to keep screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { loggedInPage, menuItems, setUpServerAndBrowser, todayJst, unlabelledControls, type DemoLogin, type TestPage } from './support/real-server.js';
import { operatorActor } from '../../src/security/actor.js';
import { INTAKE_COLUMNS, type IntakeColumn } from '../../src/modules/registry/registry-events.js';
import { addDays } from '../../src/modules/eligibility/eligibility.rules.js';
import { formatWareki } from '../../src/lib/wareki.js';

let server: RunningServer;
let browser: Browser;
let clerk: TestPage & { login: DemoLogin };
const shots = process.env.WORK_ITEM_SCREENSHOTS;

setUpServerAndBrowser((running) => ({ server, browser } = running));

/** An insured resident whose household has another insured member (the baby joins it). */
let deceased: { atenaNo: number; name: string; householdNo: number };
let parent: { householdNo: number; areaCode: string };
const deathDay = addDays(todayJst(), -3);
const birthDay = addDays(todayJst(), -2);

beforeAll(async () => {
  const db = server.deps.database.db;
  const rows = await db
    .selectFrom('nhi_eligibility as n')
    .innerJoin('person as p', 'p.atena_no', 'n.atena_no')
    .innerJoin('household_member as m', (j) => j.onRef('m.atena_no', '=', 'n.atena_no').on('m.valid_to', 'is', null))
    .select(['p.atena_no', 'p.name_kanji', 'p.area_code', 'm.household_no'])
    .where('n.superseded_at', 'is', null)
    .where('n.lost_on', 'is', null)
    .where('n.acquired_on', '<', deathDay)
    .where('p.resident_status', '=', 'resident')
    .where('p.dv_support', '=', false)
    .orderBy('p.atena_no')
    .limit(2)
    .execute();
  expect(rows.length).toBe(2);
  deceased = { atenaNo: Number(rows[0]!.atena_no), name: rows[0]!.name_kanji, householdNo: Number(rows[0]!.household_no) };
  parent = { householdNo: Number(rows[1]!.household_no), areaCode: rows[1]!.area_code! };
  const line = (v: Partial<Record<IntakeColumn, string>>) => INTAKE_COLUMNS.map((c) => v[c] ?? '').join(',');
  const file = [
    INTAKE_COLUMNS.join(','),
    line({ event_id: 'UI-DEATH', event_code: '25', occurred_on: deathDay, reported_on: deathDay, atena_no: String(deceased.atenaNo) }),
    line({
      event_id: 'UI-BIRTH', event_code: '14', occurred_on: birthDay, reported_on: todayJst(), atena_no: '9900000001', household_no: String(parent.householdNo), relationship: '子',
      name_kanji: '出生　試験', name_kana: 'シュッセイ　シケン', birth_date: birthDay, sex: '1', resident_kind: '1', area_code: parent.areaCode, banchi: '1-1',
    }),
  ].join('\r\n');
  const r = await server.deps.registry.importFile(operatorActor('registry-import', new Set(['registry.intake'])), new TextEncoder().encode(file), { fileName: 'ui-test.csv' });
  expect(r).toMatchObject({ taken: 2, automatic: 1 });
  clerk = await loggedInPage(browser, server, 'kokuho01');
}, 180_000);

afterAll(async () => {
  if (clerk) {
    expect(clerk.watch.cspViolations).toEqual([]);
    expect(clerk.watch.errors).toEqual([]);
    await clerk.context.close();
  }
});

describe('作業項目', () => {
  it('is in the clerk’s menu and lists what the registry opened, with 和暦 dates and the legal basis', async () => {
    const { page } = clerk;
    expect(await menuItems(page)).toContain('作業項目');
    await page.getByRole('link', { name: '作業項目' }).click();
    await page.getByRole('heading', { name: /未処理の作業項目/ }).waitFor();
    // The demo city's first start took yesterday's registry file through the same intake.
    await expect.poll(() => page.getByTestId('work-item').filter({ hasText: 'demo-registry' }).count()).toBeGreaterThan(0);
    const death = page.getByTestId('work-item').filter({ hasText: deceased.name });
    await expect.poll(() => death.count()).toBe(1);
    const text = await death.innerText();
    expect(text).toContain('自動喪失(確認)');
    expect(text).toContain('死亡');
    expect(text).toContain(formatWareki(addDays(deathDay, 1))); // the loss applied: the day after death
    expect(text).toContain('第8条');
    const birth = page.getByTestId('work-item').filter({ hasText: '出生　試験' });
    expect(await birth.innerText()).toContain('資格取得の候補');
    expect(await birth.innerText()).toContain(formatWareki(birthDay));
    expect(await unlabelledControls(page)).toEqual([]);
    if (shots) await page.screenshot({ path: `${shots}/work-items.png`, fullPage: true });
  });

  it('closes an item as 処理済み, and asks for the reason before 対象外', async () => {
    const { page } = clerk;
    const birth = page.getByTestId('work-item').filter({ hasText: '出生　試験' });
    await birth.getByRole('button', { name: '対象外にする' }).click();
    await expect.poll(() => birth.getByRole('alert').innerText()).toContain('理由');
    await birth.getByLabel(/メモ/).fill('資格取得届を受付済み');
    await birth.getByRole('button', { name: '処理済みにする' }).click();
    await page.getByText(/を処理済みにしました/).waitFor();
    await expect.poll(() => page.getByTestId('work-item').filter({ hasText: '出生　試験' }).count()).toBe(0);
    if (shots) await page.screenshot({ path: `${shots}/work-items-after.png`, fullPage: true });
  });
});
