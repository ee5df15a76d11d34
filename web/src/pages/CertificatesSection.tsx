/**
 * 証の交付・回収 on the 個人 page: what would be issued today (資格確認書 or 資格情報のお知らせ by the マイナ保険証
 * registration, the 一部負担金の割合 of 70–74 and the 所得区分, each with its legal basis), the certificates
 * issued with their state, printing (PDF, audited) and recording a recovery. Issuing needs certificate.issue.
 */
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { request, type Certificate, type CertificateKind, type CertificateOverview } from '../api.js';
import { DateText } from '../dates.js';
import { Badge, DoneNotice, ErrorMessage, SelectField, Spinner, TextField, fieldErrorsOf } from '../components/ui.js';
import { parseDateInput } from '../../../src/lib/wareki.js';

const KINDS: { value: CertificateKind; label: string }[] = [
  { value: 'qualification_certificate', label: '資格確認書' },
  { value: 'qualification_notice', label: '資格情報のお知らせ' },
  { value: 'limit', label: '限度額適用認定証' },
  { value: 'limit_reduced', label: '限度額適用・標準負担額減額認定証' },
  { value: 'specific_disease', label: '特定疾病療養受療証' },
];
const REASONS = [
  { value: 'acquisition', label: '資格取得' },
  { value: 'renewal', label: '一斉更新' },
  { value: 'change', label: '記載事項の変更' },
  { value: 'copay_change', label: '負担割合の変更' },
  { value: 'lost', label: '紛失・破損による再交付' },
  { value: 'application', label: '申請' },
];
const METHODS = [
  { value: 'counter', label: '窓口で交付' },
  { value: 'mail', label: '世帯主あてに郵送' },
];
const DISEASES = [
  { value: 'renal_dialysis', label: '人工腎臓を実施している慢性腎不全' },
  { value: 'hemophilia', label: '先天性血液凝固因子障害の一部(血友病)' },
  { value: 'hiv', label: '抗ウイルス剤を投与している後天性免疫不全症候群' },
];
const RECOVERY_REASONS = [
  { value: 'loss', label: '資格喪失' },
  { value: 'replaced', label: '再交付・記載変更による差替え' },
  { value: 'expired', label: '有効期限の到来' },
  { value: 'cured', label: '治癒・認定の取消し' },
  { value: 'other', label: 'その他' },
];
const RECOVERY_METHODS = [
  { value: 'counter', label: '窓口で返却' },
  { value: 'mail', label: '郵送で返却' },
  { value: 'not_returned', label: '返却なし(本人による破棄・紛失)' },
];

const byApplication = (k: string) => k === 'limit' || k === 'limit_reduced' || k === 'specific_disease';

function stateOf(c: Certificate): ReactNode {
  if (c.recoveredOn) return <Badge kind="muted">回収済み</Badge>;
  if (c.inForce) return <Badge kind="ok">有効</Badge>;
  return <Badge kind="warning">要回収</Badge>;
}

export function CertificatesSection({ atenaNo, canIssue }: { atenaNo: string; canIssue: boolean }): ReactNode {
  const [data, setData] = useState<CertificateOverview | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [recovering, setRecovering] = useState<number | null>(null);

  const load = useCallback(async () => {
    try {
      setData(await request<CertificateOverview>(`/api/persons/${atenaNo}/certificates`));
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, [atenaNo]);
  useEffect(() => {
    void load();
  }, [load]);

  if (loadError) return <section className="card" aria-labelledby="certificates-heading"><h2 id="certificates-heading">証の交付</h2><ErrorMessage error={loadError} /></section>;
  if (!data) return <Spinner />;
  const j = data.judgement;

  return (
    <section className="card certificates" aria-labelledby="certificates-heading" data-testid="certificates">
      <h2 id="certificates-heading">証の交付</h2>
      {data.insured ? (
        <dl className="summary">
          <div>
            <dt>マイナ保険証</dt>
            <dd>{data.mynaRegistered ? '利用登録あり(資格情報のお知らせを交付)' : '利用登録なし(資格確認書を交付)'}</dd>
          </div>
          {j ? (
            <>
              <div>
                <dt>一部負担金の割合</dt>
                <dd data-testid="copay">
                  {j.copay.label}
                  {j.copay.elderly ? '(高齢受給者。資格確認書・お知らせに記載)' : ''}
                </dd>
              </div>
              <div>
                <dt>所得区分</dt>
                <dd data-testid="income-class">
                  {j.incomeClass.label}
                  {j.limitKind ? `(${KINDS.find((k) => k.value === j.limitKind)?.label}で証明)` : '(認定証は不要)'}
                </dd>
              </div>
            </>
          ) : null}
        </dl>
      ) : (
        <p>今日は国民健康保険の資格がないため、証は交付できません。{data.toRecover.length > 0 ? '返されていない証を回収してください。' : ''}</p>
      )}
      {j ? (
        <details>
          <summary>判定の根拠</summary>
          <ul className="judgement-lines">
            {[...j.copay.lines, ...j.incomeClass.lines].map((l, i) => (
              <li key={i}>
                {l.label}: {l.detail} <span className="muted">({l.reference})</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      <DoneNotice message={done} />
      {data.certificates.length === 0 ? (
        <p>交付した証はありません。</p>
      ) : (
        <table className="table table--compact" aria-label="交付した証">
          <thead>
            <tr>
              <th scope="col">証番号</th>
              <th scope="col">種類</th>
              <th scope="col">交付日</th>
              <th scope="col">有効期間</th>
              <th scope="col">記載</th>
              <th scope="col">交付</th>
              <th scope="col">状態</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {data.certificates.map((c) => (
              <tr key={c.certificateId} data-testid={`certificate-${c.certificateId}`}>
                <td>{c.certificateId}</td>
                <td>{c.kindLabel}</td>
                <td>
                  <DateText value={c.issuedOn} />
                </td>
                <td>
                  <DateText value={c.validFrom} />〜<DateText value={c.validTo} empty="期限なし" />
                </td>
                <td>{[c.copayLabel, c.incomeClassLabel ? `区分${c.incomeClassLabel}` : null, c.diseaseLabel, c.selfPayLimit ? `月額${c.selfPayLimit.toLocaleString('ja-JP')}円` : null].filter(Boolean).join('・') || '—'}</td>
                <td>
                  {c.issueReasonLabel}・{c.issueMethodLabel}
                </td>
                <td>
                  {stateOf(c)}
                  {c.recoveredOn ? (
                    <div className="muted">
                      <DateText value={c.recoveredOn} /> {c.recoveryReasonLabel}・{c.recoveryMethodLabel}
                    </div>
                  ) : null}
                </td>
                <td className="actions">
                  {canIssue ? (
                    <a href={`/api/certificates/${c.certificateId}/pdf`} target="_blank" rel="noopener" data-testid={`print-${c.certificateId}`}>
                      印刷(PDF)
                    </a>
                  ) : null}
                  {canIssue && !c.recoveredOn ? (
                    <button type="button" className="button button--secondary" onClick={() => setRecovering(c.certificateId)}>
                      回収を記録
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {recovering !== null ? (
        <RecoverForm
          certificateId={recovering}
          onDone={async (m) => {
            setRecovering(null);
            await load();
            setDone(m);
          }}
          onCancel={() => setRecovering(null)}
        />
      ) : null}
      {canIssue && data.insured && j ? (
        <IssueForm
          atenaNo={atenaNo}
          suggested={data.suggestedKind ?? 'qualification_certificate'}
          elderly={j.copay.elderly}
          onDone={async (m) => {
            await load();
            setDone(m);
          }}
        />
      ) : null}
    </section>
  );
}

function IssueForm({ atenaNo, suggested, elderly, onDone }: { atenaNo: string; suggested: CertificateKind; elderly: boolean; onDone: (message: string) => Promise<void> }): ReactNode {
  const [kind, setKind] = useState<string>(suggested);
  const [reason, setReason] = useState('acquisition');
  const [method, setMethod] = useState('counter');
  const [applicationOn, setApplicationOn] = useState('');
  const [disease, setDisease] = useState('');
  const [revenueTest, setRevenueTest] = useState(false);
  const [arrears, setArrears] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fe = fieldErrorsOf(error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const app = applicationOn.trim() === '' ? undefined : parseDateInput(applicationOn.trim());
      if (app === null) throw new Error('申請年月日を正しく入力してください(例: 令和8年11月16日、R8.11.16、2026/11/16)');
      const r = await request<{ message: string }>(`/api/persons/${atenaNo}/certificates`, {
        method: 'POST',
        body: {
          kind,
          reason,
          method,
          ...(byApplication(kind) && app ? { applicationOn: app } : {}),
          ...(kind === 'specific_disease' && disease ? { disease } : {}),
          ...(elderly ? { revenueTestApplied: revenueTest } : {}),
          ...(kind === 'limit' ? { inArrears: arrears } : {}),
        },
      });
      await onDone(r.message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="issue-form" onSubmit={submit} aria-label="証を交付する">
      <h3>証を交付する</h3>
      <div className="form-grid">
        <SelectField id="cert-kind" label="種類" value={kind} onChange={(v) => { setKind(v); if (byApplication(v)) setReason('application'); }} options={KINDS} error={fe.kind} />
        <SelectField id="cert-reason" label="交付事由" value={reason} onChange={setReason} options={REASONS} error={fe.reason} />
        <SelectField id="cert-method" label="交付方法" value={method} onChange={setMethod} options={METHODS} error={fe.method} />
      </div>
      {byApplication(kind) ? (
        <TextField id="cert-application" label="申請年月日" value={applicationOn} onChange={setApplicationOn} hint="省略すると今日。申請月の初日から適用します" error={fe.applicationOn} />
      ) : null}
      {kind === 'specific_disease' ? <SelectField id="cert-disease" label="認定疾病" value={disease} onChange={setDisease} options={DISEASES} placeholder="選んでください" error={fe.disease} /> : null}
      {elderly ? (
        <label className="checkbox">
          <input type="checkbox" checked={revenueTest} onChange={(e) => setRevenueTest(e.target.checked)} /> 基準収入額適用の申請あり(収入 383万円・520万円未満の再判定)
        </label>
      ) : null}
      {kind === 'limit' ? (
        <label className="checkbox">
          <input type="checkbox" checked={arrears} onChange={(e) => setArrears(e.target.checked)} /> 国保税の滞納あり(収納の記録で確認)
        </label>
      ) : null}
      <ErrorMessage error={error} />
      <button type="submit" className="button" disabled={busy}>
        交付する
      </button>
    </form>
  );
}

function RecoverForm({ certificateId, onDone, onCancel }: { certificateId: number; onDone: (message: string) => Promise<void>; onCancel: () => void }): ReactNode {
  const [on, setOn] = useState('');
  const [reason, setReason] = useState('loss');
  const [method, setMethod] = useState('counter');
  const [error, setError] = useState<unknown>(null);
  const fe = fieldErrorsOf(error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const iso = parseDateInput(on.trim());
      if (!iso) throw new Error('回収年月日を正しく入力してください(例: 令和8年11月30日、R8.11.30、2026/11/30)');
      await request(`/api/certificates/${certificateId}/recover`, { method: 'POST', body: { recoveredOn: iso, reason, method } });
      await onDone(`証番号 ${certificateId} の回収を記録しました`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="recover-form" onSubmit={submit} aria-label={`証番号 ${certificateId} の回収`}>
      <h3>証番号 {certificateId} の回収</h3>
      <div className="form-grid">
        <TextField id="recover-on" label="回収年月日" value={on} onChange={setOn} required error={fe.recoveredOn} />
        <SelectField id="recover-reason" label="回収事由" value={reason} onChange={setReason} options={RECOVERY_REASONS} error={fe.reason} />
        <SelectField id="recover-method" label="回収方法" value={method} onChange={setMethod} options={RECOVERY_METHODS} error={fe.method} />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="button">回収を記録</button>{' '}
      <button type="button" className="button button--secondary" onClick={onCancel}>
        やめる
      </button>
    </form>
  );
}
