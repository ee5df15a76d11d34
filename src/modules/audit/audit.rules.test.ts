import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { assertNoMyNumber, canonicalJson, MY_NUMBER_REDACTED, redactMyNumberLike } from './audit.rules.js';
import { myNumberCheckDigit } from '../../lib/mynumber.js';

describe('no My Number in audit details', () => {
  it('refuses a 12-digit run in a value, a number or a key, also in full-width digits', () => {
    expect(() => assertNoMyNumber({ q: '123456789012' })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ q: 'メモ 123456789012 です' })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ n: 123456789012 })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ '123456789012': 1 })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ q: ['１２３４５６７８９０１２'] })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ q: 'abc123456789012def', long: '91234567890123' })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ q: '1234-5678-9012' })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ atena: 100000001, list: [100000001, 100000002], date: '2026-04-01', at: '2026-04-01T09:00:00.000Z', eleven: '12345678901' })).not.toThrow();
  });

  it('lets hex digests through under a key naming them (a SHA-256 may hold 12 digits in a row by chance), not by shape alone', () => {
    const digest = `ab${'123456789012'}${'cd'.repeat(25)}`;
    expect(() => assertNoMyNumber({ sha256: digest, sessionRef: '1234567890123abc'.slice(0, 16) })).not.toThrow();
    expect(() => assertNoMyNumber({ note: digest })).toThrow(/12桁/);
    expect(redactMyNumberLike({ name: 'aa123456789012bb' })).toEqual({ name: `aa${MY_NUMBER_REDACTED}bb` });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 64 }), (bytes) => {
        assertNoMyNumber({ sha256: createHash('sha256').update(bytes).digest('hex'), sessionRef: Buffer.from(bytes).toString('hex').slice(0, 16) });
      }),
      { numRuns: 2000 },
    );
  });

  it('masks instead of refusing when user input is echoed into a detail', () => {
    const out = redactMyNumberLike({ criteria: { name: '山田123456789012' }, attemptedStaffId: '１２３４５６７８９０１２', n: 123456789012, keep: 'abc', sha256: 'a'.repeat(64) }) as Record<string, unknown>;
    expect(out).toEqual({ criteria: { name: `山田${MY_NUMBER_REDACTED}` }, attemptedStaffId: MY_NUMBER_REDACTED, n: MY_NUMBER_REDACTED, keep: 'abc', sha256: 'a'.repeat(64) });
    expect(() => assertNoMyNumber(out)).not.toThrow();
    fc.assert(
      fc.property(fc.jsonValue(), fc.stringMatching(/^\d{12}$/), (v, num) => {
        const redacted = redactMyNumberLike({ v, num, text: `x${num}y` });
        assertNoMyNumber(redacted);
        expect(canonicalJson(redacted)).not.toContain(num);
      }),
      { numRuns: 300 },
    );
  });

  it('no valid My Number survives anywhere in any string: inside words and longer numbers, full-width, split by spaces or hyphens', () => {
    const myNumber = fc.stringMatching(/^\d{11}$/).map((first11) => first11 + String(myNumberCheckDigit(first11)));
    const toFullWidth = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    const written = fc.oneof(
      myNumber.map((n) => ({ n, text: n })),
      myNumber.map((n) => ({ n, text: toFullWidth(n) })),
      myNumber.map((n) => ({ n, text: `${n.slice(0, 4)}-${n.slice(4, 8)}-${n.slice(8)}` })),
      myNumber.map((n) => ({ n, text: `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8)}` })),
      myNumber.map((n) => ({ n, text: toFullWidth(`${n.slice(0, 4)}　${n.slice(4, 8)}－${n.slice(8)}`) })),
      fc.tuple(myNumber, fc.array(fc.constantFrom('', ' ', '-', '‐', 'ー', '.', ',', '  '), { minLength: 11, maxLength: 11 })).map(([n, seps]) => ({
        n,
        text: [...n].map((d, i) => d + (seps[i] ?? '')).join(''),
      })),
    );
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.stringMatching(/^\d{0,6}$/));
    const fold = (s: string) => s.normalize('NFKC').replace(/(\d)[\s\-‐‑‒–—―−ーｰ.,]+(?=\d)/g, '$1');
    fc.assert(
      fc.property(written, text, text, fc.constantFrom('value', 'key', 'nested', 'sha256-lookalike'), ({ n, text: w }, before, after, where) => {
        const s = `${before}${w}${after}`;
        const detail =
          where === 'value' ? { q: s } : where === 'key' ? { [s]: 1 } : where === 'nested' ? { a: [{ b: [s] }] } : { note: `ab${n}cd`.padEnd(64, 'e') };
        const out = canonicalJson(redactMyNumberLike(detail));
        expect(fold(out)).not.toContain(n);
        assertNoMyNumber(redactMyNumberLike(detail));
      }),
      { numRuns: 3000 },
    );
  });
});
