import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../test-database.js';

/** The one-pass character checks accept exactly what the rules say (the regular expressions of the original tables). */

let t: Awaited<ReturnType<typeof openTestDatabase>>;
const db = () => t.database.db as unknown as Kysely<any>;

beforeAll(async () => {
  t = await openTestDatabase();
});
afterAll(async () => t?.drop());

/** Whether the stored check holds for this value of its column. */
async function holds(constraint: string, column: string, v: string): Promise<boolean> {
  const def = (await sql<{ d: string }>`SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conname = ${constraint}`.execute(db())).rows[0]!.d;
  // No counted repetition ({n,m}) and no translate: the forms that cost O(length × allowed).
  expect(def).not.toMatch(/\{\d|translate/);
  return (await sql<{ ok: boolean }>`SELECT ${sql.raw(def.replace(/^CHECK /, ''))} AS ok FROM (VALUES (${v}::text)) AS t(${sql.id(column)})`.execute(db())).rows[0]!.ok;
}

const hexSamples = () => {
  const hex = fc.constantFrom(...'0123456789abcdef');
  const near = fc.constantFrom(...'0123456789abcdefABCDEFg- 　\n');
  return fc.oneof(fc.string({ unit: hex, minLength: 64, maxLength: 64 }), fc.string({ unit: near, minLength: 62, maxLength: 66 }), fc.string({ maxLength: 70 }));
};

describe('one-pass character checks: registry_event (2026-12-03T0600) and assessment (2026-12-04T0100)', () => {
  it('property: 異動連番 is 1–40 characters of A–Z, a–z, 0–9, _ and -', async () => {
    const allowed = fc.constantFrom(...'ABCXYZabcxyz0189_-');
    const near = fc.constantFrom(...'Aa0_-.:/ 　Ａ\\%é\n[]^');
    const sample = fc.oneof(fc.string({ unit: allowed, minLength: 0, maxLength: 42 }), fc.string({ unit: near, minLength: 1, maxLength: 41 }), fc.string({ maxLength: 45 }));
    await fc.assert(
      fc.asyncProperty(sample, async (v) => {
        expect(await holds('registry_event_event_id_check', 'event_id', v)).toBe(/^[A-Za-z0-9_-]{1,40}$/.test(v));
      }),
      { numRuns: 200 },
    );
    expect(await holds('registry_event_event_id_check', 'event_id', 'J20261130-000001')).toBe(true);
    expect(await holds('registry_event_event_id_check', 'event_id', '')).toBe(false);
    expect(await holds('registry_event_event_id_check', 'event_id', 'a'.repeat(40))).toBe(true);
    expect(await holds('registry_event_event_id_check', 'event_id', 'a'.repeat(41))).toBe(false);
    expect(await holds('registry_event_event_id_check', 'event_id', 'abc\n')).toBe(false);
  });

  it('property: registry_event.content_sha256 and assessment.input_hash are 64 characters of 0–9 and a–f', async () => {
    for (const [constraint, column] of [['registry_event_content_sha256_check', 'content_sha256'], ['assessment_input_hash_check', 'input_hash']] as const) {
      await fc.assert(
        fc.asyncProperty(hexSamples(), async (v) => {
          expect(await holds(constraint, column, v)).toBe(/^[0-9a-f]{64}$/.test(v));
        }),
        { numRuns: 150 },
      );
      expect(await holds(constraint, column, '0'.repeat(64))).toBe(true);
      expect(await holds(constraint, column, 'A'.repeat(64))).toBe(false);
      expect(await holds(constraint, column, `${'0'.repeat(63)}\n`)).toBe(false);
    }
  });
});
