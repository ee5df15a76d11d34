import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, query, request, type AuditResult } from '../api.js';
import { DatePreview, DateText } from '../dates.js';
import { outcomeLabel } from '../labels.js';
import { Badge, ErrorMessage, PageHeading, SelectField, TextField, validationError } from '../components/ui.js';
import { Pager } from '../components/Pager.js';
import { parseDateInput } from '../../../src/lib/wareki.js';

const AUDIT_PAGE_SIZE = 50;

interface AuditForm {
  staffId: string;
  atenaNo: string;
  functionCode: string;
  action: string;
  outcome: string;
  from: string;
  to: string;
  afterHours: boolean;
  bulk: boolean;
}

const EMPTY: AuditForm = { staffId: '', atenaNo: '', functionCode: '', action: '', outcome: '', from: '', to: '', afterHours: false, bulk: false };

const OUTCOMES = ['success', 'denied', 'failure', 'error'];

type Params = Record<string, string | boolean>;

function toParams(f: AuditForm): { params: Params; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const params: Params = {};
  const staffId = f.staffId.normalize('NFKC').trim();
  const atenaNo = f.atenaNo.normalize('NFKC').trim();
  const functionCode = f.functionCode.normalize('NFKC').trim();
  if (staffId) params.staffId = staffId;
  if (atenaNo) {
    if (/^\d+$/.test(atenaNo)) params.atenaNo = atenaNo;
    else errors.atenaNo = '宛名番号は数字で入力してください。';
  }
  if (functionCode) params.functionCode = functionCode;
  const action = f.action.normalize('NFKC').trim();
  if (action) params.action = action;
  if (f.outcome) params.outcome = f.outcome;
  for (const k of ['from', 'to'] as const) {
    const v = f[k].trim();
    if (!v) continue;
    const iso = parseDateInput(v);
    if (iso) params[k] = iso;
    else errors[k] = '日付を正しく入力してください（例：令和7年4月1日、R7.4.1、2025/4/1）。';
  }
  if (typeof params.from === 'string' && typeof params.to === 'string' && params.from > params.to)
    errors.to = '終了日は開始日以降の日付を入力してください。';
  if (f.afterHours) params.afterHours = true;
  if (f.bulk) params.bulk = true;
  return { params, errors };
}

export function AuditPage(): ReactNode {
  const [form, setForm] = useState<AuditForm>(EMPTY);
  const [applied, setApplied] = useState<{ params: Params; page: number } | null>(null);
  const [result, setResult] = useState<AuditResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLParagraphElement>(null);
  const focusAfterLoad = useRef(false);

  async function run(params: Params, page: number): Promise<void> {
    setBusy(true);
    try {
      const res = await request<AuditResult>('/api/audit/events' + query({ ...params, page, pageSize: AUDIT_PAGE_SIZE }));
      setResult(res);
      setApplied({ params, page: res.page ?? page });
      setError(null);
      setFieldErrors({});
      focusAfterLoad.current = true;
    } catch (e) {
      setError(e);
      const fe: Record<string, string> = {};
      if (e instanceof ApiError) for (const f of e.fields) fe[f.field] = f.message;
      setFieldErrors(fe);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (result && focusAfterLoad.current) {
      focusAfterLoad.current = false;
      summaryRef.current?.focus();
    }
  }, [result]);

  function submit(e: FormEvent): void {
    e.preventDefault();
    const { params, errors } = toParams(form);
    if (Object.keys(errors).length > 0) {
      setFieldErrors(errors);
      setError(validationError(errors));
      document.getElementById(`audit-${Object.keys(errors)[0]!}`)?.focus();
      return;
    }
    void run(params, 1);
  }

  const set = (k: Exclude<keyof AuditForm, 'afterHours' | 'bulk'>) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  const pageSize = result?.pageSize ?? AUDIT_PAGE_SIZE;
  const csvHref = applied ? '/api/audit/report' + query(applied.params) : null;

  return (
    <>
      <PageHeading title="監査ログ照会">監査ログ照会</PageHeading>
      <form className="card form" onSubmit={submit} noValidate aria-label="監査ログの検索条件" role="search">
        <ErrorMessage error={error} />
        <div className="form-grid">
          <TextField id="audit-staffId" label="職員ID" value={form.staffId} onChange={set('staffId')} autoComplete="off" error={fieldErrors.staffId} />
          <TextField
            id="audit-atenaNo"
            label="宛名番号（対象者）"
            value={form.atenaNo}
            onChange={set('atenaNo')}
            inputMode="numeric"
            autoComplete="off"
            error={fieldErrors.atenaNo}
          />
          <TextField
            id="audit-functionCode"
            label="機能コード"
            value={form.functionCode}
            onChange={set('functionCode')}
            autoComplete="off"
            error={fieldErrors.functionCode}
          />
          <TextField
            id="audit-action"
            label="操作"
            hint="例：person.search"
            value={form.action}
            onChange={set('action')}
            autoComplete="off"
            error={fieldErrors.action}
          />
          <SelectField
            id="audit-outcome"
            label="結果"
            value={form.outcome}
            onChange={set('outcome')}
            placeholder="すべて"
            options={OUTCOMES.map((o) => ({ value: o, label: outcomeLabel(o) }))}
            error={fieldErrors.outcome}
          />
          <TextField
            id="audit-from"
            label="期間（開始日）"
            hint={<DatePreview text={form.from} />}
            value={form.from}
            onChange={set('from')}
            autoComplete="off"
            error={fieldErrors.from}
          />
          <TextField
            id="audit-to"
            label="期間（終了日）"
            hint={<DatePreview text={form.to} />}
            value={form.to}
            onChange={set('to')}
            autoComplete="off"
            error={fieldErrors.to}
          />
          <div className="field field--checkbox">
            <input
              type="checkbox"
              id="audit-afterHours"
              checked={form.afterHours}
              onChange={(e) => setForm((f) => ({ ...f, afterHours: e.target.checked }))}
            />
            <label htmlFor="audit-afterHours">時間外（夜間・休日）の操作のみ</label>
          </div>
          <div className="field field--checkbox">
            <input type="checkbox" id="audit-bulk" checked={form.bulk} onChange={(e) => setForm((f) => ({ ...f, bulk: e.target.checked }))} />
            <label htmlFor="audit-bulk">大量参照のみ</label>
          </div>
        </div>
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            検索
          </button>
          {csvHref ? (
            <a className="button button--secondary" href={csvHref} download>
              この条件でCSV出力
            </a>
          ) : null}
        </div>
      </form>

      {result && applied ? (
        <section aria-labelledby="audit-results-heading" aria-busy={busy}>
          <h2 id="audit-results-heading">検索結果</h2>
          <p ref={summaryRef} tabIndex={-1} className="result-count" aria-live="polite" data-testid="audit-count">
            {result.total === 0 ? (
              '該当する記録はありません。'
            ) : (
              <>
                該当 <strong>{result.total.toLocaleString('ja-JP')}</strong> 件{result.totalCapped ? '以上' : ''}（{(applied.page - 1) * pageSize + 1}〜
                {(applied.page - 1) * pageSize + result.items.length}件目を表示）
              </>
            )}
          </p>
          {result.items.length > 0 ? (
            <>
              <div className="table-wrap" tabIndex={0} aria-label="監査ログの表">
                <table className="table table--compact" data-testid="audit-events">
                  <caption className="visually-hidden">監査ログ</caption>
                  <thead>
                    <tr>
                      <th scope="col">連番</th>
                      <th scope="col">日時</th>
                      <th scope="col">職員ID</th>
                      <th scope="col">機能</th>
                      <th scope="col">操作</th>
                      <th scope="col">対象（宛名番号）</th>
                      <th scope="col">結果</th>
                      <th scope="col">IPアドレス</th>
                      <th scope="col">端末</th>
                      <th scope="col">詳細</th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.items.map((ev) => (
                      <tr key={String(ev.seq)}>
                        <td className="num">{String(ev.seq)}</td>
                        <td>
                          <DateText value={ev.occurredAt} />
                        </td>
                        <td title={ev.actorId}>{ev.actorLabel}</td>
                        <td>{ev.functionCode}</td>
                        <td>{ev.action}</td>
                        <td className="num">{ev.subjects.length > 0 ? ev.subjects.join('、') : <span className="muted">—</span>}</td>
                        <td>
                          <Badge kind={ev.outcome === 'success' ? 'ok' : 'warning'}>{outcomeLabel(ev.outcome)}</Badge>
                        </td>
                        <td className="num">{ev.ip ?? '—'}</td>
                        <td>{ev.terminal ?? '—'}</td>
                        <td>
                          {ev.detail && Object.keys(ev.detail).length > 0 ? (
                            <details className="audit-detail">
                              <summary>表示</summary>
                              <pre>{JSON.stringify(ev.detail, null, 2)}</pre>
                              {ev.correlationId ? <p className="hint">問い合わせ番号: {ev.correlationId}</p> : null}
                            </details>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager
                page={applied.page}
                pageCount={Math.max(1, Math.ceil(result.total / pageSize))}
                hasNext={(applied.page - 1) * pageSize + result.items.length < result.total}
                busy={busy}
                onPage={(p) => void run(applied.params, p)}
                label="監査ログのページ送り"
              />
            </>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
