import fc from 'fast-check';
import { simulateOver } from './rate-simulation.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { lawParams } from '../../platform/params/law-params.js';
import { addHousehold, type MemberSpec } from './assessment.test-support.js';
import { correctionDeadline } from './assessment-stored.service.js';
import { AssessmentRepository } from './assessment.repository.js';
import { assessmentUnits } from './assessment-units.rules.js';
import { calculateTax, chargedMonthsOf } from './tax.rules.js';
import { calculateInstallments, type Installment } from './installments.rules.js';
import { resplitInstallments } from './installments-change.rules.js';
import { pdfText } from '../../testing/pdf-text.js';
import { parseTaxInput, type TaxInput } from './tax.input.js';
import { asActor } from '../../testing/as-actor.js';

/**
 * Stored assessments (medium tests on the fixture's database): the annual batch (本算定) and its resume
 * property, the batch against `tax calc`, 更正 keeping every version with the 地方税法 17条の5 limits, the
 * rate simulation writing nothing, and the run's review and four-eyes release over HTTP.
 */
let f: Fixture;
const db = () => f.deps.database.db;
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
const FY = 2025;
let resplitHousehold: { householdNo: number; atenaNos: number[] };

const current = (fy = FY) =>
  db().selectFrom('assessment').select(['household_no', 'address_exception_atena_no', 'total_yen', 'medical_yen', 'support_yen', 'care_yen', 'child_support_yen', 'reduction', 'version']).where('fiscal_year', '=', fy).where('superseded_at', 'is', null).orderBy('household_no').orderBy('address_exception_atena_no').execute();

beforeAll(async () => {
  f = await createFixture();
  // A few households beside the fixture's: incomes, 月割 (acquisition, loss, 75歳), 未申告, a 65歳以上 pension.
  const spec: MemberSpec[][] = [
    [{ birthDate: '1980-05-10', head: true, insured: [{ from: '2015-04-01' }], salary: 5_200_000 }, { birthDate: '1983-03-02', insured: [{ from: '2015-04-01' }], salary: 900_000 }],
    [{ birthDate: '1950-09-20', head: true, insured: [{ from: '2010-04-01', to: '2025-09-20', lossReason: 'late_elderly' }], pension: 2_400_000 }, { birthDate: '1955-01-05', insured: [{ from: '2010-04-01' }], pension: 1_500_000 }],
    [{ birthDate: '1990-12-01', head: true, insured: [{ from: '2025-08-14' }], salary: 2_000_000 }],
    [{ birthDate: '1970-01-01', head: true, insured: [{ from: '2012-04-01', to: '2025-11-01', lossReason: 'joined_employee_insurance' }], business: 3_000_000, unreported: true }],
    [{ birthDate: '1961-02-01', head: true, insured: [{ from: '2000-04-01' }], business: 40_000_000 }],
    [{ birthDate: '2000-06-30', head: true }, { birthDate: '1985-06-30', insured: [{ from: '2020-04-01' }], salary: 300_000 }],
  ];
  for (const s of spec) await addHousehold(db(), s, FY);
  // The 期別 re-split after a 更正 (a salary found later).
  resplitHousehold = await addHousehold(db(), [{ birthDate: '1978-07-07', head: true, insured: [{ from: '2015-04-01' }], salary: 3_000_000 }], FY);
});
afterAll(async () => f?.close());

describe('本算定 (the annual batch)', () => {
  it('goes through exactly the households a scan of every registry household finds someone insured in during the 年度', async () => {
    const repo = new AssessmentRepository(db());
    const listed = await repo.householdsToAssess(FY);
    const all = (await db().selectFrom('household').select('household_no').orderBy('household_no').execute()).map((r) => Number(r.household_no));
    const cf = await repo.chunkFacts(all, FY);
    const relevant = all.filter((h) => cf.facts.get(h)!.members.length > 0 || cf.facts.get(h)!.statuses.length > 0);
    expect(listed).toEqual(relevant);
    const withUnits = all.filter((h) => assessmentUnits(h, FY, cf.facts.get(h)!, cf.persons, cf.incomes).length > 0);
    expect(withUnits.length).toBeGreaterThanOrEqual(8);
    expect(withUnits.filter((h) => !listed.includes(h))).toEqual([]);
    expect(listed.length).toBeLessThan(all.length);
  });

  it('stores one version per NHI household with the run summary; every stored version is what `tax calc` answers for its input', async () => {
    const r = await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 3 });
    const rows = await current();
    expect(rows.length).toBe(r.counts.units);
    expect(r.counts.units).toBeGreaterThanOrEqual(8); // 3 fixture NHI households (one 擬制世帯主) + 6 made here
    expect(r.totals.total).toBe(rows.reduce((s, x) => s + x.total_yen, 0));
    expect(r.totals.medical! + r.totals.support! + r.totals.care! + r.totals.childSupport!).toBe(r.totals.total);
    expect(r.counts.r7! + r.counts.r5! + r.counts.r2! + r.counts.none!).toBe(r.counts.units);
    expect(r.counts.pseudoHead).toBeGreaterThanOrEqual(2);
    expect(r.counts.capped).toBeGreaterThanOrEqual(1);
    const sato = await db().selectFrom('assessment').selectAll().where('household_no', '=', FIXTURE.sato.household).where('fiscal_year', '=', FY).executeTakeFirstOrThrow();
    expect(sato).toMatchObject({ pseudo_head: true, taxpayer_atena_no: FIXTURE.sato.head, reason: 'annual', run_id: r.runId, version: 1, lines: null });
    // The same input through the calculator's parser and rule (the CLI/API path) gives the stored amounts.
    const stored = await db().selectFrom('assessment').select(['input', 'total_yen', 'medical_yen', 'care_yen', 'reduction']).where('fiscal_year', '=', FY).where('superseded_at', 'is', null).execute();
    for (const s of stored) {
      const parsed = parseTaxInput(s.input);
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      const calc = calculateTax((parsed as { input: TaxInput }).input);
      expect([calc.total, calc.parts.medical?.amount ?? 0, calc.parts.care?.amount ?? 0]).toEqual([s.total_yen, s.medical_yen, s.care_yen]);
    }
    // 月割: joined on 2025-08-14 → August to March, 8 months.
    const late = stored.find((s) => JSON.stringify(s.input).includes('2025-08-14'));
    expect((late!.input as TaxInput).members[0]!.insuredPeriods).toEqual([{ from: '2025-08-14', to: null }]);
    const lines = calculateTax(late!.input as TaxInput).lines.map((l) => l.formula).join('\n');
    expect(lines).toContain('× 8/12');
  });

  it('property: killed after any chunk (repeatedly) and resumed, the totals and the stored amounts equal an uninterrupted run', async () => {
    const whole = await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 2 });
    const wholeRows = (await current()).map(({ version: _v, ...rest }) => rest);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }), async (kills) => {
        let last;
        const pending = [...kills];
        for (let attempt = 0; attempt <= kills.length && !last; attempt++) {
          const kill = pending.shift();
          try {
            last = await f.deps.assessments.runAnnual(runner(), FY, {
              chunkSize: 2,
              onProgress: ({ chunkNo }) => {
                if (chunkNo === kill) throw new Error('killed');
              },
            });
          } catch (e) {
            expect(String(e)).toMatch(/killed/);
          }
        }
        last ??= await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 2 });
        expect(last.totals).toEqual(whole.totals);
        expect(last.counts).toEqual(whole.counts);
        expect((await current()).map(({ version: _v, ...rest }) => rest)).toEqual(wholeRows);
      }),
      { numRuns: 4 },
    );
  });
});

describe('the batch and `tax calc` (property)', () => {
  const day = (m: number, d: number) => `${m >= 4 ? FY : FY + 1}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const member = fc.record({
    age: fc.integer({ min: 0, max: 74 }),
    birthDay: fc.integer({ min: 1, max: 28 }),
    birthMonth: fc.integer({ min: 1, max: 12 }),
    salary: fc.option(fc.integer({ min: 0, max: 12_000_000 }), { nil: undefined }),
    pension: fc.option(fc.integer({ min: 0, max: 3_000_000 }), { nil: undefined }),
    period: fc.oneof(fc.constant(null), fc.record({ fromMonth: fc.integer({ min: 4, max: 15 }), fromDay: fc.integer({ min: 1, max: 28 }), toMonth: fc.option(fc.integer({ min: 4, max: 15 }), { nil: undefined }) })),
  });
  it('re-assessing a random household gives what the calculator gives for the same people, incomes and periods', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(member, { minLength: 1, maxLength: 4 }), async (ms) => {
        const specs: MemberSpec[] = ms.map((m, i) => {
          const birthYear = FY - m.age;
          const mo = (x: number) => (x > 12 ? x - 12 : x);
          let insured: MemberSpec['insured'];
          if (m.period === null) insured = [{ from: '2015-04-01' }];
          else {
            const from = day(mo(m.period.fromMonth), m.period.fromDay);
            const to = m.period.toMonth !== undefined && m.period.toMonth > m.period.fromMonth ? day(mo(m.period.toMonth), 1) : null;
            insured = [{ from, to }];
          }
          return { birthDate: `${birthYear}-${String(m.birthMonth).padStart(2, '0')}-${String(m.birthDay).padStart(2, '0')}`, head: i === 0, insured, ...(m.salary !== undefined ? { salary: m.salary } : {}), ...(m.pension !== undefined ? { pension: m.pension } : {}) };
        });
        // 75歳 in the 年度 ends NHI: the registry facts would say so; keep the generated people under it.
        if (specs.some((s) => Number(s.birthDate.slice(0, 4)) <= FY - 75)) return;
        const h = await addHousehold(db(), specs, FY);
        // The calculator's input, written by hand from the same facts.
        const input: TaxInput = {
          fiscalYear: FY,
          members: specs.map((s, i) => {
            const p = s.insured![0]!;
            const whole = p.from <= `${FY}-04-01` && !p.to;
            return {
              head: i === 0,
              insured: true,
              birthDate: s.birthDate,
              income: { ...(s.salary ? { salaryRevenue: s.salary } : {}), ...(s.pension ? { pensionRevenue: s.pension } : {}) },
              ...(whole ? {} : { insuredPeriods: [{ from: p.from, to: p.to ?? null }] }),
            };
          }),
        };
        // A member with no month charged (取得 and 喪失 in one month, or before the birth) is not charged: not
        // insured for the calculator; with nobody charged there is no assessment at all.
        for (const m of input.members) {
          if (chargedMonthsOf(m, FY).length > 0) continue;
          m.insured = false;
          delete m.insuredPeriods;
        }
        const expected = input.members.some((m) => m.insured) ? calculateTax(input, lawParams()).total : 0;
        const out = await f.deps.assessments.reassess(runner(), { householdNo: h.householdNo, fiscalYear: FY, cause: '試験' });
        const got = out.find((o) => o.addressExceptionAtenaNo === 0);
        expect(got?.after?.total ?? 0).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });
});

describe('更正 (re-assessment)', () => {
  it('a loss of 資格 re-assesses the household: a new version with the notice and its lines, the old one kept and superseded', async () => {
    const before = await db().selectFrom('assessment').selectAll().where('household_no', '=', FIXTURE.yamada.household).where('fiscal_year', '=', FY).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
    await asActor(db(), 'staff:kokuho01', async (tx) => {
      await tx.updateTable('nhi_eligibility').set({ lost_on: '2025-10-01', loss_reason: 'joined_employee_insurance' }).where('atena_no', '=', FIXTURE.yamada.wife).where('superseded_at', 'is', null).execute();
    });
    const out = await f.deps.assessments.reassess(runner(), { householdNo: FIXTURE.yamada.household, fiscalYear: FY, cause: '資格喪失(社保加入)', today: '2026-11-30' });
    expect(out).toHaveLength(1);
    const o = out[0]!;
    expect(o.outcome).toBe('corrected');
    expect(o.difference).toBeLessThan(0);
    expect(o.before!.total).toBe(before.total_yen);
    expect(o.notice).toMatchObject({ title: '国民健康保険税 変更決定通知書', fiscalYear: FY, reason: '資格喪失(社保加入)', difference: o.difference });
    const versions = await db().selectFrom('assessment').selectAll().where('household_no', '=', FIXTURE.yamada.household).where('fiscal_year', '=', FY).orderBy('version').execute();
    expect(versions.map((v) => [v.version, v.reason, v.superseded_at === null])).toEqual([...versions.slice(0, -1).map((v) => [v.version, 'annual', false]), [versions.length, 'correction', true]]);
    expect(versions.at(-1)!.lines).not.toBeNull();
    // Unchanged facts: nothing new.
    const again = await f.deps.assessments.reassess(runner(), { householdNo: FIXTURE.yamada.household, fiscalYear: FY, cause: '再確認', today: '2026-11-30' });
    expect(again[0]!.outcome).toBe('unchanged');
    expect(await db().selectFrom('assessment').select('assessment_id').where('household_no', '=', FIXTURE.yamada.household).where('fiscal_year', '=', FY).execute()).toHaveLength(versions.length);
  });

  it('prints the 納税通知書 of the 本算定 and the 変更決定通知書 of the 更正; a protected address is not printed; audited', async () => {
    const clerk = await f.login('kokuho01');
    const text = async (assessmentId: number) => {
      const r = await clerk.request('GET', `/api/assessment/versions/${assessmentId}/notice`);
      expect(r.status, await r.clone().text()).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/pdf');
      return (await pdfText(new Uint8Array(await r.arrayBuffer()))).join('').replace(/\s+/g, '');
    };
    const versions = await db().selectFrom('assessment').selectAll().where('household_no', '=', FIXTURE.yamada.household).where('fiscal_year', '=', FY).orderBy('version').execute();
    const annual = await text(Number(versions[0]!.assessment_id));
    expect(annual).toContain('令和7年度国民健康保険税納税通知書');
    expect(annual).toContain('山田太郎様');
    expect(annual).toContain(`年税額${versions[0]!.total_yen.toLocaleString('ja-JP')}円`);
    expect(annual).toContain('第1期納期限');
    expect(annual).toContain('不服申立てについて');
    const change = await text(Number(versions.at(-1)!.assessment_id));
    expect(change).toContain('変更決定通知書');
    expect(change).toContain('減額');
    expect(change).toContain('資格喪失(社保加入)');
    const suzuki = await db().selectFrom('assessment').select('assessment_id').where('household_no', '=', FIXTURE.suzuki.household).where('fiscal_year', '=', FY).executeTakeFirstOrThrow();
    const dv = await text(Number(suzuki.assessment_id));
    expect(dv).toContain('住所の印字を省略しています');
    expect(dv).not.toContain('みどり町');
    const audit = await db().selectFrom('audit_event').selectAll().where('action', '=', 'assessment.notice.print').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ addressPrinted: false });
  });

  it('期別 after a 更正 decided after 第3期\'s 納期限: 第1–3期 unchanged, the rest re-split; then a decrease after the last 期 is 過納; the 変更決定通知書 shows each 期 before and after', async () => {
    const h = resplitHousehold;
    const annual = await db().selectFrom('assessment').selectAll().where('household_no', '=', h.householdNo).where('fiscal_year', '=', FY).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
    expect(annual).toMatchObject({ reason: 'annual', installments: null });
    const before = calculateInstallments({ fiscalYear: FY, annualTax: annual.total_yen, ordinary: true }).installments;
    const setSalary = async (salary: number, version: number) =>
      asActor(db(), 'staff:kokuho01', async (tx) => {
        await tx.updateTable('income_return').set({ superseded_at: new Date() }).where('atena_no', '=', h.atenaNos[0]!).where('fiscal_year', '=', FY).where('superseded_at', 'is', null).execute();
        await tx.insertInto('income_return').values({ atena_no: h.atenaNos[0]!, fiscal_year: FY, version, source: 'simple_declaration', declared_on: '2025-10-01', filing_status: salary > 0 ? 'declared' : 'no_income', salary_revenue_yen: salary, recorded_by: 'staff:kokuho01' }).execute();
      });
    // 2025-10-15: after 第3期 (納期限 2025-09-30), before 第4期 (2025-10-31).
    await setSalary(6_000_000, 2);
    const [up] = await f.deps.assessments.reassess(runner(), { householdNo: h.householdNo, fiscalYear: FY, cause: '所得の修正申告', today: '2025-10-15' });
    expect(up).toMatchObject({ outcome: 'corrected' });
    const T1 = up!.after!.total;
    expect(T1).toBeGreaterThan(annual.total_yen);
    const stored = await db().selectFrom('assessment').selectAll().where('household_no', '=', h.householdNo).where('fiscal_year', '=', FY).where('version', '=', up!.after!.version).executeTakeFirstOrThrow();
    const after = stored.installments as Installment[];
    expect(after.slice(0, 3)).toEqual(before.slice(0, 3));
    const pastSum = before.slice(0, 3).reduce((s, x) => s + x.amount, 0);
    const each = Math.floor((T1 - pastSum) / 5 / 1000) * 1000;
    expect(after.slice(3).map((x) => [x.label, x.dueDate, x.amount])).toEqual([
      ['第4期', '2025-10-31', T1 - pastSum - 4 * each],
      ['第5期', '2025-12-01', each],
      ['第6期', '2026-01-05', each],
      ['第7期', '2026-02-02', each],
      ['第8期', '2026-03-02', each],
    ]);
    expect(after.reduce((s, x) => s + x.amount, 0)).toBe(T1);
    expect(up!.notice!.installments).toEqual({ before, after, overpaid: 0 });

    // 2026-04-10, after 第8期: income back to none → a decrease with nothing left to re-split: 過納.
    await setSalary(0, 3);
    const [down] = await f.deps.assessments.reassess(runner(), { householdNo: h.householdNo, fiscalYear: FY, cause: '所得の更正', today: '2026-04-10' });
    const T2 = down!.after!.total;
    expect(T2).toBeLessThan(T1);
    const expected = resplitInstallments({ fiscalYear: FY, previous: after, annualTax: T2, decidedOn: '2026-04-10' });
    expect(expected.installments).toEqual(after);
    expect(expected.overpaid).toBe(T1 - T2);

    // The versions API: each version's 期別 and 過納.
    const clerk = await f.login('kokuho01');
    const r = await clerk.request('GET', `/api/assessment/households/${h.householdNo}?fiscalYear=${FY}`);
    expect(r.status).toBe(200);
    const items = ((await r.json()) as { items: { version: number; installments: Installment[]; overpaid: number }[] }).items;
    expect(items.slice(0, 3).map((v) => [v.version, v.installments, v.overpaid])).toEqual([
      [down!.after!.version, after, T1 - T2],
      [up!.after!.version, after, 0],
      [annual.version, before, 0],
    ]);

    // The 変更決定通知書 of the first 更正: 期別 / 納期限 / 変更前 / 変更後 / 差額.
    const pdf = async (version: number) => {
      const v = await db().selectFrom('assessment').select('assessment_id').where('household_no', '=', h.householdNo).where('fiscal_year', '=', FY).where('version', '=', version).executeTakeFirstOrThrow();
      const res = await clerk.request('GET', `/api/assessment/versions/${v.assessment_id}/notice`);
      expect(res.status, await res.clone().text()).toBe(200);
      return (await pdfText(new Uint8Array(await res.arrayBuffer()))).join('').replace(/\s+/g, '');
    };
    const y = (n: number) => `${n.toLocaleString('ja-JP')}円`;
    const change = await pdf(up!.after!.version);
    expect(change).toContain('各期の税額と納期限(変更前・変更後)期別納期限変更前変更後差額');
    expect(change).toContain(`第1期令和7年7月31日${y(before[0]!.amount)}${y(before[0]!.amount)}0円`);
    expect(change).toContain(`第3期令和7年9月30日${y(before[2]!.amount)}${y(before[2]!.amount)}0円`);
    expect(change).toContain(`第4期令和7年10月31日${y(before[3]!.amount)}${y(after[3]!.amount)}+${y(after[3]!.amount - before[3]!.amount)}`);
    expect(change).toContain(`第8期令和8年3月2日${y(before[7]!.amount)}${y(each)}`);
    expect(change).toContain(`合計${y(annual.total_yen)}${y(T1)}+${y(T1 - annual.total_yen)}`);
    expect(change).not.toContain('過納額');
    const refund = await pdf(down!.after!.version);
    expect(refund).toContain(`過納額${y(T1 - T2)}`);
  });

  it('地方税法 17条の5: an increase beyond 3 years is refused (nothing stored), a decrease up to 5 years is made', async () => {
    expect(correctionDeadline(FY, 'increase')).toEqual({ dueDate: '2025-07-31', years: 3, lastDay: '2028-07-31' });
    expect(correctionDeadline(FY, 'decrease').lastDay).toBe('2030-07-31');
    // Increase: the wife insured again from 2025-12-01.
    await asActor(db(), 'staff:kokuho01', async (tx) => {
      await tx.updateTable('nhi_eligibility').set({ lost_on: '2025-12-01' }).where('atena_no', '=', FIXTURE.yamada.wife).where('superseded_at', 'is', null).execute();
    });
    const count = async () => (await db().selectFrom('assessment').select('assessment_id').where('household_no', '=', FIXTURE.yamada.household).execute()).length;
    const n = await count();
    const late = await f.deps.assessments.reassess(runner(), { householdNo: FIXTURE.yamada.household, fiscalYear: FY, cause: '遡及の届出', today: '2028-08-01' });
    expect(late[0]).toMatchObject({ outcome: 'refused', after: null });
    expect(late[0]!.message).toMatch(/地方税法第17条の5: 増額の更正は.*3年を経過した日以後はできません/);
    expect(await count()).toBe(n);
    const inTime = await f.deps.assessments.reassess(runner(), { householdNo: FIXTURE.yamada.household, fiscalYear: FY, cause: '遡及の届出', today: '2028-07-31' });
    expect(inTime[0]!.outcome).toBe('corrected');
    expect(inTime[0]!.difference).toBeGreaterThan(0);
    // Decrease after 3 years but within 5: made.
    await asActor(db(), 'staff:kokuho01', async (tx) => {
      await tx.updateTable('nhi_eligibility').set({ lost_on: '2025-06-01' }).where('atena_no', '=', FIXTURE.yamada.wife).where('superseded_at', 'is', null).execute();
    });
    const decrease = await f.deps.assessments.reassess(runner(), { householdNo: FIXTURE.yamada.household, fiscalYear: FY, cause: '遡及の届出', today: '2030-07-31' });
    expect(decrease[0]).toMatchObject({ outcome: 'corrected' });
    expect(decrease[0]!.difference).toBeLessThan(0);
    expect(await count()).toBe(n + 2);
  });

  it('a stored version is never changed nor deleted (the table trigger), only superseded once', async () => {
    const v = await db().selectFrom('assessment').select('assessment_id').where('superseded_at', 'is', null).limit(1).executeTakeFirstOrThrow();
    await expect(db().updateTable('assessment').set({ total_yen: 1 }).where('assessment_id', '=', v.assessment_id).execute()).rejects.toThrow(/never changed/);
    await expect(db().deleteFrom('assessment').where('assessment_id', '=', v.assessment_id).execute()).rejects.toThrow();
  });

  it('reassessFrom: every 年度 from the change on that has a 本算定', async () => {
    const out = await f.deps.assessments.reassessFrom(runner(), { householdNo: FIXTURE.suzuki.household, effectiveOn: '2024-06-01', cause: '所得の修正', today: '2026-11-30' });
    expect(out.map((o) => [o.fiscalYear, o.outcome])).toEqual([[2025, 'unchanged']]);
  });
});

describe('the re-assessment queue (reassessment_request, written by the income area)', () => {
  it('re-assesses each queued household and 年度 and marks its requests done in the same transaction', async () => {
    const h = await addHousehold(db(), [{ birthDate: '1979-04-04', head: true, insured: [{ from: '2015-04-01' }], salary: 3_000_000 }], FY);
    await f.deps.assessments.reassess(runner(), { householdNo: h.householdNo, fiscalYear: FY, cause: '試験', today: '2026-11-30' });
    await asActor(db(), 'staff:kokuho01', async (tx) => {
      await tx.updateTable('income_return').set({ superseded_at: new Date() }).where('atena_no', '=', h.atenaNos[0]!).where('fiscal_year', '=', FY).where('superseded_at', 'is', null).execute();
      const r = await tx
        .insertInto('income_return')
        .values({ atena_no: h.atenaNos[0]!, fiscal_year: FY, version: 2, source: 'simple_declaration', declared_on: '2026-11-30', filing_status: 'declared', salary_revenue_yen: 6_000_000, recorded_by: 'staff:kokuho01' })
        .returning('return_id')
        .executeTakeFirstOrThrow();
      await tx.insertInto('reassessment_request').values({ household_no: h.householdNo, fiscal_year: FY, reason: 'income_changed', atena_no: h.atenaNos[0]!, source_ref: `income_return:${r.return_id}`, requested_by: 'staff:kokuho01' }).execute();
    });
    const out = await f.deps.assessments.reassessPending(runner(), { today: '2026-11-30' });
    expect(out.households).toBe(1);
    expect(out.outcomes[0]).toMatchObject({ householdNo: h.householdNo, outcome: 'corrected' });
    expect(out.outcomes[0]!.difference).toBeGreaterThan(0);
    const left = await db().selectFrom('reassessment_request').select('request_id').where('household_no', '=', h.householdNo).where('done_at', 'is', null).execute();
    expect(left).toHaveLength(0);
    expect((await f.deps.assessments.reassessPending(runner(), { today: '2026-11-30' })).households).toBe(0);
  });
});

describe('rate simulation', () => {
  const municipality = { name: '案', parts: { medical: { incomeRate: '0.08', perCapita: 40_000, perHousehold: 0, limit: 670_000 }, support: { incomeRate: '0.03', perCapita: 14_000, limit: 260_000 }, care: { incomeRate: '0.02', perCapita: 16_000, limit: 170_000 } } };
  const reader = () => operatorActor('assessment-simulate', new Set(['assessment.read']));
  it("the proposed rates over the current year's households: revenue per part and the distribution of changes, nothing written", async () => {
    const rows = await current();
    const count = async () => Number((await db().selectFrom('assessment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const n = await count();
    const r = await f.deps.assessments.simulate(reader(), { fiscalYear: FY + 1, municipality });
    expect(r).toMatchObject({ fiscalYear: FY + 1, baseYear: FY, nationalParametersYear: FY + 1, households: rows.filter((x) => x.total_yen >= 0).length });
    expect(r.current.total).toBe(rows.reduce((s, x) => s + x.total_yen, 0));
    expect(r.proposed.parts.childSupport).toBe(0);
    expect(r.proposed.total).toBe(r.proposed.parts.medical + r.proposed.parts.support + r.proposed.parts.care);
    expect(r.changes.reduce((s, c) => s + c.households, 0)).toBe(r.households);
    expect(r.difference).toBe(r.proposed.total - r.current.total);
    expect(await count()).toBe(n);
    const audit = await db().selectFrom('audit_event').selectAll().where('action', '=', 'assessment.simulate').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ function_code: 'assessment.read', outcome: 'success' });
  });

  it('computed in worker threads, page by page, the figures are those computed in this thread', async () => {
    const proposal = { fiscalYear: FY + 1, municipality };
    const inThread = await simulateOver(db(), FY, FY + 1, proposal, undefined, { workers: 0 });
    const inWorkers = await simulateOver(db(), FY, FY + 1, proposal, undefined, { workers: 2 });
    const { seconds: _a, ...a } = inThread;
    const { seconds: _b, ...b } = inWorkers;
    expect(b).toEqual(a);
    expect(a.households).toBeGreaterThan(0);
    expect(a.proposed.total).toBeGreaterThan(0);
  });

  it('without the base year\'s 本算定 it is refused (422)', async () => {
    await expect(f.deps.assessments.simulate(reader(), { fiscalYear: 2028, municipality })).rejects.toMatchObject({ status: 422 });
  });
});

describe('review and release over HTTP (four-eyes)', () => {
  it('the review shows totals, the distribution and outliers; the release needs a second person; a released year refuses another 本算定', async () => {
    const clerk = await f.login('kokuho01');
    const chief = await f.login('kakari01');
    const list = (await (await clerk.request('GET', '/api/assessment/runs')).json()) as { items: { runId: string; status: string }[] };
    const run = list.items.find((x) => x.status === 'completed')!;
    const rv = await clerk.request('GET', `/api/assessment/runs/${run.runId}`);
    expect(rv.status).toBe(200);
    const review = (await rv.json()) as { distribution: { households: number }[]; counts: Record<string, number>; outliers: { capped: unknown[]; zero: unknown[] } };
    expect(review.distribution.reduce((s, d) => s + d.households, 0)).toBe(review.counts.units);
    expect(review.outliers.capped.length).toBeGreaterThanOrEqual(1);
    const req = await clerk.request('POST', `/api/assessment/runs/${run.runId}/release`);
    expect(req.status).toBe(202);
    const { changeId } = (await req.json()) as { changeId: number };
    expect((await clerk.request('POST', `/api/approvals/${changeId}/approve`, {})).status).toBe(403);
    const ok = await chief.request('POST', `/api/approvals/${changeId}/approve`, {});
    expect(ok.status).toBe(200);
    const after = (await (await clerk.request('GET', `/api/assessment/runs/${run.runId}`)).json()) as { reviewStatus: string; releasedBy: string };
    expect(after.reviewStatus).toBe('released');
    await expect(f.deps.assessments.runAnnual(runner(), FY)).rejects.toMatchObject({ status: 409, code: 'already_released' });
    const versions = await clerk.request('GET', `/api/assessment/households/${FIXTURE.yamada.household}?fiscalYear=${FY}`);
    expect(versions.status).toBe(200);
    const items = ((await versions.json()) as { items: { version: number; lines: unknown[]; supersededAt: string | null }[] }).items;
    expect(items[0]!.supersededAt).toBeNull();
    expect(items.every((v) => v.lines.length > 0)).toBe(true);
    expect((await (await f.login('shisho01')).request('GET', '/api/assessment/runs')).status).toBe(403);
  });
});
