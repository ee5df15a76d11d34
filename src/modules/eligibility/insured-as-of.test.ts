import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, FIXTURE, type Fixture } from '../../testing/fixture.js';
import { insuredOnSql } from './eligibility.repository.js';
import { asActor } from '../../testing/as-actor.js';

/**
 * "Insured" is always evaluated as of a date on the current versions: a superseded version that was
 * still open (the period was later corrected or deleted) does not make anyone insured.
 */
const F = FIXTURE;
let f: Fixture;
const db = () => f.deps.database.db;

beforeAll(async () => {
  f = await createFixture();
  await asActor(db(), 'operator:test-batch', async (tx) => {
    const row = { atena_no: F.nguyen.person, household_no: F.nguyen.household, insured_symbol: '川1', insured_number: '09990001', branch_no: '01', acquisition_reason: 'moved_in' as const, updated_by: 'operator:test-batch' };
    // An open period recorded, then superseded by a version that ended it in 2025 (a correction).
    await tx.insertInto('nhi_eligibility').values({ ...row, acquired_on: '2024-04-01', superseded_at: new Date('2025-05-01T00:00:00Z') }).execute();
    await tx.insertInto('nhi_eligibility').values({ ...row, acquired_on: '2024-04-01', lost_on: '2025-04-01', loss_reason: 'joined_employee_insurance' }).execute();
  });
});
afterAll(async () => f?.close());

async function insuredOn(atenaNo: number, day: string): Promise<boolean> {
  const r = await db().selectFrom('nhi_eligibility as e').select('e.eligibility_id').where('e.atena_no', '=', atenaNo).where(insuredOnSql('e', day)).execute();
  return r.length > 0;
}

describe('insured as of a date', () => {
  it('follows the current version only: insured in 2024, not after the loss, whatever the superseded open version said', async () => {
    expect(await insuredOn(F.nguyen.person, '2024-12-31')).toBe(true);
    expect(await insuredOn(F.nguyen.person, '2025-04-01')).toBe(false); // the 喪失日 itself is not insured
    expect(await insuredOn(F.nguyen.person, '2026-11-30')).toBe(false);
    expect(await insuredOn(F.nguyen.person, '2024-03-31')).toBe(false); // before the 取得日
  });

  it('the household page does not show the member as insured today (the superseded open row is not read as current)', async () => {
    const clerk = await f.login('kokuho01');
    const r = await clerk.request('GET', `/api/households/${F.nguyen.household}`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { members: { atenaNo: number; nhi: { lostOn: string | null; insured: boolean } | null }[] };
    const m = body.members.find((x) => x.atenaNo === F.nguyen.person)!;
    expect(m.nhi).toMatchObject({ insured: false, acquiredOn: '2024-04-01', lostOn: '2025-04-01' });
  });
});
