/**
 * 国民の祝日 and 休日 of Japan, computed from the rules of 国民の祝日に関する法律 (昭和23年法律第178号),
 * held as dated data, for the years 2000–2099.
 *
 * Who needs it: the after-hours rule of the audit trail (閉庁日), and later the due dates of tax
 * installments, which move to the next business day when they fall on a holiday (地方税法 20条の5,
 * 国税通則法 10条2項 by reference).
 *
 * - 祝日 (`RULES`): fixed dates, Mondays of a week ("Happy Monday", 平成10年法律第141号 and
 *   平成13年法律第59号), and the equinox days.
 * - 春分の日・秋分の日: the law names the equinox day; 国立天文台 announces it in the 暦要項 each February
 *   for the next year (官報). The formula below is the usual approximation of the astronomical date. It
 *   gives the announced dates for the years published so far; a year it would get wrong can be pinned in
 *   `ONE_OFF` (a dated data change, as for every other rule).
 * - 振替休日 (法3条2項): a 祝日 on a Sunday makes the next day that is not a 祝日 a holiday (before 2007:
 *   the Monday only).
 * - 国民の休日 (法3条3項): a day between two 祝日 that is not itself a 祝日 (nor a Sunday) is a holiday.
 * - One-off laws (`ONE_OFF`): 2019 (天皇の即位の日及び即位礼正殿の儀の行われる日を休日とする法律, 平成30年法律第99号)
 *   and the Olympic years 2020 (平成30年法律第55号) and 2021 (令和2年法律第68号), which moved 海の日,
 *   スポーツの日 and 山の日 (`skipYears` of those rules).
 */

type Rule = { name: string; from: number; to?: number; skipYears?: readonly number[]; law: string } & (
  | { kind: 'fixed'; month: number; day: number }
  | { kind: 'monday'; month: number; week: number }
  | { kind: 'equinox'; season: 'spring' | 'autumn' }
);

export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2099;

export const RULES: readonly Rule[] = [
  { name: '元日', kind: 'fixed', month: 1, day: 1, from: 1949, law: '法2条' },
  { name: '成人の日', kind: 'monday', month: 1, week: 2, from: 2000, law: '法2条 (平成10年法律第141号)' },
  { name: '建国記念の日', kind: 'fixed', month: 2, day: 11, from: 1967, law: '法2条 (昭和41年法律第86号、政令)' },
  { name: '天皇誕生日', kind: 'fixed', month: 2, day: 23, from: 2020, law: '法2条 (天皇の退位等に関する皇室典範特例法 附則10条)' },
  { name: '春分の日', kind: 'equinox', season: 'spring', from: 1949, law: '法2条 (日付は国立天文台 暦要項)' },
  { name: 'みどりの日', kind: 'fixed', month: 4, day: 29, from: 1989, to: 2006, law: '法2条 (平成元年法律第5号)' },
  { name: '昭和の日', kind: 'fixed', month: 4, day: 29, from: 2007, law: '法2条 (平成17年法律第43号)' },
  { name: '憲法記念日', kind: 'fixed', month: 5, day: 3, from: 1949, law: '法2条' },
  { name: 'みどりの日', kind: 'fixed', month: 5, day: 4, from: 2007, law: '法2条 (平成17年法律第43号)' },
  { name: 'こどもの日', kind: 'fixed', month: 5, day: 5, from: 1949, law: '法2条' },
  { name: '海の日', kind: 'fixed', month: 7, day: 20, from: 1996, to: 2002, law: '法2条 (平成7年法律第22号)' },
  { name: '海の日', kind: 'monday', month: 7, week: 3, from: 2003, skipYears: [2020, 2021], law: '法2条 (平成13年法律第59号)' },
  { name: '山の日', kind: 'fixed', month: 8, day: 11, from: 2016, skipYears: [2020, 2021], law: '法2条 (平成26年法律第43号)' },
  { name: '敬老の日', kind: 'fixed', month: 9, day: 15, from: 1966, to: 2002, law: '法2条' },
  { name: '敬老の日', kind: 'monday', month: 9, week: 3, from: 2003, law: '法2条 (平成13年法律第59号)' },
  { name: '秋分の日', kind: 'equinox', season: 'autumn', from: 1948, law: '法2条 (日付は国立天文台 暦要項)' },
  { name: '体育の日', kind: 'monday', month: 10, week: 2, from: 2000, to: 2019, law: '法2条 (平成10年法律第141号)' },
  { name: 'スポーツの日', kind: 'monday', month: 10, week: 2, from: 2020, skipYears: [2020, 2021], law: '法2条 (平成30年法律第57号)' },
  { name: '文化の日', kind: 'fixed', month: 11, day: 3, from: 1948, law: '法2条' },
  { name: '勤労感謝の日', kind: 'fixed', month: 11, day: 23, from: 1948, law: '法2条' },
  { name: '天皇誕生日', kind: 'fixed', month: 12, day: 23, from: 1989, to: 2018, law: '法2条 (平成元年法律第5号)' },
];

/** Holidays set by a law for one year only (ISO date → name and law). */
export const ONE_OFF: Readonly<Record<string, { name: string; law: string }>> = {
  '2019-05-01': { name: '天皇の即位の日', law: '平成30年法律第99号' },
  '2019-10-22': { name: '即位礼正殿の儀の行われる日', law: '平成30年法律第99号' },
  '2020-07-23': { name: '海の日', law: '平成30年法律第55号 (東京オリンピック・パラリンピック特措法)' },
  '2020-07-24': { name: 'スポーツの日', law: '平成30年法律第55号' },
  '2020-08-10': { name: '山の日', law: '平成30年法律第55号' },
  '2021-07-22': { name: '海の日', law: '令和2年法律第68号' },
  '2021-07-23': { name: 'スポーツの日', law: '令和2年法律第68号' },
  '2021-08-08': { name: '山の日', law: '令和2年法律第68号' },
};

/** 振替休日 continues past further holidays from this year (平成17年法律第43号). */
const SUBSTITUTE_CHAIN_FROM = 2007;

const iso = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const dayOfWeek = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** Day of March (spring) or September (autumn) of the equinox; the usual formula for 1980–2099. */
export function equinoxDay(year: number, season: 'spring' | 'autumn'): number {
  const base = season === 'spring' ? 20.8431 : 23.2488;
  return Math.floor(base + 0.242194 * (year - 1980) - Math.floor((year - 1980) / 4));
}

function ruleDate(rule: Rule, year: number): string {
  switch (rule.kind) {
    case 'fixed':
      return iso(year, rule.month, rule.day);
    case 'monday': {
      const firstMonday = 1 + ((8 - dayOfWeek(year, rule.month, 1)) % 7);
      return iso(year, rule.month, firstMonday + 7 * (rule.week - 1));
    }
    case 'equinox':
      return rule.season === 'spring' ? iso(year, 3, equinoxDay(year, 'spring')) : iso(year, 9, equinoxDay(year, 'autumn'));
  }
}

const cache = new Map<number, ReadonlyMap<string, string>>();

/** The holidays of a year (ISO date → name), 2000–2099; an empty map outside those years. */
export function holidaysOf(year: number): ReadonlyMap<string, string> {
  const hit = cache.get(year);
  if (hit) return hit;
  const days = new Map<string, string>();
  if (Number.isInteger(year) && year >= FIRST_YEAR && year <= LAST_YEAR) {
    for (const r of RULES) if (year >= r.from && year <= (r.to ?? Infinity) && !r.skipYears?.includes(year)) days.set(ruleDate(r, year), r.name);
    for (const [date, o] of Object.entries(ONE_OFF)) if (date.startsWith(`${year}-`)) days.set(date, o.name);
    const shukujitsu = new Set(days.keys());
    // 国民の休日: a day between two 祝日.
    for (const d of shukujitsu) {
      const between = addDays(d, 1);
      if (!shukujitsu.has(between) && shukujitsu.has(addDays(d, 2)) && new Date(`${between}T00:00:00Z`).getUTCDay() !== 0) days.set(between, '国民の休日');
    }
    // 振替休日: a 祝日 on a Sunday.
    for (const d of shukujitsu) {
      if (new Date(`${d}T00:00:00Z`).getUTCDay() !== 0) continue;
      let next = addDays(d, 1);
      if (year >= SUBSTITUTE_CHAIN_FROM) while (days.has(next)) next = addDays(next, 1);
      if (!days.has(next)) days.set(next, '振替休日');
    }
  }
  const sorted = new Map([...days].filter(([d]) => d.startsWith(`${year}-`)).sort(([a], [b]) => a.localeCompare(b)));
  cache.set(year, sorted);
  return sorted;
}

/** Is this ISO date (YYYY-MM-DD) a 国民の祝日 or 休日? */
export function isHoliday(date: string): boolean {
  return holidaysOf(Number(date.slice(0, 4))).has(date);
}

/** Every holiday from `fromYear` to `toYear` (ISO dates, ascending). */
export function holidaysBetween(fromYear: number, toYear: number): string[] {
  const out: string[] = [];
  for (let y = fromYear; y <= toYear; y++) out.push(...holidaysOf(y).keys());
  return out;
}
