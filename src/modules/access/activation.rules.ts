import { createHash, randomBytes } from 'node:crypto';

/**
 * 初回登録コード (one-time activation code): how a new account, or one whose credentials were
 * re-issued, reaches its owner. Nobody chooses a password for someone else: the owner logs in once
 * with this code, sets their own password and enrols their own second factor.
 *
 * 20 characters of base32 (100 bits), shown in groups of four; only a hash is stored, so a SHA-256
 * (not argon2) is enough for a random code of this strength.
 */
export const ACTIVATION_CODE_VALID_HOURS = 72;

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no I, O, 0, 1: read aloud or typed from paper

export function newActivationCode(): string {
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => ALPHABET[b % 32]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/** Case, spaces and hyphens do not matter when a person types the code. */
export function normalizeActivationCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/** What staff.activation_code_hash holds: bound to the staff ID, so a code works for one account only. */
export function activationCodeHash(staffId: string, code: string): string {
  return createHash('sha256').update(`activation|${staffId}|${normalizeActivationCode(code)}`).digest('hex');
}
