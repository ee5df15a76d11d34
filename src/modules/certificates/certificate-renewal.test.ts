import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { asActor } from '../../testing/as-actor.js';

const F = FIXTURE;
let f: Fixture;
const ON = '2027-08-01';
const actor = () => operatorActor('certificates-renew', new Set(['certificate.issue']));
const renewals = () => f.deps.database.db.selectFrom('certificate').select(['atena_no', 'kind', 'valid_from', 'valid_to', 'issue_method', 'batch_run']).where('issue_reason', '=', 'renewal').orderBy('atena_no').execute();

beforeAll(async () => {
  f = await createFixture();
  await asActor(f.deps.database.db, 'operator:test', async (tx) => {
    // Yamada Taro (under 70) uses マイナ保険証: his お知らせ has no expiry, nothing to renew.
    await tx.insertInto('myna_insurance_use').values({ atena_no: F.yamada.head, registered_on: '2025-01-10', updated_by: 'operator:test' }).execute();
  });
});
afterAll(async () => f?.close());

describe('一斉更新 (certificates-renew)', () => {
  it('killed after the first chunk and run again: each person without マイナ保険証 gets one 資格確認書 from 1 August, mailed', async () => {
    await expect(
      f.deps.certificates.renew(actor(), ON, { chunkSize: 2, onProgress: ({ chunkNo }) => { if (chunkNo === 1) throw new Error('killed'); } }),
    ).rejects.toThrow('killed');
    expect((await renewals()).length).toBe(1); // the first chunk: Yamada Taro (マイナ保険証, not renewed) and his wife
    const r = await f.deps.certificates.renew(actor(), ON, { chunkSize: 2 });
    expect(r.resumed).toBe(true);
    const rows = await renewals();
    expect(rows.map((x) => Number(x.atena_no))).toEqual([F.yamada.wife, F.yamada.child, F.sato.mother, F.suzuki.person].sort((a, b) => a - b));
    expect(rows.every((x) => x.kind === 'qualification_certificate' && x.valid_from === ON && x.valid_to === '2028-07-31' && x.issue_method === 'mail' && x.batch_run === r.runId)).toBe(true);
    expect(r.counts).toMatchObject({ not_renewed: 1 });
    const audited = await f.deps.database.db.selectFrom('audit_event').select('subjects').where('action', '=', 'certificate.renewal').execute();
    expect(audited.flatMap((a) => a.subjects.map(Number)).sort()).toEqual(rows.map((x) => Number(x.atena_no)).sort());
  });

  it('a second run for the same day issues nothing twice', async () => {
    const r = await f.deps.certificates.renew(actor(), ON, { chunkSize: 50 });
    expect(r.counts).toMatchObject({ already: 4, not_renewed: 1 });
    expect(r.counts.qualification_certificate ?? 0).toBe(0);
    expect((await renewals()).length).toBe(4);
  });
});
