import { it } from 'vitest';
import { createFixture } from '../testing/fixture.js';
it('x', async () => {
  const f = await createFixture();
  const k = await f.login('kokuho01');
  await k.request('GET', '/api/persons?kana=ヤマダ');
  const s = await f.login('kansa01');
  for (const p of ['/api/audit/events?pageSize=3', '/api/audit/events?atenaNo=100000001&afterHours=true', '/api/audit/events?from=2026-13-01', '/api/audit/events?from=2026-12-01&to=2026-11-01', '/api/audit/events?staffId=123456789012', '/api/audit/events?page=abc&afterHours=yes', '/api/audit/report?staffId=kokuho01']) {
    const r = await s.request('GET', p);
    console.log(p, r.status, r.headers.get('content-disposition'), r.headers.get('repr-digest'), (await r.text()).slice(0, 600));
  }
  const a = await f.login('admin01');
  for (const [m, p, b] of [['GET', '/api/admin/staff'], ['POST', '/api/admin/staff', { staffId: 'new01', displayName: '新 職員', officeCode: 'kokuho', password: 'Very-Strong-Pass-2026', roles: ['kokuho_staff'] }], ['POST', '/api/admin/staff/admin01/roles', { roleCode: 'auditor' }], ['POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'nope' }], ['POST', '/api/admin/staff/kokuho01/roles', { roleCode: 'auditor' }], ['POST', '/api/admin/staff/kokuho01/roles/auditor/revoke'], ['GET', '/api/admin/access-review?since=2020-01-01&format=csv'], ['GET', '/api/admin/access-review?since=xx']] as const) {
    const r = await a.request(m, p, b);
    console.log(m, p, r.status, (await r.text()).slice(0, 500));
  }
  await f.close();
});
