import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { withOwnerRole } from './maintenance.js';

/**
 * The person search indexes, copied verbatim from migration 2026-11-25T0200_atena_household (a test
 * checks the text against the migration). A big demo load may drop them and build them once at the
 * end. Every seeding run first and last calls `ensureBulkSchema` (bulk-schema.ts), which recreates any
 * of these (and the other indexes and foreign keys a bulk load drops) that are missing, so a run killed
 * mid-load leaves them missing only until the next seeding run.
 */
export const PERSON_SEARCH_INDEX_DDL: readonly { name: string; ddl: string }[] = [
  { name: 'person_kana_key', ddl: `CREATE INDEX person_kana_key ON person (name_kana_key text_pattern_ops)` },
  { name: 'person_alias_kana_key', ddl: `CREATE INDEX person_alias_kana_key ON person (alias_kana_key text_pattern_ops) WHERE alias_kana_key IS NOT NULL` },
  { name: 'person_kanji_key', ddl: `CREATE INDEX person_kanji_key ON person (name_kanji_key text_pattern_ops)` },
  { name: 'person_alias_kanji_key', ddl: `CREATE INDEX person_alias_kanji_key ON person (alias_kanji_key text_pattern_ops) WHERE alias_kanji_key IS NOT NULL` },
  { name: 'person_birth_date', ddl: `CREATE INDEX person_birth_date ON person (birth_date)` },
];

function ifNotExists(ddl: string): string {
  return ddl.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS ');
}

export async function missingPersonSearchIndexes(db: Kysely<DB>): Promise<string[]> {
  const r = await sql<{ indexname: string }>`
    SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'person'`.execute(db);
  const present = new Set(r.rows.map((x) => x.indexname));
  return PERSON_SEARCH_INDEX_DDL.filter((i) => !present.has(i.name)).map((i) => i.name);
}

/** Create the search indexes that are missing; returns their names. */
export async function ensurePersonSearchIndexes(db: Kysely<DB>): Promise<string[]> {
  const missing = await missingPersonSearchIndexes(db);
  if (missing.length === 0) return [];
  await withOwnerRole(db, async (tx) => {
    await sql`SET LOCAL maintenance_work_mem = '256MB'`.execute(tx);
    for (const i of PERSON_SEARCH_INDEX_DDL) {
      if (missing.includes(i.name)) await sql.raw(ifNotExists(i.ddl)).execute(tx);
    }
  });
  return missing;
}

export async function dropPersonSearchIndexes(db: Kysely<DB>): Promise<void> {
  await withOwnerRole(db, async (tx) => {
    for (const i of PERSON_SEARCH_INDEX_DDL) await sql.raw(`DROP INDEX IF EXISTS ${i.name}`).execute(tx);
  });
}
