/**
 * A card of a person's 届出 (産前産後期間, 非自発的失業者): loads them, shows them in a table (newest first)
 * with the columns the caller gives, and the caller's form to record one; after a record or a withdrawal
 * it says what was done and loads again.
 */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { request } from '../api.js';
import { DoneNotice, ErrorMessage, Spinner } from './ui.js';

export interface NotificationsCardProps<N extends { notificationId: number }> {
  /** Used for the heading's id and the test ids (`<kind>`, `<kind>-list`). */
  kind: string;
  title: string;
  path: string;
  headers: string[];
  canRecord: boolean;
  row: (n: N, onDone: (message: string) => Promise<void>) => ReactNode;
  form: (onDone: (message: string) => Promise<void>) => ReactNode;
}

export function NotificationsCard<N extends { notificationId: number }>({ kind, title, path, headers, canRecord, row, form }: NotificationsCardProps<N>): ReactNode {
  const [data, setData] = useState<{ notifications: N[] } | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setData(await request<{ notifications: N[] }>(path));
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, [path]);
  useEffect(() => {
    void load();
  }, [load]);

  const heading = `${kind}-heading`;
  if (loadError) return <section className="card" aria-labelledby={heading}><h2 id={heading}>{title}</h2><ErrorMessage error={loadError} /></section>;
  if (!data) return <Spinner />;
  const onDone = async (m: string) => {
    await load();
    setDone(m);
  };
  return (
    <section className={`card notifications ${kind}`} aria-labelledby={heading} data-testid={kind}>
      <h2 id={heading}>{title}</h2>
      <DoneNotice message={done} />
      {data.notifications.length === 0 ? (
        <p>届出はありません。</p>
      ) : (
        <div className="table-wrap" tabIndex={0} aria-label={`${title}の表`}>
          <table className="table table--compact" data-testid={`${kind}-list`}>
            <caption className="visually-hidden">{title}(新しい順)</caption>
            <thead>
              <tr>
                {headers.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
                <th scope="col">状態</th>
                {canRecord ? <th scope="col">操作</th> : null}
              </tr>
            </thead>
            <tbody>{data.notifications.map((n) => row(n, onDone))}</tbody>
          </table>
        </div>
      )}
      {canRecord ? form(onDone) : null}
    </section>
  );
}
