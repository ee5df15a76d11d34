import argon2 from 'argon2';
import { authenticator } from 'otplib';
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { DB } from '../../db/schema.js';
import type { Keyring } from '../../security/keyring.js';
import type { Actor } from '../../security/actor.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { runUseCase } from '../../platform/use-case.js';
import { AppError, RetryLaterError } from '../../http/errors.js';
import { AccessRepository } from './access.repository.js';
import { LOCKOUT_MINUTES, lockUntilAfterFailure, lockUntilAfterSecondFactorFailure, passwordProblems, STEP_UP_FAILURES_PER_SESSION } from './password.rules.js';
import { HashLimiter } from './hash-limiter.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleLimits } from './login-throttle.js';
import { EnrolmentService } from './enrolment.service.js';

/** argon2id parameters (≥ ASVS App. C; npm defaults m=64 MiB, t=3, p=4). */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 } as const;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');

/** TOTP (RFC 6238, 30 s, 6 digits, ±1 step). The secret is stored encrypted under the key file. */
authenticator.options = { window: 1 };

/** The issuer an authenticator app shows next to the staff ID. */
export const TOTP_ISSUER = '国民健康保険システム';

export function totpAad(staffId: string): string {
  return `staff|totp_secret_enc|${staffId}`;
}

export interface RequestInfo {
  ip: string | null;
  terminal: string | null;
  origin: string; // e.g. http://localhost:8080, for WebAuthn
  rpId: string; // hostname
}

/** Throttling and the bound on password hashing (configurable: see config.ts). */
export interface AuthLimits {
  throttle: ThrottleLimits;
  /** argon2 hashes running at once (this machine has 2 cores; the rest serve working staff). */
  hashConcurrency: number;
  /** Hashes that may wait for a slot; beyond that a login is refused at once (503). */
  hashQueue: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = { throttle: DEFAULT_THROTTLE, hashConcurrency: 1, hashQueue: 8 };

export function authLimitsOf(config: { loginHashConcurrency: number; loginHashQueue: number; loginAttemptsPerIp: number; loginAttemptsPerStaff: number }): AuthLimits {
  const rule = (n: number) => ({ capacity: n, refillPerMinute: n });
  return { hashConcurrency: config.loginHashConcurrency, hashQueue: config.loginHashQueue, throttle: { perIp: rule(config.loginAttemptsPerIp), perStaff: rule(config.loginAttemptsPerStaff) } };
}

/** A dummy hash so that an unknown staff ID, or one without a password yet, costs the same time as a wrong password. */
let dummyHash: Promise<string> | null = null;

const LOCKED_MESSAGE = `第二要素(ワンタイムパスワード等)の誤りが続いたためアカウントをロックしました。${LOCKOUT_MINUTES}分後に再試行するか、管理者に解除を依頼してください`;

export class AuthService {
  readonly repo: AccessRepository;
  readonly enrolment: EnrolmentService;
  private readonly hashLimiter: HashLimiter;
  private readonly throttle: LoginThrottle;
  constructor(
    private readonly db: Kysely<DB>,
    private readonly keyring: Keyring,
    private readonly audit: AuditRepository,
    limits: AuthLimits = DEFAULT_AUTH_LIMITS,
  ) {
    this.repo = new AccessRepository(db);
    this.hashLimiter = new HashLimiter(limits.hashConcurrency, limits.hashQueue);
    this.throttle = new LoginThrottle(limits.throttle);
    this.enrolment = new EnrolmentService(db, keyring, audit, this);
  }

  /** Unbounded: for operators' CLI and seeding. Requests go through hashNewPassword. */
  static hashPassword(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  private busy(): RetryLaterError {
    return new RetryLaterError(503, 'busy', 'ログインの処理が混み合っています。数秒後にもう一度お試しください', 2);
  }

  private async bounded<T>(fn: () => Promise<T>): Promise<T> {
    const r = await this.hashLimiter.run(fn);
    if (!r) throw this.busy();
    return r.value;
  }

  /** Hashes a new password through the limiter (a request, not an operator). */
  hashNewPassword(password: string): Promise<string> {
    return this.bounded(() => AuthService.hashPassword(password));
  }

  private verifyPassword(hash: string | null, password: string): Promise<boolean> {
    return this.bounded(async () => {
      dummyHash ??= AuthService.hashPassword('dummy-password-for-timing');
      const ok = await argon2.verify(hash ?? (await dummyHash), password).catch(() => false);
      return ok && hash !== null;
    });
  }

  /**
   * Per-client throttling of login and second-factor attempts: refuses (429, Retry-After) when the
   * client IP or the staff ID has used up its attempts; the refusal is audited (at most once a minute).
   */
  async takeAttempt(info: RequestInfo, staffId: string, action: string, actor: Actor = this.anonymous(info)): Promise<void> {
    const verdict = this.throttle.take(info.ip, staffId);
    if (verdict.ok) return;
    if (this.throttle.shouldAudit(verdict, info.ip, staffId)) {
      await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action, outcome: 'denied', detail: { reason: 'throttled', by: verdict.by, attemptedStaffId: staffId.slice(0, 32) } });
    }
    throw new RetryLaterError(429, 'throttled', `試行が多すぎます。${verdict.retryAfterSeconds}秒後にもう一度お試しください`, verdict.retryAfterSeconds);
  }

  /** The attempt succeeded: it does not count against the client's budget. */
  attemptSucceeded(info: RequestInfo, staffId: string): void {
    this.throttle.succeeded(info.ip, staffId);
  }

  /**
   * A wrong second factor (TOTP, security key, enrolment confirmation): counted on the account, which
   * is locked after SECOND_FACTOR_LOCK_THRESHOLD in a row; then the half-logged-in session ends. Throws.
   */
  async secondFactorFailed(sessionHash: string, staffId: string, action: string, actor: Actor, failure: AppError): Promise<never> {
    const now = new Date();
    const failures = await this.repo.recordSecondFactorFailure(staffId, (n) => lockUntilAfterSecondFactorFailure(n, now), 'system:auth');
    const locked = lockUntilAfterSecondFactorFailure(failures, now) !== null;
    await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action, outcome: 'failure', detail: { attemptedStaffId: staffId, reason: 'wrong_second_factor', failures } });
    if (!locked) throw failure;
    await this.repo.endSession(sessionHash, 'second_factor_lockout');
    await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'account.lock', outcome: 'denied', detail: { staffId, reason: 'second_factor_failures', failures, minutes: LOCKOUT_MINUTES } });
    throw new AppError(423, 'locked', LOCKED_MESSAGE);
  }

  anonymous(info: RequestInfo): Actor {
    return { kind: 'anonymous', id: 'anonymous', ip: info.ip, terminal: info.terminal };
  }

  /** Step 1: ID + password. Returns a session token in stage 'password_ok'. */
  async login(staffId: string, password: string, info: RequestInfo): Promise<{ token: string; csrfToken: string; methods: ('totp' | 'webauthn')[] }> {
    await this.takeAttempt(info, staffId, 'login.password');
    if (this.hashLimiter.full) {
      this.attemptSucceeded(info, staffId); // not an attempt: its tokens go back
      throw this.busy(); // refused before any database work
    }
    const staff = await this.repo.findStaff(staffId);
    const now = new Date();
    const fail = async (reason: string, code = 'invalid_credentials', status: 401 | 423 = 401, message = '職員IDまたはパスワードが正しくありません') => {
      await this.audit.appendAlone(this.db, this.anonymous(info), {
        functionCode: 'auth',
        action: 'login.password',
        outcome: 'failure',
        detail: { attemptedStaffId: staffId.slice(0, 32), reason },
      });
      throw new AppError(status, code, message);
    };
    if (!staff) {
      await this.verifyPassword(null, password);
      return fail('unknown_staff');
    }
    if (staff.disabled_at) {
      await this.verifyPassword(staff.password_hash, password);
      return fail('disabled');
    }
    if (staff.locked_until && staff.locked_until > now) {
      return fail('locked', 'locked', 423, `ログイン失敗が続いたためアカウントがロックされています。${Math.ceil((staff.locked_until.getTime() - now.getTime()) / 60000)}分後に再試行するか、管理者に解除を依頼してください`);
    }
    const ok = await this.verifyPassword(staff.password_hash, password);
    if (!ok) {
      const failed = await this.repo.recordFailure(staffId, (n) => lockUntilAfterFailure(n, now), 'system:auth');
      return fail(`bad_password (${failed})`);
    }
    this.attemptSucceeded(info, staffId);
    // Only the password failures start again: the second factor's are cleared by a correct second factor.
    await this.repo.resetPasswordFailures(staffId, 'system:auth');
    const token = newToken();
    const csrfToken = newToken();
    await this.repo.createSession({ session_hash: sha256(token), staff_id: staffId, csrf_token: csrfToken, ip: info.ip, terminal: info.terminal });
    const creds = await this.repo.credentialsOf(staffId);
    const methods: ('totp' | 'webauthn')[] = [];
    if (staff.totp_secret_enc) methods.push('totp');
    if (creds.length > 0) methods.push('webauthn');
    await this.audit.appendAlone(this.db, { ...this.anonymous(info) }, {
      functionCode: 'auth',
      action: 'login.password',
      detail: { staffId, next: methods },
    });
    return { token, csrfToken, methods };
  }

  private async pendingSession(token: string | undefined) {
    if (!token) throw new AppError(401, 'no_session', 'ログインからやり直してください');
    const session = await this.repo.findLiveSession(sha256(token));
    if (!session || session.stage !== 'password_ok') throw new AppError(401, 'no_session', 'ログインからやり直してください');
    // The window between password and second factor is short (5 minutes).
    if (Date.now() - session.created_at.getTime() > 5 * 60_000) {
      await this.repo.endSession(session.session_hash, 'second_factor_timeout');
      throw new AppError(401, 'no_session', '時間切れです。ログインからやり直してください');
    }
    // Locked meanwhile (e.g. by guesses in another half-logged-in session): this one ends too.
    const staff = await this.repo.findStaff(session.staff_id);
    if (staff?.locked_until && staff.locked_until > new Date()) {
      await this.repo.endSession(session.session_hash, 'locked');
      throw new AppError(423, 'locked', LOCKED_MESSAGE);
    }
    return session;
  }

  /**
   * A code is accepted once: its time step must be later than the last one accepted for this staff
   * member, and recording it is an atomic compare-and-set, so a replayed or concurrent code fails.
   */
  private async checkTotp(staff: { staff_id: string; totp_secret_enc: string | null }, code: string): Promise<boolean> {
    if (!staff.totp_secret_enc) return false;
    const step = this.totpStep(staff.staff_id, staff.totp_secret_enc, code);
    return step !== null && this.repo.useTotpStep(staff.staff_id, step);
  }

  /** The time step a code matches for this encrypted secret (null: no match); does not mark it used. */
  totpStep(staffId: string, secretEnc: string, code: string): number | null {
    const [keyId, blob] = secretEnc.split(':') as [string, string];
    const secret = this.keyring.decrypt(blob, totpAad(staffId), keyId);
    const delta = authenticator.checkDelta(code, secret);
    return delta === null ? null : Math.floor(Date.now() / 30_000) + delta;
  }

  /** Step 2a: TOTP. Rotates the session id; returns the new token. */
  async verifyTotp(token: string | undefined, code: string, info: RequestInfo): Promise<{ token: string; staffId: string; csrfToken: string }> {
    const session = await this.pendingSession(token);
    await this.takeAttempt(info, session.staff_id, 'login.totp');
    const staff = await this.repo.findStaff(session.staff_id);
    if (!staff || staff.disabled_at || !(await this.checkTotp(staff, code))) {
      return this.secondFactorFailed(session.session_hash, session.staff_id, 'login.totp', this.anonymous(info), new AppError(401, 'invalid_code', 'ワンタイムパスワードが正しくありません'));
    }
    this.attemptSucceeded(info, session.staff_id);
    return this.activate(session.session_hash, session.staff_id, 'totp', info);
  }

  private async activate(oldHash: string, staffId: string, factor: 'totp' | 'webauthn', info: RequestInfo) {
    const token = newToken();
    const csrfToken = newToken();
    await this.repo.activateSession(oldHash, sha256(token), factor, csrfToken);
    await this.repo.resetAllFailures(staffId, 'system:auth');
    await this.audit.appendAlone(this.db, { ...this.anonymous(info) }, { functionCode: 'auth', action: `login.${factor}`, detail: { staffId, sessionRef: sha256(token).slice(0, 16) } });
    return { token, staffId, csrfToken };
  }

  /** Step 2b: WebAuthn assertion options for the pending session's staff. */
  async webauthnOptions(token: string | undefined, info: RequestInfo) {
    const session = await this.pendingSession(token);
    const creds = await this.repo.credentialsOf(session.staff_id);
    if (creds.length === 0) throw new AppError(400, 'no_credential', 'セキュリティキーが登録されていません');
    const options = await generateAuthenticationOptions({
      rpID: info.rpId,
      allowCredentials: creds.map((c) => ({ id: c.credential_id, transports: c.transports as never })),
      userVerification: 'preferred',
    });
    await this.repo.setChallenge(session.session_hash, options.challenge);
    return options;
  }

  async webauthnVerify(token: string | undefined, response: AuthenticationResponseJSON, info: RequestInfo) {
    const session = await this.pendingSession(token);
    await this.takeAttempt(info, session.staff_id, 'login.webauthn');
    const cred = await this.repo.findCredential(response.id);
    let verified = false;
    if (cred && cred.staff_id === session.staff_id && session.webauthn_challenge) {
      try {
        const r = await verifyAuthenticationResponse({
          response,
          expectedChallenge: session.webauthn_challenge,
          expectedOrigin: info.origin,
          expectedRPID: info.rpId,
          credential: { id: cred.credential_id, publicKey: new Uint8Array(cred.public_key), counter: Number(cred.sign_count), transports: cred.transports as never },
        });
        verified = r.verified;
        if (verified) await this.repo.updateSignCount(cred.credential_id, r.authenticationInfo.newCounter);
      } catch {
        verified = false;
      }
    }
    if (!verified) {
      return this.secondFactorFailed(session.session_hash, session.staff_id, 'login.webauthn', this.anonymous(info), new AppError(401, 'invalid_assertion', 'セキュリティキーによる認証に失敗しました'));
    }
    this.attemptSucceeded(info, session.staff_id);
    return this.activate(session.session_hash, session.staff_id, 'webauthn', info);
  }

  /** Registration of a security key by a logged-in staff member. */
  async registrationOptions(sessionHash: string, staffId: string, displayName: string, info: RequestInfo) {
    const creds = await this.repo.credentialsOf(staffId);
    const options = await generateRegistrationOptions({
      rpName: '国民健康保険システム',
      rpID: info.rpId,
      userName: staffId,
      userDisplayName: displayName,
      attestationType: 'none',
      excludeCredentials: creds.map((c) => ({ id: c.credential_id, transports: c.transports })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    await this.repo.setChallenge(sessionHash, options.challenge);
    return options;
  }

  async registrationVerify(sessionHash: string, staffId: string, response: RegistrationResponseJSON, info: RequestInfo, actor: Actor) {
    const session = await this.repo.findLiveSession(sessionHash);
    if (!session?.webauthn_challenge) throw new AppError(400, 'no_challenge', '登録をやり直してください');
    let result;
    try {
      result = await verifyRegistrationResponse({ response, expectedChallenge: session.webauthn_challenge, expectedOrigin: info.origin, expectedRPID: info.rpId });
    } catch {
      result = null;
    }
    await this.repo.setChallenge(sessionHash, null);
    if (!result?.verified || !result.registrationInfo) throw new AppError(400, 'registration_failed', 'セキュリティキーを登録できませんでした');
    const c = result.registrationInfo.credential;
    await runUseCase(this.db, this.audit, actor, { functionCode: 'auth', action: 'webauthn.register', detail: { staffId } }, async ({ tx }) => {
      await new AccessRepository(tx).addCredential({ credential_id: c.id, staff_id: staffId, public_key: c.publicKey, sign_count: c.counter, transports: c.transports ?? [] });
    });
  }

  /**
   * Step-up: the second factor again, before a reveal, a deletion or a permission change. Wrong codes
   * count on the session (it ends after STEP_UP_FAILURES_PER_SESSION) and on the account (lockout).
   */
  async stepUp(sessionHash: string, staffId: string, code: string, actor: Actor, info: RequestInfo): Promise<void> {
    await this.takeAttempt(info, staffId, 'step_up.totp', actor);
    const staff = await this.repo.findStaff(staffId);
    if (staff?.locked_until && staff.locked_until > new Date()) {
      await this.repo.endSession(sessionHash, 'locked');
      await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'step_up.totp', outcome: 'denied', detail: { reason: 'locked' } });
      throw new AppError(423, 'locked', LOCKED_MESSAGE);
    }
    const ok = !!staff && (await this.checkTotp(staff, code));
    if (ok) {
      this.attemptSucceeded(info, staffId);
      await this.repo.setStepUp(sessionHash, new Date());
      await this.repo.resetAllFailures(staffId, 'system:auth');
      await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'step_up.totp' });
      return;
    }
    const inSession = await this.repo.addStepUpFailure(sessionHash);
    const sessionEnds = inSession >= STEP_UP_FAILURES_PER_SESSION;
    const failure = sessionEnds
      ? new AppError(401, 'session_ended', `ワンタイムパスワードの誤りが${inSession}回続いたためログアウトしました。もう一度ログインしてください`)
      : new AppError(401, 'invalid_code', 'ワンタイムパスワードが正しくありません');
    if (sessionEnds) {
      await this.repo.endSession(sessionHash, 'step_up_failures');
      await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'session.end', outcome: 'denied', detail: { reason: 'step_up_failures', failures: inSession } });
    }
    return this.secondFactorFailed(sessionHash, staffId, 'step_up.totp', actor, failure);
  }

  /**
   * A staff member changes their own password: the current one is checked, the new one must meet the
   * policy and differ from it; every other session of theirs ends (a stolen session dies with the old password).
   */
  async changePassword(sessionHash: string, staffId: string, current: string, next: string, actor: Actor): Promise<void> {
    const staff = await this.repo.findStaff(staffId);
    if (!staff || !(await this.verifyPassword(staff.password_hash, current))) {
      await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'password.change', outcome: 'failure', detail: { reason: 'wrong_current' } });
      throw new AppError(400, 'wrong_password', '現在のパスワードが正しくありません', [{ field: 'currentPassword', label: '現在のパスワード', message: '現在のパスワード: 正しくありません' }]);
    }
    const problems = passwordProblems(next, staffId);
    if (current === next) problems.push('現在と同じパスワードは使えません');
    if (problems.length) {
      throw new AppError(400, 'weak_password', problems.join('。'), [{ field: 'newPassword', label: '新しいパスワード', message: `新しいパスワード: ${problems.join('。')}` }]);
    }
    const hash = await this.hashNewPassword(next);
    await runUseCase(this.db, this.audit, actor, { functionCode: 'auth', action: 'password.change' }, async ({ tx, detail }) => {
      await tx.updateTable('staff').set({ password_hash: hash }).where('staff_id', '=', staffId).execute();
      const ended = await tx
        .updateTable('staff_session')
        .set({ ended_at: new Date(), end_reason: 'password_changed' })
        .where('staff_id', '=', staffId)
        .where('ended_at', 'is', null)
        .where('session_hash', '<>', sessionHash)
        .returning('session_hash')
        .execute();
      detail({ otherSessionsEnded: ended.length });
    });
  }

  async logout(sessionHash: string, actor: Actor): Promise<void> {
    await this.repo.endSession(sessionHash, 'logout');
    await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'logout' });
  }
}
