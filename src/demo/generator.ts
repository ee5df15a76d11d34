import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import type { Keyring } from '../security/keyring.js';
import { AREAS, BRANCH_OFFICES } from './areas.js';
import { loadOffices } from '../modules/access/organization.js';
import { SEED_TABLES, generateChunk, generateMyNumberTable, type ChunkContext, type ChunkData, type ChunkSpec, type PlainChunkData, type SeedTable } from './chunk.js';
import { SEED_PROFILES, type SeedProfile } from './population.js';
import { WorkerChunkSource } from './chunk-source.js';
import { BULK_COPY_STAGES, ChunkLoader } from './loader.js';
import { countSeeded, type SeedCounts, type SeedRange } from './counts.js';
import { dropPersonSearchIndexes } from './search-indexes.js';
import { dropBulkSchema, ensureBulkSchema, seededTablesEmpty } from './bulk-schema.js';
import { vacuumAnalyze } from './maintenance.js';

/**
 * Seeds the synthetic demo city 「みどり市」 (fictional) into the database: 住所 master, persons,
 * households, income for five 年度 (income_return and its current view), 国保資格 and fake My Numbers.
 *
 * - Deterministic: the same seed, size, chunk size and offset give the same rows (except ciphertext
 *   nonces and timestamps).
 * - Streaming: chunks of `chunkSize` persons are generated and loaded with COPY (see loader.ts: on
 *   PostgreSQL a wavefront of at most five chunks loads while the next one is generated), so memory
 *   stays bounded whatever the size.
 * - Bulk load (`bulk`, default for ≥ 100,000 residents) into empty tables: foreign keys and secondary
 *   indexes are dropped for the load and added back at the end (bulk-schema.ts), and the key-free tables
 *   are generated in a worker thread (chunk-source.ts) while this thread encrypts My Numbers and streams
 *   COPY. Same rows as the normal path; every run starts and ends by recreating anything missing, so a
 *   killed bulk run is repaired by re-running the seed (which then resumes on the normal path).
 * - Resumable and idempotent: chunk k owns a fixed range of 宛名番号 and 世帯番号. Before writing a chunk
 *   the seeder looks, per table, whether that range already has rows; each COPY is atomic, so a table
 *   either holds the whole chunk or none of it. A killed run, re-run, writes only what is missing and
 *   ends with the same rows as a clean run; re-running a finished run writes nothing. Nothing is deleted
 *   (deletes would fire the history triggers). Progress is also recorded in job_run for operators.
 */

export { SEED_PROFILES, type SeedProfile };

export const SEED_JOB = 'demo.seed';
export const ATENA_BASE = 100_000_001;
export const HOUSEHOLD_BASE = 500_000_001;
export const DEFAULT_CHUNK_SIZE = 10_000;
/** From this many residents a seeding run into empty tables is a bulk load (see `SeedOptions.bulk`). */
export const BULK_THRESHOLD = 100_000;
/** Session advisory lock against two seeding runs at once (PostgreSQL). */
const SEED_LOCK = 7_041_955_101;

export interface SeedOptions {
  /** Person records to create (住民記録 including about 2 % 除票: deceased or moved out). */
  residents: number;
  seed: number;
  /**
   * Who is insured where (population.ts): 'city' (default), a city like most, about a fifth of its
   * residents in 国保; 'nhi', everyone under 75 in 国保 (no 社保), for benchmarks at a large 国保's size.
   * 'city' gives the same rows as before the option existed.
   */
  profile?: SeedProfile;
  /** Stored in updated_by and job_run.actor, e.g. 'operator:user@host/seed/<runId>'. */
  actorLabel: string;
  /** Called after every chunk with persons done (written or already present) and the total. */
  onProgress?: (processed: number, total: number) => void;
  /**
   * Added to the first 宛名番号 (100000001) and 世帯番号 (500000001). A run owns `residents` numbers of
   * each from there, so a second run with offset ≥ the first run's residents never collides.
   */
  startOffset?: number;
  chunkSize?: number;
  /**
   * Drop the person search indexes during the load and build them once at the end (faster for big
   * loads). They are rebuilt even if the load fails, and any later run recreates missing ones.
   * Also the default of `bulk`.
   */
  rebuildSearchIndexes?: boolean;
  /**
   * Bulk load: when all six seeded tables are empty, drop their foreign keys and secondary indexes
   * (bulk-schema.ts) for the load and add them back at the end, checked in one pass. Ignored when any
   * of the tables holds rows (then the normal path runs, with `rebuildSearchIndexes` as asked).
   * Default: `rebuildSearchIndexes`, else residents ≥ BULK_THRESHOLD.
   */
  bulk?: boolean;
  /**
   * Worker threads generating the key-free tables of a bulk load (chunk-source.ts); the main thread
   * then only encrypts My Numbers and streams COPY. Default: 1 for a bulk load on PostgreSQL, else 0.
   * Used only in bulk mode; 0 generates everything in this thread.
   */
  workers?: number;
  /** Connections for rebuilding indexes and VACUUM after the load (PostgreSQL; default 2). */
  maintenanceConcurrency?: number;
  runId?: string;
}

export interface SeedResult extends SeedCounts {
  runId: string;
  range: SeedRange;
  chunks: number;
  /** Chunks generated and (at least partly) written by this run. */
  chunksWritten: number;
  /** Chunks found complete and skipped. */
  chunksSkipped: number;
  /** Rows this run wrote, by table. */
  rowsWritten: Record<SeedTable, number>;
  /** 'bulk': foreign keys and secondary indexes were dropped for the load and added back after it. */
  mode: 'bulk' | 'normal';
  elapsedMs: number;
  /**
   * Where the time went: generating chunks (of which waiting for the worker threads: workerWaitMs),
   * waiting for COPY (both within loadMs), then finishMs: adding
   * back indexes and foreign keys (rebuildMs), VACUUM (ANALYZE) (vacuumMs) and the final counts.
   */
  timing: { generateMs: number; workerWaitMs: number; waitForCopyMs: number; loadMs: number; finishMs: number; rebuildMs: number; vacuumMs: number };
}

interface SeedParams {
  residents: number;
  seed: number;
  /** Only when not 'city' (the params of a 'city' run are as they were before profiles). */
  profile?: SeedProfile;
  startOffset: number;
  chunkSize: number;
  atenaFrom: number;
  atenaTo: number;
  householdFrom: number;
  householdTo: number;
}

function paramsOf(o: SeedOptions): SeedParams {
  const residents = o.residents;
  const startOffset = o.startOffset ?? 0;
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(residents) || residents < 0 || residents > 20_000_000) throw new Error('residents は 0〜20,000,000 の整数です');
  if (!Number.isSafeInteger(o.seed)) throw new Error('seed は整数です');
  if (!Number.isSafeInteger(startOffset) || startOffset < 0) throw new Error('startOffset は0以上の整数です');
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > 200_000) throw new Error('chunkSize は 1〜200,000 の整数です');
  if (!o.actorLabel) throw new Error('actorLabel が必要です');
  const profile = o.profile ?? 'city';
  if (!SEED_PROFILES.includes(profile)) throw new Error(`profile は ${SEED_PROFILES.join(' / ')} のいずれかです`);
  const atenaFrom = ATENA_BASE + startOffset;
  const householdFrom = HOUSEHOLD_BASE + startOffset;
  if (householdFrom + residents > 9_999_999_999) throw new Error('番号が10桁を超えます: startOffset を小さくしてください');
  return {
    residents,
    seed: o.seed,
    ...(profile === 'city' ? {} : { profile }),
    startOffset,
    chunkSize,
    atenaFrom,
    atenaTo: atenaFrom + residents - 1,
    householdFrom,
    householdTo: householdFrom + residents - 1,
  };
}

function chunkSpecs(p: SeedParams): ChunkSpec[] {
  const specs: ChunkSpec[] = [];
  for (let index = 0, done = 0; done < p.residents; index++, done += p.chunkSize) {
    specs.push({
      index,
      atenaFrom: p.atenaFrom + done,
      size: Math.min(p.chunkSize, p.residents - done),
      householdFrom: p.householdFrom + done,
    });
  }
  return specs;
}

/** Run `fn` holding the seeding lock (PostgreSQL: advisory lock on a reserved connection). */
async function withSeedLock<T>(database: Database, fn: () => Promise<T>): Promise<T> {
  if (database.kind !== 'postgresql') return fn(); // PGlite: one embedded session, one process
  return database.db.connection().execute(async (conn) => {
    const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${SEED_LOCK}) AS ok`.execute(conn);
    if (!r.rows[0]?.ok) throw new Error('別のデモデータ投入が実行中です。終了を待ってから再実行してください');
    try {
      return await fn();
    } finally {
      await sql`SELECT pg_advisory_unlock(${SEED_LOCK})`.execute(conn);
    }
  });
}

/**
 * The demo city's 住所コード master, and before it the offices that serve its towns (address_area
 * references office): start-up applies config/organization.yaml before seeding, but a database seeded
 * from the CLI or a test may not have it yet. Offices already there are left as they are.
 */
async function ensureAreaMaster(db: Kysely<DB>): Promise<void> {
  const offices = loadOffices();
  const needed = BRANCH_OFFICES.map((code) => {
    const o = offices.find((x) => x.code === code);
    if (!o) throw new Error(`デモ市の住所を担当する所属 ${code} が config/organization.yaml にありません`);
    return { office_code: o.code, name: o.name, kind: o.kind };
  });
  await db.insertInto('office').values(needed).onConflict((oc) => oc.column('office_code').doNothing()).execute();
  await db
    .insertInto('address_area')
    .values(AREAS.map((a) => ({ area_code: a.area_code, town_name: a.town_name, chome: a.chome, postal_code: a.postal_code, branch_office_code: a.branch_office_code })))
    .onConflict((oc) => oc.column('area_code').doNothing())
    .execute();
}

/** Refuse to mix two different demo datasets in one range of numbers. */
async function assertNoConflictingRun(db: Kysely<DB>, p: SeedParams): Promise<void> {
  const runs = await db.selectFrom('job_run').select(['run_id', 'params']).where('job', '=', SEED_JOB).execute();
  for (const run of runs) {
    const q = run.params as Partial<SeedParams>;
    if (q.atenaFrom === undefined || q.atenaTo === undefined) continue;
    const overlaps = q.atenaFrom <= p.atenaTo && p.atenaFrom <= q.atenaTo;
    const same =
      q.seed === p.seed && q.residents === p.residents && q.chunkSize === p.chunkSize && q.startOffset === p.startOffset && (q.profile ?? 'city') === (p.profile ?? 'city');
    if (overlaps && !same) {
      throw new Error(
        `宛名番号 ${q.atenaFrom}〜${q.atenaTo} は別の条件のデモデータ (run ${run.run_id}: seed ${q.seed}, ${q.residents}人${q.profile ? `, profile ${q.profile}` : ''}) が使用しています。` +
          `startOffset を ${q.atenaTo - ATENA_BASE + 1} 以上にしてください`,
      );
    }
  }
}

type ChunkState = { complete: boolean; missing: Set<SeedTable> };

/** Which tables already hold rows of this chunk's ranges. */
async function chunkState(db: Kysely<DB>, a1: number, a2: number, h1: number, h2: number, expectedPersons: number | null): Promise<ChunkState> {
  const r = await sql<Record<string, boolean | string>>`
    SELECT (SELECT count(*) FROM person WHERE atena_no BETWEEN ${a1} AND ${a2}) AS person_count,
           EXISTS (SELECT 1 FROM household WHERE household_no BETWEEN ${h1} AND ${h2}) AS household,
           EXISTS (SELECT 1 FROM household_member WHERE atena_no BETWEEN ${a1} AND ${a2}) AS household_member,
           EXISTS (SELECT 1 FROM income WHERE atena_no BETWEEN ${a1} AND ${a2}) AS income,
           EXISTS (SELECT 1 FROM income_return WHERE atena_no BETWEEN ${a1} AND ${a2}) AS income_return,
           EXISTS (SELECT 1 FROM nhi_eligibility WHERE atena_no BETWEEN ${a1} AND ${a2}) AS nhi_eligibility,
           EXISTS (SELECT 1 FROM person_my_number WHERE atena_no BETWEEN ${a1} AND ${a2}) AS person_my_number`.execute(db);
  const row = r.rows[0]!;
  const personCount = Number(row.person_count);
  if (expectedPersons !== null && personCount !== 0 && personCount !== expectedPersons) {
    throw new Error(`宛名番号 ${a1}〜${a2} に想定外の住民データ (${personCount}件) があります。startOffset を変えてください`);
  }
  const missing = new Set<SeedTable>();
  if (personCount === 0) missing.add('person');
  for (const t of ['household', 'household_member', 'income', 'income_return', 'nhi_eligibility', 'person_my_number'] as const) if (!row[t]) missing.add(t);
  return { complete: missing.size === 0, missing };
}

export async function seedDemoCity(database: Database, keyring: Keyring, options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const p = paramsOf(options);
  const runId = options.runId ?? randomUUID();
  const { db } = database;
  // Dropping and rebuilding indexes and foreign keys and VACUUM are the schema owner's (PostgreSQL: its own connection).
  const owner = database.owner;
  const specs = chunkSpecs(p);
  const range: SeedRange = { atenaFrom: p.atenaFrom, atenaTo: p.atenaTo, householdFrom: p.householdFrom, householdTo: p.householdTo };

  return withSeedLock(database, async () => {
    // A previous run killed while indexes or foreign keys were dropped left them missing: rebuild first.
    await ensureBulkSchema(owner);
    await ensureAreaMaster(db);
    await assertNoConflictingRun(db, p);
    await db
      .insertInto('job_run')
      .values({ run_id: runId, job: SEED_JOB, actor: options.actorLabel, params: JSON.stringify(p), status: 'running', progress: JSON.stringify({ chunksDone: 0, chunks: specs.length }) })
      .execute();

    let chunksWritten = 0;
    let chunksSkipped = 0;
    let chunksDone = 0;
    let processed = 0;
    let mode: SeedResult['mode'] = 'normal';
    let loadStarted: number;
    let loadEnded: number;
    let rebuildMs: number;
    let loadFailed = false;
    let source: WorkerChunkSource | undefined;
    // Index builds and VACUUM of different tables on two connections (PostgreSQL; PGlite has one session).
    const maintenanceConcurrency = database.kind === 'postgresql' ? (options.maintenanceConcurrency ?? 2) : 1;
    let generateMs = 0;
    let workerWaitMs = 0;
    const progress = async (spec: ChunkSpec) => {
      processed += spec.size;
      chunksDone++;
      await db
        .updateTable('job_run')
        .set({ progress: JSON.stringify({ chunksDone, chunks: specs.length, processed, chunksWritten, chunksSkipped }) })
        .where('run_id', '=', runId)
        .execute();
      options.onProgress?.(processed, p.residents);
    };
    let loader = new ChunkLoader(database, progress);

    try {
      // One look at the whole range: a fresh range needs no per-chunk checks.
      const fresh = p.residents === 0 || (await chunkState(db, p.atenaFrom, p.atenaTo, p.householdFrom, p.householdTo, null)).missing.size === SEED_TABLES.length;
      const bulk = options.bulk ?? options.rebuildSearchIndexes ?? p.residents >= BULK_THRESHOLD;
      if (bulk && p.residents > 0 && (await seededTablesEmpty(db))) {
        await dropBulkSchema(owner);
        mode = 'bulk';
        loader = new ChunkLoader(database, progress, BULK_COPY_STAGES);
      } else if (options.rebuildSearchIndexes && fresh && p.residents > 0) {
        await dropPersonSearchIndexes(owner);
      }
      loadStarted = Date.now();
      const ctx: ChunkContext = { seed: p.seed, keyring, actorLabel: options.actorLabel, profile: p.profile ?? 'city' };
      const workers = mode === 'bulk' ? (options.workers ?? (database.kind === 'postgresql' ? 1 : 0)) : 0;
      if (!Number.isSafeInteger(workers) || workers < 0 || workers > 16) throw new Error('workers は 0〜16 の整数です');
      if (workers > 0) {
        try {
          source = new WorkerChunkSource(workers, { seed: p.seed, actorLabel: options.actorLabel, profile: ctx.profile });
        } catch {
          source = undefined; // no worker threads here (e.g. the TypeScript loader not found): generate in-thread
        }
      }
      // Bulk mode generates every chunk (the range is fresh), so the workers can run ahead of the loop.
      const ahead = new Map<number, Promise<PlainChunkData>>();
      let requested = 0;
      const generate = async (i: number, spec: ChunkSpec): Promise<ChunkData> => {
        if (!source) return generateChunk(ctx, spec);
        // Two chunks queued per worker: it never idles while this thread encrypts and streams COPY.
        while (requested < specs.length && requested <= i + 2 * workers) ahead.set(requested, source.request(specs[requested++]!));
        const w = Date.now();
        const plain = await ahead.get(i)!;
        workerWaitMs += Date.now() - w;
        ahead.delete(i);
        const my = await generateMyNumberTable(keyring, options.actorLabel, spec);
        return { spec, tsv: { ...plain.tsv, person_my_number: my.tsv }, rows: { ...plain.rows, person_my_number: my.rows }, stats: plain.stats };
      };
      for (const [i, spec] of specs.entries()) {
        const state: ChunkState = fresh
          ? { complete: false, missing: new Set(SEED_TABLES) }
          : await chunkState(db, spec.atenaFrom, spec.atenaFrom + spec.size - 1, spec.householdFrom, spec.householdFrom + spec.size - 1, spec.size);
        if (state.complete) {
          chunksSkipped++;
          await progress(spec);
          continue;
        }
        const g = Date.now();
        const data = await generate(i, spec); // overlaps the COPYs of the chunks in flight
        generateMs += Date.now() - g;
        chunksWritten++;
        await loader.add(data, state.missing);
      }
      await loader.drain();
      loadEnded = Date.now();
    } catch (e) {
      loadFailed = true;
      await db
        .updateTable('job_run')
        .set({ status: 'failed', finished_at: new Date(), result: JSON.stringify({ error: e instanceof Error ? e.message : String(e) }) })
        .where('run_id', '=', runId)
        .execute()
        .catch(() => undefined);
      throw e;
    } finally {
      await source?.close();
      // After a failure, put back whatever was dropped (the load's error is the one reported).
      if (loadFailed) await ensureBulkSchema(owner).catch(() => undefined);
    }

    // Statistics and visibility map right after the load, so searches get good (index-only) plans.
    // Before the index builds of a bulk load: VACUUM then sets the hint bits and the visibility map in
    // one pass over heaps with only their primary keys, the index builds read clean pages, and the
    // foreign-key checks are planned with statistics. Biggest tables first, so the lanes end together.
    const v = Date.now();
    const vacuum = () => vacuumAnalyze(owner, ['person', 'income', 'income_return', 'person_my_number', 'household_member', 'household', 'nhi_eligibility', 'address_area'], maintenanceConcurrency);
    let counting: Promise<SeedCounts> | undefined;
    try {
      if (chunksWritten > 0 && mode === 'bulk') {
        await vacuum();
        // The rows are final: count them while the indexes and foreign keys are added (plain reads,
        // which neither lock waits for), so the counting fills the gaps of the index-build lanes.
        counting = countSeeded(db, range);
        counting.catch(() => undefined); // awaited below; a failure of the rebuild is reported first
      }
    } finally {
      // Every run ends with the full schema (a killed run is repaired by the next one).
      const r = Date.now();
      await ensureBulkSchema(owner, maintenanceConcurrency);
      rebuildMs = Date.now() - r;
    }
    if (chunksWritten > 0 && mode !== 'bulk') await vacuum();
    const vacuumMs = Date.now() - v - rebuildMs;

    const counts = await (counting ?? countSeeded(db, range));
    const result: SeedResult = {
      ...counts,
      runId,
      range,
      chunks: specs.length,
      chunksWritten,
      chunksSkipped,
      rowsWritten: loader.rowsWritten,
      mode,
      elapsedMs: Date.now() - started,
      timing: { generateMs, workerWaitMs, waitForCopyMs: loader.waitMs, loadMs: loadEnded - loadStarted, finishMs: Date.now() - loadEnded, rebuildMs, vacuumMs },
    };
    await db
      .updateTable('job_run')
      .set({ status: 'completed', finished_at: new Date(), result: JSON.stringify(result) })
      .where('run_id', '=', runId)
      .execute();
    return result;
  });
}
