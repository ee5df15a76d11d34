import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fakeMyNumber, isValidMyNumber, myNumberCheckDigit } from './mynumber.js';

// Published example numbers, each checked by hand against 総務省令第85号 第5条.
describe('My Number check digit (総務省令第85号 第5条)', () => {
  it('accepts the published valid examples and rejects a wrong check digit', () => {
    expect(isValidMyNumber('123456789018')).toBe(true);
    expect(isValidMyNumber('983205673214')).toBe(true);
    expect(isValidMyNumber('983205673210')).toBe(false);
  });

  it('rejects anything that is not 12 digits', () => {
    for (const v of ['', '12345678901', '1234567890123', '12345678901a', '１２３４５６７８９０１８']) expect(isValidMyNumber(v)).toBe(false);
  });

  // An independent statement of the formula: weights 6 5 4 3 2 7 6 5 4 3 2 from the left.
  const reference = (d11: string) => {
    const w = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    const r = [...d11].reduce((s, ch, i) => s + Number(ch) * w[i]!, 0) % 11;
    return r <= 1 ? 0 : 11 - r;
  };

  it('agrees with the left-to-right weight form on 100,000 random inputs', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), (d11) => myNumberCheckDigit(d11) === reference(d11)),
      { numRuns: 100_000 },
    );
  });

  // Remainders 0 and 1 both give check digit 0, so not every changed data digit is caught; a changed
  // check digit always is, and exactly one check digit fits any 11 digits.
  it('exactly one check digit makes any 11 digits valid', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), (d11) => [...'0123456789'].filter((c) => isValidMyNumber(d11 + c)).length === 1),
    );
  });

  it('fake numbers are valid and carry the 99 marker', () => {
    fc.assert(fc.property(fc.nat(), (n) => isValidMyNumber(fakeMyNumber(n)) && fakeMyNumber(n).startsWith('99')));
  });
});
