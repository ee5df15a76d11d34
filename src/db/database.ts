import { Kysely, Migrator, PostgresDialect, sql, type DatabaseConnection, type Dialect, type Driver, type MigrationProvider, type Transaction, type TransactionSettings } from 'kysely';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { DB } from './schema.js';
import { DATE_OID, INT8_OID } from './pg-types.js';
import { migrations } from './migrations/index.js';

export type DatabaseKind = 'pglite' | 'postgresql';

export interface Database {
  /** The application's connection: the nhi_app role (PostgreSQL: its own login, see appDatabaseUrl). */
  db: Kysely<DB>;
  /**
   * The schema owner, for the operator's maintenance only (demo seeding: dropping and rebuilding indexes,
   * VACUUM). PostgreSQL: a separate small pool on the owner URL, connected on first use and closed by
   * closeOwner(); PGlite: the same single session (one user, see docs/SECURITY.md).
   */
  owner: Kysely<DB>;
  /** Close the owner connection (the server does so once its start-up is done). */
  closeOwner(): Promise<void>;
  kind: DatabaseKind;
  /**
   * PostgreSQL: the application's login URL, for a worker thread's own connection (`openReader`); the
   * embedded database lives in this thread only.
   */
  appUrl?: string;
  /**
   * PostgreSQL: one connection apart from the pool, for reads beside a transaction whose users a lock
   * serializes (the registry intake reads households on it while its transaction locks persons). Taking
   * it never waits for the pool, which may be full of transactions waiting for that same lock. PGlite:
   * absent (one session).
   */
  sideReads?: Kysely<DB>;
  /** Latest applied migration name (the schema version). */
  schemaVersion(): Promise<string | null>;
  /**
   * Bulk load tab-separated rows (COPY … FROM STDIN in text format; `tsv` as a string or UTF-8 bytes).
   * Used by the seeder, file imports and the 本算定. With `tx`, inside that transaction (its effects
   * commit or roll back with it); without, on a connection of its own.
   */
  copyIn(table: string, columns: readonly string[], tsv: string | Uint8Array, tx?: Transaction<DB>): Promise<void>;
  /** PGlite only: a snapshot of the data directory (a tarball), which `loadDataDir` starts from. */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

/** The role the application runs as; see the roles migration. */
export const APP_ROLE = 'nhi_app';

const provider: MigrationProvider = { getMigrations: async () => migrations };


export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Apply the migrations up to and including `name`, no further (a migration's test builds the database as it was before it). */
export async function migrateTo(db: Kysely<any>, name: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function latestMigration(db: Kysely<any>): Promise<string | null> {
  const r = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1`.execute(db);
  return r.rows[0]?.name ?? null;
}

export interface OpenOptions {
  /** postgres://… for PostgreSQL (the schema owner: migrations); otherwise PGlite in dataDir (or in memory when dataDir is undefined). */
  databaseUrl?: string | undefined;
  /** The application's own login (PostgreSQL); default: databaseUrl with the user replaced by nhi_app. */
  appDatabaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** PGlite in memory only: start from this data-directory snapshot (`dumpDataDir()`) instead of an empty cluster. */
  loadDataDir?: Blob | undefined;
  /** Run migrations before handing out the connection (default true). */
  migrate?: boolean;
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPglite(opts);
}

/** The application's login: the owner URL with the user replaced by nhi_app (and no password). */
export function appUrlOf(ownerUrl: string): string {
  const u = new URL(ownerUrl);
  u.username = APP_ROLE;
  u.password = '';
  return u.toString();
}

/**
 * Refuse to run the application as a superuser, as a table owner or outside nhi_app: its grants and the
 * audit triggers are what keep it from rewriting the trail (RESET ROLE would undo a mere SET ROLE).
 */
async function assertAppLogin(db: Kysely<DB>): Promise<void> {
  const r = await sql<{ user: string; superuser: boolean; owns: boolean; member: boolean }>`
    SELECT current_user AS user, r.rolsuper AS superuser,
           EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid AND c.relnamespace = 'public'::regnamespace) AS owns,
           pg_has_role(r.oid, ${APP_ROLE}, 'USAGE') AS member
      FROM pg_roles r WHERE r.rolname = current_user`.execute(db);
  const me = r.rows[0];
  if (!me) throw new Error('データベースの接続ユーザーを確認できません');
  const fix = `APP_DATABASE_URL に ${APP_ROLE} のログイン(スーパーユーザーでもテーブル所有者でもないユーザー)を指定してください`;
  if (me.superuser) throw new Error(`アプリケーションの接続ユーザー ${me.user} がスーパーユーザーのため起動を中止しました。${fix}`);
  if (me.owns) throw new Error(`アプリケーションの接続ユーザー ${me.user} がテーブルの所有者のため起動を中止しました。${fix}`);
  if (!me.member) throw new Error(`アプリケーションの接続ユーザー ${me.user} がロール ${APP_ROLE} に属していないため起動を中止しました。${fix}`);
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Database> {
  if (opts.migrate !== false) {
    // Migrations run as the owner (DATABASE_URL); the application then logs in as nhi_app.
    const owner = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
    try {
      await migrateToLatest(owner);
    } finally {
      await owner.destroy();
    }
  }
  const appUrl = opts.appDatabaseUrl ?? appUrlOf(url);
  const pool = new pg.Pool({ connectionString: appUrl, max: opts.poolSize ?? 10, options: '-c TimeZone=Asia/Tokyo' });
  // An idle connection the server ends (restart, admin termination) must not crash the process;
  // the pool drops it and the next checkout opens a new one.
  pool.on('error', () => undefined);
  // The pool's clients by server process id: a COPY inside a Kysely transaction runs on the client
  // that transaction holds (Kysely does not hand it out), found by asking the transaction for its pid.
  const clients = new Map<number, pg.PoolClient>();
  pool.on('connect', (client) => {
    const pid = (client as unknown as { processID: number }).processID;
    clients.set(pid, client as pg.PoolClient);
    client.once('end', () => clients.delete(pid));
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    await assertAppLogin(db);
  } catch (e) {
    await db.destroy();
    const login = new URL(appUrl).username;
    if (e instanceof Error && /起動を中止/.test(e.message)) throw e;
    throw new Error(`アプリケーション用ユーザー ${login} でデータベースに接続できないため起動を中止しました: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  // The registry intake's reads: no parallel workers, as in its transaction (registry.bulk.ts).
  const sidePool = new pg.Pool({ connectionString: appUrl, max: 1, options: '-c TimeZone=Asia/Tokyo -c max_parallel_workers_per_gather=0' });
  sidePool.on('error', () => undefined); // as for the pool: an ended idle connection is dropped
  const sideReads = new Kysely<DB>({ dialect: new PostgresDialect({ pool: sidePool }) });
  // pg.Pool connects on first use: no owner connection exists unless maintenance asks for one.
  const ownerPool = new pg.Pool({ connectionString: url, max: 2, options: '-c TimeZone=Asia/Tokyo' });
  ownerPool.on('error', () => undefined); // as for the application's pool: an ended idle connection is dropped
  const owner = new Kysely<DB>({ dialect: new PostgresDialect({ pool: ownerPool }) });
  let ownerOpen = true;
  const closeOwner = async () => {
    if (ownerOpen) await owner.destroy();
    ownerOpen = false;
  };
  return {
    db,
    owner,
    closeOwner,
    kind: 'postgresql',
    appUrl,
    sideReads,
    schemaVersion: () => latestMigration(db),
    async copyIn(table, columns, tsv, tx) {
      const copy = async (client: pg.ClientBase) => {
        const stream = client.query(copyFrom(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(',')}) FROM STDIN`));
        // Bytes from a worker thread arrive as a plain Uint8Array: viewed as a Buffer (no copy).
        const data = typeof tsv === 'string' || Buffer.isBuffer(tsv) ? tsv : Buffer.from(tsv.buffer, tsv.byteOffset, tsv.byteLength);
        await pipeline(Readable.from([data]), stream);
      };
      if (tx) {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx);
        const client = clients.get(Number(rows[0]!.pid));
        if (!client) throw new Error('COPY: トランザクションの接続が見つかりません');
        await copy(client);
        return;
      }
      const client = await pool.connect();
      try {
        await copy(client);
      } finally {
        client.release();
      }
    },
    async close() {
      await closeOwner();
      await sideReads.destroy();
      await db.destroy();
    },
  };
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it.
 * A pid lock file next to the directory turns that into a clear error.
 */
function lockDataDir(dataDir: string): () => void {
  const lock = `${dataDir}.lock`;
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) {
      throw new Error(`組み込みデータベース ${dataDir} は別のプロセス(pid ${pid})が使用中です。サーバーを停止してから実行するか、DATABASE_URL で PostgreSQL を使ってください`);
    }
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

/**
 * The PostgreSQL extensions the schema uses, built into PGlite's WebAssembly (every PGlite the system
 * opens passes them, or a data directory with the extension cannot be read): btree_gist for the
 * exclusion constraint of nhi_eligibility (no two current periods of one person overlap).
 */
export const PGLITE_EXTENSIONS = { btree_gist };

async function openPglite(opts: OpenOptions): Promise<Database> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const unlock = opts.dataDir ? lockDataDir(opts.dataDir) : () => undefined;
  const client = new PGlite({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    extensions: PGLITE_EXTENSIONS,
    parsers: {
      [DATE_OID]: (v: string) => v,
      [INT8_OID]: (v: string) => Number(v),
      [pgliteTypes.TIMESTAMPTZ]: (v: string) => new Date(v),
    },
  });
  await client.waitReady;
  await client.exec(`SET TIME ZONE 'Asia/Tokyo'`);
  // Loaded only here: the package brings a code generator a PostgreSQL deployment need not hold in memory.
  const { KyselyPGlite } = await import('kysely-pglite');
  const db = new Kysely<DB>({ dialect: serialized(new KyselyPGlite(client).dialect) });
  if (opts.migrate !== false) await migrateToLatest(db as Kysely<any>);
  // PGlite has one user (a superuser): the application runs under SET ROLE, which RESET ROLE would undo
  // (see docs/SECURITY.md). A failed switch stops the start.
  try {
    await client.exec(`SET ROLE ${APP_ROLE}`);
    const r = await client.query<{ user: string }>('SELECT current_user AS user');
    if (r.rows[0]?.user !== APP_ROLE) throw new Error(`現在のロールが ${r.rows[0]?.user ?? '不明'} です`);
  } catch (e) {
    await client.close();
    unlock();
    throw new Error(`ロール ${APP_ROLE} に切り替えられないため起動を中止しました: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return {
    db,
    owner: db,
    closeOwner: async () => undefined,
    kind: 'pglite',
    schemaVersion: () => latestMigration(db),
    async copyIn(table, columns, tsv) {
      // One session: inside a transaction or not, the COPY runs in it (a transaction holding the session
      // is the caller's own). PGlite reads COPY input from a blob; reading a "server file" needs the
      // owner role, switched back to the application's at once (inside a transaction, a rollback also
      // restores it).
      await client.exec('RESET ROLE');
      try {
        await client.query(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(',')}) FROM '/dev/blob'`, [], {
          blob: new Blob([tsv as string | Uint8Array<ArrayBuffer>]),
        });
      } finally {
        await client.exec(`SET ROLE ${APP_ROLE}`);
      }
    },
    dumpDataDir: () => client.dumpDataDir('none'),
    close: async () => {
      await db.destroy();
      if (!client.closed) await client.close();
      unlock();
    },
  };
}

/**
 * PGlite is a single session. Without a lock, concurrent requests interleave their statements inside
 * each other's transactions (a rollback undoes another request's writes, the audit chain gets gaps).
 * Every connection checkout waits until the previous one is released, as Kysely's SQLite driver does.
 */
class SerializedDriver implements Driver {
  #tail: Promise<void> = Promise.resolve();
  readonly #release = new WeakMap<DatabaseConnection, () => void>();
  constructor(private readonly inner: Driver) {}
  init(): Promise<void> {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      const connection = await this.inner.acquireConnection();
      this.#release.set(connection, release);
      return connection;
    } catch (e) {
      release();
      throw e;
    }
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.#release.get(connection)?.();
      this.#release.delete(connection);
    }
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function serialized(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new SerializedDriver(dialect.createDriver()),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`不正な識別子です: ${name}`);
  return `"${name}"`;
}

