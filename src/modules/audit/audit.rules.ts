import { createHash } from 'node:crypto';
import { maskMyNumberLikeRuns, myNumberLikeRuns } from '../../lib/mynumber.js';

/** Pure rules of the hash-chained audit trail (監査証跡). No I/O. */

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord {
  seq: number;
  occurredAt: string; // ISO-8601 UTC with milliseconds
  actorKind: 'staff' | 'operator' | 'system' | 'anonymous';
  actorId: string;
  sessionRef: string | null;
  terminal: string | null;
  ip: string | null;
  functionCode: string;
  action: string;
  subjects: number[];
  detail: unknown;
  outcome: 'success' | 'denied' | 'failure' | 'error';
  correlationId: string | null;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The canonical text of one record: what row_mac (and the older row_hash) cover. */
export function recordText(r: AuditRecord): string {
  return canonicalJson({
    seq: r.seq,
    occurredAt: r.occurredAt,
    actorKind: r.actorKind,
    actorId: r.actorId,
    sessionRef: r.sessionRef,
    terminal: r.terminal,
    ip: r.ip,
    functionCode: r.functionCode,
    action: r.action,
    subjects: r.subjects,
    detail: r.detail,
    outcome: r.outcome,
    correlationId: r.correlationId,
  });
}

/** The older chain (records before the sealing migration): row_hash = SHA-256(prev_hash ‖ "\n" ‖ canonical record), hex. */
export function chainHash(prevHash: string, r: AuditRecord): string {
  return createHash('sha256').update(prevHash).update('\n').update(recordText(r)).digest('hex');
}

/**
 * The seal chain over every number in order: SHA-256(previous chain hash ‖ seq ‖ digest), where the
 * digest is the record's row_mac (row_hash for an older record) or "gap" for a number no committed
 * record holds (a rolled-back transaction).
 */
export function sealHash(prevChainHash: string, seq: number, digest: string | null): string {
  return createHash('sha256').update(`${prevChainHash}\n${seq}\n${digest ?? 'gap'}`).digest('hex');
}

/** The text a seal checkpoint signs (and its anchor line carries). */
export function sealCheckpointMessage(seq: number, chainHash: string, createdAtIso: string): string {
  return `kokuho-audit-seal-checkpoint\n${seq}\n${chainHash}\n${createdAtIso}\n`;
}

/** The text a checkpoint of the older chain signed. */
export function checkpointMessage(seq: number, rowHash: string, createdAtIso: string): string {
  return `kokuho-audit-checkpoint\n${seq}\n${rowHash}\n${createdAtIso}\n`;
}

/**
 * System-made hex digests and UUIDs may hold 12 decimal digits in a row by chance (a SHA-256 of an
 * export, a session reference, a run id). They are let through only under a key that names them,
 * never by their shape alone (typed input can look like hex too).
 */
const DIGEST_KEY = /(sha256|hash|sessionref|runid)$/i;
const HEX_DIGEST = /^(?:[0-9a-f]{16,128}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Placeholder written instead of a My Number-like run found in an audit detail. */
export const MY_NUMBER_REDACTED = '[12桁の数字を伏字]';

const suspicious = (s: string) => myNumberLikeRuns(s).runs.length > 0;
const isDigest = (key: string | undefined, v: string) => key !== undefined && DIGEST_KEY.test(key) && HEX_DIGEST.test(v);

/**
 * Audit details must never carry a My Number: any run of 12 or more digits (full-width too, separators
 * between digit groups seen through, inside a longer string or number) in a key or a value is refused.
 */
export function assertNoMyNumber(detail: unknown): void {
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (!isDigest(key, v) && suspicious(v)) throw new Error('監査記録に12桁の数字(個人番号の可能性)を含めることはできません');
    } else if (typeof v === 'number' || typeof v === 'bigint') {
      walk(String(v));
    } else if (Array.isArray(v)) {
      v.forEach((x) => walk(x, key));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        walk(k);
        walk(x, k);
      }
    }
  };
  walk(detail);
}

/**
 * The same rule applied by masking instead of refusing: user input echoed into a detail (a search
 * criterion, an attempted staff ID) may hold a My Number-like run, and must neither reach the trail
 * nor turn the request into a 500. Each run is replaced, the rest of the text kept. Returns a
 * JSON-safe copy.
 */
export function redactMyNumberLike(detail: unknown): unknown {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return isDigest(key, v) ? v : maskMyNumberLikeRuns(v, MY_NUMBER_REDACTED);
    if (typeof v === 'number') return suspicious(String(v)) ? MY_NUMBER_REDACTED : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k) as string, walk(x, k)]));
    return v;
  };
  return walk(JSON.parse(JSON.stringify(detail ?? {})));
}
