/**
 * 本算定の確認: the annual runs (国民健康保険税の本算定) and, for one run, what staff review before the
 * notices go out — the totals per part (区分) and per reduction kind (法定軽減 7割・5割・2割, 未就学児 …),
 * the distribution of the annual tax by band, and the outliers (限度額に達した世帯, 0円の世帯, 前年度からの
 * 変化が大きい世帯). 「通知の発送を確定」 is a request a second person approves (承認); it only marks the
 * run released — printing the 納税通知書 is another piece of work. Keyboard: every action is a link or a
 * button in reading order; the histogram is an SVG with a table of the same figures beside it.
 */
import { useState, type ReactNode } from 'react';
import { request, type ApiOk } from '../api.js';
import { useApi } from '../useApi.js';
import { Link } from '../router.js';
import { pageStatus } from '../components/PageStatus.js';
import { Badge, DoneNotice, ErrorMessage, PageHeading } from '../components/ui.js';
import { formatWareki } from '../../../src/lib/wareki.js';
import { fiscalYearLabel } from '../dates.js';

type Runs = ApiOk<'/api/assessment/runs'>;
type Review = ApiOk<'/api/assessment/runs/{runId}'>;
type Outlier = Review['outliers']['capped'][number];

const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
const count = (n: number) => n.toLocaleString('ja-JP');
/** A moment as a clerk reads it: 令和8年11月30日 19:43 (日本時間). */
const dateTime = (iso: string | null) => {
  if (!iso) return '—';
  const jst = new Date(new Date(iso).getTime() + 9 * 3_600_000).toISOString();
  return `${formatWareki(jst.slice(0, 10))} ${jst.slice(11, 16)}`;
};
const RUN_STATUS: Record<string, string> = { running: '実行中', completed: '完了', failed: '中断', abandoned: '破棄' };

export function AssessmentRunsPage({ canRun }: { canRun: boolean }): ReactNode {
  const res = useApi<Runs>('/api/assessment/runs');
  if (res.state !== 'ok') return pageStatus(res, '本算定の確認', '本算定の実行はありません。');
  return (
    <>
      <PageHeading title="本算定の確認">本算定の確認</PageHeading>
      <p>
        本算定は <code>npm run cli -- assessment run --year 年度</code> で実行します（中断しても再実行で続きから）。完了した実行の合計・分布・外れ値を確認し、
        {canRun ? '「通知の発送を確定」を申請してください（承認者の確認が必要です）。' : '確定は賦課の実行権限のある職員が申請します。'}
      </p>
      {res.data.items.length === 0 ? (
        <p data-testid="assessment-runs-empty">本算定の実行はまだありません。</p>
      ) : (
        <table className="table" data-testid="assessment-runs">
          <caption>本算定の実行（新しい順）</caption>
          <thead>
            <tr>
              <th scope="col">年度</th>
              <th scope="col">実行</th>
              <th scope="col">開始</th>
              <th scope="col">世帯</th>
              <th scope="col">年税額の合計</th>
              <th scope="col">通知</th>
            </tr>
          </thead>
          <tbody>
            {res.data.items.map((r) => (
              <tr key={r.runId}>
                <td>{fiscalYearLabel(r.fiscalYear)}</td>
                <td>
                  <Link to={`/assessment/runs/${r.runId}`}>{RUN_STATUS[r.status] ?? r.status}（実行ID {r.runId.slice(0, 8)}…）</Link>
                </td>
                <td>{dateTime(r.startedAt)}</td>
                <td className="num">{count(r.households)}</td>
                <td className="num">{yen(r.total)}</td>
                <td>{r.reviewStatus === 'released' ? <Badge kind="ok">発送確定</Badge> : <Badge kind="warning">確認中</Badge>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function AssessmentRunReviewPage({ runId, canRun }: { runId: string; canRun: boolean }): ReactNode {
  const [reload, setReload] = useState(0);
  const res = useApi<Review>(`/api/assessment/runs/${runId}?r=${reload}`.replace(/\?r=0$/, ''));
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (res.state !== 'ok') return pageStatus(res, '本算定の確認', `本算定の実行 ${runId} はありません。`);
  const r = res.data;
  const title = `${fiscalYearLabel(r.fiscalYear)} 本算定の確認`;

  async function release(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const a = await request<{ message: string }>(`/api/assessment/runs/${runId}/release`, { method: 'POST', body: {} });
      setDone(a.message);
      setReload((n) => n + 1);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const c = r.counts;
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      <p>
        <Link to="/assessment/runs">本算定の一覧へ戻る</Link>
      </p>
      <dl className="summary" data-testid="assessment-run-summary">
        <div>
          <dt>実行</dt>
          <dd>
            {RUN_STATUS[r.status] ?? r.status}（実行ID {r.runId}、{r.actor}、開始 {dateTime(r.startedAt)}、終了 {dateTime(r.finishedAt)}）
          </dd>
        </div>
        <div>
          <dt>通知</dt>
          <dd>
            {r.reviewStatus === 'released' ? (
              <>
                <Badge kind="ok">発送確定</Badge> {dateTime(r.releasedAt)}（申請 {r.releaseRequestedBy}、承認 {r.releasedBy}）
              </>
            ) : r.releasePending !== null ? (
              <Badge kind="warning">確定の承認待ち（変更番号 {r.releasePending}）</Badge>
            ) : (
              <Badge kind="warning">確認中</Badge>
            )}
          </dd>
        </div>
        <div>
          <dt>世帯</dt>
          <dd>
            確認した世帯 {count(c.households ?? 0)}、賦課 {count(c.units ?? 0)}（被保険者 {count(c.insured ?? 0)} 人、擬制世帯主 {count(c.pseudoHead ?? 0)}、住所地特例 {count(c.addressException ?? 0)}）、納税義務者不明{' '}
            {count(c.noTaxpayer ?? 0)}、計算できない世帯 {count(c.refused ?? 0)}
          </dd>
        </div>
        <div>
          <dt>年税額の合計</dt>
          <dd className="num">{yen(r.totals.total ?? 0)}</dd>
        </div>
      </dl>

      <DoneNotice message={done} />
      <ErrorMessage error={error} />
      {canRun && r.status === 'completed' && r.reviewStatus === 'review' && r.releasePending === null ? (
        <p>
          <button type="button" className="button button--primary" disabled={busy} onClick={() => void release()} data-testid="assessment-release">
            通知の発送を確定
          </button>{' '}
          （入力者以外の承認者が「承認」画面で確認して確定します）
        </p>
      ) : null}

      <h2>区分ごとの税額</h2>
      <table className="table" data-testid="assessment-parts">
        <thead>
          <tr>
            <th scope="col">区分</th>
            <th scope="col">合計</th>
          </tr>
        </thead>
        <tbody>
          {r.parts.map((p) => (
            <tr key={p.part}>
              <th scope="row">{p.label}</th>
              <td className="num">{yen(p.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>軽減の種類ごと</h2>
      <table className="table" data-testid="assessment-reductions">
        <thead>
          <tr>
            <th scope="col">軽減</th>
            <th scope="col">世帯</th>
            <th scope="col">軽減額</th>
          </tr>
        </thead>
        <tbody>
          {r.reductions.map((x) => (
            <tr key={x.kind}>
              <th scope="row">{x.label}</th>
              <td className="num">{x.households === null ? '—' : count(x.households)}</td>
              <td className="num">{yen(x.amount)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">軽減なし</th>
            <td className="num">{count(c.none ?? 0)}</td>
            <td className="num">—</td>
          </tr>
        </tbody>
      </table>

      <h2>年税額の分布</h2>
      <Histogram bands={r.distribution} />

      <h2>外れ値</h2>
      <OutlierTable caption={`課税限度額に達した世帯（${count(c.capped ?? 0)} 世帯。上位20）`} rows={r.outliers.capped} testId="outliers-capped" />
      <OutlierTable caption={`年税額が0円の世帯（${count(c.zero ?? 0)} 世帯。先頭20）`} rows={r.outliers.zero} testId="outliers-zero" />
      <OutlierTable caption="前年度からの変化が大きい世帯（上位20）" rows={r.outliers.biggestChange} testId="outliers-change" change />
    </>
  );
}

function Histogram({ bands }: { bands: Review['distribution'] }): ReactNode {
  const max = Math.max(1, ...bands.map((b) => b.households));
  const W = 600;
  const H = 22;
  return (
    <>
      <svg className="histogram" viewBox={`0 0 ${W + 220} ${bands.length * H}`} role="img" aria-label="年税額の帯ごとの世帯数（下の表と同じ数字）">
        {bands.map((b, i) => (
          <g key={b.band}>
            <text x={0} y={i * H + 15} className="histogram__label">
              {b.band}
            </text>
            <rect x={200} y={i * H + 3} width={Math.max(1, (b.households / max) * W)} height={H - 6} className="histogram__bar" />
            <text x={205 + (b.households / max) * W} y={i * H + 15} className="histogram__value">
              {count(b.households)}
            </text>
          </g>
        ))}
      </svg>
      <table className="table" data-testid="assessment-distribution">
        <thead>
          <tr>
            <th scope="col">年税額</th>
            <th scope="col">世帯</th>
            <th scope="col">合計</th>
          </tr>
        </thead>
        <tbody>
          {bands.map((b) => (
            <tr key={b.band}>
              <th scope="row">{b.band}</th>
              <td className="num">{count(b.households)}</td>
              <td className="num">{yen(b.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function OutlierTable({ caption, rows, testId, change }: { caption: string; rows: (Outlier & { previous?: number; change?: number })[]; testId: string; change?: boolean }): ReactNode {
  return (
    <table className="table" data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">世帯</th>
          <th scope="col">納税義務者</th>
          <th scope="col">被保険者</th>
          <th scope="col">軽減</th>
          <th scope="col">年税額</th>
          {change ? <th scope="col">前年度</th> : null}
          {change ? <th scope="col">変化</th> : null}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={change ? 7 : 5}>該当する世帯はありません。</td>
          </tr>
        ) : (
          rows.map((o) => (
            <tr key={`${o.householdNo}:${o.addressExceptionAtenaNo}`}>
              <td>
                <Link to={`/households/${o.householdNo}`}>世帯番号 {o.householdNo}</Link>
                {o.addressExceptionAtenaNo !== 0 ? '（住所地特例）' : ''}
              </td>
              <td>{o.taxpayerName || '—'}</td>
              <td className="num">{o.insured}人</td>
              <td>{o.reductionLabel}</td>
              <td className="num">{yen(o.total)}</td>
              {change ? <td className="num">{yen(o.previous ?? 0)}</td> : null}
              {change ? <td className="num">{(o.change ?? 0) > 0 ? '+' : ''}{yen(o.change ?? 0)}</td> : null}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
