import { isHoliday } from '../lib/holidays.js';
import {
  ACQUISITION_REASONS,
  LOSS_REASONS,
  addDays,
  automaticLoss,
  birthdayAtAge,
  checkPeriod,
  daysBetween,
  firstInsuredNumberCandidate,
  insuredSymbolOn,
  lateElderlyStart,
  nextInsuredNumber,
  type AcquisitionReason,
  type LossReason,
  type MovedOutDestination,
  type OtherPeriod,
  type PeriodInput,
  type PersonFacts,
} from '../modules/eligibility/eligibility.rules.js';
import {
  NHI_HOUSEHOLD_STATUS_KINDS,
  checkStatus,
  nhiHouseholdOn,
  specificSameHouseholdEnd,
  type FacilityKind,
  type HouseholdFacts,
  type NhiHouseholdStatusKind,
  type RegistryMember,
} from '../modules/eligibility/nhi-household.rules.js';
import { effectsOf, lateElderlyLoss } from '../modules/registry/intake-effects.rules.js';
import type { RegistryEvent, RegistryEventCode } from '../modules/registry/registry-events.js';
import { AS_OF_ISO } from './dates.js';
import { GIVEN_NAMES, generationOf } from './names.js';
import { Rng, mixSeed } from './prng.js';

/**
 * The demo city's past (pure): five years of 資格 for a share of its households, planned over the
 * households as the seed left them (registry data final, no 国保 in the household), so nothing of the
 * present has to be rewritten — only rows are added. Every version is checked when planned with the
 * rules the services run (checkPeriod at the day it was entered, automaticLoss for what the registry
 * and the 75歳到達 job apply, checkStatus for the 国保世帯's status periods, nhiHouseholdOn for 擬制世帯主,
 * effectsOf for what each registry event opens); a story the rules refuse is dropped, never written.
 *
 * What a household gets (one story, sometimes with a former member):
 *  - family: the household in 国保 for a span (転入 県外/県内/国外, or 社保離脱), children born meanwhile
 *    (出生), the earner back in 社保 (社保加入); the spouse sometimes stays (擬制世帯主, sometimes a
 *    世帯主変更申出), a student away at school (修学中の特例), a parent reaching 75 (後期高齢者医療 by
 *    the daily job, 特定同一世帯所属者);
 *  - one adult's own story: 社保離脱/社保加入 twice (再加入), 国保組合, 生活保護, 在留資格, 職権喪失,
 *    障害認定 and its withdrawal, 75歳到達, a facility in another city (住所地特例);
 *  - a former member (a new, removed person of the household): 死亡, 県外転出, 国外転出 (by the registry,
 *    the system actor) or 県内転出 (a work item, then a clerk's loss).
 * Clerks' entries go through four-eyes (requested by one demo staff, approved by another, on the day
 * of the 届出 or the next open day); some 届出 come late (遡及), some losses are corrected later.
 */

export const PAST_YEARS = 5;
/** The first day of the past: five years before the demo city's day. */
export const PAST_FROM = `${Number(AS_OF_ISO.slice(0, 4)) - PAST_YEARS}${AS_OF_ISO.slice(4)}`;
/** Facts of the past happen up to this day, so their 届出 are in before the city's day. */
const PAST_LAST_FACT = addDays(AS_OF_ISO, -45);
const LAST_RECORD_DAY = addDays(AS_OF_ISO, -1);

/** Who entered and approved the clerks' changes (demo staff), who applied the registry's and the job's. */
export const PAST_ACTORS = {
  clerk: 'staff:kokuho01',
  approver: 'staff:kakari01',
  registry: 'system:juki',
  job: (day: string) => `operator:batch@kokuho-batch/late-elderly/${day}`,
} as const;

// ---- input: the households as the seed left them ----

export interface PastPerson {
  atenaNo: number;
  householdNo: number;
  relationship: string;
  memberOrder: number;
  memberFrom: string;
  memberTo: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  residentKind: 'japanese' | 'foreign';
  residentStatus: 'resident' | 'moved_out' | 'deceased';
  becameResidentOn: string | null;
  deathDate: string | null;
  movedOutOn: string | null;
  movedOutDestination: MovedOutDestination | null;
  previousAddress: string | null;
  nameKanji: string;
  nameKana: string;
  areaCode: string | null;
  banchi: string | null;
  katagaki: string | null;
}

export interface PastHousehold {
  householdNo: number;
  formedOn: string;
  members: PastPerson[];
}

// ---- output: rows to add ----

export interface PlannedVersion {
  idx: number;
  atenaNo: number;
  householdNo: number;
  symbol: string;
  number: string;
  branch: string;
  acquiredOn: string;
  acquisitionReason: AcquisitionReason;
  lostOn: string | null;
  lossReason: LossReason | null;
  acquisitionReportedOn: string | null;
  lossReportedOn: string | null;
  acquisitionRetroactive: boolean;
  lossRetroactive: boolean;
  recordedAt: Date;
  recordedBy: string;
  supersededAt: Date | null;
  supersededBy: string | null;
}

export interface PlannedStatus {
  idx: number;
  atenaNo: number;
  householdNo: number;
  kind: NhiHouseholdStatusKind;
  validFrom: string;
  validTo: string | null;
  facilityName: string | null;
  facilityKind: Exclude<FacilityKind, 'child_welfare'> | null;
  schoolName: string | null;
  basis: string | null;
  reportedOn: string | null;
  recordedAt: Date;
  endedAt: Date | null;
}

/** Ids of the rows the writer inserted, by the plan's indexes. */
export interface PlannedIds {
  version: (idx: number) => number;
  status: (idx: number) => number;
}

export interface PlannedChange {
  kind: string;
  atenaNo: number;
  payload: (ids: PlannedIds) => Record<string, unknown>;
  summary: { fields: { label: string; before: string | null; after: string | null }[]; notes: { label: string; value: string }[]; meta: Record<string, string> };
  warnings: string[];
  requestedAt: Date;
  decidedAt: Date;
}

export interface PlannedItem {
  kind: string;
  atenaNo: number;
  householdNo: number | null;
  eventId: string | null;
  originKey: string | null;
  suggestedDate: string | null;
  basis: string;
  versionIdx: number | null;
  createdAt: Date;
  createdBy: string;
  resolvedAt: Date;
  resolvedBy: string;
  note: string;
}

export interface PlannedEvent {
  event: RegistryEvent;
  receivedAt: Date;
}

/** A removed member the seed did not have: the live (removed) version and the resident one before it. */
export interface PlannedFormerMember {
  atenaNo: number;
  householdNo: number;
  relationship: 'child' | 'father' | 'mother';
  memberOrder: number;
  nameKanji: string;
  nameKana: string;
  birthDate: string;
  sex: 'male' | 'female';
  areaCode: string | null;
  banchi: string | null;
  katagaki: string | null;
  becameResidentOn: string;
  previousAddress: string | null;
  removal: { code: '21' | '22' | '24' | '25'; on: string; reportedOn: string; to: string | null; destination: MovedOutDestination | null; receivedAt: Date };
}

export type PastCase =
  | `acquisition:${AcquisitionReason}`
  | `loss:${LossReason}`
  | 'loss:moved_out_abroad'
  | 'reentry'
  | 'pseudo_head'
  | 'head_by_application'
  | 'address_exception'
  | 'student_exception'
  | 'specific_same_household'
  | 'late_acquisition'
  | 'late_loss'
  | 'correction'
  | 'former_member';

/** The cases the demo city's past must show at least once (the test checks each). */
export const REQUIRED_CASES: readonly PastCase[] = [
  'acquisition:moved_in', 'acquisition:moved_in_within_prefecture', 'acquisition:foreigner_moved_in', 'acquisition:birth',
  'acquisition:left_employee_insurance', 'acquisition:left_national_health_union', 'acquisition:welfare_ended',
  'acquisition:late_elderly_withdrawn', 'acquisition:residence_status_gained',
  'loss:moved_out', 'loss:moved_out_abroad', 'loss:moved_out_within_prefecture', 'loss:death', 'loss:joined_employee_insurance',
  'loss:joined_national_health_union', 'loss:late_elderly', 'loss:late_elderly_disability', 'loss:welfare_started',
  'loss:residence_status_excluded', 'loss:ex_officio',
  'reentry', 'pseudo_head', 'head_by_application', 'address_exception', 'student_exception', 'specific_same_household',
  'late_acquisition', 'late_loss', 'correction', 'former_member',
];

export const CASE_LABELS: Record<PastCase, string> = {
  'acquisition:moved_in': '資格取得: 転入(県外から)',
  'acquisition:moved_in_within_prefecture': '資格取得: 県内転入',
  'acquisition:foreigner_moved_in': '資格取得: 外国人転入',
  'acquisition:birth': '資格取得: 出生',
  'acquisition:left_employee_insurance': '資格取得: 社保離脱',
  'acquisition:left_national_health_union': '資格取得: 国保組合脱退',
  'acquisition:welfare_ended': '資格取得: 生保廃止',
  'acquisition:late_elderly_withdrawn': '資格取得: 後期(障害認定)撤回',
  'acquisition:residence_status_gained': '資格取得: 在留資格取得・変更',
  'acquisition:other': '資格取得: その他',
  'loss:moved_out': '資格喪失: 県外転出',
  'loss:moved_out_abroad': '資格喪失: 国外転出',
  'loss:moved_out_within_prefecture': '資格喪失: 県内転出(適用終了)',
  'loss:death': '資格喪失: 死亡',
  'loss:joined_employee_insurance': '資格喪失: 社保加入',
  'loss:joined_national_health_union': '資格喪失: 国保組合加入',
  'loss:late_elderly': '資格喪失: 後期高齢者医療(75歳到達)',
  'loss:late_elderly_disability': '資格喪失: 後期(障害認定)',
  'loss:welfare_started': '資格喪失: 生保開始',
  'loss:residence_status_excluded': '資格喪失: 在留資格(適用除外)',
  'loss:ex_officio': '資格喪失: 職権喪失',
  'loss:other': '資格喪失: その他',
  reentry: '再加入(喪失の後に再取得)',
  pseudo_head: '擬制世帯主の期間',
  head_by_application: '世帯主変更申出(国保上の世帯主)',
  address_exception: '住所地特例',
  student_exception: '修学中の特例',
  specific_same_household: '特定同一世帯所属者',
  late_acquisition: '資格取得の届出が14日超(遡及)',
  late_loss: '資格喪失の届出が14日超(遡及)',
  correction: '資格喪失日の訂正(後日)',
  former_member: '過去の世帯員(死亡・転出で消除)',
};

export interface PastPlan {
  households: number[];
  versions: PlannedVersion[];
  statuses: PlannedStatus[];
  changes: PlannedChange[];
  events: PlannedEvent[];
  items: PlannedItem[];
  formerMembers: PlannedFormerMember[];
  /** How often each case occurs, and one household showing it (the first planned). */
  cases: Partial<Record<PastCase, { count: number; householdNo: number; atenaNo: number }>>;
}

// ---- time ----

/** 9:00 + minutes, on `day`, in Japan. */
function atJst(day: string, minutes: number): Date {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return new Date(`${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00+09:00`);
}
/** The day in Japan of a moment (Japan has no daylight saving: UTC+9). */
const dayOf = (t: Date) => new Date(t.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);

/** The day itself when the office is open, else the next open day (土日・祝日・年末年始 closed). */
export function openDay(day: string): string {
  let d = day;
  for (;;) {
    const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
    const md = d.slice(5);
    if (wd !== 0 && wd !== 6 && !isHoliday(d) && !(md >= '12-29' || md <= '01-03')) return d;
    d = addDays(d, 1);
  }
}

// ---- the planner ----

interface Acq {
  on: string;
  reason: AcquisitionReason;
  occurredOn: string | null;
  /** Days from the fact to the 届出. */
  delay: number;
  /** The registry event that opened the work item (転入・出生), if any. */
  event?: RegistryEventCode;
}
interface Loss {
  on: string;
  reason: LossReason;
  occurredOn: string | null;
  delay: number;
  channel: 'clerk' | 'registry' | 'job';
  /** 職権: no 届出. */
  exOfficio?: boolean;
  /** Entered first with this (wrong) 喪失日 and no 事由発生日, corrected `after` days later. */
  wrongOn?: string;
  correctAfter?: number;
  event?: RegistryEventCode;
}
interface Segment {
  householdNo: number;
  acq: Acq;
  loss: Loss | null;
}
interface StatusStory {
  atenaNo: number;
  kind: NhiHouseholdStatusKind;
  validFrom: string;
  validTo: string | null;
  facilityName?: string;
  facilityKind?: Exclude<FacilityKind, 'child_welfare'>;
  schoolName?: string;
  basis?: string;
  delay: number;
}

interface Story {
  segments: Map<number, Segment[]>;
  statuses: StatusStory[];
  former: PlannedFormerMember | null;
  /** Persons whose facts the stories use (seeded or former). */
  facts: Map<number, PersonFacts & { residentStatus: string }>;
}

const FACILITIES: readonly { name: string; kind: Exclude<FacilityKind, 'child_welfare'> }[] = [
  { name: '特別養護老人ホーム さくら苑(かえで市)', kind: 'elderly_home' },
  { name: '介護老人保健施設 ひばりの里(ひばり市)', kind: 'care_facility' },
  { name: '障害者支援施設 あおぞら園(あおば区)', kind: 'disability_support' },
  { name: 'みなと療養病院(みなと市)', kind: 'hospital' },
];
const SCHOOLS = ['北海道すずらん大学', '宮城県あおい大学', '大阪なにわ工業大学', '福岡ちくし大学', '新潟ゆきぐに看護専門学校'];
const ABROAD = ['アメリカ合衆国', 'オーストラリア', 'シンガポール', 'ドイツ連邦共和国'];
const OTHER_PREF = ['東京都あおば区', '千葉県うみべ市', '神奈川県みなと市', '大阪府なにわ市', '北海道すずらん市'];
const IN_PREF = ['埼玉県かえで市', '埼玉県ひばり市'];

const isForeignAddress = (a: string | null) => a !== null && !/[都道府県]/.test(a);

export class PastPlanner {
  private readonly plan: PastPlan = { households: [], versions: [], statuses: [], changes: [], events: [], items: [], formerMembers: [], cases: {} };
  private usedNumbers: Set<string>;
  private eventSeq = 0;
  private nextAtena: number;
  /** Per person: branch number already given. */
  private branchOf = new Map<number, string>();

  constructor(
    private readonly seed: number,
    usedInsuredNumbers: Iterable<string>,
    firstNewAtena: number,
  ) {
    this.usedNumbers = new Set(usedInsuredNumbers);
    this.nextAtena = firstNewAtena;
  }

  result(): PastPlan {
    return this.plan;
  }

  /** Plans the household (false: no story the rules accept; nothing planned). */
  planHousehold(h: PastHousehold, want: PastCase | null): boolean {
    for (let attempt = 0; attempt < 4; attempt++) {
      const rng = new Rng(mixSeed(mixSeed(this.seed, h.householdNo), attempt + (want ? 17 * (REQUIRED_CASES.indexOf(want) + 1) : 0)));
      const story = this.story(rng, h, want);
      if (!story) continue;
      const staged = this.materialize(rng, h, story);
      if (!staged) continue;
      if (want && !staged.cases.has(want)) continue;
      this.commit(h, staged);
      return true;
    }
    return false;
  }

  // ---- stories ----

  private story(rng: Rng, h: PastHousehold, want: PastCase | null): Story | null {
    const story: Story = { segments: new Map(), statuses: [], former: null, facts: new Map() };
    for (const m of h.members) story.facts.set(m.atenaNo, factsOf(m));
    const residents = h.members.filter((m) => m.residentStatus === 'resident' && m.memberTo === null);
    if (residents.length === 0) return null;
    const individual: readonly PastCase[] = [
      'acquisition:left_national_health_union', 'loss:joined_national_health_union', 'acquisition:welfare_ended', 'loss:welfare_started',
      'acquisition:residence_status_gained', 'loss:residence_status_excluded', 'loss:ex_officio', 'loss:late_elderly_disability',
      'acquisition:late_elderly_withdrawn', 'address_exception', 'correction', 'reentry',
    ];
    const formerCases: readonly PastCase[] = ['loss:moved_out', 'loss:moved_out_abroad', 'loss:moved_out_within_prefecture', 'loss:death', 'former_member'];
    const useFamily = want ? !individual.includes(want) && !formerCases.includes(want) : rng.chance(0.55);
    const ok = useFamily ? this.familyStory(rng, h, story, want) : this.ownStory(rng, h, story, want);
    const withFormer = want ? formerCases.includes(want) : rng.chance(0.2);
    if (withFormer) this.formerMember(rng, h, story, want);
    if (!ok && !story.former) return null;
    return story;
  }

  private span(rng: Rng, from: string, to: string): string | null {
    const n = daysBetween(from, to);
    if (n < 0) return null;
    return addDays(from, rng.int(0, n));
  }

  /** Days to the 届出: mostly within the 14 days, sometimes late (遡及). */
  private delay(rng: Rng, late: boolean): number {
    return late ? rng.int(20, 240) : rng.int(0, 12);
  }

  /** How a family came into 国保 on `on`: 転入 (by where from) for those who came that day, else 社保離脱. */
  private entryOf(m: PastPerson, on: string, rng: Rng, wantLate: boolean): Acq {
    if (m.birthDate === on) return { on, reason: 'birth', occurredOn: null, delay: this.delay(rng, wantLate), event: '14' };
    if (m.becameResidentOn === on && on === m.memberFrom) {
      const foreign = m.residentKind === 'foreign';
      const prev = m.previousAddress;
      const reason: AcquisitionReason = foreign ? 'foreigner_moved_in' : prev?.startsWith('埼玉県') ? 'moved_in_within_prefecture' : 'moved_in';
      const event: RegistryEventCode = isForeignAddress(prev) ? '13' : prev?.startsWith('埼玉県') ? '12' : '11';
      return { on, reason, occurredOn: null, delay: this.delay(rng, wantLate), event };
    }
    return { on, reason: 'left_employee_insurance', occurredOn: addDays(on, -1), delay: this.delay(rng, wantLate) };
  }

  private familyStory(rng: Rng, h: PastHousehold, story: Story, want: PastCase | null): boolean {
    const head = h.members.find((m) => m.relationship === 'head' && m.memberTo === null && m.residentStatus === 'resident');
    if (!head) return false;
    const under75 = (m: PastPerson, day: string) => day < lateElderlyStart(m.birthDate);
    // Into 国保: the day the household came (転入) when in the past, else a 社保離脱 of the earner.
    const moveIn = head.becameResidentOn !== null && head.becameResidentOn >= PAST_FROM && head.becameResidentOn <= addDays(PAST_LAST_FACT, -400) && head.memberFrom === head.becameResidentOn;
    const wantMove = want === 'acquisition:moved_in' || want === 'acquisition:moved_in_within_prefecture' || want === 'acquisition:foreigner_moved_in';
    if (wantMove && !moveIn) return false;
    const d0 = moveIn && (wantMove || rng.chance(0.7)) ? head.becameResidentOn! : this.span(rng, addDays(PAST_FROM, 20), addDays(PAST_LAST_FACT, -720));
    if (!d0 || d0 < h.formedOn) return false;
    if (!under75(head, d0) || addDays(head.birthDate, 18 * 366) > d0) return false;
    const d1 = this.span(rng, addDays(d0, 240), PAST_LAST_FACT)!;
    const lateAcq = want === 'late_acquisition' || rng.chance(0.12);
    const lateLoss = want === 'late_loss' || rng.chance(0.12);
    const spouseStays = want === 'pseudo_head' || want === 'head_by_application' || rng.chance(0.35);
    let pseudoShown = false;
    for (const m of h.members) {
      if (m.residentStatus !== 'resident' || m.memberTo !== null) continue;
      if (m.relationship === 'lodger') continue;
      const start = m.birthDate > d0 ? m.birthDate : d0;
      if (start >= d1 || !under75(m, start) || m.memberFrom > start) continue;
      const acq = this.entryOf(m, start, rng, lateAcq && m === head);
      const spouse = m.relationship === 'wife' || m.relationship === 'husband';
      let end = d1;
      let loss: Loss = { on: d1, reason: 'joined_employee_insurance', occurredOn: addDays(d1, -1), delay: this.delay(rng, lateLoss && m === head), channel: 'clerk' };
      if (spouse && spouseStays) {
        // The spouse keeps 国保 (own business, part-time): the head is a 擬制世帯主 from d1.
        const d2 = this.span(rng, addDays(d1, 200), PAST_LAST_FACT);
        if (d2 && under75(m, d2)) {
          end = d2;
          loss = { on: d2, reason: 'joined_employee_insurance', occurredOn: addDays(d2, -1), delay: this.delay(rng, false), channel: 'clerk' };
          if (want === 'head_by_application' || rng.chance(0.4)) {
            const from = this.span(rng, addDays(d1, 30), addDays(d2, -60));
            if (from) story.statuses.push({ atenaNo: m.atenaNo, kind: 'head_by_application', validFrom: from, validTo: d2, basis: '世帯主変更申出書(国保上の世帯主を配偶者に)', delay: 0 });
          }
        } else if (!d2 && under75(m, AS_OF_ISO) && rng.chance(0.5)) {
          end = '9999-12-31';
        }
        pseudoShown = true;
      }
      const segment: Segment = { householdNo: h.householdNo, acq, loss: end === '9999-12-31' ? null : loss };
      const segs = untilSeventyFive(m.birthDate, [segment]);
      if (!segs) continue;
      story.segments.set(m.atenaNo, segs);
      // A student living away for school keeps the parents' 国保世帯 (修学中の特例).
      if (m.relationship === 'child' || m.relationship === 'grandchild') {
        const apr = `${Number(start.slice(0, 4)) + (start.slice(5) >= '04-01' ? 1 : 0)}-04-01`;
        const age = Number(apr.slice(0, 4)) - Number(m.birthDate.slice(0, 4));
        if (age >= 18 && age <= 22 && apr < end && apr <= PAST_LAST_FACT) {
          const grad = `${Number(apr.slice(0, 4)) + 4}-04-01`;
          const to = grad < end ? grad : end === '9999-12-31' ? (grad <= AS_OF_ISO ? grad : null) : end;
          story.statuses.push({ atenaNo: m.atenaNo, kind: 'student_exception', validFrom: apr, validTo: to, schoolName: rng.pick(SCHOOLS), basis: '在学証明書', delay: rng.int(3, 30) });
        }
      }
    }
    if ((want === 'pseudo_head' || want === 'head_by_application') && !pseudoShown) return false;
    return story.segments.size > 0;
  }

  /** One adult's own story (the others of the household keep no 国保). */
  private ownStory(rng: Rng, h: PastHousehold, story: Story, want: PastCase | null): boolean {
    const adults = h.members.filter((m) => m.residentStatus === 'resident' && m.memberTo === null && addDays(m.birthDate, 20 * 366) < PAST_FROM && m.memberFrom < PAST_FROM);
    if (adults.length === 0) return false;
    const m = rng.pick(adults);
    const hh = h.householdNo;
    const s75 = lateElderlyStart(m.birthDate);
    const age = (day: string) => Number(day.slice(0, 4)) - Number(m.birthDate.slice(0, 4)) - (day.slice(5) < m.birthDate.slice(5) ? 1 : 0);
    const foreign = m.residentKind === 'foreign';
    const senior = s75 > addDays(PAST_FROM, 400) && s75 <= PAST_LAST_FACT;
    const sixtyFive = birthdayAtAge(m.birthDate, 65);
    const kinds: string[] = [];
    const pick = (k: string, on: boolean) => on && kinds.push(k);
    pick('employment', age(PAST_FROM) <= 62);
    pick('union', age(PAST_FROM) <= 62);
    pick('welfare', age(PAST_FROM) <= 68);
    pick('residence', foreign && age(PAST_FROM) <= 62);
    pick('disability', sixtyFive < addDays(s75, -900) && sixtyFive < addDays(PAST_LAST_FACT, -600) && s75 > addDays(PAST_FROM, 700));
    pick('elderly', senior);
    const wants: Record<string, string> = {
      'acquisition:left_national_health_union': 'union', 'loss:joined_national_health_union': 'union',
      'acquisition:welfare_ended': 'welfare', 'loss:welfare_started': 'welfare',
      'acquisition:residence_status_gained': 'residence', 'loss:residence_status_excluded': 'residence',
      'loss:late_elderly_disability': 'disability', 'acquisition:late_elderly_withdrawn': 'disability',
      'loss:ex_officio': 'employment', correction: 'employment', reentry: 'employment', address_exception: 'elderly', 'loss:late_elderly': 'elderly',
    };
    const wanted = want ? wants[want] : undefined;
    if (wanted && !kinds.includes(wanted)) return false;
    const kind = wanted ?? (kinds.length ? rng.pick(kinds) : null);
    if (!kind) return false;
    const late = () => rng.chance(0.12);
    const segs: Segment[] = [];
    const seg = (acq: Acq, loss: Loss | null) => segs.push({ householdNo: hh, acq, loss });
    const clerk = (on: string, reason: LossReason, occurredOn: string | null, extra: Partial<Loss> = {}): Loss => ({ on, reason, occurredOn, delay: this.delay(rng, late()), channel: 'clerk', ...extra });
    const leave = (on: string): Acq => ({ on, reason: 'left_employee_insurance', occurredOn: addDays(on, -1), delay: this.delay(rng, want === 'late_acquisition' || late()) });
    const t1 = this.span(rng, addDays(PAST_FROM, 10), addDays(PAST_FROM, 400))!;
    switch (kind) {
      case 'employment': {
        // 社保離脱 → 社保加入 (sometimes found by the 資格重複 list: 職権喪失), then again (再加入).
        const j1 = this.span(rng, addDays(t1, 120), addDays(t1, 600))!;
        const correct = want === 'correction' || rng.chance(0.15);
        if (correct) {
          // Entered first with the 届出日 as the 喪失日 (no 事由発生日), corrected when the 資格重複 list gave the day.
          const delay = rng.int(20, 90);
          seg(leave(t1), clerk(j1, 'joined_employee_insurance', addDays(j1, -1), { delay, wrongOn: openDay(addDays(j1, delay)), correctAfter: rng.int(30, 200) }));
        } else {
          seg(leave(t1), clerk(j1, 'joined_employee_insurance', addDays(j1, -1)));
        }
        const t2 = this.span(rng, addDays(j1, 130), addDays(j1, 500));
        if (t2 && t2 <= addDays(PAST_LAST_FACT, -200)) {
          const j2 = this.span(rng, addDays(t2, 120), PAST_LAST_FACT);
          const exOfficio = want === 'loss:ex_officio' || rng.chance(0.3);
          if (j2 && (want === 'loss:ex_officio' || rng.chance(0.6))) {
            // 職権喪失: found later by the 資格重複 list (no 届出), the day after the 社保's 資格取得日.
            seg(leave(t2), exOfficio ? clerk(addDays(j2, 1), 'ex_officio', j2, { exOfficio: true, delay: rng.int(30, 300) }) : clerk(addDays(j2, 1), 'joined_employee_insurance', j2));
          } else {
            seg(leave(t2), null);
          }
        }
        break;
      }
      case 'union': {
        // 国保組合加入 (e.g. 建設国保) and later 国保組合脱退 (再加入).
        const u1 = this.span(rng, addDays(t1, 150), addDays(t1, 700))!;
        seg(leave(t1), clerk(u1, 'joined_national_health_union', u1));
        const u2 = this.span(rng, addDays(u1, 200), PAST_LAST_FACT);
        if (u2) seg({ on: u2, reason: 'left_national_health_union', occurredOn: u2, delay: this.delay(rng, late()) }, null);
        break;
      }
      case 'welfare': {
        const w1 = this.span(rng, addDays(t1, 150), addDays(t1, 800))!;
        seg(leave(t1), clerk(w1, 'welfare_started', w1));
        const w2 = this.span(rng, addDays(w1, 200), PAST_LAST_FACT);
        if (w2 && w2 < s75) {
          const j = this.span(rng, addDays(w2, 150), PAST_LAST_FACT);
          seg({ on: w2, reason: 'welfare_ended', occurredOn: w2, delay: this.delay(rng, late()) }, j && j < s75 && rng.chance(0.5) ? clerk(addDays(j, 1), 'joined_employee_insurance', j) : null);
        }
        break;
      }
      case 'residence': {
        // 在留資格: an excluded status (特定活動・医療滞在 等) for a while, then one that is covered again.
        const r1 = this.span(rng, addDays(t1, 150), addDays(t1, 700))!;
        seg({ on: t1, reason: 'residence_status_gained', occurredOn: t1, delay: this.delay(rng, late()) }, clerk(addDays(r1, 1), 'residence_status_excluded', r1));
        const r2 = this.span(rng, addDays(r1, 120), PAST_LAST_FACT);
        if (r2) seg({ on: r2, reason: 'residence_status_gained', occurredOn: r2, delay: this.delay(rng, late()) }, null);
        break;
      }
      case 'disability': {
        // 65–74: 後期高齢者医療 by 障害認定, withdrawn later (back in 国保), then 75.
        const a = sixtyFive > t1 ? sixtyFive : t1;
        const c = this.span(rng, addDays(a, 90), addDays(a, 500))!;
        const w = this.span(rng, addDays(c, 150), addDays(c, 500))!;
        if (c >= addDays(s75, -200)) return false;
        seg(leave(a), clerk(c, 'late_elderly_disability', c));
        if (addDays(w, 1) < s75 && w <= PAST_LAST_FACT) {
          seg({ on: addDays(w, 1), reason: 'late_elderly_withdrawn', occurredOn: w, delay: this.delay(rng, late()) }, s75 <= PAST_LAST_FACT ? { on: s75, reason: 'late_elderly', occurredOn: null, delay: 0, channel: 'job' } : null);
        }
        break;
      }
      case 'elderly': {
        // Retired at 70–74, 75歳到達 by the daily job; sometimes in a facility elsewhere meanwhile (住所地特例).
        const from = this.span(rng, addDays(s75, -1500) > PAST_FROM ? addDays(s75, -1500) : addDays(PAST_FROM, 10), addDays(s75, -300));
        if (!from) return false;
        seg(leave(from), { on: s75, reason: 'late_elderly', occurredOn: null, delay: 0, channel: 'job' });
        if (want === 'address_exception' || rng.chance(0.35)) {
          const f = rng.pick(FACILITIES);
          const x = this.span(rng, addDays(from, 60), addDays(s75, -120));
          if (x) story.statuses.push({ atenaNo: m.atenaNo, kind: 'address_exception', validFrom: x, validTo: s75, facilityName: f.name, facilityKind: f.kind, basis: '住所地特例適用届(施設入所)', delay: rng.int(0, 10) });
        }
        break;
      }
    }
    const kept = untilSeventyFive(m.birthDate, segs);
    if (!kept) return false;
    story.segments.set(m.atenaNo, kept);
    return true;
  }

  /** A member who left the household in the past (a new person record, removed). */
  private formerMember(rng: Rng, h: PastHousehold, story: Story, want: PastCase | null): void {
    const head = h.members.find((m) => m.relationship === 'head');
    if (!head || head.residentKind !== 'japanese' || h.formedOn > PAST_FROM) return;
    const codes: ('21' | '22' | '24' | '25')[] = ['21', '22', '24', '25'];
    const wanted = { 'loss:moved_out': '21', 'loss:moved_out_within_prefecture': '22', 'loss:moved_out_abroad': '24', 'loss:death': '25' } as const;
    const code = want && want in wanted ? wanted[want as keyof typeof wanted] : rng.pick(codes);
    const parent = code === '25';
    const sex = rng.chance(0.5) ? 'female' : 'male';
    const headAge = Number(PAST_FROM.slice(0, 4)) - Number(head.birthDate.slice(0, 4));
    const year = parent ? Number(PAST_FROM.slice(0, 4)) - rng.int(66, 72) : Number(head.birthDate.slice(0, 4)) + rng.int(24, 32);
    if (!parent && (headAge < 45 || year > Number(PAST_FROM.slice(0, 4)) - 19)) return;
    const birthDate = `${year}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    const [surname, surnameKana] = [head.nameKanji.split('　')[0]!, head.nameKana.split('　')[0]!];
    const given = rng.pick(GIVEN_NAMES[sex][generationOf(year)]);
    const became = parent ? h.formedOn : (birthDate > h.formedOn ? birthDate : h.formedOn);
    const t1 = this.span(rng, addDays(PAST_FROM, 10), addDays(PAST_FROM, 500))!;
    const on = this.span(rng, addDays(t1, 200), PAST_LAST_FACT)!;
    if (on >= lateElderlyStart(birthDate)) return;
    // 死亡届 within days; a 転出届 before the move (住基法 §24) or on the day.
    const reportedOn = openDay(code === '25' ? addDays(on, rng.int(0, 6)) : addDays(on, -rng.int(0, 10)));
    const received = atJst(openDay(addDays(reportedOn, 1)), 6 * 60 + rng.int(0, 40));
    const to = code === '21' ? `${rng.pick(OTHER_PREF)}${rng.int(1, 9)}-${rng.int(1, 30)}` : code === '22' ? `${rng.pick(IN_PREF)}${rng.int(1, 9)}-${rng.int(1, 30)}` : code === '24' ? rng.pick(ABROAD) : null;
    const destination: MovedOutDestination | null = code === '21' ? 'other_prefecture' : code === '22' ? 'within_prefecture' : code === '24' ? 'abroad' : null;
    const atenaNo = -1; // numbered when the story is kept
    const former: PlannedFormerMember = {
      atenaNo,
      householdNo: h.householdNo,
      relationship: parent ? (sex === 'female' ? 'mother' : 'father') : 'child',
      memberOrder: Math.max(...h.members.map((m) => m.memberOrder)) + 1,
      nameKanji: `${surname}　${given.kanji}`,
      nameKana: `${surnameKana}　${given.kana}`,
      birthDate,
      sex,
      areaCode: head.areaCode,
      banchi: head.banchi,
      katagaki: head.katagaki,
      becameResidentOn: became,
      previousAddress: head.previousAddress,
      removal: { code, on, reportedOn, to, destination, receivedAt: received },
    };
    story.former = former;
    const lostOn = code === '21' || code === '22' ? on : addDays(on, 1);
    story.facts.set(atenaNo, {
      birthDate,
      deathDate: code === '25' ? on : null,
      movedOutOn: code === '25' ? null : on,
      movedOutDestination: destination,
      becameResidentOn: became,
      residentStatus: code === '25' ? 'deceased' : 'moved_out',
    });
    const loss: Loss =
      code === '22'
        ? { on: lostOn, reason: 'moved_out_within_prefecture', occurredOn: null, delay: rng.int(0, 5), channel: 'clerk', event: code }
        : { on: lostOn, reason: code === '25' ? 'death' : 'moved_out', occurredOn: null, delay: daysBetween(on, reportedOn), channel: 'registry', event: code };
    story.segments.set(atenaNo, [{ householdNo: h.householdNo, acq: { on: t1, reason: 'left_employee_insurance', occurredOn: addDays(t1, -1), delay: this.delay(rng, false) }, loss }]);
  }

  // ---- from stories to rows (checked by the rules) ----

  private materialize(rng: Rng, h: PastHousehold, story: Story): Staged | null {
    const st = new Staged(h.householdNo);
    const former = story.former;
    const formerAtena = former ? this.nextAtena : null;
    const atenaOf = (a: number) => (a === -1 ? formerAtena! : a);
    if (former) st.former = { ...former, atenaNo: formerAtena! };
    // The household's 記号・番号: a number no other household uses.
    let number = firstInsuredNumberCandidate(h.householdNo);
    while (this.usedNumbers.has(number)) number = nextInsuredNumber(number);
    st.number = number;
    let branch = 0;
    const memberships: RegistryMember[] = h.members.map((m) => ({ atenaNo: m.atenaNo, householdNo: m.householdNo, head: m.relationship === 'head', validFrom: m.memberFrom, validTo: m.memberTo }));
    if (former && st.former) {
      memberships.push({ atenaNo: formerAtena!, householdNo: h.householdNo, head: false, validFrom: former.becameResidentOn, validTo: former.removal.code === '25' ? addDays(former.removal.on, 1) : former.removal.on });
    }
    for (const [key, segments] of story.segments) {
      const atenaNo = atenaOf(key);
      const finalFacts = story.facts.get(key)!;
      // Before a former member's removal the registry knew them as a resident.
      const factsAt = (day: string): PersonFacts =>
        former && key === -1 && day < dayOf(former.removal.receivedAt) ? { ...finalFacts, deathDate: null, movedOutOn: null, movedOutDestination: null } : finalFacts;
      const current: PlannedVersion[] = [];
      const branchNo = String(++branch).padStart(2, '0');
      const person = h.members.find((m) => m.atenaNo === key) ?? null;
      for (const s of segments) {
        if (!this.segmentRows(rng, st, person, atenaNo, s, branchNo, current, factsAt, finalFacts)) return null;
      }
      if (segments.length > 1) st.add('reentry', atenaNo);
    }
    // 国保世帯: the status periods of the story, then 擬制世帯主 and 特定同一世帯所属者 as the facts make them.
    const eligibility = () => st.versions.filter((v) => v.supersededAt === null).map((v) => ({ atenaNo: v.atenaNo, householdNo: v.householdNo, acquiredOn: v.acquiredOn, lostOn: v.lostOn, lossReason: v.lossReason }));
    const facts = (): HouseholdFacts => ({ members: memberships, eligibility: eligibility(), statuses: st.statuses.map((s) => ({ ...s, statusId: s.idx })) });
    for (const s of story.statuses) {
      const input = { atenaNo: atenaOf(s.atenaNo), householdNo: h.householdNo, kind: s.kind, validFrom: s.validFrom, validTo: null, facilityName: s.facilityName ?? null, facilityKind: s.facilityKind ?? null, schoolName: s.schoolName ?? null };
      if (checkStatus(input, facts()).length > 0) continue;
      // Entered once the 資格 it rests on was on record.
      const known = st.versions.filter((v) => v.atenaNo === input.atenaNo && v.acquiredOn <= s.validFrom && (v.lostOn === null || v.lostOn > s.validFrom)).map((v) => v.recordedAt.getTime());
      this.statusRows(rng, st, { ...input, validTo: s.validTo, basis: s.basis ?? null, delay: s.delay }, known.length ? new Date(Math.min(...known)) : undefined);
    }
    this.derivedStatuses(rng, st, h, memberships, facts);
    if (st.versions.length === 0) return null;
    return st;
  }

  /** The versions of one period: entered (four-eyes), ended (four-eyes, registry or job), maybe corrected. */
  private segmentRows(rng: Rng, st: Staged, person: PastPerson | null, atenaNo: number, s: Segment, branchNo: string, current: PlannedVersion[], factsAt: (day: string) => PersonFacts, finalFacts: PersonFacts & { residentStatus: string }): boolean {
    const others = (except: number): OtherPeriod[] => current.filter((v) => v.supersededAt === null && v.idx !== except).map((v) => ({ eligibilityId: v.idx, acquiredOn: v.acquiredOn, lostOn: v.lostOn }));
    const add = (c: PastCase) => st.add(c, atenaNo);
    const personSeen = (day: string) => seen(factsAt(day));
    // 届出 of the acquisition (never after the city's day), entered and approved on an open day.
    const acqFact = s.acq.occurredOn ?? s.acq.on;
    const acqReported = reportDay(acqFact, s.acq.delay);
    if (!acqReported) return false;
    const acqTimes = this.clerkTimes(rng, acqReported);
    const loss = s.loss;
    const lossFact = loss ? (loss.occurredOn ?? loss.on) : null;
    const lossReported = loss && !loss.exOfficio ? (loss.event === '22' ? st.former!.removal.reportedOn : reportDay(lossFact!, loss.delay)) : null;
    if (loss && !loss.exOfficio && !lossReported) return false;
    // A period already over when its acquisition is entered is entered with its loss at once.
    const together = loss !== null && loss.channel === 'clerk' && !loss.event && !loss.wrongOn && lossReported !== null && lossReported <= acqReported;
    const first: PeriodInput = { acquiredOn: s.acq.on, acquisitionReason: s.acq.reason, lostOn: together ? loss.on : null, lossReason: together ? loss.reason : null };
    const acqDay = dayOf(acqTimes.decided);
    const check = checkPeriod(first, factsAt(acqDay), others(0), {
      today: acqDay,
      reportedOn: acqReported,
      acquisitionOccurredOn: s.acq.occurredOn,
      lossReportedOn: together ? lossReported : null,
      lossOccurredOn: together ? loss.occurredOn : null,
    });
    if (check.errors.length > 0) return false;
    const v1 = st.version({
      atenaNo, householdNo: s.householdNo, symbol: insuredSymbolOn(acqDay), number: st.number, branch: branchNo, ...first,
      acquisitionReportedOn: acqReported, lossReportedOn: together ? lossReported : null, acquisitionRetroactive: check.retroactive.acquisition, lossRetroactive: check.retroactive.loss,
      recordedAt: acqTimes.decided, recordedBy: PAST_ACTORS.approver, supersededAt: null, supersededBy: null,
    });
    current.push(v1);
    add(`acquisition:${s.acq.reason}`);
    if (check.retroactive.acquisition) add('late_acquisition');
    st.changes.push({
      kind: 'eligibility.acquire',
      atenaNo,
      payload: (ids) => ({
        householdNo: s.householdNo, acquiredOn: s.acq.on, acquisitionReason: s.acq.reason, reportedOn: acqReported, occurredOn: s.acq.occurredOn,
        loss: together ? { lostOn: loss.on, lossReason: loss.reason, reportedOn: lossReported, occurredOn: loss.occurredOn } : null,
        person: personSeen(acqDay), appliedEligibilityId: ids.version(v1.idx),
      }),
      summary: {
        fields: [
          { label: '世帯番号', before: null, after: String(s.householdNo) },
          { label: '資格取得日', before: null, after: s.acq.on },
          { label: '資格取得事由', before: null, after: acqLabel(s.acq.reason) },
          ...(together ? [{ label: '資格喪失日', before: null, after: loss.on }, { label: '資格喪失事由', before: null, after: lossLabel(loss.reason) }] : []),
        ],
        notes: [
          { label: '被保険者', value: `宛名番号 ${atenaNo}(生年月日 ${finalFacts.birthDate})` },
          ...(s.acq.occurredOn ? [{ label: '事由発生日', value: s.acq.occurredOn }] : []),
          { label: '届出日', value: `${acqReported}${check.retroactive.acquisition ? '(遡及: 届出期限後)' : ''}` },
          { label: '根拠', value: ACQUISITION_REASONS[s.acq.reason].basis },
        ],
        meta: { householdNo: String(s.householdNo) },
      },
      warnings: check.warnings,
      requestedAt: acqTimes.requested,
      decidedAt: acqTimes.decided,
    });
    // The registry's event behind the acquisition (転入・出生): what effectsOf makes of it when it arrives.
    if (s.acq.event && person) {
      const received = atJst(openDay(addDays(s.acq.on, 1)), 6 * 60 + rng.int(0, 40));
      const e = this.event(st, s.acq.event, person, s.acq.on, s.acq.on, received);
      const enteredFirst = acqTimes.decided < received;
      const householdInsured = st.versions.some((v) => v.atenaNo !== atenaNo && v.acquiredOn <= s.acq.on && (v.lostOn === null || v.lostOn > s.acq.on) && v.recordedAt < received);
      const effects = effectsOf(e, { period: enteredFirst ? { eligibilityId: v1.idx, acquiredOn: v1.acquiredOn, lostOn: v1.lostOn } : null, householdInsured, birthDate: finalFacts.birthDate });
      for (const f of effects) if (f.kind === 'work_item') st.items.push(this.item(f.item, atenaNo, s.householdNo, e.eventId, null, f.suggestedDate, f.basis, v1.idx, received, PAST_ACTORS.registry, acqTimes.decided, '資格取得を入力・承認済み'));
    }
    if (together) {
      add(`loss:${loss.reason}`);
      if (check.retroactive.loss) add('late_loss');
      return true;
    }
    if (!loss) return true;
    // The loss: a new version superseding the open one.
    const after: PeriodInput = { ...first, lostOn: loss.wrongOn ?? loss.on, lossReason: loss.reason };
    let lossAt: Date;
    let by: string;
    // The new version's flags come from the loss's own check, as the services store them (reportedFor, automaticLoss).
    let lossRetro: boolean;
    let acqRetro: boolean;
    let lossReportedOn: string | null = lossReported;
    let warnings: string[] = [];
    let eventId: string | null = null;
    let requested: Date | null = null;
    if (loss.channel === 'clerk') {
      let t: { requested: Date; decided: Date };
      if (loss.event) {
        // 県内転出: the registry's event made a work item; a clerk ends the city's 適用 on the 転出日.
        const received = st.former!.removal.receivedAt;
        if (received <= acqTimes.decided) return false;
        t = this.clerkTimes(rng, openDay(addDays(dayOf(received), loss.delay)), received);
        const e = this.event(st, loss.event, null, st.former!.removal.on, lossReported, received);
        eventId = e.eventId;
        const effects = effectsOf(e, { period: { eligibilityId: v1.idx, acquiredOn: v1.acquiredOn, lostOn: null }, householdInsured: false, birthDate: finalFacts.birthDate });
        for (const f of effects) if (f.kind === 'work_item') st.items.push(this.item(f.item, atenaNo, s.householdNo, e.eventId, null, f.suggestedDate, f.basis, v1.idx, received, PAST_ACTORS.registry, t.decided, '県内転出(適用終了)を入力・承認済み'));
      } else {
        const day = loss.exOfficio ? reportDay(lossFact!, loss.delay) : lossReported;
        if (!day) return false;
        t = this.clerkTimes(rng, day, acqTimes.decided);
      }
      if (dayOf(t.decided) > LAST_RECORD_DAY) return false;
      lossAt = t.decided;
      requested = t.requested;
      by = PAST_ACTORS.approver;
      const day = dayOf(lossAt);
      const c = checkPeriod(after, factsAt(day), others(v1.idx), { today: day, reportedOn: v1.acquisitionReportedOn, lossReportedOn, lossOccurredOn: loss.wrongOn ? null : loss.occurredOn });
      if (c.errors.length > 0) return false;
      lossRetro = c.retroactive.loss;
      acqRetro = v1.acquisitionReportedOn !== null && c.retroactive.acquisition;
      warnings = c.warnings;
    } else {
      // What the law does by itself: the registry's 死亡・転出, the daily 75歳到達 job (automaticLoss, as both run it).
      const received = loss.channel === 'registry' ? st.former!.removal.receivedAt : atJst(loss.on, 60 + rng.int(0, 20));
      if (received <= acqTimes.decided) return false;
      const day = dayOf(received);
      let basis: string;
      if (loss.channel === 'registry') {
        const e = this.event(st, loss.event!, null, st.former!.removal.on, st.former!.removal.reportedOn, received);
        eventId = e.eventId;
        const f = effectsOf(e, { period: { eligibilityId: v1.idx, acquiredOn: v1.acquiredOn, lostOn: null }, householdInsured: false, birthDate: finalFacts.birthDate }).find((x) => x.kind === 'automatic_loss');
        if (!f || f.kind !== 'automatic_loss' || f.lostOn !== loss.on) return false;
        basis = f.basis;
      } else {
        const f = lateElderlyLoss(finalFacts.birthDate, { eligibilityId: v1.idx, acquiredOn: v1.acquiredOn, lostOn: null }, day);
        if (!f || f.kind !== 'automatic_loss' || f.lostOn !== loss.on) return false;
        basis = f.basis;
      }
      const auto = automaticLoss(
        { acquiredOn: v1.acquiredOn, acquisitionReason: v1.acquisitionReason, acquisitionReportedOn: v1.acquisitionReportedOn },
        { lostOn: loss.on, lossReason: loss.reason, reportedOn: loss.channel === 'registry' ? lossReported : null },
        factsAt(day),
        others(v1.idx),
        day,
      );
      if ('errors' in auto) return false;
      lossAt = received;
      by = loss.channel === 'registry' ? PAST_ACTORS.registry : PAST_ACTORS.job(day);
      lossReportedOn = auto.lossReportedOn;
      lossRetro = auto.lossRetroactive;
      acqRetro = auto.acquisitionRetroactive;
      st.pendingItem = { basis };
    }
    v1.supersededAt = lossAt;
    v1.supersededBy = by;
    const v2 = st.version({ ...v1, lostOn: after.lostOn, lossReason: after.lossReason, lossReportedOn, acquisitionRetroactive: acqRetro, lossRetroactive: lossRetro, recordedAt: lossAt, recordedBy: by, supersededAt: null, supersededBy: null });
    current.push(v2);
    add(loss.event === '24' ? 'loss:moved_out_abroad' : `loss:${loss.reason}`);
    if (lossRetro) add('late_loss');
    if (loss.channel === 'clerk') {
      st.changes.push(this.periodChange('eligibility.loss', atenaNo, v1, v2, personSeen(dayOf(lossAt)), { reportedOn: lossReportedOn, occurredOn: loss.wrongOn ? null : loss.occurredOn }, warnings, requested!, lossAt));
    } else {
      // Listed for review (作業項目 自動喪失), checked by a clerk the next open day.
      const resolved = this.clerkTimes(rng, openDay(addDays(dayOf(lossAt), 1)), lossAt).requested;
      const originKey = loss.channel === 'job' ? `late_elderly:${atenaNo}:${loss.on}` : null;
      st.items.push(this.item('automatic_loss', atenaNo, s.householdNo, eventId, originKey, loss.on, st.pendingItem!.basis, v2.idx, lossAt, by, resolved, '確認済み'));
    }
    if (!loss.wrongOn) return true;
    // Corrected later: the 喪失日 had been entered as the 届出日; the 資格重複 list gave the day (遡って訂正).
    const cDay = openDay(addDays(dayOf(lossAt), loss.correctAfter ?? 60));
    if (cDay > LAST_RECORD_DAY) return true;
    const t = this.clerkTimes(rng, cDay, lossAt);
    const corrected: PeriodInput = { ...after, lostOn: loss.on };
    const day = dayOf(t.decided);
    const c = checkPeriod(corrected, factsAt(day), others(v2.idx), { today: day, reportedOn: v2.acquisitionReportedOn, lossReportedOn: v2.lossReportedOn });
    if (c.errors.length > 0) return false;
    v2.supersededAt = t.decided;
    v2.supersededBy = PAST_ACTORS.approver;
    const v3 = st.version({ ...v2, lostOn: loss.on, acquisitionRetroactive: v2.acquisitionReportedOn !== null && c.retroactive.acquisition, lossRetroactive: v2.lossReportedOn !== null && c.retroactive.loss, recordedAt: t.decided, recordedBy: PAST_ACTORS.approver, supersededAt: null, supersededBy: null });
    current.push(v3);
    st.changes.push(this.periodChange('eligibility.correct', atenaNo, v2, v3, personSeen(day), null, c.warnings, t.requested, t.decided));
    add('correction');
    return true;
  }

  private periodChange(kind: 'eligibility.loss' | 'eligibility.correct', atenaNo: number, before: PlannedVersion, after: PlannedVersion, person: Record<string, unknown>, loss: { reportedOn: string | null; occurredOn: string | null } | null, warnings: string[], requestedAt: Date, decidedAt: Date): PlannedChange {
    const state = (v: PlannedVersion) => ({ acquiredOn: v.acquiredOn, acquisitionReason: v.acquisitionReason, lostOn: v.lostOn, lossReason: v.lossReason });
    return {
      kind,
      atenaNo,
      payload: (ids) => ({
        eligibilityId: ids.version(before.idx), rowUpdatedAt: before.recordedAt.toISOString(), person, before: state(before), after: state(after),
        ...(loss ? { reportedOn: loss.reportedOn, occurredOn: loss.occurredOn } : {}),
        appliedEligibilityId: ids.version(after.idx),
      }),
      summary: {
        fields: [
          ...(before.lostOn !== after.lostOn ? [{ label: '資格喪失日', before: before.lostOn, after: after.lostOn }] : []),
          ...(before.lossReason !== after.lossReason ? [{ label: '資格喪失事由', before: before.lossReason ? lossLabel(before.lossReason) : null, after: after.lossReason ? lossLabel(after.lossReason) : null }] : []),
        ],
        notes: [
          { label: '資格期間', value: `${before.acquiredOn}〜${before.lostOn ?? ''}(世帯番号 ${before.householdNo}、${before.symbol} ${before.number}-${before.branch})` },
          ...(loss?.occurredOn ? [{ label: '事由発生日', value: loss.occurredOn }] : []),
          ...(loss?.reportedOn ? [{ label: '資格喪失の届出日', value: loss.reportedOn }] : []),
          ...(kind === 'eligibility.correct' ? [{ label: '訂正の理由', value: '資格重複状況結果一覧により被用者保険の資格取得日を確認(喪失日を遡って訂正)' }] : []),
        ],
        meta: { eligibilityId: String(before.idx) },
      },
      warnings,
      requestedAt,
      decidedAt,
    };
  }

  /** A status period entered (and ended, when it has an end) through four-eyes. */
  private statusRows(rng: Rng, st: Staged, s: { atenaNo: number; householdNo: number; kind: NhiHouseholdStatusKind; validFrom: string; validTo: string | null; facilityName: string | null; facilityKind: Exclude<FacilityKind, 'child_welfare'> | null; schoolName: string | null; basis: string | null; delay: number }, after?: Date): void {
    const reportedOn = openDay(addDays(s.validFrom, s.delay));
    if (reportedOn > LAST_RECORD_DAY) return;
    const t = this.clerkTimes(rng, reportedOn, after);
    let endedAt: Date | null = null;
    let endTimes: { requested: Date; decided: Date } | null = null;
    if (s.validTo !== null) {
      // Ended once its end was known (the 資格 change of that day on record), after it was entered.
      const known = st.knownBy(s.validTo);
      const notBefore = known && known > t.decided ? known : t.decided;
      const endDay = openDay([s.validTo, addDays(dayOf(t.decided), 1), dayOf(notBefore)].sort().at(-1)!);
      if (endDay <= LAST_RECORD_DAY) {
        endTimes = this.clerkTimes(rng, endDay, notBefore);
        endedAt = endTimes.decided;
      }
    }
    const row: PlannedStatus = {
      idx: st.statuses.length + 1, atenaNo: s.atenaNo, householdNo: s.householdNo, kind: s.kind, validFrom: s.validFrom, validTo: endedAt ? s.validTo : null,
      facilityName: s.facilityName, facilityKind: s.facilityKind, schoolName: s.schoolName, basis: s.basis, reportedOn, recordedAt: t.decided, endedAt,
    };
    st.statuses.push(row);
    st.add(s.kind, s.atenaNo);
    st.changes.push({
      kind: 'eligibility.household_status',
      atenaNo: s.atenaNo,
      payload: (ids) => ({
        atenaNo: s.atenaNo, householdNo: s.householdNo, kind: s.kind, validFrom: s.validFrom, validTo: null, facilityName: s.facilityName, facilityKind: s.facilityKind, schoolName: s.schoolName,
        basis: s.basis, reportedOn, appliedStatusId: ids.status(row.idx),
      }),
      summary: {
        fields: [
          { label: '区分', before: null, after: statusLabel(s.kind) },
          { label: '世帯番号', before: null, after: String(s.householdNo) },
          { label: '期間', before: null, after: `${s.validFrom}〜` },
          ...(s.facilityName ? [{ label: '施設', before: null, after: s.facilityName }] : []),
          ...(s.schoolName ? [{ label: '学校名', before: null, after: s.schoolName }] : []),
        ],
        notes: [{ label: '届出日', value: reportedOn }, ...(s.basis ? [{ label: '備考', value: s.basis }] : [])],
        meta: { householdNo: String(s.householdNo) },
      },
      warnings: [],
      requestedAt: t.requested,
      decidedAt: t.decided,
    });
    if (endTimes && s.validTo) {
      const validTo = s.validTo;
      st.changes.push({
        kind: 'eligibility.household_status_end',
        atenaNo: s.atenaNo,
        payload: (ids) => ({ statusId: ids.status(row.idx), validTo, rowUpdatedAt: row.recordedAt.toISOString() }),
        summary: { fields: [{ label: `${statusLabel(s.kind)}の期間`, before: `${s.validFrom}〜`, after: `${s.validFrom}〜${validTo}` }], notes: [], meta: { statusId: String(row.idx) } },
        warnings: [],
        requestedAt: endTimes.requested,
        decidedAt: endTimes.decided,
      });
    }
  }

  /**
   * 擬制世帯主 as the facts make it (nhiHouseholdOn on every day something changes: the periods the
   * notices of pseudoHeadActions would ask for), and 特定同一世帯所属者 for a member who moved to 後期
   * while others stay insured (ended as specificSameHouseholdEnd says).
   */
  private derivedStatuses(rng: Rng, st: Staged, h: PastHousehold, memberships: RegistryMember[], facts: () => HouseholdFacts): void {
    const days = new Set<string>();
    for (const v of st.versions) if (v.supersededAt === null) for (const x of [v.acquiredOn, v.lostOn]) if (x) days.add(x);
    for (const s of st.statuses) for (const x of [s.validFrom, s.validTo]) if (x) days.add(x);
    for (const m of memberships) for (const x of [m.validFrom, m.validTo]) if (x && x >= PAST_FROM) days.add(x);
    const sorted = [...days].filter((x) => x <= AS_OF_ISO).sort();
    const f = facts();
    let open: { atenaNo: number; from: string } | null = null;
    const spans: { atenaNo: number; from: string; to: string | null }[] = [];
    for (const day of sorted) {
      const n = nhiHouseholdOn(h.householdNo, day, f);
      const who = n.pseudoHead ? n.head!.atenaNo : null;
      if (open && open.atenaNo !== who) {
        spans.push({ ...open, to: day });
        open = null;
      }
      if (who !== null && !open) open = { atenaNo: who, from: day };
    }
    if (open) spans.push({ ...open, to: null });
    // Recorded once the 資格 change that made it was entered (a late 届出 makes a late record).
    const knownBy = (day: string) => st.knownBy(day);
    for (const s of spans) {
      const input = { atenaNo: s.atenaNo, householdNo: h.householdNo, kind: 'pseudo_head' as const, validFrom: s.from, validTo: null, facilityName: null, facilityKind: null, schoolName: null };
      if (checkStatus(input, facts()).length > 0) continue;
      const known = knownBy(s.from);
      const delay = known ? Math.max(0, daysBetween(s.from, dayOf(known))) : 0;
      this.statusRows(rng, st, { ...input, validTo: s.to, basis: '世帯主が国保に加入していない(擬制世帯主)', delay }, known);
    }
    for (const v of st.versions) {
      if (v.supersededAt !== null || (v.lossReason !== 'late_elderly' && v.lossReason !== 'late_elderly_disability') || !v.lostOn) continue;
      const n = nhiHouseholdOn(h.householdNo, v.lostOn, facts());
      if (n.members.length === 0 || !memberships.some((m) => m.atenaNo === v.atenaNo && m.validTo === null)) continue;
      const input = { atenaNo: v.atenaNo, householdNo: h.householdNo, kind: 'specific_same_household' as const, validFrom: v.lostOn, validTo: null, facilityName: null, facilityKind: null, schoolName: null };
      if (checkStatus(input, facts()).length > 0) continue;
      const end = specificSameHouseholdEnd({ ...input, statusId: 0 }, AS_OF_ISO, facts());
      this.statusRows(rng, st, { ...input, validTo: end?.on ?? null, basis: '後期高齢者医療へ移行(同じ世帯にとどまる)', delay: Math.max(0, daysBetween(v.lostOn, dayOf(v.recordedAt))) }, v.recordedAt);
    }
  }

  // ---- small parts ----

  /** Requested on `day` during office hours, approved by the second person the same day or the next open day. */
  private clerkTimes(rng: Rng, day: string, notBefore?: Date): { requested: Date; decided: Date } {
    let requested = atJst(day, 9 * 60 + rng.int(0, 420));
    if (notBefore && requested <= notBefore) {
      const later = new Date(notBefore.getTime() + rng.int(5, 60) * 60_000);
      requested = dayOf(later) === dayOf(notBefore) && later <= atJst(dayOf(notBefore), 16 * 60) ? later : atJst(openDay(addDays(dayOf(notBefore), 1)), 9 * 60 + rng.int(0, 300));
    }
    const sameDay = new Date(requested.getTime() + rng.int(10, 150) * 60_000);
    const decided = dayOf(sameDay) === dayOf(requested) && sameDay.getTime() <= atJst(dayOf(requested), 17 * 60 + 30).getTime() ? sameDay : atJst(openDay(addDays(dayOf(requested), 1)), 9 * 60 + rng.int(0, 120));
    return { requested, decided };
  }

  /** A registry event as the registry sends it (docs/interfaces/registry-intake.md): 記載 from the person, 消除 from the removal. */
  private event(st: Staged, code: RegistryEventCode, person: PastPerson | null, occurredOn: string, reportedOn: string | null, receivedAt: Date): RegistryEvent {
    const id = `P${occurredOn.replace(/-/g, '')}-${String(++this.eventSeq).padStart(5, '0')}`;
    const removal = st.former?.removal;
    const record = person !== null;
    const e: RegistryEvent = {
      eventId: id, eventCode: code, occurredOn, reportedOn, atenaNo: record ? person.atenaNo : st.former!.atenaNo,
      householdNo: record ? person.householdNo : null,
      relationship: record ? (RELATIONSHIP_TEXT[person.relationship] ?? 'その他') : null,
      nameKanji: record ? person.nameKanji : null, nameKana: record ? person.nameKana : null, aliasKanji: null, aliasKana: null,
      birthDate: record ? person.birthDate : null, sex: record ? person.sex : null, residentKind: record ? person.residentKind : null,
      areaCode: record ? person.areaCode : null, banchi: record ? person.banchi : null, katagaki: record ? person.katagaki : null,
      otherAddress: record ? (code === '14' ? null : person.previousAddress) : (removal?.to ?? null),
      otherPrefectureCode: record ? (code === '11' ? prefectureCode(person.previousAddress) : code === '12' ? '11' : null) : code === '21' ? prefectureCode(removal?.to ?? null) : code === '22' ? '11' : null,
      residenceStatus: null, residenceExpiresOn: null,
    };
    st.events.push({ event: e, receivedAt });
    return e;
  }

  private item(kind: string, atenaNo: number, householdNo: number | null, eventId: string | null, originKey: string | null, suggestedDate: string | null, basis: string, versionIdx: number | null, createdAt: Date, createdBy: string, resolvedAt: Date, note: string): PlannedItem {
    return { kind, atenaNo, householdNo, eventId, originKey, suggestedDate, basis, versionIdx, createdAt, createdBy, resolvedAt: resolvedAt > createdAt ? resolvedAt : new Date(createdAt.getTime() + 3_600_000), resolvedBy: PAST_ACTORS.clerk, note };
  }

  private commit(h: PastHousehold, st: Staged): void {
    const p = this.plan;
    const vBase = p.versions.length;
    const sBase = p.statuses.length;
    const vMap = (i: number) => vBase + i;
    const sMap = (i: number) => sBase + i;
    for (const v of st.versions) p.versions.push({ ...v, idx: vMap(v.idx) });
    for (const s of st.statuses) p.statuses.push({ ...s, idx: sMap(s.idx) });
    for (const c of st.changes) {
      const payload = c.payload;
      p.changes.push({ ...c, payload: (ids) => payload({ version: (i) => ids.version(vMap(i)), status: (i) => ids.status(sMap(i)) }) });
    }
    for (const it of st.items) p.items.push({ ...it, versionIdx: it.versionIdx === null ? null : vMap(it.versionIdx) });
    p.events.push(...st.events);
    if (st.former) {
      p.formerMembers.push(st.former);
      this.nextAtena++;
      st.add('former_member', st.former.atenaNo);
    }
    this.usedNumbers.add(st.number);
    p.households.push(h.householdNo);
    for (const c of st.cases) {
      const atenaNo = st.caseAtena.get(c) ?? st.versions[0]?.atenaNo ?? 0;
      const x = p.cases[c];
      if (x) x.count++;
      else p.cases[c] = { count: 1, householdNo: h.householdNo, atenaNo };
    }
  }
}

/** What one household's story adds, before it is kept (indexes from 1, local to the household). */
class Staged {
  versions: PlannedVersion[] = [];
  statuses: PlannedStatus[] = [];
  changes: PlannedChange[] = [];
  events: PlannedEvent[] = [];
  items: PlannedItem[] = [];
  former: PlannedFormerMember | null = null;
  number = '';
  /** The basis of the automatic loss being written (from the rule that made it). */
  pendingItem: { basis: string } | null = null;
  cases = new Set<PastCase>();
  caseAtena = new Map<PastCase, number>();
  constructor(readonly householdNo: number) {}
  /** When the system first knew of the 資格 changes of `day` (per person the first version with it; the last person). */
  knownBy(day: string): Date | undefined {
    const first = new Map<number, number>();
    for (const v of this.versions) {
      if (v.acquiredOn !== day && v.lostOn !== day) continue;
      const t = v.recordedAt.getTime();
      if (!first.has(v.atenaNo) || t < first.get(v.atenaNo)!) first.set(v.atenaNo, t);
    }
    return first.size ? new Date(Math.max(...first.values())) : undefined;
  }
  add(c: PastCase, atenaNo: number): void {
    this.cases.add(c);
    if (!this.caseAtena.has(c)) this.caseAtena.set(c, atenaNo);
  }
  version(v: Omit<PlannedVersion, 'idx'> & { idx?: number }): PlannedVersion {
    const row = { ...v, idx: this.versions.length + 1 } as PlannedVersion;
    this.versions.push(row);
    return row;
  }
}

function factsOf(m: PastPerson): PersonFacts & { residentStatus: string } {
  return { birthDate: m.birthDate, deathDate: m.deathDate, movedOutOn: m.movedOutOn, movedOutDestination: m.movedOutDestination, becameResidentOn: m.becameResidentOn, residentStatus: m.residentStatus };
}

/** The person's facts as the clerk saw them (pending_change.payload.person). */
function seen(f: PersonFacts): Record<string, unknown> {
  return { birthDate: f.birthDate, deathDate: f.deathDate, movedOutOn: f.movedOutOn, movedOutDestination: f.movedOutDestination ?? null, becameResidentOn: f.becameResidentOn, residentStatus: f.deathDate ? 'deceased' : f.movedOutOn ? 'moved_out' : 'resident' };
}

/** The 届出 `delay` days after the fact (the next open day), pulled in so it is on record before the city's day; null when even the fact's day is too late. */
function reportDay(fact: string, delay: number): string | null {
  const latest = daysBetween(fact, LAST_RECORD_DAY) - 5;
  if (latest < 0) return null;
  const d = openDay(addDays(fact, Math.min(delay, latest)));
  return d <= LAST_RECORD_DAY ? d : null;
}

/**
 * The 75th birthday ends 国保 whatever the story (国保法 §6第8号): a period open then ends on it by the
 * daily job; a story that would still be open on the city's day past 75, or begin after it, is cut.
 */
function untilSeventyFive(birthDate: string, segments: Segment[]): Segment[] | null {
  const s75 = lateElderlyStart(birthDate);
  const out: Segment[] = [];
  for (const s of segments) {
    if (s.acq.on >= s75) break;
    const end = s.loss?.on ?? '9999-12-31';
    if (end > s75) {
      if (s75 > PAST_LAST_FACT) {
        if (s75 <= addDays(AS_OF_ISO, 60)) return out.length ? out : null;
        out.push(s);
        continue;
      }
      out.push({ ...s, loss: { on: s75, reason: 'late_elderly', occurredOn: null, delay: 0, channel: 'job' } });
      break;
    }
    out.push(s);
  }
  return out.length ? out : null;
}

const RELATIONSHIP_TEXT: Record<string, string> = { head: '世帯主', wife: '妻', husband: '夫', child: '子', father: '父', mother: '母', child_wife: '子の妻', grandchild: '子の子', lodger: '同居人' };
const PREFECTURES: Record<string, string> = { 北海道: '01', 宮城県: '04', 茨城県: '08', 栃木県: '09', 群馬県: '10', 埼玉県: '11', 千葉県: '12', 東京都: '13', 神奈川県: '14', 新潟県: '15', 静岡県: '22', 愛知県: '23', 大阪府: '27', 福岡県: '40' };
/** JIS X 0401 code of the prefecture an address begins with (13 when not known). */
function prefectureCode(address: string | null): string {
  const m = address ? /^(北海道|.{2,3}?[都府県])/.exec(address) : null;
  return (m && PREFECTURES[m[1]!]) ?? '13';
}

const acqLabel = (r: AcquisitionReason) => ACQUISITION_REASONS[r].label;
const lossLabel = (r: LossReason) => LOSS_REASONS[r].label;
const statusLabel = (k: NhiHouseholdStatusKind) => NHI_HOUSEHOLD_STATUS_KINDS[k].label;

export interface PastPlanOptions {
  seed: number;
  /** Share of the candidate households that get a past (the cases each need one come first). */
  share: number;
  /** 被保険者証番号 already in use (no household gets another's). */
  usedInsuredNumbers: Iterable<string>;
  /** The first 宛名番号 for former members (after every number in use). */
  firstNewAtena: number;
}

/** How many households are tried for a case still missing before giving it up. */
const TRIES_PER_CASE = 2_000;

/**
 * The past of the city: the households in a seeded order; first, for every case of REQUIRED_CASES not
 * shown yet, the first household whose story shows it; then households with a story of their own until
 * `share` of them have one.
 */
export function planDemoPast(households: readonly PastHousehold[], o: PastPlanOptions): PastPlan {
  const planner = new PastPlanner(o.seed, o.usedInsuredNumbers, o.firstNewAtena);
  const order = [...households].sort((a, b) => mixSeed(o.seed, a.householdNo) - mixSeed(o.seed, b.householdNo) || a.householdNo - b.householdNo);
  const target = Math.round(households.length * o.share);
  const used = new Set<number>();
  for (const want of REQUIRED_CASES) {
    if (planner.result().cases[want]) continue;
    let tries = 0;
    for (const h of order) {
      if (used.has(h.householdNo)) continue;
      if (++tries > TRIES_PER_CASE) break;
      if (planner.planHousehold(h, want)) {
        used.add(h.householdNo);
        break;
      }
    }
  }
  for (const h of order) {
    if (used.size >= target) break;
    if (!used.has(h.householdNo) && planner.planHousehold(h, null)) used.add(h.householdNo);
  }
  return planner.result();
}
