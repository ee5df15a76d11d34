import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { ApiError, request, type Me } from '../api.js';
import { Badge, ErrorMessage, Notice, PageHeading, TextField, fieldErrorsOf } from '../components/ui.js';
import { webauthnErrorMessage } from '../webauthn.js';

type RegistrationOptions = Parameters<typeof startRegistration>[0]['optionsJSON'];

export function SecurityKeyPage({ me, onRegistered }: { me: Me; onRegistered: () => void }): ReactNode {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const supported = browserSupportsWebAuthn();

  async function register(): Promise<void> {
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      const optionsJSON = await request<RegistrationOptions>('/api/auth/webauthn/register/options', { method: 'POST', body: {} });
      const response = await startRegistration({ optionsJSON });
      await request<unknown>('/api/auth/webauthn/register/verify', { method: 'POST', body: { response } });
      setDone(true);
      onRegistered();
    } catch (e) {
      setError(e instanceof ApiError ? e : new Error(webauthnErrorMessage(e, 'register')));
      buttonRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading title="セキュリティキー登録">セキュリティキー登録</PageHeading>
      <section className="card">
        <p>
          セキュリティキー（FIDO2/WebAuthn 対応の認証器）を登録すると、ワンタイムパスワードの代わりにセキュリティキーでログインできます。
        </p>
        <p>
          登録状況：
          {me.hasWebauthn ? <Badge kind="ok">登録済み</Badge> : <Badge kind="muted">未登録</Badge>}
        </p>
        {done ? <Notice kind="success">セキュリティキーを登録しました。次回のログインから利用できます。</Notice> : null}
        <ErrorMessage error={error} />
        {!supported ? <p className="alert alert--warning">このブラウザはセキュリティキーに対応していません。</p> : null}
        <div className="form__actions">
          <button type="button" className="button" ref={buttonRef} disabled={busy || !supported} onClick={() => void register()}>
            {me.hasWebauthn ? 'セキュリティキーを追加登録' : 'セキュリティキーを登録'}
          </button>
        </div>
        <p className="hint">ボタンを押した後、セキュリティキーに触れるか、画面の指示に従ってください。</p>
      </section>
      <PasswordChange />
    </>
  );
}

/** 自分のパスワードの変更. The server checks the policy; other sessions of the user end on success. */
function PasswordChange(): ReactNode {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFieldErrors({});
    setDone(false);
    try {
      await request<unknown>('/api/auth/password', { method: 'POST', body: { currentPassword: current, newPassword: next } });
      setDone(true);
    } catch (err) {
      setError(err);
      setFieldErrors(fieldErrorsOf(err));
    } finally {
      // Passwords are never kept on the page.
      setCurrent('');
      setNext('');
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">パスワードの変更</h2>
      {done ? <Notice kind="success">パスワードを変更しました。ほかの端末のログインは終了しました。</Notice> : null}
      <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="password-heading">
        <ErrorMessage error={error} />
        <TextField id="current-password" label="現在のパスワード" type="password" value={current} onChange={setCurrent} autoComplete="current-password" required error={fieldErrors.currentPassword} />
        <TextField
          id="new-password-self"
          label="新しいパスワード"
          type="password"
          hint="12〜64文字。職員IDを含まないもの。よく使われるパスワードは使えません。"
          value={next}
          onChange={setNext}
          autoComplete="new-password"
          required
          error={fieldErrors.newPassword}
        />
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            パスワードを変更
          </button>
        </div>
      </form>
    </section>
  );
}
