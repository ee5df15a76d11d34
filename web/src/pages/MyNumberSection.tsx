/**
 * 個人番号 on the 個人 page.
 *
 * - Reveal (mynumber.read): masked until the user explicitly asks for it with a 事務 and a stated purpose
 *   (the server records both) and steps up; shown for at most REVEAL_SECONDS, dropped from memory when
 *   hidden or when the page is left.
 * - Registration, correction and deletion (mynumber.write): never applied at once. The server keeps the
 *   request until a second person approves it (承認 page). The typed number is cleared as soon as it has
 *   been sent and is never shown back; pending changes are listed without any digits.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { request, type ApiBody, type ApiOk, type ChangeAccepted, type Jimu, type MyNumberStatus, type MyNumberUse } from '../api.js';
import { DateText } from '../dates.js';
import { Link } from '../router.js';
import { Badge, ErrorMessage, SelectField, TextField, fieldErrorsOf, validationError } from '../components/ui.js';
import { AcceptedNotice } from '../components/changes.js';
import { StepUpPrompt, useStepUp } from '../components/StepUp.js';
import { isValidMyNumber } from '../../../src/lib/mynumber.js';

const REVEAL_SECONDS = 60;
const PURPOSES = ['資格取得・喪失の届出確認', '情報提供ネットワークシステムによる照会', '高額療養費等の給付申請の確認', '保険税の賦課・減免の確認'];

function formatMyNumber(n: string): string {
  return n.replace(/\D/g, '').replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** Full-width digits to ASCII; spaces and hyphens (as written on the card) removed. */
function normalizeMyNumber(raw: string): string {
  return raw.normalize('NFKC').replace(/[\s\u3000\-‐－ー−]/g, '');
}



function usable(list: Jimu[] | null, use: MyNumberUse): Jimu[] {
  return (list ?? []).filter((j) => (j.uses as string[]).includes(use));
}

function jimuHint(list: Jimu[], code: string, fallback: string): string {
  const j = list.find((x) => x.code === code);
  return j ? `根拠：${j.legalBasis.join('、')}` : fallback;
}

type StepUpFor = 'reveal' | 'delete';

export function MyNumberSection({
  atenaNo,
  hasMyNumber,
  canRead,
  canWrite,
}: {
  atenaNo: string;
  hasMyNumber: boolean;
  canRead: boolean;
  canWrite: boolean;
}): ReactNode {
  // 個人番号利用事務 (番号法第9条): every use names one; the list comes from the server.
  const [jimuList, setJimuList] = useState<Jimu[] | null>(null);
  const [status, setStatus] = useState<MyNumberStatus | null>(null);
  const [statusError, setStatusError] = useState<unknown>(null);
  const stepUp = useStepUp();
  const [stepUpFor, setStepUpFor] = useState<StepUpFor | null>(null);
  /** 「承認待ちとして登録しました」 after a request (kept across the status reload). */
  const [accepted, setAccepted] = useState<ChangeAccepted | null>(null);
  const acceptedRef = useRef<HTMLDivElement>(null);

  const registered = status ? status.registered : hasMyNumber;
  const pending = status?.pending ?? [];

  const loadStatus = useCallback(async (signal?: AbortSignal): Promise<void> => {
    try {
      const s = await request<MyNumberStatus>(`/api/persons/${encodeURIComponent(atenaNo)}/my-number`, signal ? { signal } : {});
      setStatus(s);
      setStatusError(null);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      setStatusError(e);
    }
  }, [atenaNo]);

  useEffect(() => {
    const ac = new AbortController();
    void loadStatus(ac.signal);
    request<ApiOk<'/api/my-number/jimu'>>('/api/my-number/jimu', { signal: ac.signal }).then(
      (r) => setJimuList(r.items),
      (e: unknown) => {
        if (!(e instanceof DOMException && e.name === 'AbortError')) setJimuList([]);
      },
    );
    return () => ac.abort();
  }, [loadStatus]);

  useEffect(() => {
    if (accepted) acceptedRef.current?.focus();
  }, [accepted]);

  function onAccepted(r: ChangeAccepted): void {
    setAccepted(r);
    void loadStatus();
  }

  return (
    <section className="card mynumber" aria-labelledby="mynumber-heading">
      <h2 id="mynumber-heading">個人番号</h2>
      <p className="mynumber__status" data-testid="mynumber-status">
        登録状況：
        {registered ? <Badge kind="ok">登録済み</Badge> : <Badge kind="muted">未登録</Badge>}
        {registered && status?.updatedAt ? (
          <span className="hint">
            {' '}
            （最終更新 <DateText value={status.updatedAt} />
            {status.updatedByLabel ? `、${status.updatedByLabel}` : ''}）
          </span>
        ) : null}
      </p>
      <ErrorMessage error={statusError} />

      {canRead ? (
        registered ? (
          <RevealBlock atenaNo={atenaNo} jimuList={jimuList} stepUp={stepUp} stepUpFor={stepUpFor} setStepUpFor={setStepUpFor} />
        ) : (
          <p>個人番号は登録されていません。</p>
        )
      ) : null}

      {accepted ? <AcceptedNotice ref={acceptedRef} accepted={accepted} /> : null}

      {pending.length > 0 ? (
        <div className="mynumber__pending">
          <h3 id="mynumber-pending-heading">承認待ちの変更</h3>
          <p className="hint">
            承認されるまで個人番号は変わりません。承認・却下・取下げの後に次の変更を入力できます。
            {canWrite ? (
              <>
                ご自身が入力した変更の結果の確認と取下げは<Link to="/my-requests">申請状況</Link>から。
              </>
            ) : null}
          </p>
          <div className="table-wrap" tabIndex={0} aria-labelledby="mynumber-pending-heading">
            <table className="table table--compact" data-testid="mynumber-pending">
              <thead>
                <tr>
                  <th scope="col">変更番号</th>
                  <th scope="col">内容</th>
                  <th scope="col">入力者</th>
                  <th scope="col">入力日時</th>
                </tr>
              </thead>
              <tbody>
                {pending.map((c) => (
                  <tr key={c.changeId}>
                    <td className="num">{c.changeId}</td>
                    <td>{c.kindLabel}</td>
                    <td>{c.requestedByLabel}</td>
                    <td>
                      <DateText value={c.requestedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}

      {canWrite && status && pending.length === 0 ? (
        <>
          <SetNumberForm atenaNo={atenaNo} registered={registered} jimuList={jimuList} onAccepted={onAccepted} onStart={() => setAccepted(null)} />
          {registered ? (
            <DeleteBlock
              atenaNo={atenaNo}
              jimuList={jimuList}
              stepUp={stepUp}
              stepUpFor={stepUpFor}
              setStepUpFor={setStepUpFor}
              onAccepted={onAccepted}
              onStart={() => setAccepted(null)}
            />
          ) : null}
        </>
      ) : null}
    </section>
  );
}

interface StepUpProps {
  stepUp: ReturnType<typeof useStepUp>;
  stepUpFor: StepUpFor | null;
  setStepUpFor: (v: StepUpFor | null) => void;
}

function RevealBlock({ atenaNo, jimuList, stepUp, stepUpFor, setStepUpFor }: { atenaNo: string; jimuList: Jimu[] | null } & StepUpProps): ReactNode {
  const list = useMemo(() => usable(jimuList, 'reveal'), [jimuList]);
  const [purpose, setPurpose] = useState('');
  const [jimu, setJimu] = useState('');
  const [myNumber, setMyNumber] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [remaining, setRemaining] = useState(0);
  const hideRef = useRef<HTMLButtonElement>(null);
  const revealRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (list.length === 1 && jimu === '') setJimu(list[0]!.code);
  }, [list, jimu]);

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

  async function reveal(): Promise<void> {
    const purposeText = purpose.trim();
    const fe: Record<string, string> = {};
    if (list.length > 0 && jimu === '') fe.jimu = '利用する事務を選択してください。';
    if (purposeText === '') fe.purpose = '利用目的を入力してください。';
    if (Object.keys(fe).length > 0) {
      setFieldErrors(fe);
      setError(validationError(fe));
      document.getElementById(fe.jimu ? 'mynumber-jimu' : 'mynumber-purpose')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setStepUpFor('reveal');
    await stepUp.run(
      async () => {
        const res = await request<ApiOk<'/api/persons/{atenaNo}/my-number/reveal', 'post'>>(`/api/persons/${encodeURIComponent(atenaNo)}/my-number/reveal`, {
          method: 'POST',
          body: (jimu ? { purpose: purposeText, jimu } : { purpose: purposeText }) satisfies ApiBody<'/api/persons/{atenaNo}/my-number/reveal'>,
        });
        setError(null);
        setFieldErrors({});
        setMyNumber(res.myNumber);
      },
      (e) => {
        setError(e);
        setFieldErrors(fieldErrorsOf(e));
      },
      '個人番号を表示するには、本人確認のためワンタイムパスワードを入力してください。',
    );
    setBusy(false);
  }

  function hide(): void {
    setMyNumber(null);
    window.setTimeout(() => revealRef.current?.focus(), 0);
  }

  const asking = stepUp.asking && stepUpFor === 'reveal';
  return (
    <div className="mynumber__reveal">
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
      ) : asking ? (
        <StepUpPrompt stepUp={stepUp} idPrefix="reveal" submitLabel="確認して表示" setBusy={setBusy} returnFocus={revealRef} />
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
          {list.length > 0 ? (
            <SelectField
              id="mynumber-jimu"
              label="利用する事務"
              value={jimu}
              onChange={setJimu}
              placeholder="選択してください"
              options={list.map((j) => ({ value: j.code, label: j.name }))}
              hint={jimuHint(list, jimu, '番号法で認められた事務の範囲でのみ表示できます。')}
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
            maxLength={200}
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
    </div>
  );
}

/** 登録 (no number stored) or 訂正 (one is): the number goes to the server once and is cleared at once. */
function SetNumberForm({
  atenaNo,
  registered,
  jimuList,
  onAccepted,
  onStart,
}: {
  atenaNo: string;
  registered: boolean;
  jimuList: Jimu[] | null;
  onAccepted: (r: ChangeAccepted) => void;
  onStart: () => void;
}): ReactNode {
  const use: MyNumberUse = registered ? 'correct' : 'register';
  const list = useMemo(() => usable(jimuList, use), [jimuList, use]);
  const [value, setValue] = useState('');
  const [jimu, setJimu] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const what = registered ? '訂正' : '登録';

  useEffect(() => {
    if (list.length === 1 && jimu === '') setJimu(list[0]!.code);
  }, [list, jimu]);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    const n = normalizeMyNumber(value);
    const fe: Record<string, string> = {};
    if (n === '') fe.myNumber = '個人番号を入力してください。';
    else if (!/^\d{12}$/.test(n)) fe.myNumber = '個人番号は12桁の数字で入力してください。';
    else if (!isValidMyNumber(n)) fe.myNumber = '検査用数字（12桁目）が一致しません。番号を確認してください。';
    if (jimu === '') fe.jimu = '事務を選択してください。';
    if (Object.keys(fe).length > 0) {
      setFieldErrors(fe);
      setError(validationError(fe));
      document.getElementById(fe.myNumber ? 'mynumber-new' : 'mynumber-set-jimu')?.focus();
      return;
    }
    onStart();
    setBusy(true);
    // The number leaves the page's state as soon as it is sent: it is never shown back.
    setValue('');
    try {
      const r = await request<ChangeAccepted>(`/api/persons/${encodeURIComponent(atenaNo)}/my-number`, { method: 'POST', body: { myNumber: n, jimu } });
      setError(null);
      setFieldErrors({});
      onAccepted(r);
    } catch (err) {
      setError(err);
      setFieldErrors(fieldErrorsOf(err));
      document.getElementById('mynumber-new')?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form mynumber__form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="mynumber-set-heading">
      <h3 id="mynumber-set-heading">個人番号の{what}</h3>
      <p className="hint">入力した内容は、入力者以外の承認者が確認した後に反映されます。送信後、入力欄は空になります。</p>
      <ErrorMessage error={error} />
      <div className="form-grid">
        <TextField
          id="mynumber-new"
          label={registered ? '訂正後の個人番号（12桁）' : '個人番号（12桁）'}
          hint="全角数字・空白・ハイフンを含めて入力しても構いません。"
          value={value}
          onChange={setValue}
          inputMode="numeric"
          autoComplete="off"
          spellCheck={false}
          maxLength={20}
          required
          error={fieldErrors.myNumber}
        />
        <SelectField
          id="mynumber-set-jimu"
          label={`${what}の事務`}
          value={jimu}
          onChange={setJimu}
          placeholder="選択してください"
          options={list.map((j) => ({ value: j.code, label: j.name }))}
          hint={jimuHint(list, jimu, `個人番号の${what}ができる事務を選択してください。`)}
          required
          error={fieldErrors.jimu}
        />
      </div>
      <div className="form__actions">
        <button type="submit" className="button" disabled={busy}>
          {what}を申請
        </button>
      </div>
    </form>
  );
}

/** 削除: a reason, the 事務, and a step-up (the server asks for it). */
function DeleteBlock({
  atenaNo,
  jimuList,
  stepUp,
  stepUpFor,
  setStepUpFor,
  onAccepted,
  onStart,
}: { atenaNo: string; jimuList: Jimu[] | null; onAccepted: (r: ChangeAccepted) => void; onStart: () => void } & StepUpProps): ReactNode {
  const list = useMemo(() => usable(jimuList, 'delete'), [jimuList]);
  const [reason, setReason] = useState('');
  const [jimu, setJimu] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const submitRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (list.length === 1 && jimu === '') setJimu(list[0]!.code);
  }, [list, jimu]);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (reason.trim() === '') fe.reason = '削除の理由を入力してください。';
    if (jimu === '') fe.jimu = '事務を選択してください。';
    if (Object.keys(fe).length > 0) {
      setFieldErrors(fe);
      setError(validationError(fe));
      document.getElementById(fe.reason ? 'mynumber-delete-reason' : 'mynumber-delete-jimu')?.focus();
      return;
    }
    onStart();
    setBusy(true);
    setStepUpFor('delete');
    const body = { jimu, reason: reason.trim() } satisfies ApiBody<'/api/persons/{atenaNo}/my-number/delete'>;
    await stepUp.run(
      async () => {
        const r = await request<ChangeAccepted>(`/api/persons/${encodeURIComponent(atenaNo)}/my-number/delete`, { method: 'POST', body });
        setError(null);
        setFieldErrors({});
        setReason('');
        onAccepted(r);
      },
      (err) => {
        setError(err);
        setFieldErrors(fieldErrorsOf(err));
      },
      '個人番号の削除を申請するには、本人確認のためワンタイムパスワードを入力してください。',
    );
    setBusy(false);
  }

  const asking = stepUp.asking && stepUpFor === 'delete';
  return (
    <details className="mynumber__delete">
      <summary>個人番号の削除を申請する</summary>
      {asking ? (
        <StepUpPrompt stepUp={stepUp} idPrefix="delete" submitLabel="確認して申請" setBusy={setBusy} returnFocus={submitRef} />
      ) : (
        <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="個人番号の削除">
          <p className="hint">削除も入力者以外の承認者が確認した後に反映されます。申請と承認のそれぞれで本人確認が必要です。</p>
          <ErrorMessage error={error} />
          <div className="form-grid">
            <TextField
              id="mynumber-delete-reason"
              label="削除の理由"
              hint="個人番号そのもの（12桁の数字）は入力しないでください。"
              value={reason}
              onChange={setReason}
              autoComplete="off"
              maxLength={200}
              required
              error={fieldErrors.reason}
            />
            <SelectField
              id="mynumber-delete-jimu"
              label="削除の事務"
              value={jimu}
              onChange={setJimu}
              placeholder="選択してください"
              options={list.map((j) => ({ value: j.code, label: j.name }))}
              hint={jimuHint(list, jimu, '個人番号を削除できる事務を選択してください。')}
              required
              error={fieldErrors.jimu}
            />
          </div>
          <div className="form__actions">
            <button type="submit" className="button button--danger" ref={submitRef} disabled={busy}>
              削除を申請
            </button>
          </div>
        </form>
      )}
    </details>
  );
}
