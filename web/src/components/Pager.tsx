import type { ReactNode } from 'react';

/** 前へ / 次へ paging. Buttons stay focusable-in-order; a disabled one is skipped by Tab. */
export function Pager({
  page,
  pageCount,
  hasNext,
  busy,
  onPage,
  label = 'ページ送り',
}: {
  page: number;
  pageCount: number | null;
  hasNext: boolean;
  busy?: boolean;
  onPage: (page: number) => void;
  label?: string;
}): ReactNode {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="button button--secondary" disabled={busy || page <= 1} onClick={() => onPage(page - 1)}>
        <span aria-hidden="true">← </span>前へ
      </button>
      <span className="pager__status">
        {page}
        {pageCount !== null ? ` / ${pageCount}` : ''} ページ
      </span>
      <button type="button" className="button button--secondary" disabled={busy || !hasNext} onClick={() => onPage(page + 1)}>
        次へ<span aria-hidden="true"> →</span>
      </button>
    </nav>
  );
}
