import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { SeedTable } from './chunk.js';
import { withOwnerRole } from './maintenance.js';
import { PERSON_SEARCH_INDEX_DDL } from './search-indexes.js';

/**
 * The secondary indexes and foreign keys of the six seeded tables, for the bulk load of an empty
 * database: they are dropped before the load and built once at the end. Maintaining them row by row is
 * what made the load slow: every foreign-key check takes a KEY SHARE row lock on the parent row (a page
 * write and a WAL record per child row, MultiXacts when several child tables lock the same person), and
 * every index gets one random insertion per row. Built afterwards, an index is one sort and a foreign key
 * one anti-join.
 *
 * The DDL is copied verbatim from the migrations (a test checks the text against them, and another
 * compares pg_indexes and pg_constraint before and after a bulk load). Primary keys stay: the loader's
 * resume logic looks chunks up by them.
 *
 * Safety: `ensureBulkSchema` recreates whatever is missing (indexes IF NOT EXISTS, foreign keys after a
 * look at pg_constraint), and every seeding run calls it first and last (the last call also when the
 * load fails). A run killed while they were dropped therefore leaves them missing only until the next
 * seeding run, e.g. `npm run cli -- seed …` again, which repairs them before anything else (and then
 * resumes the load on the normal path, since the tables are no longer empty). Parents are always
 * committed before the child rows of the same chunk (see COPY_STAGES), so the foreign keys of a killed
 * load always validate.
 */

export const MIGRATION_0200 = '2026-11-25T0200_atena_household.ts';
export const MIGRATION_0300 = '2026-11-25T0300_access_audit_mynumber.ts';
export const MIGRATION_STORED_CODES = '2026-12-01T0100_stored_codes.ts';
export const MIGRATION_ELIGIBILITY_DATES = '2026-12-01T0600_eligibility_dates.ts';
export const MIGRATION_INCOME_RETURNS = '2026-12-02T0300_income_returns.ts';

/**
 * Indexes of the seeded tables that back a constraint and stay during a bulk load: the exclusion
 * constraint of nhi_eligibility (no two current periods of one person overlap) checks the loaded rows
 * as they come, so a load can never leave overlapping periods behind.
 */
export const BULK_KEPT_INDEXES: readonly string[] = ['nhi_eligibility_no_overlap'];

export interface BulkIndex {
  table: SeedTable;
  name: string;
  /** Verbatim from `migration`. */
  ddl: string;
  migration: string;
}

export const BULK_INDEXES: readonly BulkIndex[] = [
  ...PERSON_SEARCH_INDEX_DDL.map((i) => ({ table: 'person' as const, ...i, migration: MIGRATION_0200 })),
  { table: 'household_member', name: 'household_member_current', ddl: `CREATE UNIQUE INDEX household_member_current ON household_member (atena_no) WHERE valid_to IS NULL`, migration: MIGRATION_0200 },
  { table: 'household_member', name: 'household_head_current', ddl: `CREATE UNIQUE INDEX household_head_current ON household_member (household_no) WHERE valid_to IS NULL AND relationship = 'head'`, migration: MIGRATION_STORED_CODES },
  { table: 'household_member', name: 'household_member_household', ddl: `CREATE INDEX household_member_household ON household_member (household_no)`, migration: MIGRATION_0200 },
  { table: 'household_member', name: 'household_member_person', ddl: `CREATE INDEX household_member_person ON household_member (atena_no)`, migration: MIGRATION_0200 },
  { table: 'nhi_eligibility', name: 'nhi_eligibility_person', ddl: `CREATE INDEX nhi_eligibility_person ON nhi_eligibility (atena_no)`, migration: MIGRATION_0200 },
  { table: 'nhi_eligibility', name: 'nhi_eligibility_household', ddl: `CREATE INDEX nhi_eligibility_household ON nhi_eligibility (household_no)`, migration: MIGRATION_0200 },
  {
    table: 'nhi_eligibility',
    name: 'nhi_eligibility_retroactive',
    ddl: `CREATE INDEX nhi_eligibility_retroactive ON nhi_eligibility (atena_no) WHERE superseded_at IS NULL AND (acquisition_retroactive OR loss_retroactive)`,
    migration: MIGRATION_ELIGIBILITY_DATES,
  },
  { table: 'person_my_number', name: 'person_my_number_blind', ddl: `CREATE INDEX person_my_number_blind ON person_my_number (blind_index)`, migration: MIGRATION_0300 },
  { table: 'person_my_number', name: 'person_my_number_key', ddl: `CREATE INDEX person_my_number_key ON person_my_number (key_id)`, migration: MIGRATION_0300 },
  { table: 'income_return', name: 'income_return_version', ddl: `CREATE UNIQUE INDEX income_return_version ON income_return (atena_no, fiscal_year, version)`, migration: MIGRATION_INCOME_RETURNS },
  { table: 'income_return', name: 'income_return_current', ddl: `CREATE UNIQUE INDEX income_return_current ON income_return (atena_no, fiscal_year) WHERE superseded_at IS NULL`, migration: MIGRATION_INCOME_RETURNS },
  { table: 'income_return', name: 'income_return_source_line', ddl: `CREATE UNIQUE INDEX income_return_source_line ON income_return (source_sha256, source_line) WHERE source_sha256 IS NOT NULL`, migration: MIGRATION_INCOME_RETURNS },
];

export interface BulkForeignKey {
  table: SeedTable;
  /** PostgreSQL's default name for a column REFERENCES clause: <table>_<column>_fkey. */
  name: string;
  column: string;
  references: string;
  /** The column definition, verbatim from `migration`; column and target are read from it. */
  columnDdl: string;
  migration: string;
  /** ALTER TABLE … ADD CONSTRAINT: checks every row in one pass (an anti-join) and commits the constraint. */
  ddl: string;
}

function foreignKey(table: SeedTable, columnDdl: string, migration: string): BulkForeignKey {
  const m = /^(\w+) \w+(?: NOT NULL)?(?: PRIMARY KEY)? REFERENCES (\w+\(\w+\))$/.exec(columnDdl);
  if (!m) throw new Error(`not a column REFERENCES clause: ${columnDdl}`);
  const column = m[1]!;
  const name = `${table}_${column}_fkey`;
  return { table, name, column, references: m[2]!, columnDdl, migration, ddl: `ALTER TABLE ${table} ADD CONSTRAINT ${name} FOREIGN KEY (${column}) REFERENCES ${m[2]!}` };
}

export const BULK_FOREIGN_KEYS: readonly BulkForeignKey[] = [
  foreignKey('person', 'area_code text REFERENCES address_area(area_code)', MIGRATION_0200),
  foreignKey('income', 'atena_no bigint NOT NULL REFERENCES person(atena_no)', MIGRATION_0200),
  foreignKey('income_return', 'atena_no bigint NOT NULL REFERENCES person(atena_no)', MIGRATION_INCOME_RETURNS),
  foreignKey('nhi_eligibility', 'atena_no bigint NOT NULL REFERENCES person(atena_no)', MIGRATION_0200),
  foreignKey('nhi_eligibility', 'household_no bigint NOT NULL REFERENCES household(household_no)', MIGRATION_0200),
  foreignKey('person_my_number', 'atena_no bigint PRIMARY KEY REFERENCES person(atena_no)', MIGRATION_0300),
];

export interface MissingBulkSchema {
  indexes: string[];
  foreignKeys: string[];
}

export async function missingBulkSchema(db: Kysely<DB>): Promise<MissingBulkSchema> {
  const tables = [...new Set([...BULK_INDEXES.map((i) => i.table), ...BULK_FOREIGN_KEYS.map((f) => f.table)])];
  const ix = await sql<{ indexname: string }>`
    SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (${sql.join(tables)})`.execute(db);
  const fk = await sql<{ conname: string; relname: string }>`
    SELECT c.conname, t.relname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
     WHERE c.contype = 'f' AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND t.relname IN (${sql.join(tables)})`.execute(db);
  const indexes = new Set(ix.rows.map((r) => r.indexname));
  const fks = new Set(fk.rows.map((r) => `${r.relname}.${r.conname}`));
  return {
    indexes: BULK_INDEXES.filter((i) => !indexes.has(i.name)).map((i) => i.name),
    foreignKeys: BULK_FOREIGN_KEYS.filter((f) => !fks.has(`${f.table}.${f.name}`)).map((f) => f.name),
  };
}

/**
 * Create the indexes and foreign keys that are missing; returns what was created. Each index is built in
 * its own transaction (a sort with a large maintenance_work_mem) and each foreign key is added in its
 * own (one anti-join over the whole table), shared among `concurrency` connections: the biggest builds
 * start first, and a foreign key starts once the indexes of both its tables are built and no other
 * foreign key on either table is being added (ADD FOREIGN KEY locks both tables against index builds
 * and against each other), so the lanes never wait on a lock. A run killed part-way leaves some of them
 * missing, which the next call creates.
 */
export async function ensureBulkSchema(db: Kysely<DB>, concurrency = 1): Promise<MissingBulkSchema> {
  const missing = await missingBulkSchema(db);
  if (missing.indexes.length === 0 && missing.foreignKeys.length === 0) return missing;
  const indexes = BULK_INDEXES.filter((i) => missing.indexes.includes(i.name)).sort((x, y) => (BUILD_COST[y.name] ?? 0) - (BUILD_COST[x.name] ?? 0));
  const foreignKeys = BULK_FOREIGN_KEYS.filter((f) => missing.foreignKeys.includes(f.name)).sort((x, y) => (BUILD_COST[y.name] ?? 0) - (BUILD_COST[x.name] ?? 0));
  const tasks: ScheduledTask[] = [
    ...indexes.map((i) => ({
      tables: [i.table],
      ready: () => true,
      run: () =>
        withOwnerRole(db, async (tx) => {
          await sql`SET LOCAL maintenance_work_mem = '512MB'`.execute(tx);
          await sql.raw(i.ddl.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ')).execute(tx);
        }),
    })),
    ...foreignKeys.map((f) => {
      const tables = [f.table, f.references.replace(/\(.*$/, '')];
      return {
        tables,
        exclusive: true,
        // After every index build of both tables (an index build and ADD FOREIGN KEY block each other).
        ready: (pendingIndexTables: ReadonlySet<string>) => tables.every((t) => !pendingIndexTables.has(t)),
        run: () =>
          withOwnerRole(db, async (tx) => {
            await sql`SET LOCAL work_mem = '256MB'`.execute(tx); // the foreign-key check is an anti-join
            // Into person or household: the child column leads an index of its table (primary key or a
            // bulk index, built before), so the check is a merge anti-join of two index-only scans (the
            // visibility map is set by the VACUUM before) instead of hashing the parent's million keys
            // and reading the child heap: the same rows checked, less than half the CPU.
            if (MERGE_CHECKED.has(f.name)) await sql`SET LOCAL enable_hashjoin = off`.execute(tx);
            await sql.raw(f.ddl).execute(tx);
          }),
      };
    }),
  ];
  await runScheduled(tasks, concurrency);
  return missing;
}

/** Foreign keys whose column leads an index of the child table (see ensureBulkSchema). */
const MERGE_CHECKED = new Set([
  'income_atena_no_fkey', // primary key (atena_no, …)
  'income_return_atena_no_fkey', // income_return_version (atena_no, fiscal_year, version)
  'nhi_eligibility_atena_no_fkey', // nhi_eligibility_person
  'nhi_eligibility_household_no_fkey', // nhi_eligibility_household
  'person_my_number_atena_no_fkey', // primary key
]);

/**
 * Relative build times measured on a 1,000,000-resident city (ms): only the order matters, longest first.
 * Names not listed count as 0.
 */
const BUILD_COST: Record<string, number> = {
  person_my_number_blind: 1180,
  person_kana_key: 570,
  person_kanji_key: 510,
  person_birth_date: 390,
  household_member_household: 270,
  household_member_person: 270,
  household_member_current: 230,
  person_my_number_key: 230,
  household_head_current: 150,
  person_alias_kana_key: 140,
  person_alias_kanji_key: 80,
  nhi_eligibility_person: 50,
  nhi_eligibility_household: 50,
  income_atena_no_fkey: 680,
  income_return_atena_no_fkey: 700,
  income_return_current: 400,
  income_return_version: 450,
  person_area_code_fkey: 200,
  person_my_number_atena_no_fkey: 150,
  nhi_eligibility_atena_no_fkey: 70,
  nhi_eligibility_household_no_fkey: 50,
};

interface ScheduledTask {
  tables: readonly string[];
  /** Takes its tables for itself: no other exclusive task on any of them runs at the same time. */
  exclusive?: boolean;
  /** Whether it may start, given the tables that still have index builds pending or running. */
  ready: (pendingIndexTables: ReadonlySet<string>) => boolean;
  run: () => Promise<void>;
}

/**
 * Run the tasks on `concurrency` lanes: each free lane takes the first task that is ready and whose
 * tables no running exclusive task holds. Waits for all, then throws the first error (a failed index
 * build still lets the others run; a foreign key whose indexes failed is not attempted).
 */
async function runScheduled(tasks: readonly ScheduledTask[], concurrency: number): Promise<void> {
  const queue = [...tasks];
  const pendingIndex = new Map<string, number>();
  for (const t of tasks) if (!t.exclusive) for (const tb of t.tables) pendingIndex.set(tb, (pendingIndex.get(tb) ?? 0) + 1);
  const pendingIndexTables = () => new Set([...pendingIndex].filter(([, n]) => n > 0).map(([tb]) => tb));
  const held = new Set<string>();
  const errors: unknown[] = [];
  let running = 0;
  let wake: () => void = () => undefined;
  let changed = new Promise<void>((r) => (wake = r));
  const signal = () => {
    const w = wake;
    changed = new Promise<void>((r) => (wake = r));
    w();
  };
  const lane = async () => {
    for (;;) {
      const pending = pendingIndexTables();
      const i = queue.findIndex((t) => t.ready(pending) && !(t.exclusive && t.tables.some((tb) => held.has(tb))));
      if (i < 0) {
        if (queue.length === 0 || running === 0) return; // done, or nothing can ever become ready
        await changed;
        continue;
      }
      const [task] = queue.splice(i, 1);
      if (task!.exclusive) for (const tb of task!.tables) held.add(tb);
      running++;
      try {
        await task!.run();
        if (!task!.exclusive) for (const tb of task!.tables) pendingIndex.set(tb, pendingIndex.get(tb)! - 1);
      } catch (e) {
        errors.push(e);
      } finally {
        running--;
        if (task!.exclusive) for (const tb of task!.tables) held.delete(tb);
        signal();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, lane));
  if (errors.length > 0) throw errors[0];
}

/** Drop the secondary indexes and foreign keys of the seeded tables (one transaction). */
export async function dropBulkSchema(db: Kysely<DB>): Promise<void> {
  await withOwnerRole(db, async (tx) => {
    for (const f of BULK_FOREIGN_KEYS) await sql.raw(`ALTER TABLE ${f.table} DROP CONSTRAINT IF EXISTS ${f.name}`).execute(tx);
    for (const i of BULK_INDEXES) await sql.raw(`DROP INDEX IF EXISTS ${i.name}`).execute(tx);
  });
}

/** True when none of the seeded tables holds a row (a fresh database: the only case for a bulk load). */
export async function seededTablesEmpty(db: Kysely<DB>): Promise<boolean> {
  const r = await sql<{ empty: boolean }>`
    SELECT NOT (EXISTS (SELECT 1 FROM person) OR EXISTS (SELECT 1 FROM household) OR EXISTS (SELECT 1 FROM household_member)
             OR EXISTS (SELECT 1 FROM income) OR EXISTS (SELECT 1 FROM income_return) OR EXISTS (SELECT 1 FROM nhi_eligibility) OR EXISTS (SELECT 1 FROM person_my_number)) AS empty`.execute(db);
  return r.rows[0]?.empty === true;
}
