import type { FieldError } from '../../http/errors.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import type { LossReason } from './eligibility.rules.js';

/**
 * Pure rules of the NHI household (国保世帯), kept apart from the registry household (住民票上の世帯).
 * No I/O: the service loads the registry household's membership periods, the persons' current 資格
 * periods and the stored status periods (nhi_household_status), and asks these functions.
 *
 *  - 地方税法 §703の4: the 国保税's taxpayer (納税義務者) is the 世帯主 of the registry household, even when
 *    not insured himself (擬制世帯主). On application (世帯主変更の申出), the 国保上の世帯主 may be an
 *    insured member instead (昭和47年 通知; the municipality's 取扱い).
 *  - 特定同一世帯所属者 (地方税法 §703の5 軽減判定, 平等割の特例): a person who left NHI for 後期高齢者医療
 *    (高齢者医療確保法 §52) and stays in the same registry household; the status lasts while the household
 *    and its head stay the same.
 *  - 国保法 §116の2 (住所地特例): a member who moves into a 病院, 障害者支援施設, 特別養護老人ホーム, 介護保険施設 …
 *    in another municipality stays insured by the city, as a one-person NHI household of their own, and
 *    is their own taxpayer. Children placed in a 児童福祉施設 are not 住所地特例 (§116の2 第1項: 児童福祉法の
 *    入所措置は除く…they stay in the parent's household).
 *  - 国保法 §116 (修学中の特例): a student living elsewhere for their studies is deemed to belong to the
 *    household of the parent who supports them: they stay in that NHI household.
 *
 * An NHI household is named by the registry household's 世帯番号 it comes from. Membership follows the
 * registry on each day, so a 世帯変更 that keeps 資格 (the eligibility period is not cut) moves the person
 * into the new household's NHI household from the 異動日. "Insured" is any current 資格 period containing
 * the day (insuredOnSql). Periods are half-open: [validFrom, validTo).
 */

/** nhi_household_status.kind: the code (CHECK) with its label and legal basis. */
export const NHI_HOUSEHOLD_STATUS_KINDS = {
  pseudo_head: { label: '擬制世帯主', basis: '地方税法 §703の4: 国保に加入していない世帯主が納税義務者' },
  head_by_application: { label: '世帯主変更申出(国保上の世帯主)', basis: '地方税法 §703の4; 擬制世帯主の世帯主変更の申出: 被保険者である世帯員を国保上の世帯主(納税義務者)とする' },
  specific_same_household: { label: '特定同一世帯所属者', basis: '地方税法 §703の5: 後期高齢者医療へ移行し同じ世帯にとどまる者(世帯主の変更・世帯からの転出で終了)' },
  address_exception: { label: '住所地特例', basis: '国保法 §116の2: 他市町村の施設への入所。一人の国保世帯となり本人が納税義務者(児童福祉施設の児童を除く)' },
  student_exception: { label: '修学中の特例', basis: '国保法 §116: 修学のため別に住所を有する学生は親の国保世帯に属するものとみなす' },
} as const;
export type NhiHouseholdStatusKind = keyof typeof NHI_HOUSEHOLD_STATUS_KINDS;
export const NHI_HOUSEHOLD_STATUS_KIND_CODES = Object.keys(NHI_HOUSEHOLD_STATUS_KINDS) as [NhiHouseholdStatusKind, ...NhiHouseholdStatusKind[]];
export const statusKindLabel = (k: NhiHouseholdStatusKind): string => NHI_HOUSEHOLD_STATUS_KINDS[k].label;

/**
 * nhi_household_status.facility_kind: the facility a 住所地特例 person moved into (国保法 §116の2 第1項各号).
 * `child_welfare` is stored nowhere: a child placed in a 児童福祉施設 is not 住所地特例 (refused by checkStatus).
 */
export const FACILITY_KINDS = {
  hospital: '病院・診療所',
  disability_support: '障害者支援施設等',
  elderly_home: '特別養護老人ホーム・養護老人ホーム',
  care_facility: '介護保険施設',
  other: 'その他の施設(国保法 §116の2)',
  child_welfare: '児童福祉施設',
} as const;
export type FacilityKind = keyof typeof FACILITY_KINDS;
export const FACILITY_KIND_CODES = Object.keys(FACILITY_KINDS) as [FacilityKind, ...FacilityKind[]];

/** The 4月1日 of 賦課 and the 8月1日 of 負担割合 (一部負担金の割合の判定基準日) in the fiscal year of `day`. */
export function referenceDates(fiscalYear: number): { assessment: string; copayment: string } {
  return { assessment: `${fiscalYear}-04-01`, copayment: `${fiscalYear}-08-01` };
}

// ---- facts ----

/** A registry membership period (household_member). */
export interface RegistryMember {
  atenaNo: number;
  householdNo: number;
  head: boolean;
  validFrom: string;
  validTo: string | null;
}

/** A current 資格 period (nhi_eligibility, superseded_at IS NULL). */
export interface InsuredPeriod {
  atenaNo: number;
  householdNo: number;
  acquiredOn: string;
  lostOn: string | null;
  lossReason: LossReason | null;
}

/** A stored status period (nhi_household_status). */
export interface StatusPeriod {
  statusId: number;
  atenaNo: number;
  householdNo: number;
  kind: NhiHouseholdStatusKind;
  validFrom: string;
  validTo: string | null;
  facilityName: string | null;
  facilityKind: FacilityKind | null;
  schoolName: string | null;
}

export interface HouseholdFacts {
  /** Every membership period of the registry household (and the persons' other ones, for a 世帯変更). */
  members: readonly RegistryMember[];
  eligibility: readonly InsuredPeriod[];
  statuses: readonly StatusPeriod[];
}

/** The days on which a household's facts change (membership, 資格 and status period boundaries) that `keep` admits, in order. */
export function factBoundaries(facts: HouseholdFacts, keep: (day: string) => boolean): string[] {
  const days = new Set<string>();
  const add = (d: string | null) => {
    if (d !== null && keep(d)) days.add(d);
  };
  for (const m of facts.members) for (const d of [m.validFrom, m.validTo]) add(d);
  for (const e of facts.eligibility) for (const d of [e.acquiredOn, e.lostOn]) add(d);
  for (const s of facts.statuses) for (const d of [s.validFrom, s.validTo]) add(d);
  return [...days].sort();
}

export const within = (p: { validFrom: string; validTo: string | null }, day: string) => p.validFrom <= day && (p.validTo === null || day < p.validTo);
export const insuredOn = (eligibility: readonly InsuredPeriod[], atenaNo: number, day: string) =>
  eligibility.some((e) => e.atenaNo === atenaNo && e.acquiredOn <= day && (e.lostOn === null || day < e.lostOn));
const statusOn = (statuses: readonly StatusPeriod[], atenaNo: number, kind: NhiHouseholdStatusKind, day: string, householdNo?: number) =>
  statuses.find((s) => s.atenaNo === atenaNo && s.kind === kind && within(s, day) && (householdNo === undefined || s.householdNo === householdNo));
export const registryMembersOn = (members: readonly RegistryMember[], householdNo: number, day: string) => members.filter((m) => m.householdNo === householdNo && within(m, day));
export const registryHeadOn = (members: readonly RegistryMember[], householdNo: number, day: string): number | null =>
  registryMembersOn(members, householdNo, day).find((m) => m.head)?.atenaNo ?? null;

/** 後期高齢者医療 to which a person moved: the 資格喪失事由 that make a 特定同一世帯所属者. */
const LATE_ELDERLY: readonly LossReason[] = ['late_elderly', 'late_elderly_disability'];
/** Whether the person left NHI for 後期高齢者医療 on or before the day and is not insured again. */
export function movedToLateElderly(eligibility: readonly InsuredPeriod[], atenaNo: number, day: string): boolean {
  if (insuredOn(eligibility, atenaNo, day)) return false;
  const last = eligibility.filter((e) => e.atenaNo === atenaNo && e.lostOn !== null && e.lostOn <= day).sort((a, b) => (a.lostOn! < b.lostOn! ? 1 : -1))[0];
  return !!last && last.lossReason !== null && LATE_ELDERLY.includes(last.lossReason);
}

// ---- the NHI household as of a day ----

export type MemberBasis = 'registry' | 'student_exception';

export interface NhiHouseholdOn {
  householdNo: number;
  day: string;
  /** Insured members: registry members insured on the day, plus 修学中の特例 students of this household. */
  members: { atenaNo: number; basis: MemberBasis }[];
  /** The taxpayer (納税義務者) and 国保上の世帯主; null when the household has no insured member that day. */
  head: { atenaNo: number; insured: boolean; byApplication: boolean } | null;
  registryHead: number | null;
  /** 擬制世帯主: the taxpayer is the registry head, who is not insured. */
  pseudoHead: boolean;
  /** 特定同一世帯所属者 on the day (moved to 後期, same household, within a stored period). */
  specificSameHousehold: number[];
  /** Members of the registry household under 住所地特例: each is a one-person NHI household of their own. */
  addressException: number[];
}

/** The NHI household named by the registry household `householdNo`, on `day`. */
export function nhiHouseholdOn(householdNo: number, day: string, facts: HouseholdFacts): NhiHouseholdOn {
  const { members: all, eligibility, statuses } = facts;
  const registry = registryMembersOn(all, householdNo, day);
  const registryHead = registry.find((m) => m.head)?.atenaNo ?? null;
  const separated = (n: number) => !!statusOn(statuses, n, 'address_exception', day);
  const members: NhiHouseholdOn['members'] = [];
  for (const m of registry) {
    if (members.some((x) => x.atenaNo === m.atenaNo)) continue; // one period per person and day (the database's rule; robust anyway)
    if (insuredOn(eligibility, m.atenaNo, day) && !separated(m.atenaNo)) members.push({ atenaNo: m.atenaNo, basis: 'registry' });
  }
  for (const s of statuses) {
    if (s.kind !== 'student_exception' || s.householdNo !== householdNo || !within(s, day)) continue;
    if (members.some((m) => m.atenaNo === s.atenaNo) || !insuredOn(eligibility, s.atenaNo, day) || separated(s.atenaNo)) continue;
    members.push({ atenaNo: s.atenaNo, basis: 'student_exception' });
  }
  const addressException = [...new Set(registry.filter((m) => separated(m.atenaNo)).map((m) => m.atenaNo))];
  const specificSameHousehold = [
    ...new Set(registry.filter((m) => movedToLateElderly(eligibility, m.atenaNo, day) && !!statusOn(statuses, m.atenaNo, 'specific_same_household', day, householdNo)).map((m) => m.atenaNo)),
  ];
  if (members.length === 0) return { householdNo, day, members, head: null, registryHead, pseudoHead: false, specificSameHousehold, addressException };
  // 世帯主変更の申出: an insured member of this NHI household with a period in force that day.
  const applicant = members.find((m) => !!statusOn(statuses, m.atenaNo, 'head_by_application', day, householdNo));
  if (applicant) return { householdNo, day, members, head: { atenaNo: applicant.atenaNo, insured: true, byApplication: true }, registryHead, pseudoHead: false, specificSameHousehold, addressException };
  if (registryHead === null || separated(registryHead)) {
    // No registry head that day (data being corrected) or the head is away under 住所地特例: no taxpayer named.
    return { householdNo, day, members, head: null, registryHead, pseudoHead: false, specificSameHousehold, addressException };
  }
  const insured = members.some((m) => m.atenaNo === registryHead);
  return { householdNo, day, members, head: { atenaNo: registryHead, insured, byApplication: false }, registryHead, pseudoHead: !insured, specificSameHousehold, addressException };
}

/**
 * The NHI household of a person under 住所地特例 on the day: themselves alone, their own taxpayer
 * (null when no 住所地特例 period is in force or the person is not insured that day).
 */
export function addressExceptionHouseholdOn(atenaNo: number, day: string, facts: HouseholdFacts): { members: number[]; head: number; facilityName: string } | null {
  const s = statusOn(facts.statuses, atenaNo, 'address_exception', day);
  if (!s || !insuredOn(facts.eligibility, atenaNo, day)) return null;
  return { members: [atenaNo], head: atenaNo, facilityName: s.facilityName ?? '' };
}

// ---- what the facts say the stored periods should be ----

export type StatusAction =
  | { action: 'start'; kind: NhiHouseholdStatusKind; atenaNo: number; householdNo: number; on: string; why: string }
  | { action: 'end'; statusId: number; kind: NhiHouseholdStatusKind; atenaNo: number; on: string; why: string };

/**
 * 擬制世帯主 as a stored period against the facts on `day`: start one for the registry head when the
 * household is pseudo-headed and no period is in force; end the one in force when it no longer is (or
 * when it names someone who is no longer the registry head, then start the new head's).
 */
export function pseudoHeadActions(householdNo: number, day: string, facts: HouseholdFacts): StatusAction[] {
  const h = nhiHouseholdOn(householdNo, day, facts);
  const stored = facts.statuses.find((s) => s.kind === 'pseudo_head' && s.householdNo === householdNo && within(s, day));
  const should = h.pseudoHead ? h.head!.atenaNo : null;
  const out: StatusAction[] = [];
  if (stored && stored.atenaNo !== should) {
    const why = should === null ? (h.head?.byApplication ? '世帯主変更の申出により被保険者が国保上の世帯主' : h.head ? '世帯主が被保険者' : '国保の被保険者がいない') : '世帯主が変わった';
    out.push({ action: 'end', statusId: stored.statusId, kind: 'pseudo_head', atenaNo: stored.atenaNo, on: day, why });
  }
  if (should !== null && stored?.atenaNo !== should) {
    out.push({ action: 'start', kind: 'pseudo_head', atenaNo: should, householdNo, on: day, why: '世帯主が国保に加入しておらず、世帯員に被保険者がいる' });
  }
  return out;
}

/**
 * 特定同一世帯所属者 periods that should start on `day`: a member of the registry household who left NHI
 * for 後期高齢者医療 that very day, while someone else in the household stays insured (the NHI household
 * goes on) and no such period of theirs is in force.
 */
export function specificSameHouseholdStarts(householdNo: number, day: string, facts: HouseholdFacts): StatusAction[] {
  const members = registryMembersOn(facts.members, householdNo, day);
  if (!members.some((m) => insuredOn(facts.eligibility, m.atenaNo, day))) return [];
  return members
    .filter((m) => facts.eligibility.some((e) => e.atenaNo === m.atenaNo && e.lostOn === day))
    .filter((m) => movedToLateElderly(facts.eligibility, m.atenaNo, day) && !statusOn(facts.statuses, m.atenaNo, 'specific_same_household', day))
    .map((m) => ({ action: 'start' as const, kind: 'specific_same_household' as const, atenaNo: m.atenaNo, householdNo, on: day, why: '後期高齢者医療へ移行し、国保の被保険者のいる世帯にとどまる' }));
}

/**
 * Whether a 特定同一世帯所属者 period should end, and on which day: the first day (after it began, up to
 * and including `today`) on which the person is no longer a member of the household, the registry
 * head is no longer the one of its first day, or the person is insured again. null: it continues.
 */
export function specificSameHouseholdEnd(period: StatusPeriod, today: string, facts: HouseholdFacts): { on: string; why: string } | null {
  const headAtStart = registryHeadOn(facts.members, period.householdNo, period.validFrom);
  // Days on which something may change: the boundaries of the facts after the start.
  const boundaries = new Set<string>();
  for (const m of facts.members) if (m.householdNo === period.householdNo) for (const x of [m.validFrom, m.validTo]) if (x) boundaries.add(x);
  for (const e of facts.eligibility) if (e.atenaNo === period.atenaNo) boundaries.add(e.acquiredOn);
  const days = [...boundaries].filter((x) => x > period.validFrom && x <= today && (period.validTo === null || x < period.validTo)).sort();
  for (const day of days) {
    if (!registryMembersOn(facts.members, period.householdNo, day).some((m) => m.atenaNo === period.atenaNo)) return { on: day, why: '世帯から転出・世帯変更した' };
    if (registryHeadOn(facts.members, period.householdNo, day) !== headAtStart) return { on: day, why: '世帯主が変わった' };
    if (insuredOn(facts.eligibility, period.atenaNo, day)) return { on: day, why: '国保の資格を再取得した' };
  }
  return null;
}

// ---- checks of a status period requested by a clerk (again at approval) ----

/** A status period as requested (not stored yet). */
export type StatusInput = Omit<StatusPeriod, 'statusId'>;

const err = (field: string, label: string, message: string): FieldError => ({ field, label, message: `${label}: ${message}` });

/** The rules a status period must meet on its first day; errors name their fields in Japanese. */
export function checkStatus(s: StatusInput, facts: HouseholdFacts, exceptStatusId: number | null = null): FieldError[] {
  const errors: FieldError[] = [];
  const day = s.validFrom;
  const label = statusKindLabel(s.kind);
  if (s.validTo !== null && s.validTo <= s.validFrom) errors.push(err('validTo', '終了日', `開始日(${d(s.validFrom)})より後の日付を入力してください`));
  const insured = insuredOn(facts.eligibility, s.atenaNo, day);
  const member = registryMembersOn(facts.members, s.householdNo, day).some((m) => m.atenaNo === s.atenaNo);
  const notInsured = () => errors.push(err('validFrom', '開始日', `${label}は開始日(${d(day)})に国保の被保険者である住民だけに記録できます`));
  const notMember = () => errors.push(err('householdNo', '世帯番号', `開始日(${d(day)})に世帯番号 ${s.householdNo} の世帯員ではありません`));
  switch (s.kind) {
    case 'head_by_application':
      if (!insured) notInsured();
      if (!member) notMember();
      else if (registryHeadOn(facts.members, s.householdNo, day) === s.atenaNo) errors.push(err('atenaNo', '宛名番号', '住民票上の世帯主です(申出は被保険者である世帯員を国保上の世帯主とするものです)'));
      break;
    case 'address_exception':
      if (!s.facilityName?.trim()) errors.push(err('facilityName', '施設名', '住所地特例の入所施設名を入力してください'));
      if (s.facilityKind === null) errors.push(err('facilityKind', '施設の種類', '住所地特例の施設の種類を選んでください'));
      else if (s.facilityKind === 'child_welfare') errors.push(err('facilityKind', '施設の種類', '児童福祉施設に入所した児童は住所地特例の対象ではありません(親の国保世帯にとどまります)'));
      if (!insured) notInsured();
      break;
    case 'student_exception': {
      if (!s.schoolName?.trim()) errors.push(err('schoolName', '学校名', '修学中の特例の学校名を入力してください'));
      const through = facts.eligibility.find((e) => e.atenaNo === s.atenaNo && e.acquiredOn <= day && (e.lostOn === null || day < e.lostOn));
      if (!through) notInsured();
      else if (through.householdNo !== s.householdNo) errors.push(err('householdNo', '世帯番号', `修学中の特例は親の国保世帯(世帯番号 ${through.householdNo})の資格で記録してください`));
      break;
    }
    case 'specific_same_household':
      if (!member) notMember();
      if (!movedToLateElderly(facts.eligibility, s.atenaNo, day)) errors.push(err('validFrom', '開始日', `開始日(${d(day)})に後期高齢者医療へ移行して国保の資格を喪失している住民だけに記録できます`));
      break;
    case 'pseudo_head': {
      const h = nhiHouseholdOn(s.householdNo, day, facts);
      if (registryHeadOn(facts.members, s.householdNo, day) !== s.atenaNo) errors.push(err('atenaNo', '宛名番号', `開始日(${d(day)})の世帯番号 ${s.householdNo} の世帯主ではありません`));
      else if (!h.pseudoHead) errors.push(err('validFrom', '開始日', `開始日(${d(day)})に世帯主が国保の被保険者であるか、世帯に被保険者がいません`));
      break;
    }
  }
  const overlap = facts.statuses.find((o) => o.statusId !== exceptStatusId && o.atenaNo === s.atenaNo && o.kind === s.kind && overlaps(o, s));
  if (overlap) errors.push(err('validFrom', '開始日', `同じ住民の${label}の期間(${d(overlap.validFrom)}〜${overlap.validTo ? d(overlap.validTo) : ''})と重なります`));
  return errors;
}

const overlaps = (a: { validFrom: string; validTo: string | null }, b: { validFrom: string; validTo: string | null }) =>
  a.validFrom < (b.validTo ?? '9999-12-31') && b.validFrom < (a.validTo ?? '9999-12-31');

/** The end of a stored period: after its start, and not later than an end it already has. */
export function checkEnd(s: StatusPeriod, validTo: string): FieldError[] {
  if (validTo <= s.validFrom) return [err('validTo', '終了日', `開始日(${d(s.validFrom)})より後の日付を入力してください`)];
  if (s.validTo !== null && validTo >= s.validTo) return [err('validTo', '終了日', `既に${d(s.validTo)}で終了しています(早める場合だけ入力できます)`)];
  return [];
}
