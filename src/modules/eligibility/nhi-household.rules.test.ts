import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays } from './eligibility.rules.js';
import {
  NHI_HOUSEHOLD_STATUS_KIND_CODES,
  addressExceptionHouseholdOn,
  checkEnd,
  checkStatus,
  nhiHouseholdOn,
  pseudoHeadActions,
  referenceDates,
  specificSameHouseholdEnd,
  specificSameHouseholdStarts,
  within,
  insuredOn,
  type HouseholdFacts,
  type InsuredPeriod,
  type RegistryMember,
  type StatusInput,
  type StatusPeriod,
} from './nhi-household.rules.js';

const H = 500;
const H2 = 501;
const HEAD = 1;
const WIFE = 2;
const CHILD = 3;
const GRANNY = 4;

const member = (atenaNo: number, head = false, validFrom = '2010-04-01', validTo: string | null = null, householdNo = H): RegistryMember => ({ atenaNo, householdNo, head, validFrom, validTo });
const insured = (atenaNo: number, acquiredOn = '2010-04-01', lostOn: string | null = null, lossReason: InsuredPeriod['lossReason'] = null, householdNo = H): InsuredPeriod => ({ atenaNo, householdNo, acquiredOn, lostOn, lossReason });
let nextId = 1;
const status = (atenaNo: number, kind: StatusPeriod['kind'], validFrom: string, validTo: string | null = null, extra: Partial<StatusPeriod> = {}): StatusPeriod => ({
  statusId: nextId++,
  atenaNo,
  householdNo: H,
  kind,
  validFrom,
  validTo,
  facilityName: kind === 'address_exception' ? '川口みどり病院' : null,
  facilityKind: kind === 'address_exception' ? 'hospital' : null,
  schoolName: kind === 'student_exception' ? '京都大学' : null,
  ...extra,
});
const facts = (f: Partial<HouseholdFacts> = {}): HouseholdFacts => ({ members: [member(HEAD, true), member(WIFE), member(CHILD)], eligibility: [], statuses: [], ...f });
const input = (s: Partial<StatusInput> & Pick<StatusInput, 'atenaNo' | 'kind'>): StatusInput => ({ householdNo: H, validFrom: '2026-04-01', validTo: null, facilityName: null, facilityKind: null, schoolName: null, ...s });
const fieldsOf = (errors: { field: string }[]) => errors.map((e) => e.field);

describe('reference dates', () => {
  it('4月1日 for 賦課 and 8月1日 for 負担割合', () => {
    expect(referenceDates(2026)).toEqual({ assessment: '2026-04-01', copayment: '2026-08-01' });
  });
});

describe('the NHI household as of a day', () => {
  it('an insured head: the head is the taxpayer, no 擬制世帯主', () => {
    const h = nhiHouseholdOn(H, '2026-04-01', facts({ eligibility: [insured(HEAD), insured(WIFE)] }));
    expect(h.members.map((m) => m.atenaNo)).toEqual([HEAD, WIFE]);
    expect(h.head).toEqual({ atenaNo: HEAD, insured: true, byApplication: false });
    expect(h.pseudoHead).toBe(false);
  });

  it('a head not insured is the taxpayer all the same: 擬制世帯主', () => {
    const h = nhiHouseholdOn(H, '2026-04-01', facts({ eligibility: [insured(WIFE)] }));
    expect(h.members.map((m) => m.atenaNo)).toEqual([WIFE]);
    expect(h.head).toEqual({ atenaNo: HEAD, insured: false, byApplication: false });
    expect(h.pseudoHead).toBe(true);
  });

  it('no insured member: no NHI household that day (no head)', () => {
    const h = nhiHouseholdOn(H, '2026-04-01', facts());
    expect(h.members).toEqual([]);
    expect(h.head).toBeNull();
    expect(h.pseudoHead).toBe(false);
  });

  it('世帯主変更の申出: the insured applicant is the 国保上の世帯主 while the period is in force and they are insured', () => {
    const f = facts({ eligibility: [insured(WIFE, '2010-04-01', '2026-09-01', 'joined_employee_insurance')], statuses: [status(WIFE, 'head_by_application', '2026-05-01')] });
    expect(nhiHouseholdOn(H, '2026-04-01', f).head).toEqual({ atenaNo: HEAD, insured: false, byApplication: false });
    expect(nhiHouseholdOn(H, '2026-08-01', f)).toMatchObject({ head: { atenaNo: WIFE, insured: true, byApplication: true }, pseudoHead: false });
    // Once the applicant is no longer insured, no NHI household remains (nobody insured).
    expect(nhiHouseholdOn(H, '2026-09-01', f).head).toBeNull();
  });

  it('a 世帯変更 that keeps 資格: the person is in the new household’s NHI household from the 異動日', () => {
    const f = facts({
      members: [member(HEAD, true), member(WIFE), member(CHILD, false, '2010-04-01', '2026-06-10'), member(CHILD, true, '2026-06-10', null, H2)],
      eligibility: [insured(HEAD), insured(CHILD)],
    });
    expect(nhiHouseholdOn(H, '2026-04-01', f).members.map((m) => m.atenaNo)).toEqual([HEAD, CHILD]);
    expect(nhiHouseholdOn(H, '2026-08-01', f).members.map((m) => m.atenaNo)).toEqual([HEAD]);
    expect(nhiHouseholdOn(H2, '2026-08-01', f)).toMatchObject({ members: [{ atenaNo: CHILD, basis: 'registry' }], head: { atenaNo: CHILD, insured: true } });
  });

  it('修学中の特例: a student who moved away stays in the parent’s NHI household', () => {
    const f = facts({
      members: [member(HEAD, true), member(CHILD, false, '2010-04-01', '2026-04-01')],
      eligibility: [insured(HEAD), insured(CHILD)],
      statuses: [status(CHILD, 'student_exception', '2026-04-01')],
    });
    expect(nhiHouseholdOn(H, '2026-08-01', f).members).toEqual([
      { atenaNo: HEAD, basis: 'registry' },
      { atenaNo: CHILD, basis: 'student_exception' },
    ]);
  });

  it('住所地特例: the person leaves the household’s NHI household and is a one-person household, their own taxpayer', () => {
    const f = facts({ members: [member(HEAD, true), member(GRANNY)], eligibility: [insured(HEAD), insured(GRANNY)], statuses: [status(GRANNY, 'address_exception', '2026-05-01')] });
    expect(nhiHouseholdOn(H, '2026-04-01', f).members.map((m) => m.atenaNo)).toEqual([HEAD, GRANNY]);
    const aug = nhiHouseholdOn(H, '2026-08-01', f);
    expect(aug.members.map((m) => m.atenaNo)).toEqual([HEAD]);
    expect(aug.addressException).toEqual([GRANNY]);
    expect(addressExceptionHouseholdOn(GRANNY, '2026-08-01', f)).toEqual({ members: [GRANNY], head: GRANNY, facilityName: '川口みどり病院' });
    expect(addressExceptionHouseholdOn(GRANNY, '2026-04-01', f)).toBeNull();
  });

  it('特定同一世帯所属者: moved to 後期, same household, within a stored period', () => {
    const f = facts({
      members: [member(HEAD, true), member(GRANNY)],
      eligibility: [insured(HEAD), insured(GRANNY, '2010-04-01', '2026-05-10', 'late_elderly')],
      statuses: [status(GRANNY, 'specific_same_household', '2026-05-10')],
    });
    expect(nhiHouseholdOn(H, '2026-04-01', f).specificSameHousehold).toEqual([]);
    expect(nhiHouseholdOn(H, '2026-08-01', f)).toMatchObject({ members: [{ atenaNo: HEAD }], specificSameHousehold: [GRANNY] });
  });
});

describe('derived changes of the stored periods', () => {
  it('擬制世帯主: start when the head is not insured, end when the head joins or the applicant takes over', () => {
    const f = facts({ eligibility: [insured(WIFE), insured(HEAD, '2026-07-01')] });
    expect(pseudoHeadActions(H, '2026-04-01', f)).toEqual([expect.objectContaining({ action: 'start', kind: 'pseudo_head', atenaNo: HEAD, on: '2026-04-01' })]);
    const stored = { ...f, statuses: [status(HEAD, 'pseudo_head', '2026-04-01')] };
    expect(pseudoHeadActions(H, '2026-05-01', stored)).toEqual([]);
    expect(pseudoHeadActions(H, '2026-08-01', stored)).toEqual([expect.objectContaining({ action: 'end', atenaNo: HEAD, on: '2026-08-01', why: '世帯主が被保険者' })]);
    const applied = facts({ eligibility: [insured(WIFE)], statuses: [status(HEAD, 'pseudo_head', '2026-04-01'), status(WIFE, 'head_by_application', '2026-06-01')] });
    expect(pseudoHeadActions(H, '2026-08-01', applied)).toEqual([expect.objectContaining({ action: 'end', atenaNo: HEAD })]);
  });

  it('擬制世帯主: a new registry head ends the old period and starts theirs', () => {
    const f = facts({
      members: [member(HEAD, true, '2010-04-01', '2026-06-01'), member(GRANNY, false, '2010-04-01', '2026-06-01'), member(GRANNY, true, '2026-06-01'), member(WIFE)],
      eligibility: [insured(WIFE)],
      statuses: [status(HEAD, 'pseudo_head', '2026-04-01')],
    });
    expect(pseudoHeadActions(H, '2026-08-01', f).map((a) => [a.action, a.atenaNo])).toEqual([
      ['end', HEAD],
      ['start', GRANNY],
    ]);
  });

  it('特定同一世帯所属者 starts on the day a member leaves NHI for 後期 while others stay insured; not otherwise', () => {
    const moved = facts({ members: [member(HEAD, true), member(GRANNY)], eligibility: [insured(HEAD), insured(GRANNY, '2010-04-01', '2026-05-10', 'late_elderly')] });
    expect(specificSameHouseholdStarts(H, '2026-05-10', moved)).toEqual([expect.objectContaining({ action: 'start', kind: 'specific_same_household', atenaNo: GRANNY, on: '2026-05-10' })]);
    expect(specificSameHouseholdStarts(H, '2026-05-11', moved)).toEqual([]); // only on the day itself
    // Already recorded; left for an employer's insurance; nobody else insured: none.
    expect(specificSameHouseholdStarts(H, '2026-05-10', { ...moved, statuses: [status(GRANNY, 'specific_same_household', '2026-05-10')] })).toEqual([]);
    expect(specificSameHouseholdStarts(H, '2026-05-10', facts({ members: [member(HEAD, true), member(GRANNY)], eligibility: [insured(HEAD), insured(GRANNY, '2010-04-01', '2026-05-10', 'joined_employee_insurance')] }))).toEqual([]);
    expect(specificSameHouseholdStarts(H, '2026-05-10', facts({ members: [member(HEAD, true), member(GRANNY)], eligibility: [insured(GRANNY, '2010-04-01', '2026-05-10', 'late_elderly')] }))).toEqual([]);
  });

  it('特定同一世帯所属者 ends when the head changes or the person leaves; continues otherwise', () => {
    const base = { eligibility: [insured(HEAD), insured(GRANNY, '2010-04-01', '2026-05-10', 'late_elderly')] };
    const p = status(GRANNY, 'specific_same_household', '2026-05-10');
    expect(specificSameHouseholdEnd(p, '2026-12-01', facts({ ...base, members: [member(HEAD, true), member(GRANNY)] }))).toBeNull();
    const headChanged = [member(HEAD, true, '2010-04-01', '2026-09-01'), member(HEAD, false, '2026-09-01'), member(GRANNY, false, '2010-04-01', '2026-09-01'), member(GRANNY, true, '2026-09-01')];
    expect(specificSameHouseholdEnd(p, '2026-12-01', facts({ ...base, members: headChanged }))).toEqual({ on: '2026-09-01', why: '世帯主が変わった' });
    expect(specificSameHouseholdEnd(p, '2026-08-01', facts({ ...base, members: headChanged }))).toBeNull(); // not yet
    const left = [member(HEAD, true), member(GRANNY, false, '2010-04-01', '2026-10-15')];
    expect(specificSameHouseholdEnd(p, '2026-12-01', facts({ ...base, members: left }))).toEqual({ on: '2026-10-15', why: '世帯から転出・世帯変更した' });
  });
});

describe('checks of a requested status period', () => {
  const f = facts({ members: [member(HEAD, true), member(WIFE), member(GRANNY)], eligibility: [insured(WIFE), insured(CHILD, '2010-04-01', null, null, H), insured(GRANNY, '2010-04-01', '2026-03-01', 'late_elderly')] });

  it('世帯主変更の申出: the applicant must be an insured member, not the registry head', () => {
    expect(checkStatus(input({ atenaNo: WIFE, kind: 'head_by_application' }), f)).toEqual([]);
    expect(fieldsOf(checkStatus(input({ atenaNo: HEAD, kind: 'head_by_application' }), f))).toEqual(['validFrom', 'atenaNo']);
    expect(fieldsOf(checkStatus(input({ atenaNo: GRANNY, kind: 'head_by_application' }), f))).toEqual(['validFrom']);
  });

  it('住所地特例: a facility name and kind, an insured person; a child in a 児童福祉施設 is refused', () => {
    expect(checkStatus(input({ atenaNo: WIFE, kind: 'address_exception', facilityName: '〇〇特別養護老人ホーム', facilityKind: 'elderly_home' }), f)).toEqual([]);
    expect(fieldsOf(checkStatus(input({ atenaNo: WIFE, kind: 'address_exception', facilityName: ' ' }), f))).toEqual(['facilityName', 'facilityKind']);
    const child = checkStatus(input({ atenaNo: CHILD, kind: 'address_exception', facilityName: '〇〇学園', facilityKind: 'child_welfare' }), f);
    expect(child.map((e) => e.message)).toEqual([expect.stringContaining('児童福祉施設に入所した児童は住所地特例の対象ではありません')]);
    expect(fieldsOf(checkStatus(input({ atenaNo: GRANNY, kind: 'address_exception', facilityName: '病院', facilityKind: 'hospital' }), f))).toEqual(['validFrom']);
  });

  it('修学中の特例: a school, insured through the parent household', () => {
    expect(checkStatus(input({ atenaNo: CHILD, kind: 'student_exception', schoolName: '京都大学' }), f)).toEqual([]);
    expect(fieldsOf(checkStatus(input({ atenaNo: CHILD, kind: 'student_exception', schoolName: '京都大学', householdNo: H2 }), f))).toEqual(['householdNo']);
    expect(fieldsOf(checkStatus(input({ atenaNo: HEAD, kind: 'student_exception' }), f))).toEqual(['schoolName', 'validFrom']);
  });

  it('特定同一世帯所属者: a member who moved to 後期', () => {
    expect(checkStatus(input({ atenaNo: GRANNY, kind: 'specific_same_household' }), f)).toEqual([]);
    expect(fieldsOf(checkStatus(input({ atenaNo: WIFE, kind: 'specific_same_household' }), f))).toEqual(['validFrom']);
  });

  it('擬制世帯主: the registry head, not insured, with insured members', () => {
    expect(checkStatus(input({ atenaNo: HEAD, kind: 'pseudo_head' }), f)).toEqual([]);
    expect(fieldsOf(checkStatus(input({ atenaNo: WIFE, kind: 'pseudo_head' }), f))).toEqual(['atenaNo']);
  });

  it('no overlap with another period of the same kind; the end after the start', () => {
    const withOne = { ...f, statuses: [status(WIFE, 'head_by_application', '2026-01-01', '2026-06-01')] };
    expect(fieldsOf(checkStatus(input({ atenaNo: WIFE, kind: 'head_by_application' }), withOne))).toEqual(['validFrom']);
    expect(checkStatus(input({ atenaNo: WIFE, kind: 'head_by_application', validFrom: '2026-06-01' }), withOne)).toEqual([]);
    expect(fieldsOf(checkStatus(input({ atenaNo: WIFE, kind: 'head_by_application', validTo: '2026-04-01' }), f))).toEqual(['validTo']);
    expect(fieldsOf(checkEnd(status(WIFE, 'head_by_application', '2026-01-01'), '2026-01-01'))).toEqual(['validTo']);
    expect(checkEnd(status(WIFE, 'head_by_application', '2026-01-01'), '2026-01-02')).toEqual([]);
    expect(fieldsOf(checkEnd(status(WIFE, 'head_by_application', '2026-01-01', '2026-03-01'), '2026-03-01'))).toEqual(['validTo']);
  });
});

describe('properties', () => {
  const START = '2024-04-01';
  const day = fc.integer({ min: 0, max: 900 }).map((n) => addDays(START, n));
  const PEOPLE = [1, 2, 3, 4, 5];
  const period = fc.tuple(day, fc.option(fc.integer({ min: 1, max: 400 }))).map(([from, len]) => ({ validFrom: from, validTo: len === null ? null : addDays(from, len) }));
  const factsArb = fc
    .record({
      heads: fc.array(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 3 }),
      membership: fc.array(fc.tuple(fc.constantFrom(...PEOPLE), period, fc.constantFrom(H, H2)), { maxLength: 8 }),
      insured: fc.array(fc.tuple(fc.constantFrom(...PEOPLE), period, fc.constantFrom(H, H2)), { maxLength: 8 }),
      statuses: fc.array(fc.tuple(fc.constantFrom(...PEOPLE), fc.constantFrom(...NHI_HOUSEHOLD_STATUS_KIND_CODES), period, fc.constantFrom(H, H2)), { maxLength: 8 }),
    })
    .map(({ heads, membership, insured: ins, statuses }): HouseholdFacts => {
      // A succession of registry heads of H, each for a year; the other memberships as drawn.
      const members: RegistryMember[] = heads.map((n, i) => member(n, true, addDays(START, i * 365), i === heads.length - 1 ? null : addDays(START, (i + 1) * 365)));
      for (const [n, p, h] of membership) members.push({ atenaNo: n, householdNo: h, head: false, ...p });
      return {
        members,
        eligibility: ins.map(([n, p, h]) => insured(n, p.validFrom, p.validTo, null, h)),
        statuses: statuses.map(([n, kind, p, h]) => status(n, kind, p.validFrom, p.validTo, { householdNo: h })),
      };
    });

  it('the head is the registry head, or an insured member with a 世帯主変更申出 period in force', () => {
    fc.assert(
      fc.property(factsArb, day, fc.constantFrom(H, H2), (f, on, h) => {
        const r = nhiHouseholdOn(h, on, f);
        if (r.head === null) return;
        if (r.head.byApplication) {
          expect(insuredOn(f.eligibility, r.head.atenaNo, on)).toBe(true);
          expect(r.members.map((m) => m.atenaNo)).toContain(r.head.atenaNo);
          expect(f.statuses.some((s) => s.atenaNo === r.head!.atenaNo && s.kind === 'head_by_application' && s.householdNo === h && within(s, on))).toBe(true);
        } else {
          expect(r.head.atenaNo).toBe(r.registryHead);
          expect(r.pseudoHead).toBe(!r.head.insured);
        }
      }),
    );
  });

  it('a 住所地特例 person is alone in their NHI household and in no other household’s', () => {
    fc.assert(
      fc.property(factsArb, day, (f, on) => {
        for (const n of PEOPLE) {
          const own = addressExceptionHouseholdOn(n, on, f);
          if (!own) continue;
          expect(own.members).toEqual([n]);
          expect(own.head).toBe(n);
          for (const h of [H, H2]) {
            const r = nhiHouseholdOn(h, on, f);
            expect(r.members.map((m) => m.atenaNo)).not.toContain(n);
            expect(r.head?.atenaNo).not.toBe(n);
          }
        }
      }),
    );
  });

  it('every member is insured on the day, and nobody is listed twice', () => {
    fc.assert(
      fc.property(factsArb, day, fc.constantFrom(H, H2), (f, on, h) => {
        const ids = nhiHouseholdOn(h, on, f).members.map((m) => m.atenaNo);
        expect(new Set(ids).size).toBe(ids.length);
        for (const n of ids) expect(insuredOn(f.eligibility, n, on)).toBe(true);
      }),
    );
  });
});
