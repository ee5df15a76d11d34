import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { ApiError, request, type ApiOk, type Me } from '../api.js';
import { ErrorMessage, Notice, PageHeading, TextField, validationError } from '../components/ui.js';
import { webauthnErrorMessage } from '../webauthn.js';
import { EnrolmentSteps } from './EnrolmentSteps.js';

export type LoginReason = 'expired' | 'loggedOut';
type LoginResponse = ApiOk<'/api/auth/login', 'post'>;
type StaffResponse = ApiOk<'/api/auth/totp', 'post'>;
type Method = LoginResponse['methods'][number];

function normalize(s: string): string {
  return s.normalize('NFKC').trim();
}

export function LoginPage({ reason, onLoggedIn }: { reason?: LoginReason | undefined; onLoggedIn: (me: Me) => void }): ReactNode {
  const [stage, setStage] = useState<'password' | 'second' | 'enrol'>('password');
  const [methods, setMethods] = useState<Method[]>([]);
  const [staffId, setStaffId] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);
  const keyButtonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (stage !== 'second') return;
    if (methods.includes('totp')) codeRef.current?.focus();
    else keyButtonRef.current?.focus();
  }, [stage, methods]);

  function fail(e: unknown, fields: string[]): void {
    setError(e);
    const fe: Record<string, string> = {};
    if (e instanceof ApiError) for (const f of e.fields) if (fields.includes(f.field)) fe[f.field] = f.message;
    setFieldErrors(fe);
  }

  async function submitPassword(e: FormEvent): Promise<void> {
    e.preventDefault();
    const id = normalize(staffId);
    const fe: Record<string, string> = {};
    if (id === '') fe.staffId = '職員IDを入力してください。';
    if (password === '') fe.password = 'パスワードを入力してください。';
    if (Object.keys(fe).length > 0) {
      setError(validationError(fe));
      setFieldErrors(fe);
      return;
    }
    setBusy(true);
    try {
      const res = await request<LoginResponse>('/api/auth/login', { method: 'POST', body: { staffId: id, password }, auth: true });
      setError(null);
      setFieldErrors({});
      setPassword('');
      setMethods(res.methods?.length ? res.methods : ['totp']);
      setStage('second');
    } catch (err) {
      setPassword('');
      fail(err, ['staffId', 'password']);
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(e: FormEvent): Promise<void> {
    e.preventDefault();
    const c = normalize(code).replace(/[\s-]/g, '');
    if (!/^\d{6}$/.test(c)) {
      const msg = 'ワンタイムパスワード（6桁の数字）を入力してください。';
      setError(new ApiError(400, 'validation', msg, [{ field: 'code', message: msg }]));
      setFieldErrors({ code: msg });
      codeRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const res = await request<StaffResponse>('/api/auth/totp', { method: 'POST', body: { code: c }, auth: true });
      onLoggedIn(res.staff);
    } catch (err) {
      setCode('');
      fail(err, ['code']);
      if (err instanceof ApiError && err.code === 'no_session') restart();
      else codeRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  async function loginWithKey(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const optionsJSON = await request<Parameters<typeof startAuthentication>[0]['optionsJSON']>('/api/auth/webauthn/options', {
        method: 'POST',
        body: {},
        auth: true,
      });
      const response = await startAuthentication({ optionsJSON });
      const res = await request<StaffResponse>('/api/auth/webauthn/verify', { method: 'POST', body: { response }, auth: true });
      onLoggedIn(res.staff);
    } catch (err) {
      fail(err instanceof ApiError ? err : new Error(webauthnErrorMessage(err, 'authenticate')), []);
      keyButtonRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  function restart(): void {
    setStage('password');
    setCode('');
    setMethods([]);
  }

  return (
    <div className="login">
      <PageHeading title="ログイン">ログイン</PageHeading>
      {reason === 'expired' ? (
        <div className="alert alert--warning" role="alert">
          セッションの有効期限が切れました。もう一度ログインしてください。
        </div>
      ) : reason === 'loggedOut' && stage === 'password' && !error ? (
        <Notice>ログアウトしました。</Notice>
      ) : null}
      {stage === 'enrol' ? null : <ErrorMessage error={error} id="login-error" />}

      {stage === 'enrol' ? (
        <EnrolmentSteps onLoggedIn={onLoggedIn} onCancel={() => setStage('password')} />
      ) : stage === 'password' ? (
        <form className="card form" onSubmit={(e) => void submitPassword(e)} noValidate aria-label="ログイン">
          <TextField
            id="staffId"
            label="職員ID"
            value={staffId}
            onChange={setStaffId}
            autoComplete="username"
            autoCapitalize="off"
            spellCheck={false}
            autoFocus
            required
            error={fieldErrors.staffId}
          />
          <TextField
            id="password"
            label="パスワード"
            type="password"
            value={password}
            onChange={setPassword}
            autoComplete="current-password"
            required
            error={fieldErrors.password}
          />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              ログイン
            </button>
          </div>
          <div className="form__actions form__actions--secondary">
            <button
              type="button"
              className="button button--link"
              onClick={() => {
                setError(null);
                setFieldErrors({});
                setStage('enrol');
              }}
            >
              初めてログインする方（初回登録コードをお持ちの方）
            </button>
          </div>
        </form>
      ) : (
        <section className="card form" aria-labelledby="second-factor-heading">
          <h2 id="second-factor-heading">二要素認証</h2>
          <p>
            職員ID <strong>{normalize(staffId)}</strong> の本人確認を行います。
          </p>
          {methods.includes('totp') ? (
            <form onSubmit={(e) => void submitCode(e)} noValidate>
              <TextField
                id="code"
                label="ワンタイムパスワード"
                hint="認証アプリに表示されている6桁の数字を入力してください。"
                value={code}
                onChange={setCode}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={12}
                required
                error={fieldErrors.code}
                inputRef={codeRef}
              />
              <div className="form__actions">
                <button type="submit" className="button" disabled={busy}>
                  認証する
                </button>
              </div>
            </form>
          ) : null}
          {methods.includes('webauthn') ? (
            <div className="form__alt">
              {methods.includes('totp') ? <p className="divider">または</p> : null}
              <button
                type="button"
                ref={keyButtonRef}
                className={methods.includes('totp') ? 'button button--secondary' : 'button'}
                onClick={() => void loginWithKey()}
                disabled={busy || !browserSupportsWebAuthn()}
              >
                セキュリティキーでログイン
              </button>
              {!browserSupportsWebAuthn() ? <p className="hint">このブラウザはセキュリティキーに対応していません。</p> : null}
            </div>
          ) : null}
          <div className="form__actions form__actions--secondary">
            <button
              type="button"
              className="button button--link"
              onClick={() => {
                setError(null);
                setFieldErrors({});
                restart();
              }}
            >
              職員IDの入力に戻る
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
