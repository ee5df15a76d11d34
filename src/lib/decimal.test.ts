import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from './decimal.js';

describe('Decimal (exact, no floats)', () => {
  it('parses plain decimal text only', () => {
    expect(Decimal.parse('0.0745').toString()).toBe('0.0745');
    expect(Decimal.parse('-1.50').toString()).toBe('-1.5');
    expect(Decimal.parse('3').toString()).toBe('3');
    for (const bad of ['', '.5', '1.', '1e-3', ' 1', '0x10', '1,000', 'NaN']) expect(() => Decimal.parse(bad)).toThrow(/小数として読めません/);
  });

  it('adds exactly where floats do not (0.1 + 0.2 = 0.3)', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(Decimal.parse('0.1').plus(Decimal.parse('0.2')).equals(Decimal.parse('0.3'))).toBe(true);
    expect(Decimal.parse('0.3').minus(Decimal.parse('0.1')).toString()).toBe('0.2');
  });

  it('rate × yen is exact and floorTo truncates to the unit', () => {
    // 772,000 × 7.5% = 57,900 exactly; 1,234,567 × 7.45% = 91,975.2415 → 91,975 (yen) → 91,900 (100 yen).
    expect(Decimal.parse('0.075').times(772_000).floorTo(1)).toBe(57_900);
    const levy = Decimal.parse('0.0745').times(1_234_567);
    expect(levy.toString()).toBe('91975.2415');
    expect(levy.floorTo(1)).toBe(91_975);
    expect(levy.floorTo(100)).toBe(91_900);
    expect(Decimal.parse('-0.5').floorTo(1)).toBe(-1);
  });

  it('matches integer arithmetic on random rates and amounts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 50_000_000 }), (basisPoints, yen) => {
        // rate = basisPoints / 100000 (five decimals), so yen × rate floored = floor(yen × basisPoints / 100000).
        const rate = Decimal.parse(`0.${String(basisPoints).padStart(5, '0')}`);
        expect(rate.times(yen).floorTo(1)).toBe(Math.floor((yen * basisPoints) / 100_000));
        expect(rate.compare(Decimal.parse('1'))).toBe(-1);
      }),
    );
  });

  it('prints percentages for people', () => {
    expect(Decimal.parse('0.0745').toPercent()).toBe('7.45%');
    expect(Decimal.parse('0.5').toPercent()).toBe('50%');
  });
});
