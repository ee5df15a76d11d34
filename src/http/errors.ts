import type { Context } from 'hono';
import type { ZodError } from 'zod';

/** Japanese labels of request fields, used to name each bad field in 400 answers. */
export const FIELD_LABELS: Record<string, string> = {
  atenaNo: '宛名番号',
  householdNo: '世帯番号',
  kana: 'カナ氏名',
  name: '漢字氏名',
  birthDate: '生年月日',
  page: 'ページ',
  pageSize: '1ページの件数',
  staffId: '職員ID',
  password: 'パスワード',
  code: 'ワンタイムパスワード',
  purpose: '利用目的',
  myNumber: '個人番号',
  response: '認証応答',
  from: '開始日時',
  to: '終了日時',
  functionCode: '業務機能',
  afterHours: '時間外のみ',
  since: '基準日',
  reason: '理由',
  roleCode: 'ロール',
  decision: '判定',
  note: '備考',
  officeCode: '所属',
  displayName: '氏名',
  roles: 'ロール',
  action: '操作',
  outcome: '結果',
  bulk: '大量参照のみ',
  format: '出力形式',
  jimu: '事務',
  currentPassword: '現在のパスワード',
  newPassword: '新しいパスワード',
  changeId: '変更番号',
  status: '状態',
};

/** Modules add the labels of their own fields at start-up (BusinessModule.fieldLabels). */
export function registerFieldLabels(labels: Record<string, string>): void {
  for (const [field, label] of Object.entries(labels)) {
    const known = FIELD_LABELS[field];
    if (known !== undefined && known !== label) throw new Error(`項目 ${field} の表示名が二重に定義されています: ${known} / ${label}`);
    FIELD_LABELS[field] = label;
  }
}

export interface FieldError {
  field: string;
  label: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldError[] };
  correlationId?: string;
}

/** One message per field (the first rule it breaks), prefixed with the field's Japanese label. */
export function zodFieldErrors(error: ZodError): FieldError[] {
  const byField = new Map<string, FieldError>();
  for (const i of error.issues) {
    const field = i.path.map(String).join('.') || '(本文)';
    if (byField.has(field)) continue;
    const top = String(i.path[0] ?? '');
    const label = FIELD_LABELS[top] ?? field;
    byField.set(field, { field, label, message: `${label}: ${i.message}` });
  }
  return [...byField.values()];
}

export function errorJson(c: Context, status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 423 | 429 | 500 | 503, code: string, message: string, fields?: FieldError[]) {
  const body: ErrorBody = { error: { code, message, ...(fields ? { fields } : {}) }, correlationId: c.get('correlationId') };
  return c.json(body, status);
}

/** A business-rule failure raised from services; routes turn it into a 4xx answer. */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 423 | 429,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
  ) {
    super(message);
  }
}

/** Too many attempts (429) or too busy (503): the answer carries Retry-After. */
export class RetryLaterError extends AppError {
  constructor(
    readonly retryStatus: 429 | 503,
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, code, message);
  }
}
