/** Pieces shared by the screens that enter changes held for a second person's confirmation (承認). */
import { forwardRef, type ReactNode } from 'react';
import type { ChangeAccepted } from '../api.js';
import { DatePreview, DateText } from '../dates.js';
import { Notice } from './ui.js';

/** 「承認待ちとして登録しました(変更番号 N)」 with the warnings the server gave the requester. Focusable. */
export const AcceptedNotice = forwardRef<HTMLDivElement, { accepted: ChangeAccepted }>(function AcceptedNotice({ accepted }, ref) {
  return (
    <div ref={ref} tabIndex={-1} className="accepted">
      <Notice kind="success">
        <p className="alert__message">承認待ちとして登録しました(変更番号 {accepted.changeId})</p>
        <p>入力者以外の承認者が確認した後に反映されます。</p>
        {accepted.warnings.length > 0 ? (
          <ul className="alert__fields">
            {accepted.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        ) : null}
      </Notice>
    </div>
  );
});

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function DiffValue({ value, empty }: { value: string | null; empty: string }): ReactNode {
  if (value === null) return <span className="muted">{empty}</span>;
  // Dates are shown in 和暦 like everywhere else (the other calendar in the title).
  return ISO_DATE.test(value) ? <DateText value={value} /> : <>{value}</>;
}

/** 変更前 / 変更後, as the server gives them (already masked where needed). */
export function ChangeDiff({ fields, caption, testId }: { fields: { label: string; before: string | null; after: string | null }[]; caption: string; testId?: string }): ReactNode {
  return (
    <div className="table-wrap table-wrap--narrow">
      <table className="table table--compact change__diff" data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">項目</th>
            <th scope="col">変更前</th>
            <th scope="col">変更後</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f, i) => (
            <tr key={i}>
              <th scope="row">{f.label}</th>
              <td className="num">
                <DiffValue value={f.before} empty="（なし）" />
              </td>
              <td className="num">
                <DiffValue value={f.after} empty="（削除）" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The hint under a date input: both calendars accepted, and what the typed text was read as. */
export function DateHint({ text, example = '例：令和8年4月1日、R8.4.1、2026/4/1' }: { text: string; example?: string }): ReactNode {
  return <DatePreview text={text} example={example} />;
}
