import { useCallback, useEffect, useState } from 'react';
import { query, request } from './api.js';

export type Loadable<T> = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ok'; data: T };

/** GET a resource when the component mounts (pages are re-mounted on every navigation). */
export function useApi<T>(path: string): Loadable<T> {
  const [value, setValue] = useState<Loadable<T>>({ state: 'loading' });
  useEffect(() => {
    const ac = new AbortController();
    setValue({ state: 'loading' });
    request<T>(path, { signal: ac.signal }).then(
      (data) => setValue({ state: 'ok', data }),
      (error: unknown) => {
        if (error instanceof DOMException && error.name === 'AbortError') return;
        setValue({ state: 'error', error });
      },
    );
    return () => ac.abort();
  }, [path]);
  return value;
}

/** A page of a list the server filters by status (承認, 申請状況, 作業項目). */
export interface StatusPage {
  total: number;
  page: number;
  pageSize: number;
}

/**
 * A status-filtered, paged list: loads `initial` page 1 on mount, then whatever `load(status, page)`
 * asks; `shown` is what the table shows (the filter form may hold another status until submitted).
 */
export function useStatusList<S extends string, T extends StatusPage>(path: string, initial: S, pageSize: number) {
  const [shown, setShown] = useState<{ status: S; page: number }>({ status: initial, page: 1 });
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(true);
  const load = useCallback(
    async (status: S, page: number, signal?: AbortSignal): Promise<void> => {
      setBusy(true);
      try {
        const r = await request<T>(path + query({ status, page, pageSize }), signal ? { signal } : {});
        setData(r);
        setShown({ status, page: r.page ?? page });
        setError(null);
      } catch (e) {
        if (e instanceof DOMException && e.name === 'AbortError') return;
        setError(e);
      } finally {
        setBusy(false);
      }
    },
    [path, pageSize],
  );
  useEffect(() => {
    const ac = new AbortController();
    void load(initial, 1, ac.signal);
    return () => ac.abort();
  }, [load, initial]);
  /** Load the shown page again (after a change made from it). */
  const reload = useCallback(() => void load(shown.status, shown.page), [load, shown]);
  return { shown, data, error, busy, load, reload };
}
