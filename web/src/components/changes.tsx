/** Pieces shared by the screens that enter changes held for a second person's confirmation (承認). */
import { forwardRef, type ReactNode } from 'react';
import type { ChangeAccepted, ChangeStatus, PendingChange } from '../api.js';
import { DatePreview, DateText } from '../dates.js';
import { changeStatusLabel } from '../labels.js';
import { Link } from '../router.js';
import { StatusBadge } from '../pages/SearchPage.js';
import { Badge, Notice } from './ui.js';

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

/** 承認待ち / 承認済み / 却下 / 取下げ as a badge. */
export function ChangeStatusBadge({ status }: { status: ChangeStatus }): ReactNode {
  return <Badge kind={status === 'pending' ? 'warning' : status === 'approved' ? 'ok' : 'muted'}>{changeStatusLabel(status)}</Badge>;
}

/** Whom a change is about: the person (a link to their page, with the name and a non-resident's status) or the staff account. */
export function ChangeTarget({ change: c, link = true }: { change: PendingChange; link?: boolean }): ReactNode {
  if (c.atenaNo === null) return c.subjectKey?.startsWith('staff:') ? <>職員 {c.subjectKey.slice('staff:'.length)}</> : <>{c.subjectKey ?? '—'}</>;
  const no = (
    <>
      宛名番号 <span className="num">{c.atenaNo}</span>
    </>
  );
  return (
    <>
      {link ? <Link to={`/persons/${c.atenaNo}`}>{no}</Link> : no} {c.nameKanji}
      {c.residentStatus && c.residentStatus !== 'resident' ? (
        <>
          {' '}
          <StatusBadge status={c.residentStatus} />
        </>
      ) : null}
    </>
  );
}

/** The 関連性・整合性チェック the server attached to a change (shown to those allowed to see them). */
export function ChangeWarnings({ warnings, testId = 'change-warnings' }: { warnings: string[]; testId?: string }): ReactNode {
  if (warnings.length === 0) return null;
  return (
    <div className="alert alert--warning change__warnings" data-testid={testId}>
      <p className="alert__message">
        <span aria-hidden="true">⚠ </span>確認が必要な事項
      </p>
      <ul className="alert__fields">
        {warnings.map((w, i) => (
          <li key={i}>{w}</li>
        ))}
      </ul>
    </div>
  );
}
