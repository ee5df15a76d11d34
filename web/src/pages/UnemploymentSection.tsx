/**
 * 非自発的失業者の届出 on the 個人 page: the notifications (in force and withdrawn) with the span of the
 * reduction (from the month after 離職 to the end of the next 年度, 給与所得 × 30/100), the form to record one
 * (離職日, 離職理由コード from the 雇用保険受給資格者証, 届出日) and withdrawing one with its reason. Each one
 * queues a 更正 of the person's NHI households. Reading needs person.read, entering reduction.record.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { request, type UnemploymentNotification } from '../api.js';
import { DateText } from '../dates.js';
import { ErrorMessage, TextField, fieldErrorsOf, validationError } from '../components/ui.js';
import { NotificationsCard } from '../components/NotificationsCard.js';
import { NotificationStateCells } from '../components/NotificationWithdraw.js';
import { parseDateInput } from '../../../src/lib/wareki.js';
import { monthLabel } from './PerinatalSection.js';

const today = () => new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
/** The month before an exclusive end day (2028-04-01 → 2028-03). */
const lastMonthBefore = (until: string) => {
  const y = Number(until.slice(0, 4));
  const m = Number(until.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};

export function UnemploymentSection({ atenaNo, canRecord }: { atenaNo: string; canRecord: boolean }): ReactNode {
  return (
    <NotificationsCard<UnemploymentNotification>
      kind="unemployment"
      title="非自発的失業者の届出(国保税の軽減)"
      path={`/api/persons/${atenaNo}/unemployment`}
      headers={['届出番号', '離職日', '離職理由コード', '軽減の期間(給与所得 × 30/100)', '届出日']}
      canRecord={canRecord}
      row={(n, onDone) => <Row key={n.notificationId} n={n} canRecord={canRecord} onDone={onDone} />}
      form={(onDone) => <RecordForm atenaNo={atenaNo} onDone={onDone} />}
    />
  );
}

function Row({ n, canRecord, onDone }: { n: UnemploymentNotification; canRecord: boolean; onDone: (m: string) => Promise<void> }): ReactNode {
  return (
    <tr className={n.endedAt ? 'muted' : undefined} data-testid={`unemployment-${n.notificationId}`}>
      <td className="num">{n.notificationId}</td>
      <td>
        <DateText value={n.separatedOn} />
      </td>
      <td className="num">{n.reasonCode}</td>
      <td>
        {monthLabel(n.from.slice(0, 7))}〜{monthLabel(lastMonthBefore(n.until))}
      </td>
      <td>
        <DateText value={n.reportedOn} />
      </td>
      <NotificationStateCells notificationId={n.notificationId} endedAt={n.endedAt} endReason={n.endReason} withdrawPath={`/api/unemployment/${n.notificationId}/withdraw`} canRecord={canRecord} onDone={onDone} />
    </tr>
  );
}

function RecordForm({ atenaNo, onDone }: { atenaNo: string; onDone: (m: string) => Promise<void> }): ReactNode {
  const [separatedOn, setSeparatedOn] = useState('');
  const [reasonCode, setReasonCode] = useState('');
  const [reportedOn, setReportedOn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fe = fieldErrorsOf(error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const local: Record<string, string> = {};
    const sep = parseDateInput(separatedOn.trim());
    if (!sep) local.separatedOn = '離職日: 日付を正しく入力してください(例: 令和8年9月30日、R8.9.30、2026/9/30)';
    const code = reasonCode.normalize('NFKC').trim();
    if (!/^\d{2}$/.test(code)) local.reasonCode = '離職理由コード: 雇用保険受給資格者証の2桁の数字で入力してください(例: 11)';
    const rep = reportedOn.trim() === '' ? today() : parseDateInput(reportedOn.trim());
    if (!rep) local.reportedOn = '届出日: 日付を正しく入力してください';
    if (Object.keys(local).length > 0) {
      setError(validationError(local));
      return;
    }
    setBusy(true);
    try {
      const n = await request<UnemploymentNotification>(`/api/persons/${atenaNo}/unemployment`, { method: 'POST', body: { separatedOn: sep, reasonCode: code, reportedOn: rep } });
      setSeparatedOn('');
      setReasonCode('');
      await onDone(`届出を記録しました(届出番号 ${n.notificationId})。${monthLabel(n.from.slice(0, 7))}〜${monthLabel(lastMonthBefore(n.until))}の給与所得を30/100として計算します。国保世帯の更正を依頼しました`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="reduction-form" onSubmit={submit} aria-label="非自発的失業者の届出" data-testid="unemployment-form">
      <h3>届出を記録する</h3>
      <p className="muted">雇用保険受給資格者証の離職日と離職理由コード(特定受給資格者 11・12・21・22・31・32、特定理由離職者 23・33・34)を入力します。離職日に65歳未満の方が対象です。離職日の翌日の属する月から翌年度末まで、給与所得を30/100として計算します。</p>
      <div className="form-grid">
        <TextField id="unemployment-separated" label="離職日" value={separatedOn} onChange={setSeparatedOn} hint="例: 令和8年9月30日" error={fe.separatedOn} />
        <TextField id="unemployment-code" label="離職理由コード" value={reasonCode} onChange={setReasonCode} inputMode="numeric" hint="2桁(例: 11)" error={fe.reasonCode} />
        <TextField id="unemployment-reported" label="届出日" value={reportedOn} onChange={setReportedOn} hint="省略すると今日" error={fe.reportedOn} />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="button" disabled={busy}>
        届出を記録する
      </button>
    </form>
  );
}
