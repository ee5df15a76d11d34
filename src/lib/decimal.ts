/**
 * Exact decimals for rates ("0.0745"), never floats: a value is an integer of units and a scale
 * (number of digits after the point), both held exactly (bigint). Money stays integer yen; a rate times
 * yen is exact here, and the rule that applies (truncate to the yen, to 100 yen …) is chosen by the
 * caller with `floorTo`.
 */
/** 10^n as bigint, for the scales rates use (computed once; beyond the table, computed). */
const POW10: bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));
const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n);

export class Decimal {
  private constructor(
    /** The value times 10^scale. */
    readonly units: bigint,
    readonly scale: number,
  ) {}

  static readonly PATTERN = /^-?\d+(\.\d+)?$/;

  /** '0.0745' → Decimal. Throws on anything that is not a plain decimal number (no exponent, no spaces). */
  static parse(text: string): Decimal {
    if (!Decimal.PATTERN.test(text)) throw new Error(`小数として読めません: ${JSON.stringify(text)}(例: "0.0745")`);
    const negative = text.startsWith('-');
    const [int, frac = ''] = (negative ? text.slice(1) : text).split('.') as [string, string?];
    const units = BigInt(int + frac);
    return new Decimal(negative ? -units : units, frac.length);
  }

  static ofInteger(n: number | bigint): Decimal {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new Error(`整数ではありません: ${n}`);
    return new Decimal(BigInt(n), 0);
  }

  private at(scale: number): bigint {
    return scale === this.scale ? this.units : this.units * pow10(scale - this.scale);
  }

  plus(other: Decimal): Decimal {
    const s = Math.max(this.scale, other.scale);
    return new Decimal(this.at(s) + other.at(s), s);
  }

  minus(other: Decimal): Decimal {
    const s = Math.max(this.scale, other.scale);
    return new Decimal(this.at(s) - other.at(s), s);
  }

  times(other: Decimal | number): Decimal {
    const o = typeof other === 'number' ? Decimal.ofInteger(other) : other;
    return new Decimal(this.units * o.units, this.scale + o.scale);
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const s = Math.max(this.scale, other.scale);
    const a = this.at(s);
    const b = other.at(s);
    return a < b ? -1 : a > b ? 1 : 0;
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
    const divisor = unit === 1 ? pow10(this.scale) : pow10(this.scale) * BigInt(unit);
    let q = this.units / divisor;
    if (this.units < 0n && q * divisor !== this.units) q -= 1n;
    const result = q * BigInt(unit);
    if (result > BigInt(Number.MAX_SAFE_INTEGER) || result < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error('金額が大きすぎます');
    return Number(result);
  }

  /** The shortest exact text: '0.0745', '3', '-1.5' (trailing zeros dropped). */
  toString(): string {
    let units = this.units;
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
