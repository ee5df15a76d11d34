import { createHash } from 'node:crypto';

/** Pure rules of the hash-chained audit trail (監査証跡). No I/O. */

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord {
  seq: number;
  occurredAt: string; // ISO-8601 UTC with milliseconds
  actorKind: 'staff' | 'operator' | 'anonymous';
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

/** row_hash = SHA-256(prev_hash ‖ "\n" ‖ canonical record), hex. */
export function chainHash(prevHash: string, r: AuditRecord): string {
  const body = canonicalJson({
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
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** The text an audit checkpoint signs. */
export function checkpointMessage(seq: number, rowHash: string, createdAtIso: string): string {
  return `kokuho-audit-checkpoint\n${seq}\n${rowHash}\n${createdAtIso}\n`;
}

const TWELVE_DIGITS = /(?<!\d)\d{12}(?!\d)/;

/** Audit details must never carry a My Number; any 12-digit run is refused. */
export function assertNoMyNumber(detail: unknown): void {
  if (TWELVE_DIGITS.test(canonicalJson(detail))) {
    throw new Error('監査記録に12桁の数字(個人番号の可能性)を含めることはできません');
  }
}
