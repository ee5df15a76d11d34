import { useEffect, useState } from 'react';
import { request } from './api.js';

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
