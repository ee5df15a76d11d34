/**
 * Income of the demo residents (所得): the 収入金額 is drawn from rough distributions, the 所得金額 is
 * derived with the statutory deduction tables below. The tables are simplified (the real 給与所得 for
 * 給与収入 under 6.6M yen comes from 所得税法 別表第五 in 4,000-yen steps; here the formula is applied
 * to the exact amount, which differs by at most a few thousand yen). Good enough for demo data; the
 * assessment module must use its own dated parameters, not these.
 */

/**
 * 給与所得 = 給与収入 − 給与所得控除 (所得税法第28条, 2020年分以後).
 * For 2025 income the minimum deduction is 650,000 yen up to 1,900,000 yen of revenue (令和7年度税制改正,
 * marked [BG] in the domain notes: verify before using for real FY2026 assessments).
 */
export function salaryIncome(revenue: number, incomeYear: number): number {
  if (revenue <= 0) return 0;
  let deduction: number;
  if (incomeYear >= 2025 && revenue <= 1_900_000) deduction = 650_000;
  else if (revenue <= 1_625_000) deduction = 550_000;
  else if (revenue <= 1_800_000) deduction = revenue * 0.4 - 100_000;
  else if (revenue <= 3_600_000) deduction = revenue * 0.3 + 80_000;
  else if (revenue <= 6_600_000) deduction = revenue * 0.2 + 440_000;
  else if (revenue <= 8_500_000) deduction = revenue * 0.1 + 1_100_000;
  else deduction = 1_950_000;
  return Math.max(0, Math.floor(revenue - deduction));
}

/**
 * 公的年金等に係る雑所得 = 収入 − 公的年金等控除 (所得税法第35条, 公的年金等以外の合計所得 ≤ 10M yen).
 * `age65` is whether the person is 65 or older on 31 December of the income year.
 */
export function pensionIncome(revenue: number, age65: boolean): number {
  if (revenue <= 0) return 0;
  let deduction: number;
  if (age65) {
    if (revenue <= 3_300_000) deduction = 1_100_000;
    else if (revenue <= 4_100_000) deduction = revenue * 0.25 + 275_000;
    else if (revenue <= 7_700_000) deduction = revenue * 0.15 + 685_000;
    else if (revenue <= 10_000_000) deduction = revenue * 0.05 + 1_455_000;
    else deduction = 1_955_000;
  } else {
    if (revenue <= 1_300_000) deduction = 600_000;
    else if (revenue <= 4_100_000) deduction = revenue * 0.25 + 275_000;
    else if (revenue <= 7_700_000) deduction = revenue * 0.15 + 685_000;
    else if (revenue <= 10_000_000) deduction = revenue * 0.05 + 1_455_000;
    else deduction = 1_955_000;
  }
  return Math.max(0, Math.floor(revenue - deduction));
}

/** Round to the thousand yen, as amounts on a 源泉徴収票 or 申告書 usually look. */
export function roundYen(x: number): number {
  return Math.max(0, Math.round(x / 1000) * 1000);
}
