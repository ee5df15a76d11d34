import cliProgress from 'cli-progress';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { authenticator } from 'otplib';
import { DEMO_LOGINS_FILE } from '../bootstrap.js';
import { seedDemoCity } from '../demo/generator.js';
import { writeDemoHistory } from '../demo/history.js';
import { z } from 'zod';
import { loadConfig } from '../config.js';
import { buildDeps } from '../server.js';
import { operatorActor } from '../security/actor.js';
import { ALL_PERMISSIONS, type Permission } from '../modules/access/permissions.js';
import { applyOrganization, loadOrganization } from '../modules/access/organization.js';
import { AppError } from '../http/errors.js';
import { formatWareki } from '../lib/wareki.js';
import type { Deps } from '../deps.js';
import { loadLawParams, ParamError } from '../platform/params/law-params.js';
import { paramsShowText } from '../platform/params/params-show.js';
import { formatDateForClerk, parseDateInput } from '../lib/wareki.js';
import { todayInJapan } from '../modules/eligibility/eligibility.rules.js';
import { whoLabels } from '../modules/access/who.js';
import { formatWarekiTime } from '../platform/batch/batch-runs.js';

/**
 * `npm run cli -- <command> [options]`. Every command runs as an operator identity
 * (OS user, host, job, run id) that the audit trail records like any staff member.
 */
interface Command {
  summary: string;
  usage: string;
  permission: Permission;
  /** Parse options; throw with a Japanese message naming the option on bad input. */
  run(deps: Deps, args: Record<string, string | boolean>, positional: string[]): Promise<number>;
  /** A command that reads only files runs without opening the database (works while the server holds it). */
  withoutDatabase?: boolean;
}

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

/**
 * Read a command's options. Every problem is explained once per option, in Japanese, naming it:
 * 「--residents を指定してください」, 「--since: YYYY-MM-DD 形式の実在する日付で指定してください」; runCli adds the
 * command's example and answers exit code 2.
 */
export function opts<T extends z.ZodRawShape>(shape: T, args: Record<string, string | boolean>): z.infer<z.ZodObject<T>> {
  const r = z.object(shape).strict().safeParse(args);
  if (!r.success) {
    const messages = new Map<string, string>();
    for (const i of r.error.issues) {
      if (i.code === 'unrecognized_keys') for (const k of i.keys) messages.set(k, `不明なオプションです: --${k}`);
      const key = String(i.path[0] ?? '');
      if (!key || messages.has(key)) continue;
      messages.set(key, args[key] === undefined ? `--${key} を指定してください(${i.message})` : `--${key}: ${i.message}`);
    }
    throw new AppError(400, 'bad_option', [...messages.values()].join('\n'));
  }
  return r.data;
}

/** A whole number option within [min, max] (digits only), one message stating the range. */
export function intOption(min: number, max: number) {
  const rule = `${min.toLocaleString('en-US')}〜${max.toLocaleString('en-US')}の整数で指定してください`;
  return z
    .union([z.string(), z.boolean()], { error: rule })
    .refine((v) => typeof v === 'string' && /^\d{1,9}$/.test(v) && Number(v) >= min && Number(v) <= max, rule)
    .transform(Number);
}

/** A text option (a value must follow the option). */
export function textOption(max: number, what: string) {
  const rule = `${what}を${max}文字以内で指定してください`;
  return z
    .union([z.string(), z.boolean()], { error: rule })
    .refine((v) => typeof v === 'string' && v.trim().length >= 1 && v.length <= max, rule)
    .transform(String);
}

/** 2026-12-03T03:10Z → 令和8年12月3日 12:10 (日本時間). */
function warekiDateTime(d: Date): string {
  const jst = new Date(d.getTime() + 9 * 3_600_000).toISOString();
  return `${formatWareki(jst.slice(0, 10))} ${jst.slice(11, 16)}(日本時間)`;
}

const progressBar = (label: string) => new cliProgress.SingleBar({ format: `${label} {bar} {percentage}% | {value}/{total} | 残り {eta_formatted}` }, cliProgress.Presets.shades_classic);

const ISO_DATE_OPTION_RULE = 'YYYY-MM-DD 形式の実在する日付で指定してください(例: 2026-04-01)';
const isoDateOption = z
  .union([z.string(), z.boolean()], { error: ISO_DATE_OPTION_RULE })
  .refine((v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && parseDateInput(v) === v, ISO_DATE_OPTION_RULE)
  .transform(String);

const COMMANDS: Record<string, Command> = {
  'params-show': {
    summary: '法令パラメータ(config/law/*.yaml)のうち指定日に効力のある値を、根拠法令と確認状況つきで一覧する',
    usage: 'params show [--date 2026-04-01]',
    permission: 'audit',
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
    permission: 'user.admin',
    async run(deps) {
      console.log(`スキーマ: ${await deps.database.schemaVersion()}`);
      return 0;
    },
  },
  seed: {
    summary: '合成データのデモ市を作成する(決定的: 同じ --seed なら同じデータ)。中断しても再実行で続きから',
    usage: 'seed --residents 20000 --seed 1 [--offset 0] [--rebuild-indexes]',
    permission: 'exchange.file',
    async run(deps, args) {
      const o = opts(
        {
          residents: intOption(1, 2_000_000),
          seed: intOption(0, 2_147_483_647).default(deps.config.demoSeed),
          offset: intOption(0, 999_999_999).default(0),
          'rebuild-indexes': z.coerce.boolean().optional(),
        },
        args,
      );
      const bar = progressBar('住民');
      let started = false;
      const actor = operatorActor('seed', new Set(ALL_PERMISSIONS));
      const t0 = Date.now();
      const result = await seedDemoCity(deps.database, deps.keyring, {
        residents: o.residents,
        seed: o.seed,
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
      await deps.audit.appendAlone(deps.database.db, actor, { functionCode: 'exchange.file', action: 'demo.seed', detail: { ...o, historyRows, result: result as unknown as Record<string, unknown> } });
      console.log(JSON.stringify(result, null, 2));
      console.log(`所要時間 ${((Date.now() - t0) / 1000).toFixed(1)} 秒`);
      return 0;
    },
  },
  'admin-init': {
    summary: '最初の利用者管理者を作成し、初回登録コードを一度だけ表示する(有効な利用者管理者が2名未満のときだけ。四眼承認には2名必要)',
    usage: 'admin-init <職員ID> --name <氏名> --office <所属コード>',
    permission: 'user.admin',
    async run(deps, args, positional) {
      const o = opts(
        {
          name: z.string({ error: '氏名を指定してください(例: --name "管理 一子")' }).trim().min(1, '氏名を指定してください').max(64, '氏名は64文字以内です'),
          office: z.string({ error: '所属コードを指定してください(例: --office johoseisaku。config/organization.yaml の offices)' }).regex(/^[a-z0-9_]{1,64}$/, '所属コードは半角小文字・数字・下線です(例: johoseisaku)'),
        },
        args,
      );
      const id = positional[0];
      if (!id || !/^[A-Za-z0-9._-]{3,32}$/.test(id)) throw new AppError(400, 'bad_option', '職員IDを指定してください(半角英数字と . _ - の3〜32文字。例: admin-init kanri01 --name "管理 一子" --office johoseisaku)');
      const r = await deps.staff.initAdministrator({ staffId: id, displayName: o.name, officeCode: o.office }, operatorActor('admin-init', new Set(['user.admin'])));
      console.log(`利用者管理者 ${id}(${o.name})を作成しました(ロール ${r.roleCode})。`);
      console.log('\n  初回登録コード: ' + r.code);
      console.log(`  有効期限: ${warekiDateTime(r.expiresAt)}まで\n`);
      console.log('このコードは二度と表示されません(保存されるのはハッシュのみ)。本人に手渡しか封書で伝え、メール・チャットでは送らないでください。');
      console.log('本人はログイン画面の「初回登録」で職員IDとこのコードを入力し、自分でパスワードを設定し、ワンタイムパスワードを登録します。');
      console.log('期限が切れたら、もう一人の利用者管理者が画面から「認証情報の再発行」を申請・承認してください。');
      return 0;
    },
  },
  'demo-totp': {
    summary: 'デモ職員の現在のワンタイムパスワードを表示する(デモモード専用)',
    usage: 'demo-totp kokuho01',
    permission: 'user.admin',
    async run(deps, _args, positional) {
      const id = positional[0];
      if (!id) throw new AppError(400, 'bad_option', '職員IDを指定してください (例: demo-totp kokuho01)');
      console.log(await deps.staff.currentTotp(id));
      return 0;
    },
  },
  'staff-disable': {
    summary: '職員を無効化し、全セッションを即時終了する(退職・異動)',
    usage: 'staff-disable <職員ID> --reason 人事異動',
    permission: 'user.admin',
    async run(deps, args, positional) {
      const o = opts({ reason: textOption(200, '理由') }, args);
      const id = positional[0];
      if (!id) throw new AppError(400, 'bad_option', '職員IDを指定してください');
      const r = await deps.staff.disable(id, o.reason, operatorActor('staff-disable', new Set(['user.admin'])));
      console.log(`${id} を無効化しました。終了したセッション: ${r.sessionsEnded}`);
      return 0;
    },
  },
  'staff-unlock': {
    summary: 'ログイン失敗でロックされた職員のロックを解除する',
    usage: 'staff-unlock <職員ID>',
    permission: 'user.admin',
    async run(deps, _args, positional) {
      const id = positional[0];
      if (!id) throw new AppError(400, 'bad_option', '職員IDを指定してください');
      await deps.staff.unlock(id, operatorActor('staff-unlock', new Set(['user.admin'])));
      console.log(`${id} のロックを解除しました`);
      return 0;
    },
  },
  'access-review': {
    summary: '権限の棚卸し: 職員・ロールと、指定日以降の付与・剥奪の一覧(人事異動時)',
    usage: 'access-review --since 2026-04-01',
    permission: 'user.admin',
    async run(deps, args) {
      const o = opts({ since: isoDateOption }, args);
      const actor = operatorActor('access-review', new Set(['user.admin']));
      const r = await deps.staff.accessReview(new Date(`${o.since}T00:00:00+09:00`));
      await deps.audit.appendAlone(deps.database.db, actor, { functionCode: 'user.admin', action: 'access.review', detail: { since: o.since, staff: r.staff.length, changes: r.changes.length } });
      console.log('職員ID\t氏名\t所属\t状態\tロール');
      for (const s of r.staff) console.log(`${s.staff_id}\t${s.display_name}\t${s.office_name}\t${s.disabled_at ? '無効' : '有効'}\t${s.roles.join(',')}`);
      console.log(`\n${formatDateForClerk(o.since)} 以降の変更:`);
      const who = await whoLabels(deps.database.db, r.changes.map((c) => c.by_actor));
      for (const c of r.changes) console.log(`${formatWarekiTime(c.at)}\t${c.action}\t${c.staff_id}\t${c.role_code ?? ''}\t${who(c.by_actor)}`);
      return 0;
    },
  },
  'audit-verify': {
    summary: '監査証跡を封印してから、記録の認証符号・封印の連鎖・署名付きチェックポイント・データベース外のアンカーを照合する(異常があれば最初の箇所を示して終了コード1)',
    usage: 'audit-verify',
    permission: 'audit',
    async run(deps) {
      const anchors = deps.audit.sealer.anchors;
      const r = await deps.audit.verify(deps.database.db);
      if (r.ok) {
        console.log(`監査証跡は正常です: 記録 ${r.records} 件, 封印済み通番 ${r.sealedSeq} まで, チェックポイント ${r.checkpoints} 件, アンカー ${r.anchors} 件 (${anchors.location}), 最終通番 ${r.lastSeq}`);
        return 0;
      }
      console.error(`監査証跡の異常: ${r.problem!.message} (通番 ${r.problem!.seq}, 種別 ${r.problem!.kind}, アンカー ${anchors.location})`);
      return 1;
    },
  },
  'audit-checkpoint': {
    summary: '監査証跡の新しい記録を封印し、署名付きチェックポイントを作成してアンカーファイルに追記する',
    usage: 'audit-checkpoint',
    permission: 'audit',
    async run(deps) {
      const seq = await deps.audit.checkpoint(deps.database.db);
      console.log(seq ? `チェックポイントを作成しました: 通番 ${seq}` : '新しい記録はありません');
      return 0;
    },
  },
  'keys-new': {
    summary: '鍵ファイルに新しい個人番号用データ鍵を追加して有効にする(旧鍵は復号用に残す。続けて keys-rotate を実行)',
    usage: 'keys-new',
    permission: 'user.admin',
    async run(deps, args) {
      opts({}, args);
      const { addDataKey } = await import('../modules/mynumber/key-rotation.js');
      const r = addDataKey(deps.config.keyFile);
      const actor = operatorActor('keys-new', new Set(['user.admin']));
      await deps.audit.appendAlone(deps.database.db, actor, { functionCode: 'user.admin', action: 'keys.new', detail: { keyId: r.keyId, previousKeyId: r.previousKeyId, keyIds: r.keyIds } });
      console.log(`新しいデータ鍵 ${r.keyId} を追加し、有効にしました(以前の有効鍵: ${r.previousKeyId})。\n既存の個人番号を新しい鍵で暗号化し直すには: npm run cli -- keys-rotate --jimu nhi.eligibility`);
      return 0;
    },
  },
  'keys-rotate': {
    summary: '個人番号を有効なデータ鍵で暗号化し直す(バッチ単位・中断しても再実行で続きから。事務の指定が必要)',
    usage: 'keys-rotate --jimu nhi.eligibility --batch-size 500',
    permission: 'mynumber.write',
    async run(deps, args) {
      const o = opts({ jimu: textOption(64, '事務コード(例: nhi.eligibility)'), 'batch-size': intOption(1, 10_000).default(500), to: z.string().max(32).optional() }, args);
      const { rotateMyNumberKeys } = await import('../modules/mynumber/key-rotation.js');
      const bar = progressBar('再暗号化');
      let started = false;
      const r = await rotateMyNumberKeys(deps, {
        jimu: o.jimu,
        batchSize: o['batch-size'],
        ...(o.to ? { toKeyId: o.to } : {}),
        actor: operatorActor('keys-rotate', new Set(['mynumber.write'])),
        onProgress: ({ done, total }) => {
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        },
      });
      if (started) bar.stop();
      console.log(`鍵 ${r.toKeyId} への再暗号化が完了しました${r.resumed ? '(中断した実行を再開)' : ''}: 登録済み ${r.rotated} 件, 承認待ち ${r.pendingRotated} 件, ${r.batches} バッチ (実行ID ${r.runId})`);
      return 0;
    },
  },
  'batch-runs': {
    summary: 'バッチの実行記録(実行者・パラメータ・件数・金額・ファイルのハッシュ・状態)を新しい順に一覧する',
    usage: 'batch runs [--job keys-rotate] [--limit 20]',
    permission: 'audit',
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
    permission: 'audit',
    async run(deps, args, positional) {
      opts({}, args);
      const runId = positional[0];
      if (!runId) throw new AppError(400, 'bad_option', '破棄する実行IDを指定してください (例: batch abandon 0b6f…)。実行IDは batch runs で確認できます');
      const { abandonRun } = await import('../platform/batch/batch-runner.js');
      await abandonRun(deps, runId, operatorActor('batch-abandon', new Set(['audit'])));
      console.log(`実行ID ${runId} を破棄しました`);
      return 0;
    },
  },
};

// `audit verify` is also accepted (two words), as the docs write it.
const ALIASES: Record<string, string> = { 'audit verify': 'audit-verify', 'audit checkpoint': 'audit-checkpoint', 'params show': 'params-show', 'batch runs': 'batch-runs', 'batch abandon': 'batch-abandon' };

const usageHint = (cmd: Command) => `\n例: npm run cli -- ${cmd.usage}\n(コマンドの一覧と説明: npm run cli -- help)`;

function help(): void {
  console.log('使い方: npm run cli -- <コマンド> [オプション]\n');
  for (const [name, c] of Object.entries(COMMANDS)) console.log(`  ${name.padEnd(18)} ${c.summary}\n  ${''.padEnd(18)} 例: npm run cli -- ${c.usage}\n`);
  console.log('環境変数: DATABASE_URL (PostgreSQL), DATA_DIR (PGlite の保存先, 既定 ./data), KEY_FILE (鍵ファイル), AUDIT_ANCHOR_FILE (監査アンカーファイル, 既定 DATA_DIR/audit-anchors.jsonl)');
  console.log('PGlite (DATABASE_URL なし) ではサーバーを止めてから実行してください(demo-totp はサーバー起動中も使えます)。');
  console.log('サーバーの起動: npm start (デモモード: デモ職員・デモ市) / npm run serve (運用: デモ職員なし。最初に admin-init)');
}

export async function runCli(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (name && rest[0] && ALIASES[`${name} ${rest[0]}`]) {
    name = ALIASES[`${name} ${rest[0]}`];
    rest = rest.slice(1);
  }
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
    await applyOrganization(deps.database.db, loadOrganization(), operatorActor(name, new Set()).id);
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
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`エラー: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
