import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FIRST_YEAR, LAST_YEAR, equinoxDay, holidaysBetween, holidaysOf, isHoliday } from './holidays.js';

/**
 * The published holidays (内閣府「国民の祝日について」, syukujitsu.csv, which lists 祝日 and 休日 up to the
 * year after the current one; the equinox days of 2027 are from 国立天文台's 令和9年 暦要項, February 2026).
 * They include the one-off years 2019 (即位), 2020 and 2021 (the Olympic moves).
 */
const PUBLISHED: Record<number, string> = {
  2018: '01-01 01-08 02-11 02-12 03-21 04-29 04-30 05-03 05-04 05-05 07-16 08-11 09-17 09-23 09-24 10-08 11-03 11-23 12-23 12-24',
  2019: '01-01 01-14 02-11 03-21 04-29 04-30 05-01 05-02 05-03 05-04 05-05 05-06 07-15 08-11 08-12 09-16 09-23 10-14 10-22 11-03 11-04 11-23',
  2020: '01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-23 07-24 08-10 09-21 09-22 11-03 11-23',
  2021: '01-01 01-11 02-11 02-23 03-20 04-29 05-03 05-04 05-05 07-22 07-23 08-08 08-09 09-20 09-23 11-03 11-23',
  2022: '01-01 01-10 02-11 02-23 03-21 04-29 05-03 05-04 05-05 07-18 08-11 09-19 09-23 10-10 11-03 11-23',
  2023: '01-01 01-02 01-09 02-11 02-23 03-21 04-29 05-03 05-04 05-05 07-17 08-11 09-18 09-23 10-09 11-03 11-23',
  2024: '01-01 01-08 02-11 02-12 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-15 08-11 08-12 09-16 09-22 09-23 10-14 11-03 11-04 11-23',
  2025: '01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-21 08-11 09-15 09-23 10-13 11-03 11-23 11-24',
  2026: '01-01 01-12 02-11 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-20 08-11 09-21 09-22 09-23 10-12 11-03 11-23',
  2027: '01-01 01-11 02-11 02-23 03-21 03-22 04-29 05-03 05-04 05-05 07-19 08-11 09-20 09-23 10-11 11-03 11-23',
};

const dow = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const next = (date: string, n = 1) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe('国民の祝日・休日 computed from the law', () => {
  it.each(Object.entries(PUBLISHED))('%s equals the published list', (year, days) => {
    expect([...holidaysOf(Number(year)).keys()]).toEqual(days.split(' ').map((d) => `${year}-${d}`));
  });

  it('names the days', () => {
    expect(holidaysOf(2026).get('2026-09-22')).toBe('国民の休日');
    expect(holidaysOf(2026).get('2026-05-06')).toBe('振替休日');
    expect(holidaysOf(2019).get('2019-05-01')).toBe('天皇の即位の日');
    expect(holidaysOf(2018).get('2018-12-23')).toBe('天皇誕生日');
    expect(holidaysOf(2026).get('2026-02-23')).toBe('天皇誕生日');
    expect(holidaysOf(2003).get('2003-07-21')).toBe('海の日'); // the first Happy Monday 海の日
  });

  it('before 2007 a Sunday holiday moved to the Monday only; since then past further holidays', () => {
    // 2006-05-03..05 were Wed–Fri: nothing. 2008-05-04 (みどりの日) was a Sunday: 05-05 is こどもの日, so 05-06.
    expect(isHoliday('2008-05-06')).toBe(true);
    // 2003-11-23 (Sunday) → 2003-11-24.
    expect(isHoliday('2003-11-24')).toBe(true);
  });

  it('knows nothing outside 2000–2099 rather than guessing', () => {
    expect(holidaysOf(FIRST_YEAR - 1).size).toBe(0);
    expect(holidaysOf(LAST_YEAR + 1).size).toBe(0);
    expect(isHoliday('2100-01-01')).toBe(false);
  });

  it('for every year: the rules that hold whatever the calendar does', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_YEAR, max: LAST_YEAR }), (year) => {
        const days = holidaysOf(year);
        const list = [...days.keys()];
        // Always there.
        for (const md of ['01-01', '02-11', '05-03', '05-05', '11-03', '11-23']) expect(days.has(`${year}-${md}`)).toBe(true);
        // Equinoxes within their known windows.
        expect(equinoxDay(year, 'spring')).toBeGreaterThanOrEqual(19);
        expect(equinoxDay(year, 'spring')).toBeLessThanOrEqual(21);
        expect(equinoxDay(year, 'autumn')).toBeGreaterThanOrEqual(21);
        expect(equinoxDay(year, 'autumn')).toBeLessThanOrEqual(24);
        // Happy Mondays fall on Mondays (outside the one-off years).
        for (const [d, name] of days) if (['成人の日', '体育の日'].includes(name) || (year >= 2003 && ['海の日', '敬老の日', 'スポーツの日'].includes(name) && year !== 2020 && year !== 2021)) expect(dow(d), `${d} ${name}`).toBe(1);
        // A 祝日 on a Sunday is followed by a 振替休日 before the next working day.
        for (const [d, name] of days) {
          if (dow(d) !== 0 || name === '振替休日' || name === '国民の休日') continue;
          let n = next(d);
          while (days.has(n) && days.get(n) !== '振替休日') n = next(n);
          expect(days.get(n), `${d} ${name}`).toBe('振替休日');
        }
        // Sorted, unique, within the year, and a plausible count.
        expect(list).toEqual([...new Set(list)].sort());
        expect(list.every((d) => d.startsWith(`${year}-`))).toBe(true);
        expect(list.length).toBeGreaterThanOrEqual(15);
        expect(list.length).toBeLessThanOrEqual(24);
      }),
      { numRuns: 100 },
    );
  });

  it('holidaysBetween concatenates the years', () => {
    const all = holidaysBetween(2024, 2027);
    expect(all).toEqual(Object.entries(PUBLISHED).filter(([y]) => Number(y) >= 2024).flatMap(([y, d]) => d.split(' ').map((x) => `${y}-${x}`)));
  });
});
