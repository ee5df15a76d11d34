import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { AppError } from '../../http/errors.js';
import { ErrorResponses } from '../../http/schemas.js';
import { parseDateInput } from '../../lib/wareki.js';
import { auditReportCsv, listAuditEvents, countAuditEvents, searchAuditEvents, sha256Hex, type AuditFilters } from './audit.search.js';
import { atenaNoParam, intParam } from '../../http/fields.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

/** Report rows per CSV file; above this the auditor narrows the conditions. */
export const AUDIT_REPORT_MAX = 50_000;

const NO_MY_NUMBER = (s: string) => !/(?<!\d)\d{12}(?!\d)/.test(s.normalize('NFKC'));
const noMyNumber = '12桁の数字(個人番号の可能性)は検索条件に使えません';

/** A JST date (YYYY-MM-DD, 和暦 also read) or an ISO date-time with offset. */
const dateOrDateTime = z
  .string()
  .max(40, '40文字以内で入力してください')
  .refine((s) => toInstant(s, 'from') !== null, '日付(例: 2026-04-01, 令和8年4月1日)または日時(例: 2026-04-01T09:00:00+09:00)で入力してください');

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** from → the instant itself / 0:00 JST of the date; to → the instant / 0:00 JST of the next day (exclusive). */
function toInstant(s: string, edge: 'from' | 'to'): Date | null {
  const t = s.trim();
  if (ISO_DATE_TIME.test(t)) {
    const d = new Date(t);
    if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1900 || d.getUTCFullYear() > 2199) return null;
    return edge === 'to' ? new Date(d.getTime() + 1) : d; // "to" an instant is inclusive of it
  }
  const iso = parseDateInput(t);
  if (!iso || iso < '1900-01-01' || iso > '2199-12-31') return null;
  const d = new Date(`${iso}T00:00:00+09:00`);
  return edge === 'to' ? new Date(d.getTime() + 86_400_000) : d;
}

const flag = z.enum(['true', 'false', '1', '0'], { error: 'true または false で指定してください' }).transform((v) => v === 'true' || v === '1');

const FilterShape = {
  staffId: z.string().trim().min(1, '職員IDを入力してください').max(32, '32文字以内で入力してください').refine(NO_MY_NUMBER, noMyNumber).optional(),
  atenaNo: atenaNoParam.optional(),
  functionCode: z
    .string()
    .trim()
    .min(1, '業務機能を入力してください')
    .max(64, '64文字以内で入力してください')
    .regex(/^[A-Za-z0-9._-]+$/, '英数字・ピリオド・ハイフン・下線で入力してください(例: person.read)')
    .refine(NO_MY_NUMBER, noMyNumber)
    .optional(),
  action: z.string().trim().min(1, '操作を入力してください').max(128, '128文字以内で入力してください').refine(NO_MY_NUMBER, noMyNumber).optional(),
  outcome: z.enum(['success', 'denied', 'failure', 'error'], { error: 'success, denied, failure, error のいずれかです' }).optional(),
  from: dateOrDateTime.optional(),
  to: dateOrDateTime.optional(),
  afterHours: flag.optional(),
  bulk: flag.optional(),
};

/** Checked only when both parse (a bad date already has its own message). */
const fromBeforeTo = (q: { from?: string | undefined; to?: string | undefined }) => {
  const from = q.from ? toInstant(q.from, 'from') : null;
  const to = q.to ? toInstant(q.to, 'to') : null;
  return !from || !to || from.getTime() < to.getTime();
};
const fromBeforeToMessage = { message: '終了日時は開始日時より後にしてください', path: ['to'] };

const SearchQuery = z
  .object({
    ...FilterShape,
    page: intParam(1, 10_000, 1, '(それ以降は条件を絞り込んでください)'),
    pageSize: intParam(1, 200, 50),
  })
  .refine(fromBeforeTo, fromBeforeToMessage);

const ReportQuery = z.object(FilterShape).refine(fromBeforeTo, fromBeforeToMessage);

type FilterInput = { [K in keyof typeof FilterShape]?: z.output<(typeof FilterShape)[K]> };

function toFilters(q: FilterInput): AuditFilters {
  const f: AuditFilters = {};
  if (q.staffId !== undefined) f.staffId = q.staffId;
  if (q.atenaNo !== undefined) f.atenaNo = q.atenaNo;
  if (q.functionCode !== undefined) f.functionCode = q.functionCode;
  if (q.action !== undefined) f.action = q.action;
  if (q.outcome !== undefined) f.outcome = q.outcome;
  if (q.from !== undefined) f.from = toInstant(q.from, 'from')!;
  if (q.to !== undefined) f.to = toInstant(q.to, 'to')!;
  if (q.afterHours) f.afterHours = true;
  if (q.bulk) f.bulk = true;
  return f;
}

/** The filters as written into the audit record of the search (dates as ISO instants). */
function filterDetail(f: AuditFilters): Record<string, unknown> {
  return { ...f, ...(f.from ? { from: f.from.toISOString() } : {}), ...(f.to ? { to: f.to.toISOString() } : {}) };
}

const AuditEvent = z
  .object({
    seq: z.number(),
    occurredAt: z.string(),
    actorKind: z.enum(['staff', 'operator', 'system', 'anonymous']),
    actorId: z.string(),
    actorLabel: z.string(),
    functionCode: z.string(),
    action: z.string(),
    subjects: z.array(z.number()),
    outcome: z.enum(['success', 'denied', 'failure', 'error']),
    ip: z.string().nullable(),
    terminal: z.string().nullable(),
    correlationId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');

const search = defineRoute({
  method: 'get',
  path: '/api/audit/events',
  access: 'audit',
  tags: ['監査'],
  summary: '監査証跡の検索(職員・宛名番号・業務機能・操作・結果・期間・時間外・大量参照)',
  description:
    '新しい順。staffId は操作者の職員ID(ログインの記録では入力された職員IDも対象)。afterHours=true は平日 8:30〜17:15 (日本時間) 以外・土日・祝日 (2024〜2027年の一覧)・年末年始 (12/29〜1/3) の操作。bulk=true は検索結果 100 件以上 (detail.total) または 50 件を超える宛名の参照。この検索自体も監査証跡に記録されます。',
  request: { query: SearchQuery },
  responses: {
    200: json(z.object({ total: z.number(), totalCapped: z.boolean(), page: z.number(), pageSize: z.number(), items: z.array(AuditEvent) }), '監査証跡'),
    ...ErrorResponses,
  },
});

const report = defineRoute({
  method: 'get',
  path: '/api/audit/report',
  access: 'audit',
  tags: ['監査'],
  summary: '監査レポート(CSV, UTF-8 BOM付き)',
  description: `検索と同じ条件で最大 ${AUDIT_REPORT_MAX.toLocaleString('en-US')} 件。出力自体をファイルの SHA-256 とともに監査証跡に記録します(Repr-Digest ヘッダにも同じ値)。`,
  request: { query: ReportQuery },
  responses: {
    200: { content: { 'text/csv': { schema: z.string() } }, description: 'CSV ファイル' },
    ...ErrorResponses,
  },
});

const verify = defineRoute({
  method: 'post',
  path: '/api/audit/verify',
  access: 'audit',
  tags: ['監査'],
  summary: '監査証跡の改ざん検証(記録の認証符号、封印の連鎖、署名付きチェックポイント、データベース外のアンカー)',
  description: 'CLI の `audit verify` と同じ検証を実行します。異常があれば最初の異常な記録の通番と種別を返します。検証の実行自体も記録されます。',
  responses: {
    200: json(
      z.object({
        ok: z.boolean(),
        records: z.number(),
        checkpoints: z.number(),
        anchors: z.number(),
        sealedSeq: z.number(),
        unsealed: z.number(),
        lastSeq: z.number(),
        problem: z.object({ seq: z.number(), kind: z.string(), message: z.string() }).optional(),
      }),
      '検証結果',
    ),
    ...ErrorResponses,
  },
});

/** Headers of a file download: attachment, never cached, digest for the auditor's own check. */
export function csvDownload(c: Context<AppEnv>, csv: string, filename: string, sha256: string) {
  return c.body(csv, 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Repr-Digest': `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`,
  });
}

/** YYYYMMDD-HHMMSS in JST, for file names. */
export function fileStamp(now = new Date()): string {
  return new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(verify, async (c) => {
    const { database, audit } = c.get('deps');
    const result = await audit.verify(database.db);
    await audit.appendAlone(database.db, c.get('actor'), {
      functionCode: 'audit',
      action: 'audit.verify',
      outcome: result.ok ? 'success' : 'failure',
      detail: { ok: result.ok, records: result.records, lastSeq: result.lastSeq, ...(result.problem ? { problemSeq: result.problem.seq, problemKind: result.problem.kind } : {}) },
      correlationId: c.get('correlationId'),
    });
    return c.json(result, 200);
  });


  app.openapi(search, async (c) => {
    const q = c.req.valid('query');
    const filters = toFilters(q);
    const { db } = c.get('deps').database;
    const audit = c.get('deps').audit;
    const actor = c.get('actor');
    const result = await db.transaction().execute(async (tx) => {
      const r = await searchAuditEvents(tx, filters, { page: q.page, pageSize: q.pageSize });
      await audit.append(tx, actor, {
        functionCode: 'audit',
        action: 'audit.search',
        detail: { filters: filterDetail(filters), page: q.page, pageSize: q.pageSize, total: r.total, returned: r.items.length },
        correlationId: c.get('correlationId'),
      });
      return r;
    });
    return c.json({ total: result.total, totalCapped: result.totalCapped, page: q.page, pageSize: q.pageSize, items: result.items }, 200);
  });

  app.openapi(report, async (c) => {
    const filters = toFilters(c.req.valid('query'));
    const { db } = c.get('deps').database;
    const audit = c.get('deps').audit;
    const actor = c.get('actor');
    const { csv, sha256 } = await db.transaction().execute(async (tx) => {
      const { total } = await countAuditEvents(tx, filters, AUDIT_REPORT_MAX);
      if (total >= AUDIT_REPORT_MAX) {
        throw new AppError(400, 'too_many', `出力できるのは ${AUDIT_REPORT_MAX.toLocaleString('ja-JP')} 件未満です。期間などの条件を絞り込んでください`);
      }
      const items = await listAuditEvents(tx, filters, { page: 1, pageSize: AUDIT_REPORT_MAX });
      const csv = auditReportCsv(items);
      const sha256 = sha256Hex(csv);
      await audit.append(tx, actor, {
        functionCode: 'audit',
        action: 'audit.report',
        detail: { filters: filterDetail(filters), rows: items.length, bytes: Buffer.byteLength(csv, 'utf8'), sha256 },
        correlationId: c.get('correlationId'),
      });
      return { csv, sha256 };
    });
    return csvDownload(c, csv, `audit-report-${fileStamp()}.csv`, sha256);
  });
}
