import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LEGAL_DATE_FUTURE_DAYS,
  UNIVERSAL_COVERAGE_START,
  plausibleLegalDate,
  ACQUISITION_REASONS,
  ACQUISITION_REASON_CODES,
  LOSS_REASONS,
  LOSS_REASON_CODES,
  acquisitionReasonLabel,
  addDays,
  checkPeriod,
  daysBetween,
  birthdayAtAge,
  isLateElderlyAgeOn,
  lateElderlyBirthday,
  isIsoDate,
  knownAt,
  lossReasonLabel,
  reasonList,
  nextBranchNo,
  periodsOverlap,
  type PeriodInput,
  type PersonFacts,
} from './eligibility.rules.js';

const TODAY = '2026-06-01';
const person = (extra: Partial<PersonFacts> = {}): PersonFacts => ({ birthDate: '1980-05-10', deathDate: null, movedOutOn: null, becameResidentOn: null, ...extra });
const period = (extra: Partial<PeriodInput> = {}): PeriodInput => ({ acquiredOn: '2020-04-01', acquisitionReason: 'moved_in', lostOn: null, lossReason: null, ...extra });
const fieldsOf = (r: { errors: { field: string }[] }) => r.errors.map((e) => e.field);

/** Days from 1900-01-01 to 2100-12-31 as ISO dates. */
const dayArb = fc.integer({ min: 0, max: 73_000 }).map((n) => addDays('1900-01-01', n));

describe('reason lists', () => {
  it('are codes (what nhi_eligibility stores) with Japanese labels and a legal basis, in order', () => {
    expect(ACQUISITION_REASON_CODES).toEqual(['moved_in', 'left_employee_insurance', 'birth', 'welfare_ended', 'foreigner_moved_in', 'other']);
    expect(LOSS_REASON_CODES).toEqual(['moved_out', 'death', 'joined_employee_insurance', 'late_elderly', 'welfare_started', 'other']);
    expect(ACQUISITION_REASON_CODES.map(acquisitionReasonLabel)).toEqual(['転入', '社保離脱', '出生', '生保廃止', '外国人転入', 'その他']);
    expect(LOSS_REASON_CODES.map(lossReasonLabel)).toEqual(['転出', '死亡', '社保加入', '後期高齢者医療', '生保開始', 'その他']);
    expect(reasonList(LOSS_REASONS)[1]).toEqual({ code: 'death', label: '死亡', basis: '国保法 §8: 死亡日の翌日' });
    for (const r of [...reasonList(ACQUISITION_REASONS), ...reasonList(LOSS_REASONS)]) expect(r.basis).toMatch(/国保法 §[678]/);
  });
});

describe('date helpers', () => {
  it('addDays is invertible and agrees with daysBetween', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: -20_000, max: 20_000 }), (d, n) => {
        const e = addDays(d, n);
        expect(isIsoDate(e) || Number(e.slice(0, 4)) > 2200 || Number(e.slice(0, 4)) < 1868).toBe(true);
        expect(addDays(e, -n)).toBe(d);
        expect(daysBetween(d, e)).toBe(n);
        expect(n > 0 ? e > d : n < 0 ? e < d : e === d).toBe(true);
      }),
    );
  });

  it('isIsoDate refuses impossible dates', () => {
    for (const s of ['2026-02-29', '2026-13-01', '2026-04-31', '2026-4-1', '20260401', '令和8年4月1日', '', '2026-04-01T00:00']) expect(isIsoDate(s)).toBe(false);
    for (const s of ['2024-02-29', '2026-04-30', '1956-01-08']) expect(isIsoDate(s)).toBe(true);
  });

  it('the 75th birthday (age from the law parameter): same month and day 75 years on; 29 February → 1 March in a common year', () => {
    expect(lateElderlyBirthday('1951-06-15', TODAY)).toBe('2026-06-15');
    expect(lateElderlyBirthday('1952-02-29', TODAY)).toBe('2027-03-01');
    expect(lateElderlyBirthday('1949-02-28', TODAY)).toBe('2024-02-28');
    fc.assert(
      fc.property(dayArb, (birth) => {
        const b75 = birthdayAtAge(birth, 75);
        fc.pre(addDays(b75, -1) >= '2008-04-01');
        expect(lateElderlyBirthday(birth, b75)).toBe(b75);
        expect(isLateElderlyAgeOn(birth, b75)).toBe(true);
        expect(isLateElderlyAgeOn(birth, addDays(b75, -1))).toBe(false);
        expect(Number(b75.slice(0, 4)) - Number(birth.slice(0, 4))).toBe(75);
        if (birth.slice(5) !== '02-29') expect(b75.slice(5)).toBe(birth.slice(5));
      }),
    );
  });

  it('before 後期高齢者医療 began (2008-04-01, the parameter\'s first value) age 75 did not end NHI', () => {
    expect(lateElderlyBirthday('1920-01-01', '2008-03-31')).toBeNull();
    expect(isLateElderlyAgeOn('1920-01-01', '2008-03-31')).toBe(false);
    expect(isLateElderlyAgeOn('1920-01-01', '2008-04-01')).toBe(true);
  });
});

describe('periodsOverlap (half-open [acquiredOn, lostOn))', () => {
  /** A small period in a 60-day window, so the brute force below stays cheap. */
  const small = fc
    .tuple(fc.integer({ min: 0, max: 59 }), fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }))
    .map(([a, len]) => ({ acquiredOn: addDays('2026-01-01', a), lostOn: len === null ? null : addDays('2026-01-01', a + len) }));
  const contains = (p: { acquiredOn: string; lostOn: string | null }, d: string) => d >= p.acquiredOn && (p.lostOn === null || d < p.lostOn);

  it('is symmetric and true exactly when some day lies in both', () => {
    fc.assert(
      fc.property(small, small, (a, b) => {
        expect(periodsOverlap(a, b)).toBe(periodsOverlap(b, a));
        let shared = false;
        for (let i = 0; i < 120 && !shared; i++) {
          const d = addDays('2026-01-01', i);
          shared = contains(a, d) && contains(b, d);
        }
        expect(periodsOverlap(a, b)).toBe(shared);
      }),
    );
  });

  it('a loss on D and an acquisition on D do not overlap', () => {
    expect(periodsOverlap({ acquiredOn: '2020-01-01', lostOn: '2024-05-01' }, { acquiredOn: '2024-05-01', lostOn: null })).toBe(false);
    expect(periodsOverlap({ acquiredOn: '2020-01-01', lostOn: '2024-05-02' }, { acquiredOn: '2024-05-01', lostOn: null })).toBe(true);
  });
});

describe('checkPeriod', () => {
  it('acquired_on ≤ lost_on: a loss before the acquisition is refused on 資格喪失日, any other order is not (unless implausible)', () => {
    fc.assert(
      fc.property(dayArb, dayArb, (a, l) => {
        const r = checkPeriod(period({ acquiredOn: a, lostOn: l, lossReason: 'other' }), person({ birthDate: '1890-01-01' }), [], { today: TODAY });
        const lostErrors = r.errors.filter((e) => e.field === 'lostOn');
        expect(lostErrors.length > 0).toBe(l < a || l < UNIVERSAL_COVERAGE_START || l > addDays(TODAY, LEGAL_DATE_FUTURE_DAYS));
        for (const e of lostErrors) expect(e.message).toMatch(/^資格喪失日: /);
      }),
    );
  });

  it('acquisition not before birth', () => {
    fc.assert(
      fc.property(dayArb, dayArb, (birth, a) => {
        fc.pre(!isLateElderlyAgeOn(birth, a));
        const r = checkPeriod(period({ acquiredOn: a, acquisitionReason: 'other' }), person({ birthDate: birth }), [], { today: TODAY });
        expect(r.errors.some((e) => e.field === 'acquiredOn' && e.message.includes('生年月日'))).toBe(a < birth);
      }),
    );
  });

  it('75歳到達: no acquisition on or after the 75th birthday (国保法 §6第8号)', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: -400, max: 400 }), (birth, offset) => {
        const b75 = birthdayAtAge(birth, 75);
        const a = addDays(b75, offset);
        const r = checkPeriod(period({ acquiredOn: a, acquisitionReason: 'other' }), person({ birthDate: birth }), [], { today: TODAY });
        expect(r.errors.some((e) => e.field === 'acquiredOn' && e.message.includes('後期高齢者医療'))).toBe(offset >= 0 && a >= '2008-04-01');
      }),
    );
  });

  it('死亡: the loss is the day after the death date, nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: -30, max: 30 }), (d, off) => {
        const death = addDays('2015-01-01', d);
        const lostOn = addDays(death, 1 + off);
        const r = checkPeriod(period({ acquiredOn: '2010-04-01', lostOn, lossReason: 'death' }), person({ deathDate: death }), [], { today: '2099-01-01' });
        const bad = r.errors.filter((e) => e.field === 'lostOn' && e.message.includes('死亡日'));
        expect(bad.length > 0).toBe(off !== 0);
      }),
    );
    const r = checkPeriod(period({ lostOn: '2026-03-10', lossReason: 'death' }), person({ deathDate: '2026-03-10' }), [], { today: TODAY });
    expect(r.errors[0]!.message).toBe('資格喪失日: 事由が死亡のときは死亡日(令和8年3月10日(2026-03-10))の翌日(令和8年3月11日(2026-03-11))です(国保法 §8)');
  });

  it('転出: the day after 転出日; the same day only under §8 ただし書 (a warning); unknown dates warn', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: -30, max: 30 }), (d, off) => {
        const out = addDays('2015-01-01', d);
        const lostOn = addDays(out, 1 + off);
        const r = checkPeriod(period({ acquiredOn: '2010-04-01', lostOn, lossReason: 'moved_out' }), person({ movedOutOn: out }), [], { today: '2099-01-01' });
        expect(r.errors.some((e) => e.field === 'lostOn')).toBe(off !== 0 && off !== -1);
        expect(r.warnings.some((w) => w.includes('ただし書'))).toBe(off === -1);
      }),
    );
    const unknown = checkPeriod(period({ lostOn: '2026-03-10', lossReason: 'moved_out' }), person(), [], { today: TODAY });
    expect(unknown.errors).toEqual([]);
    expect(unknown.warnings.join()).toMatch(/転出日がありません/);
  });

  it('implausible legal dates are refused, naming the field and the bound in 和暦 (a 資格取得日 in 2048)', () => {
    const year2048 = checkPeriod(period({ acquiredOn: '2048-04-01' }), person(), [], { today: TODAY });
    expect(year2048.errors).toEqual([{ field: 'acquiredOn', label: '資格取得日', message: '資格取得日: 令和8年6月15日(2026-06-15)(本日から14日後)より後の日付は入力できません。年の入力を確認してください' }]);
    const early = checkPeriod(period({ acquiredOn: '1960-04-01' }), person({ birthDate: '1930-01-01' }), [], { today: TODAY });
    expect(early.errors.map((e) => e.message)).toEqual(['資格取得日: 国民皆保険の実施日(昭和36年4月1日(1961-04-01))より前の日付は入力できません']);
    const lost = checkPeriod(period({ lostOn: '2062-01-01', lossReason: 'other' }), person(), [], { today: TODAY });
    expect(lost.errors.map((e) => e.field)).toEqual(['lostOn']);
    expect(checkPeriod(period(), person(), [], { today: TODAY, reportedOn: '1950-01-01' }).errors.map((e) => e.message)).toEqual(['届出日: 国民皆保険の実施日(昭和36年4月1日(1961-04-01))より前の日付は入力できません']);
    expect(checkPeriod(period(), person(), [], { today: TODAY, reportedOn: '2026-06-02' }).errors.map((e) => e.message)).toEqual(['届出日: 本日(令和8年6月1日(2026-06-01))より後の日付は入力できません(届出は済んだものを記録します)']);
    // Inside the window: a warning, not a refusal (a 転出 notified before the move).
    const soon = checkPeriod(period({ acquiredOn: '2026-06-15' }), person(), [], { today: TODAY });
    expect(soon.errors).toEqual([]);
    expect(soon.warnings.join()).toMatch(/将来の日付/);
    // Property: any day outside [1961-04-01, today + 14] is refused on its own field; inside, never for plausibility.
    fc.assert(
      fc.property(dayArb, (day) => {
        const bad = day < UNIVERSAL_COVERAGE_START || day > addDays(TODAY, LEGAL_DATE_FUTURE_DAYS);
        expect(plausibleLegalDate('acquiredOn', day, TODAY).length > 0).toBe(bad);
        expect(plausibleLegalDate('lostOn', day, TODAY).every((e) => e.message.startsWith('資格喪失日: '))).toBe(true);
      }),
    );
  });

  it('no overlap with another current period of the same person', () => {
    const others = [{ eligibilityId: 7, acquiredOn: '2010-04-01', lostOn: '2020-04-01' }];
    expect(fieldsOf(checkPeriod(period({ acquiredOn: '2020-04-01' }), person(), others, { today: TODAY }))).toEqual([]);
    const r = checkPeriod(period({ acquiredOn: '2019-04-01' }), person(), others, { today: TODAY });
    expect(r.errors).toEqual([{ field: 'acquiredOn', label: '資格取得日', message: '資格取得日: 同じ住民の別の資格期間(資格履歴番号 7: 平成22年4月1日(2010-04-01)〜令和2年4月1日(2020-04-01))と重なっています' }]);
  });

  it('出生 is the birth date; loss date and reason come together; 届出日 not in the future, late ones warn', () => {
    expect(fieldsOf(checkPeriod(period({ acquiredOn: '2020-01-01', acquisitionReason: 'birth' }), person({ birthDate: '2019-12-31' }), [], { today: TODAY }))).toEqual(['acquiredOn']);
    expect(fieldsOf(checkPeriod(period({ lostOn: '2024-01-01' }), person(), [], { today: TODAY }))).toEqual(['lossReason']);
    expect(fieldsOf(checkPeriod(period({ lossReason: 'other' }), person(), [], { today: TODAY }))).toEqual(['lostOn']);
    expect(fieldsOf(checkPeriod(period(), person(), [], { today: TODAY, reportedOn: '2026-06-02' }))).toEqual(['reportedOn']);
    const late = checkPeriod(period({ acquiredOn: '2026-04-01' }), person(), [], { today: TODAY, reportedOn: '2026-05-01' });
    expect(late.errors).toEqual([]);
    expect(late.warnings.join()).toMatch(/14日/);
    // The deadline (law parameter eligibility.notification_deadline_days = 14): day 14 is in time, day 15 late.
    expect(checkPeriod(period({ acquiredOn: '2026-04-01' }), person(), [], { today: TODAY, reportedOn: '2026-04-15' }).warnings.join()).not.toMatch(/過ぎています/);
    expect(checkPeriod(period({ acquiredOn: '2026-04-01' }), person(), [], { today: TODAY, reportedOn: '2026-04-16' }).warnings.join()).toMatch(/14日を過ぎています/);
  });

  it('every error message starts with the Japanese label of its field', () => {
    const labels: Record<string, string> = { acquiredOn: '資格取得日', lostOn: '資格喪失日', lossReason: '資格喪失事由', reportedOn: '届出日', acquisitionReason: '資格取得事由' };
    fc.assert(
      fc.property(dayArb, fc.option(dayArb, { nil: null }), fc.constantFrom(...ACQUISITION_REASON_CODES), fc.option(fc.constantFrom(...LOSS_REASON_CODES), { nil: null }), dayArb, (a, l, ar, lr, birth) => {
        const r = checkPeriod({ acquiredOn: a, acquisitionReason: ar, lostOn: l, lossReason: lr }, person({ birthDate: birth, deathDate: '2000-01-01', movedOutOn: '2001-01-01' }), [], { today: TODAY, reportedOn: a });
        for (const e of r.errors) {
          expect(e.label).toBe(labels[e.field]);
          expect(e.message.startsWith(`${e.label}: `)).toBe(true);
        }
      }),
    );
  });
});

describe('knownAt (system time)', () => {
  it('returns the versions recorded by then and not yet superseded', () => {
    const t = (s: string) => new Date(s);
    const rows = [
      { id: 1, recordedAt: t('2026-01-01T00:00:00Z'), supersededAt: t('2026-02-01T00:00:00Z') },
      { id: 2, recordedAt: t('2026-02-01T00:00:00Z'), supersededAt: null },
    ];
    expect(knownAt(rows, t('2026-01-15T00:00:00Z')).map((r) => r.id)).toEqual([1]);
    expect(knownAt(rows, t('2026-02-01T00:00:00Z')).map((r) => r.id)).toEqual([2]);
    expect(knownAt(rows, t('2025-12-31T00:00:00Z'))).toEqual([]);
  });
});

describe('nextBranchNo', () => {
  it('is one past the highest used, two digits, never beyond 99', () => {
    expect(nextBranchNo([], 99)).toBe('01');
    expect(nextBranchNo(['01', '03', '02'], 99)).toBe('04');
    expect(nextBranchNo(['09'], 99)).toBe('10');
    expect(nextBranchNo(['98'], 99)).toBe('99');
    expect(nextBranchNo(['99'], 99)).toBeNull();
    expect(nextBranchNo(['02'], 2)).toBeNull();
  });
});
