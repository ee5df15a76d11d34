/**
 * 利用者管理 (user.admin): staff accounts, role grants and revokes, disabling, unlocking and the
 * access-rights review (権限の棚卸し). The server asks for a fresh one-time password before permission
 * changes and disabling; the page prompts for it and repeats the operation. Registering an account,
 * granting a role and re-issuing credentials are requests: a second administrator approves them on the
 * 承認 page, where the approver (never the requester) is shown the new account's activation code once.
 * No password is ever chosen here for someone else.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import {
  ApiError,
  query,
  request,
  type AccessReview,
  type ApiBody,
  type ApiOk,
  type Me,
  type RoleInfo,
  type StaffAccount,
  type StaffChangeRequested,
  type StaffList,
} from '../api.js';
import { DatePreview, DateText } from '../dates.js';
import { grantActionLabel, officeKindLabel } from '../labels.js';
import { Badge, DoneNotice, ErrorMessage, PageHeading, SelectField, Spinner, TextField, fieldErrorsOf, validationError } from '../components/ui.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { StepUpPrompt, useStepUp } from '../components/StepUp.js';
import { parseDateInput } from '../../../src/lib/wareki.js';



function roleName(roles: RoleInfo[], code: string): string {
  return roles.find((r) => r.roleCode === code)?.name ?? code;
}

export function AdminPage({ me }: { me: Me }): ReactNode {
  const [data, setData] = useState<StaffList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);

  const load = useCallback(async (signal?: AbortSignal): Promise<void> => {
    try {
      const r = await request<StaffList>('/api/admin/staff', signal ? { signal } : {});
      setData(r);
      setError(null);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      setError(e);
    }
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    void load(ac.signal);
    return () => ac.abort();
  }, [load]);

  const selectedStaff = data?.items.find((s) => s.staffId === selected) ?? null;

  return (
    <>
      <PageHeading title="利用者管理">利用者管理</PageHeading>
      <ErrorMessage error={error} />
      {data === null ? (
        error ? null : (
          <Spinner />
        )
      ) : (
        <>
          <section aria-labelledby="staff-list-heading">
            <h2 id="staff-list-heading">
              職員の一覧<span className="subtitle">（{data.items.length}名）</span>
            </h2>
            <div className="table-wrap" tabIndex={0} aria-label="職員の一覧の表（横にスクロールできます）">
              <table className="table table--compact" data-testid="staff-list">
                <caption className="visually-hidden">職員の一覧（所属・ロール・状態）</caption>
                <thead>
                  <tr>
                    <th scope="col">職員ID</th>
                    <th scope="col">氏名</th>
                    <th scope="col">所属</th>
                    <th scope="col">ロール</th>
                    <th scope="col">状態</th>
                    <th scope="col">操作</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((s) => (
                    <tr key={s.staffId} data-staff-id={s.staffId}>
                      <th scope="row" className="num">
                        {s.staffId}
                      </th>
                      <td>{s.displayName}</td>
                      <td>
                        {s.officeName}
                        <span className="hint">（{officeKindLabel(s.officeKind)}）</span>
                      </td>
                      <td>{s.roles.length > 0 ? s.roles.map((r) => roleName(data.roles, r)).join('、') : <span className="muted">なし</span>}</td>
                      <td>
                        <StaffState staff={s} />
                      </td>
                      <td>
                        <button
                          type="button"
                          className="button button--secondary button--small"
                          aria-expanded={selected === s.staffId}
                          aria-controls="staff-panel"
                          onClick={() => setSelected(selected === s.staffId ? null : s.staffId)}
                        >
                          管理<span className="visually-hidden">（{s.staffId}）</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          {selectedStaff ? (
            <StaffPanel
              key={selectedStaff.staffId}
              staff={selectedStaff}
              roles={data.roles}
              isSelf={selectedStaff.staffId === me.staffId}
              onChanged={() => load()}
              onClose={() => setSelected(null)}
            />
          ) : null}

          <CreateStaffForm data={data} onCreated={() => load()} />
        </>
      )}
      <AccessReviewSection />
    </>
  );
}

function StaffState({ staff: s }: { staff: StaffAccount }): ReactNode {
  return (
    <span className="badges">
      {s.disabled ? (
        <Badge kind="muted" title={s.disabledReason ? `理由：${s.disabledReason}` : undefined}>
          無効
        </Badge>
      ) : (
        <Badge kind="ok">有効</Badge>
      )}
      {s.locked ? (
        <>
          {' '}
          <Badge kind="warning">ロック中</Badge>
        </>
      ) : null}
      {!s.locked && s.failedLogins > 0 ? <span className="hint"> ログイン失敗 {s.failedLogins}回</span> : null}
      {s.awaitingActivation && !s.disabled ? (
        <>
          {' '}
          <Badge kind="warning" title="初回登録コードで本人がパスワードとワンタイムパスワードを登録するまでログインできません">
            初回登録待ち
          </Badge>
        </>
      ) : null}
    </span>
  );
}

/** One staff member: roles (grant / revoke), unlock, disable. */
function StaffPanel({
  staff: s,
  roles,
  isSelf,
  onChanged,
  onClose,
}: {
  staff: StaffAccount;
  roles: RoleInfo[];
  isSelf: boolean;
  onChanged: () => Promise<void>;
  onClose: () => void;
}): ReactNode {
  const stepUp = useStepUp();
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [grantRole, setGrantRole] = useState('');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const base = `/api/admin/staff/${encodeURIComponent(s.staffId)}`;

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  const grantable = useMemo(() => roles.filter((r) => !s.roles.includes(r.roleCode)), [roles, s.roles]);

  async function act(action: () => Promise<string>, intro: string): Promise<void> {
    setBusy(true);
    setError(null);
    setFieldErrors({});
    setDone(null);
    await stepUp.run(
      async () => {
        const message = await action();
        await onChanged();
        setDone(message);
      },
      (e) => {
        setError(e);
        setFieldErrors(fieldErrorsOf(e));
      },
      intro,
    );
    setBusy(false);
  }

  function grant(e: FormEvent): void {
    e.preventDefault();
    if (grantRole === '') {
      const fe = { roleCode: '付与するロールを選択してください。' };
      setFieldErrors(fe);
      setError(validationError(fe));
      document.getElementById('grant-role')?.focus();
      return;
    }
    const role = grantRole;
    void act(async () => {
      const r = await request<StaffChangeRequested>(`${base}/roles`, { method: 'POST', body: { roleCode: role } satisfies ApiBody<'/api/admin/staff/{staffId}/roles'> });
      setGrantRole('');
      return `${s.staffId} へのロール「${roleName(roles, role)}」の付与を申請しました（変更番号 ${r.changeId}）。別の利用者管理者が「承認」画面で承認すると付与されます。`;
    }, 'ロールの付与を申請するには、本人確認のためワンタイムパスワードを入力してください。');
  }

  function revoke(role: string): void {
    void act(async () => {
      await request<unknown>(`${base}/roles/${encodeURIComponent(role)}/revoke`, { method: 'POST', body: {} });
      return `${s.staffId} からロール「${roleName(roles, role)}」を剥奪しました。次の操作から反映されます。`;
    }, 'ロールを剥奪するには、本人確認のためワンタイムパスワードを入力してください。');
  }

  function unlock(): void {
    void act(async () => {
      await request<unknown>(`${base}/unlock`, { method: 'POST', body: {} });
      return `${s.staffId} のロックを解除しました。`;
    }, 'ロックを解除するには、本人確認のためワンタイムパスワードを入力してください。');
  }

  function askDisable(e: FormEvent): void {
    e.preventDefault();
    if (reason.trim() === '') {
      const fe = { reason: '無効化の理由を入力してください。' };
      setFieldErrors(fe);
      setError(validationError(fe));
      document.getElementById('disable-reason')?.focus();
      return;
    }
    setConfirming(true);
  }

  function reissue(e: FormEvent): void {
    e.preventDefault();
    void act(async () => {
      const r = await request<StaffChangeRequested>(`${base}/reset`, { method: 'POST', body: {} satisfies ApiBody<'/api/admin/staff/{staffId}/reset'> });
      return `${s.staffId} の認証情報の再発行を申請しました（変更番号 ${r.changeId}）。別の利用者管理者が「承認」画面で承認すると、初回登録コードがその管理者に表示されます。`;
    }, '認証情報の再発行を申請するには、本人確認のためワンタイムパスワードを入力してください。');
  }

  function disable(): void {
    setConfirming(false);
    const why = reason.trim();
    void act(async () => {
      const r = await request<ApiOk<'/api/admin/staff/{staffId}/disable', 'post'>>(`${base}/disable`, { method: 'POST', body: { reason: why } satisfies ApiBody<'/api/admin/staff/{staffId}/disable'> });
      setReason('');
      return `${s.staffId} を無効化しました。利用中のセッション ${r.sessionsEnded}件を終了しました。`;
    }, '職員を無効化するには、本人確認のためワンタイムパスワードを入力してください。');
  }

  return (
    <section className="card staff-panel" id="staff-panel" aria-labelledby="staff-panel-heading" data-testid="staff-panel">
      <h2 id="staff-panel-heading" ref={headingRef} tabIndex={-1}>
        職員 <span className="num">{s.staffId}</span>（{s.displayName}）の管理
      </h2>
      <dl className="summary">
        <div>
          <dt>所属</dt>
          <dd>{s.officeName}</dd>
        </div>
        <div>
          <dt>状態</dt>
          <dd>
            <StaffState staff={s} />
          </dd>
        </div>
        {s.disabled ? (
          <>
            <div>
              <dt>無効化日時</dt>
              <dd>
                <DateText value={s.disabledAt} />
              </dd>
            </div>
            <div>
              <dt>無効化の理由</dt>
              <dd>{s.disabledReason ?? <span className="muted">—</span>}</dd>
            </div>
          </>
        ) : null}
        {s.locked ? (
          <div>
            <dt>ロック解除予定</dt>
            <dd>
              <DateText value={s.lockedUntil} />
            </dd>
          </div>
        ) : null}
        <div>
          <dt>登録日時</dt>
          <dd>
            <DateText value={s.createdAt} />
          </dd>
        </div>
      </dl>

      <DoneNotice message={done} />
      <ErrorMessage error={error} />
      {isSelf ? <p className="alert alert--warning">ご自身のアカウントです。自分へのロールの付与や無効化はできません（別の利用者管理者が行います）。</p> : null}

      {stepUp.asking ? (
        <StepUpPrompt stepUp={stepUp} idPrefix="admin" setBusy={setBusy} returnFocus={headingRef} />
      ) : (
        <>
          <h3 id="staff-roles-heading">ロール</h3>
          {s.roles.length === 0 ? (
            <p>付与されているロールはありません。</p>
          ) : (
            <ul className="role-list" aria-labelledby="staff-roles-heading">
              {s.roles.map((r) => (
                <li key={r}>
                  <span>
                    {roleName(roles, r)} <span className="hint num">（{r}）</span>
                  </span>{' '}
                  <button type="button" className="button button--secondary button--small" disabled={busy} onClick={() => revoke(r)}>
                    剥奪<span className="visually-hidden">（{roleName(roles, r)}）</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {!s.disabled && !isSelf ? (
            <form className="form" onSubmit={grant} noValidate aria-label="ロールの付与">
              <div className="form-grid">
                <SelectField
                  id="grant-role"
                  label="付与するロール"
                  value={grantRole}
                  onChange={setGrantRole}
                  placeholder="選択してください"
                  options={grantable.map((r) => ({ value: r.roleCode, label: `${r.name}（${r.roleCode}）` }))}
                  error={fieldErrors.roleCode}
                />
              </div>
              <div className="form__actions">
                <button type="submit" className="button" disabled={busy}>
                  付与
                </button>
              </div>
            </form>
          ) : null}

          {s.locked ? (
            <>
              <h3>ロックの解除</h3>
              <p>ログイン失敗が続いたためロックされています。本人確認の上で解除してください。</p>
              <div className="form__actions">
                <button type="button" className="button" disabled={busy} onClick={unlock}>
                  ロックを解除
                </button>
              </div>
            </>
          ) : null}

          {!s.disabled && !isSelf ? (
            <form className="form" onSubmit={reissue} noValidate aria-labelledby="reset-heading">
              <h3 id="reset-heading">認証情報の再発行</h3>
              <p className="hint">
                パスワードを忘れた・認証アプリやセキュリティキーの端末をなくした職員のために申請します。別の利用者管理者が承認すると、現在のパスワード・ワンタイムパスワード・セキュリティキーは使えなくなり、利用中のセッションはすべて終了し、承認した管理者に初回登録コードが表示されます。本人はそのコードで、自分でパスワードを設定し直します。
              </p>
              <div className="form__actions">
                <button type="submit" className="button" disabled={busy}>
                  再発行を申請
                </button>
              </div>
            </form>
          ) : null}

          {!s.disabled && !isSelf ? (
            <form className="form" onSubmit={askDisable} noValidate aria-labelledby="disable-heading">
              <h3 id="disable-heading">無効化</h3>
              <p className="hint">退職・異動等で利用しなくなった職員を無効化します。ログインできなくなり、利用中のセッションはすべて直ちに終了します。</p>
              <TextField
                id="disable-reason"
                label="無効化の理由"
                value={reason}
                onChange={setReason}
                autoComplete="off"
                maxLength={200}
                required
                error={fieldErrors.reason}
              />
              <div className="form__actions">
                <button type="submit" className="button button--danger" disabled={busy}>
                  無効化…
                </button>
              </div>
            </form>
          ) : null}
        </>
      )}

      <div className="form__actions form__actions--secondary">
        <button type="button" className="button button--link" onClick={onClose}>
          閉じる
        </button>
      </div>

      <ConfirmDialog open={confirming} title={`職員 ${s.staffId} を無効化しますか`} confirmLabel="無効化する" busy={busy} onConfirm={disable} onCancel={() => setConfirming(false)}>
        <p>
          {s.displayName}（{s.staffId}）はログインできなくなり、利用中のセッションもすべて直ちに終了します。この操作は画面から取り消せません。
        </p>
        <p>理由：{reason.trim()}</p>
      </ConfirmDialog>
    </section>
  );
}

interface NewStaffForm {
  staffId: string;
  displayName: string;
  officeCode: string;
  roles: string[];
}

const EMPTY_STAFF: NewStaffForm = { staffId: '', displayName: '', officeCode: '', roles: [] };

function CreateStaffForm({ data, onCreated }: { data: StaffList; onCreated: () => Promise<void> }): ReactNode {
  const [form, setForm] = useState<NewStaffForm>(EMPTY_STAFF);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [requested, setRequested] = useState<StaffChangeRequested | null>(null);
  const stepUp = useStepUp();
  const requestedRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (requested) requestedRef.current?.focus();
  }, [requested]);

  const set = (k: Exclude<keyof NewStaffForm, 'roles'>) => (v: string) => setForm((f) => ({ ...f, [k]: v }));

  function toggleRole(code: string, on: boolean): void {
    setForm((f) => ({ ...f, roles: on ? [...f.roles, code] : f.roles.filter((r) => r !== code) }));
  }

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    const body = { ...form, staffId: form.staffId.normalize('NFKC').trim(), displayName: form.displayName.trim() };
    const fe: Record<string, string> = {};
    if (!/^[A-Za-z0-9._-]{3,32}$/.test(body.staffId)) fe.staffId = '職員IDは半角英数字と . _ - の3〜32文字で入力してください。';
    if (body.displayName === '') fe.displayName = '氏名を入力してください。';
    if (body.officeCode === '') fe.officeCode = '所属を選択してください。';
    if (Object.keys(fe).length > 0) {
      setFieldErrors(fe);
      setError(validationError(fe));
      document.getElementById(`new-${Object.keys(fe)[0]!}`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setFieldErrors({});
    setRequested(null);
    await stepUp.run(
      async () => {
        const r = await request<StaffChangeRequested>('/api/admin/staff', { method: 'POST', body });
        setForm(EMPTY_STAFF);
        setRequested(r);
        await onCreated();
      },
      (err) => {
        setError(err);
        setFieldErrors(fieldErrorsOf(err, { roleCode: 'roles' }));
      },
      '職員の登録を申請するには、本人確認のためワンタイムパスワードを入力してください。',
    );
    setBusy(false);
  }

  return (
    <section className="card" aria-labelledby="create-staff-heading">
      <h2 id="create-staff-heading">職員の登録</h2>
      <p className="hint">
        登録は申請です。別の利用者管理者が「承認」画面で承認すると登録され、承認した管理者に<strong>初回登録コード</strong>が一度だけ表示されます。パスワードは本人が初回登録で自分で決めます（管理者は決めません）。
      </p>
      {requested ? (
        <div ref={requestedRef} tabIndex={-1} className="alert alert--success" role="status" data-testid="staff-requested">
          <p className="alert__message">
            職員 <span className="num">{requested.staffId}</span> の登録を申請しました（変更番号 <span className="num">{requested.changeId}</span>）。
          </p>
          <p>別の利用者管理者の承認を待っています。承認されるまで、この職員は一覧に表示されません。</p>
        </div>
      ) : null}
      {stepUp.asking ? (
        <StepUpPrompt stepUp={stepUp} idPrefix="create" setBusy={setBusy} />
      ) : (
        <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="create-staff-heading">
          <ErrorMessage error={error} />
          <div className="form-grid">
            <TextField
              id="new-staffId"
              label="職員ID"
              hint="半角英数字と . _ - の3〜32文字"
              value={form.staffId}
              onChange={set('staffId')}
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              required
              error={fieldErrors.staffId}
            />
            <TextField id="new-displayName" label="氏名" value={form.displayName} onChange={set('displayName')} autoComplete="off" required error={fieldErrors.displayName} />
            <SelectField
              id="new-officeCode"
              label="所属"
              value={form.officeCode}
              onChange={set('officeCode')}
              placeholder="選択してください"
              options={data.offices.map((o) => ({ value: o.officeCode, label: `${o.name}（${officeKindLabel(o.kind)}）` }))}
              required
              error={fieldErrors.officeCode}
            />
          </div>
          <fieldset className="fieldset" aria-describedby={fieldErrors.roles ? 'new-roles-error' : undefined}>
            <legend>ロール</legend>
            {fieldErrors.roles ? (
              <div id="new-roles-error" className="field-error">
                <span aria-hidden="true">⚠ </span>
                {fieldErrors.roles}
              </div>
            ) : null}
            <div className="checkbox-grid">
              {data.roles.map((r) => (
                <div className="field field--checkbox" key={r.roleCode}>
                  <input
                    type="checkbox"
                    id={`new-role-${r.roleCode}`}
                    checked={form.roles.includes(r.roleCode)}
                    onChange={(e) => toggleRole(r.roleCode, e.target.checked)}
                  />
                  <label htmlFor={`new-role-${r.roleCode}`}>
                    {r.name}
                    <span className="hint num">（{r.roleCode}）</span>
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              登録を申請
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

const REVIEW_ACTIONS_ORDER = ['create', 'grant', 'revoke', 'disable', 'enable'];

function AccessReviewSection(): ReactNode {
  const [since, setSince] = useState('');
  const [result, setResult] = useState<AccessReview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLParagraphElement>(null);
  const iso = since.trim() ? parseDateInput(since.trim()) : null;

  useEffect(() => {
    if (result) summaryRef.current?.focus();
  }, [result]);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (!iso) {
      const msg = since.trim() === '' ? '基準日を入力してください。' : '基準日を正しく入力してください（例：令和8年4月1日、R8.4.1、2026/4/1）。';
      setFieldError(msg);
      setError(new ApiError(400, 'validation', msg));
      document.getElementById('review-since')?.focus();
      return;
    }
    setBusy(true);
    try {
      const r = await request<AccessReview>('/api/admin/access-review' + query({ since: iso }));
      setResult(r);
      setError(null);
      setFieldError(undefined);
    } catch (err) {
      setError(err);
      setFieldError(err instanceof ApiError ? err.fieldMessage('since') : undefined);
    } finally {
      setBusy(false);
    }
  }

  const counts = result ? REVIEW_ACTIONS_ORDER.map((a) => ({ a, n: result.changes.filter((c) => c.action === a).length })).filter((x) => x.n > 0) : [];
  return (
    <section className="card" aria-labelledby="review-heading">
      <h2 id="review-heading">権限の棚卸し</h2>
      <p className="hint">基準日以降のロールの付与・剥奪、職員の登録・無効化と、現在の全職員のロールを確認します（人事異動時など）。</p>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="権限の棚卸しの条件">
        <ErrorMessage error={error} />
        <div className="form-grid">
          <TextField
            id="review-since"
            label="基準日"
            hint={<DatePreview text={since} />}
            value={since}
            onChange={setSince}
            autoComplete="off"
            required
            error={fieldError}
          />
        </div>
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            表示
          </button>
          {result ? (
            <a className="button button--secondary" href={'/api/admin/access-review' + query({ since: result.since, format: 'csv' })} download>
              CSVをダウンロード
            </a>
          ) : null}
        </div>
      </form>
      {result ? (
        <div aria-live="polite">
          <p ref={summaryRef} tabIndex={-1} className="result-count" data-testid="review-summary">
            <DateText value={result.since} />
            以降の変更 <strong>{result.changes.length}</strong> 件
            {counts.length > 0 ? `（${counts.map((c) => `${grantActionLabel(c.a)} ${c.n}件`).join('、')}）` : ''}／職員 {result.staff.length} 名
          </p>
          {result.changes.length > 0 ? (
            <div className="table-wrap" tabIndex={0} aria-label="権限の変更の表">
              <table className="table table--compact" data-testid="review-changes">
                <caption className="visually-hidden">基準日以降の権限の変更</caption>
                <thead>
                  <tr>
                    <th scope="col">日時</th>
                    <th scope="col">職員ID</th>
                    <th scope="col">変更</th>
                    <th scope="col">ロール</th>
                    <th scope="col">実施者</th>
                    <th scope="col">承認者</th>
                  </tr>
                </thead>
                <tbody>
                  {result.changes.map((c, i) => (
                    <tr key={i}>
                      <td>
                        <DateText value={c.at} />
                      </td>
                      <td className="num">{c.staffId}</td>
                      <td>{grantActionLabel(c.action)}</td>
                      <td className="num">{c.roleCode ?? <span className="muted">—</span>}</td>
                      <td>{c.byLabel}</td>
                      <td>{c.approvedByLabel ?? <span className="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
