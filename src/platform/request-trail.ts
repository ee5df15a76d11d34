import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the audit trail received during one HTTP request. The route guard reads it after the handler:
 * a successful answer of a business route that appended no audit record is never sent (see route.ts).
 */
export interface RequestTrail {
  /** Every audit record of the request carries it, whether or not the service passed it on. */
  correlationId: string;
  records: number;
}

const store = new AsyncLocalStorage<RequestTrail>();

export function withRequestTrail<T>(correlationId: string, fn: () => T): T {
  return store.run({ correlationId, records: 0 }, fn);
}

/** Called by the audit writer for every record appended inside the current request. */
export function noteAuditRecord(): void {
  const t = store.getStore();
  if (t) t.records += 1;
}

export function currentRequestTrail(): RequestTrail | undefined {
  return store.getStore();
}
