/**
 * 申請状況: the changes the logged-in staff member entered for a second person's confirmation (資格の
 * 取得・喪失・訂正・削除, 個人番号の登録・訂正・削除, 職員アカウントの変更), whatever their kind. A rejected
 * change says so plainly, with who rejected it and why, so the requester can enter it again correctly;
 * a change still waiting can be withdrawn (取下げ) by its requester, after a confirmation, with an
 * optional reason. Values arrive masked by the server, as on the 承認 page; dates are in 和暦.
 */
import { useState, type ReactNode } from 'react';
import { ApiError, request, type ChangeStatus, type ChangeWithdrawn, type MyRequestList, type PendingChange } from '../api.js';
import { useStatusList } from '../useApi.js';
import { StatusFilter, StatusListSection } from '../components/StatusList.js';
import { DateText } from '../dates.js';
import { changeStatusLabel } from '../labels.js';
import { DoneNotice, ErrorMessage, PageHeading, TextField } from '../components/ui.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ChangeDiff, ChangeStatusBadge, ChangeTarget, ChangeWarnings } from '../components/changes.js';

const PAGE_SIZE = 20;
const STATUSES: ChangeStatus[] = ['pending', 'approved', 'rejected', 'withdrawn'];
const EMPTY: Record<ChangeStatus, string> = {
  pending: '承認待ちの申請はありません。',
  approved: '承認された申請はありません。',
  rejected: '却下された申請はありません。',
  withdrawn: '取り下げた申請はありません。',
};

export function MyRequestsPage(): ReactNode {
  const list = useStatusList<ChangeStatus, MyRequestList>('/api/approvals/mine', 'pending', PAGE_SIZE);
  const [done, setDone] = useState<string | null>(null);

  function onWithdrawn(r: ChangeWithdrawn): void {
    setDone(`変更番号 ${r.changeId} を取り下げました。この変更は反映されません。`);
    list.reload();
  }

  return (
    <>
      <PageHeading title="申請状況">申請状況（自分が入力した変更）</PageHeading>
      <p className="hint">入力者以外の承認者による確認を待つ変更と、その結果です。却下された変更は、理由を確認して入力し直してください。</p>
      <StatusFilter
        id="my-requests-status"
        ariaLabel="表示する申請"
        statuses={STATUSES.map((s) => ({ value: s, label: changeStatusLabel(s) }))}
        initial="pending"
        busy={list.busy}
        onShow={(status) => {
          setDone(null);
          void list.load(status, 1);
        }}
      />

      <DoneNotice message={done} />
      <ErrorMessage error={list.error} />

      <StatusListSection
        list={list}
        headingId="my-requests-heading"
        heading={(s) => `${changeStatusLabel(s)}の申請`}
        empty={(s) => EMPTY[s]}
        emptyTestId="my-requests-empty"
        pagerLabel="申請一覧のページ送り"
        keyOf={(c) => c.changeId}
        render={(c) => <RequestCard change={c} onWithdrawn={onWithdrawn} onStale={list.reload} />}
      />
    </>
  );
}

function RequestCard({ change: c, onWithdrawn, onStale }: { change: PendingChange; onWithdrawn: (r: ChangeWithdrawn) => void; onStale: () => void }): ReactNode {
  const id = `request-${c.changeId}`;
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  async function withdraw(): Promise<void> {
    setConfirming(false);
    setBusy(true);
    setError(null);
    setNoteError(undefined);
    const text = note.trim();
    try {
      onWithdrawn(await request<ChangeWithdrawn>(`/api/approvals/${c.changeId}/withdraw`, { method: 'POST', body: text ? { note: text } : {} }));
    } catch (e) {
      setError(e);
      setNoteError(e instanceof ApiError ? e.fieldMessage('note') : undefined);
      // Decided in the meantime: the list is out of date.
      if (e instanceof ApiError && e.status === 409) onStale();
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="card change" aria-labelledby={`${id}-heading`} data-testid="my-request" data-change-id={c.changeId}>
      <h3 id={`${id}-heading`} className="change__title">
        変更番号 <span className="num">{c.changeId}</span>：{c.kindLabel} <ChangeStatusBadge status={c.status} />
      </h3>

      {c.status === 'rejected' ? (
        <div className="alert alert--error change__outcome" data-testid="rejection">
          <p className="alert__message">この申請は却下されました。理由を確認し、必要なら入力し直してください。</p>
          <dl className="summary">
            <div>
              <dt>却下の理由</dt>
              <dd data-testid="rejection-reason">
                <strong>{c.decisionNote ?? '（理由の記載なし）'}</strong>
              </dd>
            </div>
            <div>
              <dt>却下した者</dt>
              <dd data-testid="rejected-by">{c.decidedByLabel ?? '—'}</dd>
            </div>
            <div>
              <dt>却下日時</dt>
              <dd>
                <DateText value={c.decidedAt} />
              </dd>
            </div>
          </dl>
        </div>
      ) : null}

      <dl className="summary">
        <div>
          <dt>{c.atenaNo !== null ? '対象者' : '対象'}</dt>
          <dd>
            <ChangeTarget change={c} />
          </dd>
        </div>
        <div>
          <dt>入力者</dt>
          <dd>{c.requestedByLabel}</dd>
        </div>
        <div>
          <dt>入力日時</dt>
          <dd data-testid="requested-at">
            <DateText value={c.requestedAt} />
          </dd>
        </div>
        {c.notes.map((n, i) => (
          <div key={i}>
            <dt>{n.label}</dt>
            <dd>{n.value}</dd>
          </div>
        ))}
        {c.status === 'approved' ? (
          <>
            <div>
              <dt>承認者</dt>
              <dd>{c.decidedByLabel ?? '—'}</dd>
            </div>
            <div>
              <dt>承認日時</dt>
              <dd>
                <DateText value={c.decidedAt} />
              </dd>
            </div>
            {c.decisionNote ? (
              <div>
                <dt>承認者の備考</dt>
                <dd>{c.decisionNote}</dd>
              </div>
            ) : null}
          </>
        ) : null}
        {c.status === 'withdrawn' ? (
          <>
            <div>
              <dt>取下げ日時</dt>
              <dd>
                <DateText value={c.decidedAt} />
              </dd>
            </div>
            <div>
              <dt>取下げの理由</dt>
              <dd>{c.decisionNote ?? <span className="muted">—</span>}</dd>
            </div>
          </>
        ) : null}
      </dl>

      <ChangeWarnings warnings={c.warnings} />
      <ChangeDiff fields={c.fields} caption={`変更番号 ${c.changeId} の変更前と変更後`} testId="change-diff" />

      {c.status === 'pending' ? (
        <div className="change__decision">
          <ErrorMessage error={error} />
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              setConfirming(true);
            }}
            noValidate
            aria-label={`変更番号 ${c.changeId} の取下げ`}
          >
            <TextField
              id={`${id}-note`}
              label="取下げの理由（任意）"
              hint="承認される前なら、入力した本人が取り下げられます。取り下げた変更は反映されません。"
              value={note}
              onChange={setNote}
              autoComplete="off"
              maxLength={200}
              error={noteError}
            />
            <div className="form__actions">
              <button type="submit" className="button button--secondary" disabled={busy}>
                取り下げる
              </button>
            </div>
          </form>
          <ConfirmDialog
            open={confirming}
            title={`変更番号 ${c.changeId}（${c.kindLabel}）を取り下げますか`}
            confirmLabel="取り下げる"
            busy={busy}
            testId="withdraw-confirm"
            onConfirm={() => void withdraw()}
            onCancel={() => setConfirming(false)}
          >
            <p>取り下げた変更は承認できなくなり、反映されません。同じ変更が必要になったときは、もう一度入力してください。</p>
            <dl className="summary">
              <div>
                <dt>{c.atenaNo !== null ? '対象者' : '対象'}</dt>
                <dd>
                  <ChangeTarget change={c} link={false} />
                </dd>
              </div>
              <div>
                <dt>取下げの理由</dt>
                <dd>{note.trim() || <span className="muted">（記載なし）</span>}</dd>
              </div>
            </dl>
          </ConfirmDialog>
        </div>
      ) : null}
    </article>
  );
}
