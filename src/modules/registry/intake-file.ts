import { isKanaText, toFullWidthKatakana } from '../../lib/kana.js';
import { formatDateForClerk } from '../../lib/wareki.js';
import { isIsoDate } from '../eligibility/eligibility.rules.js';
import {
  INTAKE_COLUMNS,
  INTAKE_COLUMN_LABELS,
  REGISTRY_EVENT_KINDS,
  isRegistryEventCode,
  type IntakeColumn,
  type RegistryEvent,
} from './registry-events.js';

/**
 * The resident-registry intake file (住基異動ファイル): decoding, CSV reading and whole-file validation.
 * Pure: bytes in, events or line-numbered Japanese errors out. The layout is documented in
 * docs/interfaces/registry-intake.md. A file with any error is rejected whole (the caller changes no row).
 */

export interface IntakeError {
  /** 1-based line of the file (the header is line 1). 0 for the file as a whole. */
  line: number;
  /** The column's Japanese name, when the error is about one column. */
  column?: string;
  message: string;
}

export type Encoding = 'utf-8' | 'shift_jis';

/** UTF-8 (with or without BOM) or Shift_JIS/CP932, told apart by whether the bytes are valid UTF-8. */
export function decodeIntakeFile(bytes: Uint8Array): { text: string; encoding: Encoding } | { error: IntakeError } {
  let body = bytes;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    // not UTF-8: try Shift_JIS (WHATWG's decoder is Windows-31J, i.e. CP932 with its extensions)
  }
  try {
    return { text: new TextDecoder('shift_jis', { fatal: true }).decode(body), encoding: 'shift_jis' };
  } catch {
    return { error: { line: 0, message: 'ファイルの文字コードがUTF-8でもShift_JIS(CP932)でもありません' } };
  }
}

/** RFC 4180 CSV: fields in double quotes may hold commas, quotes ("") and line breaks. */
export function readCsv(text: string): { rows: { line: number; fields: string[] }[]; error?: IntakeError } {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let atFieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: rowLine, fields });
      fields = [];
      field = '';
      atFieldStart = true;
      line++;
      rowLine = line;
    } else if (ch === '"') {
      return { rows, error: { line, message: '引用符(")の位置が不正です(項目の途中に引用符があります)' } };
    } else {
      field += ch;
      atFieldStart = false;
    }
  }
  if (quoted) return { rows, error: { line: rowLine, message: '引用符(")が閉じられていません' } };
  fields.push(field);
  if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: rowLine, fields });
  return { rows };
}

export interface IntakeOptions {
  /** The day the file is processed (Japan): 異動日 and 届出日 may not be later, except a 転出's. */
  today: string;
  /** JIS X 0401 code of the city's prefecture (埼玉県 = 11): 県内/県外 is judged against it. */
  prefectureCode: string;
}

/** At most this many errors are listed; the count says how many there were. */
export const MAX_LISTED_ERRORS = 200;

export interface IntakeResult {
  events: RegistryEvent[];
  /** The file line of each event (same index). */
  lines: number[];
  errors: IntakeError[];
  /** All errors found (errors holds the first MAX_LISTED_ERRORS). */
  errorCount: number;
  encoding?: Encoding;
}

/** Decode, read and validate a whole file. Any error → the file must be rejected whole. */
export function readIntakeFile(bytes: Uint8Array, opts: IntakeOptions): IntakeResult {
  const decoded = decodeIntakeFile(bytes);
  if ('error' in decoded) return { events: [], lines: [], errors: [decoded.error], errorCount: 1 };
  const csv = readCsv(decoded.text);
  if (csv.error) return { events: [], lines: [], errors: [csv.error], errorCount: 1, encoding: decoded.encoding };
  const [header, ...lines] = csv.rows;
  if (!header) return { events: [], lines: [], errors: [{ line: 0, message: 'ファイルが空です(見出し行がありません)' }], errorCount: 1, encoding: decoded.encoding };
  const expected = INTAKE_COLUMNS.join(',');
  if (header.fields.map((f) => f.trim()).join(',') !== expected) {
    return { events: [], lines: [], errors: [{ line: header.line, message: `見出し行が定義と一致しません。次の${INTAKE_COLUMNS.length}項目をこの順で記載してください: ${expected}` }], errorCount: 1, encoding: decoded.encoding };
  }
  if (lines.length === 0) return { events: [], lines: [], errors: [{ line: 0, message: '異動データが1件もありません' }], errorCount: 1, encoding: decoded.encoding };
  const all: IntakeError[] = [];
  const events: RegistryEvent[] = [];
  const eventLines: number[] = [];
  const seen = new Map<string, number>();
  for (const row of lines) {
    if (row.fields.length !== INTAKE_COLUMNS.length) {
      all.push({ line: row.line, message: `項目数が${row.fields.length}です(${INTAKE_COLUMNS.length}項目必要です)` });
      continue;
    }
    const record = Object.fromEntries(INTAKE_COLUMNS.map((c, i) => [c, row.fields[i]!.trim()])) as Record<IntakeColumn, string>;
    const r = validateEventRecord(record, opts);
    if ('errors' in r) {
      for (const e of r.errors) all.push({ line: row.line, ...e });
      continue;
    }
    const first = seen.get(r.event.eventId);
    if (first !== undefined) {
      all.push({ line: row.line, column: INTAKE_COLUMN_LABELS.event_id, message: `異動連番「${r.event.eventId}」が${first}行目と重複しています` });
      continue;
    }
    seen.set(r.event.eventId, row.line);
    events.push(r.event);
    eventLines.push(row.line);
  }
  return { events: all.length ? [] : events, lines: all.length ? [] : eventLines, errors: all.slice(0, MAX_LISTED_ERRORS), errorCount: all.length, encoding: decoded.encoding };
}

type FieldError = { column: string; message: string };

/**
 * One event's columns (as text, as in the file or an API body) → the event, or one message per wrong
 * column naming the column and the rule.
 */
export function validateEventRecord(record: Partial<Record<IntakeColumn, string | null | undefined>>, opts: IntakeOptions): { event: RegistryEvent } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const text = (c: IntakeColumn) => {
    const v = record[c];
    return v === null || v === undefined ? '' : String(v).trim();
  };
  const fail = (c: IntakeColumn, message: string) => {
    errors.push({ column: INTAKE_COLUMN_LABELS[c], message: `${INTAKE_COLUMN_LABELS[c]}: ${message}` });
    return null;
  };
  const code = text('event_code');
  const kind = isRegistryEventCode(code) ? REGISTRY_EVENT_KINDS[code] : null;
  if (!kind) fail('event_code', `「${code}」は定義されていない異動事由コードです(docs/interfaces/registry-intake.md の一覧のコードを記載してください)`);
  const needs = new Set<IntakeColumn>(['event_id', 'event_code', 'occurred_on', 'atena_no', ...(kind?.needs ?? [])]);
  const value = (c: IntakeColumn): string | null => {
    const v = text(c);
    if (v === '') {
      if (needs.has(c) && kind) fail(c, `異動事由「${kind.label}」では必須です`);
      return null;
    }
    return v;
  };

  const eventId = value('event_id');
  if (eventId !== null && !/^[A-Za-z0-9_-]{1,40}$/.test(eventId)) fail('event_id', '英数字・ハイフン・下線の1〜40文字で記載してください');

  // 異動日 is today or earlier, except a 転出's (住民記録システム標準仕様書 4.0.3), which may be planned ahead.
  const futureAllowed = code === '21' || code === '22' || code === '23' || code === '24';
  /** A date column, YYYY-MM-DD or YYYYMMDD, not after `latest` (null: no limit, e.g. 在留期間満了日). */
  const date = (c: IntakeColumn, latest: string | null): string | null => {
    const v = value(c);
    if (v === null) return null;
    const iso = /^\d{8}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : v;
    if (!isIsoDate(iso)) return fail(c, `「${v}」は日付ではありません(YYYY-MM-DD または YYYYMMDD で記載してください)`);
    if (iso < '1900-01-01') return fail(c, `${formatDateForClerk(iso)}は古すぎます`);
    if (latest !== null && iso > latest) {
      return fail(c, latest === opts.today ? `${formatDateForClerk(iso)}は処理日(${formatDateForClerk(opts.today)})より後です` : `${formatDateForClerk(iso)}は1年以上先です`);
    }
    return iso;
  };
  const occurredOn = date('occurred_on', futureAllowed ? addYears(opts.today, 1) : opts.today);
  const reportedOn = date('reported_on', opts.today);
  const birthDate = date('birth_date', opts.today);
  const residenceExpiresOn = date('residence_expires_on', null);

  const number = (c: IntakeColumn): number | null => {
    const v = value(c);
    if (v === null) return null;
    if (!/^\d{1,10}$/.test(v) || Number(v) === 0) return fail(c, '1〜10桁の数字で記載してください');
    return Number(v);
  };
  const atenaNo = number('atena_no');
  const householdNo = number('household_no');

  const bounded = (c: IntakeColumn, max: number): string | null => {
    const v = value(c);
    if (v !== null && [...v].length > max) return fail(c, `${max}文字以内で記載してください`);
    return v;
  };
  const relationship = bounded('relationship', 20);
  const nameKanji = bounded('name_kanji', 50);
  const aliasKanji = bounded('alias_kanji', 50);
  const kana = (c: IntakeColumn): string | null => {
    const v = bounded(c, 100);
    if (v === null) return null;
    if (!isKanaText(v)) return fail(c, 'カタカナで記載してください');
    // full-width katakana with a full-width space between family and given name, as names are stored
    return toFullWidthKatakana(v).replace(/\s+/g, '\u3000');
  };
  const nameKana = kana('name_kana');
  const aliasKana = kana('alias_kana');

  const sexText = value('sex');
  const sex = sexText === null ? null : sexText === '1' ? 'male' : sexText === '2' ? 'female' : fail('sex', '1(男)または2(女)で記載してください');
  const kindText = value('resident_kind');
  const residentKind = kindText === null ? null : kindText === '1' ? 'japanese' : kindText === '2' ? 'foreign' : fail('resident_kind', '1(日本人)または2(外国人)で記載してください');

  const areaCode = value('area_code');
  if (areaCode !== null && !/^\d{1,12}$/.test(areaCode)) fail('area_code', '1〜12桁の数字で記載してください');
  const banchi = bounded('banchi', 60);
  const katagaki = bounded('katagaki', 60);
  const otherAddress = bounded('other_address', 200);
  const residenceStatus = bounded('residence_status', 40);

  const pref = value('other_prefecture_code');
  if (pref !== null) {
    const n = Number(pref);
    if (!/^\d{2}$/.test(pref) || !((n >= 1 && n <= 47) || n === 99)) fail('other_prefecture_code', '01〜47(都道府県コード)または99(国外)で記載してください');
    else if ((code === '11' || code === '21') && (pref === opts.prefectureCode || pref === '99')) fail('other_prefecture_code', `県外の異動なので、本県(${opts.prefectureCode})・国外(99)以外のコードを記載してください`);
    else if ((code === '12' || code === '22') && pref !== opts.prefectureCode) fail('other_prefecture_code', `県内の異動なので、本県のコード(${opts.prefectureCode})を記載してください`);
  }
  if (code === '13' || code === '24') {
    if (pref !== null && pref !== '99') fail('other_prefecture_code', '国外の異動なので、空欄または99を記載してください');
  }
  if (birthDate !== null && occurredOn !== null && occurredOn < birthDate) fail('occurred_on', `生年月日(${formatDateForClerk(birthDate)})より前です`);
  if (code === '14' && birthDate !== null && occurredOn !== null && occurredOn !== birthDate) fail('occurred_on', `出生の異動日は生年月日(${formatDateForClerk(birthDate)})と同じ日にしてください`);
  if (reportedOn !== null && occurredOn !== null && reportedOn < occurredOn && !futureAllowed) fail('reported_on', `異動日(${formatDateForClerk(occurredOn)})より前です`);

  if (errors.length > 0 || !kind || eventId === null || occurredOn === null || atenaNo === null) {
    // in file order, as a clerk reads the line
    const order = (label: string) => INTAKE_COLUMNS.findIndex((c) => INTAKE_COLUMN_LABELS[c] === label);
    return { errors: errors.map((e, i) => ({ e, i })).sort((a, b) => order(a.e.column) - order(b.e.column) || a.i - b.i).map((x) => x.e) };
  }
  return {
    event: {
      eventId,
      eventCode: kind.code,
      occurredOn,
      reportedOn,
      atenaNo,
      householdNo,
      relationship,
      nameKanji,
      nameKana,
      aliasKanji,
      aliasKana,
      birthDate,
      sex,
      residentKind,
      areaCode,
      banchi,
      katagaki,
      otherAddress,
      otherPrefectureCode: code === '13' || code === '24' ? '99' : pref,
      residenceStatus,
      residenceExpiresOn,
    },
  };
}

function addYears(iso: string, years: number): string {
  return `${String(Number(iso.slice(0, 4)) + years).padStart(4, '0')}${iso.slice(4)}`;
}
