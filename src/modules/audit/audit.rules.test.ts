import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { assertNoMyNumber, canonicalJson, MY_NUMBER_REDACTED, redactMyNumberLike } from './audit.rules.js';

describe('no My Number in audit details', () => {
  it('refuses a 12-digit run in a value, a number or a key, also in full-width digits', () => {
    expect(() => assertNoMyNumber({ q: '123456789012' })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ q: 'メモ 123456789012 です' })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ n: 123456789012 })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ '123456789012': 1 })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ q: ['１２３４５６７８９０１２'] })).toThrow(/12桁/);
    expect(() => assertNoMyNumber({ atena: 100000001, list: [100000001, 100000002], long: '1234567890123' })).not.toThrow();
  });

  it('lets hex digests through (a SHA-256 may hold 12 digits in a row by chance)', () => {
    const digest = `ab${'123456789012'}${'cd'.repeat(25)}`;
    expect(() => assertNoMyNumber({ sha256: digest, sessionRef: '1234567890123abc'.slice(0, 16) })).not.toThrow();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 64 }), (bytes) => {
        assertNoMyNumber({ sha256: createHash('sha256').update(bytes).digest('hex'), ref: Buffer.from(bytes).toString('hex').slice(0, 16) });
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
});
