import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/**
 * Who did something, as a clerk reads it. Records store the actor as written at the time:
 * `staff:kokuho01` (row stamps, approvals), `kokuho01` (audit trail), `operator:user@host/job/run`
 * (CLI and batches), `system:auth`, `anonymous`. Screens show 「国保 太郎(kokuho01)」 and
 * 「一括処理: seed(root@host)」 instead; the stored value is kept next to the label for the record.
 */

const OPERATOR = /^operator:([^@/]*)@([^/]*)\/([^/]+)\/.*$/;
const SYSTEM_JOBS: Record<string, string> = { auth: '認証' };

/** The staff id inside a stored actor, or null when it is not a staff member. */
export function staffIdOf(stored: string): string | null {
  if (stored.startsWith('staff:')) return stored.slice('staff:'.length);
  return /^[A-Za-z0-9._-]{3,32}$/.test(stored) && stored !== 'anonymous' ? stored : null;
}

/** The label of one stored actor, given the display names of the staff it may name (pure). */
export function whoLabel(stored: string, staffNames: ReadonlyMap<string, string>): string {
  const op = OPERATOR.exec(stored);
  if (op) return `一括処理: ${op[3]}(${op[1]}@${op[2]})`;
  if (stored === 'anonymous') return '未ログイン';
  if (stored.startsWith('system:')) {
    const job = stored.slice('system:'.length);
    return `システム: ${SYSTEM_JOBS[job] ?? job}`;
  }
  const id = staffIdOf(stored);
  if (id === null) return stored;
  const name = staffNames.get(id);
  return name ? `${name}(${id})` : `職員 ${id}`;
}

/** One query for the staff named by `stored`; returns the labeller for those values. */
export async function whoLabels(db: Kysely<DB>, stored: Iterable<string | null | undefined>): Promise<(s: string) => string> {
  const ids = [...new Set([...stored].flatMap((s) => (s ? [staffIdOf(s)] : [])).filter((x): x is string => x !== null))];
  const rows = ids.length ? await db.selectFrom('staff').select(['staff_id', 'display_name']).where('staff_id', 'in', ids).execute() : [];
  const names = new Map(rows.map((r) => [r.staff_id, r.display_name]));
  return (s) => whoLabel(s, names);
}
