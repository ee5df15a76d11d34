import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { staffIdOf, whoLabel } from './who.js';

const names = new Map([['kokuho01', '国保 太郎']]);

describe('whoLabel (pure)', () => {
  it('shows staff by name with their id, whether stored as staff:ID or as the bare audit id', () => {
    expect(whoLabel('staff:kokuho01', names)).toBe('国保 太郎(kokuho01)');
    expect(whoLabel('kokuho01', names)).toBe('国保 太郎(kokuho01)');
    expect(whoLabel('staff:gone01', names)).toBe('職員 gone01');
  });

  it('shows a batch by its job and the OS user and host, without the run id', () => {
    expect(whoLabel('operator:root@vm/seed/4f6c1c1e-8b0e-4a47-9a43-6f6f0b0c1a2d', names)).toBe('一括処理: seed(root@vm)');
    expect(whoLabel('system:auth', names)).toBe('システム: 認証');
    expect(whoLabel('anonymous', names)).toBe('未ログイン');
  });

  it('finds the staff id only where there is one', () => {
    expect(staffIdOf('staff:kakari01')).toBe('kakari01');
    expect(staffIdOf('operator:root@vm/seed/x')).toBeNull();
    expect(staffIdOf('anonymous')).toBeNull();
  });
});

describe('the API names who did something', () => {
  let f: Fixture;
  let kokuho: Session;
  let kakari: Session;
  beforeAll(async () => {
    f = await createFixture();
    kokuho = await f.login('kokuho01');
    kakari = await f.login('kakari01');
  });
  afterAll(async () => f?.close());

  it('person history, approvals, eligibility and the audit trail carry a label next to the stored id', async () => {
    const person = (await (await kokuho.request('GET', `/api/persons/${FIXTURE.yamada.head}`)).json()) as { versions: { recordedBy: string; recordedByLabel: string }[] };
    expect(person.versions.length).toBeGreaterThan(0);
    for (const v of person.versions) {
      if (v.recordedBy === 'staff:kokuho01') expect(v.recordedByLabel).toBe('国保 太郎(kokuho01)');
      else if (v.recordedBy.startsWith('operator:')) expect(v.recordedByLabel).toMatch(/^一括処理: \w+\([^)]+@[^)]+\)$/);
      expect(v.recordedByLabel).not.toMatch(/operator:|staff:/);
    }

    const r = await kokuho.request('POST', `/api/persons/${FIXTURE.sato.head}/eligibility`, { householdNo: FIXTURE.sato.household, acquiredOn: '2026-04-01', acquisitionReason: 'moved_in' });
    expect(r.status, await r.clone().text()).toBe(202);
    const list = (await (await kakari.request('GET', '/api/approvals')).json()) as { items: { requestedBy: string; requestedByLabel: string }[] };
    expect(list.items.at(-1)).toMatchObject({ requestedBy: 'staff:kokuho01', requestedByLabel: '国保 太郎(kokuho01)' });
    const elig = (await (await kokuho.request('GET', `/api/persons/${FIXTURE.sato.head}/eligibility`)).json()) as { pending: { requestedByLabel: string }[] };
    expect(elig.pending[0]!.requestedByLabel).toBe('国保 太郎(kokuho01)');

    const kansa = await f.login('kansa01');
    const audit = (await (await kansa.request('GET', '/api/audit/events?staffId=kokuho01&pageSize=1')).json()) as { items: { actorId: string; actorLabel: string }[] };
    expect(audit.items[0]).toMatchObject({ actorId: 'kokuho01', actorLabel: '国保 太郎(kokuho01)' });
  });
});
