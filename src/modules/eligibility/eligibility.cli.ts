import { z } from 'zod';
import type { Command } from '../../cli/command.js';
import { batchProgress, opts, textOption } from '../../cli/command.js';
import { formatDateForClerk } from '../../lib/wareki.js';
import { operatorActor } from '../../security/actor.js';
import { runOutput } from './eligibility.outputs.js';

const since = z
  .string({ error: '--since は日時(例: 2026-11-01T00:00:00+09:00)で指定してください' })
  .refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}/.test(s), '--since は日時(例: 2026-11-01T00:00:00+09:00)で指定してください')
  .optional();

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
      console.log(`${what}を ${o.out} に出力しました${r.resumed ? '(中断した実行を再開)' : ''}: ${Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ') || '変更なし'}(${formatDateForClerk(r.window.asOf)}時点、実行ID ${r.runId})`);
      console.log(`SHA-256: ${r.outputSha256}`);
      return 0;
    },
  };
}

/** 資格管理's outputs from the command line (named, audited, resumable jobs). */
export const eligibilityCommands: Record<string, Command> = {
  'registry-feedback': output('registry-feedback', '住民票記載データ(国保の資格)'),
  'rengokai-households': output('rengokai-households', '異動世帯の抽出(国保連合会)'),
};
