/**
 * 再認証 (step-up): some operations (個人番号の表示・削除, 権限の変更, 無効化, 削除の承認) need a one-time
 * password entered within the last few minutes. The page tries the operation; when the server answers
 * `step_up_required`, it keeps the operation, asks for the code, steps up and runs it again.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import { ApiError, isStepUpRequired, request } from '../api.js';
import { ErrorMessage, TextField } from './ui.js';

interface Pending {
  action: () => Promise<void>;
  onError: (e: unknown) => void;
  intro: string;
}

export interface StepUp {
  /** The server is waiting for a one-time password (show <StepUpForm>). */
  asking: boolean;
  /** What the prompt should say the code is for. */
  intro: string;
  /**
   * Run `action`. A `step_up_required` answer keeps it for after the step-up; any other error goes to
   * `onError` (also when the retried action fails).
   */
  run(action: () => Promise<void>, onError: (e: unknown) => void, intro?: string): Promise<void>;
  /** The code was accepted: run the kept action again. */
  verified(): Promise<void>;
  cancel(): void;
}

const DEFAULT_INTRO = 'この操作には本人確認が必要です。認証アプリのワンタイムパスワードを入力してください。';

export function useStepUp(): StepUp {
  const pending = useRef<Pending | null>(null);
  const [asking, setAsking] = useState(false);
  const [intro, setIntro] = useState(DEFAULT_INTRO);

  const run = useCallback(async (action: () => Promise<void>, onError: (e: unknown) => void, text = DEFAULT_INTRO): Promise<void> => {
    try {
      await action();
    } catch (e) {
      if (isStepUpRequired(e)) {
        pending.current = { action, onError, intro: text };
        setIntro(text);
        setAsking(true);
      } else onError(e);
    }
  }, []);

  const verified = useCallback(async (): Promise<void> => {
    const p = pending.current;
    pending.current = null;
    setAsking(false);
    if (p) await run(p.action, p.onError, p.intro);
  }, [run]);

  const cancel = useCallback((): void => {
    pending.current = null;
    setAsking(false);
  }, []);

  return { asking, intro, run, verified, cancel };
}

/** The one-time password prompt. Focuses its input when shown; the code is never kept after a try. */
export function StepUpForm({
  idPrefix,
  intro,
  submitLabel = '確認して続ける',
  onVerified,
  onCancel,
}: {
  idPrefix: string;
  intro: string;
  submitLabel?: string;
  onVerified: () => Promise<void>;
  onCancel: () => void;
}): ReactNode {
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);
  const inputId = `${idPrefix}-stepup-code`;

  useEffect(() => {
    codeRef.current?.focus();
  }, []);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    const c = code.normalize('NFKC').replace(/[\s-]/g, '');
    if (!/^\d{6}$/.test(c)) {
      const msg = 'ワンタイムパスワード（6桁の数字）を入力してください。';
      setFieldError(msg);
      setError(new ApiError(400, 'validation', msg));
      codeRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      try {
        // A 401 here is a wrong code (auth: true), not necessarily an ended session.
        await request<unknown>('/api/auth/step-up', { method: 'POST', body: { code: c }, auth: true });
      } catch (err) {
        // If the session itself has ended, /me answers 401 too and the app returns to the login page.
        if (err instanceof ApiError && err.status === 401) await request<unknown>('/api/auth/me').catch(() => undefined);
        throw err;
      }
    } catch (err) {
      setCode('');
      setError(err);
      setFieldError(err instanceof ApiError ? (err.fieldMessage('code') ?? (err.status === 401 ? err.message : undefined)) : undefined);
      setBusy(false);
      codeRef.current?.focus();
      return;
    }
    setCode('');
    setBusy(false);
    // The form goes away here (the caller re-runs its operation).
    await onVerified();
  }

  return (
    <form className="stepup" onSubmit={(e) => void submit(e)} noValidate aria-label="本人確認">
      <p>{intro}</p>
      <ErrorMessage error={error} />
      <TextField
        id={inputId}
        label="ワンタイムパスワード"
        value={code}
        onChange={setCode}
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={12}
        required
        inputRef={codeRef}
        error={fieldError}
      />
      <div className="form__actions">
        <button type="submit" className="button" disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          取り消す
        </button>
      </div>
    </form>
  );
}

/**
 * The prompt for a pending step-up: re-runs the kept operation once the code is accepted (marking the
 * caller busy meanwhile), and on cancel returns focus to where the operation started.
 */
export function StepUpPrompt({
  stepUp,
  idPrefix,
  submitLabel,
  setBusy,
  returnFocus,
}: {
  stepUp: StepUp;
  idPrefix: string;
  submitLabel?: string;
  setBusy: (busy: boolean) => void;
  returnFocus?: RefObject<HTMLElement | null>;
}): ReactNode {
  return (
    <StepUpForm
      idPrefix={idPrefix}
      intro={stepUp.intro}
      {...(submitLabel ? { submitLabel } : {})}
      onVerified={async () => {
        setBusy(true);
        await stepUp.verified();
        setBusy(false);
      }}
      onCancel={() => {
        stepUp.cancel();
        if (returnFocus) window.setTimeout(() => returnFocus.current?.focus(), 0);
      }}
    />
  );
}
