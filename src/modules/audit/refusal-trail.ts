import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Per request: whether a refusal (an audit record with an outcome other than 'success') has been
 * committed for it. The HTTP safety net (src/http/refusal-audit.ts) appends one for a refused request
 * that has none, so every refusal is on the trail exactly once, whoever refused it.
 */
const store = new AsyncLocalStorage<{ recorded: boolean }>();

export function trackRefusals<T>(fn: () => Promise<T>): Promise<T> {
  return store.run({ recorded: false }, fn);
}

export function noteRefusalRecorded(): void {
  const s = store.getStore();
  if (s) s.recorded = true;
}

export function refusalRecorded(): boolean {
  return store.getStore()?.recorded ?? false;
}
