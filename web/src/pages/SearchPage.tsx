import { useEffect, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import { ApiError, query, request, type Me, type PersonSearchResult, type PersonSummary } from '../api.js';
import { DatePreview, DateText } from '../dates.js';
import { residentStatusLabel, sexLabel } from '../labels.js';
import { Link, replaceState } from '../router.js';
import { Badge, ErrorMessage, Num, PageHeading, TextField, validationError } from '../components/ui.js';
import { Pager } from '../components/Pager.js';
import { parseDateInput } from '../../../src/lib/wareki.js';

export const PAGE_SIZE = 20;

interface Criteria {
  kana: string;
  name: string;
  birthDate: string;
  atenaNo: string;
  householdNo: string;
}

const EMPTY: Criteria = { kana: '', name: '', birthDate: '', atenaNo: '', householdNo: '' };

interface SavedSearch {
  search: { criteria: Criteria; page: number };
}

function isSavedSearch(v: unknown): v is SavedSearch {
  if (typeof v !== 'object' || v === null || !('search' in v)) return false;
  const s = (v as SavedSearch).search;
  return typeof s === 'object' && s !== null && typeof s.page === 'number' && typeof s.criteria === 'object';
}

function clean(c: Criteria): Criteria {
  return {
    kana: c.kana.trim(),
    name: c.name.trim(),
    birthDate: c.birthDate.trim(),
    atenaNo: c.atenaNo.normalize('NFKC').trim(),
    householdNo: c.householdNo.normalize('NFKC').trim(),
  };
}

function validate(c: Criteria): Record<string, string> {
  const fe: Record<string, string> = {};
  if (c.birthDate !== '' && parseDateInput(c.birthDate) === null)
    fe.birthDate = '生年月日を正しく入力してください（例：昭和50年1月1日、S50.1.1、1975/1/1）。';
  if (c.atenaNo !== '' && !/^\d+$/.test(c.atenaNo)) fe.atenaNo = '宛名番号は数字で入力してください。';
  if (c.householdNo !== '' && !/^\d+$/.test(c.householdNo)) fe.householdNo = '世帯番号は数字で入力してください。';
  return fe;
}

export function SearchPage({ me: _me }: { me: Me }): ReactNode {
  const saved = isSavedSearch(window.history.state) ? (window.history.state as SavedSearch).search : null;
  const [form, setForm] = useState<Criteria>(saved ? { ...EMPTY, ...saved.criteria } : EMPTY);
  const [applied, setApplied] = useState<{ criteria: Criteria; page: number } | null>(null);
  const [result, setResult] = useState<PersonSearchResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLParagraphElement>(null);
  const abortRef = useRef<AbortController | null>(null);
  const focusAfterLoad = useRef(false);

  async function run(criteria: Criteria, page: number, focus: boolean): Promise<void> {
    abortRef.current?.abort();
    const ac = new AbortController();
    abortRef.current = ac;
    setBusy(true);
    try {
      const res = await request<PersonSearchResult>(
        '/api/persons' + query({ ...criteria, page, pageSize: PAGE_SIZE }),
        { signal: ac.signal },
      );
      setResult(res);
      setApplied({ criteria, page: res.page ?? page });
      setError(null);
      setFieldErrors({});
      replaceState({ search: { criteria, page: res.page ?? page } } satisfies SavedSearch);
      focusAfterLoad.current = focus;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      setError(e);
      const fe: Record<string, string> = {};
      if (e instanceof ApiError) for (const f of e.fields) fe[f.field] = f.message;
      setFieldErrors(fe);
      if (focus) focusAfterLoad.current = false;
    } finally {
      if (abortRef.current === ac) setBusy(false);
    }
  }

  useEffect(() => {
    if (saved) void run(clean({ ...EMPTY, ...saved.criteria }), saved.page, false);
    return () => abortRef.current?.abort();
    // Run once on mount (restoring the search of this history entry).
  }, []);

  useEffect(() => {
    if (result && focusAfterLoad.current) {
      focusAfterLoad.current = false;
      summaryRef.current?.focus();
    }
  }, [result]);

  function submit(e: FormEvent): void {
    e.preventDefault();
    const c = clean(form);
    if (Object.values(c).every((v) => v === '')) {
      setError(new ApiError(400, 'validation', '検索条件を1つ以上入力してください。'));
      setFieldErrors({});
      return;
    }
    const fe = validate(c);
    if (Object.keys(fe).length > 0) {
      setError(validationError(fe));
      setFieldErrors(fe);
      document.getElementById(Object.keys(fe)[0]!)?.focus();
      return;
    }
    void run(c, 1, true);
  }

  function clear(): void {
    abortRef.current?.abort();
    setForm(EMPTY);
    setResult(null);
    setApplied(null);
    setError(null);
    setFieldErrors({});
    replaceState(null);
    document.getElementById('kana')?.focus();
  }

  const set = (k: keyof Criteria) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  return (
    <>
      <PageHeading title="宛名検索">宛名検索</PageHeading>
      <form className="card form search-form" onSubmit={submit} noValidate aria-label="検索条件" role="search">
        <ErrorMessage error={error} />
        <div className="form-grid">
          <TextField
            id="kana"
            label="カナ氏名"
            hint="カタカナ・ひらがな（全角・半角どちらでも可）"
            value={form.kana}
            onChange={set('kana')}
            autoComplete="off"
            autoFocus
            error={fieldErrors.kana}
          />
          <TextField id="name" label="漢字氏名" value={form.name} onChange={set('name')} autoComplete="off" error={fieldErrors.name} />
          <TextField
            id="birthDate"
            label="生年月日"
            hint={<DatePreview text={form.birthDate} example="例：昭和50年1月1日、S50.1.1、1975/1/1" />}
            value={form.birthDate}
            onChange={set('birthDate')}
            autoComplete="off"
            error={fieldErrors.birthDate}
          />
          <TextField
            id="atenaNo"
            label="宛名番号"
            value={form.atenaNo}
            onChange={set('atenaNo')}
            inputMode="numeric"
            autoComplete="off"
            error={fieldErrors.atenaNo}
          />
          <TextField
            id="householdNo"
            label="世帯番号"
            value={form.householdNo}
            onChange={set('householdNo')}
            inputMode="numeric"
            autoComplete="off"
            error={fieldErrors.householdNo}
          />
        </div>
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            検索
          </button>
          <button type="button" className="button button--secondary" onClick={clear}>
            条件をクリア
          </button>
        </div>
      </form>

      {result && applied ? (
        <section className="results" aria-labelledby="results-heading" aria-busy={busy}>
          <h2 id="results-heading">検索結果</h2>
          <ResultSummary result={result} page={applied.page} summaryRef={summaryRef} />
          {result.items.length > 0 ? (
            <>
              <div className="table-wrap" tabIndex={0} aria-label="検索結果の表（横にスクロールできます）">
                <table className="table" data-testid="search-results">
                  <caption className="visually-hidden">宛名検索の結果</caption>
                  <thead>
                    <tr>
                      <th scope="col">宛名番号</th>
                      <th scope="col">氏名</th>
                      <th scope="col">カナ氏名</th>
                      <th scope="col">生年月日</th>
                      <th scope="col">年齢</th>
                      <th scope="col">性別</th>
                      <th scope="col">状態</th>
                      <th scope="col">国保</th>
                      <th scope="col">世帯番号</th>
                      <th scope="col">続柄</th>
                      <th scope="col">住所</th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.items.map((p) => (
                      <tr key={String(p.atenaNo)}>
                        <td>
                          <Num value={p.atenaNo} />
                        </td>
                        <th scope="row">
                          <Link to={`/persons/${p.atenaNo}`} className="person-link" title="個人の詳細を表示">
                            {p.nameKanji}
                          </Link>
                          {p.aliasKanji ? <span className="alias">（通称：{p.aliasKanji}）</span> : null}
                        </th>
                        <td>{p.nameKana}</td>
                        <td>
                          <DateText value={p.birthDate} />
                        </td>
                        <td className="num" data-testid="age">
                          {p.age}歳{p.ageAtDeath ? <span className="hint">（死亡時）</span> : null}
                        </td>
                        <td>{sexLabel(p.sex)}</td>
                        <td>
                          <StatusBadge status={p.residentStatus} />
                        </td>
                        <td data-testid="nhi-status">
                          <NhiBadge status={p.nhiStatus} label={p.nhiStatusLabel} />
                        </td>
                        <td>
                          {p.householdNo !== null && p.householdNo !== undefined ? (
                            <Link
                              to={`/households/${p.householdNo}`}
                              className="household-link num"
                              title="世帯の詳細を表示"
                              aria-label={`世帯 ${p.householdNo}`}
                            >
                              {String(p.householdNo)}
                            </Link>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                        <td>{p.relationshipLabel ?? <span className="muted">—</span>}</td>
                        <td>{p.address ?? <span className="muted">（非表示）</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager
                page={applied.page}
                pageCount={result.totalCapped ? null : Math.max(1, Math.ceil(result.total / (result.pageSize || PAGE_SIZE)))}
                hasNext={applied.page * (result.pageSize || PAGE_SIZE) < result.total}
                busy={busy}
                onPage={(p) => void run(applied.criteria, p, true)}
                label="検索結果のページ送り"
              />
            </>
          ) : null}
        </section>
      ) : null}
    </>
  );
}

export function StatusBadge({ status }: { status: string }): ReactNode {
  return (
    <Badge kind={status === 'resident' ? 'ok' : 'muted'} title="住民状態">
      {residentStatusLabel(status)}
    </Badge>
  );
}

/** 国保 today: 加入中 / 喪失 / — (never insured here). */
export function NhiBadge({ status, label }: { status: PersonSummary['nhiStatus']; label: string }): ReactNode {
  if (status === 'none') return <span className="muted" title="国保の加入歴なし" aria-label="国保の加入歴なし">{label}</span>;
  return (
    <Badge kind={status === 'insured' ? 'ok' : 'muted'} title={status === 'insured' ? '本日、国保に加入中' : '以前は国保に加入、本日は加入していない'}>
      {label}
    </Badge>
  );
}

function ResultSummary({
  result,
  page,
  summaryRef,
}: {
  result: PersonSearchResult;
  page: number;
  summaryRef: RefObject<HTMLParagraphElement | null>;
}): ReactNode {
  const size = result.pageSize || PAGE_SIZE;
  const from = result.items.length === 0 ? 0 : (page - 1) * size + 1;
  const to = (page - 1) * size + result.items.length;
  return (
    <div aria-live="polite">
      <p ref={summaryRef} tabIndex={-1} className="result-count" data-testid="result-count">
        {result.total === 0 ? (
          '該当する方はいません。条件を変えて検索してください。'
        ) : (
          <>
            該当 <strong>{result.total.toLocaleString('ja-JP')}</strong> 件{result.totalCapped ? '以上' : ''}（{from}〜{to}件目を表示）
          </>
        )}
      </p>
      {result.totalCapped ? (
        <p className="alert alert--warning">該当件数が多すぎるため、すべては表示できません。条件を追加して絞り込んでください。</p>
      ) : null}
    </div>
  );
}
