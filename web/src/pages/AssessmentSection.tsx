/**
 * 賦課 on the household page: every stored version of the household's NHI tax (本算定 and 更正, newest
 * first) with its amount, 軽減 and reason, and the printed notice of each (納税通知書 / 変更決定通知書, PDF,
 * audited); below, the 期別 of the version chosen (the newest by default): for a 更正, each 期 before and
 * after (those already due kept, the rest re-split) and any 過納. Read-only: assessments are made by the
 * 本算定 batch and by 更正.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, request, type ApiOk } from '../api.js';
import { Badge, ErrorMessage, Spinner } from '../components/ui.js';
import { DateText, fiscalYearLabel } from '../dates.js';

type Versions = ApiOk<'/api/assessment/households/{householdNo}'>;
type Version = Versions['items'][number];

export function AssessmentSection({ householdNo }: { householdNo: number }): ReactNode {
  const [data, setData] = useState<Versions['items'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    request<Versions>(`/api/assessment/households/${householdNo}`)
      .then((r) => live && setData(r.items))
      .catch((e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 404) setData([]);
        else setError(e);
      });
    return () => {
      live = false;
    };
  }, [householdNo]);

  const shown = data?.find((v) => v.assessmentId === chosen) ?? data?.[0];
  return (
    <section className="card" aria-labelledby="assessment-heading" data-testid="assessment">
      <h2 id="assessment-heading">国民健康保険税(賦課)</h2>
      {error ? <ErrorMessage error={error} /> : null}
      {data === null && !error ? <Spinner /> : null}
      {data !== null && data.length === 0 ? <p>この世帯の賦課はありません。</p> : null}
      {data !== null && data.length > 0 ? (
        <table className="table table--compact" aria-label="賦課の版">
          <thead>
            <tr>
              <th scope="col">年度</th>
              <th scope="col">版</th>
              <th scope="col">事由</th>
              <th scope="col">年税額</th>
              <th scope="col">軽減</th>
              <th scope="col">期別</th>
              <th scope="col">記録日</th>
              <th scope="col">状態</th>
              <th scope="col">通知書</th>
            </tr>
          </thead>
          <tbody>
            {data.map((v) => (
              <tr key={v.assessmentId} data-testid={`assessment-${v.assessmentId}`}>
                <td>{fiscalYearLabel(v.fiscalYear)}</td>
                <td>{v.version}</td>
                <td>
                  {v.reasonLabel}
                  {v.reason === 'correction' && v.cause ? `(${v.cause})` : ''}
                </td>
                <td className="num">{v.total.toLocaleString('ja-JP')}円</td>
                <td>{v.reductionLabel}</td>
                <td>
                  <button
                    type="button"
                    className="button button--link button--small"
                    aria-pressed={shown?.assessmentId === v.assessmentId}
                    aria-controls="assessment-installments"
                    aria-label={`${fiscalYearLabel(v.fiscalYear)} 第${v.version}版の期別を表示`}
                    onClick={() => setChosen(v.assessmentId)}
                  >
                    表示
                  </button>
                  {v.overpaid > 0 ? <Badge kind="warning">過納 {v.overpaid.toLocaleString('ja-JP')}円</Badge> : null}
                  {v.installments.some((x) => x.stopped) ? <Badge kind="warning">特別徴収 中止</Badge> : v.installments.some(isSpecial) ? <Badge>特別徴収</Badge> : null}
                </td>
                <td>
                  <DateText value={v.recordedAt.slice(0, 10)} />
                </td>
                <td>{v.supersededAt ? <Badge kind="muted">過去の版</Badge> : <Badge kind="ok">現在</Badge>}</td>
                <td>
                  <a href={`/api/assessment/versions/${v.assessmentId}/notice`} target="_blank" rel="noopener">
                    {v.reason === 'correction' ? '変更決定通知書' : '納税通知書'}を印刷(PDF)
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {shown ? <InstallmentsTable version={shown} previous={previousOf(data ?? [], shown)} /> : null}
    </section>
  );
}

/** The version before `v` of the same unit (年度, 国保世帯), if the list has it. */
function previousOf(all: readonly Version[], v: Version): Version | undefined {
  return all.find((x) => x.fiscalYear === v.fiscalYear && x.addressExceptionAtenaNo === v.addressExceptionAtenaNo && x.version === v.version - 1);
}

const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
type Row = Version['installments'][number];
const isSpecial = (x: Row) => x.kind === 'provisional' || x.kind === 'final';
/** How an installment is paid (the notice names it the same way: special-collection.rules.ts collectionLabel). */
const collectionLabel = (x: Row) =>
  x.stopped ? '特別徴収 中止' : x.kind === 'provisional' ? '特別徴収(仮徴収)' : x.kind === 'final' ? '特別徴収(本徴収)' : x.kind === 'occasional' ? '普通徴収(随時)' : '普通徴収';
const signed = (n: number) => (n === 0 ? '0円' : `${n > 0 ? '+' : '−'}${yen(Math.abs(n))}`);

/** The 期別 of one version; for a 更正, 変更前 / 変更後 / 差額 per 期 and the 過納. */
function InstallmentsTable({ version: v, previous }: { version: Version; previous: Version | undefined }): ReactNode {
  const correction = v.reason === 'correction';
  const before = correction ? (previous?.installments ?? []) : [];
  const rows = [...new Map([...before, ...v.installments].sort((a, b) => (a.dueDate ?? '').localeCompare(b.dueDate ?? '')).map((x) => [x.label, x])).values()];
  const amountOf = (list: readonly { label: string; amount: number }[], label: string) => list.find((x) => x.label === label)?.amount;
  const sum = (list: readonly { amount: number }[]) => list.reduce((s, x) => s + x.amount, 0);
  const special = [...before, ...v.installments].some(isSpecial);
  const stopped = v.installments.filter((x) => x.stopped && !before.some((b) => b.label === x.label && b.stopped));
  return (
    <div className="assessment__installments" id="assessment-installments" data-testid="assessment-installments">
      <h3>
        期別（{fiscalYearLabel(v.fiscalYear)}・第{v.version}版・{v.reasonLabel}）
      </h3>
      {v.installmentsNote ? <p className="hint">期別を示せません：{v.installmentsNote}</p> : null}
      {correction ? (
        <p className="hint">
          {v.notice ? (
            <>
              決定日 <DateText value={v.notice.decidedOn} />。
            </>
          ) : null}
          納期限が決定の日より前の期は変えず、残りの期で割り直しています（端数は変更後の最初の納期）。最後の納期限の後の増額は随時の期になります。
        </p>
      ) : null}
      {v.collectionNote ? (
        <p className="hint" data-testid="collection-note">
          {v.collectionNote}
        </p>
      ) : null}
      {special ? <p className="hint">特別徴収の期は世帯主の年金から差し引きます（日付は年金支払日）。普通徴収の期は納付書または口座振替です。</p> : null}
      {stopped.length > 0 ? (
        <p className="hint" data-testid="special-stopped">
          特別徴収の中止：{stopped.map((x) => x.label).join('・')}の年金からの天引きは行わず、残りの額は普通徴収の納期限の来ていない期で納めます。
        </p>
      ) : null}
      <table className="table table--compact" aria-label="期別">
        <thead>
          <tr>
            <th scope="col">期別</th>
            {special ? <th scope="col">徴収方法</th> : null}
            <th scope="col">{special ? '納期限・年金支払日' : '納期限'}</th>
            {correction ? <th scope="col">変更前</th> : null}
            <th scope="col">{correction ? '変更後' : '税額'}</th>
            {correction ? <th scope="col">差額</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const b = amountOf(before, r.label);
            const a = amountOf(v.installments, r.label);
            const now = v.installments.find((x) => x.label === r.label) ?? r;
            return (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                {special ? <td>{now.stopped ? <Badge kind="warning">{collectionLabel(now)}</Badge> : isSpecial(now) ? <Badge>{collectionLabel(now)}</Badge> : collectionLabel(now)}</td> : null}
                <td>
                  <DateText value={r.dueDate ?? null} />
                </td>
                {correction ? <td className="num">{b === undefined ? '—' : yen(b)}</td> : null}
                <td className="num">{a === undefined ? '—' : yen(a)}</td>
                {correction ? <td className="num">{signed((a ?? 0) - (b ?? 0))}</td> : null}
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">合計</th>
            {special ? <td /> : null}
            <td />
            {correction ? <td className="num">{yen(sum(before))}</td> : null}
            <td className="num">{yen(sum(v.installments))}</td>
            {correction ? <td className="num">{signed(sum(v.installments) - sum(before))}</td> : null}
          </tr>
          {v.overpaid > 0 ? (
            <tr>
              <th scope="row">過納額</th>
              {special ? <td /> : null}
              <td>還付・充当の対象（収納の担当）</td>
              {correction ? <td /> : null}
              <td className="num">{yen(v.overpaid)}</td>
              {correction ? <td /> : null}
            </tr>
          ) : null}
        </tfoot>
      </table>
    </div>
  );
}
