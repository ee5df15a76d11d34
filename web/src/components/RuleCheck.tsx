/**
 * 申請前の確認: while a 資格 form is filled in, the server's dry run (…/check) runs the request's own rule
 * checks on what is typed (debounced), so the clerk sees the errors next to the fields and the warnings
 * (転入日との相違, 遡及 …) before pressing 申請. Nothing is saved; the request checks again on the server.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, request, type EligibilityCheck } from '../api.js';

export const CHECK_DELAY_MS = 400;

export interface RuleCheckState {
  /** The answer for the current input (null: nothing to check yet, or still waiting). */
  result: EligibilityCheck | null;
  checking: boolean;
  /** A refusal the request would answer too (承認待ちがある、既に喪失 …), or a failed call. */
  refusal: string | null;
}

/** Runs the dry run at `path` with `body` once the input has rested; `body` null = incomplete input. */
export function useRuleCheck(path: string, body: Record<string, unknown> | null): RuleCheckState {
  const key = body === null ? null : JSON.stringify(body);
  const [state, setState] = useState<RuleCheckState>({ result: null, checking: false, refusal: null });
  useEffect(() => {
    if (key === null) {
      setState({ result: null, checking: false, refusal: null });
      return;
    }
    const ac = new AbortController();
    setState((s) => ({ ...s, checking: true }));
    const timer = window.setTimeout(() => {
      request<EligibilityCheck>(path, { method: 'POST', body: JSON.parse(key) as unknown, signal: ac.signal }).then(
        (result) => setState({ result, checking: false, refusal: null }),
        (e: unknown) => {
          if (e instanceof DOMException && e.name === 'AbortError') return;
          // A 400 names a field the form checks itself; anything else is said once above 申請.
          const refusal = e instanceof ApiError ? (e.status === 400 ? null : e.message) : '確認できませんでした。';
          setState({ result: null, checking: false, refusal });
        },
      );
    }, CHECK_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      ac.abort();
    };
  }, [path, key]);
  return state;
}

/** The dry run's errors by field (the message without its label: the field shows the label). */
export function checkErrorsByField(state: RuleCheckState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of state.result?.errors ?? []) if (!out[e.field]) out[e.field] = e.message;
  return out;
}

/** The summary above 申請: 確認中 / errors / warnings / no problem, read out politely as it changes. */
export function RuleCheckSummary({ state, testId }: { state: RuleCheckState; testId: string }): ReactNode {
  const { result, checking, refusal } = state;
  let body: ReactNode = <p className="hint">日付と事由を入力すると、申請の前に規則を確認します。</p>;
  if (checking) body = <p className="hint">規則を確認しています…</p>;
  else if (refusal) body = <div className="alert alert--error"><p className="alert__message">{refusal}</p></div>;
  else if (result) {
    const ok = result.errors.length === 0 && result.warnings.length === 0;
    body = (
      <>
        {result.errors.length > 0 ? (
          <div className="alert alert--error" data-testid={`${testId}-errors`}>
            <p className="alert__message">このままでは申請できません（{result.errors.length}件）：</p>
            <ul className="alert__fields">
              {result.errors.map((e, i) => (
                <li key={i}>{e.message}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {result.warnings.length > 0 ? (
          <div className="alert alert--warning" data-testid={`${testId}-warnings`}>
            <p className="alert__message">
              確認してください{result.retroactive.acquisition || result.retroactive.loss ? '（遡及）' : ''}：
            </p>
            <ul className="alert__fields">
              {result.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {ok ? <p className="rule-check__ok">✓ 規則の確認：誤り・注意はありません。</p> : null}
      </>
    );
  }
  return (
    <div className="rule-check" aria-live="polite" data-testid={testId} data-state={checking ? 'checking' : result ? (result.errors.length > 0 ? 'errors' : 'ok') : 'idle'}>
      <h4 className="rule-check__title">申請前の確認</h4>
      {body}
    </div>
  );
}
