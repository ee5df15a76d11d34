/** Japanese messages for the errors a WebAuthn ceremony can end with. */
export function webauthnErrorMessage(err: unknown, kind: 'authenticate' | 'register'): string {
  const name = err instanceof Error ? err.name : '';
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError')
    return kind === 'register' ? 'このセキュリティキーは既に登録されています。' : 'セキュリティキーを利用できませんでした。';
  if (name === 'NotAllowedError' || code === 'ERROR_CEREMONY_ABORTED')
    return kind === 'register'
      ? 'セキュリティキーの登録が取り消されたか、時間切れになりました。もう一度お試しください。'
      : 'セキュリティキーによる認証が取り消されたか、時間切れになりました。もう一度お試しください。';
  if (name === 'SecurityError') return 'このアドレスではセキュリティキーを利用できません。システム管理者に連絡してください。';
  if (name === 'NotSupportedError') return 'このブラウザまたはセキュリティキーは対応していません。';
  return kind === 'register' ? 'セキュリティキーを登録できませんでした。' : 'セキュリティキーで認証できませんでした。';
}
