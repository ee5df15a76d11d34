import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fiscalYearOf, SUPPORTED_FISCAL_YEARS } from '../../platform/params/law-params.js';
import { reassessmentYears } from './reassessment-queue.js';

describe('reassessmentYears: the 年度 a change can alter', () => {
  it('from the 年度 containing the change to the current one', () => {
    expect(reassessmentYears('2026-10-01', '2026-11-30')).toEqual([2026]);
    // 2026-03-31 lies in 令和7年度 (FY2025): both 年度 from then on.
    expect(reassessmentYears('2026-03-31', '2026-11-30')).toEqual([2025, 2026]);
    expect(reassessmentYears('2024-04-01', '2026-11-30')).toEqual([2024, 2025, 2026]);
  });
  it('a change ahead of today (a 転出予定) alters its own 年度', () => {
    expect(reassessmentYears('2027-03-31', '2026-11-30')).toEqual([2026]);
    expect(reassessmentYears('2026-04-01', '2026-03-15')).toEqual([2026]);
  });
  it('never before the parameters’ first 年度, nor more than 5 years back (地方税法 17条の5: a decrease)', () => {
    expect(reassessmentYears('2015-06-01', '2026-11-30')[0]).toBe(Math.max(SUPPORTED_FISCAL_YEARS.from, 2021));
    // judged in FY2029: 2024 is the oldest 年度 still open, 2026 the last with parameters
    expect(reassessmentYears('2015-06-01', '2029-11-30')).toEqual([2024, 2025, 2026]);
  });
  it('property: consecutive, within the parameters, containing the change’s 年度 whenever that one is allowed', () => {
    const day = fc.date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, (effectiveOn, today) => {
        const ys = reassessmentYears(effectiveOn, today);
        ys.forEach((y, i) => i > 0 && expect(y).toBe(ys[i - 1]! + 1));
        for (const y of ys) expect(y >= SUPPORTED_FISCAL_YEARS.from && y <= SUPPORTED_FISCAL_YEARS.to).toBe(true);
        const own = fiscalYearOf(effectiveOn);
        if (own >= SUPPORTED_FISCAL_YEARS.from && own <= SUPPORTED_FISCAL_YEARS.to && own >= fiscalYearOf(today) - 5) expect(ys).toContain(own);
        for (const y of ys) expect(y).toBeGreaterThanOrEqual(own);
      }),
    );
  });
});
