import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lawParams } from '../../platform/params/law-params.js';
import { INSURER_NUMBER_UNSET, insurerCheckDigit, insurerNumberProblem } from './insurer-number.rules.js';

describe('保険者番号 and its 検証番号 (保険者番号設定要領)', () => {
  it('the 要領’s worked example: 3312001 → 5 (33120015)', () => {
    expect(insurerCheckDigit('3312001')).toBe(5);
  });

  it('a last digit 0 of the sum gives 検証番号 0', () => {
    // 91000: weights 2,1,2,1,2 from the first digit → 18 (counts 1+8 = 9), 1, 0, 0, 0 → 10 → 0.
    // 19000: → 2, 9, 0, 0, 0 → 11 → 10 − 1 = 9.
    expect(insurerCheckDigit('91000')).toBe(0);
    expect(insurerCheckDigit('19000')).toBe(9);
  });

  it('property: with its own 検証番号 a number passes; any other last digit fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 9 }), (serial, other) => {
        const five = `11${String(serial).padStart(3, '0')}`;
        const own = insurerCheckDigit(five);
        expect(insurerNumberProblem(`${five}${own}`, '11')).toBeNull();
        if (other !== own) expect(insurerNumberProblem(`${five}${other}`, '11')).toMatch(/検証番号/);
      }),
    );
  });

  it('property: changing one digit before the 検証番号 changes it (a single mistyped digit is caught)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 9 }), (n, pos, delta) => {
        const d = String(n).padStart(5, '0');
        const changed = `${d.slice(0, pos)}${(Number(d[pos]) + delta) % 10}${d.slice(pos + 1)}`;
        expect(insurerCheckDigit(changed)).not.toBe(insurerCheckDigit(d));
      }),
    );
  });

  it('refuses other shapes and another prefecture, naming the rule', () => {
    expect(insurerNumberProblem('11000', '11')).toMatch(/6桁/);
    expect(insurerNumberProblem('１１００００', '11')).toMatch(/6桁/);
    const tokyo = `13001${insurerCheckDigit('13001')}`;
    expect(insurerNumberProblem(tokyo, '11')).toMatch(/都道府県番号 11/);
  });

  it('the configured 保険者番号 is unset or a valid number of the city’s prefecture (埼玉県 11)', () => {
    const def = lawParams().def('certificates.insurer_number');
    for (const v of def.values) {
      const value = String(v.value);
      if (value !== INSURER_NUMBER_UNSET) expect(insurerNumberProblem(value, process.env.PREFECTURE_CODE ?? '11'), `${v.from}`).toBeNull();
    }
  });
});
