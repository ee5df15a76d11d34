import { z } from 'zod';
import path from 'node:path';

/** Runtime configuration, read once from the environment and validated (zod). */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  /** postgres://… → PostgreSQL; unset → embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** PostgreSQL: the server's own login (role nhi_app, not a superuser or owner); default DATABASE_URL with the user nhi_app. */
  APP_DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  /** Append-only file of signed audit checkpoint anchors (outside the database; the operator keeps a copy elsewhere). */
  AUDIT_ANCHOR_FILE: z.string().optional(),
  /** Key file holding the My Number encryption keys, blind-index key and audit signing key. Outside the database. */
  KEY_FILE: z.string().optional(),
  DEMO_RESIDENTS: z.coerce.number().int().min(0).max(2_000_000).default(20_000),
  DEMO_SEED: z.coerce.number().int().default(20261125),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(120).default(15),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(24).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Set to 1 only behind TLS termination: marks cookies Secure (the __Host- prefix requires it). */
  COOKIE_SECURE: z.enum(['0', '1']).optional(),
  /** The origin staff browsers use (e.g. https://kokuho.city.example.lg.jp); fixes the WebAuthn RP ID and origin. */
  PUBLIC_ORIGIN: z.string().url().optional(),
  /** argon2 password hashes at once (64 MiB, ~0.3 s of CPU each) and how many may wait; more are refused (503). */
  LOGIN_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  LOGIN_HASH_QUEUE: z.coerce.number().int().min(0).max(1000).default(8),
  /** Failed login / second-factor attempts allowed per client IP and per staff ID: a burst of this many, refilled at this many a minute. */
  LOGIN_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(30),
  LOGIN_ATTEMPTS_PER_STAFF: z.coerce.number().int().min(1).max(1000).default(10),
  /** JIS X 0401 code of the city's prefecture (埼玉県 = 11): the insurer since 2018, so moves within it keep 資格. */
  /** Minutes between runs of the 更正 queue (reassessment_request) by the server; 0 = never (run `assessment reassess-pending`). */
  REASSESS_EVERY_MINUTES: z.coerce.number().int().min(0).max(1440).default(10),
  PREFECTURE_CODE: z.string().regex(/^(0[1-9]|[1-3][0-9]|4[0-7])$/, '01〜47の都道府県コードです').default('11'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  appDatabaseUrl: string | undefined;
  dataDir: string;
  keyFile: string;
  auditAnchorFile: string;
  demoResidents: number;
  demoSeed: number;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  cookieSecure: boolean | undefined;
  publicOrigin: string | undefined;
  loginHashConcurrency: number;
  loginHashQueue: number;
  loginAttemptsPerIp: number;
  loginAttemptsPerStaff: number;
  prefectureCode: string;
  reassessEveryMs: number;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `環境変数 ${i.path.join('.')}: ${i.message}`);
    throw new Error(`設定が不正です:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    appDatabaseUrl: e.APP_DATABASE_URL,
    dataDir,
    keyFile: path.resolve(e.KEY_FILE ?? path.join(dataDir, 'keys.json')),
    auditAnchorFile: path.resolve(e.AUDIT_ANCHOR_FILE ?? path.join(dataDir, 'audit-anchors.jsonl')),
    demoResidents: e.DEMO_RESIDENTS,
    demoSeed: e.DEMO_SEED,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    logLevel: e.LOG_LEVEL,
    cookieSecure: e.COOKIE_SECURE === undefined ? undefined : e.COOKIE_SECURE === '1',
    publicOrigin: e.PUBLIC_ORIGIN?.replace(/\/$/, ''),
    loginHashConcurrency: e.LOGIN_HASH_CONCURRENCY,
    loginHashQueue: e.LOGIN_HASH_QUEUE,
    loginAttemptsPerIp: e.LOGIN_ATTEMPTS_PER_IP,
    prefectureCode: e.PREFECTURE_CODE,
    reassessEveryMs: e.REASSESS_EVERY_MINUTES * 60_000,
    loginAttemptsPerStaff: e.LOGIN_ATTEMPTS_PER_STAFF,
  };
}
