import { describe, expect, it } from 'vitest';
import { checkUnemployment, unemploymentSpan } from './unemployment.rules.js';

const CODES = ['11', '12', '21', '22', '31', '32', '23', '33', '34'];
const ok = { today: '2026-11-30', birthDate: '1975-06-15', ageUnder: 65, eligibleCodes: CODES, insuredInPeriod: true };
const fields = (n: Parameters<typeof checkUnemployment>[0], f = ok) => checkUnemployment(n, f).map((e) => e.field);

describe('checkUnemployment (pure)', () => {
  it('accepts an eligible code, under 65 on the 離職日, insured in the period, 届出日 today or before', () => {
    expect(checkUnemployment({ separatedOn: '2026-09-30', reasonCode: '11', reportedOn: '2026-11-30' }, ok)).toEqual([]);
    expect(checkUnemployment({ separatedOn: '2026-03-31', reasonCode: '34', reportedOn: '2026-04-10' }, ok)).toEqual([]);
  });
  it('refuses a code outside the list (25 定年退職, 24, 40, 50), naming the field and the rule', () => {
    for (const code of ['25', '24', '40', '50']) expect(fields({ separatedOn: '2026-09-30', reasonCode: code, reportedOn: '2026-11-30' })).toEqual(['reasonCode']);
    expect(checkUnemployment({ separatedOn: '2026-09-30', reasonCode: '25', reportedOn: '2026-11-30' }, ok)[0]!.message).toMatch(/^離職理由コード: 25 は軽減の対象ではありません/);
  });
  it('refuses 65 or over on the 離職日 (age by ageOn: 65 from the birthday), a future 離職日 or 届出日, a 届出日 before 離職, not insured in the period', () => {
    const old = { ...ok, birthDate: '1961-10-01' };
    expect(fields({ separatedOn: '2026-09-30', reasonCode: '11', reportedOn: '2026-11-30' }, old)).toEqual([]);
    expect(fields({ separatedOn: '2026-10-01', reasonCode: '11', reportedOn: '2026-11-30' }, old)).toEqual(['separatedOn']);
    expect(checkUnemployment({ separatedOn: '2026-10-01', reasonCode: '11', reportedOn: '2026-11-30' }, old)[0]!.message).toMatch(/^離職日: 離職日に65歳未満/);
    expect(fields({ separatedOn: '2026-12-01', reasonCode: '11', reportedOn: '2026-11-30' })).toEqual(['separatedOn', 'reportedOn']);
    expect(fields({ separatedOn: '2026-09-30', reasonCode: '11', reportedOn: '2026-12-01' })).toEqual(['reportedOn']);
    expect(fields({ separatedOn: '2026-09-30', reasonCode: '11', reportedOn: '2026-09-01' })).toEqual(['reportedOn']);
    expect(fields({ separatedOn: '2026-09-30', reasonCode: '11', reportedOn: '2026-11-30' }, { ...ok, insuredInPeriod: false })).toEqual(['separatedOn']);
  });
  it('the span: from the day after 離職 to the end of the following 年度', () => {
    expect(unemploymentSpan('2026-09-30', 1)).toEqual({ from: '2026-10-01', until: '2028-04-01' });
    expect(unemploymentSpan('2026-03-31', 1)).toEqual({ from: '2026-04-01', until: '2028-04-01' });
    expect(unemploymentSpan('2026-03-30', 1)).toEqual({ from: '2026-03-31', until: '2027-04-01' });
  });
});
