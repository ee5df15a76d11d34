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
  moved_in: { label: '転入', basis: '国保法 §7: 住所を有するに至った日(転入日)' },
  left_employee_insurance: { label: '社保離脱', basis: '国保法 §7: 第6条各号に該当しなくなった日(退職日の翌日)' },
  birth: { label: '出生', basis: '国保法 §7: 出生日' },
  welfare_ended: { label: '生保廃止', basis: '国保法 §7: 第6条第9号に該当しなくなった日(保護を受けなくなった日)' },
  foreigner_moved_in: { label: '外国人転入', basis: '国保法 §7, 施行規則 §1: 住民基本台帳の住民となった日' },
  other: { label: 'その他', basis: '国保法 §7' },
} as const satisfies Record<string, ReasonInfo>;

/** 資格喪失事由: the code is what nhi_eligibility.loss_reason stores (CHECK), the label what screens show. */
export const LOSS_REASONS = {
  moved_out: { label: '転出', basis: '国保法 §8: 住所を有しなくなった日の翌日(同日に他の都道府県に住所を有するに至ったときはその日)' },
  death: { label: '死亡', basis: '国保法 §8: 死亡日の翌日' },
  joined_employee_insurance: { label: '社保加入', basis: '国保法 §6第1〜7号, §8: 該当するに至った日の翌日' },
  late_elderly: { label: '後期高齢者医療', basis: '国保法 §6第8号, §8: 75歳到達(後期高齢者医療の資格取得)' },
  welfare_started: { label: '生保開始', basis: '国保法 §6第9号, §8ただし書: 保護を受け始めた日' },
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
  return isIsoDate(candidate) ? candidate : `${String(y).padStart(4, '0')}-03-01`;
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

/** What the 住民記録 knows of the person (宛名). */
export interface PersonFacts {
  birthDate: string;
  deathDate: string | null;
  /** 転出日 (the day the person left the 住所). */
  movedOutOn: string | null;
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

/**
 * Check one period (new, or a corrected version) of a person. `others` are the person's other current
 * periods (not superseded; the one being corrected excluded). `today` is the date in Japan.
 */
export function checkPeriod(p: PeriodInput, person: PersonFacts, others: readonly OtherPeriod[], opts: { today: string; reportedOn?: string | null }): RuleResult {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const { acquiredOn, lostOn } = p;

  // 資格取得日 (国保法 §7).
  if (acquiredOn < person.birthDate) {
    errors.push(fieldError('acquiredOn', `生年月日(${d(person.birthDate)})より前の日付です`));
  }
  if (p.acquisitionReason === 'birth' && acquiredOn !== person.birthDate) {
    errors.push(fieldError('acquiredOn', `事由が出生のときは生年月日(${d(person.birthDate)})です(国保法 §7)`));
  }
  if (person.deathDate && acquiredOn > person.deathDate) {
    errors.push(fieldError('acquiredOn', `死亡日(${d(person.deathDate)})より後の日付です`));
  }
  if (isLateElderlyAgeOn(person.birthDate, acquiredOn)) {
    const age = lateElderlyAge(acquiredOn)!;
    errors.push(
      fieldError('acquiredOn', `この日には${age}歳に達しています(${age}歳の誕生日 ${d(lateElderlyBirthday(person.birthDate, acquiredOn)!)})。後期高齢者医療の被保険者は国民健康保険の資格を取得できません(国保法 §6第8号)`),
    );
  }
  if ((p.acquisitionReason === 'moved_in' || p.acquisitionReason === 'foreigner_moved_in') && person.becameResidentOn && acquiredOn !== person.becameResidentOn) {
    warnings.push(`資格取得日(${d(acquiredOn)})が住民記録の住民日(${d(person.becameResidentOn)})と異なります。転入日を確認してください`);
  }
  errors.push(...plausibleLegalDate('acquiredOn', acquiredOn, opts.today));
  if (acquiredOn > opts.today) warnings.push(`資格取得日(${d(acquiredOn)})が将来の日付です`);

  // 資格喪失日 and 喪失事由 come together.
  if (lostOn !== null && p.lossReason === null) errors.push(fieldError('lossReason', '資格喪失日を入力するときは資格喪失事由も選んでください'));
  if (lostOn === null && p.lossReason !== null) errors.push(fieldError('lostOn', '資格喪失事由を選んだときは資格喪失日も入力してください'));

  if (lostOn !== null) {
    if (lostOn < acquiredOn) errors.push(fieldError('lostOn', `資格取得日(${d(acquiredOn)})より前の日付です`));
    // 国保法 §8: the day after death.
    if (p.lossReason === 'death') {
      if (person.deathDate) {
        const expected = addDays(person.deathDate, 1);
        if (lostOn !== expected) errors.push(fieldError('lostOn', `事由が死亡のときは死亡日(${d(person.deathDate)})の翌日(${d(expected)})です(国保法 §8)`));
      } else {
        warnings.push('住民記録に死亡日がありません。死亡の届出を確認してください');
      }
    }
    // 国保法 §8: the day after leaving the 住所; the same day only under the proviso (new 住所 in another
    // prefecture that day), which the approver confirms.
    if (p.lossReason === 'moved_out') {
      if (person.movedOutOn) {
        const expected = addDays(person.movedOutOn, 1);
        if (lostOn === person.movedOutOn) {
          warnings.push(`資格喪失日が転出日(${d(person.movedOutOn)})と同じです。同日に他の都道府県に住所を有するに至った場合(国保法 §8ただし書)に限ります`);
        } else if (lostOn !== expected) {
          errors.push(fieldError('lostOn', `事由が転出のときは転出日(${d(person.movedOutOn)})の翌日(${d(expected)})です(国保法 §8)`));
        }
      } else {
        warnings.push('住民記録に転出日がありません。転出の届出を確認してください');
      }
    }
    if (p.lossReason === 'late_elderly') {
      const age = lateElderlyAge(lostOn);
      const birthday = lateElderlyBirthday(person.birthDate, lostOn);
      if (age === null || birthday === null) warnings.push('後期高齢者医療制度の施行(平成20年4月1日)より前の日付です。確認してください');
      else if (lostOn < birthday) warnings.push(`${age}歳の誕生日(${d(birthday)})より前です。障害認定による後期高齢者医療の加入か確認してください(国保法 §6第8号)`);
      else if (lostOn !== birthday && lostOn !== addDays(birthday, 1)) warnings.push(`資格喪失日が${age}歳の誕生日(${d(birthday)})と合いません。確認してください`);
    }
    errors.push(...plausibleLegalDate('lostOn', lostOn, opts.today));
    if (lostOn > opts.today) warnings.push(`資格喪失日(${d(lostOn)})が将来の日付です`);
  }

  // One insurance at a time: no two current periods of the same person share a day.
  for (const o of others) {
    if (periodsOverlap(p, o)) {
      errors.push(fieldError('acquiredOn', `同じ住民の別の資格期間(資格履歴番号 ${o.eligibilityId}: ${d(o.acquiredOn)}〜${o.lostOn ? d(o.lostOn) : ''})と重なっています`));
    }
  }

  // 届出 (国保法 §9, 施行規則 §2: within 14 days of the acquisition; law parameter eligibility.notification_deadline_days).
  if (opts.reportedOn) {
    const deadline = lawParams().find('eligibility.notification_deadline_days', acquiredOn);
    if (opts.reportedOn > opts.today) errors.push(fieldError('reportedOn', `本日(${d(opts.today)})より後の日付は入力できません(届出は済んだものを記録します)`));
    else if (opts.reportedOn < UNIVERSAL_COVERAGE_START) errors.push(fieldError('reportedOn', `国民皆保険の実施日(${d(UNIVERSAL_COVERAGE_START)})より前の日付は入力できません`));
    else if (deadline && daysBetween(acquiredOn, opts.reportedOn) > (deadline.value as number)) {
      warnings.push(`届出日(${d(opts.reportedOn)})が資格取得日から${String(deadline.value)}日を過ぎています(国保法 §9)。資格取得日に遡って賦課します`);
    }
  }
  return { errors, warnings };
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
