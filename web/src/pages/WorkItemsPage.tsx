/**
 * 作業項目: what the resident registry's events opened for staff (資格取得・喪失の候補, 県内転入・転出,
 * 世帯の見直し …) and the changes the law made by itself (死亡・県外転出・75歳到達 による自動喪失), listed
 * for review. Each item shows the suggested action, its date and its legal basis; the clerk enters the
 * 届 from the person's page and closes the item as 処理済み, or as 対象外 with the reason.
 */
import { useState, type ReactNode } from 'react';
import { request, type ApiOk } from '../api.js';
import { useStatusList } from '../useApi.js';
import { StatusFilter, StatusListSection } from '../components/StatusList.js';
import { DateText } from '../dates.js';
import { Link } from '../router.js';
import { Badge, DoneNotice, ErrorMessage, PageHeading, TextField } from '../components/ui.js';

type WorkItemList = ApiOk<'/api/work-items'>;
type WorkItem = WorkItemList['items'][number];
type Status = WorkItem['status'];

const PAGE_SIZE = 20;
const STATUS_LABELS: Record<Status, string> = { open: '未処理', done: '処理済み', dismissed: '対象外' };

export function WorkItemsPage(): ReactNode {
  const list = useStatusList<Status, WorkItemList>('/api/work-items', 'open', PAGE_SIZE);
  const [done, setDone] = useState<string | null>(null);

  return (
    <>
      <PageHeading title="作業項目">作業項目（住基異動から）</PageHeading>
      <StatusFilter
        id="work-status"
        ariaLabel="表示する作業項目"
        statuses={(Object.keys(STATUS_LABELS) as Status[]).map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
        initial="open"
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
        headingId="work-list-heading"
        heading={(s) => `${STATUS_LABELS[s]}の作業項目`}
        empty={(s) => (s === 'open' ? '未処理の作業項目はありません。' : '該当する作業項目はありません。')}
        emptyTestId="work-items-empty"
        pagerLabel="作業項目のページ送り"
        keyOf={(w) => w.workItemId}
        render={(w) => (
          <WorkItemCard
            item={w}
            onResolved={(status) => {
              setDone(`作業項目 ${w.workItemId} を${STATUS_LABELS[status]}にしました。`);
              list.reload();
            }}
          />
        )}
      />
    </>
  );
}

function WorkItemCard({ item: w, onResolved }: { item: WorkItem; onResolved: (status: 'done' | 'dismissed') => void }): ReactNode {
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = `work-${w.workItemId}`;

  async function resolve(status: 'done' | 'dismissed'): Promise<void> {
    setBusy(true);
    try {
      await request(`/api/work-items/${w.workItemId}/resolve`, { method: 'POST', body: { status, note: note.trim() || null } });
      onResolved(status);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="card change" aria-labelledby={`${id}-heading`} data-testid="work-item" data-work-item-id={w.workItemId}>
      <h3 id={`${id}-heading`} className="change__title">
        作業項目 <span className="num">{w.workItemId}</span>：{w.kindLabel}{' '}
        <Badge kind={w.status === 'open' ? 'warning' : w.status === 'done' ? 'ok' : 'muted'}>{STATUS_LABELS[w.status]}</Badge>
      </h3>
      <dl className="summary">
        <div>
          <dt>対象者</dt>
          <dd>
            <Link to={`/persons/${w.atenaNo}`}>
              宛名番号 <span className="num">{w.atenaNo}</span>
            </Link>{' '}
            {w.nameKanji}（{w.nameKana}） 生年月日 <DateText value={w.birthDate} />
          </dd>
        </div>
        {w.householdNo !== null ? (
          <div>
            <dt>世帯</dt>
            <dd>
              <Link to={`/households/${w.householdNo}`}>
                世帯番号 <span className="num">{w.householdNo}</span>
              </Link>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>きっかけ</dt>
          <dd>
            {w.eventLabel ?? '—'}
            {w.occurredOn ? (
              <>
                （異動日 <DateText value={w.occurredOn} />
                {w.reportedOn ? (
                  <>
                    、届出日 <DateText value={w.reportedOn} />
                  </>
                ) : null}
                ）
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>{w.kind === 'automatic_loss' ? '適用した喪失日' : '候補日'}</dt>
          <dd>
            <DateText value={w.suggestedDate} />
          </dd>
        </div>
        <div>
          <dt>法的根拠</dt>
          <dd>{w.basis}</dd>
        </div>
        <div>
          <dt>作成</dt>
          <dd>
            {w.createdByLabel}（<DateText value={w.createdAt} />）
          </dd>
        </div>
        {w.status !== 'open' ? (
          <div>
            <dt>処理</dt>
            <dd>
              {w.resolvedByLabel}（<DateText value={w.resolvedAt} />）{w.resolutionNote ? `：${w.resolutionNote}` : ''}
            </dd>
          </div>
        ) : null}
      </dl>
      {w.status === 'open' ? (
        <div className="change__decision">
          <TextField id={`${id}-note`} label="メモ（対象外のときは理由）" value={note} onChange={setNote} maxLength={200} />
          <ErrorMessage error={error} />
          <div className="form__actions">
            <button type="button" className="button" disabled={busy} onClick={() => void resolve('done')}>
              処理済みにする
            </button>
            <button type="button" className="button button--secondary" disabled={busy} onClick={() => void resolve('dismissed')}>
              対象外にする
            </button>
          </div>
        </div>
      ) : null}
    </article>
  );
}
