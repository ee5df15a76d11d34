import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonDepth } from './input-guard.js';

/** The depth of a parsed value, for comparison with jsonDepth's single pass over the text. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('jsonDepth', () => {
  it('equals the nesting depth of any JSON value (brackets inside strings do not count)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ depthSize: 'large' }), (v) => {
        expect(jsonDepth(JSON.stringify(v))).toBe(depthOf(v));
      }),
      { numRuns: 500 },
    );
    expect(jsonDepth('{"a":"[[[{{{\\"[["}')).toBe(1);
  });

  it('reads 100,000 levels without recursion and stops early past the limit', () => {
    expect(jsonDepth('['.repeat(100_000))).toBe(100_000);
    expect(jsonDepth('['.repeat(100_000), 32)).toBe(33);
  });
});
