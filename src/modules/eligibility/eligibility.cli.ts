import { z } from 'zod';
import type { Command } from '../../cli/command.js';
import { batchProgress, isoDateOption, opts, textOption } from '../../cli/command.js';
import { formatDateForClerk } from '../../lib/wareki.js';
import { operatorActor } from '../../security/actor.js';
import { runOutput } from './eligibility.outputs.js';
import { addDays, todayInJapan } from './eligibility.rules.js';

const since = z
  .string({ error: '--since は日時(例: 2026-11-01T00:00:00+09:00)で指定してください' })
  .refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}/.test(s), '--since は日時(例: 2026-11-01T00:00:00+09:00)で指定してください')
  .optional();

/** The outputs' counts as a clerk reads them. */
const COUNT_LABELS: Record<string, string> = {
  persons: '対象者',
  insured: 'うち被保険者',
  households: '世帯',
  lines: '行',
  pseudo_heads: '擬制世帯主',
  address_exceptions: '住所地特例',
  without_head: '世帯主のない世帯',
};

function output(which: 'registry-feedback' | 'rengokai-households', what: string): Command {
  return {
    summary: `${what}を出力する(前回の出力以降に記録された資格の変更が対象。中断しても再実行で続きから)`,
    usage: `${which} --out ${which}-20261130.csv [--since 2026-11-01T00:00:00+09:00]`,
    async run(deps, args) {
      const o = opts({ out: textOption(500, '出力ファイル'), since }, args);
      const progress = batchProgress(what);
      const r = await runOutput(deps, which, {
        actor: operatorActor(which, new Set(['eligibility.update'])),
        outputFile: o.out,
        ...(o.since ? { since: new Date(o.since).toISOString() } : {}),
        onProgress: progress.onProgress,
      });
      progress.stop();
      console.log(`${what}を ${o.out} に出力しました${r.resumed ? '(中断した実行を再開)' : ''}: ${Object.entries(r.counts).map(([k, v]) => `${COUNT_LABELS[k] ?? k} ${v}`).join('、') || '変更なし'}(${formatDateForClerk(r.window.asOf)}時点、実行ID ${r.runId})`);
      if ((r.counts.without_head ?? 0) > 0) console.log(`世帯主のない世帯が ${r.counts.without_head} 件あります(住基に世帯主がいないか、世帯主が住所地特例で別の国保世帯)。世帯主の行なしで出力しました。住基の世帯主変更を確認してください`);
      console.log(`SHA-256: ${r.outputSha256}`);
      return 0;
    },
  };
}

/** 資格管理's outputs from the command line (named, audited, resumable jobs). */
export const eligibilityCommands: Record<string, Command> = {
  'registry-feedback': output('registry-feedback', '住民票記載データ(国保の資格)'),
  'rengokai-households': output('rengokai-households', '異動世帯の抽出(国保連合会)'),
  'nhi-status-sync': {
    summary: '擬制世帯主・特定同一世帯所属者の期間を住基と資格の事実から自動で開始・終了する日次処理(作業項目で確認。再実行しても何も変わらない)',
    usage: 'nhi-status-sync [--today 2026-12-01] [--since 2026-11-01]',
    async run(deps, args) {
      const o = opts({ today: isoDateOption.optional(), since: isoDateOption.optional() }, args);
      const today = o.today ?? todayInJapan();
      const r = await deps.nhiHousehold.syncStatuses(operatorActor('nhi-status-sync', new Set(['eligibility.update'])), today, o.since ?? addDays(today, -31));
      console.log(`${formatDateForClerk(r.since)}の翌日から${formatDateForClerk(today)}まで: 対象世帯 ${r.checked} 件、開始 ${r.started} 件、終了 ${r.ended} 件、自動で適用できず作業項目 ${r.referred} 件`);
      return 0;
    },
  },
};
