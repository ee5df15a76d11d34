import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { APP_ROLE, openDatabase, type Database } from './database.js';
import { openTestDatabase } from './test-database.js';
import { startServer } from '../server.js';

/**
 * The application's database session cannot leave nhi_app. PostgreSQL: the server logs in as nhi_app
 * itself (RESET ROLE stays nhi_app) and refuses to start as a superuser or table owner. PGlite (one
 * superuser): SET ROLE nhi_app, and a failed switch stops the start.
 */
if (process.env.DATABASE_URL) {
  describe('PostgreSQL: the application logs in as nhi_app', () => {
    let t: Awaited<ReturnType<typeof openTestDatabase>>;
    let database: Database;
    beforeAll(async () => {
      t = await openTestDatabase();
      database = t.database;
    });
    afterAll(async () => t?.drop());

    it('is not a superuser, and RESET ROLE leaves it nhi_app: the audit trail stays append-only', async () => {
      await database.db.connection().execute(async (conn) => {
        await sql`RESET ROLE`.execute(conn);
        const me = await sql<{ session_user: string; current_user: string; rolsuper: boolean }>`
          SELECT session_user, current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS rolsuper`.execute(conn);
        expect(me.rows[0]).toEqual({ session_user: APP_ROLE, current_user: APP_ROLE, rolsuper: false });
        await expect(sql`UPDATE audit_event SET action = 'x'`.execute(conn)).rejects.toThrow(/permission denied/);
        await expect(sql`DELETE FROM audit_event`.execute(conn)).rejects.toThrow(/permission denied/);
        await expect(sql`ALTER TABLE audit_event DISABLE TRIGGER USER`.execute(conn)).rejects.toThrow(/must be owner/);
        await expect(sql`SET ROLE postgres`.execute(conn)).rejects.toThrow(/permission denied/);
      });
    });

    it('the server refuses to start when its login is a superuser, with a Japanese message', async () => {
      await expect(startServer({ databaseUrl: t.url!, appDatabaseUrl: t.url!, port: 0, demoResidents: 0 })).rejects.toThrow(/スーパーユーザーのため起動を中止しました/);
    });

    it('the server refuses to start when it cannot log in as its role', async () => {
      const u = new URL(t.url!);
      u.username = 'no_such_login_role';
      await expect(openDatabase({ databaseUrl: t.url!, appDatabaseUrl: u.toString(), migrate: false })).rejects.toThrow(/no_such_login_role でデータベースに接続できないため起動を中止しました/);
    });
  });
} else {
  describe('PGlite: the single session runs as nhi_app', () => {
    it('runs as nhi_app after the start', async () => {
      const database = await openDatabase({});
      try {
        const r = await sql<{ u: string }>`SELECT current_user AS u`.execute(database.db);
        expect(r.rows[0]!.u).toBe(APP_ROLE);
      } finally {
        await database.close();
      }
    });

    it('a failed SET ROLE stops the start (no role yet: migrations not run)', async () => {
      await expect(openDatabase({ migrate: false })).rejects.toThrow(/ロール nhi_app に切り替えられないため起動を中止しました/);
    });
  });
}
