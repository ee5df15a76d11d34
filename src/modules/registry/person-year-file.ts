import { decodeIntakeFile, MAX_LISTED_ERRORS, readCsv, type Encoding, type IntakeError } from './intake-file.js';

/**
 * A file of one line per person and 年度 (the income file of the 個人住民税 system, the 年金保険者's
 * 特別徴収 file): decoded (UTF-8 or Shift_JIS/CP932), read as CSV with a header naming the columns (in
 * English or in Japanese) and validated whole — every line by `validate`, a second line for the same
 * person and 年度 refused. Any error → no line (the caller rejects the file and changes no row).
 */
export interface PersonYearFileSpec<C extends string, T extends { atenaNo: number; fiscalYear: number }> {
  columns: readonly C[];
  labels: Record<C, string>;
  /** The message for a file with a header and no line (「所得データが1件もありません」). */
  empty: string;
  /** What the duplicate message adds in its parentheses (「1人1年度につき1行です」). */
  onePerYear: string;
  validate: (record: Record<C, string>) => T | { errors: { column: string; message: string }[] };
}

export interface PersonYearFileResult<T> {
  lines: (T & { line: number })[];
  errors: IntakeError[];
  /** All errors found (errors holds the first MAX_LISTED_ERRORS). */
  errorCount: number;
  encoding?: Encoding;
}

export function readPersonYearFile<C extends string, T extends { atenaNo: number; fiscalYear: number }>(bytes: Uint8Array, spec: PersonYearFileSpec<C, T>): PersonYearFileResult<T> {
  const decoded = decodeIntakeFile(bytes);
  if ('error' in decoded) return { lines: [], errors: [decoded.error], errorCount: 1 };
  const fail = (e: IntakeError): PersonYearFileResult<T> => ({ lines: [], errors: [e], errorCount: 1, encoding: decoded.encoding });
  const csv = readCsv(decoded.text);
  if (csv.error) return fail(csv.error);
  const [header, ...rows] = csv.rows;
  if (!header) return fail({ line: 0, message: 'ファイルが空です(見出し行がありません)' });
  const { columns, labels } = spec;
  const given = header.fields.map((f) => f.trim()).join(',');
  if (given !== columns.join(',') && given !== columns.map((c) => labels[c]).join(',')) {
    return fail({ line: header.line, message: `見出し行が定義と一致しません。次の${columns.length}項目をこの順で記載してください(項目名は英字か日本語): ${columns.join(',')}` });
  }
  if (rows.length === 0) return fail({ line: 0, message: spec.empty });
  const all: IntakeError[] = [];
  const lines: (T & { line: number })[] = [];
  const seen = new Map<string, number>();
  const atenaLabel = (labels as Record<string, string>).atena_no ?? '宛名番号';
  for (const row of rows) {
    if (row.fields.length !== columns.length) {
      all.push({ line: row.line, message: `項目数が${row.fields.length}です(${columns.length}項目必要です)` });
      continue;
    }
    const record = Object.fromEntries(columns.map((c, i) => [c, row.fields[i]!.trim()])) as Record<C, string>;
    const r = spec.validate(record);
    if ('errors' in r) {
      for (const e of r.errors) all.push({ line: row.line, ...e });
      continue;
    }
    const key = `${r.atenaNo}/${r.fiscalYear}`;
    const first = seen.get(key);
    if (first !== undefined) {
      all.push({ line: row.line, column: atenaLabel, message: `宛名番号: 宛名番号 ${r.atenaNo} の${r.fiscalYear}年度が${first}行目と重複しています(${spec.onePerYear})` });
      continue;
    }
    seen.set(key, row.line);
    lines.push({ line: row.line, ...r });
  }
  return { lines: all.length ? [] : lines, errors: all.slice(0, MAX_LISTED_ERRORS), errorCount: all.length, encoding: decoded.encoding };
}
