import cliProgress from 'cli-progress';
import { loadConfig } from './config.js';
import { startServer } from './server.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_LOGINS_FILE, DEMO_STAFF } from './bootstrap.js';

/**
 * The server on PGlite under ./data (or PostgreSQL with DATABASE_URL).
 * - `npm start` = `src/main.ts --demo`: demo mode, with demo staff (known passwords) and a demo city.
 * - `npm run serve` = `src/main.ts`: a real city. No demo staff, no demo city; the first user
 *   administrators come from `npm run cli -- admin-init`.
 */
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--demo');
if (unknown.length > 0) {
  console.error(`不明なオプションです: ${unknown.join(' ')}\n使い方: tsx src/main.ts [--demo]  (--demo: デモ職員とデモ市を作成するデモモード。本番では付けない)`);
  process.exit(2);
}
const demo = args.includes('--demo');
const config = loadConfig();
let bar: cliProgress.SingleBar | null = null;
console.log(`データベース: ${config.databaseUrl ? 'PostgreSQL' : `PGlite (${config.dataDir})`}`);
console.log(demo ? 'デモモード: デモ職員(パスワード公開)とデモ市のデータを使います。実際の市の運用には使わないでください。' : '運用モード: デモ職員・デモ市は作成しません。');
const server = await startServer({
  demo,
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

if (server.demoPast) {
  // Which household to open for each case of the demo city's past (also in the run record: `npm run cli -- batch runs --job demo.past`).
  console.log(`\nデモ市の過去5年分(${server.demoPast.households.toLocaleString()}世帯、資格の版 ${server.demoPast.versions.toLocaleString()}件)。各事例を見るには世帯番号で検索し、世帯の「国保加入の経過」を開いてください:`);
  for (const g of server.demoPast.guide) console.log(`  世帯番号 ${g.householdNo}  宛名番号 ${g.atenaNo}  ${g.label}(全${g.count.toLocaleString()}件)`);
}
console.log(`\n国民健康保険システムを起動しました: ${server.url}`);
console.log(`API仕様: ${server.url}/api/docs\n`);
if (!demo) {
  if (server.administrators === 0) {
    console.log('利用者管理者がまだいません。最初の利用者管理者を作成してください(PGlite ではこのサーバーを Ctrl+C で止めてから):');
    console.log('  npm run cli -- admin-init <職員ID> --name <氏名> --office <所属コード>');
    console.log('初回登録コードが一度だけ表示されます。本人に手渡しし、本人がログイン画面で初回登録(パスワード設定・');
    console.log('ワンタイムパスワード登録)を行います。四眼承認には2名の利用者管理者が必要なので、2名目も同じ方法で作成してください。');
  } else if (server.administrators === 1) {
    console.log('利用者管理者が1名です。職員の登録・ロールの付与の承認には2名目が必要です: npm run cli -- admin-init <職員ID> --name <氏名> --office <所属コード>');
  }
} else if (server.demoLogins.length > 0) {
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
