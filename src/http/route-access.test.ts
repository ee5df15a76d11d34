import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../testing/fixture.js';
import { accessKey, routeAccess } from './route.js';
import type { Permission, RouteAccess } from '../platform/permissions.js';

/**
 * The authorization matrix gate (security.md §6 / §7.11, 44): every route declares what it needs, and
 * every route that needs a business permission answers 401 without a session and 403 (audited as
 * 'denied') without the permission — the guard answers before validation or the handler.
 */

let f: Fixture;
let sessions = new Map<string, { session: Session; permissions: Set<string> }>();

beforeAll(async () => {
  f = await createFixture();
  sessions = await f.loginAll();
});
afterAll(async () => f?.close());

/** app.use() middleware shows up in app.routes as method ALL; those are not endpoints. */
const MIDDLEWARE = new Set(['ALL /*', 'ALL *', 'ALL /api/*', 'ALL /assets/*']);

/** Routes anyone may call. A new public route must be added here on purpose. */
const PUBLIC_ALLOWED = new Set([
  'GET /healthz',
  'POST /api/auth/login',
  'POST /api/auth/totp',
  'POST /api/auth/webauthn/options',
  'POST /api/auth/webauthn/verify',
  // 初回登録: the activation code opens a session in stage 'enrolment'; the three steps check that stage
  // in the service (enrolment.service.ts) and do nothing without it (enrolment.test.ts).
  'POST /api/auth/activate',
  'POST /api/auth/enrolment/password',
  'POST /api/auth/enrolment/totp',
  'POST /api/auth/enrolment/confirm',
  'GET /api/openapi.json',
  'GET /api/docs',
  'GET /api/docs.css',
  'ALL /api/*',
  'GET /assets/*',
  'GET /*',
]);

function registered(): string[] {
  const keys = new Set<string>();
  for (const r of f.app.routes) {
    const key = accessKey(r.method, r.path);
    if (r.method === 'ALL' && MIDDLEWARE.has(key) && !routeAccess.has(key)) continue;
    keys.add(key);
  }
  return [...keys].sort();
}

function openApiOperations(): string[] {
  return f.app.openAPIRegistry.definitions
    .flatMap((d) => (d.type === 'route' ? [accessKey(d.route.method, d.route.path.replace(/\{(\w+)\}/g, ':$1'))] : []))
    .sort();
}

/** A valid value for each path parameter, so that only the guard can refuse. */
const PARAM_VALUES: Record<string, string> = {
  atenaNo: String(FIXTURE.yamada.head),
  householdNo: String(FIXTURE.yamada.household),
  staffId: 'kokuho01',
  roleCode: 'kokuho_staff',
  changeId: '1',
};
const fillPath = (path: string) => path.replace(/:(\w+)/g, (_, name: string) => PARAM_VALUES[name] ?? '100000001');

function businessRoutes(): [string, Permission][] {
  return registered().flatMap((key) => {
    const access = routeAccess.get(key);
    return access && f.deps.permissions.isPermission(access) ? [[key, access] as [string, Permission]] : [];
  });
}

async function deniedCount(functionCode: string): Promise<number> {
  const r = await f.deps.database.db
    .selectFrom('audit_event')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('outcome', '=', 'denied')
    .where('function_code', '=', functionCode)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('every route declares its access', () => {
  it('finds the routes (sanity)', () => {
    expect(registered()).toContain('GET /api/persons/:atenaNo');
    expect(registered()).toContain('GET /api/audit/events');
    expect(registered()).toContain('POST /api/admin/staff/:staffId/roles');
    expect(openApiOperations().length).toBeGreaterThanOrEqual(20);
  });

  it('no registered route lacks a declaration in routeAccess', () => {
    const missing = registered().filter((key) => !routeAccess.has(key));
    expect(missing, `routes without an access declaration (use defineRoute or declareAccess): ${missing.join(', ')}`).toEqual([]);
  });

  it('no OpenAPI operation lacks a declaration, and each is registered', () => {
    const ops = openApiOperations();
    const missing = ops.filter((key) => !routeAccess.has(key));
    expect(missing, `OpenAPI operations without an access declaration: ${missing.join(', ')}`).toEqual([]);
    const unregistered = ops.filter((key) => !registered().includes(key));
    expect(unregistered).toEqual([]);
  });

  it('no declaration is stale (declared but not registered)', () => {
    const reg = new Set(registered());
    // serveStatic is mounted with app.use, so the static assets show as middleware (ALL /assets/*).
    const stale = [...routeAccess.keys()].filter((key) => !reg.has(key) && !(key === 'GET /assets/*' && f.app.routes.some((r) => r.path === '/assets/*')));
    expect(stale).toEqual([]);
  });

  it('only the known routes are public', () => {
    const publicRoutes = registered().filter((key) => routeAccess.get(key) === 'public');
    const unexpected = publicRoutes.filter((key) => !PUBLIC_ALLOWED.has(key));
    expect(unexpected, `new public routes must be reviewed and added to PUBLIC_ALLOWED: ${unexpected.join(', ')}`).toEqual([]);
  });

  it('the OpenAPI document states the permission of every operation', async () => {
    const doc = (await (await f.app.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { description?: string }>> };
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const access = routeAccess.get(accessKey(method, p.replace(/\{(\w+)\}/g, ':$1'))) as RouteAccess;
        expect(op.description ?? '', `${method} ${p}`).toContain('必要な権限');
        if (f.deps.permissions.isPermission(access)) expect(op.description, `${method} ${p}`).toContain(access);
      }
    }
  });
});

describe('every protected route refuses: 401 without a session, 403 (audited) without the permission', () => {
  it('401 for every non-public route without a session', async () => {
    const protectedRoutes = registered().filter((key) => routeAccess.get(key) !== 'public');
    expect(protectedRoutes.length).toBeGreaterThan(10);
    for (const key of protectedRoutes) {
      const [method, path] = key.split(' ') as [string, string];
      const r = await f.app.request(fillPath(path), {
        method,
        ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }),
      });
      expect(r.status, key).toBe(401);
      const body = (await r.json()) as { error: { code: string } };
      expect(body.error.code, key).toBe('unauthenticated');
    }
  });

  it('403 and a denied audit record for every business route, as a staff member lacking the permission', async () => {
    const routes = businessRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const [key, permission] of routes) {
      const lacking = [...sessions.entries()].find(([, s]) => !s.permissions.has(permission));
      expect(lacking, `a demo staff member without ${permission}`).toBeDefined();
      const [staffId, { session }] = lacking!;
      const [method, path] = key.split(' ') as [string, string];
      const before = await deniedCount(permission);
      const r = await session.request(method, fillPath(path), method === 'GET' ? undefined : {});
      expect(r.status, `${key} as ${staffId}`).toBe(403);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code, key).toBe('forbidden');
      expect(body.error.message, key).toContain('権限');
      expect(await deniedCount(permission), `${key}: denial audited`).toBe(before + 1);
      const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
      expect(ev, key).toMatchObject({ actor_id: staffId, function_code: permission, outcome: 'denied', action: `${method} ${path}` });
      if (path.includes(':atenaNo')) expect(ev.subjects.map(Number), key).toEqual([FIXTURE.yamada.head]);
    }
  });

  it('the same staff member is let through once the permission is theirs (the guard is the only difference)', async () => {
    const { session, permissions } = sessions.get('kansa01')!;
    expect(permissions.has('audit')).toBe(true);
    expect((await session.request('GET', '/api/audit/events')).status).toBe(200);
    expect((await sessions.get('kokuho01')!.session.request('GET', '/api/audit/events')).status).toBe(403);
  });
});
