/**
 * Password policy (ASVS 6.2: at least 12 characters, up to 64 allowed, no known-breached or
 * trivially guessable values). Pure rules; hashing is argon2id in access.service.
 */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 64;

/** A small built-in list of the most common breached passwords; cities may extend it by file. */
const COMMON = new Set([
  'password1234', 'password12345', 'passw0rd1234', '123456789012', '1234567890123', 'qwertyuiop12', 'qwerty123456',
  'iloveyou1234', 'administrator', 'admin1234567', 'welcome12345', 'letmein12345', 'kawaguchi1234', 'p@ssw0rd1234',
  'aaaaaaaaaaaa', '111111111111', '000000000000', 'abcdefghijkl', 'abc123456789', 'changeme1234',
]);

export function passwordProblems(password: string, staffId: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN) problems.push(`パスワードは${PASSWORD_MIN}文字以上にしてください`);
  if (password.length > PASSWORD_MAX) problems.push(`パスワードは${PASSWORD_MAX}文字以下にしてください`);
  if (COMMON.has(password.toLowerCase())) problems.push('よく使われる(漏えい済みの)パスワードは使えません');
  if (staffId && password.toLowerCase().includes(staffId.toLowerCase())) problems.push('職員IDを含むパスワードは使えません');
  if (new Set(password).size < 5) problems.push('同じ文字の繰り返しが多すぎます');
  return problems;
}

/** Lockout after repeated failures (ASVS 6.1.1 / 6.3.1), released by an administrator or after a delay. */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_MINUTES = 15;

export function lockUntilAfterFailure(failedLogins: number, now: Date): Date | null {
  return failedLogins >= LOCKOUT_THRESHOLD ? new Date(now.getTime() + LOCKOUT_MINUTES * 60_000) : null;
}

/**
 * Second-factor guessing (TOTP, security key, step-up) is counted apart from password failures: a correct
 * password does not reset it, only a successful second factor does. A 6-digit code has 10^6 values and
 * ±1 step accepts 3 of them, so 5 guesses per lockout period keep the chance negligible.
 */
export const SECOND_FACTOR_LOCK_THRESHOLD = 5;
/** Wrong step-up codes within one session before that session ends (the user logs in again). */
export const STEP_UP_FAILURES_PER_SESSION = 3;

export function lockUntilAfterSecondFactorFailure(failures: number, now: Date): Date | null {
  return failures >= SECOND_FACTOR_LOCK_THRESHOLD ? new Date(now.getTime() + LOCKOUT_MINUTES * 60_000) : null;
}
