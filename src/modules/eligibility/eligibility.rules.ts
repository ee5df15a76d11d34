import type { FieldError } from '../../http/errors.js';
import { lawParams } from '../../platform/params/law-params.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';

/**
 * Pure rules of 資格 (NHI eligibility). No I/O: the service loads the facts and the other periods and
 * asks these functions; the same functions run again in the approval step against the data as it is
 * then. Legal basis (国民健康保険法, 昭和33年法律第192号; §8 as amended for 都道府県 from 平成30年4月1日):
 *
 *  - 国保法 §5: everyone with a 住所 in the prefecture is insured, unless excluded by
 *  - 国保法 §6: 被用者保険 (items 1–7), 後期高齢者医療 (item 8), 生活保護 (item 9), 国保組合 (item 10) …
 *  - 国保法 §7: 資格取得日 = the day the person came to have a 住所 (転入), the day they ceased to fall
 *    under §6 (社保離脱: the day after 退職日; 生保廃止: the day 保護 ended), the date of birth (出生).
 *  - 国保法 §8: 資格喪失日 = the day AFTER leaving the 住所 (転出) — but THAT day when the person comes to
 *    have a 住所 in another prefecture on the same day (ただし書) —, the day after death, the day after
 *    falling under §6 items 1–8 (社保加入, 後期高齢者医療); the day itself for §6 items 9–10 (生保開始).
 *
 * Periods are half-open: [acquired_on, lost_on). lost_on is the first day the person is no longer
 * insured, so a period lost on D and another acquired on D do not overlap.
 */

/** A reason of 資格取得・資格喪失: its Japanese label (what screens show) and its legal basis. */
export interface ReasonInfo {
  label: string;
  /** What the date must be, and why. */
  basis: string;
}

/** 資格取得事由: the code is what nhi_eligibility.acquisition_reason stores (CHECK), the label what screens show. */
export const ACQUISITION_REASONS = {
  moved_in: { label: '転入', basis: '国保法 §5, §7: 住所を有するに至った日(他の都道府県からの転入日)' },
  moved_in_within_prefecture: {
    label: '県内転入',
    basis: '国保法 §5, §7(平成30年4月から都道府県が保険者): 県内の市町村間の異動は資格を継続し、転入日から本市の適用開始(県の資格取得日は変わらない)',
  },
  left_employee_insurance: { label: '社保離脱', basis: '国保法 §6第1〜7号, §7: 該当しなくなった日(退職日の翌日)' },
  left_national_health_union: { label: '国保組合脱退', basis: '国保法 §6第10号, §7: 国保組合の被保険者でなくなった日(組合の資格喪失日)' },
  birth: { label: '出生', basis: '国保法 §7: 出生日' },
  welfare_ended: { label: '生保廃止', basis: '国保法 §7: 第6条第9号に該当しなくなった日(保護を受けなくなった日)' },
  late_elderly_withdrawn: { label: '後期(障害認定)撤回', basis: '国保法 §6第8号, §7; 高齢者医療確保法 §50第2号: 障害認定の撤回により後期高齢者医療の被保険者でなくなった日(撤回日の翌日)' },
  foreigner_moved_in: { label: '外国人転入', basis: '国保法 §7, 施行規則 §1: 住民基本台帳の住民となった日' },
  residence_status_gained: { label: '在留資格取得・変更', basis: '国保法 §6第11号, §7, 施行規則 §1: 適用除外(在留期間3月以下・医療滞在等)に該当しなくなった日(在留資格の取得・変更の日)' },
  other: { label: 'その他', basis: '国保法 §7' },
} as const satisfies Record<string, ReasonInfo>;

/** 資格喪失事由: the code is what nhi_eligibility.loss_reason stores (CHECK), the label what screens show. */
export const LOSS_REASONS = {
  moved_out: { label: '転出', basis: '国保法 §8: 住所を有しなくなった日の翌日(同日に他の都道府県に住所を有するに至ったときはその日: ただし書)' },
  moved_out_within_prefecture: { label: '県内転出', basis: '国保法 §5(平成30年4月から都道府県が保険者): 県内の市町村間の異動は資格喪失ではなく、転出日に本市の適用終了(県の資格は継続)' },
  death: { label: '死亡', basis: '国保法 §8: 死亡日の翌日' },
  joined_employee_insurance: { label: '社保加入', basis: '国保法 §6第1〜7号, §8第1項: 被用者保険の資格取得日の翌日(日数は市の設定「被用者保険に加入したときの国保の資格喪失日」)' },
  joined_national_health_union: { label: '国保組合加入', basis: '国保法 §6第10号, §8第2項: 国保組合の被保険者となった日' },
  late_elderly: { label: '後期高齢者医療', basis: '国保法 §6第8号; 高齢者医療確保法 §50第1号, §52: 75歳の誕生日(川口市: 保険証の有効期限は75歳の誕生日の前日まで)' },
  late_elderly_disability: { label: '後期(障害認定)', basis: '国保法 §6第8号; 高齢者医療確保法 §50第2号, §52: 65〜74歳で障害認定を受け後期高齢者医療の被保険者となった日' },
  welfare_started: { label: '生保開始', basis: '国保法 §6第9号, §8第2項: 保護を受け始めた日' },
  residence_status_excluded: { label: '在留資格(適用除外)', basis: '国保法 §6第11号, §8第1項, 施行規則 §1: 適用除外の在留資格等に該当するに至った日の翌日' },
  ex_officio: {
    label: '職権喪失',
    basis: '国保法 §8, §9(届出がないとき): 保国発1129第1号(令和4年11月29日、資格重複状況結果一覧による被用者保険との重複)・保国発1228第1号(令和4年12月28日、適用除外の在留資格への変更)により職権で喪失(事実の発生日の翌日)',
  },
  other: { label: 'その他', basis: '国保法 §8' },
} as const satisfies Record<string, ReasonInfo>;

export type AcquisitionReason = keyof typeof ACQUISITION_REASONS;
export type LossReason = keyof typeof LOSS_REASONS;
export const ACQUISITION_REASON_CODES = Object.keys(ACQUISITION_REASONS) as [AcquisitionReason, ...AcquisitionReason[]];
export const LOSS_REASON_CODES = Object.keys(LOSS_REASONS) as [LossReason, ...LossReason[]];

/** The reasons as a list in their order (the reasons endpoint, the screens' choices). */
export function reasonList<C extends string>(reasons: Record<C, ReasonInfo>): { code: C; label: string; basis: string }[] {
  return (Object.keys(reasons) as C[]).map((code) => ({ code, label: reasons[code].label, basis: reasons[code].basis }));
}

export function acquisitionReasonLabel(code: AcquisitionReason): string {
  return ACQUISITION_REASONS[code].label;
}
export function lossReasonLabel(code: LossReason): string {
  return LOSS_REASONS[code].label;
}

/** Japanese labels of the fields these rules name (the API's field names). */
export const ELIGIBILITY_FIELD_LABELS = {
  householdNo: '世帯番号',
  acquiredOn: '資格取得日',
  acquisitionReason: '資格取得事由',
  lostOn: '資格喪失日',
  lossReason: '資格喪失事由',
  reportedOn: '届出日',
  lossReportedOn: '資格喪失の届出日',
  occurredOn: '事由発生日',
  prefectureAcquiredOn: '県の資格取得日',
} as const;
export type EligibilityField = keyof typeof ELIGIBILITY_FIELD_LABELS;

// ---- dates (ISO 'YYYY-MM-DD', compared as strings; arithmetic in UTC so no time zone can shift a day) ----

export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1868 || y > 2200) return false;
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

export function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const dt = new Date(Date.UTC(y, m - 1, d + days));
  return `${String(dt.getUTCFullYear()).padStart(4, '0')}-${String(dt.getUTCMonth() + 1).padStart(2, '0')}-${String(dt.getUTCDate()).padStart(2, '0')}`;
}

export function daysBetween(from: string, to: string): number {
  const t = (iso: string) => {
    const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((t(to) - t(from)) / 86_400_000);
}

/** Today in Japan (the legal calendar of the system). */
export function todayInJapan(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Tokyo' }).format(now);
}

/**
 * The birthday at `age`: same month and day `age` years on. Someone born on 29 February reaches an age
 * at the end of 28 February (年齢計算ニ関スル法律), so in a common year the birthday is taken as 1 March.
 */
export function birthdayAtAge(birthDate: string, age: number): string {
  const y = Number(birthDate.slice(0, 4)) + age;
  const md = birthDate.slice(5);
  const candidate = `${String(y).padStart(4, '0')}-${md}`;
  // Only 29 February can be missing from the year reached (a valid birth date is assumed, as before).
  if (md !== '02-29') return candidate;
  return isIsoDate(candidate) ? candidate : `${String(y).padStart(4, '0')}-03-01`;
}

/**
 * 年齢 on `day` (both YYYY-MM-DD, `day` read as a date in Japan): the highest age whose birthday
 * (birthdayAtAge) is on or before `day`, so it counts as birthdayAtAge does (年齢計算ニ関スル法律 with
 * 民法 §143: someone born on 29 February turns a year older on 1 March of a common year). 0 before the
 * first birthday; -1 when `day` is before the birth (not born yet).
 */
export function ageOn(birthDate: string, day: string): number {
  if (day < birthDate) return -1;
  let age = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  while (age > 0 && birthdayAtAge(birthDate, age) > day) age--;
  return age;
}

/**
 * The age at which 後期高齢者医療 begins (law parameter `eligibility.age_latter_elderly`, 75: 高齢者医療確保法
 * §50第1号, §52) as in force on `day`; null before the scheme existed (2008-04-01: under 老人保健法 a
 * person of 75 stayed insured by NHI).
 */
export function lateElderlyAge(day: string): number | null {
  const e = lawParams().find('eligibility.age_latter_elderly', day);
  return e ? (e.value as number) : null;
}

/** The day 後期高齢者医療 begins for this person under the age in force on `day` (the 75th birthday); null before 2008-04-01. */
export function lateElderlyBirthday(birthDate: string, day: string): string | null {
  const age = lateElderlyAge(day);
  return age === null ? null : birthdayAtAge(birthDate, age);
}

/** Covered by 後期高齢者医療 by age on this day (国保法 §6第8号): on or after that birthday. */
export function isLateElderlyAgeOn(birthDate: string, day: string): boolean {
  const birthday = lateElderlyBirthday(birthDate, day);
  return birthday !== null && day >= birthday;
}

export interface PeriodDates {
  acquiredOn: string;
  lostOn: string | null;
}

/** Whether two half-open periods [acquiredOn, lostOn) share a day (an empty period shares none). */
export function periodsOverlap(a: PeriodDates, b: PeriodDates): boolean {
  const aEnd = a.lostOn ?? '9999-12-31';
  const bEnd = b.lostOn ?? '9999-12-31';
  if (a.acquiredOn >= aEnd || b.acquiredOn >= bEnd) return false;
  return a.acquiredOn < bEnd && b.acquiredOn < aEnd;
}

// ---- the check of one period against the person and the person's other current periods ----

export interface PeriodInput extends PeriodDates {
  acquisitionReason: AcquisitionReason;
  lossReason: LossReason | null;
}

/** Where a 転出 went, as the 住民記録 (住基連携) says: it decides the 資格喪失日 (国保法 §8 and its ただし書). */
export const MOVED_OUT_DESTINATIONS = {
  other_prefecture: '他の都道府県',
  within_prefecture: '県内の他の市町村',
  abroad: '国外',
} as const;
export type MovedOutDestination = keyof typeof MOVED_OUT_DESTINATIONS;

/** What the 住民記録 knows of the person (宛名). */
export interface PersonFacts {
  birthDate: string;
  deathDate: string | null;
  /** 転出日 (the day the person left the 住所). */
  movedOutOn: string | null;
  /** Where the 転出 went (null: not known, e.g. a record from before the registry said it). */
  movedOutDestination?: MovedOutDestination | null;
  /** 住民日 (the day the person became a resident here). */
  becameResidentOn: string | null;
}

export interface OtherPeriod extends PeriodDates {
  eligibilityId: number;
}

export interface RuleResult {
  /** Refusals, each naming its field in Japanese. */
  errors: FieldError[];
  /** 関連性・整合性チェック: shown to the requester and the approver, not a refusal. */
  warnings: string[];
}

/** checkPeriod's answer: also whether each 届出 came after the deadline (遡及: 賦課 must look again). */
export interface PeriodCheck extends RuleResult {
  retroactive: { acquisition: boolean; loss: boolean };
}

function fieldError(field: EligibilityField, message: string): FieldError {
  const label = ELIGIBILITY_FIELD_LABELS[field];
  return { field, label, message: `${label}: ${message}` };
}

// ---- plausibility of the legal dates (a typing slip such as 2048 for 2024 is refused, not warned) ----

/**
 * 国民皆保険: 国民健康保険法 (昭和33年法律第192号) made every 市町村 run 国民健康保険 by 昭和36年4月1日; no
 * 資格 of this insurer, and no 届出 of one, can lie before it.
 */
export const UNIVERSAL_COVERAGE_START = '1961-04-01';
/**
 * How far ahead a legal date of 資格 may be entered: a 転出届 is made before the move (住民基本台帳法 §24
 * 「あらかじめ」), so a 資格喪失日 a few days ahead is real; beyond this it is a typing slip. An
 * operational bound of this system, not a law's number.
 */
export const LEGAL_DATE_FUTURE_DAYS = 14;

/** 資格取得日・資格喪失日: not before 国民皆保険, not later than today + LEGAL_DATE_FUTURE_DAYS. */
export function plausibleLegalDate(field: 'acquiredOn' | 'lostOn', day: string, today: string): FieldError[] {
  if (day < UNIVERSAL_COVERAGE_START) return [fieldError(field, `国民皆保険の実施日(${d(UNIVERSAL_COVERAGE_START)})より前の日付は入力できません`)];
  const latest = addDays(today, LEGAL_DATE_FUTURE_DAYS);
  if (day > latest) return [fieldError(field, `${d(latest)}(本日から${LEGAL_DATE_FUTURE_DAYS}日後)より後の日付は入力できません。年の入力を確認してください`)];
  return [];
}

// ---- 後期高齢者医療: the last day of 国保 by age ----

/**
 * The day 後期高齢者医療 takes the person by age (国保法 §6第8号, 高齢者医療確保法 §50第1号, §52): the 75th
 * birthday, or the day the scheme began (2008-04-01, the parameter's first value) for someone already 75
 * then. 川口市: 「国民健康保険の保険証の有効期限は75歳の誕生日の前日まで」, so the 資格喪失日 is the birthday.
 */
export function lateElderlyStart(birthDate: string): string {
  const def = lawParams().def('eligibility.age_latter_elderly');
  const schemeStart = def.values[0]!.from;
  const latest = def.values.at(-1)!.value as number;
  let birthday = birthdayAtAge(birthDate, latest);
  const inForce = lateElderlyBirthday(birthDate, birthday);
  if (inForce !== null) birthday = inForce;
  return birthday < schemeStart ? schemeStart : birthday;
}

// ---- one rule per reason: the legal date from the day of its event (事由発生日) ----

/** What a reason's rule is given: the period, the person, and the day the event happened (if entered). */
export interface ReasonContext {
  p: PeriodInput;
  person: PersonFacts;
  /** 事由発生日: the day of the event the reason names (退職日, 保護開始日, 社保の資格取得日 …). */
  occurredOn: string | null;
  today: string;
}
type ReasonRule = (c: ReasonContext) => RuleResult;
const ok = (): RuleResult => ({ errors: [], warnings: [] });

/** The date must be `expected` when the event's day is known (事由発生日 + offset); the article named. */
function fromEvent(field: 'acquiredOn' | 'lostOn', actual: string | null, c: ReasonContext, offset: number, event: string, article: string): RuleResult {
  const r = ok();
  if (c.occurredOn === null || actual === null) return r;
  const expected = addDays(c.occurredOn, offset);
  if (actual !== expected) {
    const when = offset === 0 ? 'その日' : offset === 1 ? '翌日' : `${offset}日後`;
    r.errors.push(fieldError(field, `${event}(${d(c.occurredOn)})の${when}(${d(expected)})です(${article})`));
  }
  return r;
}

/** 転入 (any kind): 取得日 is the 住民日; never before it (a person is insured only while a resident, 国保法 §5). */
function fromResidence(c: ReasonContext, article: string): RuleResult {
  const r = ok();
  const { becameResidentOn } = c.person;
  if (!becameResidentOn) return r;
  if (c.p.acquiredOn < becameResidentOn) r.errors.push(fieldError('acquiredOn', `住民記録の住民日(${d(becameResidentOn)})より前です。住民でない期間は被保険者になりません(${article})`));
  else if (c.p.acquiredOn !== becameResidentOn) r.warnings.push(`資格取得日(${d(c.p.acquiredOn)})が住民記録の住民日(${d(becameResidentOn)})と異なります。転入日を確認してください(${article})`);
  return r;
}

/** 資格取得: one rule per reason (国保法 §7 and the §6 item the person ceased to fall under). */
export const ACQUISITION_RULES: Record<AcquisitionReason, ReasonRule> = {
  // 国保法 §5, §7: the day the person came to have a 住所 in the prefecture (転入日).
  moved_in: (c) => fromResidence(c, '国保法 §5, §7'),
  // 国保法 §5, §7 (都道府県 as insurer from 2018-04-01): 資格 continues; this city's 適用 begins on the 転入日.
  moved_in_within_prefecture: (c) => {
    const r = fromResidence(c, '国保法 §5: 県内転入は転入日から適用開始');
    if (c.p.acquiredOn < '2018-04-01') r.errors.push(fieldError('acquisitionReason', '県内転入(資格継続)は平成30年4月1日(都道府県が保険者となった日)以後に限ります(国保法 §5)'));
    return r;
  },
  // 国保法 §6第1〜7号, §7: the day after the 退職日 (the employee insurance ends at the end of that day).
  left_employee_insurance: (c) => fromEvent('acquiredOn', c.p.acquiredOn, c, 1, '退職日', '国保法 §7: 被用者保険に該当しなくなった日'),
  // 国保法 §6第10号, §7 (組合の側は §21ただし書): the day the union's 資格 ends.
  left_national_health_union: (c) => fromEvent('acquiredOn', c.p.acquiredOn, c, 0, '国保組合の資格喪失日', '国保法 §6第10号, §7'),
  // 国保法 §7: the date of birth.
  birth: (c) => {
    const r = ok();
    if (c.p.acquiredOn !== c.person.birthDate) r.errors.push(fieldError('acquiredOn', `事由が出生のときは生年月日(${d(c.person.birthDate)})です(国保法 §7)`));
    return r;
  },
  // 国保法 §6第9号, §7: the day 保護 ended (保護廃止日).
  welfare_ended: (c) => fromEvent('acquiredOn', c.p.acquiredOn, c, 0, '保護廃止日', '国保法 §6第9号, §7'),
  // 国保法 §6第8号, §7; 高齢者医療確保法 §50第2号: the day after the disability certification was withdrawn.
  late_elderly_withdrawn: (c) => {
    const r = fromEvent('acquiredOn', c.p.acquiredOn, c, 1, '障害認定の撤回日', '国保法 §6第8号, §7; 高齢者医療確保法 §50第2号');
    const min = disabilityAge(c.p.acquiredOn);
    if (min !== null && c.p.acquiredOn < birthdayAtAge(c.person.birthDate, min)) {
      r.errors.push(fieldError('acquisitionReason', `${min}歳未満は障害認定による後期高齢者医療の対象ではありません(高齢者医療確保法 §50第2号)`));
    }
    return r;
  },
  // 国保法 §7, 施行規則 §1第1号: the day the foreigner became a 住民基本台帳 resident.
  foreigner_moved_in: (c) => fromResidence(c, '国保法 §7, 施行規則 §1第1号'),
  // 国保法 §6第11号, §7, 施行規則 §1: the day the residence status leaving the exclusion was granted or changed.
  residence_status_gained: (c) => fromEvent('acquiredOn', c.p.acquiredOn, c, 0, '在留資格の取得・変更の日', '国保法 §6第11号, §7, 施行規則 §1'),
  other: () => ok(),
};

/** The minimum age of 後期高齢者医療 by disability certification (65), as in force on `day`; null before 2008-04-01. */
export function disabilityAge(day: string): number | null {
  const e = lawParams().find('eligibility.age_latter_elderly_disability', day);
  return e ? (e.value as number) : null;
}

/** 社保加入: days from the employee insurance's 資格取得日 to the NHI 資格喪失日 (法令パラメータ; 1 = 翌日, as 国保法 §8第1項 reads). */
export function employeeInsuranceLossOffset(day: string): number {
  return lawParams().integer('eligibility.employee_insurance_loss_offset_days', day);
}

/** 資格喪失: one rule per reason (国保法 §8 and the §6 item the person came to fall under). */
export const LOSS_RULES: Record<LossReason, ReasonRule> = {
  // 国保法 §8第1項: the day after leaving the 住所; THAT day when a 住所 in another prefecture starts the same
  // day (ただし書) — which the registry says (転出先 = 他の都道府県). Abroad or unknown: the day after.
  moved_out: ({ p, person }) => {
    const r = ok();
    if (!person.movedOutOn || p.lostOn === null) {
      if (!person.movedOutOn) r.warnings.push('住民記録に転出日がありません。転出の届出を確認してください');
      return r;
    }
    const dest = person.movedOutDestination ?? null;
    if (dest === 'within_prefecture') {
      r.errors.push(fieldError('lossReason', `転出先が県内です。県内の市町村間の異動は資格喪失ではありません。事由は県内転出(適用終了、転出日 ${d(person.movedOutOn)})です(国保法 §5)`));
    } else if (dest === 'other_prefecture') {
      if (p.lostOn !== person.movedOutOn) {
        r.errors.push(fieldError('lostOn', `転出先が他の都道府県のときは転出日(${d(person.movedOutOn)})その日です(国保法 §8第1項ただし書: 同日に他の都道府県に住所を有するに至った)`));
      }
    } else {
      const expected = addDays(person.movedOutOn, 1);
      if (p.lostOn !== expected) {
        const why = dest === 'abroad' ? '転出先が国外で同日に新しい住所がない' : '住民記録に転出先の都道府県がない';
        r.errors.push(fieldError('lostOn', `転出日(${d(person.movedOutOn)})の翌日(${d(expected)})です(国保法 §8第1項。${why}ため、ただし書の転出日当日喪失は適用できません)`));
      }
    }
    return r;
  },
  // 国保法 §5 (都道府県 as insurer from 2018-04-01): no loss of 資格; this city's 適用 ends on the 転出日 (the
  // new city's 適用 begins that day).
  moved_out_within_prefecture: ({ p, person }) => {
    const r = ok();
    if (p.lostOn !== null && p.lostOn < '2018-04-01') r.errors.push(fieldError('lossReason', '県内転出(資格継続)は平成30年4月1日(都道府県が保険者となった日)以後に限ります(国保法 §5)'));
    const dest = person.movedOutDestination ?? null;
    if (dest === 'other_prefecture' || dest === 'abroad') {
      r.errors.push(fieldError('lossReason', `住民記録の転出先は${MOVED_OUT_DESTINATIONS[dest]}です。県内転出ではなく転出(資格喪失)です(国保法 §8)`));
    }
    if (!person.movedOutOn) r.warnings.push('住民記録に転出日がありません。転出の届出を確認してください');
    else if (p.lostOn !== null && p.lostOn !== person.movedOutOn) r.errors.push(fieldError('lostOn', `県内転出の適用終了日は転出日(${d(person.movedOutOn)})です(国保法 §5: 転入先市町村の適用開始と同じ日)`));
    return r;
  },
  // 国保法 §8第1項: the day after death.
  death: ({ p, person }) => {
    const r = ok();
    if (p.lostOn === null) return r;
    if (!person.deathDate) r.warnings.push('住民記録に死亡日がありません。死亡の届出を確認してください');
    else if (p.lostOn !== addDays(person.deathDate, 1)) r.errors.push(fieldError('lostOn', `事由が死亡のときは死亡日(${d(person.deathDate)})の翌日(${d(addDays(person.deathDate, 1))})です(国保法 §8)`));
    return r;
  },
  // 国保法 §6第1〜7号, §8第1項: the day after the employee insurance's 資格取得日 (the city's parameter).
  joined_employee_insurance: (c) => {
    if (c.p.lostOn === null || c.occurredOn === null) return ok();
    return fromEvent('lostOn', c.p.lostOn, c, employeeInsuranceLossOffset(c.occurredOn), '被用者保険の資格取得日', '国保法 §8第1項; 市の設定「被用者保険に加入したときの国保の資格喪失日」');
  },
  // 国保法 §6第10号, §8第2項: the day the person joined the 国保組合.
  joined_national_health_union: (c) => fromEvent('lostOn', c.p.lostOn, c, 0, '国保組合の資格取得日', '国保法 §6第10号, §8第2項'),
  // 国保法 §6第8号; 高齢者医療確保法 §50第1号, §52: the 75th birthday (川口市: the card is valid to the day before).
  late_elderly: ({ p, person }) => {
    const r = ok();
    if (p.lostOn === null) return r;
    const start = lateElderlyStart(person.birthDate);
    if (p.lostOn !== start) {
      const age = lateElderlyAge(start) ?? 75;
      const hint = p.lostOn < start ? '。それより前の後期高齢者医療は障害認定(後期(障害認定))です' : '';
      r.errors.push(fieldError('lostOn', `事由が後期高齢者医療のときは${age}歳の誕生日(${d(start)})です(国保法 §6第8号、高齢者医療確保法 §52)${hint}`));
    }
    return r;
  },
  // 国保法 §6第8号; 高齢者医療確保法 §50第2号, §52: 65–74 and certified; the day 後期 begins (the 認定日).
  late_elderly_disability: (c) => {
    const { p, person } = c;
    const r = fromEvent('lostOn', p.lostOn, c, 0, '後期高齢者医療の資格取得日(障害認定日)', '国保法 §6第8号; 高齢者医療確保法 §50第2号, §52');
    if (p.lostOn === null) return r;
    const min = disabilityAge(p.lostOn);
    if (min === null) r.errors.push(fieldError('lostOn', '後期高齢者医療制度の施行(平成20年4月1日)より前です(高齢者医療確保法 §50第2号)'));
    else if (p.lostOn < birthdayAtAge(person.birthDate, min)) r.errors.push(fieldError('lostOn', `${min}歳の誕生日(${d(birthdayAtAge(person.birthDate, min))})より前です。障害認定による後期高齢者医療は${min}歳以上75歳未満です(高齢者医療確保法 §50第2号)`));
    else if (p.lostOn >= lateElderlyStart(person.birthDate)) r.errors.push(fieldError('lossReason', `この日は75歳以上です。事由は後期高齢者医療(75歳到達、${d(lateElderlyStart(person.birthDate))})です(高齢者医療確保法 §50第1号)`));
    return r;
  },
  // 国保法 §6第9号, §8第2項: the day 保護 began.
  welfare_started: (c) => fromEvent('lostOn', c.p.lostOn, c, 0, '保護開始日', '国保法 §6第9号, §8第2項'),
  // 国保法 §6第11号, §8第1項, 施行規則 §1: the day after the person came under the exclusion.
  residence_status_excluded: (c) => fromEvent('lostOn', c.p.lostOn, c, 1, '適用除外の在留資格への変更日', '国保法 §6第11号, §8第1項, 施行規則 §1'),
  // 職権喪失 (保国発1129第1号 / 保国発1228第1号): the day after the fact (国保法 §8第1項); the fact's day is required.
  ex_officio: (c) => {
    if (c.p.lostOn === null) return ok();
    if (c.occurredOn === null) {
      return { errors: [], warnings: ['職権喪失: 根拠となる事実(被用者保険の資格取得日・在留資格の変更日)の日を事由発生日に入力し、通知(保国発1129第1号・保国発1228第1号)による確認の記録を残してください'] };
    }
    return fromEvent('lostOn', c.p.lostOn, c, 1, '事実(被用者保険の資格取得・在留資格の変更)の発生日', '国保法 §8第1項; 保国発1129第1号, 保国発1228第1号');
  },
  other: () => ok(),
};

// ---- 届出 (国保法 §9; 施行規則 §2 取得・§11 喪失: within 14 days; law parameter eligibility.notification_deadline_days) ----

/**
 * The 届出日 of an acquisition or a loss: not in the future, not before 国民皆保険; later than the deadline
 * after the legal date (or the event's day) is 遡及 — warned, and flagged so 賦課 finds it.
 */
export function checkNotification(field: 'reportedOn' | 'lossReportedOn', what: '資格取得' | '資格喪失', from: string, reportedOn: string | null, today: string): RuleResult & { retroactive: boolean } {
  const r = { errors: [] as FieldError[], warnings: [] as string[], retroactive: false };
  if (!reportedOn) return r;
  const label = ELIGIBILITY_FIELD_LABELS[field];
  const err = (m: string) => r.errors.push({ field, label, message: `${label}: ${m}` });
  if (reportedOn > today) err(`本日(${d(today)})より後の日付は入力できません(届出は済んだものを記録します)`);
  else if (reportedOn < UNIVERSAL_COVERAGE_START) err(`国民皆保険の実施日(${d(UNIVERSAL_COVERAGE_START)})より前の日付は入力できません`);
  else {
    const deadline = lawParams().find('eligibility.notification_deadline_days', from);
    if (deadline && daysBetween(from, reportedOn) > (deadline.value as number)) {
      r.retroactive = true;
      const article = what === '資格取得' ? '国保法 §9, 施行規則 §2' : '国保法 §9, 施行規則 §11';
      const tax = what === '資格取得' ? '資格取得日に遡って賦課します' : '資格喪失日に遡って賦課を更正します';
      r.warnings.push(`${label}(${d(reportedOn)})が${what}の事実(${d(from)})から${String(deadline.value)}日を過ぎています(${article})。遡及: ${tax}`);
    }
  }
  return r;
}

export interface CheckOptions {
  today: string;
  /** 資格取得の届出日. */
  reportedOn?: string | null;
  /** 資格喪失の届出日. */
  lossReportedOn?: string | null;
  /** 事由発生日 of the acquisition (退職日, 保護廃止日 …). */
  acquisitionOccurredOn?: string | null;
  /** 事由発生日 of the loss (社保の資格取得日, 保護開始日 …). */
  lossOccurredOn?: string | null;
}

/**
 * Check one period (new, or a corrected version) of a person. `others` are the person's other current
 * periods (not superseded; the one being corrected excluded). `today` is the date in Japan.
 */
export function checkPeriod(p: PeriodInput, person: PersonFacts, others: readonly OtherPeriod[], opts: CheckOptions): PeriodCheck {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const add = (r: RuleResult) => {
    errors.push(...r.errors);
    warnings.push(...r.warnings);
  };
  const { acquiredOn, lostOn } = p;

  // 資格取得日 (国保法 §7): only while alive, a resident and under 75 (国保法 §5, §6第8号).
  if (acquiredOn < person.birthDate) {
    errors.push(fieldError('acquiredOn', `生年月日(${d(person.birthDate)})より前の日付です`));
  }
  if (person.deathDate && acquiredOn > person.deathDate) {
    errors.push(fieldError('acquiredOn', `死亡日(${d(person.deathDate)})より後の日付です(国保法 §8: 死亡の翌日に資格を喪失)`));
  }
  if (person.movedOutOn && acquiredOn > person.movedOutOn) {
    errors.push(fieldError('acquiredOn', `転出日(${d(person.movedOutOn)})より後の日付です。住所を有しない者は被保険者になりません(国保法 §5)`));
  }
  if (isLateElderlyAgeOn(person.birthDate, acquiredOn)) {
    const age = lateElderlyAge(acquiredOn)!;
    errors.push(
      fieldError('acquiredOn', `この日には${age}歳に達しています(${age}歳の誕生日 ${d(lateElderlyBirthday(person.birthDate, acquiredOn)!)})。後期高齢者医療の被保険者は国民健康保険の資格を取得できません(国保法 §6第8号)`),
    );
  }
  add(ACQUISITION_RULES[p.acquisitionReason]({ p, person, occurredOn: opts.acquisitionOccurredOn ?? null, today: opts.today }));
  errors.push(...plausibleLegalDate('acquiredOn', acquiredOn, opts.today));
  if (acquiredOn > opts.today) warnings.push(`資格取得日(${d(acquiredOn)})が将来の日付です`);

  // 資格喪失日 and 喪失事由 come together.
  if (lostOn !== null && p.lossReason === null) errors.push(fieldError('lossReason', '資格喪失日を入力するときは資格喪失事由も選んでください'));
  if (lostOn === null && p.lossReason !== null) errors.push(fieldError('lostOn', '資格喪失事由を選んだときは資格喪失日も入力してください'));

  // The period ends by the person's death, move-out and 75th birthday, whatever the reason (国保法 §5, §6第8号, §8).
  const deathEnd = person.deathDate ? addDays(person.deathDate, 1) : null;
  const moveEnd = person.movedOutOn ? addDays(person.movedOutOn, 1) : null;
  const elderlyEnd = lateElderlyStart(person.birthDate);
  const elderlyDay = elderlyEnd === birthdayAtAge(person.birthDate, lateElderlyAge(elderlyEnd) ?? 75) ? `75歳の誕生日(${d(elderlyEnd)})` : `後期高齢者医療制度の施行日(${d(elderlyEnd)}、既に75歳以上)`;
  if (lostOn === null) {
    if (deathEnd) errors.push(fieldError('lostOn', `死亡した住民(死亡日 ${d(person.deathDate!)})の資格は死亡日の翌日(${d(deathEnd)})に喪失します。資格喪失日を入力してください(国保法 §8)`));
    if (moveEnd && person.movedOutOn! <= opts.today) errors.push(fieldError('lostOn', `転出した住民(転出日 ${d(person.movedOutOn!)})の資格は転出により喪失します。資格喪失日を入力してください(国保法 §8)`));
    if (elderlyEnd <= opts.today && acquiredOn < elderlyEnd) {
      errors.push(fieldError('lostOn', `${elderlyDay}に後期高齢者医療へ移り、国保の資格を喪失しています。資格喪失日を入力してください(国保法 §6第8号)`));
    }
  } else {
    if (lostOn < acquiredOn) errors.push(fieldError('lostOn', `資格取得日(${d(acquiredOn)})より前の日付です`));
    if (deathEnd && lostOn > deathEnd) errors.push(fieldError('lostOn', `死亡日(${d(person.deathDate!)})の翌日(${d(deathEnd)})より後です。死亡の翌日に資格を喪失します(国保法 §8)`));
    if (moveEnd && lostOn > moveEnd) errors.push(fieldError('lostOn', `転出日(${d(person.movedOutOn!)})の翌日(${d(moveEnd)})より後です。転出により資格を喪失します(国保法 §8)`));
    if (lostOn > elderlyEnd && acquiredOn < elderlyEnd) errors.push(fieldError('lostOn', `${elderlyDay}より後です。その日に後期高齢者医療へ移ります(国保法 §6第8号)`));
    if (p.lossReason !== null) add(LOSS_RULES[p.lossReason]({ p, person, occurredOn: opts.lossOccurredOn ?? null, today: opts.today }));
    errors.push(...plausibleLegalDate('lostOn', lostOn, opts.today));
    if (lostOn > opts.today) warnings.push(`資格喪失日(${d(lostOn)})が将来の日付です`);
  }

  // One insurance at a time: no two current periods of the same person share a day.
  for (const o of others) {
    if (periodsOverlap(p, o)) {
      errors.push(fieldError('acquiredOn', `同じ住民の別の資格期間(資格履歴番号 ${o.eligibilityId}: ${d(o.acquiredOn)}〜${o.lostOn ? d(o.lostOn) : ''})と重なっています`));
    }
  }

  // 届出 (国保法 §9; 施行規則 §2 取得, §11 喪失): within 14 days of the fact, else 遡及.
  const acq = checkNotification('reportedOn', '資格取得', opts.acquisitionOccurredOn ?? acquiredOn, opts.reportedOn ?? null, opts.today);
  add(acq);
  const loss = lostOn === null ? { errors: [], warnings: [], retroactive: false } : checkNotification('lossReportedOn', '資格喪失', opts.lossOccurredOn ?? lostOn, opts.lossReportedOn ?? null, opts.today);
  add(loss);
  if (lostOn === null && opts.lossReportedOn) errors.push(fieldError('lossReportedOn', '資格喪失日がないときは資格喪失の届出日を入力できません'));
  return { errors, warnings, retroactive: { acquisition: acq.retroactive, loss: loss.retroactive } };
}

/**
 * A loss the law makes by itself (death, 転出, 75歳到達), applied by the system to a current period:
 * the same rules as a clerk's loss (checkPeriod). Refused → the errors (the caller leaves it to staff);
 * allowed → the new version's legal dates and its 届出 columns (遡及 judged by the rules).
 */
export function automaticLoss(
  period: { acquiredOn: string; acquisitionReason: AcquisitionReason; acquisitionReportedOn: string | null },
  loss: { lostOn: string; lossReason: LossReason; reportedOn: string | null },
  person: PersonFacts,
  others: readonly OtherPeriod[],
  today: string,
): { errors: FieldError[] } | { after: PeriodInput; acquisitionReportedOn: string | null; lossReportedOn: string | null; acquisitionRetroactive: boolean; lossRetroactive: boolean } {
  const after: PeriodInput = { acquiredOn: period.acquiredOn, acquisitionReason: period.acquisitionReason, lostOn: loss.lostOn, lossReason: loss.lossReason };
  const check = checkPeriod(after, person, others, { today, reportedOn: period.acquisitionReportedOn, lossReportedOn: loss.reportedOn });
  if (check.errors.length > 0) return { errors: check.errors };
  return {
    after,
    acquisitionReportedOn: period.acquisitionReportedOn,
    lossReportedOn: loss.reportedOn,
    acquisitionRetroactive: period.acquisitionReportedOn !== null && check.retroactive.acquisition,
    lossRetroactive: loss.reportedOn !== null && check.retroactive.loss,
  };
}

/** The first error's message, or a list of them, as the answer's message. */
export function errorsMessage(errors: readonly FieldError[]): string {
  return `資格の内容に誤りがあります: ${errors.map((e) => e.message).join(' / ')}`;
}

// ---- bitemporal reading ----

export interface RecordedRow {
  recordedAt: Date;
  supersededAt: Date | null;
}

/** The versions the system held at `at` (system time): recorded by then and not yet superseded. */
export function knownAt<T extends RecordedRow>(rows: readonly T[], at: Date): T[] {
  return rows.filter((r) => r.recordedAt.getTime() <= at.getTime() && (r.supersededAt === null || r.supersededAt.getTime() > at.getTime()));
}

// ---- numbers (被保険者証記号・番号・枝番) ----

/** 被保険者証記号 for a household without an NHI number yet, as set on `day` (law parameter eligibility.insured_symbol). */
export function insuredSymbolOn(day: string): string {
  return lawParams().text('eligibility.insured_symbol', day);
}

/** The highest 枝番 on `day` (law parameter eligibility.branch_no_max: two digits, 99). */
export function branchNoMaxOn(day: string): number {
  return lawParams().integer('eligibility.branch_no_max', day);
}

/** The first candidate 被保険者証番号 of a household: the last 8 digits of the 世帯番号. */
export function firstInsuredNumberCandidate(householdNo: number): string {
  return String(householdNo % 100_000_000).padStart(8, '0');
}

export function nextInsuredNumber(n: string): string {
  return String((Number(n) + 1) % 100_000_000).padStart(8, '0');
}

/** The next free 枝番 after those used (never reused for someone else); null when all up to `limit` are used. */
export function nextBranchNo(used: readonly string[], limit: number): string | null {
  const max = used.reduce((m, b) => Math.max(m, /^\d{2}$/.test(b) ? Number(b) : 0), 0);
  return max >= limit ? null : String(max + 1).padStart(2, '0');
}

/**
 * 県の資格取得日 (国保法 §5, §7: the prefecture is the insurer since 2018-04-01): a 県内転入 keeps the
 * 資格 the person acquired in the previous city of the prefecture; this city records its own 適用開始日 as
 * `acquiredOn` and the prefecture-level 資格取得日 beside it. Only for 県内転入, not after the 適用開始日,
 * not before 国民皆保険; missing on a 県内転入, the clerk is reminded to ask the previous city.
 */
export function checkPrefectureAcquiredOn(acquisitionReason: AcquisitionReason, acquiredOn: string, prefectureAcquiredOn: string | null): RuleResult {
  const r = ok();
  if (acquisitionReason !== 'moved_in_within_prefecture') {
    if (prefectureAcquiredOn !== null) r.errors.push(fieldError('prefectureAcquiredOn', '県内転入(資格継続)のときだけ入力します(それ以外は資格取得日が県の資格取得日です)'));
    return r;
  }
  if (prefectureAcquiredOn === null) {
    r.warnings.push('県の資格取得日(前住所地の市町村での資格取得日)が入力されていません。前住所地に確認して入力してください(国保法 §5: 県内の異動では資格は継続します)');
    return r;
  }
  if (prefectureAcquiredOn > acquiredOn) r.errors.push(fieldError('prefectureAcquiredOn', `本市の適用開始日(資格取得日 ${d(acquiredOn)})より後にはできません`));
  if (prefectureAcquiredOn < UNIVERSAL_COVERAGE_START) r.errors.push(fieldError('prefectureAcquiredOn', `国民皆保険(${d(UNIVERSAL_COVERAGE_START)})より前にはできません`));
  return r;
}
