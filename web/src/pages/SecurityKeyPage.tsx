import { useRef, useState, type ReactNode } from 'react';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { ApiError, request, type Me } from '../api.js';
import { Badge, ErrorMessage, Notice, PageHeading } from '../components/ui.js';
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
    </>
  );
}
