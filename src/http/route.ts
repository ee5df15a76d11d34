import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { isBusinessAccess, type PermissionCatalogue, type RouteAccess } from '../platform/permissions.js';
import { errorJson } from './errors.js';
import { stepUpIsRecent } from './step-up.js';
import { currentRequestTrail, withRequestTrail } from '../platform/request-trail.js';

/**
 * The one choke point for access: every route is declared with what it needs. Missing declarations
 * fail a test that enumerates every registered route (src/http/route-access.test.ts).
 */
export const routeAccess = new Map<string, RouteAccess>();

/** What a route declares beyond its permission: the path parameter naming its subject, and step-up. */
export interface RouteGuard {
  access: RouteAccess;
  /** Path parameter holding the 宛名番号 the request is about (denials are recorded against it). */
  subject?: string;
  /** The second factor again within the step-up window (reveal, deletion, permission change). */
  stepUp?: boolean;
  /**
   * Whether a successful answer carries or changes personal data, so it must leave an audit record.
   * Default: yes for a business permission, no for 'authenticated'. A code list says false; a route
   * open to every logged-in user that still shows personal data (approvals) says true.
   */
  personalData?: boolean;
}
export const routeGuards = new Map<string, RouteGuard>();

export function accessKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/** Removes a declaration (a test's own throw-away route), from both registries. */
export function forgetRoute(method: string, path: string): void {
  routeAccess.delete(accessKey(method, path));
  routeGuards.delete(accessKey(method, path));
}

/** For routes not declared through defineRoute (static files, health). */
export function declareAccess(method: string, path: string, access: RouteAccess): void {
  routeAccess.set(accessKey(method, path), access);
  routeGuards.set(accessKey(method, path), { access });
}

function subjectOf(c: Context<AppEnv>, guard: RouteGuard): number[] {
  if (!guard.subject) return [];
  const n = Number(c.req.param(guard.subject));
  return Number.isSafeInteger(n) && n > 0 ? [n] : [];
}

export function requireAccess(guard: RouteGuard): MiddlewareHandler<AppEnv> {
  const { access } = guard;
  return async (c, next) => {
    c.header('x-correlation-id', c.get('correlationId'));
    return withRequestTrail(async () => {
      currentRequestTrail()!.correlationId = c.get('correlationId');
      return guarded(c, next);
    });
  };
  async function guarded(c: Context<AppEnv>, next: () => Promise<void>) {
    if (access === 'public') return next();
    const actor = c.get('actor');
    // A system client (住基) reaches only the business routes its permissions name; staff routes need a login.
    if (actor.kind !== 'staff' && !(actor.kind === 'system' && isBusinessAccess(access))) return errorJson(c, 401, 'unauthenticated', 'ログインしてください');
    const deps = c.get('deps');
    const refuse = async (reason: string) =>
      deps.audit.appendAlone(deps.database.db, actor, {
        functionCode: isBusinessAccess(access) ? access : 'auth',
        action: `${c.req.method} ${c.req.routePath}`,
        subjects: subjectOf(c, guard),
        outcome: 'denied',
        detail: { reason },
        correlationId: c.get('correlationId'),
      });
    if (isBusinessAccess(access) && !actor.permissions.has(access)) {
      await refuse('permission');
      return errorJson(c, 403, 'forbidden', `この操作には「${deps.permissions.label(access)}」の権限が必要です`);
    }
    if (guard.stepUp && !stepUpIsRecent(actor)) {
      await refuse('step_up_required');
      return errorJson(c, 403, 'step_up_required', 'この操作の前にワンタイムパスワードで再認証してください');
    }
    if (!requiresAuditRecord(guard)) return next();
    // A business route's successful answer carries personal data or changes it: no audit record, no answer.
    const trail = currentRequestTrail()!;
    const recordsBefore = trail.records;
    await next();
    if (c.res.status < 300 && trail.records === recordsBefore) {
      deps.logger.error({ route: `${c.req.method} ${c.req.routePath}`, correlationId: c.get('correlationId') }, 'business route answered without an audit record');
      c.res = undefined;
      c.res = errorJson(c, 500, 'internal', `システムエラーが発生しました(監査記録なし)。問い合わせ番号: ${c.get('correlationId')}`);
    }
    return undefined;
  }
}

export function requiresAuditRecord(g: RouteGuard): boolean {
  return g.personalData ?? isBusinessAccess(g.access);
}

/**
 * What a route needs, for its description in the API document. Added when the document is built
 * (app.ts apiDocument), not by defineRoute: routes files run defineRoute while MODULES, whose
 * permissions give the labels, is still being loaded.
 */
export function describeGuard(g: RouteGuard, permissions: PermissionCatalogue): string {
  const a = g.access;
  const perm = a === 'public' ? 'なし(公開)' : a === 'authenticated' ? 'ログインのみ' : `${a} (${permissions.label(a)})`;
  return `必要な権限: ${perm}${g.stepUp ? '\n\n本人再確認(ステップアップ認証)が必要です' : ''}`;
}

/** createRoute + the access declaration. OpenAPI paths use {param}; Hono's use :param. */
export function defineRoute<R extends Omit<RouteConfig, 'middleware'> & { access: RouteAccess; subject?: string; stepUp?: boolean; personalData?: boolean }>(config: R) {
  const { access, subject, stepUp, personalData, ...rest } = config;
  const honoPath = rest.path.replace(/\{(\w+)\}/g, ':$1');
  // The subject is declared, or is the {atenaNo} of the path by convention.
  const subjectParam = subject ?? (rest.path.includes('{atenaNo}') ? 'atenaNo' : undefined);
  const guard: RouteGuard = { access, ...(subjectParam ? { subject: subjectParam } : {}), ...(stepUp ? { stepUp } : {}), ...(personalData !== undefined ? { personalData } : {}) };
  routeAccess.set(accessKey(rest.method, honoPath), access);
  routeGuards.set(accessKey(rest.method, honoPath), guard);
  return createRoute({
    ...rest,
    middleware: [requireAccess(guard)] as const,
  });
}
