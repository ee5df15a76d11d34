import { describe, expect, it } from 'vitest';
import { axisOf, pseudoHeadSpans, tickStep, xOf, type MemberPeriods } from '../../web/src/timeline.js';

const H = 500;
const member = (atenaNo: number, ...periods: [string, string | null, number?][]): MemberPeriods => ({
  atenaNo,
  periods: periods.map(([acquiredOn, lostOn, householdNo]) => ({ from: acquiredOn, to: lostOn, acquiredOn, lostOn, householdNo: householdNo ?? H })),
});

describe('国保加入の経過: 擬制世帯主 spans', () => {
  it('none while the head is insured; from the head’s loss while members stay insured', () => {
    const head = member(1, ['2010-04-01', '2020-04-01']);
    const wife = member(2, ['2010-04-01', null]);
    expect(pseudoHeadSpans([head, wife], 1, H)).toEqual([{ from: '2020-04-01', to: null }]);
  });

  it('ends when the members lose theirs, and merges adjacent spans', () => {
    const head = member(1);
    const a = member(2, ['2015-01-01', '2016-01-01']);
    const b = member(3, ['2016-01-01', '2017-06-01']);
    expect(pseudoHeadSpans([head, a, b], 1, H)).toEqual([{ from: '2015-01-01', to: '2017-06-01' }]);
  });

  it('a head insured again ends the span; periods in another household do not count', () => {
    const head = member(1, ['2018-04-01', null]);
    const child = member(2, ['2012-04-01', null], ['2005-01-01', '2012-04-01', 999]);
    expect(pseudoHeadSpans([head, child], 1, H)).toEqual([{ from: '2012-04-01', to: '2018-04-01' }]);
  });

  it('nobody insured or no head: none', () => {
    expect(pseudoHeadSpans([member(1), member(2)], 1, H)).toEqual([]);
    expect(pseudoHeadSpans([member(2, ['2012-04-01', null])], null, H)).toEqual([]);
  });
});

describe('the axis', () => {
  it('spans whole years from the earliest date to today or the latest date', () => {
    const a = axisOf(['2010-04-01', '2020-03-31'], '2026-11-30');
    expect(a).toMatchObject({ start: '2010-01-01', end: '2027-01-01' });
    expect(a.years).toHaveLength(17);
    expect(xOf(a, '2010-01-01', 1000)).toBe(0);
    expect(xOf(a, '2027-01-01', 1000)).toBe(1000);
    expect(xOf(a, '1990-01-01', 1000)).toBe(0);
    expect(xOf(a, '2018-07-02', 1000)).toBeCloseTo(500, -1);
    expect(tickStep(17)).toBe(2);
    expect(tickStep(5)).toBe(1);
    expect(tickStep(70)).toBe(10);
  });
});
