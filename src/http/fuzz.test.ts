import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createFixture, type Fixture, type Session } from '../testing/fixture.js';
import { DEMO_STAFF } from '../bootstrap.js';
import { loadOrganization } from '../modules/access/organization.js';
import { operatorActor } from '../security/actor.js';
import { accessKey, routeAccess } from './route.js';

/**
 * API fuzzing (security.md §6 "Robust parsing", §7.44): every OpenAPI operation gets a few hundred
 * generated bad requests from a staff member who HAS the permission, so the input handling — not the
 * guard — answers. Nothing may answer 5xx, a 400 must explain itself in Japanese, and no business row
 * may change (row counts and an md5 of every table's ordered rows, before = after).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
/** Logins cost an argon2id verification each; that operation gets fewer runs. */
const RUNS_EXPENSIVE = Math.max(20, Math.floor(RUNS / 3));
const EXPENSIVE = new Set(['POST /api/auth/login']);
/** The operations are fuzzed in this many tests (each with its own time limit). */
const BUCKETS = 6;

const BUSINESS_TABLES = ['person', 'household', 'household_member', 'income', 'nhi_eligibility', 'person_my_number', 'pending_change', 'staff', 'staff_role'] as const;
/** Wrong fuzzed codes count as failures by design: the staff row is compared without its login counters. */
const SNAPSHOT_COLUMNS: Partial<Record<(typeof BUSINESS_TABLES)[number], string>> = {
  staff: 'staff_id, display_name, office_code, password_hash, totp_secret_enc, activation_code_hash, disabled_at, disabled_reason',
};
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff01-\uff9f]/;

/** Who calls each operation: someone holding the permission (a demo user where one exists). */
const PREFERRED: Record<string, string> = {
  'person.read': 'kokuho01',
  'mynumber.write': 'kokuho01',
  'mynumber.read': 'kakari01',
  approval: 'kakari01',
  'dv.read': 'kakari01',
  audit: 'kansa01',
  'user.admin': 'admin01',
};

interface Operation {
  key: string; // METHOD /hono/:path
  method: string;
  path: string; // Hono syntax
  access: string;
  params: string[];
  queryKeys: string[];
  bodyKeys: string[] | null; // null: no JSON body
}

let f: Fixture;
const sessions = new Map<string, Session>();
let operations: Operation[] = [];
let before: Record<string, string>;

function shapeKeys(schema: unknown): string[] {
  const s = schema as { shape?: Record<string, unknown>; _zod?: { def?: { shape?: Record<string, unknown>; in?: unknown; schema?: unknown } } } | undefined;
  if (!s) return [];
  const shape = s.shape ?? s._zod?.def?.shape;
  if (shape) return Object.keys(shape);
  const inner = s._zod?.def?.in ?? s._zod?.def?.schema;
  return inner ? shapeKeys(inner) : [];
}

/** A session of someone holding the permission; creates a fuzz user when no demo user has it. */
async function sessionFor(access: string, key: string): Promise<Session | null> {
  if (access === 'public') return null;
  // Logout and step-up get a session of their own: the first logout ends it, and so do three wrong
  // step-up codes (the rest must answer 401).
  const own = key === 'POST /api/auth/logout' || key === 'POST /api/auth/step-up';
  const cacheKey = own ? key : access === 'authenticated' ? 'kokuho01' : access;
  const cached = sessions.get(cacheKey);
  if (cached) return cached;
  let s: Session;
  if (access === 'authenticated') s = await f.login('kokuho01');
  else {
    const demo = PREFERRED[access];
    if (demo) s = await f.login(demo);
    else {
      const role = loadOrganization(f.deps.permissions).roles.find((r) => (r.permissions as string[]).includes(access));
      // A permission no staff role holds belongs to a system client (住基連携).
      const system = role ? undefined : await f.systemSession();
      if (system) {
        if (!system.permissions.has(access)) throw new Error(`neither a role nor the system client holds ${access}`);
        sessions.set(cacheKey, system);
        return system;
      }
      if (!role) throw new Error(`no role grants ${access}`);
      const staffId = `fuzz_${access.replace(/\W/g, '_')}`.slice(0, 32);
      const password = 'Fuzz-Tester-Pass-2026!';
      const op = operatorActor('fuzz-setup', new Set(f.deps.permissions.all));
      const { totpSecret } = await f.deps.staff.createWithKnownCredentials({ staffId, displayName: 'ファズ 試験', officeCode: 'kokuho', password, roles: [role.code] }, op);
      s = await f.loginWith(staffId, password, totpSecret);
    }
  }
  sessions.set(cacheKey, s);
  return s;
}

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of BUSINESS_TABLES) {
    const r = await sql<{ n: number; h: string }>`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '' ORDER BY t::text), '')) AS h FROM (SELECT ${sql.raw(SNAPSHOT_COLUMNS[t] ?? '*')} FROM ${sql.table(t)}) t`.execute(f.deps.database.db);
    out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h}`;
  }
  return out;
}

// ---- generators ----

const NASTY = [
  '', ' ', '\u0000', 'a\u0000b', '%00', '../../etc/passwd', "' OR 1=1 --", '"; DROP TABLE person; --', '<script>alert(1)</script>', '${7*7}', '{{7*7}}',
  '９９９', 'ｱｲｳｴｵ', '𠮷野家', '髙﨑', 'e\u0301', '\u202e', '\ufeff', '\ud800', 'null', 'undefined', 'NaN', 'Infinity', '-Infinity', 'true', '[]', '{}',
  '-1', '0', '-0', '1.5', '1e309', '0x10', '99999999999999999999999', '9007199254740993', '123456789012', '１２３４５６７８９０１２', '2026-02-30', '令和99年1月1日',
  'R7.13.1', '=cmd|"/c calc"!A1', '@SUM(1)', 'a'.repeat(300),
];
const junkString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 70_000 }).map((n) => 'あ'.repeat(n)) },
);
const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: junkString },
  { weight: 1, arbitrary: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(junkString, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), junkString, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.constant('x'), { minLength: 1000, maxLength: 5000 }) },
);
const pathParam = fc.oneof(
  fc.constantFrom('0', '-1', '-100000001', '1.5', '1e5', '0x10', '99999999999999999999', '9999999999', '10000000000', 'null', '%2e%2e', '１００', 'abc', '\u0000', ' 1'),
  fc.integer({ min: -1e15, max: -1 }).map(String),
  fc.bigInt({ min: 10n ** 10n, max: 10n ** 40n }).map(String),
  junkString.filter((s) => s.length > 0 && s.length < 2000),
);
/**
 * Deep nesting (a recursive walk of it once gave a 500 at login): arrays, objects or both, around a
 * leaf that is harmless, unstorable (NUL, a lone surrogate) or unclosed, at the top or under a field.
 */
function deepJson(bodyKeys: string[]): fc.Arbitrary<string> {
  const leaf = fc.constantFrom('1', '"x"', '"\\u0000"', '"\\ud800"', 'null', '');
  const level = fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}'], ['[{"b":', '}]']);
  return fc
    .record({
      depth: fc.oneof(fc.integer({ min: 30, max: 40 }), fc.integer({ min: 1000, max: 20_000 })),
      levels: fc.array(level, { minLength: 1, maxLength: 3 }),
      leaf,
      closed: fc.boolean(),
      key: bodyKeys.length ? fc.option(fc.constantFrom(...bodyKeys)) : fc.constant(null),
    })
    .map(({ depth, levels, leaf, closed, key }) => {
      const open: string[] = [];
      const close: string[] = [];
      for (let i = 0; i < depth; i++) {
        const [o, c] = levels[i % levels.length]!;
        open.push(o);
        close.push(c);
      }
      const inner = `${open.join('')}${leaf}${closed ? close.reverse().join('') : ''}`;
      return key ? `{${JSON.stringify(key)}:${inner}}` : inner;
    });
}

const RAW_QUERY_JUNK = ['%', '%zz', '%E3%81', '&&&', '=', 'a=%', '%00=%00', 'page=1&page=2', 'a[b]=c', '\u3042=\u3044'];

/** Lone surrogates cannot be percent-encoded; a browser sends U+FFFD for them. */
const enc = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

interface Input {
  params: Record<string, string>;
  query: Record<string, string>;
  rawQuery: string | null;
  body: { kind: 'none' } | { kind: 'raw'; text: string; contentType: string | null };
}

function inputFor(op: Operation): fc.Arbitrary<Input> {
  const params = fc.record(Object.fromEntries(op.params.map((p) => [p, pathParam])) as Record<string, fc.Arbitrary<string>>);
  const keyArb = op.queryKeys.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...op.queryKeys) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }) : fc.string({ maxLength: 10 });
  const query = fc.dictionary(keyArb, junkString, { maxKeys: 6 });
  const rawQuery = fc.option(fc.constantFrom(...RAW_QUERY_JUNK), { freq: 5 });
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=shift_jis', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x') },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const fields = op.bodyKeys?.length
    ? fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...op.bodyKeys) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), junkValue, { maxKeys: op.bodyKeys.length + 2 })
    : fc.dictionary(fc.string({ maxLength: 12 }), junkValue, { maxKeys: 3 });
  const text = fc.oneof(
    { weight: 5, arbitrary: fields.map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) }, // not JSON at all
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":', '[', 'null', '"x"', '1', 'true', '{"__proto__":{"admin":true}}', '{"a":1,"a":2}', `${'['.repeat(5000)}${']'.repeat(5000)}`) },
    { weight: 1, arbitrary: fields.map((o) => JSON.stringify({ ...o, pad: 'x'.repeat(1_100_000) })) }, // over the 1 MB limit
    { weight: 2, arbitrary: deepJson(op.bodyKeys ?? []) },
  );
  const body: fc.Arbitrary<Input['body']> =
    op.method === 'GET' ? fc.constant({ kind: 'none' as const }) : fc.oneof({ weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) }, { weight: 6, arbitrary: fc.record({ kind: fc.constant('raw' as const), text, contentType }) });
  return fc.record({ params, query, rawQuery, body });
}

function urlOf(op: Operation, input: Input): string {
  const path = op.path.replace(/:(\w+)/g, (_, name: string) => enc(input.params[name] ?? ''));
  const q = Object.entries(input.query).map(([k, v]) => `${enc(k)}=${enc(v)}`);
  if (input.rawQuery) q.push(input.rawQuery);
  return q.length ? `${path}?${q.join('&')}` : path;
}

async function send(op: Operation, session: Session | null, input: Input): Promise<Response> {
  const headers: Record<string, string> = session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {};
  const init: RequestInit = { method: op.method, headers };
  if (input.body.kind === 'raw') {
    if (input.body.contentType) headers['content-type'] = input.body.contentType;
    init.body = input.body.text;
  }
  return f.app.request(urlOf(op, input), init);
}

beforeAll(async () => {
  f = await createFixture();
  operations = f.app.openAPIRegistry.definitions.flatMap((d) => {
    if (d.type !== 'route') return [];
    const r = d.route;
    const path = r.path.replace(/\{(\w+)\}/g, ':$1');
    const key = accessKey(r.method, path);
    const json = (r.request?.body?.content as Record<string, { schema?: unknown }> | undefined)?.['application/json'];
    return [
      {
        key,
        method: r.method.toUpperCase(),
        path,
        access: routeAccess.get(key) ?? 'public',
        params: [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!),
        queryKeys: shapeKeys(r.request?.query),
        bodyKeys: json ? shapeKeys(json.schema) : null,
      },
    ];
  });
  for (const op of operations) await sessionFor(op.access, op.key);
  // Demo users are reached through PREFERRED; make sure each demo user named there exists.
  for (const id of Object.values(PREFERRED)) expect(DEMO_STAFF.some((s) => s.staffId === id)).toBe(true);
  before = await snapshot();
});
afterAll(async () => f?.close());

describe('API fuzzing: bad input never breaks the server nor changes data', () => {
  it('has operations to fuzz', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const op of operations) if (op.access !== 'public' && op.access !== 'authenticated') expect(f.deps.permissions.isPermission(op.access), op.key).toBe(true);
  });

  // The operations in BUCKETS groups, each its own test with its own time limit: the routes grow with
  // every area, a single test over all of them would outgrow any limit.
  it.each(Array.from({ length: BUCKETS }, (_, i) => i))('every operation (group %i): < 500, Japanese 400s, (runs per operation from FUZZ_RUNS)', async (bucket) => {
    const seen: Record<string, Record<number, number>> = {};
    for (const op of operations.filter((_, i) => i % BUCKETS === bucket)) {
      const session = await sessionFor(op.access, op.key);
      const stats: Record<number, number> = (seen[op.key] = {});
      await fc.assert(
        fc.asyncProperty(inputFor(op), async (input) => {
          const r = await send(op, session, input);
          stats[r.status] = (stats[r.status] ?? 0) + 1;
          const text = await r.text();
          if (r.status >= 500) throw new Error(`${op.key} → ${r.status} ${text.slice(0, 300)} for ${urlOf(op, input).slice(0, 300)} body ${input.body.kind === 'raw' ? input.body.text.slice(0, 200) : '-'}`);
          if (r.status === 400) {
            const body = JSON.parse(text) as { error: { message: string; fields?: { field: string; message: string }[] } };
            const fieldsOk = !!body.error.fields?.length && body.error.fields.every((x) => JAPANESE.test(x.message));
            const names = (body.error.fields ?? []).map((x) => x.field);
            if (new Set(names).size !== names.length) throw new Error(`${op.key} → 400 with more than one message for a field: ${text.slice(0, 300)}`);
            if (!fieldsOk && !JAPANESE.test(body.error.message)) throw new Error(`${op.key} → 400 without a Japanese explanation: ${text.slice(0, 300)}`);
          }
        }),
        { numRuns: EXPENSIVE.has(op.key) ? RUNS_EXPENSIVE : RUNS },
      );
      // The fuzz must reach the input handling, not stop at the guard.
      expect(Object.keys(stats).some((s) => s !== '401' && s !== '403') || op.key === 'POST /api/auth/logout', `${op.key}: ${JSON.stringify(stats)}`).toBe(true);
    }
  }, 600_000); // 200 runs for each route of the group: minutes on a loaded 2-core machine

  it('changed no business row, and the audit chain is intact', async () => {
    expect(await snapshot()).toEqual(before);
    const v = await f.deps.audit.verify(f.deps.database.db);
    expect(v.problem).toBeUndefined();
  });
});
