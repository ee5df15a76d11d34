/**
 * 和暦 (Japanese era) formatting and parsing. Era boundaries are law-like data: each era starts on the
 * day its 元号 took effect (元号法; 平成 from 1989-01-08, 令和 from 2019-05-01).
 */
export interface Era {
  name: string;
  letter: string;
  start: string; // ISO date of the era's first day
}

export const ERAS: readonly Era[] = [
  { name: '明治', letter: 'M', start: '1868-10-23' },
  { name: '大正', letter: 'T', start: '1912-07-30' },
  { name: '昭和', letter: 'S', start: '1926-12-25' },
  { name: '平成', letter: 'H', start: '1989-01-08' },
  { name: '令和', letter: 'R', start: '2019-05-01' },
];

function eraOf(iso: string): Era | undefined {
  let found: Era | undefined;
  for (const e of ERAS) if (iso >= e.start) found = e;
  return found;
}

/** '2025-04-01' → '令和7年4月1日' (元年 for year 1). Dates before 明治 fall back to 西暦. */
export function formatWareki(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const era = eraOf(iso);
  if (!era) return `${y}年${mo}月${d}日`;
  const ey = y - Number(era.start.slice(0, 4)) + 1;
  return `${era.name}${ey === 1 ? '元' : ey}年${mo}月${d}日`;
}

/** '2025-04-01' → '2025年4月1日'. */
export function formatSeireki(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
}

function isoOf(y: number, m: number, d: number): string | null {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * Parse a date typed by staff, in 西暦 or 和暦:
 *   2025-04-01, 2025/4/1, 20250401, 2025年4月1日,
 *   令和7年4月1日, 令和元年5月1日, R7.4.1, r7/4/1, H1.1.8, S50-1-1, 昭和50年1月1日.
 * Returns the ISO date, or null when the text is not a real date (or the 和暦 year is outside its era).
 */
export function parseDateInput(input: string): string | null {
  const s = input.normalize('NFKC').trim().replace(/\s+/g, '');
  if (s === '') return null;
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return isoOf(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  if (m) return isoOf(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(明治|大正|昭和|平成|令和|[MTSHRmtshr])(元|\d{1,2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  if (m) {
    const key = m[1]!;
    const era = ERAS.find((e) => e.name === key || e.letter === key.toUpperCase());
    if (!era) return null;
    const ey = m[2] === '元' ? 1 : Number(m[2]);
    if (ey < 1) return null;
    const iso = isoOf(Number(era.start.slice(0, 4)) + ey - 1, Number(m[3]), Number(m[4]));
    if (!iso) return null;
    // The date must lie within that era (平成31年5月1日 is not a date; 令和元年5月1日 is).
    const idx = ERAS.indexOf(era);
    const next = ERAS[idx + 1];
    if (iso < era.start || (next && iso >= next.start)) return null;
    return iso;
  }
  return null;
}

/** The form for messages a clerk reads: 和暦 with the 西暦 after it, '令和8年11月30日(2026-11-30)'. */
export function formatDateForClerk(iso: string): string {
  const wareki = formatWareki(iso);
  return wareki === iso ? iso : `${wareki}(${iso})`;
}

/** A 年度 as a person reads it: 2026 → 令和8年度 (the 年度 begins on 1 April). */
export function fiscalYearLabel(fiscalYear: number): string {
  return formatWareki(`${fiscalYear}-04-01`).replace(/年\d+月\d+日$/, '年度');
}

/** An income year: 2025 → 令和7年分. */
export function incomeYearLabel(year: number): string {
  return formatWareki(`${year}-12-31`).replace(/年\d+月\d+日$/, '年分');
}
