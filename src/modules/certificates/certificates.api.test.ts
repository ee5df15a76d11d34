import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { pdfText } from '../../testing/pdf-text.js';
import { lawParams } from '../../platform/params/law-params.js';

const F = FIXTURE;
let f: Fixture;
let clerk: Session; // kokuho01: certificate.issue
let branch: Session; // shisho01: reads only

const db = () => f.deps.database.db;
const errOf = async (r: Response) => ((await r.json()) as { error: { code: string; message: string; fields?: { field: string; message: string }[] } }).error;
async function asBatch(fn: (tx: Transaction<DB>) => Promise<unknown>) {
  await db().transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', 'operator:test-batch', true)`.execute(tx);
    await fn(tx);
  });
}
type Cert = { certificateId: number; kind: string; validFrom: string; validTo: string | null; copayLabel: string | null; incomeClassLabel: string | null; selfPayLimit: number | null; recoveredOn: string | null; recoveryReason: string | null; inForce: boolean };
const issue = (atenaNo: number, body: Record<string, unknown>) => clerk.request('POST', `/api/persons/${atenaNo}/certificates`, { method: 'counter', ...body });
const issued = async (atenaNo: number, body: Record<string, unknown>) => {
  const r = await issue(atenaNo, body);
  expect(r.status, await r.clone().text()).toBe(201);
  return ((await r.json()) as { certificate: Cert; replaced: number[] });
};
const pdfOf = async (certificateId: number) => {
  const r = await clerk.request('GET', `/api/certificates/${certificateId}/pdf`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('application/pdf');
  const bytes = new Uint8Array(await r.arrayBuffer());
  expect(Buffer.from(bytes.slice(0, 5)).toString()).toBe('%PDF-');
  // Compared without white space: pdf.js puts a space between separately placed pieces of text.
  return (await pdfText(bytes)).join('').replace(/\s+/g, '');
};
const lastAudit = (action: string) => db().selectFrom('audit_event').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  branch = await f.login('shisho01');
  await asBatch(async (tx) => {
    // 2026年度 (2025年の所得): the Yamadas are 課税; Sato Hana (70 since 2026-01-08) has pension and a 課税標準額 over 145万.
    await tx.insertInto('resident_tax_status').values([
      { atena_no: F.yamada.head, fiscal_year: 2026, taxable_standard_yen: 3_000_000, exempt: false, updated_by: 'operator:test' },
      { atena_no: F.yamada.wife, fiscal_year: 2026, taxable_standard_yen: 0, exempt: true, updated_by: 'operator:test' },
      { atena_no: F.yamada.child, fiscal_year: 2026, taxable_standard_yen: 0, exempt: true, updated_by: 'operator:test' },
      { atena_no: F.sato.head, fiscal_year: 2026, taxable_standard_yen: 2_500_000, exempt: false, updated_by: 'operator:test' },
      { atena_no: F.sato.mother, fiscal_year: 2026, taxable_standard_yen: 1_600_000, exempt: false, updated_by: 'operator:test' },
      { atena_no: F.suzuki.person, fiscal_year: 2026, taxable_standard_yen: 0, exempt: true, updated_by: 'operator:test' },
    ]).execute();
    await tx.insertInto('income').values([
      { atena_no: F.yamada.head, fiscal_year: 2026, income_type: 'salary', revenue_yen: 6_000_000, income_yen: 4_360_000, updated_by: 'operator:test' },
      { atena_no: F.sato.mother, fiscal_year: 2026, income_type: 'pension', revenue_yen: 3_700_000, income_yen: 2_600_000, updated_by: 'operator:test' },
    ]).execute();
  });
});
afterAll(async () => f?.close());

describe('資格確認書 and 資格情報のお知らせ', () => {
  it('without マイナ保険証 the 資格確認書 is suggested, issued to 31 July, printed in full, and audited', async () => {
    const o = await clerk.request('GET', `/api/persons/${F.yamada.child}/certificates?asOf=2026-11-30`);
    expect(o.status).toBe(200);
    const ov = (await o.json()) as { suggestedKind: string; judgement: { copay: { label: string; basis: string } } };
    expect(ov.suggestedKind).toBe('qualification_certificate');
    expect(ov.judgement.copay).toMatchObject({ label: '3割', basis: 'working_age' }); // 7 years old: school age
    const { certificate } = await issued(F.yamada.child, { kind: 'qualification_certificate', issuedOn: '2026-11-30', reason: 'acquisition', method: 'mail' });
    expect(certificate).toMatchObject({ validFrom: '2026-11-30', validTo: `2027-${lawParams().text('certificates.validity_end_month_day', '2026-11-30')}`, copayLabel: null, inForce: true });
    expect((await lastAudit('certificate.issue')).subjects.map(Number)).toEqual([F.yamada.child]);

    const text = await pdfOf(certificate.certificateId);
    for (const s of ['国民健康保険資格確認書', '有効期限令和9年7月31日', '氏名山田一郎', '生年月日・性別令和元年5月1日男', '川1', '(枝番03)', '世帯主氏名山田太郎', 'さくら台2丁目4-5-6', '〒333-0002', '山田太郎様']) expect(text).toContain(s);
    const print = await lastAudit('certificate.print');
    expect(print.subjects.map(Number)).toContain(F.yamada.child);
  });

  it('a new 資格確認書 replaces the one still out (recorded as returned), and a recovery is recorded once', async () => {
    const first = await issued(F.yamada.wife, { kind: 'qualification_certificate', issuedOn: '2026-10-01', reason: 'acquisition' });
    const second = await issued(F.yamada.wife, { kind: 'qualification_certificate', issuedOn: '2026-11-02', reason: 'lost', previousRecoveryMethod: 'not_returned' });
    expect(second.replaced).toEqual([first.certificate.certificateId]);
    const old = await db().selectFrom('certificate').selectAll().where('certificate_id', '=', first.certificate.certificateId).executeTakeFirstOrThrow();
    expect(old).toMatchObject({ recovered_on: '2026-11-02', recovery_reason: 'replaced', recovery_method: 'not_returned' });
    const r = await clerk.request('POST', `/api/certificates/${second.certificate.certificateId}/recover`, { recoveredOn: '2026-11-20', reason: 'loss', method: 'counter' });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ recoveredOn: '2026-11-20', recoveryReasonLabel: '資格喪失', recoveryMethodLabel: '窓口で返却', inForce: false });
    const again = await clerk.request('POST', `/api/certificates/${second.certificate.certificateId}/recover`, { recoveredOn: '2026-11-21', reason: 'loss', method: 'counter' });
    expect(again.status).toBe(409);
    const early = await issued(F.yamada.wife, { kind: 'qualification_certificate', issuedOn: '2026-11-25', reason: 'lost' });
    const bad = await clerk.request('POST', `/api/certificates/${early.certificate.certificateId}/recover`, { recoveredOn: '2026-11-24', reason: 'other', method: 'mail' });
    expect(bad.status).toBe(422);
    expect((await errOf(bad)).message).toContain('回収年月日は交付年月日');
  });

  it('with マイナ保険証 the お知らせ is issued; a 資格確認書 needs the 要配慮者 application', async () => {
    await asBatch((tx) => tx.insertInto('myna_insurance_use').values({ atena_no: F.yamada.head, registered_on: '2025-01-10', updated_by: 'operator:test' }).execute());
    const ov = (await (await clerk.request('GET', `/api/persons/${F.yamada.head}/certificates?asOf=2026-11-30`)).json()) as { suggestedKind: string; mynaRegistered: boolean };
    expect(ov).toMatchObject({ mynaRegistered: true, suggestedKind: 'qualification_notice' });
    const refused = await issue(F.yamada.head, { kind: 'qualification_certificate', issuedOn: '2026-11-30', reason: 'acquisition' });
    expect(refused.status).toBe(422);
    expect((await errOf(refused)).fields?.[0]).toMatchObject({ field: 'kind' });
    await issued(F.yamada.head, { kind: 'qualification_certificate', issuedOn: '2026-11-30', reason: 'application' });
    const { certificate } = await issued(F.yamada.head, { kind: 'qualification_notice', issuedOn: '2026-11-30', reason: 'acquisition' });
    expect(certificate.validTo).toBeNull(); // under 70: no expiry
    expect(await pdfOf(certificate.certificateId)).toContain('このお知らせだけでは受診できません');
  });

  it('no 資格 on the day: refused with the reason, nothing stored', async () => {
    const before = await db().selectFrom('certificate').select(db().fn.countAll().as('n')).executeTakeFirstOrThrow();
    const r = await issue(F.nguyen.person, { kind: 'qualification_certificate', issuedOn: '2026-11-30', reason: 'acquisition' });
    expect(r.status).toBe(422);
    expect((await errOf(r)).message).toContain('国民健康保険の資格がありません');
    const after = await db().selectFrom('certificate').select(db().fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });

  it('a branch reader cannot issue or print (403, audited)', async () => {
    expect((await branch.request('POST', `/api/persons/${F.yamada.child}/certificates`, { kind: 'qualification_certificate', reason: 'acquisition', method: 'counter' })).status).toBe(403);
    expect((await branch.request('GET', `/api/certificates/1/pdf`)).status).toBe(403);
  });
});

describe('高齢受給者 (70–74): the 一部負担金の割合 printed on the 資格確認書', () => {
  it('課税標準額 ≥ 145万 and 旧ただし書き所得 > 210万 → 3割; on application, revenue under 383万 → 2割', async () => {
    const ov = (await (await clerk.request('GET', `/api/persons/${F.sato.mother}/certificates?asOf=2026-11-30`)).json()) as { judgement: { copay: { label: string; basis: string; elderly: boolean }; incomeClass: { label: string } } };
    expect(ov.judgement.copay).toMatchObject({ label: '3割', basis: 'high_income', elderly: true });
    expect(ov.judgement.incomeClass.label).toBe('現役並みⅠ');
    const three = await issued(F.sato.mother, { kind: 'qualification_certificate', issuedOn: '2026-11-30', reason: 'acquisition', method: 'mail' });
    expect(three.certificate).toMatchObject({ copayLabel: '3割', validTo: '2027-07-31' });
    const text = await pdfOf(three.certificate.certificateId);
    expect(text).toContain('一部負担金の割合3割');
    expect(text).toContain('佐藤健様'); // mailed to the 擬制世帯主 (the taxpayer), who is not insured
    const two = await issued(F.sato.mother, { kind: 'qualification_certificate', issuedOn: '2026-12-01', reason: 'copay_change', revenueTestApplied: true });
    expect(two.certificate.copayLabel).toBe('2割');
    expect(two.replaced).toEqual([three.certificate.certificateId]);
  });
});

describe('限度額適用認定証 and 特定疾病療養受療証', () => {
  it('the 所得区分 from the household income; the kind must match; refused in arrears', async () => {
    // Yamada: 旧ただし書き所得 4,360,000 − 430,000 = 3,930,000 → ウ
    const wrong = await issue(F.yamada.child, { kind: 'limit_reduced', issuedOn: '2026-11-30', reason: 'application' });
    expect(wrong.status).toBe(422);
    expect((await errOf(wrong)).message).toContain('所得区分「ウ」のため、限度額適用認定証を交付します');
    const arrears = await issue(F.yamada.child, { kind: 'limit', issuedOn: '2026-11-30', reason: 'application', inArrears: true });
    expect(arrears.status).toBe(422);
    expect((await errOf(arrears)).message).toContain('滞納');
    const { certificate } = await issued(F.yamada.child, { kind: 'limit', issuedOn: '2026-11-30', applicationOn: '2026-11-16', reason: 'application' });
    expect(certificate).toMatchObject({ incomeClassLabel: 'ウ', validFrom: '2026-11-01', validTo: '2027-07-31' });
    expect(await pdfOf(certificate.certificateId)).toContain('適用区分ウ');
  });

  it('a 住民税非課税 household gets the 減額認定証 (オ); the DV-protected address is not printed', async () => {
    const { certificate } = await issued(F.suzuki.person, { kind: 'limit_reduced', issuedOn: '2026-11-30', reason: 'application', method: 'mail' });
    expect(certificate.incomeClassLabel).toBe('オ');
    const text = await pdfOf(certificate.certificateId);
    expect(text).toContain('限度額適用・標準負担額減額認定証');
    expect(text).not.toContain('みどり町');
    expect(text).not.toContain('1-2-3');
    expect(text).toContain('住所の印字を省略しています');
    expect((await lastAudit('certificate.print')).detail).toMatchObject({ addressPrinted: false });
  });

  it('特定疾病: 10,000円; 人工透析 of an under-70 in an upper-income household (ア・イ) 20,000円', async () => {
    const { certificate } = await issued(F.yamada.head, { kind: 'specific_disease', disease: 'renal_dialysis', issuedOn: '2026-11-30', reason: 'application' });
    expect(certificate.selfPayLimit).toBe(lawParams().yen('certificates.tokutei_limit_standard', '2026-11-30')); // ウ: not upper income
    await asBatch((tx) => tx.updateTable('income').set({ income_yen: 7_500_000, revenue_yen: 9_500_000 }).where('atena_no', '=', F.yamada.head).execute());
    const upper = await issued(F.yamada.head, { kind: 'specific_disease', disease: 'renal_dialysis', issuedOn: '2026-12-01', reason: 'application' });
    expect(upper.certificate.selfPayLimit).toBe(lawParams().yen('certificates.tokutei_limit_dialysis_high', '2026-12-01'));
    const missing = await issue(F.yamada.head, { kind: 'specific_disease', issuedOn: '2026-12-01', reason: 'application' });
    expect(missing.status).toBe(422);
    expect((await errOf(missing)).fields?.map((x) => x.field)).toContain('disease');
  });
});
