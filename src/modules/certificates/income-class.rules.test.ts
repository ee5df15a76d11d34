import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { incomeClass, kyuTadashigaki, limitCertificateKindFor, type IncomeFacts } from './income-class.rules.js';
import { lawParams } from '../../platform/params/law-params.js';

const DAY = '2026-08-01';
const P = (key: string) => lawParams().yen(`certificates.${key}`, DAY);
const person = (p: Partial<IncomeFacts> = {}): IncomeFacts => ({
  atenaNo: 1, insured: true, head: true, elderly: false, unreported: false, exempt: false, taxableStandard: 0, totalIncome: 0, pensionRevenue: 0, incomeOtherThanPension: 0, ...p,
});
const withIncome = (total: number, extra: Partial<IncomeFacts> = {}) => person({ totalIncome: total, incomeOtherThanPension: total, ...extra });
const basic = () => lawParams().yen('tax.basic_deduction', '2026-04-01');

describe('所得区分 under 70 (国保法施行令 第29条の3; 春日部市・所沢市の案内)', () => {
  it('旧ただし書き所得 = 総所得金額等 − 43万, not below 0', () => {
    expect(kyuTadashigaki(5_000_000, DAY)).toBe(5_000_000 - basic());
    expect(kyuTadashigaki(100_000, DAY)).toBe(0);
  });
  it('the household total of the insured decides ア / イ / ウ / エ at the boundaries', () => {
    const cls = (kyu: number) => incomeClass(false, [withIncome(kyu + basic())], DAY, null).label;
    expect(cls(P('class_a_above') + 1)).toBe('ア');
    expect(cls(P('class_a_above'))).toBe('イ');
    expect(cls(P('class_i_above') + 1)).toBe('イ');
    expect(cls(P('class_i_above'))).toBe('ウ');
    expect(cls(P('class_u_above') + 1)).toBe('ウ');
    expect(cls(P('class_u_above'))).toBe('エ');
    expect(cls(0)).toBe('エ');
  });
  it('summed over the insured only: a 擬制世帯主\'s income does not count', () => {
    const head = withIncome(20_000_000, { insured: false, head: true });
    const member = withIncome(1_000_000, { atenaNo: 2, head: false });
    expect(incomeClass(false, [head, member], DAY, null).label).toBe('エ');
  });
  it('オ: the 世帯主 (擬制世帯主 included) and every insured member are 住民税非課税', () => {
    const m = person({ atenaNo: 2, head: false, exempt: true });
    expect(incomeClass(false, [person({ exempt: true }), m], DAY, null).label).toBe('オ');
    expect(incomeClass(false, [person({ insured: false, exempt: false }), m], DAY, null).label).toBe('エ'); // taxable 擬制世帯主
  });
  it('an insured member without a declaration (未申告) → ア', () => {
    expect(incomeClass(false, [person({ exempt: true }), person({ atenaNo: 2, head: false, unreported: true })], DAY, null).label).toBe('ア');
  });
  it('property: more income never lowers the category (ア highest)', () => {
    const order = ['エ', 'ウ', 'イ', 'ア'];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20_000_000 }), { minLength: 1, maxLength: 4 }), fc.nat(5_000_000), (incomes, more) => {
        const ppl = (xs: number[]) => xs.map((x, i) => withIncome(x, { atenaNo: i + 1, head: i === 0 }));
        const a = order.indexOf(incomeClass(false, ppl(incomes), DAY, null).label);
        const b = order.indexOf(incomeClass(false, ppl(incomes.map((x, i) => (i === 0 ? x + more : x))), DAY, null).label);
        expect(b).toBeGreaterThanOrEqual(a);
      }),
    );
  });
});

describe('所得区分 of 70–74', () => {
  const elderly = (p: Partial<IncomeFacts>) => person({ elderly: true, ...p });
  it('3割: 現役並みⅢ / Ⅱ / Ⅰ by the highest 課税標準額 (690万 / 380万)', () => {
    expect(incomeClass(true, [elderly({ taxableStandard: P('elderly_high3_taxable') })], DAY, 30).label).toBe('現役並みⅢ');
    expect(incomeClass(true, [elderly({ taxableStandard: P('elderly_high3_taxable') - 1 })], DAY, 30).label).toBe('現役並みⅡ');
    expect(incomeClass(true, [elderly({ taxableStandard: P('elderly_high2_taxable') - 1 })], DAY, 30).label).toBe('現役並みⅠ');
  });
  it('2割 and taxable → 一般; 非課税 → 低所得Ⅱ; 非課税 and every income 0 with pension less 80万 → 低所得Ⅰ', () => {
    expect(incomeClass(true, [elderly({ taxableStandard: 500_000 })], DAY, 20).label).toBe('一般');
    expect(incomeClass(true, [elderly({ exempt: true, pensionRevenue: P('low_income1_pension_deduction') + 1 })], DAY, 20).label).toBe('低所得Ⅱ');
    expect(incomeClass(true, [elderly({ exempt: true, pensionRevenue: P('low_income1_pension_deduction') })], DAY, 20).label).toBe('低所得Ⅰ');
    expect(incomeClass(true, [elderly({ exempt: true }), person({ atenaNo: 2, head: false, exempt: true, incomeOtherThanPension: 10_000 })], DAY, 20).label).toBe('低所得Ⅱ');
  });
  it('which 認定証 states the category', () => {
    expect(limitCertificateKindFor('u')).toBe('limit');
    expect(limitCertificateKindFor('high1')).toBe('limit');
    expect(limitCertificateKindFor('o')).toBe('limit_reduced');
    expect(limitCertificateKindFor('low1')).toBe('limit_reduced');
    expect(limitCertificateKindFor('general')).toBeNull();
    expect(limitCertificateKindFor('high3')).toBeNull();
  });
});
