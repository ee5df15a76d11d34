import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { Keyring, loadKeyFile, newKeyFile } from './security/keyring.js';
import { createApp } from './app.js';
import { compose } from './composition.js';
import { bootstrap, type DemoLogin } from './bootstrap.js';
import type { Deps } from './deps.js';
import { REDACT_PATHS } from './security/redaction.js';

export interface StartOptions {
  port?: number;
  host?: string;
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined with no databaseUrl → in-memory (tests). */
  dataDir?: string | undefined;
  keyFile?: string | undefined;
  demoResidents?: number;
  demoSeed?: number;
  logLevel?: Config['logLevel'];
  onSeedProgress?: (done: number, total: number) => void;
}

export interface RunningServer {
  url: string;
  deps: Deps;
  demoLogins: DemoLogin[];
  close(): Promise<void>;
}

/** Build every dependency explicitly, bootstrap the organisation (and demo data), and listen. */
export async function buildDeps(opts: StartOptions): Promise<Deps> {
  const base = loadConfig();
  const config: Config = {
    ...base,
    // An explicit databaseUrl (even undefined = embedded PGlite) wins over the environment.
    databaseUrl: 'databaseUrl' in opts ? opts.databaseUrl : base.databaseUrl,
    port: opts.port ?? base.port,
    host: opts.host ?? base.host,
    logLevel: opts.logLevel ?? base.logLevel,
  };
  const logger = pino({ level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[秘匿]' } });
  // Without a key file (tests), keys are ephemeral: nothing encrypted outlives the process.
  const keyring = new Keyring(opts.keyFile ? loadKeyFile(opts.keyFile, { create: true }) : newKeyFile());
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : opts.dataDir });
  return compose({ config, database, keyring, logger });
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const deps = await buildDeps(opts);
  const { demoLogins } = await bootstrap(deps, {
    demoResidents: opts.demoResidents ?? deps.config.demoResidents,
    demoSeed: opts.demoSeed ?? deps.config.demoSeed,
    ...(opts.onSeedProgress ? { onProgress: opts.onSeedProgress } : {}),
  });
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: deps.config.port, hostname: deps.config.host });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  // Signed audit checkpoints at least every 5 minutes while the chain moves.
  const timer = setInterval(() => {
    deps.audit.checkpoint(deps.database.db).catch((err) => deps.logger.error({ err: String(err) }, 'audit checkpoint failed'));
  }, 5 * 60_000);
  timer.unref();
  return {
    url: `http://localhost:${port}`,
    deps,
    demoLogins,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.audit.checkpoint(deps.database.db).catch(() => undefined);
      await deps.database.close();
    },
  };
}
