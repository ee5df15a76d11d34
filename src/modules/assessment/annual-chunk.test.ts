import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../platform/batch/batch-runner.js';
import { siblingModule } from '../../platform/workers/start-worker.js';
import { WorkerPool } from '../../platform/workers/worker-pool.js';
import { actorLabel, operatorActor } from '../../security/actor.js';
import { createFixture, type Fixture } from '../../testing/fixture.js';
import { annualJob, prepareAnnualChunk, type AnnualChunkRequest, type AnnualWork } from './assessment.batch.js';
import { AssessmentRepository } from './assessment.repository.js';
import { addHousehold } from './assessment.test-support.js';

/**
 * The 本算定's chunks prepared ahead (assessment.batch.ts): in a worker thread on PostgreSQL the same
 * versions, figures and COPY text as in this thread; and a chunk whose unit got a newer version (a 更正)
 * after it was prepared is prepared again inside its transaction instead of colliding.
 */
let f: Fixture;
const db = () => f.deps.database.db;
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
const FY = 2025;

beforeAll(async () => {
  f = await createFixture();
  await addHousehold(db(), [{ birthDate: '1980-05-10', head: true, insured: [{ from: '2015-04-01' }], salary: 5_200_000 }, { birthDate: '1983-03-02', insured: [{ from: '2015-04-01' }], salary: 900_000 }], FY);
  await addHousehold(db(), [{ birthDate: '1952-09-20', head: true, insured: [{ from: '2010-04-01' }], pension: 2_400_000 }], FY);
});
afterAll(async () => f?.close());

/** The COPY text with the time it was encoded taken out (the two preparations run at different times). */
const text = (w: AnnualWork) => new TextDecoder().decode(w.copy).replaceAll(w.recordedAt, '<recorded_at>');

describe('a chunk of the 本算定 prepared in a worker thread', () => {
  it('gives the same versions, figures and COPY text as prepared in this thread (PostgreSQL); the embedded database has no URL for a worker', async () => {
    const households = await new AssessmentRepository(db()).householdsToAssess(FY);
    expect(households.length).toBeGreaterThan(2);
    const req: AnnualChunkRequest = { fiscalYear: FY, households, runDay: '2026-07-01', runId: '00000000-0000-4000-8000-000000000001', by: actorLabel(runner()) };
    const here = await prepareAnnualChunk(db(), req);
    expect(here.keys.length).toBeGreaterThan(2);
    expect(text(here).trimEnd().split('\n')).toHaveLength(here.keys.length);
    const appUrl = f.deps.database.appUrl;
    if (f.deps.database.kind === 'pglite') {
      expect(appUrl).toBeUndefined();
      return;
    }
    const pool = new WorkerPool<AnnualChunkRequest & { appUrl: string }, AnnualWork>(siblingModule(import.meta.url, 'annual-chunk.worker'), 1, '本算定のワーカー');
    try {
      const there = await pool.run({ ...req, appUrl: appUrl! });
      expect(there.keys).toEqual(here.keys);
      expect(there.versions).toEqual(here.versions);
      expect(there.figures).toEqual(here.figures);
      expect(there.taxpayers).toEqual(here.taxpayers);
      expect(text(there)).toBe(text(here));
    } finally {
      await pool.close();
    }
  });
});

describe('a 更正 between a chunk’s preparation and its write', () => {
  it('makes the chunk prepare again in its transaction: the run completes and the 更正 stays in the history', async () => {
    await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 2 });
    const [first] = await new AssessmentRepository(db()).householdsToAssess(FY);
    const versions = () => db().selectFrom('assessment').select(['version', 'reason', 'superseded_at']).where('fiscal_year', '=', FY).where('household_no', '=', first!).orderBy('version').execute();
    const before = await versions();
    // The job as the service builds it, with a newer version of the first household recorded right after
    // its chunk was prepared (as a 更正 would, from another session).
    const inner = annualJob((table, columns, tsv, tx) => f.deps.database.copyIn(table, columns, tsv, tx));
    let bumped = false;
    const job: typeof inner = {
      ...inner,
      async prepare(d, ctx) {
        const p = await inner.prepare!(d, ctx);
        if (p && !bumped && p.work.households.includes(first!)) {
          bumped = true;
          await sql`WITH cur AS (UPDATE assessment SET superseded_at = clock_timestamp() WHERE fiscal_year = ${FY} AND household_no = ${first} AND superseded_at IS NULL RETURNING *)
            INSERT INTO assessment (fiscal_year, household_no, address_exception_atena_no, version, reason, run_id, cause, taxpayer_atena_no, pseudo_head, insured_count, reduction,
              total_yen, medical_yen, support_yen, care_yen, child_support_yen, income_levy_yen, per_capita_yen, per_household_yen, legal_reduction_yen,
              specific_household_reduction_yen, preschool_reduction_yen, minor_reduction_yen, capped, parts, members, input, input_hash, params_hash, recorded_by, recorded_at)
            SELECT fiscal_year, household_no, address_exception_atena_no, version + 1, 'correction', NULL, '試験の更正', taxpayer_atena_no, pseudo_head, insured_count, reduction,
              total_yen, medical_yen, support_yen, care_yen, child_support_yen, income_levy_yen, per_capita_yen, per_household_yen, legal_reduction_yen,
              specific_household_reduction_yen, preschool_reduction_yen, minor_reduction_yen, capped, parts, members, input, input_hash, params_hash, 'staff:kokuho01', clock_timestamp()
            FROM cur`.execute(d);
        }
        return p;
      },
    };
    const run = await runBatch({ database: f.deps.database, audit: f.deps.audit }, job, { fiscalYear: FY }, { actor: runner(), chunkSize: 2 });
    expect(bumped).toBe(true);
    expect(run.counts.units).toBeGreaterThan(0);
    const after = await versions();
    const n = before.at(-1)!.version;
    expect(after.map((v) => [v.version, v.reason, v.superseded_at === null])).toEqual([...before.map((v) => [v.version, v.reason, false]), [n + 1, 'correction', false], [n + 2, 'annual', true]]);
  });
});
