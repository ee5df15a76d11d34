import { describe, expect, it } from 'vitest';
import { monthLabel, parseMonthInput } from '../../web/src/pages/PerinatalSection.js';

describe('the month of birth as typed at the counter', () => {
  it('accepts 西暦 and 和暦 forms, full-width digits too', () => {
    expect(parseMonthInput('2027-01')).toBe('2027-01');
    expect(parseMonthInput('2027/1')).toBe('2027-01');
    expect(parseMonthInput('２０２７年１月')).toBe('2027-01');
    expect(parseMonthInput('令和9年1月')).toBe('2027-01');
    expect(parseMonthInput('R9.1')).toBe('2027-01');
  });
  it('refuses what is not a month', () => {
    expect(parseMonthInput('2027-13')).toBeNull();
    expect(parseMonthInput('来年')).toBeNull();
    expect(parseMonthInput('')).toBeNull();
  });
  it('reads back in 和暦', () => expect(monthLabel('2027-01')).toBe('令和9年1月'));
});
