import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lawParams } from '../../platform/params/law-params.js';
import { calculateInstallments, type Installment } from './installments.rules.js';
import { installmentsOfVersions, resplitInstallments, specialCollectionToStop, type VersionForInstallments } from './installments-change.rules.js';

const params = lawParams();
const FY = 2025;
// The 本算定 of 185,900円 (FY2025, 川口市): 第1期 24,900, 第2–8期 23,000; 納期限 moved past closed days:
// 第1期 7/31, 第2期 9/1 (8/31 Sun), 第3期 9/30, 第4期 10/31, 第5期 12/1 (11/30 Sun), 第6期 1/5 (12/28 Sun + 年末年始),
// 第7期 2/2 (1/31 Sat), 第8期 3/2 (2/28 Sat).
const annual = calculateInstallments({ fiscalYear: FY, annualTax: 185_900, ordinary: true }).installments;
const amounts = (xs: readonly Installment[]) => Object.fromEntries(xs.map((x) => [x.label, x.amount]));
const total = (xs: readonly Installment[]) => xs.reduce((s, x) => s + x.amount, 0);

describe('re-splitting the 期別 after a 更正 (普通徴収)', () => {
  it('an increase decided after 第3期: 第1–3期 kept, the rest re-split in 千円 with the remainder in 第4期', () => {
    // Past (due before 2025-10-15): 24,900 + 23,000 + 23,000 = 70,900. Left: 250,000 − 70,900 = 179,100 over 5 期:
    // 179,100 ÷ 5 = 35,820 → 35,000; 第4期 = 179,100 − 4 × 35,000 = 39,100.
    const r = resplitInstallments({ fiscalYear: FY, previous: annual, annualTax: 250_000, decidedOn: '2025-10-15' });
    expect(amounts(r.installments)).toEqual({ 第1期: 24_900, 第2期: 23_000, 第3期: 23_000, 第4期: 39_100, 第5期: 35_000, 第6期: 35_000, 第7期: 35_000, 第8期: 35_000 });
    expect(r.overpaid).toBe(0);
    expect(r.installments.map((i) => i.dueDate)).toEqual(annual.map((i) => i.dueDate));
    expect(r.lines.map((l) => l.label)).toEqual(['納期限を過ぎた期', '納期限の来ていない期', '合計']);
    expect(r.lines[0]!.formula).toContain('令和7年10月15日より前に納期限が来た期の額は変えません: 第1期 24,900 + 第2期 23,000 + 第3期 23,000');
    expect(r.lines[1]!.formula).toBe('(年税額 250,000 − 納期限を過ぎた期 70,900) ÷ 5期 → 1,000円単位 35,000、端数は変更後の最初の納期(第4期)');
    expect(r.lines[1]!.reference).toContain('[city_tax.ordinary_change_remainder_to]');
  });

  it('a decrease: 185,900 → 100,000 on 2025-10-15 gives 第4期 9,100 and 第5–8期 5,000', () => {
    // 100,000 − 70,900 = 29,100; ÷ 5 = 5,820 → 5,000; 第4期 = 29,100 − 20,000 = 9,100.
    const r = resplitInstallments({ fiscalYear: FY, previous: annual, annualTax: 100_000, decidedOn: '2025-10-15' });
    expect(amounts(r.installments)).toMatchObject({ 第3期: 23_000, 第4期: 9_100, 第5期: 5_000, 第8期: 5_000 });
    expect(r.overpaid).toBe(0);
  });

  it('a decrease beyond what is not yet due: those become 0 and the excess is 過納, never a negative installment', () => {
    // 50,000 − 70,900 = −20,900: 第4–8期 0, 過納 20,900; 70,900 − 20,900 = 50,000.
    const r = resplitInstallments({ fiscalYear: FY, previous: annual, annualTax: 50_000, decidedOn: '2025-10-15' });
    expect(amounts(r.installments)).toEqual({ 第1期: 24_900, 第2期: 23_000, 第3期: 23_000, 第4期: 0, 第5期: 0, 第6期: 0, 第7期: 0, 第8期: 0 });
    expect(r.overpaid).toBe(20_900);
    expect(r.lines.find((l) => l.label === '過納')).toMatchObject({ amount: 20_900, reference: expect.stringContaining('地方税法 第17条') });
  });

  it('a 期 due on the day of the decision is not yet due (only those due before it are kept)', () => {
    // Decided 2025-09-30, 第3期's 納期限: 24,900 + 23,000 kept; 250,000 − 47,900 = 202,100 over 6 → 33,000 (33,683),
    // 第3期 = 202,100 − 5 × 33,000 = 37,100.
    const r = resplitInstallments({ fiscalYear: FY, previous: annual, annualTax: 250_000, decidedOn: '2025-09-30' });
    expect(amounts(r.installments)).toMatchObject({ 第2期: 23_000, 第3期: 37_100, 第4期: 33_000, 第8期: 33_000 });
  });

  it('an increase after the last 納期限 is one 随時 installment, due at the end of the next month (moved past a Sunday)', () => {
    // Decided 2026-04-10 (after 第8期 2026-03-02): 200,000 − 185,900 = 14,100; 2026-05-31 is a Sunday → 2026-06-01.
    const r = resplitInstallments({ fiscalYear: FY, previous: annual, annualTax: 200_000, decidedOn: '2026-04-10' });
    expect(r.installments.at(-1)).toEqual({ label: '随時1期', kind: 'occasional', dueDate: '2026-06-01', amount: 14_100 });
    expect(r.installments.slice(0, 8)).toEqual(annual);
    expect(r.lines.find((l) => l.label === '随時1期 納期限')!.formula).toContain('令和8年5月31日(日) → 休日のため 令和8年6月1日(月)');
    // Changed again before that 随時 is due: it is the one installment left, re-split like the others.
    const again = resplitInstallments({ fiscalYear: FY, previous: r.installments, annualTax: 190_000, decidedOn: '2026-05-20' });
    expect(again.installments.at(-1)).toEqual({ label: '随時1期', kind: 'occasional', dueDate: '2026-06-01', amount: 4_100 });
    // And after it: a second 随時.
    const later = resplitInstallments({ fiscalYear: FY, previous: again.installments, annualTax: 195_000, decidedOn: '2026-07-01' });
    expect(later.installments.at(-1)).toEqual({ label: '随時2期', kind: 'occasional', dueDate: '2026-08-31', amount: 5_000 });
  });

  it('a decrease after the last 納期限: nothing to re-split, the whole decrease is 過納', () => {
    const r = resplitInstallments({ fiscalYear: FY, previous: annual, annualTax: 180_000, decidedOn: '2026-04-10' });
    expect(r.installments).toEqual(annual);
    expect(r.overpaid).toBe(5_900);
  });

  it('a unit first assessed by a 更正 (joined during the year): the tax over the 期 not yet due only', () => {
    // 30,000 on 2025-11-10: 第5–8期 (12/1, 1/5, 2/2, 3/2); 30,000 ÷ 4 = 7,500 → 7,000; 第5期 = 30,000 − 21,000 = 9,000.
    const r = resplitInstallments({ fiscalYear: FY, previous: [], annualTax: 30_000, decidedOn: '2025-11-10' });
    expect(r.installments.map((i) => [i.label, i.dueDate, i.amount])).toEqual([
      ['第5期', '2025-12-01', 9_000],
      ['第6期', '2026-01-05', 7_000],
      ['第7期', '2026-02-02', 7_000],
      ['第8期', '2026-03-02', 7_000],
    ]);
  });

  it('特別徴収 is re-split by its 中止 (special-collection.rules.test.ts); one whose 年金支払月 cannot be told is refused', () => {
    expect(() => resplitInstallments({ fiscalYear: FY, previous: [{ label: '仮徴収', kind: 'provisional', amount: 10_000 }], annualTax: 50_000, decidedOn: '2025-10-15' })).toThrow(/特別徴収/);
  });
});

describe('the 期別 of a unit\'s versions (fold over 本算定 and 更正)', () => {
  it('本算定 split afresh, each 更正 re-split from the version before at its decision day', () => {
    const versions: VersionForInstallments[] = [
      { reason: 'annual', total: 185_900, decidedOn: '2025-07-10' },
      { reason: 'correction', total: 250_000, decidedOn: '2025-10-15' },
      { reason: 'correction', total: 100_000, decidedOn: '2026-01-20' },
    ];
    const [a, b, c] = installmentsOfVersions(FY, versions);
    expect(a!.installments).toEqual(annual);
    expect(a!.previous).toBeNull();
    expect(b!.previous).toEqual(annual);
    expect(amounts(b!.installments)).toMatchObject({ 第4期: 39_100, 第5期: 35_000 });
    // Third: due before 2026-01-20: 第1–6期 = 70,900 + 39,100 + 35,000 + 35,000 = 180,000 > 100,000 → 第7–8期 0, 過納 80,000.
    expect(amounts(c!.installments)).toMatchObject({ 第6期: 35_000, 第7期: 0, 第8期: 0 });
    expect(c!.overpaid).toBe(80_000);
    expect(c!.previous).toEqual(b!.installments);
  });

  it('a 更正 keeps the 期別 it notified (stored) even when the rule would now give others', () => {
    const stored: Installment[] = [{ label: '第1期', kind: 'ordinary', dueDate: '2025-07-31', amount: 200_000 }];
    const [, b] = installmentsOfVersions(FY, [
      { reason: 'annual', total: 185_900, decidedOn: '2025-07-10' },
      { reason: 'correction', total: 200_000, decidedOn: '2025-07-20', stored },
    ]);
    expect(b!.installments).toEqual(stored);
    expect(b!.lines[0]!.formula).toMatch(/通知した期別/);
  });
});

describe('properties', () => {
  const fiscalYear = fc.integer({ min: 2022, max: 2026 });
  const tax = fc.integer({ min: 0, max: 2_000_000 });
  /** Days from 4月1日 of the 年度 to two years later: decisions before, during and after the 納期. */
  const offset = fc.integer({ min: 0, max: 730 });
  const dayOf = (fy: number, n: number) => new Date(Date.UTC(fy, 3, 1 + n)).toISOString().slice(0, 10);
  const chain = fc.record({ fy: fiscalYear, first: tax, changes: fc.array(fc.record({ tax, day: offset }), { minLength: 1, maxLength: 4 }) });
  const unit = params.yen('city_tax.ordinary_remainder_unit', '2025-04-01');

  it('Σ installments − 過納 = the annual tax; amounts due before the decision never change; none is negative; the 期 not yet due differ only by the remainder', () => {
    fc.assert(
      fc.property(chain, ({ fy, first, changes }) => {
        const sorted = [...changes].sort((a, b) => a.day - b.day);
        let previous = calculateInstallments({ fiscalYear: fy, annualTax: first, ordinary: true }).installments;
        for (const c of sorted) {
          const decidedOn = dayOf(fy, c.day);
          const r = resplitInstallments({ fiscalYear: fy, previous, annualTax: c.tax, decidedOn });
          expect(total(r.installments) - r.overpaid).toBe(c.tax);
          expect(r.overpaid).toBeGreaterThanOrEqual(0);
          expect(r.installments.every((i) => Number.isInteger(i.amount) && i.amount >= 0)).toBe(true);
          const due = previous.filter((p) => p.dueDate! < decidedOn);
          for (const p of due) expect(r.installments.find((i) => i.label === p.label)).toEqual(p);
          expect(r.installments.filter((i) => i.dueDate! < decidedOn)).toEqual(due);
          const open = r.installments.filter((i) => i.dueDate! >= decidedOn);
          if (open.length > 1) {
            const each = open[1]!.amount;
            expect(open.slice(1).every((i) => i.amount === each)).toBe(true);
            expect(each % unit).toBe(0);
            expect(open[0]!.amount - each).toBeGreaterThanOrEqual(0);
            expect(open[0]!.amount - each).toBeLessThan(unit * open.length);
          }
          if (r.overpaid > 0) expect(open.every((i) => i.amount === 0)).toBe(true);
          previous = r.installments;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('re-splitting with an unchanged annual tax (on the same day or later) changes nothing', () => {
    fc.assert(
      fc.property(chain, offset, ({ fy, first, changes }, later) => {
        const sorted = [...changes].sort((a, b) => a.day - b.day);
        let previous = calculateInstallments({ fiscalYear: fy, annualTax: first, ordinary: true }).installments;
        let last = { tax: first, overpaid: 0, day: 0 };
        for (const c of sorted) {
          const r = resplitInstallments({ fiscalYear: fy, previous, annualTax: c.tax, decidedOn: dayOf(fy, c.day) });
          previous = r.installments;
          last = { tax: c.tax, overpaid: r.overpaid, day: c.day };
        }
        const again = resplitInstallments({ fiscalYear: fy, previous, annualTax: last.tax, decidedOn: dayOf(fy, last.day + later) });
        expect(again.installments).toEqual(previous);
        expect(again.overpaid).toBe(last.overpaid);
        // From the 本算定 itself, too.
        const base = calculateInstallments({ fiscalYear: fy, annualTax: first, ordinary: true }).installments;
        expect(resplitInstallments({ fiscalYear: fy, previous: base, annualTax: first, decidedOn: dayOf(fy, later) }).installments).toEqual(base);
      }),
      { numRuns: 300 },
    );
  });
});

describe('whether a change still stops 特別徴収 (specialCollectionToStop: 口座振替への変更申出, a new 納税義務者)', () => {
  // 特別徴収 of FY2025 (年金支払日 the 15th of even months); the 中止 reaches the 年金支払月 from the first one
  // city_tax.special_stop_lead_months (2) after the month of the decision.
  const special: Installment[] = [
    { label: '4月', kind: 'provisional', dueDate: '2025-04-15', amount: 12_300 },
    { label: '6月', kind: 'provisional', dueDate: '2025-06-15', amount: 12_300 },
    { label: '8月', kind: 'provisional', dueDate: '2025-08-15', amount: 12_300 },
    { label: '10月', kind: 'final', dueDate: '2025-10-15', amount: 36_400 },
    { label: '12月', kind: 'final', dueDate: '2025-12-15', amount: 36_200 },
    { label: '2月', kind: 'final', dueDate: '2026-02-15', amount: 36_200 },
  ];
  it('decided 2025-11-10: February can still be stopped (from 2026-01-01)', () => {
    expect(specialCollectionToStop(FY, special, '2025-11-10', params)).toBe(true);
  });
  it('decided 2025-12-10: the stop would start in February 2026 — still in time for the February payment', () => {
    expect(specialCollectionToStop(FY, special, '2025-12-10', params)).toBe(true);
  });
  it('decided 2026-01-10: too late for February (the stop starts in March): nothing to stop, no 更正', () => {
    expect(specialCollectionToStop(FY, special, '2026-01-10', params)).toBe(false);
  });
  it('already stopped, or no 特別徴収 at all (普通徴収): nothing to stop', () => {
    const stopped = special.map((p) => (p.label === '2月' ? { ...p, amount: 0, stopped: true } : p));
    expect(specialCollectionToStop(FY, stopped, '2025-11-10', params)).toBe(false);
    expect(specialCollectionToStop(FY, annual, '2025-11-10', params)).toBe(false);
  });
  it('the stop line names the cause when given (the tax unchanged)', () => {
    const r = resplitInstallments({ fiscalYear: FY, previous: special, annualTax: total(special), decidedOn: '2025-11-10', cause: '口座振替への変更の申出' });
    expect(r.lines[0]!.formula).toMatch(/^口座振替への変更の申出\(令和7年11月10日決定\)により特別徴収を中止します/);
    expect(total(r.installments)).toBe(total(special));
    expect(r.installments.find((p) => p.label === '2月')).toMatchObject({ amount: 0, stopped: true });
  });
});
