/**
 * Calendar helpers on day numbers (days since 1970-01-01, UTC) with precomputed ISO strings, so the
 * generator formats millions of dates without allocating Date objects.
 */

const MS_PER_DAY = 86_400_000;

export function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

const FIRST = dayNumber(1880, 1, 1);
const LAST = dayNumber(2040, 12, 31);

let iso: string[] | undefined;
let years: Int16Array | undefined;
let monthDays: Int16Array | undefined; // month * 100 + day

function tables(): { iso: string[]; years: Int16Array; monthDays: Int16Array } {
  if (!iso || !years || !monthDays) {
    const n = LAST - FIRST + 1;
    iso = new Array<string>(n);
    years = new Int16Array(n);
    monthDays = new Int16Array(n);
    for (let i = 0; i < n; i++) {
      const d = new Date((FIRST + i) * MS_PER_DAY);
      iso[i] = d.toISOString().slice(0, 10);
      years[i] = d.getUTCFullYear();
      monthDays[i] = (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
    }
  }
  return { iso, years, monthDays };
}

function index(day: number): number {
  const i = day - FIRST;
  if (i < 0 || i > LAST - FIRST || !Number.isInteger(i)) throw new RangeError(`日付が範囲外です: ${day}`);
  return i;
}

/** 'YYYY-MM-DD'. */
export function isoDate(day: number): string {
  return tables().iso[index(day)]!;
}

export function yearOf(day: number): number {
  return tables().years[index(day)]!;
}

/** Age in full years on refDay (a person born on 2 March is one year older on each 2 March). */
export function ageOn(birthDay: number, refDay: number): number {
  const t = tables();
  const b = index(birthDay);
  const r = index(refDay);
  return t.years[r]! - t.years[b]! - (t.monthDays[r]! < t.monthDays[b]! ? 1 : 0);
}

/** The same month and day `n` years later (29 February → 1 March). */
export function addYears(day: number, n: number): number {
  const t = tables();
  const i = index(day);
  const md = t.monthDays[i]!;
  const month = Math.floor(md / 100);
  const d = md % 100;
  const target = dayNumber(t.years[i]! + n, month, d);
  return target;
}

/** The demo city's "today": every generated date is on or before it. */
export const AS_OF = dayNumber(2026, 11, 1);
export const AS_OF_ISO = '2026-11-01';
