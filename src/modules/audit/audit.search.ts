import { createHash } from 'node:crypto';
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { AuditOutcome, DB } from '../../db/schema.js';

/**
 * Search of the audit trail for the 監査 screen and its CSV report (read-only; the routes audit the
 * search itself). Filters are already validated and normalised by the route.
 */
export interface AuditFilters {
  /** 職員ID: the actor, or the staff ID named by an anonymous login record. */
  staffId?: string;
  /** 宛名番号 among the record's subjects. */
  atenaNo?: number;
  functionCode?: string;
  action?: string;
  outcome?: AuditOutcome;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound (a date-only "to" is turned into the next day's 0:00 JST by the route). */
  to?: Date;
  /** Only operations outside office hours (see isAfterHours). */
  afterHours?: boolean;
  /** Only bulk reads (see BULK_TOTAL / BULK_SUBJECTS). */
  bulk?: boolean;
}

export interface AuditEventItem {
  seq: number;
  occurredAt: string;
  actorKind: 'staff' | 'operator' | 'anonymous';
  actorId: string;
  functionCode: string;
  action: string;
  subjects: number[];
  outcome: AuditOutcome;
  ip: string | null;
  terminal: string | null;
  correlationId: string | null;
  detail: Record<string, unknown>;
}

/** Office hours (開庁時間) in JST; outside them, weekends, national holidays and 年末年始 are "after hours". */
export const OFFICE_OPENS = '08:30';
export const OFFICE_CLOSES = '17:15';

/**
 * 国民の祝日 (incl. 振替休日 and 国民の休日), 2024–2027. The 2027 equinox days are the calculated dates
 * (officially fixed in the 官報 each February). Add the next year's list every year; outside the list only
 * weekends, office hours and 年末年始 (12/29–1/3, the city's closing days) count.
 */
export const JP_HOLIDAYS: readonly string[] = [
  '2024-01-01', '2024-01-08', '2024-02-11', '2024-02-12', '2024-02-23', '2024-03-20', '2024-04-29', '2024-05-03', '2024-05-04', '2024-05-05',
  '2024-05-06', '2024-07-15', '2024-08-11', '2024-08-12', '2024-09-16', '2024-09-22', '2024-09-23', '2024-10-14', '2024-11-03', '2024-11-04',
  '2024-11-23',
  '2025-01-01', '2025-01-13', '2025-02-11', '2025-02-23', '2025-02-24', '2025-03-20', '2025-04-29', '2025-05-03', '2025-05-04', '2025-05-05',
  '2025-05-06', '2025-07-21', '2025-08-11', '2025-09-15', '2025-09-23', '2025-10-13', '2025-11-03', '2025-11-23', '2025-11-24',
  '2026-01-01', '2026-01-12', '2026-02-11', '2026-02-23', '2026-03-20', '2026-04-29', '2026-05-03', '2026-05-04', '2026-05-05', '2026-05-06',
  '2026-07-20', '2026-08-11', '2026-09-21', '2026-09-22', '2026-09-23', '2026-10-12', '2026-11-03', '2026-11-23',
  '2027-01-01', '2027-01-11', '2027-02-11', '2027-02-23', '2027-03-21', '2027-03-22', '2027-04-29', '2027-05-03', '2027-05-04', '2027-05-05',
  '2027-07-19', '2027-08-11', '2027-09-20', '2027-09-23', '2027-10-11', '2027-11-03', '2027-11-23',
];
const HOLIDAY_SET = new Set(JP_HOLIDAYS);

/** Searches whose detail.total reaches this, or person reads naming more subjects than BULK_SUBJECTS, are bulk. */
export const BULK_TOTAL = 100;
export const BULK_SUBJECTS = 50;

const JST_OFFSET_MS = 9 * 3_600_000;

/** The pure rule (the SQL filter below must agree with it; a test compares them). */
export function isAfterHours(at: Date): boolean {
  const jst = new Date(at.getTime() + JST_OFFSET_MS);
  const iso = jst.toISOString();
  const date = iso.slice(0, 10);
  const mmdd = iso.slice(5, 10);
  const hhmm = iso.slice(11, 16);
  const dow = jst.getUTCDay();
  if (dow === 0 || dow === 6) return true;
  if (HOLIDAY_SET.has(date)) return true;
  if (mmdd >= '12-29' || mmdd <= '01-03') return true;
  return hhmm < OFFICE_OPENS || hhmm >= OFFICE_CLOSES;
}

/** SQL for isAfterHours over a timestamptz expression. */
export function afterHoursSql(at: Expression<Date> | RawBuilder<Date>): RawBuilder<SqlBool> {
  const local = sql`(${at} AT TIME ZONE 'Asia/Tokyo')`;
  return sql<SqlBool>`(
    extract(isodow FROM ${local}) >= 6
    OR ${local}::date = ANY(${`{${JP_HOLIDAYS.join(',')}}`}::date[])
    OR to_char(${local}, 'MM-DD') >= '12-29' OR to_char(${local}, 'MM-DD') <= '01-03'
    OR ${local}::time < ${OFFICE_OPENS}::time OR ${local}::time >= ${OFFICE_CLOSES}::time)`;
}

const BULK_SQL = sql<SqlBool>`(
  CASE WHEN jsonb_typeof(detail -> 'total') = 'number' THEN (detail ->> 'total')::numeric >= ${BULK_TOTAL} ELSE false END
  OR (function_code = 'person.read' AND cardinality(subjects) > ${BULK_SUBJECTS}))`;

type Db = Kysely<DB> | Transaction<DB>;

function filtered(db: Db, f: AuditFilters) {
  let q = db.selectFrom('audit_event');
  if (f.staffId !== undefined) {
    const id = f.staffId;
    q = q.where((eb) =>
      eb.or([
        eb('actor_id', '=', id),
        eb.and([eb('actor_kind', '=', 'anonymous'), eb.or([eb(sql`detail ->> 'staffId'`, '=', id), eb(sql`detail ->> 'attemptedStaffId'`, '=', id)])]),
      ]),
    );
  }
  if (f.atenaNo !== undefined) q = q.where(sql<SqlBool>`subjects @> ARRAY[${f.atenaNo}]::bigint[]`);
  if (f.functionCode !== undefined) q = q.where('function_code', '=', f.functionCode);
  if (f.action !== undefined) q = q.where('action', '=', f.action);
  if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
  if (f.from !== undefined) q = q.where('occurred_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('occurred_at', '<', f.to);
  if (f.afterHours) q = q.where(afterHoursSql(sql.ref('occurred_at')));
  if (f.bulk) q = q.where(BULK_SQL);
  return q;
}

/** Counting stops here (the screen says "100,000件以上"). */
export const AUDIT_TOTAL_CAP = 100_000;

export async function countAuditEvents(db: Db, f: AuditFilters, cap = AUDIT_TOTAL_CAP): Promise<{ total: number; totalCapped: boolean }> {
  const sub = filtered(db, f).select(sql`1`.as('one')).limit(cap + 1);
  const r = await db.selectFrom(sub.as('x')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const n = Number(r.n);
  return { total: Math.min(n, cap), totalCapped: n > cap };
}

/** Newest first. */
export async function listAuditEvents(db: Db, f: AuditFilters, page: { page: number; pageSize: number }): Promise<AuditEventItem[]> {
  const rows = await filtered(db, f)
    .select(['seq', 'occurred_at', 'actor_kind', 'actor_id', 'function_code', 'action', 'subjects', 'outcome', 'ip', 'terminal', 'correlation_id', 'detail'])
    .orderBy('seq', 'desc')
    .limit(page.pageSize)
    .offset((page.page - 1) * page.pageSize)
    .execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    occurredAt: r.occurred_at.toISOString(),
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    functionCode: r.function_code,
    action: r.action,
    subjects: (r.subjects ?? []).map(Number),
    outcome: r.outcome,
    ip: r.ip,
    terminal: r.terminal,
    correlationId: r.correlation_id,
    detail: (r.detail && typeof r.detail === 'object' ? r.detail : {}) as Record<string, unknown>,
  }));
}

export async function searchAuditEvents(db: Db, f: AuditFilters, page: { page: number; pageSize: number }) {
  const { total, totalCapped } = await countAuditEvents(db, f);
  const items = await listAuditEvents(db, f, page);
  return { total, totalCapped, items };
}

// ---- CSV (監査レポート, 権限棚卸し) ----

/** Cells starting with these are formulas to a spreadsheet (CSV injection): they get a leading quote. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: always quoted, quotes doubled, formula starts neutralised. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** A CSV document for Excel: UTF-8 with BOM, CRLF line ends, every cell quoted. */
export function csvDocument(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) lines.push(r.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** occurredAt as JST wall-clock time, the way the auditors read it. */
export function jstText(at: Date | string): string {
  const d = new Date(new Date(at).getTime() + JST_OFFSET_MS);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}+09:00`;
}

export const AUDIT_CSV_HEADER = ['通番', '日時(日本時間)', '操作者種別', '職員ID', '業務機能', '操作', '対象(宛名番号)', '結果', 'IPアドレス', '端末', '相関ID', '時間外', '詳細'] as const;

export function auditReportCsv(items: readonly AuditEventItem[]): string {
  return csvDocument(
    AUDIT_CSV_HEADER,
    items.map((e) => [
      e.seq,
      jstText(e.occurredAt),
      e.actorKind,
      e.actorId,
      e.functionCode,
      e.action,
      e.subjects.join(' '),
      e.outcome,
      e.ip,
      e.terminal,
      e.correlationId,
      isAfterHours(new Date(e.occurredAt)) ? '時間外' : '',
      e.detail,
    ]),
  );
}
