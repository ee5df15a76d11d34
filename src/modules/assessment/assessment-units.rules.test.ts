import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HouseholdFacts } from '../eligibility/nhi-household.rules.js';
import { assessmentUnits, specificHouseholdOn } from './assessment-units.rules.js';
import { calculateTax } from './tax.rules.js';

describe('特定世帯・特定継続世帯 from the history (地方税法施行令 56条の89)', () => {
  // Sources (tax.yaml): 佐倉市 — 特定世帯 up to 5 years, then 特定継続世帯 3 years, judged on the 賦課期日.
  it('特定世帯 through the month 5 years after the month it began, then 特定継続世帯 for 3 years, then neither', () => {
    // Became 特定同一世帯所属者 on 2019-05-10 (month index: May 2019).
    expect(specificHouseholdOn('2019-05-10', '2022-04-01', 1)).toBe('specific'); // 35 months
    expect(specificHouseholdOn('2019-05-10', '2024-05-01', 1)).toBe('specific'); // 60 months: the month 5 years pass
    expect(specificHouseholdOn('2019-05-10', '2024-06-01', 1)).toBe('continuing'); // 61
    expect(specificHouseholdOn('2019-05-10', '2025-04-01', 1)).toBe('continuing'); // 71
    expect(specificHouseholdOn('2019-05-10', '2027-05-01', 1)).toBe('continuing'); // 96: 8 years
    expect(specificHouseholdOn('2019-05-10', '2027-06-01', 1)).toBe('none'); // 97
  });
  it('only with exactly one insured person that day', () => {
    expect(specificHouseholdOn('2024-05-10', '2025-04-01', 2)).toBe('none');
    expect(specificHouseholdOn('2024-05-10', '2025-04-01', 0)).toBe('none');
  });
  it('property: specific, then continuing, then none — never back — as the day moves on', () => {
    const rank = { specific: 0, continuing: 1, none: 2 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 150 }), (a, b) => {
        const day = (m: number) => `${2010 + Math.floor((4 + m - 1) / 12)}-${String(((4 + m - 1) % 12) + 1).padStart(2, '0')}-01`;
        const [x, y] = a <= b ? [a, b] : [b, a];
        expect(rank[specificHouseholdOn('2010-04-15', day(x), 1)]).toBeLessThanOrEqual(rank[specificHouseholdOn('2010-04-15', day(y), 1)]);
      }),
    );
  });

  it('a unit: the head alone insured beside the mother who moved to 後期 on 2019-05-10 — 特定世帯 in FY2022, 特定継続世帯 in FY2025, the 平等割 reduced by 1/2 and 1/4', () => {
    const facts: HouseholdFacts = {
      members: [
        { atenaNo: 1, householdNo: 9, head: true, validFrom: '2000-01-01', validTo: null },
        { atenaNo: 2, householdNo: 9, head: false, validFrom: '2000-01-01', validTo: null },
      ],
      eligibility: [
        { atenaNo: 1, householdNo: 9, acquiredOn: '2010-04-01', lostOn: null, lossReason: null },
        { atenaNo: 2, householdNo: 9, acquiredOn: '2010-04-01', lostOn: '2019-05-10', lossReason: 'late_elderly' },
      ],
      statuses: [{ statusId: 1, atenaNo: 2, householdNo: 9, kind: 'specific_same_household', validFrom: '2019-05-10', validTo: null, facilityName: null, facilityKind: null, schoolName: null }],
    };
    const persons = new Map([
      [1, { birthDate: '1965-01-01' }],
      [2, { birthDate: '1944-05-10' }],
    ]);
    const incomes = new Map([
      [1, { income: { salaryRevenue: 3_000_000, pensionRevenue: 0, otherIncome: 0 }, reported: true }],
      [2, { income: { salaryRevenue: 0, pensionRevenue: 1_000_000, otherIncome: 0 }, reported: true }],
    ]);
    const [fy2022] = assessmentUnits(9, 2022, facts, persons, incomes as never);
    const [fy2025] = assessmentUnits(9, 2025, facts, persons, incomes as never);
    expect(fy2022!.input!.specificHousehold).toBe('specific');
    expect(fy2025!.input!.specificHousehold).toBe('continuing');
    // 川口市 levies no 平等割: a city with one (rates made up for the test) shows the reduction in its 医療分.
    const municipality = { name: '試験市', parts: { medical: { incomeRate: '0.07', perCapita: 30000, perHousehold: 24000 } } };
    const t2022 = calculateTax({ ...fy2022!.input!, municipality } as never);
    const t2025 = calculateTax({ ...fy2025!.input!, municipality } as never);
    const share = (t: typeof t2022) => t.parts.medical!.reductions.specificHousehold / t.parts.medical!.perHousehold;
    expect(share(t2022)).toBeCloseTo(0.5, 2);
    expect(share(t2025)).toBeCloseTo(0.25, 2);
  });
});

describe('members with no month charged in the 年度 (月割: a month counts when its last day is insured)', () => {
  const incomes = new Map([
    [1, { income: { salaryRevenue: 0, pensionRevenue: 0, otherIncome: 1_500_000 }, reported: true }],
    [2, { income: { salaryRevenue: 0, pensionRevenue: 2_400_000, otherIncome: 0 }, reported: true }],
  ]);
  const municipality = { name: '試験市', parts: { medical: { incomeRate: '0.07', perCapita: 30000, perHousehold: 0 } } };
  const household = (eligibility: HouseholdFacts['eligibility']): HouseholdFacts => ({
    members: [
      { atenaNo: 1, householdNo: 9, head: true, validFrom: '2000-01-01', validTo: null },
      { atenaNo: 2, householdNo: 9, head: false, validFrom: '2000-01-01', validTo: null },
    ],
    eligibility,
    statuses: [],
  });
  /** FY2026 units of the head (insured throughout, born 1970-06-01) and member 2 with the given 資格 period and birth date. */
  const unitsWithSecond = (second: Pick<HouseholdFacts['eligibility'][number], 'acquiredOn' | 'lostOn' | 'lossReason'>, birthDate: string) =>
    assessmentUnits(
      9,
      2026,
      household([
        { atenaNo: 1, householdNo: 9, acquiredOn: '2015-04-01', lostOn: null, lossReason: null },
        { atenaNo: 2, householdNo: 9, ...second },
      ]),
      new Map([
        [1, { birthDate: '1970-06-01' }],
        [2, { birthDate }],
      ]),
      incomes as never,
    );

  it('a member reaching 75 on 2026-04-10 (喪失日 = the birthday, 国保法 6条1号・高確法 50条) is charged no month of FY2026 but counts in the 4月1日 軽減 judgement; the unit is assessed, not refused', () => {
    const [unit] = unitsWithSecond({ acquiredOn: '2015-04-01', lostOn: '2026-04-10', lossReason: 'late_elderly' }, '1951-04-10');
    const member2 = unit!.input!.members[1]!;
    expect(member2.insured).toBe(false);
    expect(member2.formerInsuredToLatterElderly).toBe(true);
    const tax = calculateTax({ ...unit!.input!, municipality } as never);
    // 均等割 of one person for 12 months: the member who left is charged nothing.
    expect(tax.parts.medical!.perCapita).toBe(30000);
  });

  it('a member insured from 2026-05-03 to 2026-05-20 only (no month end insured) is not charged and the unit keeps the head', () => {
    const [unit] = unitsWithSecond({ acquiredOn: '2026-05-03', lostOn: '2026-05-20', lossReason: 'joined_employee_insurance' }, '1972-06-01');
    expect(unit!.input!.members.map((m) => m.insured)).toEqual([true, false]);
    expect(unit!.input!.members[1]!.formerInsuredToLatterElderly).toBeUndefined();
    expect(() => calculateTax({ ...unit!.input!, municipality } as never)).not.toThrow();
  });

  it('a household whose only insured person has no month charged gives no unit (no tax, nothing refused)', () => {
    const facts: HouseholdFacts = {
      members: [{ atenaNo: 2, householdNo: 9, head: true, validFrom: '2000-01-01', validTo: null }],
      eligibility: [{ atenaNo: 2, householdNo: 9, acquiredOn: '2015-04-01', lostOn: '2026-04-10', lossReason: 'late_elderly' }],
      statuses: [],
    };
    expect(assessmentUnits(9, 2026, facts, new Map([[2, { birthDate: '1951-04-10' }]]), incomes as never)).toEqual([]);
  });
});
