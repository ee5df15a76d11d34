/**
 * 承認 (入力者以外の者による確認): changes entered by one staff member wait here until another approves or
 * rejects them. Values arrive already masked by the server (a My Number shows only its last four digits);
 * the page shows them as given. The server is the authority on who may decide (it refuses the requester
 * and asks for a step-up where needed) and lists only the kinds the user may decide: person changes to
 * 承認 holders, staff-account changes (登録・ロール付与・認証情報の再発行) to user administrators. When
 * the approval of an account change yields a one-time activation code, it is shown here once to the
 * approver, kept only in this page's memory and dropped when confirmed or when leaving.
 * 「承認」 first asks for a confirmation that repeats what will change (変更前/変更後, the warnings, the
 * person); only 「承認して反映する」 sends the approval (and a step-up prompt follows when the server asks).
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, request, type ActivationHandOver, type ApprovalList, type ChangeDecided, type ChangeStatus, type Me, type PendingChange } from '../api.js';
import { useStatusList } from '../useApi.js';
import { StatusFilter, StatusListSection } from '../components/StatusList.js';
import { DateText } from '../dates.js';
import { changeStatusLabel } from '../labels.js';
import { DoneNotice, ErrorMessage, PageHeading, TextField, validationError } from '../components/ui.js';
import { StepUpPrompt, useStepUp } from '../components/StepUp.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ChangeDiff, ChangeStatusBadge, ChangeTarget, ChangeWarnings } from '../components/changes.js';

const PAGE_SIZE = 20;
const STATUSES: ChangeStatus[] = ['pending', 'approved', 'rejected', 'withdrawn'];
const DECIDER: Record<Exclude<ChangeStatus, 'pending'>, string> = { approved: '承認者', rejected: '却下した者', withdrawn: '取り下げた者（入力者）' };

export function ApprovalsPage({ me: _me }: { me: Me }): ReactNode {
  const list = useStatusList<ChangeStatus, ApprovalList>('/api/approvals', 'pending', PAGE_SIZE);
  const [done, setDone] = useState<string | null>(null);
  /** Shown once: dropped when the approver confirms or leaves the page. */
  const [activation, setActivation] = useState<ActivationHandOver | null>(null);

  function onDecided(r: ChangeDecided): void {
    setDone(`変更番号 ${r.changeId} を${r.status === 'approved' ? '承認し、反映しました' : '却下しました'}。`);
    setActivation(r.activation ?? null);
    list.reload();
  }

  const title = '承認';
  return (
    <>
      <PageHeading title={title}>承認（入力者以外の者による確認）</PageHeading>
      <StatusFilter
        id="approval-status"
        ariaLabel="表示する変更"
        className="approvals__filter"
        statuses={STATUSES.map((s) => ({ value: s, label: changeStatusLabel(s) }))}
        initial="pending"
        busy={list.busy}
        onShow={(status) => {
          setDone(null);
          void list.load(status, 1);
        }}
      />

      {activation ? <ActivationCodeOnce activation={activation} onDismiss={() => setActivation(null)} /> : <DoneNotice message={done} />}
      <ErrorMessage error={list.error} />

      <StatusListSection
        list={list}
        headingId="approvals-list-heading"
        heading={(s) => `${changeStatusLabel(s)}の変更`}
        empty={(s) => (s === 'pending' ? '承認待ちの変更はありません。' : '該当する変更はありません。')}
        emptyTestId="approvals-empty"
        pagerLabel="変更一覧のページ送り"
        keyOf={(c) => c.changeId}
        render={(c) => <ChangeCard change={c} onDecided={onDecided} onStale={list.reload} />}
      />
    </>
  );
}

/** The one-time activation code of an approved account creation or credential re-issue, for the approver only. */
function ActivationCodeOnce({ activation: a, onDismiss }: { activation: ActivationHandOver; onDismiss: () => void }): ReactNode {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <section ref={ref} tabIndex={-1} className="card activation-once" aria-labelledby="activation-heading" data-testid="activation-once">
      <h2 id="activation-heading">初回登録コード（この1回だけ表示）</h2>
      <div className="alert alert--warning" role="alert">
        <p className="alert__message">
          {a.displayName}（<span className="num">{a.staffId}</span>）の初回登録コードです。<strong>この画面を閉じると二度と表示されません</strong>（システムには照合用のハッシュしか残りません）。
        </p>
      </div>
      <dl className="summary">
        <div>
          <dt>職員</dt>
          <dd>
            {a.displayName}（<span className="num">{a.staffId}</span>）
          </dd>
        </div>
        <div>
          <dt>初回登録コード</dt>
          <dd>
            <code className="num secret" data-testid="activation-code">
              {a.code}
            </code>
          </dd>
        </div>
        <div>
          <dt>有効期限</dt>
          <dd data-testid="activation-expires">
            <DateText value={a.expiresAt} />
            まで
          </dd>
        </div>
      </dl>
      <h3>本人への渡し方</h3>
      <ol className="steps">
        <li>
          コードを紙に書き写し、<strong>本人に手渡す</strong>か、<strong>封書</strong>（親展）で本人に届けてください。メール・チャット・電話では伝えないでください。
        </li>
        <li>本人はログイン画面の「初回登録」で職員IDとこのコードを入力し、自分でパスワードを決め、ワンタイムパスワード（認証アプリ）を登録します。</li>
        <li>期限を過ぎたコードは使えません。その場合は「利用者管理」から認証情報の再発行を申請し、別の管理者が承認してください。</li>
      </ol>
      <div className="form__actions">
        <button type="button" className="button" onClick={onDismiss}>
          本人に渡す準備ができました（表示を消す）
        </button>
      </div>
    </section>
  );
}

function ChangeCard({ change: c, onDecided, onStale }: { change: PendingChange; onDecided: (r: ChangeDecided) => void; onStale: () => void }): ReactNode {
  const id = `change-${c.changeId}`;
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [noteError, setNoteError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const stepUp = useStepUp();
  const approveRef = useRef<HTMLButtonElement>(null);
  /** The confirmation of 「承認」 is open: nothing is sent until 「承認して反映する」. */
  const [confirming, setConfirming] = useState(false);

  async function decide(decision: 'approve' | 'reject'): Promise<void> {
    const text = note.trim();
    if (decision === 'reject' && text === '') {
      const msg = '却下の理由を入力してください。';
      setNoteError(msg);
      setError(validationError({ note: msg }));
      document.getElementById(`${id}-note`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setNoteError(undefined);
    await stepUp.run(
      async () => {
        const r = await request<ChangeDecided>(`/api/approvals/${c.changeId}/${decision}`, { method: 'POST', body: text ? { note: text } : {} });
        onDecided(r);
      },
      (e) => {
        setError(e);
        setNoteError(e instanceof ApiError ? e.fieldMessage('note') : undefined);
        // Decided by someone else in the meantime: the list is out of date.
        if (e instanceof ApiError && e.status === 409 && e.code === 'already_decided') onStale();
      },
      decision === 'approve'
        ? 'この変更を承認するには、本人確認のためワンタイムパスワードを入力してください。'
        : 'この変更を却下するには、本人確認のためワンタイムパスワードを入力してください。',
    );
    setBusy(false);
  }

  return (
    <article className="card change" aria-labelledby={`${id}-heading`} data-testid="change" data-change-id={c.changeId}>
      <h3 id={`${id}-heading`} className="change__title">
        変更番号 <span className="num">{c.changeId}</span>：{c.kindLabel} <ChangeStatusBadge status={c.status} />
      </h3>
      <dl className="summary">
        {c.atenaNo !== null ? (
          <div>
            <dt>対象者</dt>
            <dd>
              <ChangeTarget change={c} />
            </dd>
          </div>
        ) : null}
        <div>
          <dt>入力者</dt>
          <dd>{c.requestedByLabel}</dd>
        </div>
        <div>
          <dt>入力日時</dt>
          <dd>
            <DateText value={c.requestedAt} />
          </dd>
        </div>
        {c.notes.map((n, i) => (
          <div key={i}>
            <dt>{n.label}</dt>
            <dd>{n.value}</dd>
          </div>
        ))}
        {c.status !== 'pending' ? (
          <>
            <div>
              <dt>{DECIDER[c.status]}</dt>
              <dd>{c.decidedByLabel ?? '—'}</dd>
            </div>
            <div>
              <dt>判定日時</dt>
              <dd>
                <DateText value={c.decidedAt} />
              </dd>
            </div>
            <div>
              <dt>備考・理由</dt>
              <dd>{c.decisionNote ?? <span className="muted">—</span>}</dd>
            </div>
          </>
        ) : null}
      </dl>

      <ChangeWarnings warnings={c.warnings} />

      <ChangeDiff fields={c.fields} caption={`変更番号 ${c.changeId} の変更前と変更後`} testId="change-diff" />

      {c.status === 'pending' ? (
        <div className="change__decision">
          {c.ownRequest ? (
            <p className="alert alert--warning" id={`${id}-own`} data-testid="own-request">
              ご自身が入力した変更です。入力者本人は承認・却下できません。入力者以外の承認者に確認を依頼してください。
            </p>
          ) : null}
          <ErrorMessage error={error} />
          {stepUp.asking ? (
            <StepUpPrompt stepUp={stepUp} idPrefix={id} submitLabel="確認して実行" setBusy={setBusy} returnFocus={approveRef} />
          ) : (
            <form className="form" onSubmit={(e) => e.preventDefault()} noValidate aria-label={`変更番号 ${c.changeId} の判定`}>
              <TextField
                id={`${id}-note`}
                label="備考（却下する場合は理由を入力）"
                hint={c.needsStepUp ? 'この変更の承認には本人確認（ワンタイムパスワード）が必要です。' : undefined}
                value={note}
                onChange={setNote}
                autoComplete="off"
                maxLength={200}
                error={noteError}
              />
              <div className="form__actions">
                <button
                  type="button"
                  className="button"
                  ref={approveRef}
                  disabled={busy}
                  aria-describedby={c.ownRequest ? `${id}-own` : undefined}
                  onClick={() => setConfirming(true)}
                >
                  承認
                </button>
                <button
                  type="button"
                  className="button button--secondary"
                  disabled={busy}
                  aria-describedby={c.ownRequest ? `${id}-own` : undefined}
                  onClick={() => void decide('reject')}
                >
                  差戻し（却下）
                </button>
              </div>
            </form>
          )}
          <ConfirmDialog
            open={confirming}
            title={`変更番号 ${c.changeId}（${c.kindLabel}）を承認して反映しますか`}
            confirmLabel="承認して反映する"
            tone="primary"
            wide
            busy={busy}
            testId="approve-confirm"
            onConfirm={() => {
              setConfirming(false);
              void decide('approve');
            }}
            onCancel={() => setConfirming(false)}
          >
            <p>承認すると、次の内容がすぐに反映されます。内容を確認してください。</p>
            <dl className="summary">
              <div>
                <dt>{c.atenaNo !== null ? '対象者' : '対象'}</dt>
                <dd>
                  <ChangeTarget change={c} link={false} />
                </dd>
              </div>
              <div>
                <dt>入力者</dt>
                <dd>{c.requestedByLabel}</dd>
              </div>
              {note.trim() ? (
                <div>
                  <dt>備考</dt>
                  <dd>{note.trim()}</dd>
                </div>
              ) : null}
            </dl>
            <ChangeWarnings warnings={c.warnings} testId="approve-confirm-warnings" />
            <ChangeDiff fields={c.fields} caption={`変更番号 ${c.changeId} の変更前と変更後（承認の確認）`} testId="approve-confirm-diff" />
            {c.needsStepUp ? <p className="hint">この変更の承認には、続けて本人確認（ワンタイムパスワード）が必要です。</p> : null}
          </ConfirmDialog>
        </div>
      ) : null}
    </article>
  );
}
