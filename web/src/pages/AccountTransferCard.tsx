/**
 * 口座振替への変更申出 on the household page (特別徴収 → 普通徴収): the 世帯主's 申出, standing or withdrawn,
 * the form to record one (申出日) and withdrawing one with its reason. Recording one queues a 更正 of the
 * 年度: the 特別徴収 still to be withheld stops (the tax unchanged) and the rest is paid by 普通徴収; from
 * the next 本算定 the household is 普通徴収. A withdrawal takes effect at the next 本算定. Reading needs
 * assessment.read, recording assessment.run.
 */
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { request, type ApiOk } from '../api.js';
import { DateText } from '../dates.js';
import { DoneNotice, ErrorMessage, Spinner, TextField, fieldErrorsOf, validationError } from '../components/ui.js';
import { NotificationStateCells } from '../components/NotificationWithdraw.js';
import { parseDateInput } from '../../../src/lib/wareki.js';

type Requests = ApiOk<'/api/households/{householdNo}/account-transfer'>;
type Request = Requests['requests'][number];

export function AccountTransferCard({ householdNo, canRecord }: { householdNo: number; canRecord: boolean }): ReactNode {
  const [data, setData] = useState<Request[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setData((await request<Requests>(`/api/households/${householdNo}/account-transfer`)).requests);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [householdNo]);
  useEffect(() => {
    void load();
  }, [load]);
  // The list first, then the confirmation: never 「記録しました」 beside the list as it was before.
  const onDone = async (m: string) => {
    await load();
    setDone(m);
  };
  const standing = data?.some((r) => r.endedAt === null) ?? false;
  return (
    <section className="card notifications" aria-labelledby="account-transfer-heading" data-testid="account-transfer">
      <h2 id="account-transfer-heading">口座振替への変更申出(特別徴収 → 普通徴収)</h2>
      <DoneNotice message={done} />
      {error ? <ErrorMessage error={error} /> : null}
      {data === null && !error ? <Spinner /> : null}
      {data !== null && data.length === 0 ? <p>申出はありません。</p> : null}
      {data !== null && data.length > 0 ? (
        <table className="table table--compact" aria-label="口座振替への変更申出">
          <thead>
            <tr>
              <th scope="col">申出番号</th>
              <th scope="col">申出日</th>
              <th scope="col">世帯主(宛名番号)</th>
              <th scope="col">記録</th>
              <th scope="col">状態</th>
              {canRecord ? <th scope="col">操作</th> : null}
            </tr>
          </thead>
          <tbody>
            {data.map((r) => (
              <Row key={r.requestId} r={r} canRecord={canRecord} onDone={onDone} />
            ))}
          </tbody>
        </table>
      ) : null}
      {canRecord && data !== null && !standing ? <RecordForm householdNo={householdNo} onDone={onDone} /> : null}
    </section>
  );
}

function Row({ r, canRecord, onDone }: { r: Request; canRecord: boolean; onDone: (m: string) => Promise<void> }): ReactNode {
  return (
    <tr className={r.endedAt ? 'muted' : undefined} data-testid={`account-transfer-${r.requestId}`}>
      <td className="num">{r.requestId}</td>
      <td>
        <DateText value={r.requestedOn} />
      </td>
      <td className="num">{r.atenaNo}</td>
      <td>
        <DateText value={r.recordedAt.slice(0, 10)} />
      </td>
      <NotificationStateCells
        notificationId={r.requestId}
        endedAt={r.endedAt}
        endReason={r.endReason}
        withdrawPath={`/api/account-transfer/${r.requestId}/withdraw`}
        canRecord={canRecord}
        onDone={onDone}
        noun="申出番号"
        activeLabel="申出中(普通徴収)"
        withdrawn="次の本算定から特別徴収を改めて判定します"
      />
    </tr>
  );
}

function RecordForm({ householdNo, onDone }: { householdNo: number; onDone: (m: string) => Promise<void> }): ReactNode {
  const [requestedOn, setRequestedOn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const on = parseDateInput(requestedOn.trim());
    if (!on) {
      setError(validationError({ requestedOn: '申出日: 日付を正しく入力してください(例: 令和8年11月10日、R8.11.10、2026/11/10)' }));
      return;
    }
    setBusy(true);
    try {
      const r = await request<Request>(`/api/households/${householdNo}/account-transfer`, { method: 'POST', body: { requestedOn: on } });
      setRequestedOn('');
      await onDone(`申出を記録しました(申出番号 ${r.requestId})。この年度に特別徴収をしているときは、更正(税額は変わりません)で中止できる年金支払月から中止し、残りを普通徴収の期に割り振ります。次の本算定からは普通徴収です`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="reduction-form" onSubmit={submit} aria-label="口座振替への変更申出" data-testid="account-transfer-form">
      <h3>申出を記録する</h3>
      <p className="muted">世帯主が、国民健康保険税を年金からの天引き(特別徴収)でなく口座振替で納めることを申し出たときに記録します。口座振替の手続(口座振替依頼書)が済んでいることを確かめてください。</p>
      <div className="form-grid">
        <TextField id="account-transfer-on" label="申出日" value={requestedOn} onChange={setRequestedOn} hint="例: 令和8年11月10日" error={fieldErrorsOf(error).requestedOn} />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="button" disabled={busy}>
        申出を記録する
      </button>
    </form>
  );
}
