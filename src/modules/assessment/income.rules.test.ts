import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lawParams } from '../../platform/params/law-params.js';
import { agedForPension, basicDeduction, oldProvisoIncome, parseBrackets, pensionIncome, personIncome, salaryIncome } from './income.rules.js';

const params = lawParams();

describe('給与所得 (所得税法 28条・別表第五), by the income year', () => {
  it('worked examples of the 2020–2024 table (給与所得控除額の速算表 after the 令和2年分 change)', () => {
    // 主な収入金額別・給与所得目安表 (令和2年分以降): http://ebaccounts.co.jp/document/contents08.php
    // (a firm's table of 国税庁 No.1410 https://www.nta.go.jp/taxes/shiraberu/taxanswer/shotoku/1410.htm)
    expect(salaryIncome(5_500_000, 2024).deduction).toBe(1_540_000); // 550万円×20%+44万円 = 154万円
    expect(salaryIncome(4_800_000, 2024).income).toBe(3_400_000);
    expect(salaryIncome(6_600_000, 2024).income).toBe(4_840_000);
    expect(salaryIncome(8_000_000, 2024).income).toBe(6_100_000);
    expect(salaryIncome(10_000_000, 2024).income).toBe(8_050_000);
    expect(salaryIncome(12_500_000, 2024).income).toBe(10_550_000);
  });

  it('the minimum 55万円 (2024 income) and 65万円 (2025 income: 令和7年度税制改正, 令和8年度分の住民税・国保税)', () => {
    // 越谷市「令和8年度から適用される個人市民税・県民税の主な改正」(改正前 55万円 → 改正後 65万円, 190万円以下):
    // https://www.city.koshigaya.saitama.jp/kurashi_shisei/kurashi/zeikin/shiminzeikenminzei/r8kaisei.html
    expect(salaryIncome(1_000_000, 2024).income).toBe(450_000);
    expect(salaryIncome(1_000_000, 2025).income).toBe(350_000);
    expect(salaryIncome(550_000, 2024).income).toBe(0);
    expect(salaryIncome(650_000, 2025).income).toBe(0);
    expect(salaryIncome(651_000, 2025).income).toBe(1_000);
    // 190万円超 unchanged
    expect(salaryIncome(3_000_000, 2025)).toEqual(salaryIncome(3_000_000, 2024));
    expect(salaryIncome(1_900_000, 2025).income).toBe(1_250_000);
    expect(salaryIncome(1_900_000, 2024).income).toBe(1_250_000);
  });

  it('別表第五: under 660万円 the revenue is cut to its step (4,000円: 4で割って千円未満を切り捨て) before the formula', () => {
    // 十和田市 (the same steps under the earlier 65万円 table): https://www.city.towada.lg.jp/kurashi/zeikin/shikenminzei/koujo.html
    expect(salaryIncome(3_003_999, 2024)).toMatchObject({ tableRevenue: 3_000_000, income: 2_020_000 });
    expect(salaryIncome(1_619_500, 2024)).toMatchObject({ tableRevenue: 1_619_000, income: 1_069_000 });
    expect(salaryIncome(1_623_999, 2024)).toMatchObject({ tableRevenue: 1_622_000, income: 1_072_000 });
    expect(salaryIncome(1_627_999, 2024)).toMatchObject({ tableRevenue: 1_624_000, income: 1_074_000 });
    expect(salaryIncome(6_600_001, 2024).tableRevenue).toBe(6_600_001);
    expect(salaryIncome(6_600_001, 2024).income).toBe(4_840_000); // ×90% − 110万円, 1円未満切捨て
    expect(salaryIncome(1_901_000, 2025).tableRevenue).toBe(1_900_000);
  });

  it('properties: never negative, whole yen, never more when the revenue is less, and never above the revenue', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30_000_000 }), fc.integer({ min: 0, max: 200_000 }), fc.constantFrom(2021, 2022, 2023, 2024, 2025), (revenue, more, year) => {
        const a = salaryIncome(revenue, year);
        const b = salaryIncome(revenue + more, year);
        expect(Number.isSafeInteger(a.income) && a.income >= 0 && a.income <= revenue).toBe(true);
        expect(b.income).toBeGreaterThanOrEqual(a.income);
        // 2025 income (65万円 minimum) never above 2024's, except by what the 2024 table's 4,000円 step cut off:
        // below 190万円 the 2025 table has no step (1,894,401 → 1,244,401 in 2025, 1,244,400 in 2024).
        const old = salaryIncome(revenue, 2024);
        expect(salaryIncome(revenue, 2025).income).toBeLessThanOrEqual(old.income + (revenue - old.tableRevenue));
      }),
    );
  });

  it('refuses negative or fractional revenue', () => {
    expect(() => salaryIncome(-1, 2024)).toThrow(/給与収入: 0以上の整数/);
    expect(() => salaryIncome(1.5, 2024)).toThrow(/0以上の整数/);
  });
});

describe('公的年金等所得 (所得税法 35条), by age on 12月31日 and other income', () => {
  it('worked examples: 年金120万円 — 65歳未満 控除60万円, 65歳以上 控除110万円', () => {
    // 国税庁「高齢者と税(年金と税)」as quoted by https://limo.media/articles/-/34328?page=2
    expect(pensionIncome(1_200_000, 2024, false)).toMatchObject({ deduction: 600_000, income: 600_000 });
    expect(pensionIncome(1_200_000, 2024, true)).toMatchObject({ deduction: 1_100_000, income: 100_000 });
    // 110万円以下は雑所得 0、330万円未満は控除110万円 (https://www.invest-concierge.com/qa/public-pension-deduction-age-65-plus)
    expect(pensionIncome(1_100_000, 2024, true).income).toBe(0);
    expect(pensionIncome(3_290_000, 2024, true).income).toBe(2_190_000);
  });

  it('the brackets above the minimum, and the cap 195.5万円 (the table of https://www.weblio.jp/content/公的年金等控除額)', () => {
    expect(pensionIncome(4_000_000, 2024, true).income).toBe(4_000_000 - (1_000_000 + 275_000));
    expect(pensionIncome(5_000_000, 2024, false).income).toBe(5_000_000 - (750_000 + 685_000));
    expect(pensionIncome(9_000_000, 2024, true).income).toBe(9_000_000 - (450_000 + 1_455_000));
    expect(pensionIncome(12_000_000, 2024, true).deduction).toBe(1_955_000);
    expect(pensionIncome(1_500_000, 2024, false).income).toBe(1_500_000 - (375_000 + 275_000)); // 1円未満 none here
    expect(pensionIncome(1_300_001, 2024, false).income).toBe(700_000); // 1,300,001 × 75% − 275,000 = 700,000.75 → 700,000
  });

  it('other income over 1,000万円 / 2,000万円 lowers the deduction by 10万円 / 20万円', () => {
    expect(pensionIncome(2_000_000, 2024, true, 10_000_001).income).toBe(2_000_000 - 1_000_000);
    expect(pensionIncome(2_000_000, 2024, true, 20_000_001).income).toBe(2_000_000 - 900_000);
  });

  it('the 65 boundary is read from the law parameters', () => {
    expect(agedForPension(65, 2024)).toBe(true);
    expect(agedForPension(64, 2024)).toBe(false);
  });

  it('properties: never negative, whole yen, monotone in revenue; 65+ never pays more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15_000_000 }), fc.integer({ min: 0, max: 100_000 }), fc.boolean(), (revenue, more, aged) => {
        const a = pensionIncome(revenue, 2024, aged);
        expect(Number.isSafeInteger(a.income) && a.income >= 0).toBe(true);
        expect(pensionIncome(revenue + more, 2024, aged).income).toBeGreaterThanOrEqual(a.income);
        expect(pensionIncome(revenue, 2024, true).income).toBeLessThanOrEqual(pensionIncome(revenue, 2024, false).income);
      }),
    );
  });
});

describe('総所得金額等 and 旧ただし書き所得', () => {
  it('sums the incomes; 旧ただし書き所得 = 総所得金額等 − 基礎控除 43万円, floor 0', () => {
    const p = personIncome({ salaryRevenue: 4_000_000, pensionRevenue: 0, otherIncome: 100_000 }, 2024, false);
    expect(p.total).toBe(2_760_000 + 100_000);
    expect(oldProvisoIncome(p.total, '2025-04-01')).toBe(2_860_000 - params.yen('tax.basic_deduction', '2025-04-01'));
    expect(oldProvisoIncome(300_000, '2025-04-01')).toBe(0);
  });

  it('基礎控除 steps down above a 合計所得金額 of 2,400万円 / 2,450万円 / 2,500万円 (棚倉町の表)', () => {
    expect(basicDeduction(24_000_000, '2025-04-01')).toBe(430_000);
    expect(basicDeduction(24_000_001, '2025-04-01')).toBe(290_000);
    expect(basicDeduction(24_500_001, '2025-04-01')).toBe(150_000);
    expect(basicDeduction(25_000_001, '2025-04-01')).toBe(0);
  });

  it('非自発的失業者: 給与所得 × 30/100', () => {
    expect(personIncome({ salaryRevenue: 4_000_000 }, 2024, false, { involuntaryUnemployment: true }).salaryCounted).toBe(828_000);
  });

  it('properties: 旧ただし書き所得 is monotone in 総所得金額等, never negative, whole yen', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (total, more) => {
        const a = oldProvisoIncome(total, '2026-04-01');
        expect(Number.isSafeInteger(a) && a >= 0).toBe(true);
        expect(oldProvisoIncome(total + more, '2026-04-01')).toBeGreaterThanOrEqual(a);
      }),
    );
  });

  it('a malformed bracket table is named', () => {
    expect(() => parseBrackets('income.x', '100:0.1:0; 50:0.2:0')).toThrow(/income.x: 収入金額の上限は小さい順/);
    expect(() => parseBrackets('income.x', '100:abc:0')).toThrow(/income.x: 「100:abc:0」/);
  });
});
