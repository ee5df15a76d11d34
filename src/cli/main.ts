import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { authenticator } from 'otplib';
import { DEMO_LOGINS_FILE } from '../bootstrap.js';
import { seedDemoCity, type SeedProfile } from '../demo/generator.js';
import { writeDemoHistory } from '../demo/history.js';
import { writeDemoCertificateFacts } from '../demo/certificate-facts.js';
import { z } from 'zod';
import { loadConfig } from '../config.js';
import { buildDeps } from '../server.js';
import { operatorActor } from '../security/actor.js';
import { MODULES } from '../modules/index.js';
import { choiceOption, intOption, isoDateOption, opts, progressBar, requiredArgument, type Command } from './command.js';

export { choiceOption, intOption, opts, textOption } from './command.js';
import { applyOrganization, loadOrganization } from '../modules/access/organization.js';
import { AppError } from '../http/errors.js';
import { loadLawParams, ParamError } from '../platform/params/law-params.js';
import { paramsShowText } from '../platform/params/params-show.js';
import { parseDateInput } from '../lib/wareki.js';
import { todayInJapan } from '../modules/eligibility/eligibility.rules.js';
import { restartWithHeapCap } from './heap-cap.js';

/**
 * `npm run cli -- <command> [options]`: the platform's commands below, and each module's own
 * (`cli` in its module declaration). Every command runs as an operator identity (OS user, host, job,
 * run id) that the audit trail records like any staff member.
 */
function parseArgs(argv: string[]): { args: Record<string, string | boolean>; positional: string[] } {
  const args: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) args[k] = v;
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) args[k] = argv[++i]!;
      else args[k] = true;
    } else positional.push(a);
  }
  return { args, positional };
}

const PLATFORM_COMMANDS: Record<string, Command> = {
  'params-show': {
    summary: '法令パラメータ(config/law/*.yaml)のうち指定日に効力のある値を、根拠法令と確認状況つきで一覧する',
    usage: 'params show [--date 2026-04-01]',
    withoutDatabase: true,
    async run(_deps, args) {
      const o = opts({ date: isoDateOption.optional() }, args);
      const date = o.date ?? todayInJapan();
      if (parseDateInput(date) !== date) throw new AppError(400, 'bad_option', `--date: ${date} は存在しない日付です`);
      console.log(paramsShowText(loadLawParams(), date));
      return 0;
    },
  },
  migrate: {
    summary: 'データベースを最新のスキーマに更新する(起動時にも自動実行)',
    usage: 'migrate',
    async run(deps) {
      console.log(`スキーマ: ${await deps.database.schemaVersion()}`);
      return 0;
    },
  },
  seed: {
    summary: '合成データのデモ市を作成する(決定的: 同じ --seed なら同じデータ)。中断しても再実行で続きから',
    usage: 'seed --residents 20000 --seed 1 [--offset 0] [--profile city|nhi] [--rebuild-indexes]',
    async run(deps, args) {
      const o = opts(
        {
          residents: intOption(1, 2_000_000),
          seed: intOption(0, 2_147_483_647).default(deps.config.demoSeed),
          offset: intOption(0, 999_999_999).default(0),
          profile: choiceOption<SeedProfile>([
            { value: 'city', label: '一般の市: 国保は住民の約2割' },
            { value: 'nhi', label: '75歳未満の全員が国保' },
          ]).default('city'),
          'rebuild-indexes': z.coerce.boolean().optional(),
        },
        args,
      );
      const bar = progressBar('住民');
      let started = false;
      const actor = operatorActor('seed', new Set(deps.permissions.all));
      const t0 = Date.now();
      const result = await seedDemoCity(deps.database, deps.keyring, {
        residents: o.residents,
        seed: o.seed,
        profile: o.profile,
        actorLabel: actor.id,
        startOffset: o.offset,
        // Above ~100k residents, dropping and rebuilding the search indexes is faster than maintaining them.
        rebuildSearchIndexes: o['rebuild-indexes'] ?? o.residents >= 100_000,
        onProgress: (done: number, total: number) => {
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        },
      });
      bar.stop();
      const historyRows = await writeDemoHistory(deps.database.db, actor.id);
      const certificateFacts = await writeDemoCertificateFacts(deps.database.db, actor.id);
      await deps.audit.appendAlone(deps.database.db, actor, { functionCode: 'exchange.file', action: 'demo.seed', detail: { ...o, historyRows, certificateFacts, result: result as unknown as Record<string, unknown> } });
      console.log(JSON.stringify(result, null, 2));
      console.log(`所要時間 ${((Date.now() - t0) / 1000).toFixed(1)} 秒`);
      return 0;
    },
  },
  'demo-totp': {
    summary: 'デモ職員の現在のワンタイムパスワードを表示する(デモモード専用)',
    usage: 'demo-totp kokuho01',
    async run(deps, _args, positional) {
      const id = requiredArgument(positional, '職員IDを指定してください (例: demo-totp kokuho01)');
      console.log(await deps.staff.currentTotp(id));
      return 0;
    },
  },
  'batch-runs': {
    summary: 'バッチの実行記録(実行者・パラメータ・件数・金額・ファイルのハッシュ・状態)を新しい順に一覧する',
    usage: 'batch runs [--job keys-rotate] [--limit 20]',
    async run(deps, args) {
      const o = opts({ job: z.string().max(64).optional(), limit: intOption(1, 1000).default(20) }, args);
      const { listRuns, runsText } = await import('../platform/batch/batch-runs.js');
      console.log(runsText(await listRuns(deps.database.db, o)));
      return 0;
    },
  },
  'batch-abandon': {
    summary: '中断したバッチの実行を破棄する(次の実行は再開せず最初から)',
    usage: 'batch abandon <実行ID>',
    async run(deps, args, positional) {
      opts({}, args);
      const runId = requiredArgument(positional, '破棄する実行IDを指定してください (例: batch abandon 0b6f…)。実行IDは batch runs で確認できます');
      const { abandonRun } = await import('../platform/batch/batch-runner.js');
      await abandonRun(deps, runId, operatorActor('batch-abandon', new Set(['audit'])));
      console.log(`実行ID ${runId} を破棄しました`);
      return 0;
    },
  },
};

/** The platform's commands and every module's, by name. */
const COMMANDS: Record<string, Command> = Object.assign({}, PLATFORM_COMMANDS, ...MODULES.map((m) => ('cli' in m ? (m.cli ?? {}) : {})));

const usageHint = (cmd: Command) => `\n例: npm run cli -- ${cmd.usage}\n(コマンドの一覧と説明: npm run cli -- help)`;

function help(): void {
  console.log('使い方: npm run cli -- <コマンド> [オプション]\n');
  for (const [name, c] of Object.entries(COMMANDS)) console.log(`  ${name.padEnd(18)} ${c.summary}\n  ${''.padEnd(18)} 例: npm run cli -- ${c.usage}\n`);
  console.log('環境変数: DATABASE_URL (PostgreSQL), DATA_DIR (PGlite の保存先, 既定 ./data), KEY_FILE (鍵ファイル), AUDIT_ANCHOR_FILE (監査アンカーファイル, 既定 DATA_DIR/audit-anchors.jsonl)');
  console.log('PGlite (DATABASE_URL なし) ではサーバーを止めてから実行してください(demo-totp はサーバー起動中も使えます)。');
  console.log('サーバーの起動: npm start (デモモード: デモ職員・デモ市) / npm run serve (運用: デモ職員なし。最初に admin-init)');
}

/** The command named by argv and the arguments after its name; two words are accepted for a hyphenated command, as the docs write them (`audit verify`). */
function commandOf(argv: string[]): { name: string | undefined; rest: string[] } {
  let [name, ...rest] = argv;
  if (name && rest[0] && COMMANDS[`${name}-${rest[0]}`]) {
    name = `${name}-${rest[0]}`;
    rest = rest.slice(1);
  }
  return { name, rest };
}

/** The heap cap of the command argv names (Command.heapMiB), or null: none, or its options are bad (runCli explains them). */
export function heapCapOf(argv: string[]): number | null {
  const { name, rest } = commandOf(argv);
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd?.heapMiB) return null;
  try {
    return cmd.heapMiB(parseArgs(rest).args);
  } catch {
    return null;
  }
}

export async function runCli(argv: string[]): Promise<number> {
  const { name, rest } = commandOf(argv);
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    help();
    return name ? 0 : 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`不明なコマンドです: ${name}\n`);
    help();
    return 2;
  }
  if (cmd.withoutDatabase) {
    try {
      const { args, positional } = parseArgs(rest);
      return await cmd.run(undefined as never, args, positional);
    } catch (e) {
      if (e instanceof AppError || e instanceof ParamError) {
        console.error(`エラー: ${e.message}${e instanceof AppError && e.code === 'bad_option' ? usageHint(cmd) : ''}`);
        return 2;
      }
      throw e;
    }
  }
  const config = loadConfig();
  if (name === 'demo-totp') {
    // The demo secrets file lets this work while the server holds the embedded database.
    const file = path.join(config.dataDir, DEMO_LOGINS_FILE);
    const id = rest.find((a) => !a.startsWith('--'));
    if (id && existsSync(file)) {
      const logins = JSON.parse(readFileSync(file, 'utf8')) as { staffId: string; totpSecret: string }[];
      const found = logins.find((l) => l.staffId === id);
      if (!found) {
        console.error(`エラー: デモ職員 ${id} はいません (${logins.map((l) => l.staffId).join(', ')})`);
        return 2;
      }
      console.log(authenticator.generate(found.totpSecret));
      return 0;
    }
  }
  const deps = await buildDeps({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pglite`,
    keyFile: config.keyFile,
    anchorFile: config.auditAnchorFile,
    logLevel: 'warn',
  });
  try {
    await applyOrganization(deps.database.db, loadOrganization(deps.permissions), operatorActor(name, new Set()).id);
    const { args, positional } = parseArgs(rest);
    return await cmd.run(deps, args, positional);
  } catch (e) {
    if (e instanceof AppError) {
      console.error(`エラー: ${e.message}${e.code === 'bad_option' ? usageHint(cmd) : ''}`);
      return 2;
    }
    throw e;
  } finally {
    await deps.database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // A batch with a bounded live set runs in a process whose heap is capped (cli/heap-cap.ts).
  const cap = heapCapOf(process.argv.slice(2));
  const exitCode = (cap === null ? null : restartWithHeapCap(cap)) ?? runCli(process.argv.slice(2));
  exitCode.then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`エラー: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
