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
  { table: 'household_member', name: 'household_head_current', ddl: `CREATE UNIQUE INDEX household_head_current ON household_member (household_no) WHERE valid_to IS NULL AND relationship = '世帯主'`, migration: MIGRATION_0200 },
  { table: 'household_member', name: 'household_member_household', ddl: `CREATE INDEX household_member_household ON household_member (household_no)`, migration: MIGRATION_0200 },
  { table: 'household_member', name: 'household_member_person', ddl: `CREATE INDEX household_member_person ON household_member (atena_no)`, migration: MIGRATION_0200 },
  { table: 'nhi_eligibility', name: 'nhi_eligibility_person', ddl: `CREATE INDEX nhi_eligibility_person ON nhi_eligibility (atena_no)`, migration: MIGRATION_0200 },
  { table: 'nhi_eligibility', name: 'nhi_eligibility_household', ddl: `CREATE INDEX nhi_eligibility_household ON nhi_eligibility (household_no)`, migration: MIGRATION_0200 },
  { table: 'person_my_number', name: 'person_my_number_blind', ddl: `CREATE INDEX person_my_number_blind ON person_my_number (blind_index)`, migration: MIGRATION_0300 },
  { table: 'person_my_number', name: 'person_my_number_key', ddl: `CREATE INDEX person_my_number_key ON person_my_number (key_id)`, migration: MIGRATION_0300 },
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
  foreignKey('household_member', 'household_no bigint NOT NULL REFERENCES household(household_no)', MIGRATION_0200),
  foreignKey('household_member', 'atena_no bigint NOT NULL REFERENCES person(atena_no)', MIGRATION_0200),
  foreignKey('income', 'atena_no bigint NOT NULL REFERENCES person(atena_no)', MIGRATION_0200),
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
 * Create the indexes and foreign keys that are missing; returns what was created. The indexes of each
 * table are built in one transaction per table (sorts with a large maintenance_work_mem), up to
 * `concurrency` tables at a time on their own connections; then the foreign keys in one transaction
 * (each is one anti-join over the whole table). A run killed part-way leaves some of them missing,
 * which the next call creates.
 */
export async function ensureBulkSchema(db: Kysely<DB>, concurrency = 1): Promise<MissingBulkSchema> {
  const missing = await missingBulkSchema(db);
  if (missing.indexes.length === 0 && missing.foreignKeys.length === 0) return missing;
  const byTable = new Map<SeedTable, BulkIndex[]>();
  for (const i of BULK_INDEXES) if (missing.indexes.includes(i.name)) byTable.set(i.table, [...(byTable.get(i.table) ?? []), i]);
  const groups = [...byTable.values()]; // person first: the biggest, so it starts at once
  await runConcurrently(groups, concurrency, (indexes) =>
    withOwnerRole(db, async (tx) => {
      await sql`SET LOCAL maintenance_work_mem = '512MB'`.execute(tx);
      for (const i of indexes) await sql.raw(i.ddl.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ')).execute(tx);
    }),
  );
  if (missing.foreignKeys.length > 0) {
    await withOwnerRole(db, async (tx) => {
      await sql`SET LOCAL work_mem = '256MB'`.execute(tx); // the foreign-key check is a hash anti-join
      for (const f of BULK_FOREIGN_KEYS) if (missing.foreignKeys.includes(f.name)) await sql.raw(f.ddl).execute(tx);
    });
  }
  return missing;
}

/** Run `fn` over `items` with at most `concurrency` at a time; waits for all, then throws the first error. */
export async function runConcurrently<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
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
             OR EXISTS (SELECT 1 FROM income) OR EXISTS (SELECT 1 FROM nhi_eligibility) OR EXISTS (SELECT 1 FROM person_my_number)) AS empty`.execute(db);
  return r.rows[0]?.empty === true;
}
