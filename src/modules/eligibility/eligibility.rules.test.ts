import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lawParams } from '../../platform/params/law-params.js';
import {
  checkPrefectureAcquiredOn,
  ACQUISITION_RULES,
  LOSS_RULES,
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
    expect(ACQUISITION_REASON_CODES).toEqual([
      'moved_in', 'moved_in_within_prefecture', 'left_employee_insurance', 'left_national_health_union', 'birth', 'welfare_ended', 'late_elderly_withdrawn',
      'foreigner_moved_in', 'residence_status_gained', 'other',
    ]);
    expect(LOSS_REASON_CODES).toEqual([
      'moved_out', 'moved_out_within_prefecture', 'death', 'joined_employee_insurance', 'joined_national_health_union', 'late_elderly', 'late_elderly_disability',
      'welfare_started', 'residence_status_excluded', 'ex_officio', 'other',
    ]);
    expect(ACQUISITION_REASON_CODES.map(acquisitionReasonLabel)).toEqual(['転入', '県内転入', '社保離脱', '国保組合脱退', '出生', '生保廃止', '後期(障害認定)撤回', '外国人転入', '在留資格取得・変更', 'その他']);
    expect(LOSS_REASON_CODES.map(lossReasonLabel)).toEqual(['転出', '県内転出', '死亡', '社保加入', '国保組合加入', '後期高齢者医療', '後期(障害認定)', '生保開始', '在留資格(適用除外)', '職権喪失', 'その他']);
    expect(reasonList(LOSS_REASONS)[2]).toEqual({ code: 'death', label: '死亡', basis: '国保法 §8: 死亡日の翌日' });
    for (const r of [...reasonList(ACQUISITION_REASONS), ...reasonList(LOSS_REASONS)]) expect(r.basis).toMatch(/国保法 §[5678]/);
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
        const r = checkPeriod(period({ acquiredOn: a, lostOn: l, lossReason: 'other' }), person({ birthDate: '1960-01-01' }), [], { today: TODAY });
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

  it('転出 (国保法 §8第1項): the day after 転出日 (国外・不明); the 転出日 itself only when the registry says another prefecture (ただし書); 県内 is no loss', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: -30, max: 30 }), fc.constantFrom('other_prefecture', 'abroad', null), (d, off, dest) => {
        const out = addDays('2015-01-01', d);
        const lostOn = addDays(out, 1 + off);
        const r = checkPeriod(period({ acquiredOn: '2010-04-01', lostOn, lossReason: 'moved_out' }), person({ movedOutOn: out, movedOutDestination: dest as PersonFacts['movedOutDestination'] }), [], { today: '2099-01-01' });
        const ok = dest === 'other_prefecture' ? off === -1 : off === 0;
        expect(r.errors.some((e) => e.field === 'lostOn'), `${dest} ${off}`).toBe(!ok);
      }),
    );
    // Worked dates: 転出日 2026-03-10.
    const at = (dest: PersonFacts['movedOutDestination'], lostOn: string, lossReason: PeriodInput['lossReason'] = 'moved_out') =>
      checkPeriod(period({ lostOn, lossReason }), person({ movedOutOn: '2026-03-10', movedOutDestination: dest }), [], { today: TODAY });
    expect(at('other_prefecture', '2026-03-10').errors).toEqual([]);
    expect(at('other_prefecture', '2026-03-11').errors[0]!.message).toMatch(/転出日\(令和8年3月10日\(2026-03-10\)\)その日です\(国保法 §8第1項ただし書/);
    expect(at('abroad', '2026-03-11').errors).toEqual([]);
    expect(at('abroad', '2026-03-10').errors[0]!.message).toMatch(/翌日\(令和8年3月11日\(2026-03-11\)\)です\(国保法 §8第1項。転出先が国外/);
    expect(at(null, '2026-03-11').errors).toEqual([]);
    expect(at(null, '2026-03-10').errors.map((e) => e.field)).toEqual(['lostOn']);
    expect(at('within_prefecture', '2026-03-11').errors.map((e) => e.field)).toEqual(['lossReason']);
    const unknown = checkPeriod(period({ lostOn: '2026-03-10', lossReason: 'moved_out' }), person(), [], { today: TODAY });
    expect(unknown.errors).toEqual([]);
    expect(unknown.warnings.join()).toMatch(/転出日がありません/);
  });

  it('implausible legal dates are refused, naming the field and the bound in 和暦 (a 資格取得日 in 2048)', () => {
    const year2048 = checkPeriod(period({ acquiredOn: '2048-04-01' }), person(), [], { today: TODAY });
    expect(year2048.errors).toEqual([{ field: 'acquiredOn', label: '資格取得日', message: '資格取得日: 令和8年6月15日(2026-06-15)(本日から14日後)より後の日付は入力できません。年の入力を確認してください' }]);
    const early = checkPeriod(period({ acquiredOn: '1960-04-01' }), person({ birthDate: '1930-01-01' }), [], { today: TODAY });
    expect(early.errors.filter((e) => e.field === 'acquiredOn').map((e) => e.message)).toEqual(['資格取得日: 国民皆保険の実施日(昭和36年4月1日(1961-04-01))より前の日付は入力できません']);
    const lost = checkPeriod(period({ lostOn: '2052-01-01', lossReason: 'other' }), person(), [], { today: TODAY });
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

describe('one rule per reason, with its article (worked dates)', () => {
  const errorsOf = (r: { errors: { message: string }[] }) => r.errors.map((e) => e.message);
  const acquire = (reason: PeriodInput['acquisitionReason'], acquiredOn: string, occurredOn: string | null, facts: Partial<PersonFacts> = {}) =>
    checkPeriod(period({ acquiredOn, acquisitionReason: reason }), person(facts), [], { today: TODAY, acquisitionOccurredOn: occurredOn });
  const lose = (reason: NonNullable<PeriodInput['lossReason']>, lostOn: string, occurredOn: string | null, facts: Partial<PersonFacts> = {}) =>
    checkPeriod(period({ lostOn, lossReason: reason }), person(facts), [], { today: TODAY, lossOccurredOn: occurredOn });

  it('every reason has its rule', () => {
    expect(Object.keys(ACQUISITION_RULES)).toEqual(ACQUISITION_REASON_CODES);
    expect(Object.keys(LOSS_RULES)).toEqual(LOSS_REASON_CODES);
  });

  it('転入 (国保法 §5, §7): the 住民日; never before it', () => {
    expect(acquire('moved_in', '2026-04-01', null, { becameResidentOn: '2026-04-01' }).errors).toEqual([]);
    expect(errorsOf(acquire('moved_in', '2026-03-31', null, { becameResidentOn: '2026-04-01' }))[0]).toMatch(/住民日\(令和8年4月1日\(2026-04-01\)\)より前です.*国保法 §5, §7/);
    expect(acquire('moved_in', '2026-04-03', null, { becameResidentOn: '2026-04-01' }).warnings.join()).toMatch(/住民日/);
    expect(errorsOf(acquire('foreigner_moved_in', '2026-03-31', null, { becameResidentOn: '2026-04-01' }))[0]).toMatch(/施行規則 §1第1号/);
  });

  it('県内転入 (国保法 §5): 適用開始 on the 転入日, only from 2018-04-01 (都道府県が保険者)', () => {
    expect(acquire('moved_in_within_prefecture', '2026-04-01', null, { becameResidentOn: '2026-04-01' }).errors).toEqual([]);
    expect(errorsOf(acquire('moved_in_within_prefecture', '2017-04-01', null, { becameResidentOn: '2017-04-01' }))[0]).toMatch(/平成30年4月1日.*国保法 §5/);
  });

  it('県の資格取得日 (国保法 §5, §7): only beside a 県内転入, not after its 適用開始日; missing → a reminder, not a refusal', () => {
    expect(checkPrefectureAcquiredOn('moved_in_within_prefecture', '2026-10-01', '2019-06-01')).toEqual({ errors: [], warnings: [] });
    expect(checkPrefectureAcquiredOn('moved_in_within_prefecture', '2026-10-01', '2026-10-01').errors).toEqual([]);
    expect(checkPrefectureAcquiredOn('moved_in_within_prefecture', '2026-10-01', '2026-10-02').errors.map((e) => e.message)).toEqual(['県の資格取得日: 本市の適用開始日(資格取得日 令和8年10月1日(2026-10-01))より後にはできません']);
    expect(checkPrefectureAcquiredOn('moved_in_within_prefecture', '2026-10-01', '1960-01-01').errors[0]!.field).toBe('prefectureAcquiredOn');
    expect(checkPrefectureAcquiredOn('moved_in_within_prefecture', '2026-10-01', null)).toMatchObject({ errors: [], warnings: [expect.stringMatching(/県の資格取得日.*前住所地/)] });
    expect(checkPrefectureAcquiredOn('moved_in', '2026-10-01', '2019-06-01').errors.map((e) => e.field)).toEqual(['prefectureAcquiredOn']);
    expect(checkPrefectureAcquiredOn('moved_in', '2026-10-01', null)).toEqual({ errors: [], warnings: [] });
  });

  it('社保離脱 (国保法 §7): the day after the 退職日', () => {
    expect(acquire('left_employee_insurance', '2026-04-01', '2026-03-31').errors).toEqual([]);
    expect(errorsOf(acquire('left_employee_insurance', '2026-03-31', '2026-03-31'))[0]).toBe('資格取得日: 退職日(令和8年3月31日(2026-03-31))の翌日(令和8年4月1日(2026-04-01))です(国保法 §7: 被用者保険に該当しなくなった日)');
    expect(acquire('left_employee_insurance', '2026-03-31', null).errors).toEqual([]); // no 退職日 entered: nothing to compare
  });

  it('国保組合脱退 (国保法 §6第10号, §7): the day the union 資格 ends', () => {
    expect(acquire('left_national_health_union', '2026-04-01', '2026-04-01').errors).toEqual([]);
    expect(errorsOf(acquire('left_national_health_union', '2026-04-02', '2026-04-01'))[0]).toMatch(/国保組合の資格喪失日.*その日.*国保法 §6第10号, §7/);
  });

  it('出生 (国保法 §7): the birth date', () => {
    expect(acquire('birth', '1980-05-10', null).errors).toEqual([]);
    expect(errorsOf(acquire('birth', '1980-05-11', null))[0]).toMatch(/生年月日.*国保法 §7/);
  });

  it('生保廃止 (国保法 §6第9号, §7): the day 保護 ended', () => {
    expect(acquire('welfare_ended', '2026-05-01', '2026-05-01').errors).toEqual([]);
    expect(errorsOf(acquire('welfare_ended', '2026-05-02', '2026-05-01'))[0]).toMatch(/保護廃止日.*国保法 §6第9号, §7/);
  });

  it('後期(障害認定)撤回 (国保法 §7; 高齢者医療確保法 §50第2号): the day after the withdrawal, 65 or older', () => {
    const old = { birthDate: '1958-05-10' };
    expect(acquire('late_elderly_withdrawn', '2026-05-02', '2026-05-01', old).errors).toEqual([]);
    expect(errorsOf(acquire('late_elderly_withdrawn', '2026-05-01', '2026-05-01', old))[0]).toMatch(/障害認定の撤回日.*翌日.*高齢者医療確保法 §50第2号/);
    expect(errorsOf(acquire('late_elderly_withdrawn', '2026-05-02', '2026-05-01'))[0]).toMatch(/65歳未満/);
  });

  it('在留資格取得・変更 (国保法 §6第11号, 施行規則 §1): the day of the new status', () => {
    expect(acquire('residence_status_gained', '2026-05-01', '2026-05-01').errors).toEqual([]);
    expect(errorsOf(acquire('residence_status_gained', '2026-04-30', '2026-05-01'))[0]).toMatch(/在留資格の取得・変更の日.*施行規則 §1/);
  });

  it('acquisition only while a resident (国保法 §5): not after the 転出日 nor the death', () => {
    expect(errorsOf(acquire('other', '2026-03-11', null, { movedOutOn: '2026-03-10' })).join()).toMatch(/転出日.*より後の日付です.*国保法 §5/);
    expect(errorsOf(acquire('other', '2026-03-11', null, { deathDate: '2026-03-10' })).join()).toMatch(/死亡日.*より後の日付です/);
  });

  it('県内転出 (国保法 §5): 適用終了 on the 転出日, not a loss; refused when the registry says another prefecture or abroad', () => {
    expect(lose('moved_out_within_prefecture', '2026-03-10', null, { movedOutOn: '2026-03-10', movedOutDestination: 'within_prefecture' }).errors).toEqual([]);
    expect(errorsOf(lose('moved_out_within_prefecture', '2026-03-11', null, { movedOutOn: '2026-03-10', movedOutDestination: 'within_prefecture' }))[0]).toMatch(/適用終了日は転出日.*国保法 §5/);
    expect(errorsOf(lose('moved_out_within_prefecture', '2026-03-10', null, { movedOutOn: '2026-03-10', movedOutDestination: 'other_prefecture' }))[0]).toMatch(/他の都道府県.*国保法 §8/);
  });

  it('社保加入 (国保法 §8第1項; the municipal parameter): the employee insurance 資格取得日 + the offset (1: the day after)', () => {
    const offset = lawParams().integer('eligibility.employee_insurance_loss_offset_days', '2026-04-01');
    expect(lose('joined_employee_insurance', addDays('2026-04-01', offset), '2026-04-01').errors).toEqual([]);
    expect(errorsOf(lose('joined_employee_insurance', addDays('2026-04-01', offset + 1), '2026-04-01'))[0]).toMatch(/被用者保険の資格取得日\(令和8年4月1日\(2026-04-01\)\).*国保法 §8第1項; 市の設定「被用者保険に加入したときの国保の資格喪失日」/);
  });

  it('国保組合加入 (国保法 §6第10号, §8第2項) and 生保開始 (§6第9号, §8第2項): that day', () => {
    expect(lose('joined_national_health_union', '2026-04-01', '2026-04-01').errors).toEqual([]);
    expect(errorsOf(lose('joined_national_health_union', '2026-04-02', '2026-04-01'))[0]).toMatch(/国保組合の資格取得日.*その日.*§8第2項/);
    expect(lose('welfare_started', '2026-04-01', '2026-04-01').errors).toEqual([]);
    expect(errorsOf(lose('welfare_started', '2026-04-02', '2026-04-01'))[0]).toMatch(/保護開始日.*その日.*国保法 §6第9号, §8第2項/);
  });

  it('75歳到達 (国保法 §6第8号; 高齢者医療確保法 §52; 川口市): the 75th birthday, nothing else; an open period past it is refused', () => {
    const born = { birthDate: '1951-05-10' };
    expect(lose('late_elderly', '2026-05-10', null, born).errors).toEqual([]);
    expect(errorsOf(lose('late_elderly', '2026-05-11', null, born))).toContain('資格喪失日: 事由が後期高齢者医療のときは75歳の誕生日(令和8年5月10日(2026-05-10))です(国保法 §6第8号、高齢者医療確保法 §52)');
    expect(errorsOf(lose('late_elderly', '2026-05-11', null, born)).join()).toMatch(/75歳の誕生日.*より後です/);
    expect(errorsOf(lose('late_elderly', '2026-05-09', null, born))[0]).toMatch(/障害認定/);
    const open = checkPeriod(period({ acquiredOn: '2020-04-01' }), person(born), [], { today: TODAY });
    expect(errorsOf(open).join()).toMatch(/75歳の誕生日\(令和8年5月10日\(2026-05-10\)\)に後期高齢者医療へ移り/);
    // Already 75 when the scheme began: the loss is 2008-04-01.
    const before = checkPeriod(period({ acquiredOn: '2000-04-01', lostOn: '2008-04-01', lossReason: 'late_elderly' }), person({ birthDate: '1930-01-01' }), [], { today: TODAY });
    expect(before.errors).toEqual([]);
    const openBefore = checkPeriod(period({ acquiredOn: '2000-04-01' }), person({ birthDate: '1930-01-01' }), [], { today: TODAY });
    expect(errorsOf(openBefore).join()).toMatch(/後期高齢者医療制度の施行日\(平成20年4月1日\(2008-04-01\)、既に75歳以上\)/);
  });

  it('後期(障害認定) (国保法 §6第8号; 高齢者医療確保法 §50第2号): 65–74, the day 後期 begins', () => {
    const born = { birthDate: '1958-05-10' }; // 68 in 2026
    expect(lose('late_elderly_disability', '2026-04-01', '2026-04-01', born).errors).toEqual([]);
    expect(errorsOf(lose('late_elderly_disability', '2026-04-02', '2026-04-01', born))[0]).toMatch(/後期高齢者医療の資格取得日.*§50第2号/);
    expect(errorsOf(lose('late_elderly_disability', '2026-04-01', null))[0]).toMatch(/65歳の誕生日.*より前です/);
  });

  it('在留資格(適用除外) (国保法 §6第11号, §8第1項, 施行規則 §1): the day after', () => {
    expect(lose('residence_status_excluded', '2026-04-02', '2026-04-01').errors).toEqual([]);
    expect(errorsOf(lose('residence_status_excluded', '2026-04-01', '2026-04-01'))[0]).toMatch(/翌日.*施行規則 §1/);
  });

  it('職権喪失 (保国発1129第1号・保国発1228第1号): the day after the fact; without the day of the fact a warning for the approver', () => {
    expect(lose('ex_officio', '2026-04-02', '2026-04-01').errors).toEqual([]);
    expect(errorsOf(lose('ex_officio', '2026-04-01', '2026-04-01'))[0]).toMatch(/翌日.*保国発1129第1号/);
    expect(lose('ex_officio', '2026-04-01', null).warnings.join()).toMatch(/保国発1228第1号/);
  });

  it('death bounds every loss (国保法 §8): an open period of a dead person and a loss after the day after death are refused', () => {
    const dead = { deathDate: '2026-03-10' };
    expect(errorsOf(checkPeriod(period(), person(dead), [], { today: TODAY })).join()).toMatch(/死亡した住民.*翌日\(令和8年3月11日\(2026-03-11\)\)に喪失します/);
    expect(errorsOf(lose('joined_employee_insurance', '2026-04-01', null, dead)).join()).toMatch(/死亡日.*より後です/);
    expect(lose('joined_employee_insurance', '2026-03-05', null, dead).errors).toEqual([]);
  });

  it('move-out bounds every loss (国保法 §8): an open period after a past 転出日 is refused', () => {
    expect(errorsOf(checkPeriod(period(), person({ movedOutOn: '2026-03-10' }), [], { today: TODAY })).join()).toMatch(/転出した住民/);
    expect(checkPeriod(period(), person({ movedOutOn: '2026-06-10' }), [], { today: TODAY }).errors).toEqual([]); // 転出予定
    expect(errorsOf(lose('other', '2026-04-01', null, { movedOutOn: '2026-03-10' })).join()).toMatch(/転出日.*翌日.*より後です/);
  });

  it('届出日 (国保法 §9; 施行規則 §2・§11): 14 days for both; later is 遡及, warned and flagged', () => {
    const deadline = lawParams().integer('eligibility.notification_deadline_days', '2026-04-01');
    const inTime = checkPeriod(period({ acquiredOn: '2026-04-01', lostOn: '2026-05-01', lossReason: 'other' }), person(), [], { today: TODAY, reportedOn: addDays('2026-04-01', deadline), lossReportedOn: addDays('2026-05-01', deadline) });
    expect(inTime.retroactive).toEqual({ acquisition: false, loss: false });
    const late = checkPeriod(period({ acquiredOn: '2026-04-01', lostOn: '2026-05-01', lossReason: 'other' }), person(), [], { today: TODAY, reportedOn: addDays('2026-04-01', deadline + 1), lossReportedOn: addDays('2026-05-01', deadline + 1) });
    expect(late.retroactive).toEqual({ acquisition: true, loss: true });
    expect(late.warnings.join()).toMatch(/施行規則 §2\)。遡及/);
    expect(late.warnings.join()).toMatch(/施行規則 §11\)。遡及/);
    // From the event's day when entered (社保離脱: the 退職日).
    const fromEvent = checkPeriod(period({ acquiredOn: '2026-04-01', acquisitionReason: 'left_employee_insurance' }), person(), [], { today: TODAY, acquisitionOccurredOn: '2026-03-31', reportedOn: addDays('2026-03-31', deadline + 1) });
    expect(fromEvent.retroactive.acquisition).toBe(true);
    expect(checkPeriod(period(), person(), [], { today: TODAY, lossReportedOn: '2026-05-01' }).errors.map((e) => e.field)).toEqual(['lossReportedOn']);
  });
});

describe('properties', () => {
  const lossReasonArb = fc.constantFrom(...LOSS_REASON_CODES);
  it('the loss date a reason accepts is never before the acquisition (whatever the event day)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6000 }), fc.integer({ min: 0, max: 400 }), lossReasonArb, fc.integer({ min: -2, max: 2 }), (a, len, reason, off) => {
        const acquiredOn = addDays('2009-01-01', a);
        const lostOn = addDays(acquiredOn, len + off);
        const r = checkPeriod(period({ acquiredOn, acquisitionReason: 'other', lostOn, lossReason: reason }), person({ birthDate: '1990-01-01' }), [], { today: '2099-01-01', lossOccurredOn: addDays(acquiredOn, len) });
        if (r.errors.length === 0) expect(lostOn >= acquiredOn).toBe(true);
      }),
    );
  });

  it('no accepted set of periods overlaps: adding each period after checking it against those accepted keeps them disjoint', () => {
    const periodArb = fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.option(fc.integer({ min: 0, max: 800 }), { nil: null })).map(([a, len]) => {
      const acquiredOn = addDays('2012-01-01', a);
      return { acquiredOn, lostOn: len === null ? null : addDays(acquiredOn, len) };
    });
    fc.assert(
      fc.property(fc.array(periodArb, { maxLength: 8 }), (candidates) => {
        const accepted: (PeriodInput & { eligibilityId: number })[] = [];
        candidates.forEach((c, i) => {
          const p = period({ ...c, acquisitionReason: 'other', lossReason: c.lostOn === null ? null : 'other' });
          const r = checkPeriod(p, person({ birthDate: '1990-01-01' }), accepted, { today: '2099-01-01' });
          if (r.errors.length === 0) accepted.push({ ...p, eligibilityId: i });
        });
        for (const x of accepted) for (const y of accepted) if (x !== y) expect(periodsOverlap(x, y)).toBe(false);
      }),
    );
  });
});
