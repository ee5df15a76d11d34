/**
 * 所得 on the 個人 page: every version of the person's income by 年度 (from the 個人住民税 system's file, a
 * 簡易申告 or the initial load; the current one first), and the 簡易申告 form: the insured's own
 * declaration of revenue by kind (0 = 所得なし), which becomes a new version and asks the assessment to
 * redo the households it touches. Reading needs income.read, entering income.declare.
 */
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { request, type IncomeReturn, type IncomeReturns, type SimpleDeclaration, type SimpleDeclarationResult } from '../api.js';
import { DateText, fiscalYearLabel, incomeYearLabel } from '../dates.js';
import { Badge, DoneNotice, ErrorMessage, SelectField, Spinner, TextField, fieldErrorsOf, validationError } from '../components/ui.js';
import { parseDateInput } from '../../../src/lib/wareki.js';

const YEARS = [2026, 2025, 2024, 2023, 2022];
const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;

/** The declaration's amounts, in the order of the form (Enter moves on; the last submits). */
const FIELDS: { key: Exclude<keyof SimpleDeclaration, 'fiscalYear' | 'declaredOn' | 'note'>; label: string; hint?: string; signed?: boolean }[] = [
  { key: 'salaryRevenue', label: '給与収入', hint: '専従者給与を含む' },
  { key: 'familyEmployeeSalary', label: 'うち専従者給与' },
  { key: 'pensionRevenue', label: '公的年金等収入' },
  { key: 'businessRevenue', label: '事業収入' },
  { key: 'businessIncome', label: '事業所得', hint: '収入−必要経費。損失は −', signed: true },
  { key: 'realEstateRevenue', label: '不動産収入' },
  { key: 'realEstateIncome', label: '不動産所得', hint: '損失は −', signed: true },
  { key: 'dividendIncome', label: '配当所得' },
  { key: 'miscIncome', label: '雑所得(年金以外)' },
  { key: 'separateCapitalGains', label: '分離譲渡所得', hint: '特別控除前' },
  { key: 'otherIncome', label: 'その他の所得' },
];

function sourceBadge(v: IncomeReturn): ReactNode {
  return <Badge kind={v.source === 'simple_declaration' ? 'warning' : 'muted'}>{v.sourceLabel}</Badge>;
}

export function IncomeSection({ atenaNo, canDeclare }: { atenaNo: string; canDeclare: boolean }): ReactNode {
  const [data, setData] = useState<IncomeReturns | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);

  const load = useCallback(async () => {
    try {
      setData(await request<IncomeReturns>(`/api/persons/${atenaNo}/income-returns`));
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, [atenaNo]);
  useEffect(() => {
    void load();
  }, [load]);

  if (loadError) return <section className="card" aria-labelledby="income-heading"><h2 id="income-heading">所得</h2><ErrorMessage error={loadError} /></section>;
  if (!data) return <Spinner />;
  const shown = showAll ? data.versions : data.versions.filter((v) => v.current);

  return (
    <section className="card income" aria-labelledby="income-heading" data-testid="income">
      <h2 id="income-heading">所得(前年分)と住民税の課税状況</h2>
      <DoneNotice message={done} />
      {data.versions.length === 0 ? (
        <p>所得の記録はありません(未申告として扱われます)。</p>
      ) : (
        <div className="table-wrap" tabIndex={0} aria-label="所得の表">
          <table className="table table--compact" data-testid="income-versions">
            <caption className="visually-hidden">年度ごとの所得{showAll ? '(すべての版)' : '(現在の版)'}</caption>
            <thead>
              <tr>
                <th scope="col">年度</th>
                <th scope="col">版</th>
                <th scope="col">出所</th>
                <th scope="col">申告区分</th>
                <th scope="col">住民税</th>
                <th scope="col">給与収入</th>
                <th scope="col">公的年金等収入</th>
                <th scope="col">総所得金額等</th>
                <th scope="col">課税標準額</th>
                <th scope="col">記録</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((v) => (
                <tr key={v.returnId} className={v.current ? undefined : 'muted'} data-testid={`income-${v.fiscalYear}-${v.version}`}>
                  <td>
                    {fiscalYearLabel(v.fiscalYear)} <span className="muted">({incomeYearLabel(v.incomeYear)})</span>
                  </td>
                  <td>
                    第{v.version}版{v.current ? '' : '(旧)'}
                  </td>
                  <td>
                    {sourceBadge(v)}
                    {v.sourceLine ? <div className="muted">{v.sourceLine}行目</div> : null}
                    {v.declaredOn ? (
                      <div className="muted">
                        申告日 <DateText value={v.declaredOn} />
                      </div>
                    ) : null}
                  </td>
                  <td>{v.filingStatus === 'unreported' ? <Badge kind="warning">{v.filingStatusLabel}</Badge> : v.filingStatusLabel}</td>
                  <td>{v.residentTaxLabel ?? <span className="muted">—</span>}</td>
                  <td className="num">{yen(v.amounts.salaryRevenue)}</td>
                  <td className="num">{yen(v.amounts.pensionRevenue)}</td>
                  <td className="num">{yen(v.amounts.totalIncome)}</td>
                  <td className="num">{yen(v.amounts.taxableStandard)}</td>
                  <td>
                    <DateText value={v.recordedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.versions.some((v) => !v.current) ? (
        <button type="button" className="button button--secondary" onClick={() => setShowAll((x) => !x)}>
          {showAll ? '現在の版だけ表示' : '以前の版も表示'}
        </button>
      ) : null}
      {canDeclare ? (
        <DeclarationForm
          atenaNo={atenaNo}
          onDone={async (m) => {
            await load();
            setDone(m);
          }}
        />
      ) : null}
    </section>
  );
}

function DeclarationForm({ atenaNo, onDone }: { atenaNo: string; onDone: (message: string) => Promise<void> }): ReactNode {
  const [fiscalYear, setFiscalYear] = useState(String(YEARS[0]));
  const [declaredOn, setDeclaredOn] = useState('');
  const [amounts, setAmounts] = useState<Record<string, string>>(Object.fromEntries(FIELDS.map((f) => [f.key, '0'])));
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fe = fieldErrorsOf(error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const local: Record<string, string> = {};
    const body: Record<string, unknown> = { fiscalYear: Number(fiscalYear) };
    const day = declaredOn.trim() === '' ? new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10) : parseDateInput(declaredOn.trim());
    if (!day) local.declaredOn = '申告日: 日付を正しく入力してください(例: 令和8年6月15日、R8.6.15、2026/6/15)';
    else body.declaredOn = day;
    for (const f of FIELDS) {
      // 全角数字・カンマ・円 are accepted as typed at the counter
      const t = (amounts[f.key] ?? '').normalize('NFKC').replace(/[,円\s]/g, '').replace(/^−/, '-');
      const n = t === '' ? 0 : Number(t);
      if (!/^-?\d+$/.test(t === '' ? '0' : t) || (!f.signed && n < 0)) local[f.key] = `${f.label}: ${f.signed ? '整数(円。損失は −)' : '0以上の整数(円)'}で入力してください`;
      else body[f.key] = n;
    }
    if (note.trim() !== '') body.note = note.trim();
    if (Object.keys(local).length > 0) {
      setError(validationError(local));
      return;
    }
    setBusy(true);
    try {
      const r = await request<SimpleDeclarationResult>(`/api/persons/${atenaNo}/income-returns`, { method: 'POST', body });
      const current = r.versions.find((v) => v.current);
      await onDone(
        r.changed
          ? `${fiscalYearLabel(r.fiscalYear)}の簡易申告を記録しました(第${current?.version ?? '?'}版、${current?.filingStatusLabel ?? ''}、総所得金額等 ${yen(current?.amounts.totalIncome ?? 0)})。再賦課を依頼した世帯: ${r.reassessmentHouseholds.join('、') || 'なし'}`
          : `${fiscalYearLabel(r.fiscalYear)}の所得は前の版と同じです。記録は変わりません`,
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="declaration-form" onSubmit={submit} aria-label="所得の簡易申告" data-testid="declaration-form">
      <h3>簡易申告(本人の所得申告)</h3>
      <p className="muted">前年の収入を種類ごとに入力します。収入がなければすべて 0(所得なし)。給与所得・公的年金等所得はシステムが計算します。住民税の申告がある年度は入力できません。</p>
      <div className="form-grid">
        <SelectField id="decl-year" label="年度" value={fiscalYear} onChange={setFiscalYear} options={YEARS.map((y) => ({ value: String(y), label: `${fiscalYearLabel(y)}(${incomeYearLabel(y - 1)})` }))} error={fe.fiscalYear} />
        <TextField id="decl-on" label="申告日" value={declaredOn} onChange={setDeclaredOn} hint="省略すると今日" error={fe.declaredOn} />
      </div>
      <div className="form-grid">
        {FIELDS.map((f) => (
          <TextField
            key={f.key}
            id={`decl-${f.key}`}
            label={`${f.label}(円)`}
            value={amounts[f.key] ?? ''}
            onChange={(v) => setAmounts((a) => ({ ...a, [f.key]: v }))}
            inputMode="numeric"
            autoComplete="off"
            onFocus={(e) => e.currentTarget.select()}
            {...(f.hint ? { hint: f.hint } : {})}
            error={fe[f.key]}
          />
        ))}
      </div>
      <TextField id="decl-note" label="備考" value={note} onChange={setNote} maxLength={200} error={fe.note} />
      <ErrorMessage error={error} />
      <button type="submit" className="button" disabled={busy}>
        簡易申告を記録する
      </button>
    </form>
  );
}
