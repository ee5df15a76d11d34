/**
 * 個人番号 (My Number) check digit, 総務省令第85号 (平成26年11月20日) 第5条:
 *   check = 11 − (Σ Pn × Qn mod 11), or 0 when the remainder is ≤ 1,
 *   Pn = n-th digit from the least significant of the first 11 digits, Qn = n+1 (n ≤ 6), n−5 (7 ≤ n ≤ 11).
 * Test vectors: mynumber.test.ts (published examples, checked by hand against the formula above).
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

/** Characters written between digit groups of a number (spaces, hyphens and dashes, dots, commas). */
const DIGIT_SEPARATORS = '\\s\\-‐‑‒–—―−ーｰ.,';
/** A run of digits, possibly split by separators: '123456789012', '1234-5678-9012', '1234 5678 9012'. */
const DIGIT_RUN = new RegExp(`\\d(?:[${DIGIT_SEPARATORS}]*\\d)*`, 'g');

/**
 * The runs of a text (compatibility-normalised, so full-width ０-９ and separators count) that could
 * hold a My Number: every run of 12 or more digits, separators between digits not counting, wherever
 * it stands (inside a word, inside a longer number). Returns the normalised text and those runs.
 */
export function myNumberLikeRuns(text: string): { normalized: string; runs: { index: number; length: number }[] } {
  const normalized = text.normalize('NFKC');
  const runs: { index: number; length: number }[] = [];
  for (const m of normalized.matchAll(DIGIT_RUN)) {
    if (m[0].replace(/\D/g, '').length >= 12) runs.push({ index: m.index, length: m[0].length });
  }
  return { normalized, runs };
}

/** The text with every My Number-like run (see myNumberLikeRuns) replaced by `placeholder`. */
export function maskMyNumberLikeRuns(text: string, placeholder: string): string {
  const { normalized, runs } = myNumberLikeRuns(text);
  if (runs.length === 0) return text;
  let out = '';
  let at = 0;
  for (const r of runs) {
    out += normalized.slice(at, r.index) + placeholder;
    at = r.index + r.length;
  }
  return out + normalized.slice(at);
}
