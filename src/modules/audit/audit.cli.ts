import type { Command } from '../../cli/command.js';

/** The audit trail from the command line: verification and checkpoints. */
export const auditCommands: Record<string, Command> = {
  'audit-verify': {
    summary: '監査証跡を封印してから、記録の認証符号・封印の連鎖・署名付きチェックポイント・データベース外のアンカーを照合する(異常があれば最初の箇所を示して終了コード1)',
    usage: 'audit-verify',
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
    async run(deps) {
      const seq = await deps.audit.checkpoint(deps.database.db);
      console.log(seq ? `チェックポイントを作成しました: 通番 ${seq}` : '新しい記録はありません');
      return 0;
    },
  },
};
