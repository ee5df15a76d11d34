/**
 * 個人番号 (My Number) check digit, 総務省令第85号 (平成26年11月20日) 第5条:
 *   check = 11 − (Σ Pn × Qn mod 11), or 0 when the remainder is ≤ 1,
 *   Pn = n-th digit from the least significant of the first 11 digits, Qn = n+1 (n ≤ 6), n−5 (7 ≤ n ≤ 11).
 * Source and test vectors: ../shared/interfaces/README.md §7.1.
 */
export function myNumberCheckDigit(first11: string): number {
  if (!/^\d{11}$/.test(first11)) throw new Error('個人番号の先頭11桁は数字11桁です');
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = Number(first11[11 - n]);
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isValidMyNumber(value: string): boolean {
  return /^\d{12}$/.test(value) && myNumberCheckDigit(value.slice(0, 11)) === Number(value[11]);
}

/**
 * A clearly fake but valid test number. Every synthetic number starts with '99' (real numbers are
 * derived from 住民票コード and are not issued in a recognisable block, so the prefix is our own marker:
 * the generator and the leak scanner both know it) followed by 9 digits from the caller.
 */
export function fakeMyNumber(serial: number): string {
  const first11 = `99${String(serial % 1_000_000_000).padStart(9, '0')}`;
  return first11 + String(myNumberCheckDigit(first11));
}
