import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { afterHoursSql, csvCell, csvDocument, isAfterHours } from './audit.search.js';

const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;
type Err = { error: { code: string; message: string; fields?: { field: string; label: string; message: string }[] } };
type Item = { seq: number; occurredAt: string; actorId: string; functionCode: string; action: string; subjects: number[]; outcome: string; detail: Record<string, unknown>; correlationId: string | null };
type Page = { total: number; page: number; pageSize: number; items: Item[] };

const jst = (s: string) => new Date(`${s}+09:00`);

describe('office hours rule (pure)', () => {
  it.each([
    ['2026-11-25T08:29:59', true], // Wednesday, before opening
    ['2026-11-25T08:30:00', false],
    ['2026-11-25T12:00:00', false],
    ['2026-11-25T17:14:59', false],
    ['2026-11-25T17:15:00', true], // closing time is outside
    ['2026-11-25T23:00:00', true],
    ['2026-11-28T12:00:00', true], // Saturday
    ['2026-11-29T12:00:00', true], // Sunday
    ['2026-11-23T12:00:00', true], // 勤労感謝の日 (Monday)
    ['2026-09-22T12:00:00', true], // 国民の休日
    ['2026-12-29T12:00:00', true], // 年末年始 (Tuesday)
    ['2027-01-04T12:00:00', false], // first working day
  ])('%s JST → after hours %s', (t, expected) => {
    expect(isAfterHours(jst(t))).toBe(expected);
  });
});

describe('CSV', () => {
  it('neutralises formula cells, quotes every cell and starts with a BOM', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe(`"'+1"`);
    expect(csvCell('-1+2')).toBe(`"'-1+2"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('\t=1')).toBe(`"'\t=1"`);
    expect(csvCell('a=b')).toBe('"a=b"');
    expect(csvCell(null)).toBe('""');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    const doc = csvDocument(['a', 'b'], [[1, 'x\r\ny']]);
    expect(doc.startsWith('\uFEFF"a","b"\r\n')).toBe(true);
    expect(doc).toBe('\uFEFF"a","b"\r\n"1","x\r\ny"\r\n');
  });
});

describe('audit screen API', () => {
  let f: Fixture;
  let auditor: Session;
  let clerk: Session;

  beforeAll(async () => {
    f = await createFixture();
    clerk = await f.login('kokuho01');
    auditor = await f.login('kansa01');
  });
  afterAll(async () => f?.close());

  it('the SQL after-hours filter agrees with the pure rule on random instants', async () => {
    const dates = fc.sample(fc.date({ min: new Date('2023-12-25T00:00:00Z'), max: new Date('2028-01-05T00:00:00Z'), noInvalidDate: true }), 2000);
    // Office-hour edges, exactly.
    for (const day of ['2026-11-25', '2026-11-27', '2026-12-28', '2027-01-04']) for (const t of ['08:29:59.999', '08:30:00', '17:14:59.999', '17:15:00']) dates.push(jst(`${day}T${t}`));
    const r = await sql<{ t: Date; after: boolean }>`SELECT t, ${afterHoursSql(sql<Date>`t`)} AS after FROM unnest(${dates.map((d) => d.toISOString())}::timestamptz[]) AS t`.execute(f.deps.database.db);
    expect(r.rows).toHaveLength(dates.length);
    const disagree = r.rows.filter((row) => row.after !== isAfterHours(new Date(row.t)));
    expect(disagree.map((d) => new Date(d.t).toISOString())).toEqual([]);
  });

  it('needs the audit permission (denied and audited for others)', async () => {
    const r = await clerk.request('GET', '/api/audit/events');
    expect(r.status).toBe(403);
    expect((await clerk.request('GET', '/api/audit/report')).status).toBe(403);
    const denied = await f.deps.database.db.selectFrom('audit_event').select(['actor_id', 'function_code', 'outcome']).where('outcome', '=', 'denied').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(denied).toEqual({ actor_id: 'kokuho01', function_code: 'audit', outcome: 'denied' });
  });

  it('filters by staff, 宛名番号, function, action, outcome and period; newest first; paged', async () => {
    await clerk.request('GET', `/api/persons/${FIXTURE.yamada.head}`);
    await clerk.request('GET', `/api/persons?kana=サトウ`);
    const byStaff = (await (await auditor.request('GET', '/api/audit/events?staffId=kokuho01')).json()) as Page;
    expect(byStaff.total).toBeGreaterThanOrEqual(4);
    expect(byStaff.items.every((i) => i.actorId === 'kokuho01' || i.detail.staffId === 'kokuho01' || i.detail.attemptedStaffId === 'kokuho01')).toBe(true);
    expect(byStaff.items.some((i) => i.action === 'login.totp')).toBe(true); // the anonymous login records name the staff ID
    const seqs = byStaff.items.map((i) => i.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);

    const byPerson = (await (await auditor.request('GET', `/api/audit/events?atenaNo=${FIXTURE.yamada.head}`)).json()) as Page;
    expect(byPerson.items.length).toBeGreaterThanOrEqual(1);
    expect(byPerson.items.every((i) => i.subjects.includes(FIXTURE.yamada.head))).toBe(true);

    const byFn = (await (await auditor.request('GET', '/api/audit/events?functionCode=person.read&action=person.search')).json()) as Page;
    expect(byFn.total).toBe(1);
    expect(byFn.items[0]).toMatchObject({ actorId: 'kokuho01', functionCode: 'person.read', action: 'person.search', outcome: 'success' });
    expect(byFn.items[0]!.detail).toMatchObject({ criteria: { kana: 'サトウ' } });

    const denied = (await (await auditor.request('GET', '/api/audit/events?outcome=denied')).json()) as Page;
    expect(denied.total).toBe(2);
    expect(denied.items.every((i) => i.outcome === 'denied')).toBe(true);

    const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
    const todayOnly = (await (await auditor.request('GET', `/api/audit/events?from=${today}&to=${today}&pageSize=2&page=2`)).json()) as Page;
    expect(todayOnly.total).toBeGreaterThan(4);
    expect(todayOnly.items).toHaveLength(2);
    expect(todayOnly.page).toBe(2);
    const wareki = await auditor.request('GET', '/api/audit/events?from=令和元年5月1日');
    expect(wareki.status).toBe(200);
    const none = (await (await auditor.request('GET', '/api/audit/events?to=2020-01-01')).json()) as Page;
    expect(none.total).toBe(0);
    const instant = (await (await auditor.request('GET', `/api/audit/events?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).json()) as Page;
    expect(instant.total).toBe(0);
  });

  it('finds after-hours operations and bulk reads', async () => {
    const op = operatorActor('test', new Set());
    const db = f.deps.database.db;
    const at = async (t: string, detail: Record<string, unknown> = {}, subjects: number[] = [], functionCode = 'test.hours') => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(jst(t));
      try {
        await f.deps.audit.appendAlone(db, op, { functionCode, action: `at ${t}`, detail, subjects });
      } finally {
        vi.useRealTimers();
      }
    };
    await at('2026-11-25T10:00:00'); // weekday, in hours
    await at('2026-11-25T19:30:00'); // weekday evening
    await at('2026-11-28T10:00:00'); // Saturday
    await at('2026-11-23T10:00:00'); // holiday
    await at('2026-11-26T07:59:00'); // early morning
    const r = (await (await auditor.request('GET', '/api/audit/events?functionCode=test.hours&afterHours=true')).json()) as Page;
    expect(r.items.map((i) => i.action).sort()).toEqual(['at 2026-11-23T10:00:00', 'at 2026-11-25T19:30:00', 'at 2026-11-26T07:59:00', 'at 2026-11-28T10:00:00']);
    const all = (await (await auditor.request('GET', '/api/audit/events?functionCode=test.hours&afterHours=false')).json()) as Page;
    expect(all.total).toBe(5);

    const subjects = Array.from({ length: 51 }, (_, i) => 100000001 + i);
    await f.deps.audit.appendAlone(db, op, { functionCode: 'person.read', action: 'person.search', detail: { total: 150 } });
    await f.deps.audit.appendAlone(db, op, { functionCode: 'person.read', action: 'person.search', detail: { total: 99 } });
    await f.deps.audit.appendAlone(db, op, { functionCode: 'person.read', action: 'person.print', subjects });
    await f.deps.audit.appendAlone(db, op, { functionCode: 'person.read', action: 'person.print', subjects: subjects.slice(0, 50) });
    await f.deps.audit.appendAlone(db, op, { functionCode: 'person.read', action: 'person.search', detail: { total: 'many' } });
    const bulk = (await (await auditor.request('GET', `/api/audit/events?bulk=true&staffId=${encodeURIComponent(op.id.slice(0, 32))}`)).json()) as Page;
    expect(bulk.total).toBe(0); // operator ids are longer than a staff ID: the filter is exact
    const bulkAll = (await (await auditor.request('GET', '/api/audit/events?bulk=true')).json()) as Page;
    expect(bulkAll.items.map((i) => [i.action, i.detail.total ?? i.subjects.length])).toEqual([
      ['person.print', 51],
      ['person.search', 150],
    ]);
  });

  it('answers bad filters with 400 naming the field in Japanese', async () => {
    const cases: [string, string][] = [
      ['atenaNo=abc', 'atenaNo'],
      ['atenaNo=0', 'atenaNo'],
      ['from=2026-02-30', 'from'],
      ['to=yesterday', 'to'],
      ['from=2026-12-01&to=2026-11-01', 'to'],
      ['outcome=ok', 'outcome'],
      ['afterHours=yes', 'afterHours'],
      ['bulk=2', 'bulk'],
      ['page=0', 'page'],
      ['pageSize=1000', 'pageSize'],
      ['staffId=123456789012', 'staffId'],
      [`functionCode=${encodeURIComponent('person.read; DROP TABLE x')}`, 'functionCode'],
      [`action=${'x'.repeat(200)}`, 'action'],
    ];
    for (const [q, field] of cases) {
      const r = await auditor.request('GET', `/api/audit/events?${q}`);
      expect(r.status, q).toBe(400);
      const e = (await r.json()) as Err;
      expect(e.error.fields?.map((x) => x.field), q).toContain(field);
      expect(e.error.fields?.find((x) => x.field === field)?.message, q).toMatch(JAPANESE);
      expect((await auditor.request('GET', `/api/audit/report?${q.replace(/&?page(Size)?=\d+/, '')}`)).status, `report ${q}`).toBe(q.startsWith('page') ? 200 : 400);
    }
  });

  it('records every search of the trail under function "audit"', async () => {
    const before = await f.deps.database.db.selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'audit.search').executeTakeFirstOrThrow();
    const r = await auditor.request('GET', `/api/audit/events?staffId=kokuho01&atenaNo=${FIXTURE.yamada.head}&afterHours=true`);
    expect(r.status).toBe(200);
    const total = ((await r.json()) as Page).total;
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'audit.search').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ actor_id: 'kansa01', function_code: 'audit', outcome: 'success' });
    expect(ev.detail).toMatchObject({ filters: { staffId: 'kokuho01', atenaNo: FIXTURE.yamada.head, afterHours: true }, total, page: 1 });
    const after = await f.deps.database.db.selectFrom('audit_event').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'audit.search').executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n) + 1);
  });

  it('exports the same search as an injection-safe CSV with BOM, and audits the export with its SHA-256', async () => {
    // A hostile terminal id lands in the trail (it is request data) and must not become a formula.
    const evil = await f.login('kokuho01');
    await evil.request('GET', '/api/persons?kana=ヤマダ', undefined, { 'x-terminal-id': '=HYPERLINK("http://evil.example/","x")' });
    const r = await auditor.request('GET', '/api/audit/report?staffId=kokuho01&functionCode=person.read');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-report-\d{8}-\d{6}\.csv"$/);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const bytes = new Uint8Array(await r.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const lines = text.slice(1).split('\r\n').filter(Boolean);
    expect(lines[0]).toContain('"通番","日時(日本時間)"');
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/"",""x"")"`);
    expect(text).not.toMatch(/(^|,)"[=+@-]/m);
    const api = (await (await auditor.request('GET', '/api/audit/events?staffId=kokuho01&functionCode=person.read&pageSize=200')).json()) as Page;
    expect(lines.length - 1).toBe(api.total);

    const digest = createHash('sha256').update(bytes).digest();
    expect(r.headers.get('repr-digest')).toBe(`sha-256=:${digest.toString('base64')}:`);
    const ev = await f.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'audit.report').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ actor_id: 'kansa01', function_code: 'audit', outcome: 'success' });
    expect(ev.detail).toMatchObject({ sha256: digest.toString('hex'), rows: api.total, bytes: bytes.length, filters: { staffId: 'kokuho01', functionCode: 'person.read' } });
  });

  it('leaves the chain intact', async () => {
    const v = await f.deps.audit.verify(f.deps.database.db);
    expect(v.problem).toBeUndefined();
    expect(v.ok).toBe(true);
  });
});

describe('POST /api/audit/verify', () => {
  it('lets an auditor run the chain verification from the screen, and records that it ran', async () => {
    const g = await createFixture();
    try {
      const kansa = await g.login('kansa01');
      const r = await kansa.request('POST', '/api/audit/verify');
      expect(r.status).toBe(200);
      const body = (await r.json()) as { ok: boolean; records: number };
      expect(body.ok).toBe(true);
      expect(body.records).toBeGreaterThan(0);
      const ev = await g.deps.database.db.selectFrom('audit_event').selectAll().where('action', '=', 'audit.verify').executeTakeFirstOrThrow();
      expect(ev.actor_id).toBe('kansa01');
      const kokuho = await g.login('kokuho01');
      expect((await kokuho.request('POST', '/api/audit/verify')).status).toBe(403);
    } finally {
      await g.close();
    }
  });
});
