import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './assessment.rules.js';

/** The definition, written plainly (as it was before canonicalJson was made to build by appending). */
function reference(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('canonicalJson (the input hash and the stored input text)', () => {
  it('property: JSON of the same value with every object’s keys sorted, whatever order they were built in', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(text).toBe(reference(v));
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        // The keys in reverse order give the same text.
        const reversed = JSON.parse(JSON.stringify(v), (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x));
        expect(canonicalJson(reversed)).toBe(text);
      }),
    );
  });

  it('leaves out undefined members, as JSON.stringify does', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [1, { z: null, y: 'x' }] })).toBe('{"b":1,"c":[1,{"y":"x","z":null}]}');
  });
});
