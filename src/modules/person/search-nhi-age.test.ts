import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createFixture, FIXTURE, type Fixture, type Session } from '../../testing/fixture.js';
import { ageOn, todayInJapan } from '../eligibility/eligibility.rules.js';
import { kanaSearchKey } from '../../lib/kana.js';
import { searchQueries } from './person.search.js';
import { asActor } from '../../testing/as-actor.js';

/**
 * The search rows carry 国保 today (加入中 / 喪失 / —, from the current versions in force today) and the
 * age today; both come from one lookup per row of the page, never from the count.
 */
const F = FIXTURE;
let f: Fixture;
let clerk: Session;
const db = () => f.deps.database.db;

type Row = { atenaNo: number; insured: boolean; nhiStatus: string; nhiStatusLabel: string; age: number; ageAtDeath: boolean; birthDate: string };
const search = async (q: string) => {
  const r = await clerk.request('GET', `/api/persons?${q}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { items: Row[] }).items;
};
const row = (items: Row[], atenaNo: number) => items.find((i) => i.atenaNo === atenaNo)!;

beforeAll(async () => {
  f = await createFixture();
  clerk = await f.login('kokuho01');
  await asActor(db(), 'operator:test-batch', async (tx) => {
    const base = { insured_symbol: '川1', branch_no: '01', acquisition_reason: 'moved_in' as const, updated_by: 'operator:test-batch' };
    // 田中: insured 2015–2020, lost (社保加入).
    await tx.insertInto('nhi_eligibility').values({ ...base, atena_no: F.tanaka.person, household_no: F.tanaka.household, insured_number: '09990005', acquired_on: '2015-04-01', lost_on: '2020-04-01', loss_reason: 'joined_employee_insurance' }).execute();
    // グエン: an open version superseded (what was believed before): not insured, never insured now.
    await tx.insertInto('nhi_eligibility').values({ ...base, atena_no: F.nguyen.person, household_no: F.nguyen.household, insured_number: '09990004', acquired_on: '2024-04-01', superseded_at: new Date('2025-05-01T00:00:00Z') }).execute();
    // 佐藤ハナ died on 2020-01-07; her age is the age at death.
    const death = '2020-01-07';
    await tx.updateTable('person').set({ death_date: death, resident_status: 'deceased' }).where('atena_no', '=', F.sato.mother).execute();
  });
});
afterAll(async () => f?.close());

describe('search rows: 国保 today and age', () => {
  it('加入中 for a current version in force today, 喪失 after the loss, — when never insured (a superseded open version counts for nothing)', async () => {
    const yamada = await search(`kana=${encodeURIComponent('ヤマダ')}`);
    expect(row(yamada, F.yamada.head)).toMatchObject({ insured: true, nhiStatus: 'insured', nhiStatusLabel: '加入中' });
    const tanaka = await search(`atenaNo=${F.tanaka.person}`);
    expect(row(tanaka, F.tanaka.person)).toMatchObject({ insured: false, nhiStatus: 'lost', nhiStatusLabel: '喪失' });
    const nguyen = await search(`atenaNo=${F.nguyen.person}`);
    expect(row(nguyen, F.nguyen.person)).toMatchObject({ insured: false, nhiStatus: 'none', nhiStatusLabel: '—' });
    const sato = await search(`householdNo=${F.sato.household}`);
    expect(row(sato, F.sato.head)).toMatchObject({ insured: false, nhiStatus: 'none' }); // 擬制世帯主
  });

  it('age today in Japan (ageOn), and of a deceased person the age at death', async () => {
    const today = todayInJapan();
    const yamada = await search(`kana=${encodeURIComponent('ヤマダ')}`);
    for (const r of yamada) expect(r, String(r.atenaNo)).toMatchObject({ age: ageOn(r.birthDate, today), ageAtDeath: false });
    const head = row(yamada, F.yamada.head); // born 1975-06-15
    const y = Number(today.slice(0, 4));
    expect(head.age).toBe(today.slice(5) >= '06-15' ? y - 1975 : y - 1976);
    const sato = await search(`householdNo=${F.sato.household}`);
    expect(row(sato, F.sato.mother)).toMatchObject({ age: 63, ageAtDeath: true }); // 1956-01-08 → 2020-01-07: the day before the 64th birthday
  });

  it('looks 国保 up once per row of the page only, never in the count', async () => {
    const q = searchQueries({ kana: kanaSearchKey('ヤ') }, { page: 1, pageSize: 2 });
    expect(q.count.compile(db()).sql).not.toContain('nhi_eligibility');
    const plan = (await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, COSTS OFF) ${q.items}`.execute(db())).rows.map((x) => x['QUERY PLAN']);
    const scans = plan.filter((l) => /on nhi_eligibility/.test(l));
    expect(scans, plan.join('\n')).toHaveLength(1);
    const loops = Number(/loops=(\d+)/.exec(scans[0]!)?.[1]);
    expect(loops, plan.join('\n')).toBeLessThanOrEqual(2);
  });
});

describe('household page: each member’s current 資格 periods (国保加入の経過)', () => {
  type Member = { atenaNo: number; periods: { householdNo: number; acquiredOn: string; acquisitionReasonLabel: string; lostOn: string | null; lossReasonLabel: string | null; insuredToday: boolean }[] };
  const household = async (no: number) => {
    const r = await clerk.request('GET', `/api/households/${no}`);
    expect(r.status).toBe(200);
    return (await r.json()) as { isPseudoHead: boolean; headAtenaNo: number; members: Member[] };
  };

  it('lists every current version, ended ones included, with the reasons’ labels; never a superseded one', async () => {
    const tanaka = (await household(F.tanaka.household)).members.find((m) => m.atenaNo === F.tanaka.person)!;
    expect(tanaka.periods).toEqual([
      expect.objectContaining({ householdNo: F.tanaka.household, acquiredOn: '2015-04-01', acquisitionReasonLabel: '転入', lostOn: '2020-04-01', lossReasonLabel: '社保加入', insuredToday: false }),
    ]);
    const nguyen = (await household(F.nguyen.household)).members.find((m) => m.atenaNo === F.nguyen.person)!;
    expect(nguyen.periods).toEqual([]);
    const sato = await household(F.sato.household);
    expect(sato.isPseudoHead).toBe(true); // 擬制世帯主: the head is not insured, the mother's period is open
    expect(sato.members.find((m) => m.atenaNo === F.sato.head)!.periods).toEqual([]);
    expect(sato.members.find((m) => m.atenaNo === F.sato.mother)!.periods).toEqual([expect.objectContaining({ acquiredOn: '2010-04-01', lostOn: null, insuredToday: true })]);
    const yamada = await household(F.yamada.household);
    for (const m of yamada.members) expect(m.periods.map((p) => p.insuredToday), String(m.atenaNo)).toEqual([true]);
  });
});
