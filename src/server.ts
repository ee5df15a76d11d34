import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { Keyring, loadKeyFile, newKeyFile } from './security/keyring.js';
import { createApp } from './app.js';
import { compose } from './composition.js';
import { FileAnchorLog } from './modules/audit/audit.anchors.js';
import { bootstrap, type BootstrapResult, type DemoLogin } from './bootstrap.js';
import type { Deps } from './deps.js';
import { REDACT_PATHS } from './security/redaction.js';
import { MODULES } from './modules/index.js';
import { startBackground, type BackgroundTask } from './platform/background.js';

export interface StartOptions {
  port?: number;
  host?: string;
  databaseUrl?: string | undefined;
  /** PostgreSQL: the server's own login (nhi_app); default derived from databaseUrl (see openDatabase). */
  appDatabaseUrl?: string | undefined;
  /** PGlite data directory; undefined with no databaseUrl → in-memory (tests). */
  dataDir?: string | undefined;
  keyFile?: string | undefined;
  /** Audit anchor file; undefined (tests) → anchors kept in memory. */
  anchorFile?: string | undefined;
  /** Demo mode (`npm start`): demo staff with known passwords and a demo city. Never for a real city. */
  demo?: boolean;
  demoResidents?: number;
  demoSeed?: number;
  logLevel?: Config['logLevel'];
  onSeedProgress?: (done: number, total: number) => void;
}

/** How often the audit sealer looks for new records. */
const SEAL_EVERY_MS = 500;

export interface RunningServer {
  url: string;
  deps: Deps;
  demoLogins: DemoLogin[];
  /** The demo city's past when this start wrote it (a household to open for each case). */
  demoPast: BootstrapResult['demoPast'];
  /** Active user administrators at start (0: run `npm run cli -- admin-init`). */
  administrators: number;
  close(): Promise<void>;
}

/** Build every dependency explicitly, bootstrap the organisation (and demo data), and listen. */
export async function buildDeps(opts: StartOptions): Promise<Deps> {
  const base = loadConfig();
  const config: Config = {
    ...base,
    // An explicit databaseUrl (even undefined = embedded PGlite) wins over the environment.
    databaseUrl: 'databaseUrl' in opts ? opts.databaseUrl : base.databaseUrl,
    appDatabaseUrl: 'appDatabaseUrl' in opts ? opts.appDatabaseUrl : 'databaseUrl' in opts ? undefined : base.appDatabaseUrl,
    port: opts.port ?? base.port,
    host: opts.host ?? base.host,
    logLevel: opts.logLevel ?? base.logLevel,
  };
  const logger = pino({ level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[秘匿]' } });
  // Without a key file (tests), keys are ephemeral: nothing encrypted outlives the process.
  const keyring = new Keyring(opts.keyFile ? loadKeyFile(opts.keyFile, { create: true }) : newKeyFile());
  const database = await openDatabase({ databaseUrl: config.databaseUrl, appDatabaseUrl: config.appDatabaseUrl, dataDir: config.databaseUrl ? undefined : opts.dataDir });
  return compose({ config, database, keyring, logger }, opts.anchorFile ? new FileAnchorLog(opts.anchorFile) : undefined);
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const deps = await buildDeps(opts);
  const { demoLogins, demoPast, administrators } = await bootstrap(deps, {
    demo: opts.demo ?? false,
    demoResidents: opts.demoResidents ?? deps.config.demoResidents,
    demoSeed: opts.demoSeed ?? deps.config.demoSeed,
    ...(opts.onSeedProgress ? { onProgress: opts.onSeedProgress } : {}),
  });
  // The owner connection served the demo seeding only: the running server holds nothing but nhi_app.
  await deps.database.closeOwner();
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: deps.config.port, hostname: deps.config.host });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  // The audit sealer: chains new records in the background, signs and anchors checkpoints.
  let sealing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sealing = sealing.then(() => deps.audit.sealer.tick(deps.database.db)).catch((err) => deps.logger.error({ err: String(err) }, 'audit sealer failed'));
  }, SEAL_EVERY_MS);
  timer.unref();
  // What the modules do on their own while the server runs (e.g. the 更正 queue).
  const background = startBackground(
    MODULES.flatMap((m): BackgroundTask[] => ('background' in m && m.background ? m.background(deps, deps) : [])),
    deps.logger,
  );
  return {
    url: `http://localhost:${port}`,
    deps,
    demoLogins,
    demoPast,
    administrators,
    async close() {
      clearInterval(timer);
      await background.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sealing;
      await deps.audit.checkpoint(deps.database.db).catch((err) => deps.logger.error({ err: String(err) }, 'audit checkpoint failed'));
      await deps.database.close();
    },
  };
}
