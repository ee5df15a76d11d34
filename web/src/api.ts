/**
 * Thin client for the same-origin JSON API. Session cookies are HttpOnly, so the only secret the page
 * holds is the CSRF token (kept in memory only, never in storage); every unsafe method sends it.
 */

export interface Me {
  staffId: string;
  displayName: string;
  officeCode: string;
  officeName: string;
  permissions: string[];
  csrfToken: string;
  hasWebauthn: boolean;
}

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

// ---- Response shapes (the API contract) ----

export type Sex = 'male' | 'female';
export type ResidentStatus = 'resident' | 'moved_out' | 'deceased';

export interface PersonSummary {
  atenaNo: number | string;
  nameKanji: string;
  nameKana: string;
  aliasKanji: string | null;
  birthDate: string;
  sex: Sex;
  residentStatus: ResidentStatus;
  householdNo: number | string | null;
  relationship: string | null;
  address: string | null;
}

export interface PersonSearchResult {
  total: number;
  totalCapped: boolean;
  page: number;
  pageSize: number;
  items: PersonSummary[];
}

export interface NhiStatus {
  insured: boolean;
  symbol: string | null;
  number: string | null;
  branchNo: string | null;
  acquiredOn: string | null;
  lostOn: string | null;
}

export interface HouseholdMember {
  atenaNo: number | string;
  nameKanji: string;
  nameKana: string;
  aliasKanji: string | null;
  birthDate: string;
  sex: Sex;
  relationship: string;
  validFrom: string;
  validTo: string | null;
  residentStatus: ResidentStatus;
  nhi: NhiStatus | null;
}

export interface HistoryEntry {
  at: string;
  by: string;
  atenaNo: number | string | null;
  table: 'person' | 'household' | 'household_member' | 'nhi_eligibility' | string;
  changedFields: string[];
  validFrom: string | null;
  changeReason: string | null;
}

export interface Household {
  householdNo: number | string;
  formedOn: string;
  dissolvedOn?: string | null;
  address: string | null;
  addressHidden?: boolean;
  headAtenaNo: number | string | null;
  isPseudoHead: boolean;
  members: HouseholdMember[];
  history: HistoryEntry[];
}

export interface PersonVersion {
  validFrom: string | null;
  changeReason: string | null;
  changedFields: string[];
  recordedAt: string;
  recordedBy: string;
}

export interface PersonDetail {
  atenaNo: number | string;
  nameKanji: string;
  nameKana: string;
  aliasKanji: string | null;
  aliasKana: string | null;
  realName: string | null;
  birthDate: string;
  sex: Sex;
  residentKind: 'japanese' | 'foreign' | string;
  residentStatus: ResidentStatus;
  address: string | null;
  previousAddress?: string | null;
  movedOutTo?: string | null;
  addressHidden: boolean;
  dvSupport?: boolean;
  householdNo: number | string | null;
  relationship: string | null;
  deathDate?: string | null;
  versions: PersonVersion[];
  hasMyNumber: boolean;
}

export interface AuditEvent {
  seq: number | string;
  occurredAt: string;
  actorId: string;
  functionCode: string;
  action: string;
  subjects: Array<number | string>;
  outcome: string;
  ip: string | null;
  terminal: string | null;
  actorKind?: 'staff' | 'operator' | 'anonymous';
  correlationId?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditResult {
  total: number;
  totalCapped?: boolean;
  page?: number;
  pageSize?: number;
  items: AuditEvent[];
}

/** True when the server asks for a fresh one-time password before this operation. */
export function isStepUpRequired(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 'step_up_required';
}

// ---- 個人番号 (the number itself only ever comes from /reveal) ----

export type MyNumberUse = 'register' | 'correct' | 'delete' | 'reveal' | 'lookup' | 'rotate';

export interface Jimu {
  code: string;
  name: string;
  legalBasis: string[];
  summary?: string;
  note?: string | null;
  uses: MyNumberUse[] | string[];
}

export interface MyNumberPendingItem {
  changeId: number;
  kind: string;
  kindLabel: string;
  requestedBy: string;
  requestedAt: string;
}

export interface MyNumberStatus {
  atenaNo: number;
  registered: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
  pending: MyNumberPendingItem[];
}

export interface ChangeAccepted {
  changeId: number;
  kind: string;
  status: 'pending';
  warnings: string[];
  message: string;
}

// ---- 承認 ----

export type ChangeStatus = 'pending' | 'approved' | 'rejected';

export interface PendingChange {
  changeId: number;
  kind: string;
  kindLabel: string;
  atenaNo: number;
  nameKanji: string;
  residentStatus: ResidentStatus | null;
  fields: { label: string; before: string | null; after: string | null }[];
  notes: { label: string; value: string }[];
  warnings: string[];
  status: ChangeStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  ownRequest: boolean;
  needsStepUp: boolean;
}

export interface ApprovalList {
  total: number;
  page: number;
  pageSize: number;
  items: PendingChange[];
}

export interface ChangeDecided {
  changeId: number;
  status: 'approved' | 'rejected';
  kind: string;
  atenaNo: number;
}

// ---- 利用者管理 ----

export type OfficeKind = 'head_office' | 'branch' | 'tax';

export interface StaffAccount {
  staffId: string;
  displayName: string;
  officeCode: string;
  officeName: string;
  officeKind: OfficeKind;
  roles: string[];
  disabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  locked: boolean;
  lockedUntil: string | null;
  failedLogins: number;
  createdAt: string;
}

export interface RoleInfo {
  roleCode: string;
  name: string;
  readOnly: boolean;
  permissions: string[];
}

export interface OfficeInfo {
  officeCode: string;
  name: string;
  kind: OfficeKind;
}

export interface StaffList {
  items: StaffAccount[];
  roles: RoleInfo[];
  offices: OfficeInfo[];
}

export interface StaffCreated {
  staffId: string;
  otpauthUri: string;
}

export interface AccessReview {
  since: string;
  generatedAt: string;
  staff: { staffId: string; displayName: string; officeName: string; roles: string[]; disabled: boolean; locked: boolean; createdAt: string }[];
  changes: { at: string; action: 'grant' | 'revoke' | 'disable' | 'enable' | 'create' | string; staffId: string; roleCode: string | null; by: string }[];
}

// ---- 国保資格 ----

export interface EligibilityChangeRef {
  changeId: number;
  kind: string;
  requestedBy: string;
  approvedBy: string;
}

export interface EligibilityVersion {
  eligibilityId: number;
  householdNo: number;
  insuredSymbol: string;
  insuredNumber: string;
  branchNo: string;
  acquiredOn: string;
  acquisitionReason: string | null;
  acquisitionReasonLabel: string;
  lostOn: string | null;
  lossReason: string | null;
  lossReasonLabel: string | null;
  recordedAt: string;
  recordedBy: string;
  supersededAt: string | null;
  supersededBy: string | null;
  recordedByChange: EligibilityChangeRef | null;
  supersededByChange: EligibilityChangeRef | null;
}

export interface EligibilityPending {
  changeId: number;
  kind: string;
  kindLabel: string;
  eligibilityId: number | null;
  requestedBy: string;
  requestedAt: string;
  fields: { label: string; before: string | null; after: string | null }[];
  warnings: string[];
}

export interface EligibilityView {
  atenaNo: number;
  nameKanji: string;
  birthDate: string;
  seventyFifthBirthday: string;
  householdNo: number | null;
  current: EligibilityVersion[];
  history: EligibilityVersion[];
  asOf: { at: string; periods: EligibilityVersion[] } | null;
  pending: EligibilityPending[];
}

export interface EligibilityReason {
  code: string;
  label: string;
  basis: string;
}

export interface EligibilityReasons {
  acquisition: EligibilityReason[];
  loss: EligibilityReason[];
}
