import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the audit trail received during one HTTP request, for the two checks that guard it:
 * - the route guard (src/http/route.ts): a successful answer of a route carrying personal data that
 *   appended no audit record is never sent;
 * - the refusal safety net (src/http/refusal-audit.ts): a refused request leaves exactly one 'denied'
 *   record, written by the code that refused it or else by the net.
 * Every audit record appended inside the request carries its correlation id.
 */
export interface RequestTrail {
  correlationId: string | null;
  /** Audit records appended (in any transaction) during the request. */
  records: number;
  /** Whether a refusal (outcome other than success) was committed on its own for the request. */
  refusalRecorded: boolean;
}

const store = new AsyncLocalStorage<RequestTrail>();

/** Run the request inside a trail (the outermost caller starts it; later callers join it). */
export function withRequestTrail<T>(fn: () => Promise<T>): Promise<T> {
  return store.getStore() ? fn() : store.run({ correlationId: null, records: 0, refusalRecorded: false }, fn);
}

export function currentRequestTrail(): RequestTrail | undefined {
  return store.getStore();
}

/** Called by the audit writer for every record appended inside the current request. */
export function noteAuditRecord(): void {
  const t = store.getStore();
  if (t) t.records += 1;
}

/** Called by the audit writer once a refusal record has committed in a transaction of its own. */
export function noteRefusalRecorded(): void {
  const t = store.getStore();
  if (t) t.refusalRecorded = true;
}
