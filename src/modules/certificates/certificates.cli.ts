import type { Command } from '../../cli/command.js';
import { batchProgress, intOption, isoDateOption, opts } from '../../cli/command.js';
import { formatDateForClerk } from '../../lib/wareki.js';
import { operatorActor } from '../../security/actor.js';

/** 証 from the command line: the yearly 一斉更新. */
export const certificatesCommands: Record<string, Command> = {
  'certificates-renew': {
    summary: '資格確認書・資格情報のお知らせの一斉更新(この日から有効の証を世帯主あてに交付。中断しても同じ日付で再実行すると続きから)',
    usage: 'certificates-renew --on 2027-08-01 [--chunk 200]',
    async run(deps, args) {
      const o = opts({ on: isoDateOption, chunk: intOption(1, 5000).optional() }, args);
      const progress = batchProgress('一斉更新');
      try {
        const r = await deps.certificates.renew(operatorActor('certificates-renew', new Set(['certificate.issue'])), o.on, { ...(o.chunk ? { chunkSize: o.chunk } : {}), onProgress: progress.onProgress });
        const c = r.counts;
        console.log(
          `${formatDateForClerk(o.on)}から有効の証: 資格確認書 ${c.qualification_certificate ?? 0} 件、資格情報のお知らせ ${c.qualification_notice ?? 0} 件(更新不要 ${c.not_renewed ?? 0} 件、交付済み ${c.already ?? 0} 件)。実行ID ${r.runId}${r.resumed ? '(中断した実行の続き)' : ''}`,
        );
        return 0;
      } finally {
        progress.stop();
      }
    },
  },
};
