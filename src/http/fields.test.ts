import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createFixture, FIXTURE, type Fixture, type Session } from '../testing/fixture.js';
import { FIELD_LABELS } from './errors.js';
import { accessKey, routeAccess } from './route.js';

/**
 * What a clerk reads when a field is mistyped: every path, query and body parameter of every route,
 * given arbitrary text, answers 4xx (never 5xx), with at most ONE message per field, each beginning with
 * the field's Japanese label. Numeric parameters (integer in the OpenAPI document) answer 400 or 404.
 */

const RUNS = Number(process.env.FIELD_RUNS ?? 20);
/** A demo user holding each permission (the check must reach validation, not stop at the guard). */
const USER: Record<string, string> = {
  authenticated: 'kokuho01',
  'person.read': 'kokuho01',
  'eligibility.update': 'kokuho01',
  'mynumber.write': 'kokuho01',
  'mynumber.read': 'kakari01',
  approval: 'kakari01',
  audit: 'kansa01',
  'user.admin': 'admin01',
};
/** Routes whose handler ends the session or needs a login in progress: not for this check. */
const SKIP = new Set(['POST /api/auth/logout', 'POST /api/auth/login', 'POST /api/auth/totp', 'POST /api/auth/webauthn/options', 'POST /api/auth/webauthn/verify']);

interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
}
interface Param {
  in: 'path' | 'query';
  name: string;
  schema: Schema;
}
interface Operation {
  key: string;
  method: string;
  path: string; // OpenAPI syntax
  access: string;
  params: Param[];
  body: Record<string, Schema>;
}

let f: Fixture;
let ops: Operation[] = [];
const sessions = new Map<string, Session>();

const numericText = fc.oneof(
  fc.constantFrom('', ' ', '0', '-0', '-1', '1.5', '1e3', '0x10', '+1', ' 1', '1 ', '１２３', 'NaN', 'Infinity', '9007199254740993', '12345678901234567890123', '00000000001', '1,000'),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ maxLength: 30 }),
);
const dateText = fc.oneof(
  fc.constantFrom('2026-02-30', '2026-13-01', '2026-4-1', '20260230', '令和8年2月30日', '平成31年5月1日', '2026-02-28T25:00:00+09:00', '9999-99-99', '0000-00-00', '2026/02/30', ''),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 30 }),
);
const anyText = fc.oneof(numericText, dateText, fc.string({ unit: 'grapheme', maxLength: 50 }));

const enc = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'));

function urlOf(op: Operation, values: Record<string, string>): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => enc(values[name] ?? '1'));
  const q = op.params.filter((p) => p.in === 'query' && values[p.name] !== undefined).map((p) => `${enc(p.name)}=${enc(values[p.name]!)}`);
  return q.length ? `${path}?${q.join('&')}` : path;
}

/** The 400's field list: unique field names, each message prefixed with its label. */
function checkFields(key: string, status: number, text: string): void {
  if (status >= 500) throw new Error(`${key} → ${status}: ${text.slice(0, 300)}`);
  if (status !== 400) return;
  const body = JSON.parse(text) as { error: { fields?: { field: string; label: string; message: string }[] } };
  const fields = body.error.fields ?? [];
  const names = fields.map((x) => x.field);
  if (new Set(names).size !== names.length) throw new Error(`${key}: more than one message for a field: ${text.slice(0, 400)}`);
  for (const x of fields) {
    const top = x.field.split('.')[0]!;
    if (top in FIELD_LABELS && x.label !== FIELD_LABELS[top]) throw new Error(`${key}: ${x.field} labelled ${x.label}`);
    if (!x.message.startsWith(`${x.label}: `)) throw new Error(`${key}: message does not name the field: ${x.message}`);
  }
}

beforeAll(async () => {
  f = await createFixture();
  const doc = f.app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'test', version: '1' } }) as unknown as {
    paths: Record<string, Record<string, { parameters?: Param[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  };
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      const key = accessKey(method, path.replace(/\{(\w+)\}/g, ':$1'));
      if (SKIP.has(key)) continue;
      ops.push({ key, method: method.toUpperCase(), path, access: routeAccess.get(key) ?? 'public', params: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema?.properties ?? {} });
    }
  ops = ops.filter((o) => o.access in USER);
  for (const id of new Set(ops.map((o) => USER[o.access]!))) sessions.set(id, await f.login(id));
});
afterAll(async () => f?.close());

const sessionOf = (op: Operation) => sessions.get(USER[op.access]!)!;
const isNumeric = (s: Schema) => s.type === 'integer' || s.type === 'number';

describe('one clear message per field', () => {
  it('covers the numeric parameters of every record route', () => {
    const numeric = ops.flatMap((o) => o.params.filter((p) => isNumeric(p.schema)).map((p) => `${o.key} ${p.name}`));
    for (const want of ['GET /api/persons/:atenaNo atenaNo', 'GET /api/households/:householdNo householdNo', 'POST /api/approvals/:changeId/approve changeId', 'POST /api/eligibility/:eligibilityId/loss eligibilityId', 'GET /api/persons page', 'GET /api/audit/events atenaNo'])
      expect(numeric).toContain(want);
  });

  it('a 23-digit 宛名番号 is one message naming the field and the rule, in the path and in the query', async () => {
    const s = sessions.get('kokuho01')!;
    for (const url of ['/api/persons/12345678901234567890123', `/api/persons?atenaNo=12345678901234567890123`, '/api/persons/12345678901234567890123/eligibility']) {
      const r = await s.request('GET', url);
      expect(r.status, url).toBe(400);
      const body = (await r.json()) as { error: { message: string; fields: { field: string; message: string }[] } };
      expect(body.error.fields, url).toEqual([{ field: 'atenaNo', label: '宛名番号', message: '宛名番号: 1〜10桁の数字で入力してください' }]);
      expect(body.error.message.split('宛名番号').length - 1, url).toBe(1);
    }
  });

  it('numeric path and query parameters: arbitrary text answers 400 or 404 (2xx only for a valid number), one message per field', async () => {
    for (const op of ops)
      for (const p of op.params.filter((x) => isNumeric(x.schema))) {
        await fc.assert(
          fc.asyncProperty(numericText, async (v) => {
            const values = { [p.name]: v };
            const r = await sessionOf(op).request(op.method, urlOf(op, values), op.method === 'GET' ? undefined : {});
            const text = await r.text();
            checkFields(`${op.key} ${p.name}=${JSON.stringify(v)}`, r.status, text);
            const valid = /^\d{1,15}$/.test(v) && Number(v) >= 1;
            if (!valid && ![400, 404].includes(r.status)) throw new Error(`${op.key} ${p.name}=${JSON.stringify(v)} → ${r.status} ${text.slice(0, 200)}`);
            if (!valid && r.status === 400 && !text.includes(`"field":"${p.name}"`)) throw new Error(`${op.key} ${p.name}=${JSON.stringify(v)}: 400 without naming ${p.name}`);
          }),
          { numRuns: RUNS },
        );
      }
  });

  it('every other path and query parameter: arbitrary text never answers 5xx, one message per field', async () => {
    for (const op of ops)
      for (const p of op.params.filter((x) => !isNumeric(x.schema))) {
        await fc.assert(
          fc.asyncProperty(anyText, async (v) => {
            const values = { [p.name]: v, ...(p.in === 'query' ? { atenaNo: String(FIXTURE.yamada.head) } : {}) };
            const r = await sessionOf(op).request(op.method, urlOf(op, values), op.method === 'GET' ? undefined : {});
            checkFields(`${op.key} ${p.name}=${JSON.stringify(v)}`, r.status, await r.text());
          }),
          { numRuns: Math.ceil(RUNS / 2) },
        );
      }
  });

  it('numeric and date fields of JSON bodies: arbitrary values answer 4xx with one message per field', async () => {
    const value = fc.oneof(numericText, dateText, fc.double(), fc.integer(), fc.constant(null), fc.boolean());
    for (const op of ops)
      for (const name of Object.keys(op.body).filter((n) => isNumeric(op.body[n]!) || op.body[n]!.format === 'date')) {
        await fc.assert(
          fc.asyncProperty(value, async (v) => {
            const r = await sessionOf(op).request(op.method, urlOf(op, { atenaNo: String(FIXTURE.yamada.head), eligibilityId: '1' }), { [name]: v });
            const text = await r.text();
            checkFields(`${op.key} ${name}=${JSON.stringify(v)}`, r.status, text);
          }),
          { numRuns: RUNS },
        );
      }
  });

  it('an impossible date (2026-02-30) is one message naming the field and the form', async () => {
    const s = sessions.get('kokuho01')!;
    const r = await s.request('POST', `/api/persons/${FIXTURE.sato.head}/eligibility`, { householdNo: FIXTURE.sato.household, acquiredOn: '2026-02-30', acquisitionReason: 'moved_in', reportedOn: '2026-02-30x' });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { fields: { field: string; message: string }[] } };
    expect(body.error.fields.map((x) => x.message)).toEqual(['資格取得日: YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-04-01)', '届出日: YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-04-01)']);
  });
});
