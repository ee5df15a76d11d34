import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { openTestDatabase } from '../db/test-database.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { SEED_TABLES } from './chunk.js';
import { seedDemoCity, type SeedResult } from './generator.js';
import { BULK_FOREIGN_KEYS, BULK_INDEXES, BULK_KEPT_INDEXES, dropBulkSchema, ensureBulkSchema, missingBulkSchema } from './bulk-schema.js';
import { seededDigest } from './test-support.js';

/** The bulk load (foreign keys and secondary indexes dropped and added back) against the normal path. */

const keyring = new Keyring(newKeyFile());
const actorLabel = 'operator:tester@host/seed/bulk';
const options = { residents: 4_000, seed: 777, actorLabel, chunkSize: 1_000 };

type Db = { database: Database; drop(): Promise<void> };
let normal: Db;
let normalResult: SeedResult;
let normalDigest: string;
let migratedSchema: string[];

/** Every index and constraint of the seeded tables, as PostgreSQL prints them. */
async function schemaOf(db: Kysely<DB>): Promise<string[]> {
  const ix = await sql<{ d: string }>`
    SELECT tablename || ' ' || indexname || ': ' || indexdef AS d FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename IN (${sql.join(SEED_TABLES)}) ORDER BY tablename, indexname`.execute(db);
  const con = await sql<{ d: string }>`
    SELECT t.relname || ' ' || c.conname || ' ' || c.contype::text || ' ' || c.convalidated::text || ': ' || pg_get_constraintdef(c.oid) AS d
      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
     WHERE t.relname IN (${sql.join(SEED_TABLES)}) OR c.confrelid IN (SELECT oid FROM pg_class WHERE relname IN (${sql.join(SEED_TABLES)}))
     ORDER BY t.relname, c.conname`.execute(db);
  return [...ix.rows.map((r) => r.d), ...con.rows.map((r) => r.d)];
}

/** The counts of a run, without what legitimately differs between runs. */
function countsOf(r: SeedResult) {
  const { runId: _r, chunksWritten: _w, chunksSkipped: _s, rowsWritten: _rw, elapsedMs: _e, timing: _t, mode: _m, ...counts } = r;
  return counts;
}

beforeAll(async () => {
  normal = await openTestDatabase();
  migratedSchema = await schemaOf(normal.database.db);
  normalResult = await seedDemoCity(normal.database, keyring, { ...options, bulk: false });
  normalDigest = await seededDigest(normal.database.db, keyring, normalResult.range);
});
afterAll(async () => normal?.drop());

describe('bulk load schema', () => {
  it('copies the index and foreign-key DDL verbatim from the migrations', () => {
    const migration = (name: string) => readFileSync(new URL(`../db/migrations/${name}`, import.meta.url), 'utf8');
    for (const i of BULK_INDEXES) expect(migration(i.migration), i.name).toContain(`sql\`${i.ddl}\``);
    for (const f of BULK_FOREIGN_KEYS) {
      // The column definition inside the table's CREATE TABLE, word for word.
      const text = migration(f.migration);
      const table = text.slice(text.indexOf(`CREATE TABLE ${f.table} (`));
      expect(table.slice(0, table.indexOf(')`')), f.name).toMatch(new RegExp(`\\n\\s+${f.columnDdl.replace(/[()]/g, '\\$&')},?\\s`));
      expect(f.ddl).toBe(`ALTER TABLE ${f.table} ADD CONSTRAINT ${f.table}_${f.column}_fkey FOREIGN KEY (${f.column}) REFERENCES ${f.references}`);
    }
  });

  it('covers every secondary index and foreign key of the seeded tables', () => {
    const secondary = migratedSchema.filter((d) => / [a-z_]+: CREATE (UNIQUE )?INDEX /.test(d) && !/_pkey: /.test(d) && !BULK_KEPT_INDEXES.some((k) => d.includes(` ${k}: `)));
    expect(secondary.map((d) => d.split(' ')[1]!.replace(/:$/, '')).sort()).toEqual(BULK_INDEXES.map((i) => i.name).sort());
    const fks = migratedSchema.filter((d) => / f (true|false): FOREIGN KEY/.test(d) && SEED_TABLES.some((t) => d.startsWith(`${t} `)));
    expect(fks.map((d) => d.split(' ')[1]).sort()).toEqual(BULK_FOREIGN_KEYS.map((f) => f.name).sort());
  });

  it('drops and recreates them to the migrated schema; ensure is idempotent', async () => {
    const t = await openTestDatabase();
    try {
      await dropBulkSchema(t.database.owner);
      expect(await missingBulkSchema(t.database.db)).toEqual({ indexes: BULK_INDEXES.map((i) => i.name), foreignKeys: BULK_FOREIGN_KEYS.map((f) => f.name) });
      await ensureBulkSchema(t.database.owner, 2);
      expect(await schemaOf(t.database.db)).toEqual(migratedSchema);
      expect(await ensureBulkSchema(t.database.owner)).toEqual({ indexes: [], foreignKeys: [] });
    } finally {
      await t.drop();
    }
  });
});

describe('bulk load', () => {
  it('writes the same rows as the normal path and ends with the migrated schema', async () => {
    const t = await openTestDatabase();
    try {
      const r = await seedDemoCity(t.database, keyring, { ...options, bulk: true, workers: 1 });
      expect(r.mode).toBe('bulk');
      expect(normalResult.mode).toBe('normal');
      expect(countsOf(r)).toEqual(countsOf(normalResult));
      expect(await seededDigest(t.database.db, keyring, r.range)).toBe(normalDigest);
      expect(await schemaOf(t.database.db)).toEqual(migratedSchema);
      // Done again: nothing to write, normal path (the tables are not empty).
      const again = await seedDemoCity(t.database, keyring, { ...options, bulk: true });
      expect(again.mode).toBe('normal');
      expect(again.chunksWritten).toBe(0);
    } finally {
      await t.drop();
    }
  });

  it('is not used when the seeded tables already hold rows', async () => {
    const second = await seedDemoCity(normal.database, keyring, { residents: 500, seed: 778, actorLabel, startOffset: 100_000, bulk: true });
    expect(second.mode).toBe('normal');
    expect(await schemaOf(normal.database.db)).toEqual(migratedSchema);
  });

  it('killed mid-way (also while the schema was dropped), the re-run repairs the schema and ends with the same rows', async () => {
    const t = await openTestDatabase();
    try {
      await expect(
        seedDemoCity(t.database, keyring, {
          ...options,
          bulk: true,
          workers: 1,
          onProgress: (done) => {
            if (done >= 2 * options.chunkSize) throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
      // A failed run puts the schema back itself…
      expect(await schemaOf(t.database.db)).toEqual(migratedSchema);
      const partial = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM person`.execute(t.database.db)).rows[0]!.n);
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(options.residents);
      // …but a hard kill (SIGKILL) while it was dropped cannot: the next run must repair it first.
      await dropBulkSchema(t.database.owner);
      const resumed = await seedDemoCity(t.database, keyring, { ...options, bulk: true });
      expect(resumed.mode).toBe('normal'); // tables not empty: the resume runs on the normal path
      expect(resumed.chunksSkipped).toBeGreaterThan(0);
      expect(countsOf(resumed)).toEqual(countsOf(normalResult));
      expect(await seededDigest(t.database.db, keyring, resumed.range)).toBe(normalDigest);
      expect(await schemaOf(t.database.db)).toEqual(migratedSchema);
    } finally {
      await t.drop();
    }
  });
});
