import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../test-database.js';

/** The 本算定's cheaper guards: the same input-hash rule without a regular expression; a BRIN index by run. */

let t: Awaited<ReturnType<typeof openTestDatabase>>;
const db = () => t.database.db as unknown as Kysely<any>;

beforeAll(async () => {
  t = await openTestDatabase();
});
afterAll(async () => t?.drop());

describe('migration 2026-12-03T0300_assessment_cheaper_writes', () => {
  it('property: the input hash check accepts exactly 64 characters of 0–9 and a–f, as the regular expression did', async () => {
    const def = (await sql<{ d: string }>`SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conname = 'assessment_input_hash_check'`.execute(db())).rows[0]!.d;
    expect(def).not.toMatch(/~/);
    const holds = async (v: string) => (await sql<{ ok: boolean }>`SELECT ${sql.raw(def.replace(/^CHECK /, ''))} AS ok FROM (VALUES (${v}::text)) AS t(input_hash)`.execute(db())).rows[0]!.ok;
    const hex = fc.constantFrom(...'0123456789abcdef');
    const near = fc.constantFrom(...'0123456789abcdefABCDEFg- 　');
    const sample = fc.oneof(fc.string({ unit: hex, minLength: 64, maxLength: 64 }), fc.string({ unit: near, minLength: 62, maxLength: 66 }), fc.string({ maxLength: 70 }));
    await fc.assert(
      fc.asyncProperty(sample, async (v) => {
        expect(await holds(v)).toBe(/^[0-9a-f]{64}$/.test(v));
      }),
      { numRuns: 200 },
    );
    expect(await holds('0'.repeat(64))).toBe(true);
    expect(await holds('A'.repeat(64))).toBe(false);
  });

  it('finds a run’s versions through a BRIN index on run_id', async () => {
    const r = await sql<{ amname: string }>`SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'assessment_by_run'`.execute(db());
    expect(r.rows[0]?.amname).toBe('brin');
  });
});
