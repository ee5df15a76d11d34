import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lawParams } from '../../platform/params/law-params.js';
import { calculateInstallments, closedReason, nextOpenDay, ordinaryDueDates, parseInstallmentsInput, type InstallmentsInput } from './installments.rules.js';

const params = lawParams();
const calc = (data: unknown) => {
  const p = parseInstallmentsInput(data);
  if (!p.ok) throw new Error(p.errors.join('\n'));
  return calculateInstallments(p.input);
};

describe('普通徴収 by the city\'s 納期 (川口市: 8期, 7月〜翌年2月, 第6期は12月28日)', () => {
  it('the due dates of the 条例 before moving (https://www.city.kawaguchi.lg.jp/soshiki/01090/035/oshirase/26492.html)', () => {
    expect(ordinaryDueDates(2025)).toEqual(['2025-07-31', '2025-08-31', '2025-09-30', '2025-10-31', '2025-11-30', '2025-12-28', '2026-01-31', '2026-02-28']);
    expect(ordinaryDueDates(2027).at(-1)).toBe('2028-02-29');
  });

  it('千円 units, the remainder in 第1期 (the contract example: 185,900 → 第1期 24,900 due 2025-07-31)', () => {
    const r = calc({ fiscalYear: 2025, annualTax: 185_900, ordinary: true });
    expect(r.installments[0]).toEqual({ label: '第1期', kind: 'ordinary', dueDate: '2025-07-31', amount: 24_900 });
    expect(r.installments.slice(1).every((i) => i.amount === 23_000)).toBe(true);
  });

  it('a 納期限 on a weekend, a holiday or 年末年始 moves to the next open day (地方税法 20条の5)', () => {
    const r = calc({ fiscalYear: 2025, annualTax: 80_000, ordinary: true });
    const due = Object.fromEntries(r.installments.map((i) => [i.label, i.dueDate]));
    expect(due['第2期']).toBe('2025-09-01'); // 8月31日 is a Sunday
    expect(due['第6期']).toBe('2026-01-05'); // 12月28日 Sunday, then 年末年始 to 1月3日, 1月4日 Sunday
    expect(r.lines.find((l) => l.label === '第6期 納期限')!.formula).toMatch(/令和7年12月28日\(日・日曜日\) → 令和8年1月5日\(月\)/);
    expect(nextOpenDay('2026-05-03')).toBe('2026-05-07'); // 憲法記念日(日), みどりの日, こどもの日, 振替休日
    expect(closedReason('2026-12-30')).toBe('年末年始の休日');
    expect(closedReason('2026-12-28')).toBeNull();
  });

  it('a small tax: installments of 0 are left out', () => {
    const r = calc({ fiscalYear: 2025, annualTax: 2_500, ordinary: true });
    expect(r.installments).toEqual([{ label: '第1期', kind: 'ordinary', dueDate: '2025-07-31', amount: 2_500 }]);
  });
});

describe('特別徴収 (仮徴収 4・6・8月, 本徴収 10・12・2月)', () => {
  it('仮徴収 as given (April repeated), 本徴収 the rest ÷ 3 in 百円 units, the remainder in October', () => {
    const r = calc({ fiscalYear: 2025, annualTax: 185_900, special: { provisional: [12_600] } });
    expect(r.installments.map((i) => [i.label, i.kind, i.amount])).toEqual([
      ['4月', 'provisional', 12_600],
      ['6月', 'provisional', 12_600],
      ['8月', 'provisional', 12_600],
      ['10月', 'final', 49_500], // 148,100 ÷ 3 = 49,366 → 49,300; the remainder 200 in October
      ['12月', 'final', 49_300],
      ['2月', 'final', 49_300],
    ]);
    expect(r.installments.every((i) => i.dueDate === undefined)).toBe(true);
  });

  it('平準化: June and August bring the 仮徴収 to about half the annual tax', () => {
    const both = calc({ fiscalYear: 2025, annualTax: 185_900, special: { provisional: [12_600], levelling: 'juneAugust' } });
    expect(both.installments.slice(0, 3).map((i) => i.amount)).toEqual([12_600, 40_100, 40_100]);
    const aug = calc({ fiscalYear: 2025, annualTax: 185_900, special: { provisional: [12_600, 12_600], levelling: 'august' } });
    expect(aug.installments.slice(0, 3).map((i) => i.amount)).toEqual([12_600, 12_600, 67_700]);
  });

  it('仮徴収 above the annual tax is refused (過納: refunded, no 本徴収)', () => {
    expect(() => calc({ fiscalYear: 2025, annualTax: 10_000, special: { provisional: [5_000, 5_000, 5_000] } })).toThrow(/仮徴収の合計 15,000円が年税額 10,000円を超えています/);
  });
});

describe('properties', () => {
  it('the amounts always sum to the annual tax, none is negative, and ordinary due dates are open days in order', () => {
    const input = fc.oneof(
      fc.record({ fiscalYear: fc.integer({ min: 2022, max: 2026 }), annualTax: fc.integer({ min: 0, max: 2_000_000 }), ordinary: fc.constant(true as const) }),
      fc.integer({ min: 0, max: 2_000_000 }).chain((annualTax) =>
        fc.record({
          fiscalYear: fc.integer({ min: 2022, max: 2026 }),
          annualTax: fc.constant(annualTax),
          special: fc.record({ provisional: fc.array(fc.integer({ min: 0, max: Math.floor(annualTax / 3) }), { minLength: 1, maxLength: 3 }), levelling: fc.constantFrom('none', 'juneAugust', 'august') as fc.Arbitrary<'none' | 'juneAugust' | 'august'> }),
        }),
      ),
    ) as fc.Arbitrary<InstallmentsInput>;
    fc.assert(
      fc.property(input, (i) => {
        const r = calculateInstallments(i);
        expect(r.installments.reduce((s, x) => s + x.amount, 0)).toBe(i.annualTax);
        expect(r.installments.every((x) => Number.isSafeInteger(x.amount) && x.amount >= 0)).toBe(true);
        const dates = r.installments.map((x) => x.dueDate).filter((d): d is string => d !== undefined);
        expect(dates.every((d) => closedReason(d, params) === null)).toBe(true);
        expect([...dates].sort()).toEqual(dates);
      }),
      { numRuns: 200 },
    );
  });

  it('input checks name the path and the rule', () => {
    const r = parseInstallmentsInput({ fiscalYear: 2025, annualTax: -1, ordinary: true, special: { provisional: [] } });
    expect(r.ok ? [] : r.errors).toEqual(['annualTax: 0以上の整数で入力してください', 'special.provisional: 4月の仮徴収の額を入力してください', 'ordinary: ordinary(普通徴収)か special(特別徴収)のどちらか一方を指定してください']);
    const neither = parseInstallmentsInput({ fiscalYear: 2025, annualTax: 1 });
    expect(neither.ok ? [] : neither.errors).toEqual(['ordinary: ordinary(普通徴収)か special(特別徴収)のどちらか一方を指定してください']);
  });
});
