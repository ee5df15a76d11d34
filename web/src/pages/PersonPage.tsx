import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, request, type Me, type PersonDetail } from '../api.js';
import { DateText } from '../dates.js';
import { fieldLabel, PERMISSION, residentKindLabel, sexLabel } from '../labels.js';
import { Link } from '../router.js';
import { Badge, ErrorMessage, Num, PageHeading, SelectField, Spinner, TextField } from '../components/ui.js';
import { useApi } from '../useApi.js';
import { StatusBadge } from './SearchPage.js';
import { BackToSearch } from './HouseholdPage.js';

export function PersonPage({ atenaNo, me }: { atenaNo: string; me: Me }): ReactNode {
  const res = useApi<PersonDetail>(`/api/persons/${encodeURIComponent(atenaNo)}`);
  const fallbackTitle = `個人 ${atenaNo}`;

  if (res.state === 'loading')
    return (
      <>
        <PageHeading title={fallbackTitle}>{fallbackTitle}</PageHeading>
        <Spinner />
      </>
    );
  if (res.state === 'error') {
    const notFound = res.error instanceof ApiError && res.error.status === 404;
    return (
      <>
        <PageHeading title={fallbackTitle}>{fallbackTitle}</PageHeading>
        {notFound ? (
          <p className="alert alert--warning" role="alert">
            宛名番号 {atenaNo} の方は見つかりません。
          </p>
        ) : (
          <ErrorMessage error={res.error} />
        )}
        <BackToSearch />
      </>
    );
  }

  const p = res.data;
  const versions = [...p.versions].sort((a, b) =>
    a.recordedAt < b.recordedAt ? 1 : a.recordedAt > b.recordedAt ? -1 : (a.validFrom ?? '') < (b.validFrom ?? '') ? 1 : -1,
  );
  return (
    <>
      {/* The document title (kept in the browser's history list) carries the number, never the name. */}
      <PageHeading title={fallbackTitle}>
        {p.nameKanji} <span className="subtitle">（宛名番号 <span className="num">{String(p.atenaNo)}</span>）</span>
      </PageHeading>
      <BackToSearch />

      <section className="card" aria-labelledby="person-basic">
        <h2 id="person-basic">基本情報</h2>
        <dl className="summary">
          <div>
            <dt>宛名番号</dt>
            <dd>
              <Num value={p.atenaNo} />
            </dd>
          </div>
          <div>
            <dt>氏名</dt>
            <dd>{p.nameKanji}</dd>
          </div>
          <div>
            <dt>カナ氏名</dt>
            <dd>{p.nameKana}</dd>
          </div>
          {p.aliasKanji || p.aliasKana ? (
            <div>
              <dt>通称</dt>
              <dd>
                {p.aliasKanji ?? ''}
                {p.aliasKana ? `（${p.aliasKana}）` : ''}
              </dd>
            </div>
          ) : null}
          {p.realName ? (
            <div>
              <dt>本名</dt>
              <dd>{p.realName}</dd>
            </div>
          ) : null}
          <div>
            <dt>生年月日</dt>
            <dd>
              <DateText value={p.birthDate} />
            </dd>
          </div>
          <div>
            <dt>性別</dt>
            <dd>{sexLabel(p.sex)}</dd>
          </div>
          <div>
            <dt>住民種別</dt>
            <dd>{residentKindLabel(p.residentKind)}</dd>
          </div>
          <div>
            <dt>住民状態</dt>
            <dd>
              <StatusBadge status={p.residentStatus} />
            </dd>
          </div>
          <div>
            <dt>住所</dt>
            <dd>
              {p.addressHidden || p.address === null ? (
                <Badge kind="warning">住所は表示できません（支援措置等）</Badge>
              ) : (
                p.address
              )}
              {p.dvSupport && !p.addressHidden ? (
                <>
                  {' '}
                  <Badge kind="warning" title="DV等支援措置の対象者です。住所等の取扱いに注意してください。">
                    支援措置対象
                  </Badge>
                </>
              ) : null}
            </dd>
          </div>
          {p.previousAddress ? (
            <div>
              <dt>前住所</dt>
              <dd>{p.previousAddress}</dd>
            </div>
          ) : null}
          {p.movedOutTo ? (
            <div>
              <dt>転出先</dt>
              <dd>{p.movedOutTo}</dd>
            </div>
          ) : null}
          {p.deathDate ? (
            <div>
              <dt>死亡日</dt>
              <dd>
                <DateText value={p.deathDate} />
              </dd>
            </div>
          ) : null}
          <div>
            <dt>世帯</dt>
            <dd>
              {p.householdNo !== null && p.householdNo !== undefined ? (
                <>
                  <Link to={`/households/${p.householdNo}`}>
                    世帯番号 <span className="num">{String(p.householdNo)}</span>
                  </Link>
                  {p.relationship ? `（続柄：${p.relationship}）` : null}
                </>
              ) : (
                <span className="muted">—</span>
              )}
            </dd>
          </div>
        </dl>
      </section>

      {me.permissions.includes(PERMISSION.myNumberRead) ? <MyNumberSection atenaNo={String(p.atenaNo)} hasMyNumber={p.hasMyNumber} /> : null}

      <section aria-labelledby="versions-heading">
        <h2 id="versions-heading">異動履歴</h2>
        {versions.length === 0 ? (
          <p>異動履歴はありません。</p>
        ) : (
          <div className="table-wrap" tabIndex={0} aria-label="異動履歴の表">
            <table className="table" data-testid="versions">
              <caption className="visually-hidden">個人の異動履歴（新しい順）</caption>
              <thead>
                <tr>
                  <th scope="col">異動日</th>
                  <th scope="col">異動事由</th>
                  <th scope="col">変更項目</th>
                  <th scope="col">記録日時</th>
                  <th scope="col">記録者</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v, i) => (
                  <tr key={i}>
                    <td>
                      <DateText value={v.validFrom} />
                    </td>
                    <td>{v.changeReason ?? <span className="muted">—</span>}</td>
                    <td>{v.changedFields.length > 0 ? v.changedFields.map(fieldLabel).join('、') : <span className="muted">—</span>}</td>
                    <td>
                      <DateText value={v.recordedAt} />
                    </td>
                    <td>{v.recordedBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

const REVEAL_SECONDS = 60;
const PURPOSES = ['資格取得・喪失の届出確認', '情報提供ネットワークシステムによる照会', '高額療養費等の給付申請の確認', '保険税の賦課・減免の確認'];

function formatMyNumber(n: string): string {
  return n.replace(/\D/g, '').replace(/(\d{4})(?=\d)/g, '$1 ');
}

/**
 * 個人番号: masked until the user explicitly asks for it with a stated purpose (the server records both).
 * Shown for at most REVEAL_SECONDS, dropped from memory when hidden or when the page is left.
 */
interface Jimu {
  code: string;
  name: string;
  legalBasis: string[];
  uses: string[];
}

function MyNumberSection({ atenaNo, hasMyNumber }: { atenaNo: string; hasMyNumber: boolean }): ReactNode {
  const [purpose, setPurpose] = useState('');
  // 個人番号利用事務 (番号法第9条): every reveal names one; the list comes from the server.
  const [jimuList, setJimuList] = useState<Jimu[] | null>(null);
  const [jimu, setJimu] = useState('');
  const [myNumber, setMyNumber] = useState<string | null>(null);
  const [stepUp, setStepUp] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [remaining, setRemaining] = useState(0);
  const codeRef = useRef<HTMLInputElement>(null);
  const hideRef = useRef<HTMLButtonElement>(null);
  const revealRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (myNumber === null) return;
    setRemaining(REVEAL_SECONDS);
    hideRef.current?.focus();
    const started = Date.now();
    const timer = window.setInterval(() => {
      const left = REVEAL_SECONDS - Math.floor((Date.now() - started) / 1000);
      if (left <= 0) {
        setMyNumber(null);
        window.clearInterval(timer);
      } else setRemaining(left);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [myNumber]);

  useEffect(() => {
    if (stepUp) codeRef.current?.focus();
  }, [stepUp]);

  useEffect(() => {
    if (!hasMyNumber) return;
    const ac = new AbortController();
    request<{ items: Jimu[] }>('/api/my-number/jimu', { signal: ac.signal }).then(
      (r) => {
        const usable = r.items.filter((j) => j.uses.includes('reveal'));
        setJimuList(usable);
        if (usable.length === 1) setJimu(usable[0]!.code);
      },
      () => setJimuList([]),
    );
    return () => ac.abort();
  }, [hasMyNumber]);

  const selectedJimu = jimuList?.find((j) => j.code === jimu);

  async function reveal(): Promise<void> {
    const purposeText = purpose.trim();
    const fe: Record<string, string> = {};
    if (jimuList && jimuList.length > 0 && jimu === '') fe.jimu = '利用する事務を選択してください。';
    if (purposeText === '') fe.purpose = '利用目的を入力してください。';
    if (Object.keys(fe).length > 0) {
      setFieldErrors(fe);
      setError(new ApiError(400, 'validation', '入力内容を確認してください。', Object.entries(fe).map(([field, message]) => ({ field, message }))));
      document.getElementById(fe.jimu ? 'mynumber-jimu' : 'mynumber-purpose')?.focus();
      return;
    }
    setBusy(true);
    try {
      const res = await request<{ myNumber: string }>(`/api/persons/${encodeURIComponent(atenaNo)}/my-number/reveal`, {
        method: 'POST',
        body: jimu ? { purpose: purposeText, jimu } : { purpose: purposeText },
      });
      setError(null);
      setFieldErrors({});
      setStepUp(false);
      setMyNumber(res.myNumber);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'step_up_required') {
        setError(null);
        setFieldErrors({});
        setStepUp(true);
      } else {
        setError(e);
        const fe: Record<string, string> = {};
        if (e instanceof ApiError) for (const f of e.fields) fe[f.field] = f.message;
        setFieldErrors(fe);
      }
    } finally {
      setBusy(false);
    }
  }

  async function submitStepUp(e: FormEvent): Promise<void> {
    e.preventDefault();
    const c = code.normalize('NFKC').replace(/[\s-]/g, '');
    if (!/^\d{6}$/.test(c)) {
      const msg = 'ワンタイムパスワード（6桁の数字）を入力してください。';
      setFieldErrors({ stepUpCode: msg });
      setError(new ApiError(400, 'validation', msg));
      codeRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      try {
        // A 401 here is a wrong code (auth: true), not necessarily an ended session.
        await request<unknown>('/api/auth/step-up', { method: 'POST', body: { code: c }, auth: true });
      } catch (err) {
        // If the session itself has ended, /me answers 401 too and the app returns to the login page.
        if (err instanceof ApiError && err.status === 401) await request<unknown>('/api/auth/me').catch(() => undefined);
        throw err;
      }
      setCode('');
      setBusy(false);
      await reveal();
    } catch (err) {
      setCode('');
      setError(err);
      setFieldErrors(err instanceof ApiError && err.fields.length ? { stepUpCode: err.fields[0]!.message } : {});
      codeRef.current?.focus();
      setBusy(false);
    }
  }

  function hide(): void {
    setMyNumber(null);
    window.setTimeout(() => revealRef.current?.focus(), 0);
  }

  return (
    <section className="card mynumber" aria-labelledby="mynumber-heading">
      <h2 id="mynumber-heading">個人番号</h2>
      {!hasMyNumber ? (
        <p>個人番号は登録されていません。</p>
      ) : (
        <>
          <ErrorMessage error={error} />
          <p className="mynumber__value" data-testid="mynumber-value" aria-live="polite">
            {myNumber !== null ? (
              <>
                <span className="num mynumber__digits">{formatMyNumber(myNumber)}</span>
                <span className="hint">（あと{remaining}秒で非表示になります）</span>
              </>
            ) : (
              <span className="mynumber__masked">
                <span aria-hidden="true">●●●● ●●●● ●●●●</span>
                <span className="visually-hidden">非表示</span>
              </span>
            )}
          </p>
          {myNumber !== null ? (
            <button type="button" className="button button--secondary" ref={hideRef} onClick={hide}>
              個人番号を隠す
            </button>
          ) : stepUp ? (
            <form onSubmit={(e) => void submitStepUp(e)} noValidate aria-label="本人確認">
              <p>個人番号を表示するには、本人確認のためワンタイムパスワードを入力してください。</p>
              <TextField
                id="stepup-code"
                label="ワンタイムパスワード"
                value={code}
                onChange={setCode}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={12}
                required
                inputRef={codeRef}
                error={fieldErrors.stepUpCode}
              />
              <div className="form__actions">
                <button type="submit" className="button" disabled={busy}>
                  確認して表示
                </button>
                <button type="button" className="button button--secondary" onClick={() => setStepUp(false)}>
                  取り消す
                </button>
              </div>
            </form>
          ) : (
            <form
              className="form"
              aria-label="個人番号の表示"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                void reveal();
              }}
            >
              {jimuList && jimuList.length > 0 ? (
                <SelectField
                  id="mynumber-jimu"
                  label="利用する事務"
                  value={jimu}
                  onChange={setJimu}
                  placeholder="選択してください"
                  options={jimuList.map((j) => ({ value: j.code, label: j.name }))}
                  hint={selectedJimu ? `根拠：${selectedJimu.legalBasis.join('、')}` : '番号法で認められた事務の範囲でのみ表示できます。'}
                  required
                  error={fieldErrors.jimu}
                />
              ) : null}
              <TextField
                id="mynumber-purpose"
                label="利用目的"
                hint="個人番号の表示は記録されます。事務の目的を入力または選択してください。"
                value={purpose}
                onChange={setPurpose}
                list="mynumber-purposes"
                autoComplete="off"
                required
                error={fieldErrors.purpose}
              />
              <datalist id="mynumber-purposes">
                {PURPOSES.map((p) => (
                  <option key={p} value={p} />
                ))}
              </datalist>
              <div className="form__actions">
                <button type="submit" className="button" ref={revealRef} disabled={busy}>
                  個人番号を表示
                </button>
              </div>
            </form>
          )}
        </>
      )}
    </section>
  );
}
