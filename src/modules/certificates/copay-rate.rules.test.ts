import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { copayRate, elderlyFrom, preschoolOn, type ElderlyMember } from './copay-rate.rules.js';
import { lawParams } from '../../platform/params/law-params.js';

const P = (key: string) => lawParams().yen(`certificates.${key}`, '2026-08-01');
const member = (m: Partial<ElderlyMember> = {}): ElderlyMember => ({ atenaNo: 1, taxableStandard: 0, revenue: 0, kyuTadashigaki: 0, ...m });
const judge = (members: ElderlyMember[], opts: { former?: number[]; applied?: boolean; birthDate?: string } = {}) =>
  copayRate({ day: '2026-08-01', birthDate: opts.birthDate ?? '1955-05-10', elderlyMembers: members, formerInsuredRevenues: opts.former ?? [], revenueTestApplied: opts.applied ?? false });

describe('高齢受給者 from the month after the 70th birthday (国保法 第42条第1項第3号)', () => {
  it('born mid-month: from the 1st of the next month; born on the 1st: from the birthday month', () => {
    expect(elderlyFrom('1956-05-10', '2026-01-01')).toBe('2026-06-01');
    expect(elderlyFrom('1956-05-01', '2026-01-01')).toBe('2026-05-01');
    expect(elderlyFrom('1956-12-15', '2026-01-01')).toBe('2027-01-01');
  });
  it('under 70: 3割, 義務教育就学前 2割 until the 31 March after the 6th birthday', () => {
    expect(judge([], { birthDate: '1990-01-01' })).toMatchObject({ label: '3割', basis: 'working_age', elderly: false });
    expect(preschoolOn('2020-04-01', '2026-03-31')).toBe(true); // reaches 6 on 2026-03-31: school from April 2026
    expect(preschoolOn('2020-04-01', '2026-04-01')).toBe(false);
    expect(preschoolOn('2020-04-02', '2027-03-31')).toBe(true);
    expect(preschoolOn('2020-04-02', '2027-04-01')).toBe(false);
    expect(copayRate({ day: '2026-08-01', birthDate: '2021-06-01', elderlyMembers: [], formerInsuredRevenues: [], revenueTestApplied: false })).toMatchObject({ label: '2割', basis: 'preschool' });
  });
});

describe('一部負担金の割合 of 70–74 (国保法施行令 第27条の2; 川口市「高齢受給者証について」)', () => {
  it('課税標準額 under 145万 → 2割', () => {
    expect(judge([member({ taxableStandard: P('copay_high_taxable_income') - 1, kyuTadashigaki: 5_000_000 })])).toMatchObject({ label: '2割', basis: 'general' });
  });
  it('課税標準額 145万 or more with 旧ただし書き所得 over 210万 → 3割', () => {
    expect(judge([member({ taxableStandard: P('copay_high_taxable_income'), kyuTadashigaki: P('copay_kyu_tadashigaki_limit') + 1, revenue: 5_000_000 })])).toMatchObject({ label: '3割', basis: 'high_income' });
  });
  it('旧ただし書き所得 total of 210万 or less → 2割 without application', () => {
    const j = judge([member({ taxableStandard: 2_000_000, kyuTadashigaki: 1_500_000 }), member({ atenaNo: 2, taxableStandard: 0, kyuTadashigaki: P('copay_kyu_tadashigaki_limit') - 1_500_000 })]);
    expect(j).toMatchObject({ label: '2割', basis: 'kyu_tadashigaki' });
  });
  it('基準収入額 on application: one member under 383万 → 2割; at 383万 → 3割', () => {
    const one = (revenue: number) => judge([member({ taxableStandard: 2_000_000, kyuTadashigaki: 2_500_000, revenue })], { applied: true });
    expect(one(P('copay_revenue_single') - 1)).toMatchObject({ label: '2割', basis: 'revenue_test' });
    expect(one(P('copay_revenue_single'))).toMatchObject({ label: '3割' });
    expect(judge([member({ taxableStandard: 2_000_000, kyuTadashigaki: 2_500_000, revenue: 3_000_000 })])).toMatchObject({ label: '3割' }); // not applied
  });
  it('one member over 383万 with a 旧国保被保険者: their combined revenue under 520万 → 2割', () => {
    const m = member({ taxableStandard: 2_000_000, kyuTadashigaki: 2_500_000, revenue: 4_000_000 });
    expect(judge([m], { applied: true, former: [P('copay_revenue_multiple') - 4_000_000 - 1] })).toMatchObject({ label: '2割', basis: 'revenue_test' });
    expect(judge([m], { applied: true, former: [P('copay_revenue_multiple') - 4_000_000] })).toMatchObject({ label: '3割' });
  });
  it('two members: combined revenue under 520万 → 2割', () => {
    const two = (r: number) => judge([member({ taxableStandard: 2_000_000, kyuTadashigaki: 1_600_000, revenue: r }), member({ atenaNo: 2, taxableStandard: 0, kyuTadashigaki: 1_000_000, revenue: 1_000_000 })], { applied: true });
    expect(two(P('copay_revenue_multiple') - 1_000_000 - 1)).toMatchObject({ label: '2割' });
    expect(two(P('copay_revenue_multiple') - 1_000_000)).toMatchObject({ label: '3割' });
  });
  it('a member without a 住民税 record (未申告) → 3割 until declared', () => {
    expect(judge([member({ taxableStandard: null })])).toMatchObject({ label: '3割', basis: 'unreported' });
  });
  it('property: lowering any member\'s income never raises the rate; applying never raises it', () => {
    const m = fc.record({ taxableStandard: fc.integer({ min: 0, max: 10_000_000 }), revenue: fc.integer({ min: 0, max: 15_000_000 }), kyuTadashigaki: fc.integer({ min: 0, max: 12_000_000 }) });
    fc.assert(
      fc.property(fc.array(m, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.nat(5_000_000), (ms, applied, cut) => {
        const members = ms.map((x, i) => member({ ...x, atenaNo: i + 1 }));
        const base = judge(members, { applied }).percent;
        const lower = members.map((x) => ({ ...x, taxableStandard: Math.max(0, x.taxableStandard! - cut), revenue: Math.max(0, x.revenue - cut), kyuTadashigaki: Math.max(0, x.kyuTadashigaki - cut) }));
        expect(judge(lower, { applied }).percent).toBeLessThanOrEqual(base);
        expect(judge(members, { applied: true }).percent).toBeLessThanOrEqual(judge(members, { applied: false }).percent);
      }),
    );
  });
});
