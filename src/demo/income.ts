/**
 * Amounts of the demo residents' income (所得) look like those on a 源泉徴収票 or 申告書. The 所得 itself
 * is computed with the assessment's rules (src/modules/assessment/income.rules.ts), see population.ts.
 */

/** Round to the thousand yen, as amounts on a 源泉徴収票 or 申告書 usually look. */
export function roundYen(x: number): number {
  return Math.max(0, Math.round(x / 1000) * 1000);
}
