/**
 * Thin client for the same-origin JSON API. Session cookies are HttpOnly, so the only secret the page
 * holds is the CSRF token (kept in memory only, never in storage); every unsafe method sends it.
 */

import type { components, paths } from './api.generated.js';

export type Me = Schemas['Me'];

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldError[];
  readonly correlationId: string | undefined;

  constructor(status: number, code: string, message: string, fields: FieldError[] = [], correlationId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.correlationId = correlationId;
  }

  /** The message for one input, if the server (or the page) flagged it. */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((f) => f.field === field)?.message;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: ((err: ApiError) => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called for a 401 from any call not marked `auth: true` (i.e. the session ended while in use). */
export function setUnauthorizedHandler(handler: ((err: ApiError) => void) | null): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Part of the login flow: a 401 here is a wrong credential, not an expired session. */
  auth?: boolean;
  signal?: AbortSignal;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toApiError(status: number, body: unknown): ApiError {
  if (isRecord(body) && isRecord(body.error)) {
    const e = body.error;
    const fields = Array.isArray(e.fields)
      ? e.fields.filter(isRecord).map((f) => ({ field: String(f.field ?? ''), message: String(f.message ?? '') }))
      : [];
    return new ApiError(
      status,
      typeof e.code === 'string' ? e.code : 'error',
      typeof e.message === 'string' && e.message !== '' ? e.message : defaultMessage(status),
      fields,
      typeof body.correlationId === 'string' ? body.correlationId : undefined,
    );
  }
  return new ApiError(status, 'http_' + status, defaultMessage(status));
}

function defaultMessage(status: number): string {
  if (status === 401) return 'ログインが必要です。';
  if (status === 403) return 'この操作を行う権限がありません。';
  if (status === 404) return '該当するデータが見つかりません。';
  if (status === 429) return '操作が集中しています。しばらく待ってから再度お試しください。';
  if (status >= 500) return 'サーバーでエラーが発生しました。時間をおいて再度お試しください。';
  return '要求を処理できませんでした。';
}

/** Remember a CSRF token found in a response (login, second factor and /me responses carry one). */
function captureCsrf(body: unknown): void {
  if (!isRecord(body)) return;
  if (typeof body.csrfToken === 'string') csrfToken = body.csrfToken;
  else if (isRecord(body.staff) && typeof body.staff.csrfToken === 'string') csrfToken = body.staff.csrfToken;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: method === 'GET' ? undefined : JSON.stringify(opts.body ?? {}),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'サーバーに接続できませんでした。ネットワークの状態を確認してください。');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) {
    const err = toApiError(res.status, body);
    if (res.status === 401 && !opts.auth && onUnauthorized) onUnauthorized(err);
    throw err;
  }
  captureCsrf(body);
  return body as T;
}

/** Build a query string from the non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : '?' + s;
}

// ---- Request and response shapes: aliases of the types generated from the OpenAPI document ----
// (web/src/api.generated.ts, `npm run gen:api`; never declare an API shape by hand here)

type Schemas = components['schemas'];
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON a route answers on success (its 200, else its 201, else its 202 response). */
export type ApiOk<P extends keyof paths, M extends 'get' | 'post' = 'get'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer S }
    ? Json<S>
    : R extends { 201: infer S }
      ? Json<S>
      : R extends { 202: infer S }
        ? Json<S>
        : never
  : never;

/** The JSON body a route accepts. */
export type ApiBody<P extends keyof paths, M extends 'post' | 'put' = 'post'> = paths[P][M] extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;

export type Sex = Schemas['Person']['sex'];
export type ResidentStatus = Schemas['Person']['residentStatus'];

export type PersonSummary = Schemas['PersonSearchRow'];
export type PersonSearchResult = ApiOk<'/api/persons'>;

export type Household = Schemas['Household'];
export type HouseholdMember = Household['members'][number];
export type NhiStatus = NonNullable<HouseholdMember['nhi']>;
export type HistoryEntry = Household['history'][number];
/** 国保世帯 as of a day (GET /api/households/{householdNo}/nhi). */
export type NhiHousehold = Schemas['NhiHousehold'];

export type PersonDetail = Schemas['Person'];
export type PersonVersion = PersonDetail['versions'][number];

export type AuditEvent = Schemas['AuditEvent'];
export type AuditResult = ApiOk<'/api/audit/events'>;

/** True when the server asks for a fresh one-time password before this operation. */
export function isStepUpRequired(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 'step_up_required';
}

// ---- 個人番号 (the number itself only ever comes from /reveal) ----

export type Jimu = ApiOk<'/api/my-number/jimu'>['items'][number];
export type MyNumberUse = Jimu['uses'][number];
export type MyNumberStatus = ApiOk<'/api/persons/{atenaNo}/my-number'>;
export type MyNumberPendingItem = MyNumberStatus['pending'][number];

/** A change held for approval (My Number and eligibility answer the same shape). */
export type ChangeAccepted = Schemas['MyNumberChangeAccepted'] | Schemas['EligibilityChangeAccepted'];

// ---- 承認 ----

export type PendingChange = Schemas['PendingChange'];
export type ChangeStatus = PendingChange['status'];
export type ApprovalList = ApiOk<'/api/approvals'>;
export type ChangeDecided = Schemas['ChangeDecided'];
/** 申請状況: the changes the caller entered (same items as the approval list). */
export type MyRequestList = ApiOk<'/api/approvals/mine'>;
export type ChangeWithdrawn = Schemas['ChangeWithdrawn'];
/** A new account's one-time activation code, shown once to the approving administrator. */
export type ActivationHandOver = NonNullable<ChangeDecided['activation']>;

// ---- 利用者管理 ----

export type StaffAccount = Schemas['StaffAccount'];
export type OfficeKind = StaffAccount['officeKind'];
export type StaffList = ApiOk<'/api/admin/staff'>;
export type RoleInfo = StaffList['roles'][number];
export type OfficeInfo = StaffList['offices'][number];
/** Creating an account, granting a role, re-issuing credentials: requested, then approved by a second administrator. */
export type StaffChangeRequested = Schemas['StaffChangeRequested'];
export type AccessReview = ApiOk<'/api/admin/access-review'>;

// ---- 国保資格 ----

export type EligibilityVersion = Schemas['EligibilityVersion'];
export type EligibilityChangeRef = NonNullable<EligibilityVersion['recordedByChange']>;
export type EligibilityView = Schemas['Eligibility'];
/** A dry run's answer (確認): the request's rule errors and warnings, nothing saved. */
export type EligibilityCheck = Schemas['EligibilityCheck'];
export type EligibilityPending = EligibilityView['pending'][number];
export type EligibilityReasons = ApiOk<'/api/eligibility/reasons'>;
export type AcquisitionReason = EligibilityReasons['acquisition'][number];
export type EligibilityReason = AcquisitionReason | EligibilityReasons['loss'][number];

// 証の交付・回収
export type CertificateOverview = ApiOk<'/api/persons/{atenaNo}/certificates'>;
export type Certificate = Schemas['Certificate'];
export type CertificateKind = Certificate['kind'];

// ---- 所得 ----

/** Every version of a person's income (GET /api/persons/{atenaNo}/income-returns). */
export type IncomeReturns = ApiOk<'/api/persons/{atenaNo}/income-returns'>;
export type IncomeReturn = Schemas['IncomeReturn'];
export type SimpleDeclaration = ApiBody<'/api/persons/{atenaNo}/income-returns'>;
export type SimpleDeclarationResult = ApiOk<'/api/persons/{atenaNo}/income-returns', 'post'>;

// ---- 減額の届出 ----

/** 産前産後期間の届出 and 非自発的失業者の届出 (GET /api/persons/{atenaNo}/perinatal, …/unemployment). */
export type PerinatalNotification = Schemas['PerinatalNotification'];
export type UnemploymentNotification = Schemas['UnemploymentNotification'];
