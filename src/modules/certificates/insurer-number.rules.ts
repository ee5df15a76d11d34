/**
 * 保険者番号 of a city's 国民健康保険 (printed on every 証): six digits — 都道府県番号 (2), 保険者別番号 (3)
 * and the 検証番号 (1). A 市町村国保 has no 法別番号 (the eight-digit numbers of other insurers start with
 * one). The 検証番号, by 厚生労働省「保険者番号等の設定について」(保険者番号設定要領):
 *   (1) multiply the digits before it by 2 and 1 in turn, starting with 2 at the last of them;
 *   (2) add the products, a two-digit product counting as the sum of its digits;
 *   (3) the 検証番号 is 10 minus the last digit of that sum (0 when that digit is 0).
 * Worked example of the 要領 (an eight-digit number): 3312001 → 15 → 検証番号 5 (33120015).
 */

/** Value of the parameter while the city has not set its number (printed as is). */
export const INSURER_NUMBER_UNSET = '(未設定)';

/** The 検証番号 of the digits before it. */
export function insurerCheckDigit(digits: string): number {
  if (!/^[0-9]+$/.test(digits)) throw new Error(`保険者番号の数字ではありません: ${digits}`);
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const weight = (digits.length - 1 - i) % 2 === 0 ? 2 : 1;
    const p = Number(digits[i]) * weight;
    sum += p >= 10 ? Math.floor(p / 10) + (p % 10) : p;
  }
  return (10 - (sum % 10)) % 10;
}

/** Why this is not a 国保 保険者番号 of the prefecture (null: it is one). */
export function insurerNumberProblem(value: string, prefectureCode: string): string | null {
  if (!/^[0-9]{6}$/.test(value)) return `保険者番号は半角数字6桁です(都道府県番号2桁・保険者別番号3桁・検証番号1桁): ${value}`;
  if (value.slice(0, 2) !== prefectureCode) return `保険者番号の上2桁は都道府県番号 ${prefectureCode} です: ${value}`;
  const check = insurerCheckDigit(value.slice(0, 5));
  if (Number(value[5]) !== check) return `保険者番号の検証番号(6桁目)が合いません(${value.slice(0, 5)} の検証番号は ${check}): ${value}`;
  return null;
}
