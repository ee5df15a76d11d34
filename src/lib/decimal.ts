/**
 * Exact decimals for rates ("0.0745"), never floats: a value is an integer of units and a scale
 * (number of digits after the point), both held exactly. Money stays integer yen; a rate times yen is
 * exact here, and the rule that applies (truncate to the yen, to 100 yen …) is chosen by the caller with
 * `floorTo`.
 *
 * The units are a JavaScript integer while they are safe (|units| < 2^53, where every integer and every
 * product or sum that stays below it is exact), else a bigint: the 本算定 makes tens of millions of these
 * and a bigint per step cost seconds. Every operation checks that its result is still safe and otherwise
 * redoes the step in bigint, so the answer is the same exact one either way (tested against bigint-only).
 */
/** 10^n as bigint and as number (exact up to 10^15), for the scales rates use. */
const POW10: bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));
const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n);
const POW10N: number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

type Units = number | bigint;
const big = (u: Units): bigint => (typeof u === 'bigint' ? u : BigInt(u));
/** A bigint result as a number when it is safe, so that later steps take the fast path again. */
const norm = (u: bigint): Units => (u <= 9007199254740991n && u >= -9007199254740991n ? Number(u) : u);

export class Decimal {
  private constructor(
    /** The value times 10^scale: a safe integer, or a bigint beyond it. */
    private readonly u: Units,
    readonly scale: number,
  ) {}

  static readonly PATTERN = /^-?\d+(\.\d+)?$/;

  /** '0.0745' → Decimal. Throws on anything that is not a plain decimal number (no exponent, no spaces). */
  static parse(text: string): Decimal {
    if (!Decimal.PATTERN.test(text)) throw new Error(`小数として読めません: ${JSON.stringify(text)}(例: "0.0745")`);
    const negative = text.startsWith('-');
    const [int, frac = ''] = (negative ? text.slice(1) : text).split('.') as [string, string?];
    const units = BigInt(int + frac);
    return new Decimal(norm(negative ? -units : units), frac.length);
  }

  static ofInteger(n: number | bigint): Decimal {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new Error(`整数ではありません: ${n}`);
    return new Decimal(typeof n === 'bigint' ? norm(n) : n, 0);
  }

  /** The units at a scale ≥ this one's. */
  private at(scale: number): Units {
    if (scale === this.scale) return this.u;
    const d = scale - this.scale;
    if (typeof this.u === 'number' && d < POW10N.length) {
      const v = this.u * POW10N[d]!;
      if (Number.isSafeInteger(v)) return v;
    }
    return big(this.u) * pow10(d);
  }

  plus(other: Decimal): Decimal {
    const s = Math.max(this.scale, other.scale);
    const a = this.at(s);
    const b = other.at(s);
    if (typeof a === 'number' && typeof b === 'number') {
      const v = a + b;
      if (Number.isSafeInteger(v)) return new Decimal(v, s);
    }
    return new Decimal(norm(big(a) + big(b)), s);
  }

  minus(other: Decimal): Decimal {
    const s = Math.max(this.scale, other.scale);
    const a = this.at(s);
    const b = other.at(s);
    if (typeof a === 'number' && typeof b === 'number') {
      const v = a - b;
      if (Number.isSafeInteger(v)) return new Decimal(v, s);
    }
    return new Decimal(norm(big(a) - big(b)), s);
  }

  times(other: Decimal | number): Decimal {
    const o = typeof other === 'number' ? Decimal.ofInteger(other) : other;
    if (typeof this.u === 'number' && typeof o.u === 'number') {
      const v = this.u * o.u;
      if (Number.isSafeInteger(v)) return new Decimal(v === 0 ? 0 : v, this.scale + o.scale); // no -0
    }
    return new Decimal(norm(big(this.u) * big(o.u)), this.scale + o.scale);
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const s = Math.max(this.scale, other.scale);
    const a = this.at(s);
    const b = other.at(s);
    return a < b ? -1 : a > b ? 1 : 0; // number and bigint compare exactly with each other
  }

  equals(other: Decimal): boolean {
    return this.compare(other) === 0;
  }

  /**
   * The largest multiple of `unit` (a positive integer, e.g. 1 yen or 100 yen) not above the value
   * (切り捨て toward minus infinity), as a number. Throws if the result is not a safe integer.
   */
  floorTo(unit: number = 1): number {
    if (!Number.isSafeInteger(unit) || unit < 1) throw new Error(`単位は1以上の整数です: ${unit}`);
    if (typeof this.u === 'number' && this.scale < POW10N.length) {
      const divisor = POW10N[this.scale]! * unit;
      if (Number.isSafeInteger(divisor)) {
        // The float quotient is within one of the true one; the products below are exact (all safe).
        let q = Math.floor(this.u / divisor);
        if (q * divisor > this.u) q -= 1;
        else if ((q + 1) * divisor <= this.u) q += 1;
        const result = q * unit;
        if (Number.isSafeInteger(result)) return result === 0 ? 0 : result;
      }
    }
    const units = big(this.u);
    const divisor = unit === 1 ? pow10(this.scale) : pow10(this.scale) * BigInt(unit);
    let q = units / divisor;
    if (units < 0n && q * divisor !== units) q -= 1n;
    const result = q * BigInt(unit);
    if (result > BigInt(Number.MAX_SAFE_INTEGER) || result < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error('金額が大きすぎます');
    return Number(result);
  }

  /** The shortest exact text: '0.0745', '3', '-1.5' (trailing zeros dropped). */
  toString(): string {
    let units = big(this.u);
    let scale = this.scale;
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale--;
    }
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return negative ? `-${text}` : text;
  }

  /** As a percentage for people: '0.0745' → '7.45%'. */
  toPercent(): string {
    return `${this.times(100).toString()}%`;
  }

  toJSON(): string {
    return this.toString();
  }
}
