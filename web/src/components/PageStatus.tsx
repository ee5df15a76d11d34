/** What a page showing one record renders before the record is there: loading, not found, or another error. */
import type { ReactNode } from 'react';
import { ApiError } from '../api.js';
import { Link, backTo } from '../router.js';
import type { Loadable } from '../useApi.js';
import { ErrorMessage, PageHeading, Spinner } from './ui.js';

/**
 * The heading with a spinner while loading; on an error, the heading with the page's own not-found message
 * (for a 404) or the error, and the way back to search. A plain function, not a component, so the returned
 * tree is the page's own: the heading stays the same element (and keeps its focus) when the record arrives.
 */
export function pageStatus(res: Exclude<Loadable<unknown>, { state: 'ok' }>, title: string, notFound: ReactNode): ReactNode {
  if (res.state === 'loading')
    return (
      <>
        <PageHeading title={title}>{title}</PageHeading>
        <Spinner />
      </>
    );
  const isNotFound = res.error instanceof ApiError && res.error.status === 404;
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      {isNotFound ? (
        <p className="alert alert--warning" role="alert">
          {notFound}
        </p>
      ) : (
        <ErrorMessage error={res.error} />
      )}
      <BackToSearch />
    </>
  );
}

export function BackToSearch(): ReactNode {
  return (
    <p className="back-link">
      <Link
        to="/search"
        onClick={(e) => {
          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
          e.preventDefault();
          backTo('/search');
        }}
      >
        <span aria-hidden="true">← </span>宛名検索に戻る
      </Link>
    </p>
  );
}
