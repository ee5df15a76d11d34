import { pdfText } from '../../testing/pdf-text.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { fiscalYearOf } from '../../platform/params/law-params.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { calculateInstallments, type Installment } from '../assessment/installments.rules.js';

/**
 * 減免 over HTTP (medium test on the fixture's database): a 担当者 requests it, a 係長 approves it; the
 * approval stores the 減免 and makes the 更正 at once (a new version whose total is the previous one less
 * the 減免額, the 期 due before the 申請日 unchanged); a later income-driven 更正 keeps it.
 */
let f: Fixture;
let clerk: Session;
let chief: Session;
const F = FIXTURE;
const db = () => f.deps.database.db;
const TODAY = todayInJapan();
const FY = fiscalYearOf(TODAY);
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
const sum = (xs: readonly Installment[]) => xs.reduce((s, x) => s + x.amount, 0);

const yamada = () => db().selectFrom('assessment').selectAll().where('household_no', '=', F.yamada.household).where('fiscal_year', '=', FY).where('superseded_at', 'is', null).where('address_exception_atena_no', '=', 0).executeTakeFirstOrThrow();
const partsSum = (r: { medical_yen: number; support_yen: number; care_yen: number; child_support_yen: number }) => r.medical_yen + r.support_yen + r.care_yen + r.child_support_yen;
const income = (salaryRevenue: number) =>
  clerk.request('POST', `/api/persons/${F.yamada.head}/income-returns`, {
    fiscalYear: FY, declaredOn: TODAY, salaryRevenue, familyEmployeeSalary: 0, pensionRevenue: 0, businessRevenue: 0, businessIncome: 0,
    realEstateRevenue: 0, realEstateIncome: 0, dividendIncome: 0, miscIncome: 0, separateCapitalGains: 0, otherIncome: 0,
  });

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  chief = await f.login('kakari01');
  const r = await income(5_000_000);
  expect(r.status, await r.clone().text()).toBeLessThan(300);
  await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 50 });
  await f.deps.assessments.reassessPending(runner());
});
afterAll(async () => f?.close());

describe('減免 (地方税法717条) by application, four-eyes', () => {
  it('refuses a rate the 基準 does not list and a 申請日 in the future, naming the field', async () => {
    const odd = await clerk.request('POST', `/api/households/${F.yamada.household}/exemptions`, { fiscalYear: FY, exemptionReason: 'disaster', exemptionRate: '0.6', appliedOn: TODAY });
    expect(odd.status).toBe(422);
    expect(((await odd.json()) as { error: { message: string } }).error.message).toMatch(/^率: 災害の減免の率は 0\.5・0\.7・0\.9・1 のいずれかです/);
    const bad = await clerk.request('POST', `/api/households/${F.yamada.household}/exemptions`, { fiscalYear: FY, exemptionReason: 'flood', appliedOn: TODAY });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('減免の事由');
    expect(await db().selectFrom('pending_change').selectAll().where('kind', '=', 'reduction.exemption').execute()).toEqual([]);
  });

  it('request → approval by another person → 更正 with the lower total, 期 before the 申請日 unchanged; a later income 更正 keeps it', async () => {
    const before = await yamada();
    const previous: Installment[] = (before.installments as Installment[] | null) ?? calculateInstallments({ fiscalYear: FY, annualTax: before.total_yen, ordinary: true }).installments;
    const open = previous.filter((i) => i.dueDate! >= TODAY);
    const r = await clerk.request('POST', `/api/households/${F.yamada.household}/exemptions`, { fiscalYear: FY, exemptionReason: 'disaster', exemptionRate: '0.5', appliedOn: TODAY, note: '火災(り災証明書あり)' });
    expect(r.status, await r.clone().text()).toBe(202);
    const req = (await r.json()) as { changeId: number; base: number; exemption: number; totalAfter: number };
    // 50/100 of what is due on or after today, truncated to the yen.
    expect(req.base).toBe(sum(open));
    expect(req.exemption).toBe(Math.floor(sum(open) / 2));
    // Nothing changes before the approval; a second request waits for the first.
    expect((await yamada()).version).toBe(before.version);
    expect((await clerk.request('POST', `/api/households/${F.yamada.household}/exemptions`, { fiscalYear: FY, exemptionReason: 'disaster', exemptionRate: '0.5', appliedOn: TODAY })).status).toBe(409);
    // The summary the approver reads.
    const pending = await db().selectFrom('pending_change').select(['summary']).where('change_id', '=', req.changeId).executeTakeFirstOrThrow();
    const labels = (pending.summary as { fields: { label: string }[] }).fields.map((x) => x.label);
    expect(labels).toEqual(['年度', '事由', '率', '対象の期と額', '減免額', '年税額']);

    // The requester cannot approve their own change.
    expect((await clerk.request('POST', `/api/approvals/${req.changeId}/approve`, {})).status).toBe(403);
    const ok = await chief.request('POST', `/api/approvals/${req.changeId}/approve`, {});
    expect(ok.status, await ok.clone().text()).toBe(200);

    const after = await yamada();
    expect(after.version).toBe(before.version + 1);
    expect(after.reason).toBe('correction');
    expect(after.cause).toBe('減免(災害)');
    expect(after.total_yen).toBe(before.total_yen - req.exemption);
    const inst = after.installments as Installment[];
    expect(sum(inst)).toBe(after.total_yen);
    for (const i of previous.filter((x) => x.dueDate! < TODAY)) expect(inst.find((x) => x.label === i.label)?.amount).toBe(i.amount);
    expect(JSON.stringify(after.lines)).toContain(`減免 −${req.exemption.toLocaleString('en-US')}円(地方税法第717条`);
    const stored = await db().selectFrom('tax_exemption').selectAll().execute();
    expect(stored).toEqual([expect.objectContaining({ household_no: F.yamada.household, fiscal_year: FY, reason_code: 'disaster', rate: '0.5', exemption_yen: req.exemption, assessment_version: before.version, requested_by: expect.stringContaining('kokuho01'), decided_by: expect.stringContaining('kakari01') })]);
    // The row is kept: no other update, no delete by the application.
    await expect(db().updateTable('tax_exemption').set({ exemption_yen: 1 }).execute()).rejects.toThrow();

    const list = (await (await clerk.request('GET', `/api/households/${F.yamada.household}/exemptions`)).json()) as { exemptions: { exemption: number; reasonLabel: string }[] };
    expect(list.exemptions).toEqual([expect.objectContaining({ exemption: req.exemption, reasonLabel: '災害' })]);

    // Re-assessing on unchanged facts: nothing new (the 減免 is subtracted again).
    const same = await f.deps.assessments.reassess(runner(), { householdNo: F.yamada.household, fiscalYear: FY, cause: '確認' });
    expect(same.find((o) => o.addressExceptionAtenaNo === 0)?.outcome).toBe('unchanged');

    // A later income change: the 更正 recomputes from the facts and still subtracts the 減免.
    const more = await income(6_000_000);
    expect(more.status, await more.clone().text()).toBeLessThan(300);
    await f.deps.assessments.reassessPending(runner());
    const later = await yamada();
    expect(later.version).toBe(after.version + 1);
    expect(partsSum(later)).toBeGreaterThan(partsSum(after));
    expect(later.total_yen).toBe(partsSum(later) - req.exemption);
    expect(JSON.stringify(later.lines)).toContain(`減免 −${req.exemption.toLocaleString('en-US')}円(地方税法第717条`);

    // Both 変更決定通知書 print, with the 減免 in their explanation and the total after it.
    for (const v of [after, later]) {
      const r = await clerk.request('GET', `/api/assessment/versions/${v.assessment_id}/notice`);
      expect(r.status, await r.clone().text()).toBe(200);
      const text = (await pdfText(new Uint8Array(await r.arrayBuffer()))).join('').replace(/\s+/g, '');
      expect(text).toContain('減免(災害)');
      expect(text).toContain(`${v.total_yen.toLocaleString('ja-JP')}円`);
    }
  });

  it('取消し of the decided 減免 through four-eyes: the row is kept and ended, the 更正 the server makes restores the tax', async () => {
    const [decided] = await db().selectFrom('tax_exemption').selectAll().execute();
    const before = await yamada();
    expect(before.total_yen).toBe(partsSum(before) - decided!.exemption_yen);
    const r = await clerk.request('POST', `/api/exemptions/${decided!.exemption_id}/cancel`, { reason: '災害の被害額の誤り(再調査)' });
    expect(r.status, await r.clone().text()).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    // Nothing changes until a second person approves; the requester cannot.
    expect((await db().selectFrom('tax_exemption').select('ended_at').executeTakeFirstOrThrow()).ended_at).toBeNull();
    expect((await clerk.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(403);
    expect((await chief.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(200);
    const ended = await db().selectFrom('tax_exemption').selectAll().executeTakeFirstOrThrow();
    expect(ended).toMatchObject({ exemption_id: decided!.exemption_id, exemption_yen: decided!.exemption_yen, end_reason: '災害の被害額の誤り(再調査)', ended_by: expect.stringContaining('kakari01') });
    expect((await clerk.request('POST', `/api/exemptions/${decided!.exemption_id}/cancel`, { reason: '二度目' })).status).toBe(409);

    await f.deps.assessments.reassessPending(runner());
    const restored = await yamada();
    expect(restored.version).toBe(before.version + 1);
    expect(restored.cause).toContain('減額の届出');
    expect(restored.total_yen).toBe(partsSum(restored));
    expect(restored.total_yen).toBe(before.total_yen + decided!.exemption_yen);
    expect(JSON.stringify(restored.lines)).not.toContain('減免 −');
  });

  it('a request on a version that changed before the approval is refused with 409', async () => {
    const r = await clerk.request('POST', `/api/households/${F.yamada.household}/exemptions`, { fiscalYear: FY, exemptionReason: 'detention', exemptionAmount: 1000, appliedOn: TODAY });
    expect(r.status, await r.clone().text()).toBe(202);
    const { changeId } = (await r.json()) as { changeId: number };
    const more = await income(7_000_000);
    expect(more.status).toBeLessThan(300);
    await f.deps.assessments.reassessPending(runner());
    const refused = await chief.request('POST', `/api/approvals/${changeId}/approve`, {});
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('申請の後に');
    expect(await db().selectFrom('tax_exemption').select('exemption_id').execute()).toHaveLength(1); // the cancelled one, kept
  });
});
