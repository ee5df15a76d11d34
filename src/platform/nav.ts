import { MODULES } from '../modules/index.js';
import type { NavEntry } from './module.js';

/** The staff UI's main menu for someone holding these permissions, from the modules' declarations. */
export function navFor(permissions: ReadonlySet<string>): { path: string; label: string }[] {
  const entries: NavEntry[] = MODULES.flatMap((m) => ('nav' in m ? (m.nav ?? []) : []));
  return entries
    .filter((e) => e.permission === 'authenticated' || (typeof e.permission === 'string' ? permissions.has(e.permission) : e.permission.some((p) => permissions.has(p))))
    .sort((a, b) => a.order - b.order)
    .map(({ path, label }) => ({ path, label }));
}
