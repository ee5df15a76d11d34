import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { randomUUID } from 'node:crypto';
import type { AppEnv } from './context.js';
import { runAs, type Actor } from '../security/actor.js';
import { sha256 } from '../modules/access/auth.service.js';
import { errorJson } from './errors.js';

export function cookieName(secure: boolean): string {
  return secure ? '__Host-nhi_session' : 'nhi_session';
}

function secureCookies(c: Context<AppEnv>): boolean {
  return c.get('deps').config.cookieSecure ?? true;
}

export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  const secure = secureCookies(c);
  setCookie(c, cookieName(secure), token, { path: '/', httpOnly: true, secure, sameSite: 'Strict' });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  const secure = secureCookies(c);
  deleteCookie(c, cookieName(secure), { path: '/', secure, httpOnly: true, sameSite: 'Strict' });
}

export function requestInfo(c: Context<AppEnv>) {
  // WebAuthn binds to the configured public origin; without one (demo, tests) to the Host the browser used.
  const url = new URL(c.req.url);
  const origin = c.get('deps').config.publicOrigin ?? `${url.protocol}//${url.host}`;
  const rpId = new URL(origin).hostname;
  return {
    ip: clientIp(c),
    terminal: c.req.header('x-terminal-id')?.slice(0, 64) ?? null,
    origin,
    rpId,
  };
}

function clientIp(c: Context<AppEnv>): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? null;
}

function sameHost(origin: string, requestUrl: string): boolean {
  try {
    return new URL(origin).host === new URL(requestUrl).host;
  } catch {
    return false;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const TOUCH_EVERY_MS = 15_000;

/**
 * Loads the session from the cookie, enforces idle and absolute timeouts, builds the actor (with
 * permissions read fresh on every request, so a revoke takes effect at once), checks CSRF on state
 * changes, and runs the rest of the request inside that actor.
 */
export const sessionMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('correlationId', randomUUID());
  const deps = c.get('deps');
  const info = requestInfo(c);
  let actor: Actor = { kind: 'anonymous', id: 'anonymous', ip: info.ip, terminal: info.terminal };
  // Content-hashed static assets carry no personal data: no session lookup for each of them.
  const token = c.req.path.startsWith('/assets/') ? undefined : getCookie(c, cookieName(secureCookies(c)));
  if (token && token.length <= 128) {
    const hash = sha256(token);
    const s = await deps.auth.repo.findSessionContext(hash);
    if (s) {
      const now = Date.now();
      const idle = now - s.last_seen_at.getTime() > deps.config.sessionIdleMs;
      const absolute = now - s.created_at.getTime() > deps.config.sessionAbsoluteMs;
      if (idle || absolute || s.disabled_at) {
        await deps.auth.repo.endSession(hash, idle ? 'idle_timeout' : absolute ? 'absolute_timeout' : 'disabled');
        clearSessionCookie(c);
      } else {
        c.set('session', { hash, token, staffId: s.staff_id, stage: s.stage, csrfToken: s.csrf_token });
        if (s.stage === 'active') {
          actor = {
            kind: 'staff',
            id: s.staff_id,
            displayName: s.display_name,
            officeCode: s.office_code,
            officeKind: s.office_kind,
            permissions: deps.permissions.known(s.permissions), // a stored code no module declares grants nothing
            sessionRef: hash.slice(0, 16),
            stepUpAt: s.step_up_at,
            ip: info.ip,
            terminal: info.terminal,
          };
          if (now - s.last_seen_at.getTime() > TOUCH_EVERY_MS) await deps.auth.repo.touchSession(hash, new Date(now));
        }
      }
    }
  }
  // Another municipal system (住基) authenticates with its client token, never with a staff session.
  const bearer = c.req.header('authorization');
  if (bearer !== undefined && c.req.path.startsWith('/api/')) {
    const m = /^Bearer ([A-Za-z0-9_-]{20,128})$/.exec(bearer);
    const system = m ? await deps.registry.systemActor(m[1]!, info.ip) : null;
    if (!system || actor.kind !== 'anonymous') {
      await deps.audit.appendAlone(deps.database.db, actor, { functionCode: 'auth', action: 'system.token', outcome: 'denied', detail: { reason: system ? 'token_with_session' : 'invalid_token' }, correlationId: c.get('correlationId') });
      return errorJson(c, 401, 'unauthenticated', 'システム利用者のトークンが正しくありません');
    }
    actor = system;
  }
  c.set('actor', actor);

  if (UNSAFE.has(c.req.method) && c.req.path.startsWith('/api/')) {
    const site = c.req.header('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none') return errorJson(c, 403, 'csrf', '別サイトからの要求は受け付けません');
    const origin = c.req.header('origin');
    if (origin && origin !== info.origin && !sameHost(origin, c.req.url)) {
      return errorJson(c, 403, 'csrf', '別サイトからの要求は受け付けません');
    }
    // A new login replaces whatever session the browser still holds (e.g. a reload after the password
    // step), so it cannot be stuck on a stale token; Sec-Fetch-Site/Origin and SameSite=Strict still apply.
    const session = c.req.path === '/api/auth/login' || c.req.path === '/api/auth/activate' ? undefined : c.get('session');
    if (session && c.req.header('x-csrf-token') !== session.csrfToken) {
      return errorJson(c, 403, 'csrf', 'CSRFトークンが一致しません。画面を再読み込みしてください');
    }
  }
  return runAs(actor, () => next());
};
