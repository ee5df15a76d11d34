import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, type TestDatabase } from '../db/test-database.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { generatePlainTables, SEED_TABLES, type ChunkSpec, type PlainTable } from './chunk.js';
import { WorkerChunkSource } from './chunk-source.js';
import { AS_OF_ISO } from './dates.js';
import { seedDemoCity, type SeedResult } from './generator.js';
import { drawHousehold, type Household, type SeedProfile } from './population.js';
import { Rng, mixSeed } from './prng.js';

/** The seed profile 'nhi': a city where everyone under 75 is in 国保 (the size of the 本算定 bench). */

const keyring = new Keyring(newKeyFile());
const actorLabel = 'operator:tester@host/seed/profile-test';
const spec: ChunkSpec = { index: 2, atenaFrom: 100_020_001, size: 2_000, householdFrom: 500_020_001 };
const PLAIN = SEED_TABLES.filter((t): t is PlainTable => t !== 'person_my_number');

function households(profile: SeedProfile, n: number): Household[] {
  const rng = new Rng(mixSeed(20261125, 7));
  return Array.from({ length: n }, () => drawHousehold(rng, 6, profile));
}

describe('population', () => {
  it("'nhi': nobody in 社保; everyone under 75 in 国保 and, while a resident, insured today; 75+ in 後期", () => {
    const members = households('nhi', 5_000).flatMap((h) => h.members);
    expect(members.filter((m) => m.insurance === 'shaho')).toEqual([]);
    const young = members.filter((m) => m.age < 75);
    expect(young.length).toBeGreaterThan(5_000);
    for (const m of young) expect(m.insurance).toBe('nhi');
    for (const m of members.filter((x) => x.age >= 75)) expect(m.insurance).toBe('kouki');
    for (const m of young.filter((x) => x.status === 'resident')) expect(m.eligibility, `${m.relationship} ${m.age}`).toMatchObject({ lostDay: null });
    // Employees keep their salaries (the assessment reads real incomes), now in 国保 on their own account.
    const employees = young.filter((m) => m.work === 'employee' && m.status === 'resident');
    expect(employees.length).toBeGreaterThan(1_000);
    const withSalary = employees.filter((m) => m.incomes.some((r) => r.fiscalYear === 2026 && r.facts.salaryRevenue > 0));
    expect(withSalary.length / employees.length).toBeGreaterThan(0.9);
  });

  it("'city' (the default) still insures most of the working-age residents in 社保", () => {
    const members = households('city', 2_000).flatMap((h) => h.members);
    expect(members.filter((m) => m.insurance === 'shaho').length / members.length).toBeGreaterThan(0.5);
  });
});

describe('chunks', () => {
  it("'city' gives the same rows as no profile at all", async () => {
    const none = await generatePlainTables({ seed: 42, actorLabel }, spec);
    const city = await generatePlainTables({ seed: 42, actorLabel, profile: 'city' }, spec);
    const nhi = await generatePlainTables({ seed: 42, actorLabel, profile: 'nhi' }, spec);
    for (const t of PLAIN) expect(city.tsv[t].toString(), t).toBe(none.tsv[t].toString());
    expect(nhi.rows.nhi_eligibility).toBeGreaterThan(2 * none.rows.nhi_eligibility);
  });

  it("a worker thread generates the same 'nhi' chunk as this thread", async () => {
    const ctx = { seed: 42, actorLabel, profile: 'nhi' as const };
    const source = new WorkerChunkSource(1, ctx);
    try {
      const [inWorker, inThread] = await Promise.all([source.request(spec), generatePlainTables(ctx, spec)]);
      for (const t of PLAIN) expect(inWorker.tsv[t].toString(), t).toBe(inThread.tsv[t].toString());
      expect(inWorker.rows).toEqual(inThread.rows);
    } finally {
      await source.close();
    }
  });
});

describe("a seeded 'nhi' city", () => {
  let t: TestDatabase;
  let seeded: SeedResult;
  const options = { residents: 3_000, seed: 7, actorLabel, chunkSize: 1_000, profile: 'nhi' as const };
  beforeAll(async () => {
    t = await openTestDatabase();
    seeded = await seedDemoCity(t.database, keyring, options);
  });
  afterAll(async () => t?.drop());

  it('has a current 国保資格 for every resident under 75 on the as-of date', async () => {
    const r = await sql<{ young: number; uninsured: number }>`
      SELECT count(*)::int AS young,
             count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM nhi_eligibility e WHERE e.atena_no = p.atena_no AND e.superseded_at IS NULL AND e.lost_on IS NULL))::int AS uninsured
        FROM person p
       WHERE p.resident_status = 'resident' AND p.birth_date > (${AS_OF_ISO}::date - interval '75 years')`.execute(t.database.db);
    expect(r.rows[0]!.young).toBeGreaterThan(2_000);
    expect(r.rows[0]!.uninsured).toBe(0);
    expect(seeded.residentsInNhiHouseholds / seeded.currentResidents).toBeGreaterThan(0.85);
  });

  it("records the profile with the run and refuses a 'city' run over the same numbers", async () => {
    const run = await t.database.db.selectFrom('job_run').select('params').where('run_id', '=', seeded.runId).executeTakeFirstOrThrow();
    expect(run.params).toMatchObject({ profile: 'nhi' });
    await expect(seedDemoCity(t.database, keyring, { ...options, profile: 'city' })).rejects.toThrow(/別の条件のデモデータ .*profile nhi/);
    const again = await seedDemoCity(t.database, keyring, options);
    expect(again.chunksWritten).toBe(0);
  });
});
