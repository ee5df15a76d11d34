import type { Command } from '../../cli/command.js';
import { inputFile } from '../../cli/command.js';
import { operatorActor } from '../../security/actor.js';
import { PensionImportRejected } from './special-collection.service.js';

const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** 特別徴収 from the command line: the 年金保険者's 特別徴収対象者 file. */
export const specialCollectionCommands: Record<string, Command> = {
  'special-collection-import': {
    summary: '年金保険者の特別徴収対象者のデータ(CSV、UTF-8またはShift_JIS)を取り込む。1行でも誤りがあれば全件を取り込まない。同じ人・年度の行は置き換える',
    usage: 'special-collection import <ファイル>',
    async run(deps, _args, positional) {
      const file = inputFile(positional, '取り込むファイルを指定してください(例: special-collection import tokucho-2026.csv)', MAX_FILE_BYTES);
      try {
        const r = await deps.specialCollection.importFile(operatorActor('special-collection-import', new Set(['assessment.run'])), file);
        console.log(`取り込みました(${r.encoding}): ${r.lines} 行。次の本算定から特別徴収の判定に使います`);
        console.log(`ファイルの SHA-256: ${r.sha256}`);
        return 0;
      } catch (e) {
        if (!(e instanceof PensionImportRejected)) throw e;
        console.error(`取込みを中止しました。データベースは変更していません(誤り ${e.errorCount} 件${e.errorCount > e.errors.length ? `、うち先頭 ${e.errors.length} 件を表示` : ''}):`);
        for (const x of e.errors) console.error(`  ${x.line === 0 ? 'ファイル' : `${x.line}行目`}: ${x.message}`);
        return 2;
      }
    },
  },
};
