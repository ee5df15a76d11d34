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

/** The same arithmetic in bigint only (the representation before the safe-integer fast path). */
const ref = {
  parse: (t: string) => {
    const neg = t.startsWith('-');
    const [i, f = ''] = (neg ? t.slice(1) : t).split('.') as [string, string?];
    return { u: (neg ? -1n : 1n) * BigInt(i + f), s: f.length };
  },
  at: (x: { u: bigint; s: number }, s: number) => x.u * 10n ** BigInt(s - x.s),
  /** The shortest text: trailing zeros of the fraction dropped. */
  text: (x: { u: bigint; s: number }) => {
    let { u, s } = x;
    while (s > 0 && u % 10n === 0n) [u, s] = [u / 10n, s - 1];
    const neg = u < 0n;
    const digits = (neg ? -u : u).toString().padStart(s + 1, '0');
    return `${neg ? '-' : ''}${s === 0 ? digits : `${digits.slice(0, -s)}.${digits.slice(-s)}`}`;
  },
  floorTo: (x: { u: bigint; s: number }, unit: number) => {
    const d = 10n ** BigInt(x.s) * BigInt(unit);
    let q = x.u / d;
    if (x.u < 0n && q * d !== x.u) q -= 1n;
    return q * BigInt(unit);
  },
};

describe('Decimal: safe integers and bigint give the same exact answers', () => {
  const text = fc.tuple(fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }), fc.integer({ min: 0, max: 12 })).map(([u, s]) => {
    const neg = u < 0n;
    const digits = (neg ? -u : u).toString().padStart(s + 1, '0');
    return `${neg ? '-' : ''}${s === 0 ? digits : `${digits.slice(0, -s)}.${digits.slice(-s)}`}`;
  });

  it('property: plus, minus, times, compare and floorTo agree with bigint-only arithmetic, across the 2^53 boundary', () => {
    fc.assert(
      fc.property(text, text, fc.integer({ min: 1, max: 1000 }), (ta, tb, unit) => {
        const a = Decimal.parse(ta);
        const b = Decimal.parse(tb);
        const ra = ref.parse(ta);
        const rb = ref.parse(tb);
        const s = Math.max(ra.s, rb.s);
        const check = (d: Decimal, r: { u: bigint; s: number }) => {
          expect(d.toString()).toBe(ref.text(r));
          const f = ref.floorTo(r, unit);
          if (f <= BigInt(Number.MAX_SAFE_INTEGER) && f >= BigInt(Number.MIN_SAFE_INTEGER)) expect(d.floorTo(unit)).toBe(Number(f));
          else expect(() => d.floorTo(unit)).toThrow(/金額が大きすぎます/);
        };
        check(a.plus(b), { u: ref.at(ra, s) + ref.at(rb, s), s });
        check(a.minus(b), { u: ref.at(ra, s) - ref.at(rb, s), s });
        check(a.times(b), { u: ra.u * rb.u, s: ra.s + rb.s });
        const ca = ref.at(ra, s);
        const cb = ref.at(rb, s);
        expect(a.compare(b)).toBe(ca < cb ? -1 : ca > cb ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('rate × yen near 2^53 falls back to bigint exactly', () => {
    // 9,007,199,254,740,991 × 0.0745 = 671,036,344,478,203.8295 (beyond a safe product of units).
    expect(Decimal.parse('0.0745').times(Number.MAX_SAFE_INTEGER).toString()).toBe('671036344478203.8295');
    expect(Decimal.parse('0.0745').times(Number.MAX_SAFE_INTEGER).floorTo(1)).toBe(671_036_344_478_203);
    expect(Decimal.ofInteger(Number.MAX_SAFE_INTEGER).plus(Decimal.ofInteger(1)).toString()).toBe('9007199254740992');
  });
});
