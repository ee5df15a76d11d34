/**
 * 国保資格 on the 個人 page: the current periods (記号・番号・枝番, 取得・喪失), the changes waiting for a
 * second person's confirmation, and the superseded records (what was recorded when, and by which change).
 * With eligibility.update: requests for 資格取得, 資格喪失, 訂正 and 削除 (削除 after a step-up). Nothing is
 * applied here: every request waits in 承認 until a different staff member approves it.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import {
  request,
  type AcquisitionReason,
  type ApiBody,
  type ChangeAccepted,
  type EligibilityPending,
  type EligibilityReason,
  type EligibilityReasons,
  type EligibilityVersion,
  type EligibilityView,
} from '../api.js';
import { DateText } from '../dates.js';
import { Link } from '../router.js';
import { Badge, ErrorMessage, SelectField, Spinner, TextField, fieldErrorsOf, validationError } from '../components/ui.js';
import { StepUpForm, useStepUp, type StepUp } from '../components/StepUp.js';
import { AcceptedNotice, ChangeDiff, DateHint } from '../components/changes.js';
import { parseDateInput } from '../../../src/lib/wareki.js';
import { RuleCheckSummary, checkErrorsByField, useRuleCheck } from '../components/RuleCheck.js';



/** A date typed in 和暦 or 西暦 → YYYY-MM-DD, or an error message. */
function readDate(text: string, what: string, required: boolean): { iso: string | null; error?: string } {
  const t = text.trim();
  if (t === '') return required ? { iso: null, error: `${what}を入力してください。` } : { iso: null };
  const iso = parseDateInput(t);
  return iso ? { iso } : { iso: null, error: `${what}を正しく入力してください（例：令和8年4月1日、R8.4.1、2026/4/1）。` };
}

function todayJst(): string {
  return new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
}

function reasonOptions(list: EligibilityReason[]): { value: string; label: string }[] {
  return list.map((r) => ({ value: r.code, label: r.label }));
}

function basisHint(list: EligibilityReason[], code: string): string | undefined {
  const r = list.find((x) => x.code === code);
  return r ? `根拠：${r.basis}` : undefined;
}

export function EligibilitySection({ atenaNo, canUpdate }: { atenaNo: string; canUpdate: boolean }): ReactNode {
  const [view, setView] = useState<EligibilityView | null>(null);
  const [reasons, setReasons] = useState<EligibilityReasons | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [accepted, setAccepted] = useState<ChangeAccepted | null>(null);
  const acceptedRef = useRef<HTMLDivElement>(null);
  const stepUp = useStepUp();

  const load = useCallback(
    async (signal?: AbortSignal): Promise<void> => {
      try {
        const v = await request<EligibilityView>(`/api/persons/${encodeURIComponent(atenaNo)}/eligibility`, signal ? { signal } : {});
        setView(v);
        setError(null);
      } catch (e) {
        if (e instanceof DOMException && e.name === 'AbortError') return;
        setError(e);
      }
    },
    [atenaNo],
  );

  useEffect(() => {
    const ac = new AbortController();
    void load(ac.signal);
    if (canUpdate)
      request<EligibilityReasons>('/api/eligibility/reasons', { signal: ac.signal }).then(setReasons, (e: unknown) => {
        if (!(e instanceof DOMException && e.name === 'AbortError')) setError(e);
      });
    return () => ac.abort();
  }, [load, canUpdate]);

  useEffect(() => {
    if (accepted) acceptedRef.current?.focus();
  }, [accepted]);

  const onAccepted = useCallback(
    (r: ChangeAccepted): void => {
      setAccepted(r);
      void load();
    },
    [load],
  );

  const today = todayJst();
  const insured = view?.current.some((v) => v.acquiredOn <= today && (v.lostOn === null || v.lostOn > today)) ?? false;
  const pendingAcquire = view?.pending.some((p) => p.kind === 'eligibility.acquire') ?? false;
  const openPeriod = view?.current.some((v) => v.lostOn === null) ?? false;

  return (
    <section className="card eligibility" aria-labelledby="eligibility-heading" data-testid="eligibility">
      <h2 id="eligibility-heading">国保資格</h2>
      <ErrorMessage error={error} />
      {view === null ? (
        error ? null : (
          <Spinner />
        )
      ) : (
        <>
          <p className="eligibility__status" data-testid="eligibility-status">
            現在：{insured ? <Badge kind="ok">国保加入中</Badge> : <Badge kind="muted">国保に加入していません</Badge>}
            <span className="hint">
              {' '}
              （75歳の誕生日 <DateText value={view.seventyFifthBirthday} />）
            </span>
          </p>
          <PeriodTable periods={view.current} caption="国保資格の記録（現在有効なもの）" testId="eligibility-current" />

          {accepted ? <AcceptedNotice ref={acceptedRef} accepted={accepted} /> : null}

          {view.pending.length > 0 ? <PendingList pending={view.pending} canUpdate={canUpdate} /> : null}

          {view.history.length > 0 ? (
            <details className="eligibility__history">
              <summary>訂正・削除等で置き換えられた記録（{view.history.length}件）</summary>
              <PeriodTable periods={view.history} caption="置き換えられた国保資格の記録" testId="eligibility-history" superseded />
            </details>
          ) : null}

          {canUpdate && reasons ? (
            <div className="eligibility__requests">
              <h3>資格の異動の申請</h3>
              <p className="hint">申請は入力者以外の承認者が確認した後に反映されます。</p>
              {stepUp.asking ? (
                <StepUpForm idPrefix="eligibility" intro={stepUp.intro} submitLabel="確認して申請" onVerified={stepUp.verified} onCancel={stepUp.cancel} />
              ) : null}
              {!openPeriod && !pendingAcquire ? (
                <AcquireForm
                  atenaNo={atenaNo}
                  householdNo={view.householdNo}
                  reasons={reasons.acquisition}
                  onAccepted={onAccepted}
                  onStart={() => setAccepted(null)}
                />
              ) : null}
              {view.current
                .filter((v) => !view.pending.some((p) => p.eligibilityId === v.eligibilityId))
                .map((v) => (
                  <PeriodRequestForm key={v.eligibilityId} period={v} reasons={reasons} stepUp={stepUp} onAccepted={onAccepted} onStart={() => setAccepted(null)} />
                ))}
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}

function Recorded({ v, superseded }: { v: EligibilityVersion; superseded?: boolean }): ReactNode {
  const change = superseded ? v.supersededByChange : v.recordedByChange;
  return (
    <>
      <DateText value={superseded ? v.supersededAt : v.recordedAt} />
      <br />
      {change ? (
        <span className="hint">
          変更番号 {change.changeId}（入力 {change.requestedByLabel}／承認 {change.approvedByLabel}）
        </span>
      ) : (
        <span className="hint">{(superseded ? v.supersededByLabel : v.recordedByLabel) ?? '—'}</span>
      )}
    </>
  );
}

function PeriodTable({ periods, caption, testId, superseded }: { periods: EligibilityVersion[]; caption: string; testId: string; superseded?: boolean }): ReactNode {
  if (periods.length === 0) return <p data-testid={testId}>国保資格の記録はありません。</p>;
  return (
    <div className="table-wrap" tabIndex={0} aria-label={`${caption}（横にスクロールできます）`}>
      <table className="table table--compact" data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">資格履歴番号</th>
            <th scope="col">記号・番号・枝番</th>
            <th scope="col">世帯番号</th>
            <th scope="col">資格取得日</th>
            <th scope="col">取得事由</th>
            <th scope="col">資格喪失日</th>
            <th scope="col">喪失事由</th>
            <th scope="col">{superseded ? '置き換え' : '記録'}</th>
          </tr>
        </thead>
        <tbody>
          {periods.map((v) => (
            <tr key={v.eligibilityId} data-eligibility-id={v.eligibilityId}>
              <td className="num">{v.eligibilityId}</td>
              <td className="num">
                {v.insuredSymbol} {v.insuredNumber}-{v.branchNo}
              </td>
              <td className="num">{v.householdNo}</td>
              <td>
                <DateText value={v.acquiredOn} />
                {v.prefectureAcquiredOn ? (
                  <div className="muted">
                    県の資格取得日 <DateText value={v.prefectureAcquiredOn} />
                  </div>
                ) : null}
              </td>
              <td>{v.acquisitionReasonLabel}</td>
              <td>
                <DateText value={v.lostOn} />
              </td>
              <td>
                {v.lossReasonLabel ?? <span className="muted">—</span>}
                {v.acquisitionRetroactive || v.lossRetroactive ? (
                  <span className="badge" title={`届出日: 取得 ${v.acquisitionReportedOn ?? '—'} / 喪失 ${v.lossReportedOn ?? '—'}(届出期限後: 賦課を遡って見直し)`}>
                    {' '}
                    遡及
                  </span>
                ) : null}
              </td>
              <td>
                <Recorded v={v} superseded={superseded} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PendingList({ pending, canUpdate }: { pending: EligibilityPending[]; canUpdate: boolean }): ReactNode {
  return (
    <div className="eligibility__pending" data-testid="eligibility-pending">
      <h3>承認待ちの変更</h3>
      {canUpdate ? (
        <p className="hint">
          承認・却下・取下げの後に次の変更を入力できます。ご自身が入力した変更の結果の確認と取下げは<Link to="/my-requests">申請状況</Link>から。
        </p>
      ) : null}
      <ul className="change-list">
        {pending.map((p) => (
          <li key={p.changeId} className="eligibility__pending-item">
            <p>
              <strong>
                変更番号 <span className="num">{p.changeId}</span>：{p.kindLabel}
              </strong>
              {p.eligibilityId !== null ? <>（資格履歴番号 {p.eligibilityId}）</> : null}
              <span className="hint">
                {' '}
                入力 {p.requestedByLabel}、<DateText value={p.requestedAt} />
              </span>
            </p>
            {p.warnings.length > 0 ? (
              <div className="alert alert--warning">
                <ul className="alert__fields">
                  {p.warnings.map((w, i) => (
                    <li key={i}>{w}</li>
                  ))}
                </ul>
              </div>
            ) : null}
            <ChangeDiff fields={p.fields} caption={`変更番号 ${p.changeId} の変更前と変更後`} />
          </li>
        ))}
      </ul>
    </div>
  );
}

function AcquireForm({
  atenaNo,
  householdNo,
  reasons,
  onAccepted,
  onStart,
}: {
  atenaNo: string;
  householdNo: number | null;
  reasons: AcquisitionReason[];
  onAccepted: (r: ChangeAccepted) => void;
  onStart: () => void;
}): ReactNode {
  const [household, setHousehold] = useState(householdNo !== null ? String(householdNo) : '');
  const [acquiredOn, setAcquiredOn] = useState('');
  const [reason, setReason] = useState<AcquisitionReason['code'] | ''>('');
  const [reportedOn, setReportedOn] = useState('');
  const [prefectureAcquiredOn, setPrefectureAcquiredOn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const ids: Record<string, string> = {
    householdNo: 'elig-acq-householdNo',
    acquiredOn: 'elig-acq-acquiredOn',
    acquisitionReason: 'elig-acq-reason',
    reportedOn: 'elig-acq-reportedOn',
    prefectureAcquiredOn: 'elig-acq-prefectureAcquiredOn',
  };
  // 県内転入: the prefecture-level 資格取得日 beside this city's 適用開始日 (資格取得日).
  const withinPrefecture = reason === 'moved_in_within_prefecture';
  const prefectureDate = (): { prefectureAcquiredOn?: string } => {
    const p = readDate(prefectureAcquiredOn, '県の資格取得日', false);
    return withinPrefecture && p.iso ? { prefectureAcquiredOn: p.iso } : {};
  };
  // 申請前の確認: the request's rule checks on what is typed, once it is complete enough to check.
  const draft = ((): Record<string, unknown> | null => {
    const h = household.normalize('NFKC').trim();
    const acq = readDate(acquiredOn, '資格取得日', true);
    const rep = readDate(reportedOn, '届出日', false);
    if (!/^\d{1,10}$/.test(h) || acq.iso === null || reason === '' || rep.error) return null;
    return { householdNo: Number(h), acquiredOn: acq.iso, acquisitionReason: reason, ...(rep.iso ? { reportedOn: rep.iso } : {}), ...prefectureDate() };
  })();
  const ruleCheck = useRuleCheck(`/api/persons/${encodeURIComponent(atenaNo)}/eligibility/check`, draft);
  const checkErrors = checkErrorsByField(ruleCheck);
  const draftKey = JSON.stringify(draft);
  useEffect(() => setFieldErrors({}), [draftKey]);
  const shown = (k: string): string | undefined => fieldErrors[k] ?? checkErrors[k];

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    const fe: Record<string, string> = {};
    const h = household.normalize('NFKC').trim();
    if (!/^\d{1,10}$/.test(h)) fe.householdNo = '世帯番号を数字で入力してください。';
    const acq = readDate(acquiredOn, '資格取得日', true);
    if (acq.error) fe.acquiredOn = acq.error;
    if (reason === '') fe.acquisitionReason = '資格取得事由を選択してください。';
    const rep = readDate(reportedOn, '届出日', false);
    if (rep.error) fe.reportedOn = rep.error;
    const pref = readDate(prefectureAcquiredOn, '県の資格取得日', false);
    if (withinPrefecture && pref.error) fe.prefectureAcquiredOn = pref.error;
    if (Object.keys(fe).length > 0) {
      setFieldErrors(fe);
      setError(validationError(fe));
      document.getElementById(ids[Object.keys(fe)[0]!]!)?.focus();
      return;
    }
    if (acq.iso === null || reason === '') return; // both reported above as field errors
    onStart();
    setBusy(true);
    try {
      const body = { householdNo: Number(h), acquiredOn: acq.iso, acquisitionReason: reason, ...(rep.iso ? { reportedOn: rep.iso } : {}), ...prefectureDate() } satisfies ApiBody<'/api/persons/{atenaNo}/eligibility'>;
      const r = await request<ChangeAccepted>(`/api/persons/${encodeURIComponent(atenaNo)}/eligibility`, { method: 'POST', body });
      setError(null);
      setFieldErrors({});
      onAccepted(r);
    } catch (err) {
      setError(err);
      const fe2 = fieldErrorsOf(err);
      setFieldErrors(fe2);
      const first = Object.keys(fe2).find((k) => ids[k]);
      if (first) document.getElementById(ids[first]!)?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="eligibility__form">
      <summary>資格取得を申請する</summary>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="資格取得の申請">
        <ErrorMessage error={error} />
        <div className="form-grid">
          <TextField
            id={ids.householdNo!}
            label="世帯番号"
            value={household}
            onChange={setHousehold}
            inputMode="numeric"
            autoComplete="off"
            required
            error={shown('householdNo')}
          />
          <TextField
            id={ids.acquiredOn!}
            label="資格取得日"
            hint={<DateHint text={acquiredOn} />}
            value={acquiredOn}
            onChange={setAcquiredOn}
            autoComplete="off"
            required
            error={shown('acquiredOn')}
          />
          <SelectField
            id={ids.acquisitionReason!}
            label="資格取得事由"
            value={reason}
            onChange={(code) => setReason(reasons.find((r) => r.code === code)?.code ?? '')}
            placeholder="選択してください"
            options={reasonOptions(reasons)}
            hint={basisHint(reasons, reason)}
            required
            error={shown('acquisitionReason')}
          />
          <TextField
            id={ids.reportedOn!}
            label="届出日（任意）"
            hint={<DateHint text={reportedOn} />}
            value={reportedOn}
            onChange={setReportedOn}
            autoComplete="off"
            error={shown('reportedOn')}
          />
          {withinPrefecture ? (
            <TextField
              id={ids.prefectureAcquiredOn!}
              label="県の資格取得日（前住所地で取得した日）"
              hint={<DateHint text={prefectureAcquiredOn} />}
              value={prefectureAcquiredOn}
              onChange={setPrefectureAcquiredOn}
              autoComplete="off"
              error={shown('prefectureAcquiredOn')}
            />
          ) : null}
        </div>
        <RuleCheckSummary state={ruleCheck} testId="acquire-check" />
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            資格取得を申請
          </button>
        </div>
      </form>
    </details>
  );
}

type PeriodRequest = 'loss' | 'correct' | 'delete';

/** 喪失・訂正・削除 of one current period. */
function PeriodRequestForm({
  period: v,
  reasons,
  stepUp,
  onAccepted,
  onStart,
}: {
  period: EligibilityVersion;
  reasons: EligibilityReasons;
  stepUp: StepUp;
  onAccepted: (r: ChangeAccepted) => void;
  onStart: () => void;
}): ReactNode {
  const p = `elig-${v.eligibilityId}`;
  const [kind, setKind] = useState<PeriodRequest | ''>('');
  const [lostOn, setLostOn] = useState('');
  const [lossReason, setLossReason] = useState('');
  const [lossReportedOn, setLossReportedOn] = useState('');
  const [occurredOn, setOccurredOn] = useState('');
  const [acquiredOn, setAcquiredOn] = useState('');
  const [acquisitionReason, setAcquisitionReason] = useState('');
  const [cancelLoss, setCancelLoss] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const ids: Record<string, string> = {
    kind: `${p}-kind`,
    lostOn: `${p}-lostOn`,
    lossReason: `${p}-lossReason`,
    reportedOn: `${p}-reportedOn`,
    lossReportedOn: `${p}-reportedOn`,
    occurredOn: `${p}-occurredOn`,
    acquiredOn: `${p}-acquiredOn`,
    acquisitionReason: `${p}-acquisitionReason`,
    reason: `${p}-reason`,
  };

  // 申請前の確認 of a loss or a correction: the request's rule checks on what is typed.
  const lossDraft = ((): Record<string, unknown> | null => {
    if (kind === 'correct') {
      const a = readDate(acquiredOn, '資格取得日', false);
      const l = cancelLoss ? { iso: null } : readDate(lostOn, '資格喪失日', false);
      const rep = cancelLoss ? { iso: null } : readDate(lossReportedOn, '資格喪失の届出日', false);
      if (a.error || ('error' in l && l.error) || ('error' in rep && rep.error)) return null;
      const draft = {
        ...(a.iso ? { acquiredOn: a.iso } : {}),
        ...(acquisitionReason ? { acquisitionReason } : {}),
        ...(cancelLoss ? { lostOn: null, lossReason: null } : { ...(l.iso ? { lostOn: l.iso } : {}), ...(lossReason ? { lossReason } : {}), ...(rep.iso ? { lossReportedOn: rep.iso } : {}) }),
      };
      return Object.keys(draft).length > 0 ? draft : null;
    }
    if (kind !== 'loss') return null;
    const l = readDate(lostOn, '資格喪失日', true);
    const rep = readDate(lossReportedOn, '届出日', false);
    const occ = readDate(occurredOn, '事由発生日', false);
    if (l.iso === null || lossReason === '' || rep.error || occ.error) return null;
    return { lostOn: l.iso, lossReason, ...(rep.iso ? { reportedOn: rep.iso } : {}), ...(occ.iso ? { occurredOn: occ.iso } : {}) };
  })();
  const ruleCheck = useRuleCheck(`/api/eligibility/${v.eligibilityId}/${kind === 'correct' ? 'correct' : 'loss'}/check`, lossDraft);
  const checkErrors = checkErrorsByField(ruleCheck);
  const lossDraftKey = JSON.stringify(lossDraft);
  useEffect(() => {
    if (lossDraftKey !== 'null') setFieldErrors({});
  }, [lossDraftKey]);
  const shown = (k: string): string | undefined => fieldErrors[k] ?? checkErrors[k];

  const kinds: { value: PeriodRequest; label: string }[] = [
    ...(v.lostOn === null ? [{ value: 'loss' as const, label: '資格喪失' }] : []),
    { value: 'correct', label: '訂正（記録の誤りを正す）' },
    { value: 'delete', label: '削除（誤って記録した資格）' },
  ];

  function fail(fe: Record<string, string>): void {
    setFieldErrors(fe);
    setError(validationError(fe));
    document.getElementById(ids[Object.keys(fe)[0]!]!)?.focus();
  }

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    const fe: Record<string, string> = {};
    let path = '';
    let body: Record<string, unknown> = {};
    if (kind === '') fe.kind = '申請の種類を選択してください。';
    else if (kind === 'loss') {
      const d = readDate(lostOn, '資格喪失日', true);
      if (d.error) fe.lostOn = d.error;
      if (lossReason === '') fe.lossReason = '資格喪失事由を選択してください。';
      const rep = readDate(lossReportedOn, '届出日', false);
      if (rep.error) fe.reportedOn = rep.error;
      const occ = readDate(occurredOn, '事由発生日', false);
      if (occ.error) fe.occurredOn = occ.error;
      path = 'loss';
      body = { lostOn: d.iso, lossReason, ...(rep.iso ? { reportedOn: rep.iso } : {}), ...(occ.iso ? { occurredOn: occ.iso } : {}) };
    } else if (kind === 'correct') {
      const a = readDate(acquiredOn, '資格取得日', false);
      if (a.error) fe.acquiredOn = a.error;
      const l = cancelLoss ? { iso: null } : readDate(lostOn, '資格喪失日', false);
      if (l.error) fe.lostOn = l.error;
      const rep = cancelLoss ? { iso: null } : readDate(lossReportedOn, '資格喪失の届出日', false);
      if (rep.error) fe.lossReportedOn = rep.error;
      path = 'correct';
      body = {
        ...(a.iso ? { acquiredOn: a.iso } : {}),
        ...(acquisitionReason ? { acquisitionReason } : {}),
        ...(cancelLoss ? { lostOn: null, lossReason: null } : { ...(l.iso ? { lostOn: l.iso } : {}), ...(lossReason ? { lossReason } : {}), ...(rep.iso ? { lossReportedOn: rep.iso } : {}) }),
      };
      if (Object.keys(fe).length === 0 && Object.keys(body).length === 0) fe.acquiredOn = '訂正する項目を1つ以上入力してください。';
    } else {
      if (reason.trim() === '') fe.reason = '削除の理由を入力してください。';
      path = 'delete';
      body = { reason: reason.trim() };
    }
    if (Object.keys(fe).length > 0) {
      fail(fe);
      return;
    }
    onStart();
    setBusy(true);
    setError(null);
    setFieldErrors({});
    await stepUp.run(
      async () => {
        const r = await request<ChangeAccepted>(`/api/eligibility/${v.eligibilityId}/${path}`, { method: 'POST', body });
        onAccepted(r);
      },
      (err) => {
        setError(err);
        const fe2 = fieldErrorsOf(err);
        setFieldErrors(fe2);
        const first = Object.keys(fe2).find((k) => ids[k]);
        if (first) document.getElementById(ids[first]!)?.focus();
      },
      '資格記録の削除を申請するには、本人確認のためワンタイムパスワードを入力してください。',
    );
    setBusy(false);
  }

  return (
    <details className="eligibility__form" data-testid={`eligibility-request-${v.eligibilityId}`}>
      <summary>
        資格履歴番号 {v.eligibilityId}（<DateText value={v.acquiredOn} />
        〜）の喪失・訂正・削除を申請する
      </summary>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label={`資格履歴番号 ${v.eligibilityId} の申請`}>
        <ErrorMessage error={error} />
        <SelectField
          id={ids.kind!}
          label="申請の種類"
          value={kind}
          onChange={(x) => setKind(x as PeriodRequest | '')}
          placeholder="選択してください"
          options={kinds}
          required
          error={fieldErrors.kind}
        />
        {kind === 'loss' || kind === 'correct' ? (
          <div className="form-grid">
            {kind === 'correct' ? (
              <>
                <TextField
                  id={ids.acquiredOn!}
                  label="訂正後の資格取得日"
                  hint={<DateHint text={acquiredOn} />}
                  value={acquiredOn}
                  onChange={setAcquiredOn}
                  autoComplete="off"
                  error={fieldErrors.acquiredOn}
                />
                <SelectField
                  id={ids.acquisitionReason!}
                  label="訂正後の資格取得事由"
                  value={acquisitionReason}
                  onChange={setAcquisitionReason}
                  placeholder="変更しない"
                  options={reasonOptions(reasons.acquisition)}
                  error={fieldErrors.acquisitionReason}
                />
              </>
            ) : null}
            {!cancelLoss ? (
              <>
                <TextField
                  id={ids.lostOn!}
                  label={kind === 'correct' ? '訂正後の資格喪失日' : '資格喪失日'}
                  hint={<DateHint text={lostOn} />}
                  value={lostOn}
                  onChange={setLostOn}
                  autoComplete="off"
                  required={kind === 'loss'}
                  error={shown('lostOn')}
                />
                <SelectField
                  id={ids.lossReason!}
                  label={kind === 'correct' ? '訂正後の資格喪失事由' : '資格喪失事由'}
                  value={lossReason}
                  onChange={setLossReason}
                  placeholder={kind === 'correct' ? '変更しない' : '選択してください'}
                  options={reasonOptions(reasons.loss)}
                  hint={basisHint(reasons.loss, lossReason)}
                  required={kind === 'loss'}
                  error={shown('lossReason')}
                />
                {kind === 'loss' ? (
                  <>
                    <TextField
                      id={ids.occurredOn!}
                      label="事由発生日"
                      hint="社保の資格取得日・保護開始日・国保組合の資格取得日など。資格喪失日と照合します"
                      value={occurredOn}
                      onChange={setOccurredOn}
                      autoComplete="off"
                      error={shown('occurredOn')}
                    />
                    <TextField
                      id={ids.reportedOn!}
                      label="届出日"
                      hint={<DateHint text={lossReportedOn} />}
                      value={lossReportedOn}
                      onChange={setLossReportedOn}
                      autoComplete="off"
                      error={shown('reportedOn') ?? shown('lossReportedOn')}
                    />
                  </>
                ) : kind === 'correct' && !cancelLoss ? (
                  <TextField
                    id={ids.reportedOn!}
                    label="訂正後の資格喪失の届出日"
                    hint={<DateHint text={lossReportedOn} />}
                    value={lossReportedOn}
                    onChange={setLossReportedOn}
                    autoComplete="off"
                    error={shown('lossReportedOn')}
                  />
                ) : null}
              </>
            ) : null}
            {kind === 'correct' && v.lostOn !== null ? (
              <div className="field field--checkbox">
                <input type="checkbox" id={`${p}-cancelLoss`} checked={cancelLoss} onChange={(e) => setCancelLoss(e.target.checked)} />
                <label htmlFor={`${p}-cancelLoss`}>資格喪失を取り消す（喪失日・喪失事由を消す）</label>
              </div>
            ) : null}
          </div>
        ) : null}
        {kind === 'delete' ? (
          <TextField
            id={ids.reason!}
            label="削除の理由"
            hint="削除には本人確認（ワンタイムパスワード）が必要です。承認者も本人確認の上で承認します。"
            value={reason}
            onChange={setReason}
            autoComplete="off"
            maxLength={200}
            required
            error={fieldErrors.reason}
          />
        ) : null}
        {kind === 'loss' || kind === 'correct' ? <RuleCheckSummary state={ruleCheck} testId={`${kind}-check-${v.eligibilityId}`} /> : null}
        <div className="form__actions">
          <button type="submit" className={kind === 'delete' ? 'button button--danger' : 'button'} disabled={busy}>
            申請
          </button>
        </div>
      </form>
    </details>
  );
}
