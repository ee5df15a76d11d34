import { z } from 'zod';
import type { Command } from '../../cli/command.js';
import { batchProgress, intOption, opts, textOption } from '../../cli/command.js';
import { operatorActor } from '../../security/actor.js';

/** 個人番号 keys from the command line: a new data key, and re-encryption (a resumable batch). */
export const myNumberCommands: Record<string, Command> = {
  'keys-new': {
    summary: '鍵ファイルに新しい個人番号用データ鍵を追加して有効にする(旧鍵は復号用に残す。続けて keys-rotate を実行)',
    usage: 'keys-new',
    async run(deps, args) {
      opts({}, args);
      const { addDataKey } = await import('./key-rotation.js');
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
    async run(deps, args) {
      const o = opts({ jimu: textOption(64, '事務コード(例: nhi.eligibility)'), 'batch-size': intOption(1, 10_000).default(500), to: z.string().max(32).optional() }, args);
      const { rotateMyNumberKeys } = await import('./key-rotation.js');
      const progress = batchProgress('再暗号化');
      const r = await rotateMyNumberKeys(deps, {
        jimu: o.jimu,
        batchSize: o['batch-size'],
        ...(o.to ? { toKeyId: o.to } : {}),
        actor: operatorActor('keys-rotate', new Set(['mynumber.write'])),
        onProgress: progress.onProgress,
      });
      progress.stop();
      console.log(`鍵 ${r.toKeyId} への再暗号化が完了しました${r.resumed ? '(中断した実行を再開)' : ''}: 登録済み ${r.rotated} 件, 承認待ち ${r.pendingRotated} 件, ${r.batches} バッチ (実行ID ${r.runId})`);
      return 0;
    },
  },
};
