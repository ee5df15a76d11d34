import type { Kysely, Selectable } from 'kysely';
import type { DB, JobRunTable } from '../../db/schema.js';
import { formatWareki } from '../../lib/wareki.js';
import { whoLabel } from '../../modules/access/who.js';

export type RunRow = Selectable<JobRunTable>;

/** Batches run as operators (「一括処理: seed(user@host)」); no staff name is needed. */
const NO_NAMES = new Map<string, string>();

export const STATUS_LABELS: Record<RunRow['status'], string> = { running: '実行中', completed: '完了', failed: '中断', abandoned: '破棄' };

/** A moment as a clerk reads it: 令和8年11月30日 14:05:09 (Japan time). */
export function formatWarekiTime(at: Date): string {
  const jst = new Date(at.getTime() + 9 * 3_600_000).toISOString();
  return `${formatWareki(jst.slice(0, 10))} ${jst.slice(11, 19)}`;
}

/** One line naming a run: id, start, who, where. */
export function describeRun(r: Pick<RunRow, 'run_id' | 'started_at' | 'actor' | 'host' | 'pid' | 'chunks_done'>): string {
  return `実行ID ${r.run_id}(${formatWarekiTime(new Date(r.started_at))} 開始、実行者 ${whoLabel(r.actor, NO_NAMES)}、${r.host ?? '-'} pid ${r.pid ?? '-'}、完了チャンク ${r.chunks_done})`;
}

export async function listRuns(db: Kysely<DB>, opts: { job?: string | undefined; limit: number }): Promise<RunRow[]> {
  let q = db.selectFrom('job_run').selectAll().orderBy('started_at', 'desc').limit(opts.limit);
  if (opts.job) q = q.where('job', '=', opts.job);
  return q.execute();
}

const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? {}));

/** `batch runs`: one block per run, newest first, times in 和暦. */
export function runsText(rows: readonly RunRow[]): string {
  if (rows.length === 0) return 'バッチの実行記録はありません';
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`${r.job}  ${STATUS_LABELS[r.status]}  実行ID ${r.run_id}`);
    const last = r.status === 'running' && r.heartbeat_at ? `  最終チャンク ${formatWarekiTime(new Date(r.heartbeat_at))}(${r.host ?? '-'} pid ${r.pid ?? '-'})` : '';
    lines.push(`  開始 ${formatWarekiTime(new Date(r.started_at))}  終了 ${r.finished_at ? formatWarekiTime(new Date(r.finished_at)) : '-'}  実行者 ${whoLabel(r.actor, NO_NAMES)}${last}`);
    lines.push(`  パラメータ ${json(r.params)}  チャンク ${r.chunks_done}  件数 ${json(r.counts)}  金額 ${json(r.totals)}`);
    if (r.input_sha256 || r.output_sha256) lines.push(`  入力 SHA-256 ${r.input_sha256 ?? '-'}  出力 SHA-256 ${r.output_sha256 ?? '-'}`);
    lines.push('');
  }
  return lines.join('\n');
}
