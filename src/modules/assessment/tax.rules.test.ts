import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lawParams } from '../../platform/params/law-params.js';
import { calculateTax, PART_KEYS, perinatalPeriod, unemploymentPeriod, type TaxResult } from './tax.rules.js';
import { parseTaxInput, type TaxInput } from './tax.input.js';

const params = lawParams();
const CASES_DIR = new URL('./test-cases/', import.meta.url);

function calc(data: unknown): TaxResult {
  const p = parseTaxInput(data);
  if (!p.ok) throw new Error(p.errors.join('\n'));
  return calculateTax(p.input);
}

describe('published worked examples (test-cases/*.json, each with its source)', () => {
  const files = readdirSync(CASES_DIR).filter((f) => f.endsWith('.json'));
  it('there are some', () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    const c = JSON.parse(readFileSync(new URL(f, CASES_DIR), 'utf8')) as { title: string; source: { url: string }; input: unknown; expected: { total: number; reduction?: string; parts?: Record<string, number> } };
    it(`${f}: ${c.title}`, () => {
      expect(c.source.url).toMatch(/^https?:\/\//);
      const r = calc(c.input);
      expect(r.total).toBe(c.expected.total);
      if (c.expected.reduction) expect(r.reduction).toBe(c.expected.reduction);
      for (const [k, v] of Object.entries(c.expected.parts ?? {})) expect(r.parts[k as 'medical']?.amount).toBe(v);
    });
  }
});

const kawaguchi = (members: TaxInput['members'], fiscalYear = 2025): TaxInput => ({ fiscalYear, members });

describe('the rules, one by one (川口市 figures from config/law)', () => {
  it('2方式: 所得割 per insured person + 均等割, per part, truncated to 100 yen', () => {
    const r = calc(kawaguchi([{ head: true, insured: true, age: 45, income: { salaryRevenue: 4_000_000 } }]));
    const date = '2025-04-01';
    const base = 4_000_000 - 1_240_000 - 430_000; // 給与所得 2,760,000 − 基礎控除
    const medical = Math.floor(Math.floor((base * 745) / 10_000 + params.yen('city_tax.medical_per_capita', date)) / 100) * 100;
    expect(r.parts.medical!.incomeLevy).toBe(Math.floor((base * 745) / 10_000));
    expect(r.parts.medical!.amount).toBe(medical);
    expect(r.parts.care).toBeDefined();
    expect(r.parts.childSupport).toBeUndefined(); // from FY2026
    expect(r.total).toBe(PART_KEYS.reduce((s, k) => s + (r.parts[k]?.amount ?? 0), 0));
    expect(r.lines.at(-1)).toMatchObject({ label: '年税額', amount: r.total });
    expect(r.lines.every((l) => l.reference.length > 0 && Number.isInteger(l.amount))).toBe(true);
  });

  it('擬制世帯主: the head\'s income counts in the 軽減 test, not in 所得割', () => {
    const r = calc(kawaguchi([{ head: true, insured: false, age: 50, income: { salaryRevenue: 3_000_000 } }, { head: false, insured: true, age: 20 }]));
    expect(r.parts.medical!.incomeLevy).toBe(0);
    expect(r.reduction).toBe('なし');
    const alone = calc(kawaguchi([{ head: true, insured: false, age: 50 }, { head: false, insured: true, age: 20 }]));
    expect(alone.reduction).toBe('7割');
  });

  it('未申告 → no 法定軽減, with a line saying who', () => {
    const r = calc(kawaguchi([{ label: '本人', head: true, insured: true, age: 30, reported: false }]));
    expect(r.reduction).toBe('なし');
    expect(r.lines.find((l) => l.label === '法定軽減の判定')!.formula).toMatch(/未申告: 本人/);
  });

  it('65歳以上: the further 15万円 of pension income in the 軽減 test (年金収入 260万円 → 所得 150万円 → 判定 135万円)', () => {
    const r = calc(kawaguchi([{ head: true, insured: true, age: 70, income: { pensionRevenue: 2_600_000 } }]));
    expect(r.members[0]).toMatchObject({ totalIncome: 1_500_000, reductionIncome: 1_350_000, earner: true });
  });

  it('給与所得者等: the 7割 line rises by 10万円 per earner beyond the first', () => {
    const two = calc(kawaguchi([{ head: true, insured: true, age: 30, income: { salaryRevenue: 800_000 } }, { head: false, insured: true, age: 30, income: { salaryRevenue: 800_000 } }]));
    expect(two.lines.find((l) => l.label === '7割軽減の基準額')!.amount).toBe(530_000);
    expect(two.reduction).toBe('7割'); // 250,000 + 250,000 ≤ 530,000
  });

  it('未就学児: half of the (reduced) 均等割 in 医療分 and 支援分', () => {
    const r = calc(kawaguchi([{ head: true, insured: true, age: 30, income: { salaryRevenue: 5_000_000 } }, { head: false, insured: true, age: 3 }]));
    const pc = params.yen('city_tax.medical_per_capita', '2025-04-01');
    expect(r.parts.medical!.reductions.preschool).toBe(pc / 2);
    expect(r.parts.support!.reductions.preschool).toBe(params.yen('city_tax.support_per_capita', '2025-04-01') / 2);
  });

  it('介護分 only for 40–64; by birth date from the month one reaches 40 (the day before the birthday)', () => {
    const r = calc(kawaguchi([{ head: true, insured: true, birthDate: '1985-05-01', income: { salaryRevenue: 3_000_000 } }]));
    // reaches 40 on 2025-04-30 → 介護分 from April: 12 months
    expect(r.lines.find((l) => l.label === '介護分 所得割')!.formula).not.toMatch(/\/12/);
    const later = calc(kawaguchi([{ head: true, insured: true, birthDate: '1985-10-02', income: { salaryRevenue: 3_000_000 } }]));
    expect(later.lines.find((l) => l.label === '介護分 所得割')!.formula).toMatch(/× 6\/12/);
    expect(calc(kawaguchi([{ head: true, insured: true, age: 65 }])).parts.care).toBeUndefined();
    expect(calc(kawaguchi([{ head: true, insured: true, age: 39 }])).parts.care).toBeUndefined();
  });

  it('FY2026 子ども・子育て支援金分: under-18 均等割 fully reduced; 18歳以上被保険者均等割額 from the input', () => {
    const r = calc({
      fiscalYear: 2026,
      municipality: { name: '試算市', parts: { medical: { incomeRate: '0.07', perCapita: 30000 }, childSupport: { incomeRate: '0.003', perCapita: 1800, adultPerCapita: 100 } } },
      members: [
        { head: true, insured: true, age: 40, income: { salaryRevenue: 6_000_000 } },
        { head: false, insured: true, age: 17 },
      ],
    });
    expect(r.parts.childSupport).toMatchObject({ perCapita: 1900 + 1800, reductionAmount: 1800 });
    expect(r.parts.childSupport!.limit).toBe(params.yen('tax.limit_child_support', '2026-04-01'));
    expect(() => calc({ fiscalYear: 2025, municipality: { parts: { childSupport: { incomeRate: '0.003', perCapita: 1800 } } }, members: [{ head: true, insured: true, age: 40 }] })).toThrow(/令和8年度/);
  });

  it('caps each part at its limit (a missing limit in the input: the national 賦課限度額)', () => {
    const r = calc(kawaguchi([{ head: true, insured: true, age: 50, income: { salaryRevenue: 40_000_000 } }]));
    expect(r.parts.medical!.amount).toBe(params.yen('city_tax.medical_limit', '2025-04-01'));
    const input = calc({ fiscalYear: 2025, municipality: { parts: { medical: { incomeRate: '0.1', perCapita: 0 } } }, members: [{ head: true, insured: true, age: 50, income: { otherIncome: 40_000_000 } }] });
    expect(input.parts.medical!.amount).toBe(params.yen('tax.limit_medical', '2025-04-01'));
  });

  it('4方式 (上野原市 FY2022 from config/law/cities): 資産割 and 平等割, 特定世帯 1/2 of 平等割 before the 法定軽減', () => {
    const base = { fiscalYear: 2022, city: 'uenohara' } as const;
    const r = calc({ ...base, members: [{ head: true, insured: true, age: 50, income: { otherIncome: 3_000_000 }, fixedAssetTax: 100_000 }] });
    expect(r.municipality).toBe('上野原市');
    expect(r.parts.medical).toMatchObject({ assetLevy: 15_000, perHousehold: 25_000, perCapita: 27_000 });
    expect(r.parts.care!.assetLevy).toBe(0);
    const specific = calc({ ...base, members: [{ head: true, insured: true, age: 70 }, { head: false, insured: false, formerInsuredToLatterElderly: true, age: 76 }] });
    expect(specific.reduction).toBe('7割');
    expect(specific.parts.medical!.reductions.specificHousehold).toBe(12_500);
    expect(specific.parts.medical!.reductions.legal).toBe(Math.round(27_000 * 0.7) + 12_500 - 3_750);
    expect(() => calc({ fiscalYear: 2024, city: 'uenohara', members: [{ head: true, insured: true, age: 50 }] })).toThrow(/2024年度以降の値は確認されていません/);
  });

  it('川口市 has no rates before FY2024 (not found): a FY2023 calculation without municipality stops', () => {
    expect(() => calc(kawaguchi([{ head: true, insured: true, age: 50 }], 2023))).toThrow(/効力のある値がありません/);
  });

  it('非自発的失業者: 給与所得 × 30/100 for 所得割 and the 軽減 test', () => {
    const r = calc(kawaguchi([{ head: true, insured: true, age: 40, income: { salaryRevenue: 3_000_000 }, involuntaryUnemployment: true }]));
    expect(r.members[0]!.totalIncome).toBe(Math.floor(2_020_000 * 0.3));
  });
});

describe('産前産後期間の減額 (地方税法 703条の5の3; いちき串木野市: 前月から翌々月の4か月、多胎は3か月前から6か月、所得割・均等割のみ)', () => {
  // Rates made up for a hand computation: 医療分 only, 所得割 7%, 均等割 30,000円, no 平等割.
  const municipality = { name: '試験市', parts: { medical: { incomeRate: '0.07', perCapita: 30000 } } };
  const mother = (childbirth?: { month: string; multiple?: boolean }): TaxInput => ({
    fiscalYear: 2025,
    municipality,
    members: [{ head: true, insured: true, age: 30, income: { salaryRevenue: 3_000_000 }, ...(childbirth ? { childbirth } : {}) }],
  });
  it('単胎, born 2025-08: July–October not charged — 所得割 1,590,000 × 7% = 111,300 → 37,100 off (4/12), 均等割 10,000 off; 94,200円', () => {
    // 給与 3,000,000 − 給与所得控除 980,000 (30% + 8万) = 2,020,000; − 基礎控除 430,000 = 1,590,000.
    // 軽減判定 2,020,000 > 430,000 + 560,000 × 1 (2割, FY2025): no 法定軽減.
    expect(calc(mother()).total).toBe(141_300);
    const r = calc(mother({ month: '2025-08' }));
    expect(r.parts.medical!.reductions.perinatal).toBe(37_100 + 10_000);
    expect(r.total).toBe(94_200);
    expect(r.lines.find((l) => l.label.includes('産前産後'))).toMatchObject({ amount: -47_100, formula: expect.stringContaining('4か月分') });
  });
  it('多胎, born 2025-08: May–October (6 months): half of 所得割 and 均等割 off; 70,650 → 70,600円', () => {
    const r = calc(mother({ month: '2025-08', multiple: true }));
    expect(r.parts.medical!.reductions.perinatal).toBe(55_650 + 15_000);
    expect(r.total).toBe(70_600);
  });
  it('only months of the 年度 and from 2024-01: born 2023-11 → January 2024 only; born 2025-03 → February–March of FY2024 and April–May of FY2025', () => {
    expect([...perinatalPeriod({ month: '2023-11' }, params)]).toEqual(['2024-01-01']);
    expect([...perinatalPeriod({ month: '2025-03' }, params)]).toEqual(['2025-02-01', '2025-03-01', '2025-04-01', '2025-05-01']);
    const fy2025 = calc(mother({ month: '2025-03' }));
    // April and May of FY2025: 所得割 111,300 − 1,590,000 × 7% × 10/12 (92,750) = 18,550; 均等割 30,000 × 2/12 = 5,000.
    expect(fy2025.parts.medical!.reductions.perinatal).toBe(18_550 + 5_000);
  });
  it('refused for a person not insured; a month in the wrong form names the field', () => {
    const bad = parseTaxInput({ fiscalYear: 2025, members: [{ head: true, insured: true, age: 40 }, { head: false, insured: false, age: 30, childbirth: { month: '2025-13' } }] });
    expect(bad.ok).toBe(false);
    expect((bad as { errors: string[] }).errors).toEqual(expect.arrayContaining([expect.stringMatching(/^members\[1\]\.childbirth\.month: YYYY-MM/)]));
  });
  it('property: never raises tax, never below zero, takes off no more than each part’s 所得割 and reduced 均等割, and 多胎 (6 months) at least as much as 単胎 (4)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12_000_000 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(2024, 2025, 2026), (salary, m, fy) => {
        const base: TaxInput = { fiscalYear: fy, members: [{ head: true, insured: true, age: 32, income: { salaryRevenue: salary } }, { head: false, insured: true, age: 35, income: { salaryRevenue: salary } }] };
        const month = `${m >= 4 ? fy : fy + 1}-${String(m).padStart(2, '0')}`;
        const born = (multiple: boolean): TaxInput => ({ ...base, members: [{ ...base.members[0]!, childbirth: { month, multiple } }, base.members[1]!] });
        const a = calculateTax(base);
        const single = calculateTax(born(false));
        const multiple = calculateTax(born(true));
        for (const b of [single, multiple]) {
          expect(b.total).toBeLessThanOrEqual(a.total);
          expect(b.total).toBeGreaterThanOrEqual(0);
          for (const p of Object.values(b.parts)) {
            const r = p!.reductions;
            expect(r.perinatal).toBeLessThanOrEqual(p!.incomeLevy + p!.perCapita - r.legal - r.preschool - r.minor);
          }
        }
        expect(multiple.total).toBeLessThanOrEqual(single.total);
      }),
      { numRuns: 150 },
    );
  });
});

describe('properties', () => {
  const member = fc.record({
    head: fc.constant(false),
    insured: fc.boolean(),
    age: fc.integer({ min: 0, max: 74 }),
    income: fc.record({ salaryRevenue: fc.integer({ min: 0, max: 12_000_000 }), pensionRevenue: fc.integer({ min: 0, max: 4_000_000 }), otherIncome: fc.integer({ min: 0, max: 3_000_000 }) }),
  });
  const household = fc.tuple(member, fc.array(member, { maxLength: 4 }), fc.constantFrom(2024, 2025, 2026)).map(([h, rest, fy]): TaxInput => ({ fiscalYear: fy, members: [{ ...h, head: true, insured: true }, ...rest] }));

  it('a part never exceeds its cap; every part is a whole multiple of 100 yen; total is their sum', () => {
    fc.assert(
      fc.property(household, (input) => {
        const r = calculateTax(input);
        let sum = 0;
        for (const p of Object.values(r.parts)) {
          expect(p!.amount).toBeLessThanOrEqual(p!.limit);
          expect(p!.amount % 100).toBe(0);
          expect(p!.amount).toBeGreaterThanOrEqual(0);
          sum += p!.amount;
        }
        expect(r.total).toBe(sum);
      }),
      { numRuns: 150 },
    );
  });

  it('a reduction never raises tax (the same household 未申告 pays at least as much)', () => {
    fc.assert(
      fc.property(household, (input) => {
        const unreported = { ...input, members: input.members.map((m, i) => (i === 0 ? { ...m, reported: false } : m)) };
        expect(calculateTax(unreported).total).toBeGreaterThanOrEqual(calculateTax(input).total);
      }),
      { numRuns: 150 },
    );
  });

  it('more income never lowers tax', () => {
    fc.assert(
      fc.property(household, fc.integer({ min: 0, max: 2_000_000 }), fc.nat({ max: 4 }), (input, more, who) => {
        const i = who % input.members.length;
        const richer = { ...input, members: input.members.map((m, j) => (j === i ? { ...m, income: { ...m.income, otherIncome: (m.income?.otherIncome ?? 0) + more } } : m)) };
        expect(calculateTax(richer).total).toBeGreaterThanOrEqual(calculateTax(input).total);
      }),
      { numRuns: 150 },
    );
  });
});

describe('input checks: one Japanese `path: rule` per field', () => {
  it('names the path and the rule', () => {
    const r = parseTaxInput({ fiscalYear: 2021, members: [{ head: true, insured: true, age: 40 }, { head: false, insured: true, income: { salaryRevenue: -1 } }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('fiscalYear: 2022〜2026の年度(西暦)で入力してください');
    expect(r.errors).toContain('members[1].income.salaryRevenue: 0以上の整数で入力してください');
    expect(r.errors).toContain('members[1].age: 年齢(age)か生年月日(birthDate)を入力してください');
  });

  it('exactly one head; a rate as a decimal string; an impossible date', () => {
    const r = parseTaxInput({ fiscalYear: 2025, municipality: { parts: { medical: { incomeRate: 0.07, perCapita: 1 } } }, members: [{ head: false, insured: true, birthDate: '2020-02-30' }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const heads = parseTaxInput({ fiscalYear: 2025, members: [{ head: false, insured: true, age: 3 }] });
    expect(heads.ok ? [] : heads.errors).toEqual(['members: 世帯主(head: true)はちょうど1人です(0人あります)']);
    expect(r.errors.join('\n')).toMatch(/municipality.parts.medical.incomeRate: 率は引用符で囲んだ/);
    expect(r.errors.join('\n')).toMatch(/members\[0\].birthDate: YYYY-MM-DD 形式の実在する日付/);
  });
});

describe('非自発的失業者の軽減 as a period (離職日の翌日の属する月から翌年度末まで; 伊達市・上里町・三豊市)', () => {
  // Rates made up for a hand computation: 医療分 only, 所得割 7%, 均等割 30,000円, 平等割 20,000円.
  const municipality = { name: '試験市', parts: { medical: { incomeRate: '0.07', perCapita: 30000, perHousehold: 20000 } } };
  const one = (extra: Record<string, unknown> = {}, fiscalYear = 2025): TaxInput => ({
    fiscalYear,
    municipality,
    members: [{ head: true, insured: true, age: 40, income: { salaryRevenue: 3_000_000 }, ...extra }],
  });
  it('the period: from the month of the day after 離職 to the end of the following 年度', () => {
    expect([...unemploymentPeriod('2025-10-01', 2025, params)]).toEqual(['2025-10-01', '2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01', '2026-03-01']);
    expect(unemploymentPeriod('2025-10-01', 2026, params).size).toBe(12);
    expect(unemploymentPeriod('2025-10-01', 2027, params).size).toBe(0);
    expect(unemploymentPeriod('2025-10-01', 2024, params).size).toBe(0);
    // 離職 on 31 March: the day after is 1 April, the period is that 年度 and the next.
    expect(unemploymentPeriod('2025-04-01', 2025, params).size).toBe(12);
    expect(unemploymentPeriod('2025-04-01', 2026, params).size).toBe(12);
  });
  it('離職 on 2025-09-30 (from 2025-10-01): October–March at 30/100, April–September as before; 161,300 → 99,300円', () => {
    // 給与 3,000,000 − 980,000 = 給与所得 2,020,000; 旧ただし書き 1,590,000. Reduced: 2,020,000 × 30% = 606,000; − 430,000 = 176,000.
    // 所得割 (1,590,000 × 6 + 176,000 × 6) × 7% / 12 = 10,596,000 × 7% / 12 = 61,810.
    // 軽減 April–September: 2,020,000 > 990,000 (2割) → none; October–March: 606,000 ≤ 430,000 + 305,000 × 1 = 735,000 → 5割.
    // 均等割 30,000 − 30,000 × (6 × 1 + 6 × 0.5) / 12 = 30,000 − 22,500 → 7,500 off; 平等割 20,000 → 5,000 off.
    // 61,810 + 30,000 + 20,000 − 12,500 = 99,310 → 99,300.
    expect(calc(one()).total).toBe(161_300);
    const r = calc(one({ unemployment: { from: '2025-10-01' } }));
    expect(r.parts.medical!.incomeLevy).toBe(61_810);
    expect(r.parts.medical!.reductions.legal).toBe(7_500 + 5_000);
    expect(r.total).toBe(99_300);
    expect(r.reduction).toBe('5割');
    expect(r.lines.find((l) => l.label === '医療分 所得割')!.formula).toBe('1,590,000 × 6/12 + 非自発的失業 176,000 × 6/12 × 7%');
    expect(r.lines.filter((l) => l.label.startsWith('法定軽減の判定')).map((l) => l.label)).toEqual(['法定軽減の判定(令和7年4月〜9月分)', '法定軽減の判定(令和7年10月〜令和8年3月分)']);
  });
  it('a period covering the whole 年度 equals the old boolean (所得割 176,000 × 7% = 12,320 + 5割 of 均等割・平等割 25,000 = 37,300円); the 年度 after the period is as without', () => {
    const flag = calc(one({ involuntaryUnemployment: true }));
    expect(flag.total).toBe(37_300);
    const period = calc(one({ unemployment: { from: '2024-09-01' } }));
    expect(period.total).toBe(flag.total);
    expect(period.parts).toEqual(flag.parts);
    expect(period.members).toEqual(flag.members);
    expect(calc(one({ unemployment: { from: '2024-09-01' } }, 2026)).total).toBe(calc(one({}, 2026)).total);
  });
  it('refused on someone not insured, and with the boolean at once', () => {
    const bad = parseTaxInput({ fiscalYear: 2025, members: [{ head: true, insured: true, age: 40 }, { head: false, insured: false, age: 30, unemployment: { from: '2025-10-01' } }] });
    expect((bad as { errors: string[] }).errors).toEqual(expect.arrayContaining([expect.stringMatching(/^members\[1\]\.unemployment: 非自発的失業者の軽減は国保の被保険者/)]));
    const both = parseTaxInput({ fiscalYear: 2025, members: [{ head: true, insured: true, age: 40, involuntaryUnemployment: true, unemployment: { from: '2025-10-01' } }] });
    expect((both as { errors: string[] }).errors).toEqual([expect.stringMatching(/どちらか一方/)]);
    const date = parseTaxInput({ fiscalYear: 2025, members: [{ head: true, insured: true, age: 40, unemployment: { from: '2025-10-32' } }] });
    expect((date as { errors: string[] }).errors).toEqual(expect.arrayContaining([expect.stringMatching(/^members\[0\]\.unemployment\.from: YYYY-MM-DD/)]));
  });
  it('property: the reduction never raises tax; a period covering the 年度 equals the boolean', () => {
    const day = fc.integer({ min: 0, max: 729 }).map((n) => new Date(Date.UTC(2024, 3, 1) + n * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12_000_000 }), fc.integer({ min: 0, max: 3_000_000 }), fc.integer({ min: 0, max: 2_000_000 }), day, fc.constantFrom(2025, 2026), (salary, other, wife, from, fy) => {
        const base: TaxInput = {
          fiscalYear: fy,
          municipality,
          members: [
            { head: true, insured: true, age: 45, income: { salaryRevenue: salary, otherIncome: other } },
            { head: false, insured: true, age: 60, income: { pensionRevenue: wife } },
          ],
        };
        const withPeriod: TaxInput = { ...base, members: [{ ...base.members[0]!, unemployment: { from } }, base.members[1]!] };
        const a = calculateTax(base);
        const b = calculateTax(withPeriod);
        expect(b.total).toBeLessThanOrEqual(a.total);
        expect(b.total).toBeGreaterThanOrEqual(0);
        if (from <= `${fy}-04-30` && from >= `${fy - 1}-04-01`) {
          const flag = calculateTax({ ...base, members: [{ ...base.members[0]!, involuntaryUnemployment: true }, base.members[1]!] });
          expect(b.total).toBe(flag.total);
        }
      }),
      { numRuns: 150 },
    );
  });
});
