import { sql, type Kysely } from 'kysely';

/**
 * Room on each page of `person` for the next version of its rows (fillfactor 85). Most registry
 * changes (転出, 死亡, 世帯分離・世帯変更, 在留期間, …) change no indexed column; with room on the page
 * PostgreSQL writes such a version as a heap-only tuple: no entry in any of the table's six indexes and
 * one page touched instead of seven. Pages written from now on keep the room; a city migrating an
 * existing database rewrites the table once (VACUUM FULL person, in a maintenance window).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE person SET (fillfactor = 85)`.execute(db);
}
