import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, request, type ApiOk, type Me } from '../api.js';
import { ErrorMessage, TextField, validationError } from '../components/ui.js';

/**
 * 初回登録: a new account's first login. The owner types the 初回登録コード the administrator handed
 * over, sets their own password, registers the TOTP secret shown here in their authenticator app and
 * confirms it with a code; then they are logged in. Nobody else ever sees the secret.
 */
type Step = 'code' | 'password' | 'app' | 'done';
type TotpSecret = ApiOk<'/api/auth/enrolment/totp', 'post'>;

const STEPS: { step: Step; label: string }[] = [
  { step: 'code', label: '初回登録コード' },
  { step: 'password', label: '新しいパスワード' },
  { step: 'app', label: '認証アプリへの登録' },
];

function normalize(s: string): string {
  return s.normalize('NFKC').trim();
}

export function EnrolmentSteps({ onLoggedIn, onCancel }: { onLoggedIn: (me: Me) => void; onCancel: () => void }): ReactNode {
  const [step, setStep] = useState<Step>('code');
  const [staffId, setStaffId] = useState('');
  const [activationCode, setActivationCode] = useState('');
  const [password, setPassword] = useState('');
  const [password2, setPassword2] = useState('');
  const [totp, setTotp] = useState<TotpSecret | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => headingRef.current?.focus(), [step]);

  function invalid(fe: Record<string, string>): boolean {
    if (Object.keys(fe).length === 0) return false;
    setError(validationError(fe));
    setFieldErrors(fe);
    return true;
  }

  async function run(fields: string[], fn: () => Promise<void>): Promise<void> {
    setBusy(true);
    try {
      await fn();
      setError(null);
      setFieldErrors({});
    } catch (err) {
      setError(err);
      const fe: Record<string, string> = {};
      if (err instanceof ApiError) for (const f of err.fields) if (fields.includes(f.field)) fe[f.field] = f.message;
      setFieldErrors(fe);
      // The enrolment session ended (timeout, lock, a newer use of the code): start again from the code.
      if (err instanceof ApiError && (err.code === 'no_session' || err.code === 'locked')) setStep('code');
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(e: FormEvent): Promise<void> {
    e.preventDefault();
    const id = normalize(staffId);
    const c = normalize(activationCode);
    const fe: Record<string, string> = {};
    if (id === '') fe.staffId = '職員IDを入力してください。';
    if (c === '') fe.code = '初回登録コードを入力してください。';
    if (invalid(fe)) return;
    await run(['staffId', 'code'], async () => {
      await request('/api/auth/activate', { method: 'POST', body: { staffId: id, code: c }, auth: true });
      setActivationCode('');
      setStep('password');
    });
  }

  async function submitPassword(e: FormEvent): Promise<void> {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (password === '') fe.newPassword = '新しいパスワード: 入力してください。';
    else if (password !== password2) fe.newPassword2 = '新しいパスワード(確認): 1回目と一致しません。';
    if (invalid(fe)) return;
    await run(['newPassword'], async () => {
      await request('/api/auth/enrolment/password', { method: 'POST', body: { newPassword: password }, auth: true });
      setTotp(await request<TotpSecret>('/api/auth/enrolment/totp', { method: 'POST', body: {}, auth: true }));
      setPassword('');
      setPassword2('');
      setStep('app');
    });
  }

  async function submitConfirm(e: FormEvent): Promise<void> {
    e.preventDefault();
    const c = normalize(code).replace(/[\s-]/g, '');
    if (invalid(/^\d{6}$/.test(c) ? {} : { code: '確認コード: 認証アプリに表示されている6桁の数字を入力してください。' })) return;
    await run(['code'], async () => {
      const res = await request<{ staff: Me }>('/api/auth/enrolment/confirm', { method: 'POST', body: { code: c }, auth: true });
      setTotp(null);
      setStep('done');
      onLoggedIn(res.staff);
    });
    setCode('');
  }

  const index = STEPS.findIndex((s) => s.step === step);
  return (
    <section className="card form enrolment" aria-labelledby="enrolment-heading">
      <h2 id="enrolment-heading" ref={headingRef} tabIndex={-1}>
        初回登録（手順 {index + 1} / {STEPS.length}：{STEPS[index]?.label}）
      </h2>
      <ol className="steps" aria-label="初回登録の手順">
        {STEPS.map((s, i) => (
          <li key={s.step} className={i === index ? 'steps__item steps__item--current' : i < index ? 'steps__item steps__item--done' : 'steps__item'} aria-current={i === index ? 'step' : undefined}>
            {s.label}
          </li>
        ))}
      </ol>
      <ErrorMessage error={error} id="enrolment-error" />

      {step === 'code' ? (
        <form onSubmit={(e) => void submitCode(e)} noValidate aria-label="初回登録コードの入力">
          <p>管理者から受け取った初回登録コードを入力してください。コードは1回だけ使え、有効期限は発行から72時間です。</p>
          <TextField id="enrol-staffId" label="職員ID" value={staffId} onChange={setStaffId} autoComplete="username" autoCapitalize="off" spellCheck={false} autoFocus required error={fieldErrors.staffId} />
          <TextField
            id="enrol-code"
            label="初回登録コード"
            hint="例: ABCD-EFGH-JKLM-NPQR-STUV（大文字・小文字、ハイフンの有無は問いません）"
            value={activationCode}
            onChange={setActivationCode}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={64}
            required
            error={fieldErrors.code}
          />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              次へ
            </button>
          </div>
        </form>
      ) : step === 'password' ? (
        <form onSubmit={(e) => void submitPassword(e)} noValidate aria-label="新しいパスワードの設定">
          <p>
            職員ID <strong>{normalize(staffId)}</strong> のパスワードを自分で決めてください。12文字以上64文字以下で、職員IDを含まず、よく使われるものでないこと。
          </p>
          <TextField id="enrol-newPassword" label="新しいパスワード" type="password" value={password} onChange={setPassword} autoComplete="new-password" required error={fieldErrors.newPassword} />
          <TextField id="enrol-newPassword2" label="新しいパスワード（確認）" type="password" value={password2} onChange={setPassword2} autoComplete="new-password" required error={fieldErrors.newPassword2} />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              次へ
            </button>
          </div>
        </form>
      ) : step === 'app' && totp ? (
        <form onSubmit={(e) => void submitConfirm(e)} noValidate aria-label="認証アプリへの登録">
          <div className="alert alert--warning" role="note">
            <p className="alert__message">次の秘密鍵は<strong>あなただけのもの</strong>です。この画面でしか表示されません。</p>
            <p>スマートフォンの認証アプリで「キーを入力」を選び、秘密鍵を入力してください（またはotpauth URIを読み込める場合はそれを使ってください）。印刷・撮影・メールやチャットでの送付はしないでください。</p>
          </div>
          <dl className="summary">
            <div>
              <dt>アカウント名</dt>
              <dd>
                <span className="num">{normalize(staffId)}</span>（国民健康保険システム）
              </dd>
            </div>
            <div>
              <dt>秘密鍵（手入力用）</dt>
              <dd>
                <code className="num secret" data-testid="enrol-totp-secret">
                  {totp.secret.replace(/(.{4})(?=.)/g, '$1 ')}
                </code>
              </dd>
            </div>
            <div>
              <dt>otpauth URI</dt>
              <dd>
                <code className="secret secret--uri" data-testid="enrol-otpauth-uri">
                  {totp.otpauthUri}
                </code>
              </dd>
            </div>
          </dl>
          <TextField
            id="enrol-confirm"
            label="確認コード"
            hint="登録した認証アプリに表示されている6桁の数字を入力してください。正しければ登録が完了し、ログインします。"
            value={code}
            onChange={setCode}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={12}
            required
            error={fieldErrors.code}
          />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              登録を完了する
            </button>
          </div>
        </form>
      ) : null}

      <div className="form__actions form__actions--secondary">
        <button type="button" className="button button--link" onClick={onCancel}>
          ログイン画面に戻る
        </button>
      </div>
    </section>
  );
}
