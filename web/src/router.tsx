/**
 * A minimal History API router. Paths are plain (/search, /households/123); page state that must survive
 * Back (search criteria, current page) lives in history.state, not in the URL, so residents' names never
 * end up in the browser's global history list or in a server log.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

type Listener = () => void;
const listeners = new Set<Listener>();

interface Location {
  path: string;
  state: unknown;
  /** Bumped on every navigation so that identical paths still count as a change. */
  key: number;
}

let counter = 0;
/** The path we pushed from, when the current entry was reached by navigate() (not by Back/Forward). */
let previousPath: string | null = null;
let current: Location = readLocation();

function readLocation(): Location {
  return { path: window.location.pathname, state: window.history.state as unknown, key: ++counter };
}

function emit(): void {
  current = readLocation();
  for (const l of listeners) l();
}

window.addEventListener('popstate', () => {
  previousPath = null;
  emit();
});

/** Go back to `path` with the Back button semantics when we came from it (restoring its state). */
export function backTo(path: string): void {
  if (previousPath === path) window.history.back();
  else navigate(path);
}

function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, () => current);
}

export function navigate(path: string, opts: { replace?: boolean; state?: unknown } = {}): void {
  if (opts.replace) window.history.replaceState(opts.state ?? null, '', path);
  else {
    previousPath = window.location.pathname;
    window.history.pushState(opts.state ?? null, '', path);
  }
  emit();
}

/** Update the current entry's state without re-rendering routes (used to remember search criteria). */
export function replaceState(state: unknown): void {
  window.history.replaceState(state, '', window.location.pathname);
  current = { ...current, state };
}

export function Link(
  props: { to: string; children: ReactNode } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>,
): ReactNode {
  const { to, children, onClick, ...rest } = props;
  function handle(e: MouseEvent<HTMLAnchorElement>): void {
    onClick?.(e);
    if (e.defaultPrevented) return;
    // Let the browser handle new-tab/new-window requests.
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

export type Route =
  | { name: 'login' }
  | { name: 'search' }
  | { name: 'household'; householdNo: string }
  | { name: 'person'; atenaNo: string }
  | { name: 'audit' }
  | { name: 'approvals' }
  | { name: 'myRequests' }
  | { name: 'workItems' }
  | { name: 'admin' }
  | { name: 'securityKey' }
  | { name: 'assessmentRuns' }
  | { name: 'assessmentRun'; runId: string }
  | { name: 'notFound' };

export function matchRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return { name: 'login' };
  if (p === '/search') return { name: 'search' };
  if (p === '/audit') return { name: 'audit' };
  if (p === '/approvals') return { name: 'approvals' };
  if (p === '/my-requests') return { name: 'myRequests' };
  if (p === '/work-items') return { name: 'workItems' };
  if (p === '/admin') return { name: 'admin' };
  if (p === '/security-key') return { name: 'securityKey' };
  if (p === '/assessment/runs') return { name: 'assessmentRuns' };
  let m = /^\/households\/([0-9]{1,20})$/.exec(p);
  if (m) return { name: 'household', householdNo: m[1]! };
  m = /^\/persons\/([0-9]{1,20})$/.exec(p);
  if (m) return { name: 'person', atenaNo: m[1]! };
  m = /^\/assessment\/runs\/([0-9A-Za-z-]{1,64})$/.exec(p);
  if (m) return { name: 'assessmentRun', runId: m[1]! };
  return { name: 'notFound' };
}
