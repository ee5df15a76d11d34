import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../testing/fixture.js';
import { CSP } from './security-headers.js';

/** security.md §7.22 (response hardening) and §7.38 (generic errors, correlation id, fail closed). */

let f: Fixture;
let clerk: Session;
let auditor: Session;
let admin: Session;
beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  auditor = await f.login('kansa01');
  admin = await f.login('admin01');
});
afterAll(async () => f?.close());

/** No session: a login attempt must not end the sessions the other tests use. */
const anon = (): Session => ({
  staffId: '',
  cookie: '',
  csrf: '',
  request: async (method, path, body, headers = {}) =>
    f.app.request(path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body: String(body) } : {}) }),
});

type Err = { error: { code: string; message: string; fields?: unknown[] }; correlationId?: string };
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values];
      }),
  );
}

describe('Content-Security-Policy and friends', () => {
  it.each(['/api/auth/me', '/api/persons?kana=ヤマダ', '/', '/persons/100000001', '/api/docs', '/api/nothing-here', '/healthz'])('%s carries the hardened headers', async (path) => {
    const r = await clerk.request('GET', path);
    const csp = r.headers.get('content-security-policy');
    expect(csp).toBe(CSP);
    const d = directives(csp!);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(Number(/max-age=(\d+)/.exec(r.headers.get('strict-transport-security') ?? '')?.[1])).toBeGreaterThanOrEqual(31_536_000);
  });

  it('no external asset origins anywhere in the policy', () => {
    expect(CSP).not.toMatch(/https?:|\*/);
  });
});

describe('no caching of personal data', () => {
  it('every API answer with personal data is no-store', async () => {
    const cases: [Session, string][] = [
      [clerk, '/api/persons?kana=ヤマダ'],
      [clerk, `/api/persons/${FIXTURE.yamada.head}`],
      [clerk, `/api/households/${FIXTURE.yamada.household}`],
      [clerk, '/api/auth/me'],
      [auditor, '/api/audit/events'],
      [auditor, '/api/audit/report'],
      [admin, '/api/admin/staff'],
      [admin, '/api/admin/access-review?since=2026-04-01&format=csv'],
    ];
    for (const [s, path] of cases) {
      const r = await s.request('GET', path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('cache-control'), path).toBe('no-store');
      expect(r.headers.get('pragma'), path).toBe('no-cache');
    }
  });

  it('error answers are no-store too', async () => {
    const r = await clerk.request('GET', '/api/persons/999999999');
    expect(r.headers.get('cache-control')).toBe('no-store');
  });
});

describe('errors', () => {
  it('404 for unknown ids, with a Japanese message and a correlation id', async () => {
    const cases: [Session, string, string][] = [
      [clerk, 'GET', '/api/persons/999999999'],
      [clerk, 'GET', '/api/households/999999999'],
      [clerk, 'GET', '/api/unknown/route'],
      [admin, 'POST', '/api/admin/staff/nobody99/unlock'],
    ];
    for (const [s, method, path] of cases) {
      const r = await s.request(method, path);
      expect(r.status, path).toBe(404);
      const body = (await r.json()) as Err;
      expect(body.error.message, path).toMatch(JAPANESE);
      expect(body.correlationId, path).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('never 500 on bad input: a 4xx with a Japanese explanation', async () => {
    const cases: [Session, string, string, unknown?, Record<string, string>?][] = [
      [clerk, 'GET', '/api/persons/abc'],
      [clerk, 'GET', '/api/persons/-1'],
      [clerk, 'GET', '/api/persons/99999999999999999999999'],
      [clerk, 'GET', '/api/persons?name=%00'],
      [clerk, 'GET', '/api/persons?kana=%E3%81'],
      [clerk, 'GET', `/api/persons?kana=${'ア'.repeat(5000)}`],
      [clerk, 'POST', '/api/auth/step-up', '{"code":'],
      [clerk, 'POST', '/api/auth/step-up', '{"code":"\\u0000"}'],
      [anon(), 'POST', '/api/auth/login', '{"password":"\\ud800","staffId":"\\ud800"}'],
      [clerk, 'POST', '/api/auth/step-up', '{"code":"\\udc00\\u0031"}'],
      [clerk, 'GET', '/api/persons?kana=%ED%A0%80'],
      [clerk, 'POST', '/api/auth/step-up', 'code=1', { 'content-type': 'application/x-www-form-urlencoded' }],
      [auditor, 'GET', '/api/audit/events?from=%F0%A0%AE%B7&to=x'],
      [auditor, 'GET', '/api/audit/events?page=1&page=2'],
      [admin, 'POST', '/api/admin/staff', JSON.stringify({ staffId: 'x'.repeat(10_000) })],
      [admin, 'POST', '/api/admin/staff', JSON.stringify({ pad: 'x'.repeat(1_100_000) })],
      [admin, 'POST', '/api/admin/staff/kokuho01/disable', '[]'],
    ];
    for (const [s, method, path, body, headers] of cases) {
      const r = await s.request(method, path, body, headers);
      expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${method} ${path}`).toBeLessThan(500);
      const e = (await r.json()) as Err;
      expect(e.error.message, path).toMatch(JAPANESE);
      expect(JSON.stringify(e)).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/);
    }
  });

  it('deep nesting (4,000 levels of arrays or objects) is a 400 naming the depth rule, not a 500; 32 levels pass the guard', async () => {
    const n = 4000;
    const bodies = [
      `${'['.repeat(n)}"\\u0000"${']'.repeat(n)}`, // this one was a 500 (recursive walk of the parsed body)
      '['.repeat(n),
      `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`,
      `{"staffId":${'[{"b":'.repeat(n)}"\\ud800"${'}]'.repeat(n)},"password":"x"}`,
    ];
    for (const body of bodies) {
      const r = await anon().request('POST', '/api/auth/login', body);
      expect(r.status, body.slice(0, 20)).toBe(400);
      expect(((await r.json()) as Err).error.message).toBe('要求の本文の入れ子が深すぎます(配列・オブジェクトの入れ子は32段までです)');
    }
    const ok = await anon().request('POST', '/api/auth/login', `{"staffId":${'['.repeat(31)}1${']'.repeat(31)},"password":"x"}`);
    expect(ok.status).toBe(400);
    expect(((await ok.json()) as Err).error.message).not.toContain('入れ子');
  });

  it('an unpaired surrogate is refused by name of the rule, a proper pair (𠮷) is not', async () => {
    const lone = await anon().request('POST', '/api/auth/login', '{"password":"x","staffId":"\\ud842"}');
    expect(lone.status).toBe(400);
    expect(((await lone.json()) as Err).error.message).toContain('サロゲート');
    const pair = await anon().request('POST', '/api/auth/login', '{"password":"x","staffId":"\\ud842\\udfb7"}');
    expect(pair.status).not.toBe(500);
    expect(JSON.stringify(await pair.json())).not.toContain('サロゲート');
  });

  it('a My Number typed into a search box is searched for, but never written to the audit trail', async () => {
    const r = await clerk.request('GET', '/api/persons?name=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96%EF%BC%97%EF%BC%98%EF%BC%99%EF%BC%90%EF%BC%91%EF%BC%92');
    expect(r.status).toBe(200);
    const ev = await f.deps.database.db.selectFrom('audit_event').select(['detail']).where('action', '=', 'person.search').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(JSON.stringify(ev.detail)).not.toMatch(/\d{12}|１２３/);
    expect(JSON.stringify(ev.detail)).toContain('伏字');
  });

  it('an internal error is generic: a correlation id, no stack trace, no message of the cause; the log has the details', async () => {
    const persons = f.deps.persons;
    const original = persons.person.bind(persons);
    persons.person = async () => {
      throw new Error('boom: connection to 10.0.0.5 refused; SELECT * FROM person_my_number');
    };
    try {
      const r = await clerk.request('GET', `/api/persons/${FIXTURE.yamada.head}`);
      expect(r.status).toBe(500);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('content-security-policy')).toBe(CSP);
      const text = await r.text();
      const body = JSON.parse(text) as Err;
      expect(body.error.code).toBe('internal');
      expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.error.message).toContain(body.correlationId!);
      expect(body.error.message).toMatch(JAPANESE);
      for (const leak of ['boom', '10.0.0.5', 'SELECT', 'person_my_number', 'Error', '.ts:', 'node_modules']) expect(text).not.toContain(leak);
      const logged = f.logs.find((l) => l.includes(body.correlationId!));
      expect(logged).toBeDefined();
      expect(logged).toContain('boom');
    } finally {
      persons.person = original;
    }
    expect((await clerk.request('GET', `/api/persons/${FIXTURE.yamada.head}`)).status).toBe(200);
  });

  it('fails closed: when the session store cannot be read, nothing is served', async () => {
    const repo = f.deps.auth.repo;
    const original = repo.findSessionContext.bind(repo);
    repo.findSessionContext = async () => {
      throw new Error('database unavailable');
    };
    try {
      const r = await clerk.request('GET', `/api/persons/${FIXTURE.yamada.head}`);
      expect(r.status).toBe(500);
      const text = await r.text();
      expect(text).not.toContain('山田');
      expect(text).not.toContain('database unavailable');
    } finally {
      repo.findSessionContext = original;
    }
  });
});
