/**
 * 産前産後期間の届出 on the 個人 page (women only): the notifications (in force and withdrawn) with the
 * months whose 所得割 and 均等割 are not charged, the form to record one (出産予定月 or 出産月, 多胎, 届出日)
 * and withdrawing one with its reason. Each one queues a 更正 of her NHI household, which the server
 * makes on its own. Reading needs person.read, entering reduction.record.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { request, type PerinatalNotification } from '../api.js';
import { DateText } from '../dates.js';
import { ErrorMessage, TextField, fieldErrorsOf, validationError } from '../components/ui.js';
import { NotificationsCard } from '../components/NotificationsCard.js';
import { NotificationStateCells } from '../components/NotificationWithdraw.js';
import { formatWareki, parseDateInput } from '../../../src/lib/wareki.js';

/** 令和9年1月 from 2027-01. */
export const monthLabel = (ym: string) => formatWareki(`${ym}-01`).replace(/\d+日$/, '');

/** A month as typed at the counter: 2027-01, 2027/1, 令和9年1月, R9.1 → 2027-01 (null when not a month). */
/** A month as typed at the counter: 2027-01, 2027/1, 令和9年1月, R9.1 → 2027-01 (null when not a month). */
export function parseMonthInput(text: string): string | null {
  const t = text.normalize('NFKC').trim();
  const m = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(t);
  if (m) return Number(m[2]) >= 1 && Number(m[2]) <= 12 ? `${m[1]}-${m[2]!.padStart(2, '0')}` : null;
  const day = parseDateInput(/[年.]\d{1,2}月?$/.test(t) ? `${t.replace(/月$/, '')}${t.includes('年') ? '月1日' : '.1'}` : t);
  return day ? day.slice(0, 7) : null;
}

export function PerinatalSection({ atenaNo, canRecord }: { atenaNo: string; canRecord: boolean }): ReactNode {
  return (
    <NotificationsCard<PerinatalNotification>
      kind="perinatal"
      title="産前産後期間の届出(国保税の減額)"
      path={`/api/persons/${atenaNo}/perinatal`}
      headers={['届出番号', '出産(予定)月', '減額する月(所得割・均等割)', '届出日']}
      canRecord={canRecord}
      row={(n, onDone) => <Row key={n.notificationId} n={n} canRecord={canRecord} onDone={onDone} />}
      form={(onDone) => <RecordForm atenaNo={atenaNo} onDone={onDone} />}
    />
  );
}

function Row({ n, canRecord, onDone }: { n: PerinatalNotification; canRecord: boolean; onDone: (m: string) => Promise<void> }): ReactNode {
  return (
    <tr className={n.endedAt ? 'muted' : undefined} data-testid={`perinatal-${n.notificationId}`}>
      <td className="num">{n.notificationId}</td>
      <td>
        {monthLabel(n.birthMonth)}({n.born ? '出産' : '予定'}
        {n.multiple ? '・多胎' : ''})
      </td>
      <td>{n.months.length > 0 ? `${monthLabel(n.months[0]!)}〜${monthLabel(n.months.at(-1)!)}(${n.months.length}か月)` : '—'}</td>
      <td>
        <DateText value={n.reportedOn} />
      </td>
      <NotificationStateCells notificationId={n.notificationId} endedAt={n.endedAt} endReason={n.endReason} withdrawPath={`/api/perinatal/${n.notificationId}/withdraw`} canRecord={canRecord} onDone={onDone} />
    </tr>
  );
}

function RecordForm({ atenaNo, onDone }: { atenaNo: string; onDone: (m: string) => Promise<void> }): ReactNode {
  const [birthMonth, setBirthMonth] = useState('');
  const [born, setBorn] = useState(false);
  const [multiple, setMultiple] = useState(false);
  const [reportedOn, setReportedOn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fe = fieldErrorsOf(error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const local: Record<string, string> = {};
    const month = parseMonthInput(birthMonth);
    if (!month) local.birthMonth = '出産予定月: 年月を正しく入力してください(例: 令和9年1月、2027-01)';
    const day = reportedOn.trim() === '' ? new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10) : parseDateInput(reportedOn.trim());
    if (!day) local.reportedOn = '届出日: 日付を正しく入力してください(例: 令和8年11月30日、R8.11.30、2026/11/30)';
    if (Object.keys(local).length > 0) {
      setError(validationError(local));
      return;
    }
    setBusy(true);
    try {
      const n = await request<PerinatalNotification>(`/api/persons/${atenaNo}/perinatal`, { method: 'POST', body: { birthMonth: month, born, multiple, reportedOn: day } });
      setBirthMonth('');
      await onDone(`届出を記録しました(届出番号 ${n.notificationId})。${monthLabel(n.months[0]!)}〜${monthLabel(n.months.at(-1)!)}の所得割・均等割を減額します。国保世帯の更正を依頼しました`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="perinatal-form" onSubmit={submit} aria-label="産前産後期間の届出" data-testid="perinatal-form">
      <h3>届出を記録する</h3>
      <p className="muted">出産予定月(出産後の届出は出産月)の前月から翌々月までの4か月(多胎は3か月前から6か月)、本人の所得割額・均等割額を減額します。出産予定月の6か月前から届け出られます。</p>
      <div className="form-grid">
        <TextField id="perinatal-month" label={born ? '出産月' : '出産予定月'} value={birthMonth} onChange={setBirthMonth} hint="例: 令和9年1月、2027-01" error={fe.birthMonth} />
        <TextField id="perinatal-reported" label="届出日" value={reportedOn} onChange={setReportedOn} hint="省略すると今日" error={fe.reportedOn} />
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={born} onChange={(e) => setBorn(e.target.checked)} /> 出産済み(出産後の届出)
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={multiple} onChange={(e) => setMultiple(e.target.checked)} /> 多胎妊娠
      </label>
      <ErrorMessage error={error} />
      <button type="submit" className="button" disabled={busy}>
        届出を記録する
      </button>
    </form>
  );
}
