import { myNumberLikeRuns } from '../../lib/mynumber.js';

/** Pure rules of 個人番号 handling. No I/O. */

/** The AAD of a stored number: binds the ciphertext to its table and row (the keyring adds the key id). */
export function myNumberAad(atenaNo: number): string {
  return `person_my_number|${atenaNo}`;
}

/** Full-width digits to ASCII; spaces and hyphens (as written on the card or a form) removed. */
export function normalizeMyNumberInput(raw: string): string {
  return raw
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u3000\-‐－ー−]/g, '');
}

/** Shown to the approver: only the last four digits, like '********1234'. */
export function maskMyNumber(n: string): string {
  return `${'*'.repeat(Math.max(0, n.length - 4))}${n.slice(-4)}`;
}

/**
 * Does free text (a purpose, a reason, a note) look like it carries a My Number? Such text must not
 * reach the database or the audit trail, so it is refused at entry (full-width digits and separators
 * between digit groups are seen through).
 */
export function looksLikeMyNumber(text: string): boolean {
  return myNumberLikeRuns(text).runs.length > 0;
}
