import { createHash } from 'node:crypto';
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { AuditOutcome, DB } from '../../db/schema.js';
import { FIRST_YEAR, LAST_YEAR, holidaysBetween, isHoliday } from '../../lib/holidays.js';
import { lawParams } from '../../platform/params/law-params.js';
import { whoLabels } from '../access/who.js';

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
  actorKind: 'staff' | 'operator' | 'system' | 'anonymous';
  actorId: string;
  /** 「国保 太郎(kokuho01)」, 「一括処理: seed(root@host)」 (see access/who.ts). */
  actorLabel: string;
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
 * 国民の祝日 and 休日 (振替休日, 国民の休日) of the years the SQL filter covers, computed from the law's rules
 * (src/lib/holidays.ts), so no list has to be extended each year.
 */
const SQL_HOLIDAYS = `{${holidaysBetween(FIRST_YEAR, LAST_YEAR).join(',')}}`;

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
  if (isHoliday(date)) return true;
  const closure = yearEndClosure(date);
  if (mmdd >= closure.first || mmdd <= closure.last) return true;
  return hhmm < OFFICE_OPENS || hhmm >= OFFICE_CLOSES;
}

/** 年末年始の休日 (law parameters calendar.year_end_closure_*: 12-29 … 01-03) in force on an ISO date. */
function yearEndClosure(date: string): { first: string; last: string } {
  return { first: lawParams().text('calendar.year_end_closure_first', date), last: lawParams().text('calendar.year_end_closure_last', date) };
}

/** SQL for isAfterHours over a timestamptz expression. */
export function afterHoursSql(at: Expression<Date> | RawBuilder<Date>): RawBuilder<SqlBool> {
  const local = sql`(${at} AT TIME ZONE 'Asia/Tokyo')`;
  // The 年末年始 days in force today (they have not changed since the system's first date).
  const closure = yearEndClosure(new Date(Date.now() + JST_OFFSET_MS).toISOString().slice(0, 10));
  return sql<SqlBool>`(
    extract(isodow FROM ${local}) >= 6
    OR ${local}::date = ANY(${SQL_HOLIDAYS}::date[])
    OR to_char(${local}, 'MM-DD') >= ${closure.first} OR to_char(${local}, 'MM-DD') <= ${closure.last}
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
  const who = await whoLabels(db, rows.map((r) => r.actor_id));
  return rows.map((r) => ({
    seq: Number(r.seq),
    occurredAt: r.occurred_at.toISOString(),
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    actorLabel: who(r.actor_id),
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

export const AUDIT_CSV_HEADER = ['通番', '日時(日本時間)', '操作者種別', '職員ID', '操作者', '業務機能', '操作', '対象(宛名番号)', '結果', 'IPアドレス', '端末', '相関ID', '時間外', '詳細'] as const;

export function auditReportCsv(items: readonly AuditEventItem[]): string {
  return csvDocument(
    AUDIT_CSV_HEADER,
    items.map((e) => [
      e.seq,
      jstText(e.occurredAt),
      e.actorKind,
      e.actorId,
      e.actorLabel,
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
