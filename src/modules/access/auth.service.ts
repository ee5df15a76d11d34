import argon2 from 'argon2';
import { authenticator } from 'otplib';
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
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
import { AppError } from '../../http/errors.js';
import { AccessRepository } from './access.repository.js';
import { lockUntilAfterFailure, passwordProblems } from './password.rules.js';

/** argon2id parameters (≥ ASVS App. C; npm defaults m=64 MiB, t=3, p=4). */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 } as const;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');

/** TOTP (RFC 6238, 30 s, 6 digits, ±1 step). The secret is stored encrypted under the key file. */
authenticator.options = { window: 1 };

export function totpAad(staffId: string): string {
  return `staff|totp_secret_enc|${staffId}`;
}

export interface RequestInfo {
  ip: string | null;
  terminal: string | null;
  origin: string; // e.g. http://localhost:8080, for WebAuthn
  rpId: string; // hostname
}

/** An account without a password yet (enrolment pending) never matches: argon2 refuses this as a hash. */
const NO_PASSWORD = '$no-password-set';

/** A dummy hash so that an unknown staff ID costs the same time as a wrong password. */
let dummyHash: Promise<string> | null = null;

export class AuthService {
  readonly repo: AccessRepository;
  constructor(
    private readonly db: Kysely<DB>,
    private readonly keyring: Keyring,
    private readonly audit: AuditRepository,
  ) {
    this.repo = new AccessRepository(db);
  }

  static hashPassword(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  private anonymous(info: RequestInfo): Actor {
    return { kind: 'anonymous', id: 'anonymous', ip: info.ip, terminal: info.terminal };
  }

  /** Step 1: ID + password. Returns a session token in stage 'password_ok'. */
  async login(staffId: string, password: string, info: RequestInfo): Promise<{ token: string; csrfToken: string; methods: ('totp' | 'webauthn')[] }> {
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
      dummyHash ??= AuthService.hashPassword('dummy-password-for-timing');
      await argon2.verify(await dummyHash, password).catch(() => false);
      return fail('unknown_staff');
    }
    if (staff.disabled_at) {
      await argon2.verify(staff.password_hash ?? NO_PASSWORD, password).catch(() => false);
      return fail('disabled');
    }
    if (staff.locked_until && staff.locked_until > now) {
      return fail('locked', 'locked', 423, `ログイン失敗が続いたためアカウントがロックされています。${Math.ceil((staff.locked_until.getTime() - now.getTime()) / 60000)}分後に再試行するか、管理者に解除を依頼してください`);
    }
    const ok = await argon2.verify(staff.password_hash ?? NO_PASSWORD, password).catch(() => false);
    if (!ok) {
      const failed = await this.repo.recordFailure(staffId, (n) => lockUntilAfterFailure(n, now), 'system:auth');
      return fail(`bad_password (${failed})`);
    }
    await this.repo.resetFailures(staffId, 'system:auth');
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
    return session;
  }

  /**
   * A code is accepted once: its time step must be later than the last one accepted for this staff
   * member, and recording it is an atomic compare-and-set, so a replayed or concurrent code fails.
   */
  private async checkTotp(staff: { staff_id: string; totp_secret_enc: string | null }, code: string): Promise<boolean> {
    if (!staff.totp_secret_enc) return false;
    const [keyId, blob] = staff.totp_secret_enc.split(':') as [string, string];
    const secret = this.keyring.decrypt(blob, totpAad(staff.staff_id), keyId);
    const delta = authenticator.checkDelta(code, secret);
    if (delta === null) return false;
    const step = Math.floor(Date.now() / 30_000) + delta;
    return this.repo.useTotpStep(staff.staff_id, step);
  }

  /** Step 2a: TOTP. Rotates the session id; returns the new token. */
  async verifyTotp(token: string | undefined, code: string, info: RequestInfo): Promise<{ token: string; staffId: string; csrfToken: string }> {
    const session = await this.pendingSession(token);
    const staff = await this.repo.findStaff(session.staff_id);
    if (!staff || staff.disabled_at || !(await this.checkTotp(staff, code))) {
      const failed = await this.repo.recordFailure(session.staff_id, (n) => lockUntilAfterFailure(n, new Date()), 'system:auth');
      await this.audit.appendAlone(this.db, this.anonymous(info), {
        functionCode: 'auth',
        action: 'login.totp',
        outcome: 'failure',
        detail: { attemptedStaffId: session.staff_id, failed },
      });
      if (failed >= 5) await this.repo.endSession(session.session_hash, 'too_many_failures');
      throw new AppError(401, 'invalid_code', 'ワンタイムパスワードが正しくありません');
    }
    return this.activate(session.session_hash, session.staff_id, 'totp', info);
  }

  private async activate(oldHash: string, staffId: string, factor: 'totp' | 'webauthn', info: RequestInfo) {
    const token = newToken();
    const csrfToken = newToken();
    await this.repo.activateSession(oldHash, sha256(token), factor, csrfToken);
    await this.repo.resetFailures(staffId, 'system:auth');
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
      await this.audit.appendAlone(this.db, this.anonymous(info), { functionCode: 'auth', action: 'login.webauthn', outcome: 'failure', detail: { attemptedStaffId: session.staff_id } });
      throw new AppError(401, 'invalid_assertion', 'セキュリティキーによる認証に失敗しました');
    }
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
    await this.db.transaction().execute(async (tx) => {
      await new AccessRepository(tx).addCredential({ credential_id: c.id, staff_id: staffId, public_key: c.publicKey, sign_count: c.counter, transports: c.transports ?? [] });
      await this.audit.append(tx, actor, { functionCode: 'auth', action: 'webauthn.register', detail: { staffId } });
    });
  }

  /** Step-up: the second factor again, before a reveal, a deletion or a permission change. */
  async stepUp(sessionHash: string, staffId: string, code: string, actor: Actor): Promise<void> {
    const staff = await this.repo.findStaff(staffId);
    const ok = !!staff && (await this.checkTotp(staff, code));
    await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'step_up.totp', outcome: ok ? 'success' : 'failure' });
    if (!ok) throw new AppError(401, 'invalid_code', 'ワンタイムパスワードが正しくありません');
    await this.repo.setStepUp(sessionHash, new Date());
  }

  /**
   * A staff member changes their own password: the current one is checked, the new one must meet the
   * policy and differ from it; every other session of theirs ends (a stolen session dies with the old password).
   */
  async changePassword(sessionHash: string, staffId: string, current: string, next: string, actor: Actor): Promise<void> {
    const staff = await this.repo.findStaff(staffId);
    if (!staff || !(await argon2.verify(staff.password_hash ?? NO_PASSWORD, current).catch(() => false))) {
      await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'password.change', outcome: 'failure', detail: { reason: 'wrong_current' } });
      throw new AppError(400, 'wrong_password', '現在のパスワードが正しくありません', [{ field: 'currentPassword', label: '現在のパスワード', message: '現在のパスワード: 正しくありません' }]);
    }
    const problems = passwordProblems(next, staffId);
    if (current === next) problems.push('現在と同じパスワードは使えません');
    if (problems.length) {
      throw new AppError(400, 'weak_password', problems.join('。'), [{ field: 'newPassword', label: '新しいパスワード', message: `新しいパスワード: ${problems.join('。')}` }]);
    }
    const hash = await AuthService.hashPassword(next);
    await this.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('nhi.actor', ${`staff:${staffId}`}, true)`.execute(tx);
      await tx.updateTable('staff').set({ password_hash: hash }).where('staff_id', '=', staffId).execute();
      const ended = await tx
        .updateTable('staff_session')
        .set({ ended_at: new Date(), end_reason: 'password_changed' })
        .where('staff_id', '=', staffId)
        .where('ended_at', 'is', null)
        .where('session_hash', '<>', sessionHash)
        .returning('session_hash')
        .execute();
      await this.audit.append(tx, actor, { functionCode: 'auth', action: 'password.change', detail: { otherSessionsEnded: ended.length } });
    });
  }

  async logout(sessionHash: string, actor: Actor): Promise<void> {
    await this.repo.endSession(sessionHash, 'logout');
    await this.audit.appendAlone(this.db, actor, { functionCode: 'auth', action: 'logout' });
  }
}
