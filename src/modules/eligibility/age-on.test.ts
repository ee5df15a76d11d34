import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, ageOn, birthdayAtAge, todayInJapan } from './eligibility.rules.js';

/** Days from 1900-01-01 to 2100-12-31 as ISO dates. */
const dayArb = fc.integer({ min: 0, max: 73_000 }).map((n) => addDays('1900-01-01', n));

describe('ageOn (年齢: 年齢計算ニ関スル法律, as birthdayAtAge counts)', () => {
  it('turns a year older on the birthday, not the day before', () => {
    expect(ageOn('1980-05-10', '2026-05-09')).toBe(45);
    expect(ageOn('1980-05-10', '2026-05-10')).toBe(46);
    expect(ageOn('1980-05-10', '2026-12-31')).toBe(46);
    expect(ageOn('1980-12-31', '2026-01-01')).toBe(45);
  });

  it('is 0 on the day of birth and in the first year, -1 before the birth', () => {
    expect(ageOn('2026-04-01', '2026-04-01')).toBe(0);
    expect(ageOn('2026-04-01', '2027-03-31')).toBe(0);
    expect(ageOn('2026-04-01', '2027-04-01')).toBe(1);
    expect(ageOn('2026-04-01', '2026-03-31')).toBe(-1);
  });

  it('born on 29 February: a year older on 1 March of a common year, on 29 February of a leap year', () => {
    expect(ageOn('2000-02-29', '2001-02-28')).toBe(0);
    expect(ageOn('2000-02-29', '2001-03-01')).toBe(1);
    expect(ageOn('2000-02-29', '2023-02-28')).toBe(22);
    expect(ageOn('2000-02-29', '2023-03-01')).toBe(23);
    expect(ageOn('2000-02-29', '2024-02-28')).toBe(23);
    expect(ageOn('2000-02-29', '2024-02-29')).toBe(24);
    // 75歳到達 as the eligibility rules count it: the same day.
    expect(ageOn('1952-02-29', birthdayAtAge('1952-02-29', 75))).toBe(75);
    expect(ageOn('1952-02-29', addDays(birthdayAtAge('1952-02-29', 75), -1))).toBe(74);
  });

  it('agrees with birthdayAtAge for any birth and day (property)', () => {
    fc.assert(
      fc.property(dayArb, dayArb, (birth, day) => {
        const age = ageOn(birth, day);
        if (day < birth) return age === -1;
        return age >= 0 && birthdayAtAge(birth, age) <= day && birthdayAtAge(birth, age + 1) > day;
      }),
      { numRuns: 2000 },
    );
  });

  it('reads today in Japan: at 00:30 JST it is already the next day', () => {
    const now = new Date('2026-05-09T15:30:00Z'); // 2026-05-10 00:30 JST
    expect(todayInJapan(now)).toBe('2026-05-10');
    expect(ageOn('1980-05-10', todayInJapan(now))).toBe(46);
  });
});
