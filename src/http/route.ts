import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import type { RouteAccess } from '../modules/access/permissions.js';
import { PERMISSIONS } from '../modules/access/permissions.js';
import { errorJson } from './errors.js';

/**
 * The one choke point for access: every route is declared with what it needs. Missing declarations
 * fail a test that enumerates every registered route (src/http/route-access.test.ts).
 */
export const routeAccess = new Map<string, RouteAccess>();

export function accessKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/** For routes not declared through defineRoute (static files, health). */
export function declareAccess(method: string, path: string, access: RouteAccess): void {
  routeAccess.set(accessKey(method, path), access);
}

export function requireAccess(access: RouteAccess): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (access === 'public') return next();
    const actor = c.get('actor');
    if (actor.kind !== 'staff') return errorJson(c, 401, 'unauthenticated', 'ログインしてください');
    if (access === 'authenticated' || actor.permissions.has(access)) return next();
    const deps = c.get('deps');
    const atenaNo = Number(c.req.param('atenaNo'));
    await deps.audit.appendAlone(deps.database.db, actor, {
      functionCode: access,
      action: `${c.req.method} ${c.req.routePath}`,
      subjects: Number.isSafeInteger(atenaNo) && atenaNo > 0 ? [atenaNo] : [],
      outcome: 'denied',
      correlationId: c.get('correlationId'),
    });
    return errorJson(c, 403, 'forbidden', `この操作には「${PERMISSIONS[access]}」の権限が必要です`);
  };
}

/** createRoute + the access declaration. OpenAPI paths use {param}; Hono's use :param. */
export function defineRoute<R extends Omit<RouteConfig, 'middleware'>>(config: R & { access: RouteAccess }) {
  const { access, ...rest } = config;
  const honoPath = rest.path.replace(/\{(\w+)\}/g, ':$1');
  routeAccess.set(accessKey(rest.method, honoPath), access);
  return createRoute({
    ...rest,
    description: `${rest.description ?? ''}\n\n必要な権限: ${access === 'public' ? 'なし(公開)' : access === 'authenticated' ? 'ログインのみ' : `${access} (${PERMISSIONS[access]})`}`.trim(),
    middleware: [requireAccess(access)] as const,
  });
}
