/**
 * The status-filtered, paged lists (承認, 申請状況, 作業項目): the filter form and the list section with
 * its count, empty message and pager. The data comes from useStatusList (web/src/useApi.ts).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import type { StatusPage } from '../useApi.js';
import { SelectField, Spinner } from './ui.js';
import { Pager } from './Pager.js';

/** The 状態 select and 表示: the list changes only when submitted. */
export function StatusFilter<S extends string>({ id, ariaLabel, statuses, initial, busy, className, onShow }: {
  id: string;
  ariaLabel: string;
  statuses: { value: S; label: string }[];
  initial: S;
  busy: boolean;
  className?: string;
  onShow: (status: S) => void;
}): ReactNode {
  const [filter, setFilter] = useState<S>(initial);
  function submit(e: FormEvent): void {
    e.preventDefault();
    onShow(filter);
  }
  return (
    <form className={`card form${className ? ` ${className}` : ''}`} onSubmit={submit} noValidate aria-label={ariaLabel}>
      <div className="form-grid">
        <SelectField id={id} label="状態" value={filter} onChange={(v) => setFilter(v as S)} options={statuses} />
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--secondary" disabled={busy}>
          表示
        </button>
      </div>
    </form>
  );
}

/** The list of the shown status: heading with the count, the items, or the empty message; a pager when needed. */
export function StatusListSection<S extends string, I>({ list, headingId, heading, empty, emptyTestId, pagerLabel, keyOf, render }: {
  list: { shown: { status: S; page: number }; data: (StatusPage & { items: I[] }) | null; busy: boolean; load: (status: S, page: number) => Promise<void> };
  headingId: string;
  heading: (status: S) => ReactNode;
  empty: (status: S) => string;
  emptyTestId: string;
  pagerLabel: string;
  keyOf: (item: I) => number;
  render: (item: I) => ReactNode;
}): ReactNode {
  const { shown, data, busy, load } = list;
  if (data === null) return busy ? <Spinner /> : null;
  return (
    <section aria-labelledby={headingId} aria-busy={busy}>
      <h2 id={headingId}>
        {heading(shown.status)}
        <span className="subtitle">（{data.total.toLocaleString('ja-JP')}件）</span>
      </h2>
      {data.items.length === 0 ? (
        <p data-testid={emptyTestId}>{empty(shown.status)}</p>
      ) : (
        <>
          <ul className="change-list">
            {data.items.map((item) => (
              <li key={keyOf(item)}>{render(item)}</li>
            ))}
          </ul>
          {data.total > data.pageSize ? (
            <Pager
              page={shown.page}
              pageCount={Math.max(1, Math.ceil(data.total / data.pageSize))}
              hasNext={shown.page * data.pageSize < data.total}
              busy={busy}
              onPage={(p) => void load(shown.status, p)}
              label={pagerLabel}
            />
          ) : null}
        </>
      )}
    </section>
  );
}
