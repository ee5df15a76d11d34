import type { Command } from '../../cli/command.js';
import { batchProgress, inputFile, intOption, opts } from '../../cli/command.js';
import { operatorActor } from '../../security/actor.js';
import { IncomeImportRejected } from './income.service.js';

/** The largest income file read at once (a year of a 1,000,000-resident city is ~80 MB). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** 所得 from the command line: the 個人住民税 system's file. */
export const incomeCommands: Record<string, Command> = {
  'income-import': {
    summary: '個人住民税システムの所得データ(CSV、UTF-8またはShift_JIS)を取り込む。1行でも誤りがあれば全件を取り込まない。取込み済みのファイル・同じ内容の行は何もしない。中断したら同じファイルでもう一度実行すると続きから再開',
    usage: 'income-import <ファイル> [--chunk-size 500]',
    async run(deps, args, positional) {
      const o = opts({ 'chunk-size': intOption(1, 1000).optional() }, args);
      const file = inputFile(positional, '取り込むファイルを指定してください(例: income-import shotoku-2026.csv)', MAX_FILE_BYTES);
      const progress = batchProgress('所得');
      try {
        const r = await deps.income.importFile(operatorActor('income-import', new Set(['income.import'])), file, { chunkSize: o['chunk-size'] ?? 500, onProgress: progress.onProgress });
        progress.stop();
        if (r.alreadyImported) console.log(`このファイルは取込み済みです(${r.lines} 行)。何も変更していません`);
        else console.log(`取り込みました(${r.encoding}${r.run?.resumed ? '、中断した実行を再開' : ''}): ${r.lines} 行のうち 新しい版 ${r.versions} 件、変更なし ${r.unchanged} 件。再賦課の依頼 ${r.reassessmentRequests} 件${r.run ? `(実行ID ${r.run.runId})` : ''}`);
        console.log(`ファイルの SHA-256: ${r.sha256}`);
        return 0;
      } catch (e) {
        progress.stop();
        if (!(e instanceof IncomeImportRejected)) throw e;
        console.error(`取込みを中止しました。データベースは変更していません(誤り ${e.errorCount} 件${e.errorCount > e.errors.length ? `、うち先頭 ${e.errors.length} 件を表示` : ''}):`);
        for (const x of e.errors) console.error(`  ${x.line === 0 ? 'ファイル' : `${x.line}行目`}: ${x.message}`);
        return 2;
      }
    },
  },
};
