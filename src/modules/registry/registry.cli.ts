import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../../cli/command.js';
import { inputFile, isoDateOption, opts, requiredArgument, textOption } from '../../cli/command.js';
import { formatDateForClerk } from '../../lib/wareki.js';
import { operatorActor } from '../../security/actor.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import { IntakeRejected } from './registry.service.js';

/** The largest registry file read at once (a year of a 1,000,000-resident city is ~150 MB). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** 住基連携 from the command line: a registry file, the registry's system client, the 75歳到達 job. */
export const registryCommands: Record<string, Command> = {
  'registry-import': {
    summary: '住基異動ファイル(CSV、UTF-8またはShift_JIS)を取り込む。1行でも誤りがあれば全件を取り込まない。取込み済みの異動は何もしない',
    usage: 'registry-import <ファイル>',
    async run(deps, args, positional) {
      opts({}, args);
      const file = inputFile(positional, '取り込むファイルを指定してください(例: registry-import juki-20261130.csv)', MAX_FILE_BYTES);
      const bytes = readFileSync(file);
      try {
        const r = await deps.registry.importFile(operatorActor('registry-import', new Set(['registry.intake'])), bytes, { fileName: path.basename(file) });
        console.log(`取り込みました(${r.encoding === 'shift_jis' ? 'Shift_JIS' : 'UTF-8'}): 異動 ${r.events} 件のうち 新規 ${r.taken} 件、取込み済み ${r.skipped} 件。自動喪失 ${r.automatic} 件、作業項目 ${r.workItems} 件`);
        console.log(`ファイルの SHA-256: ${r.sha256}`);
        return 0;
      } catch (e) {
        if (!(e instanceof IntakeRejected)) throw e;
        console.error(`取込みを中止しました。データベースは変更していません(誤り ${e.errorCount} 件${e.errorCount > e.errors.length ? `、うち先頭 ${e.errors.length} 件を表示` : ''}):`);
        for (const x of e.errors) console.error(`  ${x.line === 0 ? 'ファイル' : `${x.line}行目`}: ${x.message}`);
        return 2;
      }
    },
  },
  'registry-client-add': {
    summary: '住民記録システムのシステム利用者を登録し、APIトークンを一度だけ表示する(保存するのはハッシュのみ)',
    usage: 'registry-client-add <クライアントID> --name 住民記録システム',
    async run(deps, args, positional) {
      const o = opts({ name: textOption(64, '名称') }, args);
      const id = requiredArgument(positional, 'クライアントIDを指定してください(半角小文字・数字・ハイフン 2〜40文字。例: juki)');
      const token = await deps.registry.addClient(operatorActor('registry-client-add', new Set(['user.admin'])), id, o.name);
      console.log(`システム利用者 ${id}(${o.name})を登録しました。\n\n  APIトークン: ${token}\n`);
      console.log('このトークンは二度と表示されません。住民記録システムの設定に保管し、要求の Authorization: Bearer ヘッダで送ってください。');
      return 0;
    },
  },
  'late-elderly': {
    summary: '75歳到達(後期高齢者医療)による資格喪失を適用する日次処理(誕生日に喪失。適用済みは何もしない)',
    usage: 'late-elderly [--today 2026-12-01]',
    async run(deps, args) {
      const o = opts({ today: isoDateOption.optional() }, args);
      const today = o.today ?? todayInJapan();
      const r = await deps.registry.lateElderly(operatorActor('late-elderly', new Set(['registry.intake'])), today);
      console.log(`${formatDateForClerk(today)}時点: 対象 ${r.checked} 件、自動喪失 ${r.automatic} 件、作業項目 ${r.workItems} 件`);
      return 0;
    },
  },
};
