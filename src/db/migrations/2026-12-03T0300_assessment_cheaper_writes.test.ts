import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../test-database.js';

/** The 本算定's cheaper guards: a BRIN index by run (the input-hash rule's property test: 2026-12-03T0600_registry_event_cheaper_checks.test.ts). */

let t: Awaited<ReturnType<typeof openTestDatabase>>;
const db = () => t.database.db as unknown as Kysely<any>;

beforeAll(async () => {
  t = await openTestDatabase();
});
afterAll(async () => t?.drop());

describe('migration 2026-12-03T0300_assessment_cheaper_writes', () => {
  it('finds a run’s versions through a BRIN index on run_id', async () => {
    const r = await sql<{ amname: string }>`SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'assessment_by_run'`.execute(db());
    expect(r.rows[0]?.amname).toBe('brin');
  });
});
