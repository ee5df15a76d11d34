import pg from 'pg';

/**
 * The bench databases on the PostgreSQL server of DATABASE_URL: named, created fresh and dropped at the
 * end (bench/run.ts for the shared demo city, assessment.bench.ts for its own city of NHI households).
 */

export const DEFAULT_BASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** An environment variable as a non-negative integer (underscores allowed: 1_000_000), else `fallback`. */
export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

/** 20261130_180512: the suffix of a run's database and result files. */
export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '_').toLowerCase();
}

/** `url` with the database `name` instead of its own. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Bench databases are named in SQL text (CREATE/DROP DATABASE): plain lower-case identifiers only. */
export function checkName(name: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
}

export async function createDatabase(baseUrl: string, name: string): Promise<void> {
  checkName(name);
  await admin(baseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
}

/** Drop a bench database once its (already closed) pool's connections are gone. */
export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  checkName(name);
  // pg-pool's end() resolves before its sockets close: let the backends go before DROP … WITH (FORCE),
  // which would otherwise terminate them and raise an unhandled 'error' on the closed pool.
  await admin(baseUrl, async (c) => {
    for (let i = 0; i < 50; i++) {
      const r = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (r.rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  await admin(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
