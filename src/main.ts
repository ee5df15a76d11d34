import cliProgress from 'cli-progress';
import { loadConfig } from './config.js';
import { startServer } from './server.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_LOGINS_FILE, DEMO_STAFF } from './bootstrap.js';

/** `npm start`: the whole system on PGlite under ./data (or PostgreSQL with DATABASE_URL), with a demo city. */
const config = loadConfig();
let bar: cliProgress.SingleBar | null = null;
console.log(`データベース: ${config.databaseUrl ? 'PostgreSQL' : `PGlite (${config.dataDir})`}`);
const server = await startServer({
  port: config.port,
  host: config.host,
  databaseUrl: config.databaseUrl,
  dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pglite`,
  keyFile: config.keyFile,
  anchorFile: config.auditAnchorFile,
  demoResidents: config.demoResidents,
  demoSeed: config.demoSeed,
  onSeedProgress: (done, total) => {
    if (!bar) {
      console.log(`デモ市のデータを作成しています(住民 ${total.toLocaleString()} 人)`);
      bar = new cliProgress.SingleBar({ format: '  {bar} {percentage}% | {value}/{total} 人 | 残り {eta_formatted}' }, cliProgress.Presets.shades_classic);
      bar.start(total, 0);
    }
    bar.update(done);
    if (done >= total) bar.stop();
  },
});

console.log(`\n国民健康保険システムを起動しました: ${server.url}`);
console.log(`API仕様: ${server.url}/api/docs\n`);
if (server.demoLogins.length > 0) {
  // Demo only: keep the demo TOTP secrets beside the data so `npm run cli -- demo-totp` works while the
  // server holds the embedded database. Never used for real staff (they enrol an authenticator).
  writeFileSync(path.join(config.dataDir, DEMO_LOGINS_FILE), JSON.stringify(server.demoLogins, null, 2), { mode: 0o600 });
  console.log('デモ職員(初回起動時のみ表示。ワンタイムパスワードは認証アプリに秘密鍵を登録するか、');
  console.log('`npm run cli -- demo-totp <職員ID>` で現在のコードを表示できます):');
  for (const l of server.demoLogins) console.log(`  ${l.staffId.padEnd(9)} パスワード ${l.password.padEnd(18)} TOTP秘密鍵 ${l.totpSecret}  (${l.roles.join(', ')})`);
} else {
  console.log('デモ職員:');
  for (const s of DEMO_STAFF) console.log(`  ${s.staffId.padEnd(9)} パスワード ${s.password.padEnd(18)} (${s.roles.join(', ')})`);
  console.log('ワンタイムパスワード: `npm run cli -- demo-totp <職員ID>`');
}

const shutdown = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
