import { isIsoDate } from '../eligibility/eligibility.rules.js';
import type { Encoding, IntakeError } from '../registry/intake-file.js';
import { readPersonYearFile } from '../registry/person-year-file.js';

/**
 * The 年金保険者's 特別徴収対象者 file (特別徴収対象年金所得者の情報, as the city receives it through the
 * 経由機関), one line per person and 年度: decoding (UTF-8 or Shift_JIS/CP932, as the registry and income
 * files), CSV reading and whole-file validation. Pure: bytes in, lines or line-numbered Japanese errors
 * naming the column and the rule out. A file with any error is rejected whole (the caller changes no
 * row). Whether each 宛名番号 exists is the caller's check.
 */
export const PENSION_COLUMNS = ['atena_no', 'fiscal_year', 'insurer_code', 'pension_kind', 'annual_amount', 'care_withheld', 'care_premium', 'notified_on'] as const;
export type PensionColumn = (typeof PENSION_COLUMNS)[number];

export const PENSION_COLUMN_LABELS = {
  atena_no: '宛名番号',
  fiscal_year: '年度',
  insurer_code: '年金保険者コード',
  pension_kind: '年金の種類',
  annual_amount: '年金の年額',
  care_withheld: '介護保険料の特別徴収',
  care_premium: '介護保険料の年額',
  notified_on: '通知日',
} satisfies Record<PensionColumn, string>;

export interface PensionLine {
  line: number;
  atenaNo: number;
  fiscalYear: number;
  insurerCode: string;
  pensionKind: string;
  annualAmount: number;
  careWithheld: boolean;
  carePremium: number | null;
  notifiedOn: string;
}

export interface PensionFileResult {
  lines: PensionLine[];
  errors: IntakeError[];
  errorCount: number;
  encoding?: Encoding;
}

const MAX_YEN = 100_000_000_000;
const FIRST_FISCAL_YEAR = 2008;

/** Decode, read and validate a whole file. Any error → the file must be rejected whole. */
export function readPensionFile(bytes: Uint8Array, opts: { today: string }): PensionFileResult {
  return readPersonYearFile(bytes, {
    columns: PENSION_COLUMNS,
    labels: PENSION_COLUMN_LABELS,
    empty: '特別徴収対象者のデータが1件もありません',
    onePerYear: '1人1年度につき1行、特別徴収の対象となる年金のみ',
    validate: (r) => validatePensionRecord(r, opts),
  });
}

type FieldError = { column: string; message: string };

/** One line's columns → its content, or one message per wrong column naming it and the rule. */
export function validatePensionRecord(record: Record<PensionColumn, string>, opts: { today: string }): Omit<PensionLine, 'line'> | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (c: PensionColumn, message: string) => {
    errors.push({ column: PENSION_COLUMN_LABELS[c], message: `${PENSION_COLUMN_LABELS[c]}: ${message}` });
    return null;
  };
  const v = (c: PensionColumn) => record[c] ?? '';
  const yen = (c: PensionColumn, optional: boolean) => {
    const t = v(c);
    if (t === '') return optional ? null : fail(c, '必須です');
    if (!/^\d{1,12}$/.test(t)) return fail(c, '0以上の円単位の整数(半角数字、カンマなし)で記載してください');
    return Number(t) > MAX_YEN ? fail(c, '1,000億円以下で記載してください') : Number(t);
  };

  const atena = v('atena_no');
  const atenaNo = atena === '' ? fail('atena_no', '必須です') : !/^\d{1,10}$/.test(atena) || Number(atena) === 0 ? fail('atena_no', '1〜10桁の数字で記載してください') : Number(atena);
  const lastYear = Number(opts.today.slice(0, 4)) + 1;
  const fy = v('fiscal_year');
  const fiscalYear = fy === '' ? fail('fiscal_year', '必須です') : !/^\d{4}$/.test(fy) || Number(fy) < FIRST_FISCAL_YEAR || Number(fy) > lastYear ? fail('fiscal_year', `${FIRST_FISCAL_YEAR}〜${lastYear}の西暦4桁で記載してください`) : Number(fy);
  const insurer = v('insurer_code');
  const insurerCode = /^\d{3}$/.test(insurer) ? insurer : fail('insurer_code', '3桁の数字で記載してください(例: 001)');
  const kind = v('pension_kind');
  const pensionKind = /^[0-9A-Z]{1,4}$/.test(kind) ? kind : fail('pension_kind', '1〜4桁の半角英大文字・数字のコードで記載してください');
  const annualAmount = yen('annual_amount', false);
  const cw = v('care_withheld');
  const careWithheld = cw === '1' ? true : cw === '0' ? false : fail('care_withheld', `「${cw}」は定義されていないコードです(1: 特別徴収している、0: していない)`);
  const carePremium = yen('care_premium', true);
  const notified = v('notified_on');
  const notifiedOn = !isIsoDate(notified) ? fail('notified_on', 'YYYY-MM-DD 形式の実在する日付で記載してください') : notified > opts.today ? fail('notified_on', `今日(${opts.today})より後の日付は記載できません`) : notified;
  if (atenaNo === null || fiscalYear === null || insurerCode === null || pensionKind === null || annualAmount === null || careWithheld === null || notifiedOn === null || errors.length > 0) return { errors };
  return { atenaNo, fiscalYear, insurerCode, pensionKind, annualAmount, careWithheld, carePremium, notifiedOn };
}
