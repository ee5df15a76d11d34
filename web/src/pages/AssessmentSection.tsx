/**
 * 賦課 on the household page: every stored version of the household's NHI tax (本算定 and 更正, newest
 * first) with its amount, 軽減 and reason, and the printed notice of each (納税通知書 / 変更決定通知書, PDF,
 * audited). Read-only: assessments are made by the 本算定 batch and by 更正.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, request, type ApiOk } from '../api.js';
import { Badge, ErrorMessage, Spinner } from '../components/ui.js';
import { DateText, fiscalYearLabel } from '../dates.js';

type Versions = ApiOk<'/api/assessment/households/{householdNo}'>;


export function AssessmentSection({ householdNo }: { householdNo: number }): ReactNode {
  const [data, setData] = useState<Versions['items'] | null>(null);
  const [error, setError] = useState<unknown>(null);
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
    </section>
  );
}
