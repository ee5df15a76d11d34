import { authenticator } from 'otplib';
import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Keyring } from '../../security/keyring.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { AppError } from '../../http/errors.js';
import { activationCodeHash } from './activation.rules.js';
import { lockUntilAfterFailure, passwordProblems } from './password.rules.js';
import { newToken, sha256, totpAad, TOTP_ISSUER, type AuthService, type RequestInfo } from './auth.service.js';

/** How long an enrolment session may take from the activation code to the confirmed TOTP. */
export const ENROLMENT_WINDOW_MS = 30 * 60_000;

const WRONG_CODE = '職員IDまたは初回登録コードが正しくありません';

/**
 * First login of a new account (or one whose credentials were re-issued): the owner opens an
 * enrolment session with the one-time activation code, sets their own password, receives a freshly
 * generated TOTP secret (the only answer of any API that contains one) and confirms it with a code.
 * Only then do password and secret become the account's and the activation code is spent.
 */
export class EnrolmentService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly keyring: Keyring,
    private readonly audit: AuditRepository,
    private readonly auth: AuthService,
  ) {}

  private get repo() {
    return this.auth.repo;
  }

  /** Staff ID + activation code → a session in stage 'enrolment'. Wrong or expired codes count as login failures. */
  async activate(staffId: string, code: string, info: RequestInfo): Promise<{ token: string; csrfToken: string }> {
    await this.auth.takeAttempt(info, staffId, 'enrolment.activate');
    const staff = await this.repo.findStaff(staffId);
    const now = new Date();
    const fail = async (reason: string, message = WRONG_CODE, status: 401 | 423 = 401): Promise<never> => {
      let failed: number | undefined;
      if (staff && reason !== 'locked') failed = await this.repo.recordFailure(staffId, (n) => lockUntilAfterFailure(n, now), 'system:auth');
      await this.audit.appendAlone(this.db, this.auth.anonymous(info), { functionCode: 'auth', action: 'enrolment.activate', outcome: 'failure', detail: { attemptedStaffId: staffId.slice(0, 32), reason, ...(failed ? { failed } : {}) } });
      throw new AppError(status, status === 423 ? 'locked' : 'invalid_activation_code', message);
    };
    if (!staff) return fail('unknown_staff');
    if (staff.disabled_at) return fail('disabled');
    if (staff.locked_until && staff.locked_until > now) {
      return fail('locked', `ログイン失敗が続いたためアカウントがロックされています。${Math.ceil((staff.locked_until.getTime() - now.getTime()) / 60000)}分後に再試行するか、管理者に解除を依頼してください`, 423);
    }
    if (!staff.activation_code_hash) return fail('no_activation_pending');
    const given = Buffer.from(activationCodeHash(staffId, code), 'hex');
    const expected = Buffer.from(staff.activation_code_hash, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('wrong_code');
    if (!staff.activation_expires_at || staff.activation_expires_at <= now) {
      return fail('expired', '初回登録コードの有効期限が切れています。管理者に再発行を依頼してください');
    }
    this.auth.attemptSucceeded(info, staffId);
    await this.repo.resetPasswordFailures(staffId, 'system:auth');
    // One enrolment at a time: using the code again replaces an earlier, unfinished enrolment session.
    await this.repo.endEnrolmentSessions(staffId, 'replaced_by_activation');
    const token = newToken();
    const csrfToken = newToken();
    await this.repo.createSession({ session_hash: sha256(token), staff_id: staffId, csrf_token: csrfToken, ip: info.ip, terminal: info.terminal }, 'enrolment');
    await this.audit.appendAlone(this.db, this.auth.anonymous(info), { functionCode: 'auth', action: 'enrolment.activate', detail: { staffId } });
    return { token, csrfToken };
  }

  private async session(token: string | undefined) {
    const again = new AppError(401, 'no_session', '初回登録コードの入力からやり直してください');
    if (!token) throw again;
    const session = await this.repo.findLiveSession(sha256(token));
    if (!session || session.stage !== 'enrolment') throw again;
    if (Date.now() - session.created_at.getTime() > ENROLMENT_WINDOW_MS) {
      await this.repo.endSession(session.session_hash, 'enrolment_timeout');
      throw new AppError(401, 'no_session', '時間切れです。初回登録コードの入力からやり直してください');
    }
    const staff = await this.repo.findStaff(session.staff_id);
    if (!staff?.activation_code_hash || staff.disabled_at || (staff.locked_until && staff.locked_until > new Date())) {
      await this.repo.endSession(session.session_hash, 'enrolment_invalid');
      throw again;
    }
    return session;
  }

  /** Step 1: the owner's own password (policy of password.rules.ts); held on the session until confirmed. */
  async setPassword(token: string | undefined, password: string, info: RequestInfo): Promise<void> {
    const session = await this.session(token);
    const problems = passwordProblems(password, session.staff_id);
    if (problems.length) {
      throw new AppError(400, 'weak_password', problems.join('。'), [{ field: 'newPassword', label: '新しいパスワード', message: `新しいパスワード: ${problems.join('。')}` }]);
    }
    await this.repo.setEnrolment(session.session_hash, { enrol_password_hash: await this.auth.hashNewPassword(password) });
    await this.audit.appendAlone(this.db, this.auth.anonymous(info), { functionCode: 'auth', action: 'enrolment.password', detail: { staffId: session.staff_id } });
  }

  /** Step 2: a fresh TOTP secret for the owner's authenticator app (each call replaces the previous one). */
  async issueTotpSecret(token: string | undefined, info: RequestInfo): Promise<{ secret: string; otpauthUri: string }> {
    const session = await this.session(token);
    if (!session.enrol_password_hash) throw new AppError(409, 'password_first', '先に新しいパスワードを設定してください');
    const secret = authenticator.generateSecret(20);
    const enc = `${this.keyring.activeKeyId}:${this.keyring.encrypt(secret, totpAad(session.staff_id))}`;
    await this.repo.setEnrolment(session.session_hash, { enrol_totp_secret_enc: enc });
    await this.audit.appendAlone(this.db, this.auth.anonymous(info), { functionCode: 'auth', action: 'enrolment.totp_issued', detail: { staffId: session.staff_id } });
    return { secret, otpauthUri: authenticator.keyuri(session.staff_id, TOTP_ISSUER, secret) };
  }

  /** Step 3: a valid code from the app; the account becomes active and this session logged in. */
  async confirm(token: string | undefined, code: string, info: RequestInfo): Promise<{ token: string; staffId: string; csrfToken: string }> {
    const session = await this.session(token);
    const staffId = session.staff_id;
    if (!session.enrol_password_hash || !session.enrol_totp_secret_enc) throw new AppError(409, 'totp_first', '先に認証アプリへの登録(秘密鍵の発行)を行ってください');
    await this.auth.takeAttempt(info, staffId, 'enrolment.confirm');
    const step = this.auth.totpStep(staffId, session.enrol_totp_secret_enc, code);
    if (step === null) {
      return this.auth.secondFactorFailed(session.session_hash, staffId, 'enrolment.confirm', this.auth.anonymous(info), new AppError(401, 'invalid_code', '確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください'));
    }
    this.auth.attemptSucceeded(info, staffId);
    const newTok = newToken();
    const csrfToken = newToken();
    const done = await this.repo.completeEnrolment(staffId, { password_hash: session.enrol_password_hash, totp_secret_enc: session.enrol_totp_secret_enc, totp_last_step: step }, session.session_hash, sha256(newTok), csrfToken);
    if (!done) throw new AppError(409, 'not_enrolling', 'この職員IDの初回登録はすでに完了しています。ログイン画面からログインしてください');
    await this.audit.appendAlone(this.db, this.auth.anonymous(info), { functionCode: 'auth', action: 'enrolment.complete', detail: { staffId, sessionRef: sha256(newTok).slice(0, 16) } });
    return { token: newTok, staffId, csrfToken };
  }
}
