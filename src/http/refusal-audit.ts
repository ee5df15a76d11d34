import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { accessKey, routeAccess } from './route.js';
import { currentRequestTrail, withRequestTrail } from '../platform/request-trail.js';

/**
 * Refusals of a request made in a session that are on the trail: forbidden (step-up required,
 * self-grant, CSRF, out of scope …), not found, conflicts, rule violations, locks and throttling.
 * Not 400/413 (a malformed request attempted nothing) and not 401 (no session: the login trail has it).
 */
const REFUSALS = new Set([403, 404, 409, 422, 423, 429]);

/**
 * The safety net of the audit trail: a request made in a session (a staff member, or one half-way
 * through login) that ends in a refusal leaves a 'denied' record, unless the code that refused it
 * already wrote one. Wraps the session middleware, so its CSRF refusals are covered too.
 */
export const auditUnrecordedRefusals: MiddlewareHandler<AppEnv> = (c, next) =>
  withRequestTrail(async () => {
    await next();
    if (!REFUSALS.has(c.res.status) || currentRequestTrail()!.refusalRecorded) return;
    const actor = c.get('actor');
    if (!actor || (actor.kind !== 'staff' && !c.get('session'))) return;
    let reason = 'refused';
    try {
      const body = (await c.res.clone().json()) as { error?: { code?: unknown } };
      if (typeof body.error?.code === 'string') reason = body.error.code;
    } catch {
      /* not a JSON error body: the status says enough */
    }
    const route = c.req.routePath;
    const access = routeAccess.get(accessKey(c.req.method, route));
    const atenaNo = Number(c.req.param('atenaNo'));
    const deps = c.get('deps');
    await deps.audit.appendAlone(deps.database.db, actor, {
      functionCode: access && access !== 'public' && access !== 'authenticated' ? access : 'auth',
      action: `${c.req.method} ${route}`,
      subjects: Number.isSafeInteger(atenaNo) && atenaNo > 0 ? [atenaNo] : [],
      outcome: 'denied',
      // Refused before routing (CSRF, an unknown path): the path asked for goes to the detail, masked there.
      detail: { reason, status: c.res.status, ...(route.includes('*') ? { path: c.req.path.slice(0, 200) } : {}), ...(actor.kind === 'staff' ? {} : { staffId: c.get('session')?.staffId }) },
      correlationId: c.get('correlationId'),
    });
  });
