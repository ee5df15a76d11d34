import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createFixture, FIXTURE, type Fixture, type Session } from '../testing/fixture.js';
import { forgetRoute, requiresAuditRecord, routeGuards, type RouteGuard } from './route.js';
import { fakeMyNumber } from '../lib/mynumber.js';
import { operatorActor } from '../security/actor.js';

/**
 * The use-case choke point, proven over every route: each business route is driven with a valid
 * request by a staff member who holds its permission, and every answer must have left an audit
 * record with the request's correlation id naming the route's subject. A new business route fails
 * here until it has a sample request below (and it cannot answer without an audit record anyway:
 * the route guard turns such an answer into a 500).
 */

const F = FIXTURE;
let f: Fixture;
let sessions = new Map<string, { session: Session; permissions: Set<string> }>();

/** A valid request per business route (in run order: later ones may use what earlier ones made). */
type Sample = { path: string; body?: unknown; subjects?: number[]; status?: number[]; as?: string };
const pendingIds: number[] = [];
/** Who entered each change the samples made (its requester alone may withdraw it). */
const requesterOf = new Map<number, string>();
/** A 修学中の特例 period made in beforeAll, for the sample that ends one. */
let studentStatusId = 0;
/** A stored 本算定 version (made in beforeAll), for the sample that prints its notice. */
let decidedExemptionId = 0;
let noticeId = 0;
const SAMPLES: Record<string, () => Sample> = {
  'GET /api/persons': () => ({ path: `/api/persons?kana=${encodeURIComponent('ヤマダ')}`, subjects: [F.yamada.head, F.yamada.wife] }),
  'GET /api/persons/:atenaNo': () => ({ path: `/api/persons/${F.yamada.head}`, subjects: [F.yamada.head] }),
  'GET /api/households/:householdNo': () => ({ path: `/api/households/${F.yamada.household}`, subjects: [F.yamada.head, F.yamada.child] }),
  'GET /api/persons/:atenaNo/eligibility': () => ({ path: `/api/persons/${F.yamada.wife}/eligibility`, subjects: [F.yamada.wife] }),
  'POST /api/persons/:atenaNo/eligibility/check': () => ({ path: `/api/persons/${F.sato.head}/eligibility/check`, body: { householdNo: F.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' }, subjects: [F.sato.head] }),
  'POST /api/eligibility/:eligibilityId/loss/check': () => ({ path: `/api/eligibility/1/loss/check`, body: { lostOn: '2026-04-01', lossReason: 'moved_out' }, subjects: [F.yamada.head] }),
  'POST /api/persons/:atenaNo/eligibility': () => ({ path: `/api/persons/${F.sato.head}/eligibility`, body: { householdNo: F.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' }, subjects: [F.sato.head] }),
  'POST /api/eligibility/:eligibilityId/loss': () => ({ path: `/api/eligibility/1/loss`, body: { lostOn: '2026-04-01', lossReason: 'moved_out' }, subjects: [F.yamada.head] }),
  'POST /api/eligibility/:eligibilityId/correct/check': () => ({ path: `/api/eligibility/2/correct/check`, body: { acquiredOn: '2010-04-02' }, subjects: [F.yamada.wife] }),
  'POST /api/eligibility/:eligibilityId/correct': () => ({ path: `/api/eligibility/2/correct`, body: { acquiredOn: '2010-04-02' }, subjects: [F.yamada.wife] }),
  'POST /api/eligibility/:eligibilityId/delete': () => ({ path: `/api/eligibility/3/delete`, body: { reason: '二重登録のため' }, subjects: [F.yamada.child] }),
  'GET /api/households/:householdNo/nhi': () => ({ path: `/api/households/${F.sato.household}/nhi?asOf=2026-04-01`, subjects: [F.sato.head, F.sato.mother] }),
  'POST /api/persons/:atenaNo/nhi-household-status': () => ({
    path: `/api/persons/${F.sato.mother}/nhi-household-status`,
    body: { kind: 'head_by_application', householdNo: F.sato.household, validFrom: '2026-05-01' },
    subjects: [F.sato.mother],
  }),
  'POST /api/nhi-household-status/:statusId/end': () => ({ path: `/api/nhi-household-status/${studentStatusId}/end`, body: { validTo: '2026-09-01' }, subjects: [F.yamada.child] }),
  'GET /api/persons/:atenaNo/certificates': () => ({ path: `/api/persons/${F.yamada.child}/certificates?asOf=2026-11-30`, subjects: [F.yamada.child] }),
  'POST /api/persons/:atenaNo/certificates': () => ({
    path: `/api/persons/${F.suzuki.person}/certificates`,
    body: { kind: 'qualification_certificate', issuedOn: '2026-11-30', reason: 'acquisition', method: 'counter' },
    subjects: [F.suzuki.person],
  }),
  'GET /api/certificates/:certificateId/pdf': () => ({ path: '/api/certificates/1/pdf', subjects: [F.suzuki.person] }),
  'POST /api/certificates/:certificateId/recover': () => ({ path: '/api/certificates/1/recover', body: { recoveredOn: '2026-11-30', reason: 'other', method: 'counter' }, subjects: [F.suzuki.person] }),
  'GET /api/persons/:atenaNo/my-number': () => ({ path: `/api/persons/${F.yamada.head}/my-number`, subjects: [F.yamada.head] }),
  'POST /api/persons/:atenaNo/my-number': () => ({ path: `/api/persons/${F.yamada.head}/my-number`, body: { myNumber: fakeMyNumber(4242), jimu: 'nhi.eligibility' }, subjects: [F.yamada.head] }),
  'POST /api/persons/:atenaNo/my-number/delete': () => ({ path: `/api/persons/${F.sato.mother}/my-number/delete`, body: { reason: '誤登録のため', jimu: 'nhi.eligibility' }, subjects: [F.sato.mother], status: [404, 409, 422] }),
  'POST /api/persons/:atenaNo/my-number/reveal': () => ({ path: `/api/persons/${F.yamada.wife}/my-number/reveal`, body: { jimu: 'nhi.eligibility', purpose: '資格確認のため' }, subjects: [F.yamada.wife], status: [404, 409] }),
  'POST /api/my-number/lookup': () => ({ path: '/api/my-number/lookup', body: { myNumber: fakeMyNumber(777), jimu: 'nhi.eligibility' } }),
  'POST /api/registry/events': () => ({
    path: '/api/registry/events',
    body: { events: [{ event_id: 'COV-1', event_code: '31', occurred_on: '2026-11-01', atena_no: String(F.tanaka.person), area_code: '0101', banchi: '2-2' }] },
    subjects: [F.tanaka.person],
  }),
  'GET /api/work-items': () => ({ path: '/api/work-items?status=open' }),
  'POST /api/calc/installments': () => ({ path: '/api/calc/installments', body: { fiscalYear: 2025, annualTax: 185_900, ordinary: true } }),
  'POST /api/calc/tax/pdf': () => ({ path: '/api/calc/tax/pdf', body: { fiscalYear: 2025, members: [{ head: true, insured: true, age: 45, income: { salaryRevenue: 4_000_000 } }] } }),
  'POST /api/calc/tax': () => ({ path: '/api/calc/tax', body: { fiscalYear: 2025, members: [{ head: true, insured: true, age: 45, income: { salaryRevenue: 4_000_000 } }] } }),
  'GET /api/persons/:atenaNo/income-returns': () => ({ path: `/api/persons/${F.yamada.head}/income-returns`, subjects: [F.yamada.head] }),
  'POST /api/persons/:atenaNo/income-returns': () => ({
    path: `/api/persons/${F.yamada.wife}/income-returns`,
    body: { fiscalYear: 2026, declaredOn: '2026-06-15', salaryRevenue: 900_000, familyEmployeeSalary: 0, pensionRevenue: 0, businessRevenue: 0, businessIncome: 0, realEstateRevenue: 0, realEstateIncome: 0, dividendIncome: 0, miscIncome: 0, separateCapitalGains: 0, otherIncome: 0 },
    subjects: [F.yamada.wife],
  }),
  'GET /api/persons/:atenaNo/perinatal': () => ({ path: `/api/persons/${F.yamada.wife}/perinatal`, subjects: [F.yamada.wife] }),
  'POST /api/persons/:atenaNo/perinatal': () => ({ path: `/api/persons/${F.yamada.wife}/perinatal`, body: { birthMonth: '2026-10', multiple: false, born: true, reportedOn: '2026-11-01' }, subjects: [F.yamada.wife] }),
  'POST /api/perinatal/:notificationId/withdraw': () => ({ path: '/api/perinatal/1/withdraw', body: { reason: '届出の誤り' }, subjects: [F.yamada.wife] }), // the one the sample above recorded
  'GET /api/persons/:atenaNo/unemployment': () => ({ path: `/api/persons/${F.yamada.wife}/unemployment`, subjects: [F.yamada.wife] }),
  'POST /api/persons/:atenaNo/unemployment': () => ({ path: `/api/persons/${F.yamada.wife}/unemployment`, body: { separatedOn: '2026-09-30', reasonCode: '11', reportedOn: '2026-11-01' }, subjects: [F.yamada.wife] }),
  'POST /api/unemployment/:notificationId/withdraw': () => ({ path: '/api/unemployment/1/withdraw', body: { reason: '届出の誤り' }, subjects: [F.yamada.wife] }), // the one the sample above recorded
  'GET /api/households/:householdNo/exemptions': () => ({ path: `/api/households/${F.suzuki.household}/exemptions`, subjects: [F.suzuki.person] }),
  // A 減免 of FY2025 (the 本算定 of beforeAll) applied for on 2025-10-15: held for approval (left pending here).
  'POST /api/households/:householdNo/exemptions': () => ({ path: `/api/households/${F.suzuki.household}/exemptions`, body: { fiscalYear: 2025, exemptionReason: 'disaster', exemptionRate: '0.5', appliedOn: '2025-10-15' }, subjects: [F.suzuki.person] }),
  'POST /api/exemptions/:exemptionId/cancel': () => ({ path: `/api/exemptions/${decidedExemptionId}/cancel`, body: { reason: '事由の誤り' }, subjects: [F.yamada.head] }),
  'POST /api/work-items/:workItemId/resolve': () => ({ path: '/api/work-items/999999/resolve', body: { status: 'done' }, status: [404] }),
  'GET /api/approvals': () => ({ path: '/api/approvals?status=pending' }),
  'POST /api/approvals/:changeId/approve': () => ({ path: `/api/approvals/${pendingIds.shift()}/approve`, body: {} }),
  'POST /api/approvals/:changeId/reject': () => ({ path: `/api/approvals/${pendingIds.shift()}/reject`, body: { note: '書類不備のため' } }),
  'GET /api/approvals/mine': () => ({ path: '/api/approvals/mine?status=pending', as: requesterOf.get(pendingIds[0]!)!, subjects: [F.yamada.child] }),
  'POST /api/approvals/:changeId/withdraw': () => {
    const id = pendingIds.shift()!;
    return { path: `/api/approvals/${id}/withdraw`, body: { note: '入力誤りのため' }, as: requesterOf.get(id)! };
  },
  'GET /api/audit/events': () => ({ path: '/api/audit/events' }),
  'GET /api/audit/report': () => ({ path: '/api/audit/report' }),
  'POST /api/audit/verify': () => ({ path: '/api/audit/verify', body: {} }),
  'GET /api/admin/staff': () => ({ path: '/api/admin/staff' }),
  'POST /api/admin/staff': () => ({ path: '/api/admin/staff', body: { staffId: 'newbie01', displayName: '新人 五郎', officeCode: 'kokuho', roles: [] } }),
  'POST /api/admin/staff/:staffId/roles': () => ({ path: '/api/admin/staff/shisho01/roles', body: { roleCode: 'auditor' } }),
  'POST /api/admin/staff/:staffId/roles/:roleCode/revoke': () => ({ path: '/api/admin/staff/kokuho01/roles/kokuho_staff/revoke' }),
  'POST /api/admin/staff/:staffId/unlock': () => ({ path: '/api/admin/staff/nozei01/unlock', body: {} }),
  'POST /api/admin/staff/:staffId/reset': () => ({ path: '/api/admin/staff/shisho01/reset', body: {} }),
  'POST /api/admin/staff/:staffId/disable': () => ({ path: '/api/admin/staff/shisho01/disable', body: { reason: '退職' } }),
  'GET /api/admin/access-review': () => ({ path: '/api/admin/access-review?since=2026-04-01' }),
  // 賦課: driven by the 係長 (kokuho01 lost its role in a sample above).
  'GET /api/assessment/runs': () => ({ path: '/api/assessment/runs', as: 'kakari01' }),
  'GET /api/assessment/runs/:runId': () => ({ path: `/api/assessment/runs/${annualRunId}`, as: 'kakari01' }),
  'POST /api/assessment/households/:householdNo/reassess': () => ({ path: `/api/assessment/households/${F.suzuki.household}/reassess`, body: { fiscalYear: 2025, cause: '所得の修正' }, subjects: [F.suzuki.person], as: 'kakari01' }),
  'GET /api/assessment/versions/:assessmentId/notice': () => ({ path: `/api/assessment/versions/${noticeId}/notice`, subjects: [F.suzuki.person], as: 'kakari01' }),
  'GET /api/assessment/households/:householdNo': () => ({ path: `/api/assessment/households/${F.sato.household}?fiscalYear=2025`, subjects: [F.sato.mother], as: 'kakari01' }),
  'POST /api/assessment/simulate': () => ({ path: '/api/assessment/simulate', body: { fiscalYear: 2026, municipality: { parts: { medical: { incomeRate: '0.08', perCapita: 40000 } } } }, as: 'kakari01' }),
  'POST /api/assessment/runs/:runId/release': () => ({ path: `/api/assessment/runs/${annualRunId}/release`, as: 'kakari01' }),
  'GET /api/households/:householdNo/account-transfer': () => ({ path: `/api/households/${F.yamada.household}/account-transfer`, subjects: [F.yamada.head], as: 'kakari01' }),
  'POST /api/households/:householdNo/account-transfer': () => ({ path: `/api/households/${F.yamada.household}/account-transfer`, body: { requestedOn: '2025-10-01' }, subjects: [F.yamada.head], as: 'kakari01' }),
  'POST /api/account-transfer/:requestId/withdraw': () => ({ path: '/api/account-transfer/1/withdraw', body: { reason: '申出の誤り' }, subjects: [F.yamada.head], as: 'kakari01' }), // the one the sample above recorded
};
/** A 本算定 run made in beforeAll, for the review and release samples. */
let annualRunId = '';

beforeAll(async () => {
  f = await createFixture();
  sessions = await f.loginAll();
  studentStatusId = await f.deps.database.db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', 'operator:test-batch', true)`.execute(tx);
    const r = await tx
      .insertInto('nhi_household_status')
      .values({ atena_no: F.yamada.child, household_no: F.yamada.household, kind: 'student_exception', valid_from: '2026-04-01', school_name: '大学', updated_by: 'operator:test-batch' })
      .returning('status_id')
      .executeTakeFirstOrThrow();
    return Number(r.status_id);
  });
  annualRunId = (await f.deps.assessments.runAnnual(operatorActor('assessment-run', new Set(['assessment.run'])), 2025)).runId;
  noticeId = Number((await f.deps.database.db.selectFrom('assessment').select('assessment_id').where('household_no', '=', F.suzuki.household).where('fiscal_year', '=', 2025).executeTakeFirstOrThrow()).assessment_id);
  // A 減免 decided earlier for the Yamadas (as an approval would store it), for the 取消し sample.
  decidedExemptionId = await f.deps.database.db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', 'operator:test-batch', true)`.execute(tx);
    const a = await tx.selectFrom('assessment').select(['assessment_id', 'version']).where('household_no', '=', F.yamada.household).where('fiscal_year', '=', 2025).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
    const r = await tx
      .insertInto('tax_exemption')
      .values({ household_no: F.yamada.household, fiscal_year: 2025, reason_code: 'detention', fixed_amount_yen: 1000, applied_on: '2025-10-15', base_yen: 1000, exemption_yen: 1000, assessment_id: a.assessment_id, assessment_version: a.version, requested_by: 'staff:kokuho01', decided_by: 'staff:kakari01' })
      .returning('exemption_id')
      .executeTakeFirstOrThrow();
    return Number(r.exemption_id);
  });
});
afterAll(async () => f?.close());

function businessRoutes(): [string, RouteGuard][] {
  return [...routeGuards.entries()].filter(([, g]) => requiresAuditRecord(g));
}

async function stepUp(s: Session) {
  const r = await s.request('POST', '/api/auth/step-up', { code: await f.totpCode(s.staffId) });
  expect(r.status).toBeLessThan(300);
}

describe('every business route answers only with an audit record naming its subjects', () => {
  it('has a sample request for every business route', () => {
    const missing = businessRoutes().map(([k]) => k).filter((k) => !SAMPLES[k]);
    expect(missing, `add a sample request for: ${missing.join(', ')}`).toEqual([]);
  });

  it('drives each route as a permitted staff member; each answer left its record', async () => {
    const routes = new Map(businessRoutes());
    let successes = 0;
    let expectedRefusals = 0;
    for (const [key, sample] of Object.entries(SAMPLES)) {
      const guard = routes.get(key);
      if (!guard) continue; // a sample for a route that no longer exists: reported by the next test
      const [method] = key.split(' ') as [string, string];
      // The clerk enters, the supervisor decides: pick a holder of the permission, preferring kokuho01.
      const needed = guard.access === 'authenticated' ? 'approval' : guard.access; // approvals: the 係長 decides
      const holders = [...sessions.values()].filter((s) => s.permissions.has(needed as string));
      // A permission no staff member holds is a system client's (住基連携): it has no step-up to give.
      const system = holders.length === 0 ? await f.systemSession() : undefined;
      if (system) expect(system.permissions.has(needed as string), key).toBe(true);
      else expect(holders.length, key).toBeGreaterThan(0);
      const s = sample();
      // A sample may name who drives it (the requester withdraws, and lists their own changes).
      const session = system ?? (s.as ? sessions.get(s.as)!.session : holders[0]!.session);
      if (!system) await stepUp(session);
      const r = await session.request(method, s.path, method === 'GET' ? undefined : (s.body ?? {}));
      const text = await r.text();
      expect(r.status, `${key}: ${text}`).not.toBe(500);
      const ok = r.status < 300;
      if (!ok) expect(s.status ?? [], `${key} answered ${r.status}: ${text}`).toContain(r.status);
      if (!ok) expectedRefusals += 1;
      if (ok) successes += 1;
      if (ok && r.headers.get('content-type')?.includes('json')) {
        const body = JSON.parse(text) as { changeId?: number; status?: string };
        if (body.status === 'pending' && typeof body.changeId === 'number') {
          pendingIds.push(body.changeId);
          requesterOf.set(body.changeId, session.staffId);
        }
      }
      const correlationId = r.headers.get('x-correlation-id');
      expect(correlationId, key).toBeTruthy();
      const records = await f.deps.database.db.selectFrom('audit_event').selectAll().where('correlation_id', '=', correlationId!).execute();
      expect(records.length, `${key}: no audit record for ${r.status}`).toBeGreaterThan(0);
      const named = new Set(records.flatMap((x) => x.subjects.map(Number)));
      for (const subject of s.subjects ?? []) expect([...named], `${key}: subject ${subject} not named`).toContain(subject);
    }
    // Every driven route answered 2xx, except the few whose sample is a known, recorded refusal.
    expect(successes + expectedRefusals).toBe(routes.size);
    expect(expectedRefusals).toBeLessThanOrEqual(3);
  });

  it('has no sample for a route that no longer exists', () => {
    const routes = new Set(businessRoutes().map(([k]) => k));
    const stale = Object.keys(SAMPLES).filter((k) => !routes.has(k));
    expect(stale, `remove the samples of removed routes: ${stale.join(', ')}`).toEqual([]);
  });

  it('a business route whose handler forgets the audit record cannot answer (500, nothing sent)', async () => {
    const { OpenAPIHono } = await import('@hono/zod-openapi');
    const { defineRoute } = await import('./route.js');
    const { z } = await import('@hono/zod-openapi');
    const app = new OpenAPIHono<import('./context.js').AppEnv>();
    app.use('*', async (c, next) => {
      c.set('deps', f.deps);
      c.set('correlationId', 'test-forgot-audit');
      c.set('actor', { kind: 'staff', id: 'kokuho01', displayName: '国保 太郎', officeCode: 'kokuho', officeKind: 'head_office', permissions: new Set(['person.read']), sessionRef: 'x', stepUpAt: null, ip: null, terminal: null });
      await next();
    });
    const route = defineRoute({ method: 'get', path: '/api/test/forgetful/{atenaNo}', access: 'person.read', request: { params: z.object({ atenaNo: z.string() }) }, responses: { 200: { description: 'x', content: { 'application/json': { schema: z.object({ name: z.string() }) } } } } });
    try {
      app.openapi(route, (c) => c.json({ name: '山田　太郎' }, 200));
      const r = await app.request(`/api/test/forgetful/${F.yamada.head}`);
      expect(r.status).toBe(500);
      expect(await r.text()).not.toContain('山田');
    } finally {
      // Test files share one module registry (isolate: false): leave no throw-away route behind.
      forgetRoute('GET', '/api/test/forgetful/:atenaNo');
    }
  });
});
