import type { ResidentStatus, Sex } from '../db/schema.js';
import type { ChangeReason, Relationship } from '../modules/person/person.rules.js';
import type { AcquisitionReason, LossReason, MovedOutDestination } from '../modules/eligibility/eligibility.rules.js';
import { AS_OF, addYears, ageOn, dayNumber, yearOf } from './dates.js';
import { AREAS, AREA_WEIGHTS, type Area } from './areas.js';
import { BUILDINGS, GIVEN_NAMES, NATIONALITIES, OTHER_MUNICIPALITIES, SURNAMES, generationOf, type ForeignNamePart, type NamePart, type Nationality } from './names.js';
import { Rng, WeightedTable, cumulative, mixSeed } from './prng.js';
import { roundYen } from './income.js';
import { pensionIncome, salaryIncome } from '../modules/assessment/income.rules.js';
import { ZERO_AMOUNTS, type IncomeFacts } from '../modules/income/income.rules.js';

/**
 * The household model of the demo city. Pure: given an Rng it draws one household with its members,
 * their 住民記録 dates, occupation, health insurance (国保 / 社保 / 後期), 国保資格 and income.
 * Serialising to table rows is chunk.ts's job.
 */

/** The 続柄 the demo city uses (codes of RELATIONSHIPS: 世帯主, 妻, 夫, 子, 父, 母, 子の妻, 子の子, 同居人). */
export type DemoRelationship = Extract<Relationship, 'head' | 'wife' | 'husband' | 'child' | 'father' | 'mother' | 'child_wife' | 'grandchild' | 'lodger'>;

/** What the member does; decides health insurance and income. */
export type Work =
  | 'employee' // 会社員・公務員: 被用者保険 (社保)
  | 'self' // 自営業: 国保
  | 'irregular' // 非正規・無職: 国保
  | 'retired' // 退職者 (< 75): 国保
  | 'dependent' // 被扶養者: follows the supporter's insurance
  | 'student' // 学生 (18–22): follows the supporter
  | 'child' // 児童: follows the supporter
  | 'elderly'; // 75歳以上: 後期高齢者医療

export type Insurance = 'nhi' | 'shaho' | 'kouki';

/**
 * Who is insured where. 'city' (the default): a city like most, where employees and their dependants
 * are in 被用者保険 (社保) and only about a fifth of the residents in 国保. 'nhi': a city where everyone
 * under 75 is self-employed or retired, as far as insurance goes — whoever would be in 社保 is in 国保
 * instead (with a 国保資格 drawn like any other member's, and the same income), and 75+ stay in 後期.
 * For benchmarks at the size of a large 国保 (all residents under 75 insured). 'city' draws exactly the
 * random numbers it always did, so its output does not depend on this option's existence.
 */
export type SeedProfile = 'city' | 'nhi';
export const SEED_PROFILES = ['city', 'nhi'] as const satisfies readonly SeedProfile[];

export interface Eligibility {
  acquiredDay: number;
  reason: AcquisitionReason;
  lostDay: number | null;
  lossReason: LossReason | null;
}

/** One 年度 of a person's income as the 個人住民税 system would report it (see demoReturn). */
export interface IncomeRow {
  fiscalYear: number;
  facts: IncomeFacts;
}

export interface Member {
  relationship: DemoRelationship;
  sex: Sex;
  birthDay: number;
  /** Age on AS_OF. */
  age: number;
  /** Index of the member whose insurance a dependant follows (−1 for none). */
  supporter: number;
  work: Work;
  insurance: Insurance;
  surname: NamePart;
  given: NamePart;
  foreignFamily: ForeignNamePart | null;
  foreignGiven: ForeignNamePart | null;
  /** 住民となった年月日 (day number). */
  becameDay: number;
  addressSetDay: number;
  changeReason: ChangeReason;
  validFromDay: number;
  reportedDay: number;
  previousAddress: string | null;
  status: ResidentStatus;
  /** 死亡日 or 転出日 when status is not 'resident', else −1. */
  eventDay: number;
  movedOutTo: string | null;
  /** Where the 転出 went (decides the 資格喪失日, 国保法 §8). */
  movedOutDestination: MovedOutDestination | null;
  memberFromDay: number;
  memberReason: ChangeReason;
  dvSupport: boolean;
  eligibility: Eligibility | null;
  incomes: IncomeRow[];
}

export interface Household {
  members: Member[];
  nationality: Nationality | null;
  /** 通称 surname used by the whole foreign household, or null. */
  aliasSurname: NamePart | null;
  area: Area;
  banchi: string;
  katagaki: string | null;
  formedDay: number;
  formedReason: ChangeReason;
  /** Day the last member left (single-person households whose member died or moved out), else −1. */
  dissolvedDay: number;
  dissolvedReason: ChangeReason | null;
}

/** The 年度 the demo city has income for (income of the calendar year before each). */
export const FISCAL_YEARS = [2022, 2023, 2024, 2025, 2026] as const;

// ---------------------------------------------------------------------------------------------------
// Distributions

type Band = readonly [number, number];
const bands = (entries: readonly (readonly [number, number, number])[]) => new WeightedTable<Band>(entries.map(([lo, hi, w]) => [[lo, hi] as const, w]));

/** 世帯人員: about 38 % single, 28 % two, then fewer (国勢調査-like). */
const HOUSEHOLD_SIZE = new WeightedTable<number>([[1, 38], [2, 28], [3, 16.5], [4, 12], [5, 4], [6, 1.5]]);
const FOREIGN_HOUSEHOLD_SIZE = new WeightedTable<number>([[1, 52], [2, 24], [3, 13], [4, 9], [5, 2]]);
const FOREIGN_HOUSEHOLD_SHARE = 0.03;

const SINGLE_AGE = bands([[18, 24, 9], [25, 34, 15], [35, 44, 9], [45, 54, 12], [55, 64, 10], [65, 69, 8], [70, 79, 17], [80, 89, 14], [90, 99, 4]]);
const COUPLE_AGE = bands([[24, 34, 6], [35, 44, 4], [45, 54, 7], [55, 64, 12], [65, 69, 12], [70, 79, 32], [80, 89, 14], [90, 95, 2]]);
const FAMILY_AGE = bands([[25, 34, 2], [35, 44, 7], [45, 54, 12], [55, 64, 5], [65, 74, 1.5]]);
const ELDER_HEAD_AGE = bands([[58, 64, 3], [65, 74, 6], [75, 84, 5], [85, 92, 1]]);
const FOREIGN_ADULT_AGE = bands([[19, 24, 5], [25, 34, 8], [35, 44, 5], [45, 59, 3], [60, 80, 1]]);

const NATIONALITY = new WeightedTable<Nationality>(NATIONALITIES.map((n) => [n, n.weight]));
const SURNAME_WEIGHTS = cumulative(SURNAMES.map((_, i) => 1 / (i + 8)));

/** Members of a household before names and dates: relationship, sex, age, supporter. */
interface Draft {
  relationship: DemoRelationship;
  sex: Sex;
  age: number;
  supporter: number;
}

const clampAge = (a: number) => Math.max(0, Math.min(103, a));
const other = (s: Sex): Sex => (s === 'male' ? 'female' : 'male');

function spouseOf(rng: Rng, head: Draft): Draft {
  const sex = other(head.sex);
  const gap = rng.int(-2, 6);
  const age = Math.max(18, clampAge(head.sex === 'male' ? head.age - gap : head.age + gap));
  return { relationship: sex === 'female' ? 'wife' : 'husband', sex, age, supporter: 0 };
}

/** Children of the member at index `parent`, eldest first (born when the parent was 25–38). */
function childrenOf(rng: Rng, parentAge: number, n: number, parent: number, rel: DemoRelationship): Draft[] {
  const out: Draft[] = [];
  let age = parentAge - rng.int(25, 38);
  if (age < 2 * (n - 1)) age = 2 * (n - 1) + rng.int(0, 6);
  for (let i = 0; i < n; i++) {
    out.push({ relationship: rel, sex: rng.chance(0.51) ? 'male' : 'female', age: Math.max(0, age), supporter: parent });
    age -= rng.int(1, 4);
  }
  return out;
}

function parentsOf(rng: Rng, headAge: number, n: number): Draft[] {
  const age = Math.min(100, headAge + rng.int(25, 35));
  if (n >= 2) {
    return [
      { relationship: 'father', sex: 'male', age: Math.min(102, age + rng.int(0, 4)), supporter: 0 },
      { relationship: 'mother', sex: 'female', age, supporter: 0 },
    ];
  }
  return rng.chance(0.72) ? [{ relationship: 'mother', sex: 'female', age, supporter: 0 }] : [{ relationship: 'father', sex: 'male', age, supporter: 0 }];
}

function head(rng: Rng, age: number, maleShare: number): Draft {
  return { relationship: 'head', sex: rng.chance(maleShare) ? 'male' : 'female', age, supporter: -1 };
}

function drawAge(rng: Rng, table: WeightedTable<Band>): number {
  const [lo, hi] = table.draw(rng);
  return rng.int(lo, hi);
}

/** A couple (head + spouse) with `kids` children and `parents` parents of the head. */
function family(rng: Rng, headAge: number, kids: number, parents: number): Draft[] {
  const h = head(rng, headAge, 0.9);
  const out: Draft[] = [h, spouseOf(rng, h)];
  out.push(...childrenOf(rng, Math.min(h.age, out[1]!.age), kids, 0, 'child'));
  if (parents > 0) out.push(...parentsOf(rng, h.age, parents));
  return out;
}

/** An elderly head (and spouse) living with a married son, his wife and grandchildren (三世代). */
function threeGenerations(rng: Rng, withSpouse: boolean, grandchildren: number): Draft[] {
  const h = head(rng, drawAge(rng, ELDER_HEAD_AGE), withSpouse ? 0.9 : 0.35);
  const out: Draft[] = [h];
  if (withSpouse) out.push(spouseOf(rng, h));
  const sonAge = Math.max(18, h.age - rng.int(24, 36));
  const son: Draft = { relationship: 'child', sex: withSpouse ? 'male' : rng.chance(0.6) ? 'male' : 'female', age: sonAge, supporter: 0 };
  out.push(son);
  const sonIndex = out.length - 1;
  if (withSpouse) {
    const wifeAge = Math.max(18, sonAge - rng.int(-3, 5));
    out.push({ relationship: 'child_wife', sex: 'female', age: wifeAge, supporter: sonIndex });
  }
  out.push(...childrenOf(rng, sonAge, grandchildren, sonIndex, 'grandchild'));
  return out;
}

function compose(rng: Rng, size: number, foreign: boolean): Draft[] {
  const adultAge = () => (foreign ? drawAge(rng, FOREIGN_ADULT_AGE) : 0);
  switch (size) {
    case 1: {
      const age = foreign ? adultAge() : drawAge(rng, SINGLE_AGE);
      return [head(rng, age, age >= 70 ? 0.35 : 0.56)];
    }
    case 2: {
      const x = rng.next();
      if (x < 0.62) {
        const h = head(rng, foreign ? adultAge() + 3 : drawAge(rng, COUPLE_AGE), 0.9);
        return [h, spouseOf(rng, h)];
      }
      if (x < 0.8) {
        // 一人親 + 子 (young child, or an adult child living with an elderly parent)
        const h = head(rng, foreign ? adultAge() + 8 : rng.int(28, 88), 0.3);
        return [h, ...childrenOf(rng, h.age, 1, 0, 'child')];
      }
      if (x < 0.94 && !foreign) {
        const h = head(rng, rng.int(28, 66), 0.6);
        return [h, ...parentsOf(rng, h.age, 1)];
      }
      const h = head(rng, foreign ? adultAge() : rng.int(20, 70), 0.6);
      return [h, { relationship: 'lodger', sex: rng.chance(0.5) ? 'male' : 'female', age: Math.max(18, h.age + rng.int(-10, 10)), supporter: -1 }];
    }
    case 3: {
      const x = rng.next();
      if (x < 0.7 || foreign) return family(rng, foreign ? adultAge() + 10 : drawAge(rng, FAMILY_AGE), 1, 0);
      if (x < 0.82) {
        const h = head(rng, rng.int(28, 60), 0.2);
        return [h, ...childrenOf(rng, h.age, 2, 0, 'child')];
      }
      if (x < 0.92) return family(rng, rng.int(35, 62), 0, 1);
      return threeGenerations(rng, false, 1);
    }
    case 4: {
      const x = rng.next();
      if (x < 0.72 || foreign) return family(rng, foreign ? adultAge() + 12 : drawAge(rng, FAMILY_AGE), 2, 0);
      if (x < 0.86) return family(rng, rng.int(35, 60), 1, 1);
      if (x < 0.94) return threeGenerations(rng, true, 0);
      const h = head(rng, rng.int(33, 60), 0.2);
      return [h, ...childrenOf(rng, h.age, 3, 0, 'child')];
    }
    case 5: {
      const x = rng.next();
      if (x < 0.4 || foreign) return family(rng, foreign ? adultAge() + 14 : rng.int(32, 58), 3, 0);
      if (x < 0.7) return family(rng, rng.int(36, 60), 2, 1);
      return threeGenerations(rng, true, 1);
    }
    default: {
      const x = rng.next();
      if (x < 0.15) return family(rng, rng.int(34, 56), 4, 0);
      if (x < 0.55) return family(rng, rng.int(36, 58), 2, 2);
      return threeGenerations(rng, true, 2);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Work and insurance

function headWork(rng: Rng, age: number): Work {
  const x = rng.next();
  if (age < 30) return x < 0.9 ? 'employee' : 'irregular';
  if (age < 60) return x < 0.885 ? 'employee' : x < 0.96 ? 'self' : 'irregular';
  if (age < 65) return x < 0.7 ? 'employee' : x < 0.8 ? 'self' : 'retired';
  return x < 0.3 ? 'employee' : x < 0.4 ? 'self' : 'retired';
}

function ownWork(rng: Rng, age: number): Work {
  const x = rng.next();
  if (age >= 60) return x < 0.5 ? 'retired' : x < 0.9 ? 'employee' : 'self';
  return x < 0.94 ? 'employee' : x < 0.98 ? 'irregular' : 'self';
}

function workOf(rng: Rng, d: Draft, headW: Work): Work {
  if (d.age >= 75) return 'elderly';
  if (d.relationship === 'head') return headW;
  if (d.age < 18) return 'child';
  if (d.age <= 22 && (d.relationship === 'child' || d.relationship === 'grandchild') && rng.chance(0.55)) return 'student';
  switch (d.relationship) {
    case 'wife':
    case 'husband': {
      if (headW === 'employee') return rng.chance(0.6) ? 'dependent' : d.age >= 60 && rng.chance(0.1) ? 'retired' : 'employee';
      if (headW === 'self') return rng.chance(0.75) ? 'self' : 'employee';
      if (headW === 'elderly' || headW === 'retired') return d.age >= 60 ? (rng.chance(0.8) ? 'retired' : 'employee') : rng.chance(0.5) ? 'employee' : 'irregular';
      return rng.chance(0.6) ? 'irregular' : 'employee';
    }
    case 'father':
    case 'mother':
      if (d.age >= 60) return headW === 'employee' && rng.chance(0.92) ? 'dependent' : 'retired';
      return 'employee';
    case 'child_wife':
      return rng.chance(0.5) ? 'dependent' : rng.chance(0.85) ? 'employee' : 'irregular';
    default:
      // child, grandchild (adults), lodger
      return ownWork(rng, d.age);
  }
}

function insuranceOf(work: Work, supporter: Insurance | null, profile: SeedProfile): Insurance {
  const insurance = baseInsuranceOf(work, supporter);
  return profile === 'nhi' && insurance === 'shaho' ? 'nhi' : insurance;
}

function baseInsuranceOf(work: Work, supporter: Insurance | null): Insurance {
  switch (work) {
    case 'elderly':
      return 'kouki';
    case 'employee':
      return 'shaho';
    case 'self':
    case 'irregular':
    case 'retired':
      return 'nhi';
    default:
      // 後期高齢者医療 has no dependants: a dependant of someone aged 75+ joins 国保.
      return supporter === 'shaho' ? 'shaho' : 'nhi';
  }
}

// ---------------------------------------------------------------------------------------------------
// One household

const DAY_1970 = dayNumber(1970, 1, 1);

function birthDayFor(rng: Rng, age: number): number {
  const earliest = addYears(AS_OF, -(age + 1)) + 1;
  const latest = addYears(AS_OF, -age);
  return rng.int(earliest, latest);
}

/** A day in [lo, hi], skewed towards hi (recent) by `skew` > 1. */
function recentDay(rng: Rng, lo: number, hi: number, skew: number): number {
  if (hi <= lo) return lo;
  return hi - Math.floor((hi - lo) * Math.pow(rng.next(), skew));
}

function domesticAddress(rng: Rng): string {
  return `${rng.pick(OTHER_MUNICIPALITIES)}${rng.int(1, 9)}-${rng.int(1, 30)}-${rng.int(1, 20)}`;
}

function pickGiven(rng: Rng, sex: Sex, birthDay: number): NamePart {
  let gen: number = generationOf(yearOf(birthDay));
  if (rng.chance(0.15)) gen = Math.max(0, Math.min(2, gen + (rng.chance(0.5) ? 1 : -1)));
  const list = GIVEN_NAMES[sex][gen as 0 | 1 | 2];
  return rng.pick(list);
}

function pickForeignGiven(rng: Rng, nat: Nationality, sex: Sex): ForeignNamePart {
  const list = nat.given.filter((g) => g.sex === sex);
  return rng.pick(list.length ? list : nat.given);
}

export function drawHousehold(rng: Rng, maxSize: number, profile: SeedProfile = 'city'): Household {
  const foreign = rng.chance(FOREIGN_HOUSEHOLD_SHARE);
  const size = Math.min(maxSize, (foreign ? FOREIGN_HOUSEHOLD_SIZE : HOUSEHOLD_SIZE).draw(rng));
  const drafts = compose(rng, size, foreign).slice(0, size);
  const nationality = foreign ? NATIONALITY.draw(rng) : null;

  // Names: one surname for the family (同居人 has their own).
  const surname = SURNAMES[rng.weighted(SURNAME_WEIGHTS)]!;
  const foreignFamily = nationality ? rng.pick(nationality.families) : null;
  const aliasSurname = nationality && rng.chance(0.5) ? SURNAMES[rng.weighted(SURNAME_WEIGHTS)]! : null;

  // Address.
  const area = AREAS[rng.weighted(AREA_WEIGHTS)]!;
  const banchi = area.chome === null ? `${rng.int(100, 2999)}-${rng.int(1, 20)}` : `${rng.int(1, 30)}-${rng.int(1, 25)}`;
  const katagaki = rng.chance(foreign ? 0.75 : 0.33) ? `${rng.pick(BUILDINGS)}　${rng.int(1, 8)}${String(rng.int(1, 12)).padStart(2, '0')}号室` : null;

  // Dates of the household: 転入 (or 世帯分離 from a parent's household) and possibly a later 転居.
  const headBirth = birthDayFor(rng, drafts[0]!.age);
  const localOrigin = !foreign && rng.chance(0.2);
  const earliest = Math.max(addYears(headBirth, 18), foreign ? addYears(AS_OF, -15) : DAY_1970);
  const formedDay = recentDay(rng, Math.min(earliest, AS_OF - 30), AS_OF - 1, 1.6);
  const formedReason: ChangeReason = localOrigin ? 'household_split' : 'moved_in';
  const moveDay = rng.chance(0.25) && formedDay < AS_OF - 60 ? rng.int(formedDay + 30, AS_OF - 1) : -1;
  const fromAbroad = foreign && rng.chance(0.6);
  const previousAddress = fromAbroad ? nationality!.country : domesticAddress(rng);

  const headW = headWork(rng, drafts[0]!.age);
  const members: Member[] = [];
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    const birthDay = i === 0 ? headBirth : birthDayFor(rng, d.age);
    const work = workOf(rng, d, drafts[0]!.age >= 75 ? 'elderly' : headW);
    const supporterIns = d.supporter >= 0 ? members[d.supporter]?.insurance ?? null : null;
    const insurance = insuranceOf(work, supporterIns, profile);
    const bornHere = birthDay > formedDay || (i === 0 && localOrigin);
    const becameDay = bornHere ? birthDay : formedDay;
    const memberFromDay = Math.max(formedDay, birthDay);
    let addressSetDay = memberFromDay;
    let changeReason: ChangeReason = bornHere && i !== 0 ? 'birth' : i === 0 && localOrigin ? 'household_split' : fromAbroad ? 'moved_in_from_abroad' : 'moved_in';
    if (moveDay > 0 && moveDay > memberFromDay) {
      addressSetDay = moveDay;
      changeReason = 'moved_within';
    }
    const lodger = d.relationship === 'lodger'; // unrelated: own surname
    const fam = lodger && nationality ? rng.pick(nationality.families) : foreignFamily;
    members.push({
      relationship: d.relationship,
      sex: d.sex,
      birthDay,
      age: ageOn(birthDay, AS_OF),
      supporter: d.supporter,
      work,
      insurance,
      surname: lodger ? SURNAMES[rng.weighted(SURNAME_WEIGHTS)]! : surname,
      given: pickGiven(rng, d.sex, birthDay),
      foreignFamily: fam,
      foreignGiven: nationality ? pickForeignGiven(rng, nationality, d.sex) : null,
      becameDay,
      addressSetDay,
      changeReason,
      validFromDay: addressSetDay,
      reportedDay: Math.min(AS_OF, addressSetDay + rng.int(0, 14)),
      previousAddress: bornHere ? null : previousAddress,
      status: 'resident',
      eventDay: -1,
      movedOutTo: null,
      movedOutDestination: null,
      memberFromDay,
      memberReason: i === 0 && localOrigin ? 'household_split' : bornHere ? 'birth' : fromAbroad ? 'moved_in_from_abroad' : 'moved_in',
      dvSupport: d.age >= 18 && rng.chance(d.sex === 'female' ? 0.003 : 0.0006),
      eligibility: null,
      incomes: [],
    });
  }

  const household: Household = {
    members,
    nationality,
    aliasSurname,
    area,
    banchi,
    katagaki,
    formedDay,
    formedReason,
    dissolvedDay: -1,
    dissolvedReason: null,
  };
  applyDeparturesAndDeaths(rng, household);
  applyEligibility(rng, household);
  for (const m of members) m.incomes = incomesOf(rng, m);
  return household;
}

// ---------------------------------------------------------------------------------------------------
// 死亡 and 転出 (about 2 % of person records are 除票)

function applyDeparturesAndDeaths(rng: Rng, h: Household): void {
  const single = h.members.length === 1;
  h.members.forEach((m, i) => {
    if (i === 0 && !single) return; // the 世帯主 of a multi-person household stays (no 世帯主変更 in the demo)
    const pDeath = m.age >= 85 ? 0.09 : m.age >= 75 ? 0.04 : m.age >= 65 ? 0.012 : 0.002;
    const pMove = m.age >= 18 && m.age <= 35 ? 0.045 : 0.01;
    const x = rng.next();
    const kind = x < pDeath ? 'deceased' : x < pDeath + pMove ? 'moved_out' : null;
    if (!kind) return;
    const lo = Math.max(AS_OF - 730, m.memberFromDay + 1);
    if (lo > AS_OF - 1) return;
    const day = rng.int(lo, AS_OF - 1);
    m.status = kind;
    m.eventDay = day;
    m.validFromDay = day;
    m.reportedDay = Math.min(AS_OF, day + rng.int(0, 7));
    if (kind === 'deceased') {
      m.changeReason = 'death';
    } else {
      const abroad = h.nationality !== null && rng.chance(0.5);
      m.changeReason = abroad ? 'moved_out_abroad' : 'moved_out';
      m.movedOutTo = abroad ? h.nationality!.country : domesticAddress(rng);
      m.movedOutDestination = abroad ? 'abroad' : m.movedOutTo.startsWith(CITY_PREFECTURE) ? 'within_prefecture' : 'other_prefecture';
    }
    if (single) {
      h.dissolvedDay = day;
      h.dissolvedReason = m.changeReason;
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// 国保資格

type Acquired = { day: number; reason: AcquisitionReason };

/** 資格取得 of a member who is in 国保 on their own account. */
function ownAcquisition(rng: Rng, m: Member): Acquired {
  const adult = addYears(m.birthDay, 18);
  switch (m.work) {
    case 'self':
      if (m.becameDay >= adult) return { day: m.becameDay, reason: 'moved_in' };
      return { day: Math.max(m.becameDay, addYears(m.birthDay, rng.int(18, 30))), reason: 'left_employee_insurance' };
    case 'retired': {
      const retire = addYears(m.birthDay, rng.int(60, 65)) + rng.int(0, 364);
      if (retire <= AS_OF && retire >= m.becameDay) return { day: retire, reason: 'left_employee_insurance' };
      if (retire < m.becameDay) return { day: m.becameDay, reason: 'moved_in' };
      return { day: Math.max(m.becameDay, AS_OF - rng.int(30, 900)), reason: 'left_employee_insurance' };
    }
    default: {
      // irregular; and in the 'nhi' profile the employee (insured in 国保 on their own account there)
      if (m.becameDay >= adult && rng.chance(0.5)) return { day: m.becameDay, reason: 'moved_in' };
      return { day: Math.max(m.becameDay, adult, AS_OF - rng.int(30, 8 * 365)), reason: 'left_employee_insurance' };
    }
  }
}

/** The demo city's prefecture (埼玉県: the insurer since 2018-04-01; a move within it is no loss). */
const CITY_PREFECTURE = '埼玉県';

/**
 * How a period ends by the registry's event, by the eligibility rules: 死亡 → the day after (国保法 §8);
 * 転出 to another prefecture → the 転出日 itself (§8ただし書: a new 住所 there that day); 国外 → the day after;
 * within the prefecture → 県内転出 (適用終了) on the 転出日, no loss of 資格 (§5).
 */
function endOf(m: Member): { lostDay: number; lossReason: LossReason } {
  if (m.status === 'deceased') return { lostDay: m.eventDay + 1, lossReason: 'death' };
  if (m.movedOutDestination === 'within_prefecture') return { lostDay: m.eventDay, lossReason: 'moved_out_within_prefecture' };
  if (m.movedOutDestination === 'other_prefecture') return { lostDay: m.eventDay, lossReason: 'moved_out' };
  return { lostDay: m.eventDay + 1, lossReason: 'moved_out' };
}

function applyEligibility(rng: Rng, h: Household): void {
  const acquired: (Acquired | null)[] = [];
  for (const m of h.members) {
    let a: Acquired | null = null;
    if (m.insurance === 'nhi') {
      const sup = m.supporter >= 0 ? h.members[m.supporter] : undefined;
      const supAcq = m.supporter >= 0 ? acquired[m.supporter] : null;
      const followsSupporter = m.work === 'dependent' || m.work === 'student' || m.work === 'child';
      if (followsSupporter && sup && sup.insurance === 'kouki') {
        // The supporter moved to 後期高齢者医療 at 75: the dependant had to leave 被扶養者 status.
        a = { day: Math.max(m.becameDay, addYears(sup.birthDay, 75)), reason: 'left_employee_insurance' };
      } else if (followsSupporter && supAcq) {
        if (m.becameDay === m.birthDay && m.birthDay >= supAcq.day) a = { day: m.birthDay, reason: 'birth' };
        else if (m.becameDay > supAcq.day) a = { day: m.becameDay, reason: 'moved_in' };
        else a = { ...supAcq };
      } else {
        a = ownAcquisition(rng, m);
      }
      if (a.day > AS_OF) a.day = AS_OF;
    }
    acquired.push(a);
  }

  h.members.forEach((m, i) => {
    const a = acquired[i];
    if (a) {
      const end = m.status === 'resident' ? AS_OF : m.eventDay;
      if (a.day > end || (m.status !== 'resident' && a.day >= endOf(m).lostDay)) return;
      m.eligibility =
        m.status === 'resident'
          ? { acquiredDay: a.day, reason: a.reason, lostDay: null, lossReason: null }
          : { acquiredDay: a.day, reason: a.reason, ...endOf(m) };
      return;
    }
    // Members who turned 75 in the last two years usually left 国保 for 後期高齢者医療 on the birthday.
    if (m.insurance === 'kouki' && m.age <= 76 && rng.chance(0.6)) {
      const seventyFifth = addYears(m.birthDay, 75);
      const from = Math.max(m.becameDay, addYears(m.birthDay, rng.int(60, 65)));
      const end = m.status === 'resident' ? AS_OF : m.eventDay;
      if (from < seventyFifth && seventyFifth <= end) {
        m.eligibility = { acquiredDay: from, reason: from === m.becameDay ? 'moved_in' : 'left_employee_insurance', lostDay: seventyFifth, lossReason: 'late_elderly' };
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// 所得: five 年度 (FY n reads the income of calendar year n − 1) for every person, children included
// (所得なし, so no income ≠ 未申告), about 2 % of adults 未申告 in one of the years.

function incomesOf(rng: Rng, m: Member): IncomeRow[] {
  // The draws from `rng` are the ones the city had when it held two years of adults' income, in the same
  // order, so everything drawn after a member stays as it was; the rest comes from the member's own stream.
  if (m.age < 18) return FISCAL_YEARS.flatMap((fy) => (yearOf(m.birthDay) <= fy - 1 && presentOn(m, fy) ? [{ fiscalYear: fy, facts: NO_INCOME }] : []));
  const male = m.sex === 'male';
  // Amounts for calendar year 2025 (FY2026); earlier years vary around them.
  let salary = 0;
  let pension = 0;
  let business = 0;
  let businessIncome = 0;
  let other = 0;
  switch (m.work) {
    case 'employee':
      salary = Math.min(25_000_000, Math.max(1_200_000, rng.logNormal(male ? 4_300_000 : 3_000_000, 0.42)));
      if (m.age >= 60) salary *= 0.75;
      break;
    case 'self':
      business = rng.logNormal(6_000_000, 0.7);
      businessIncome = rng.chance(0.07) ? -rng.int(50, 800) * 1000 : business * (0.08 + rng.next() * 0.37);
      break;
    case 'irregular':
      if (rng.chance(0.65)) salary = Math.min(3_000_000, Math.max(300_000, rng.logNormal(1_300_000, 0.5)));
      break;
    case 'retired':
      if (m.age >= 60) pension = rng.logNormal(male ? 1_900_000 : 1_100_000, 0.35);
      if (rng.chance(0.2)) salary = 400_000 + rng.next() * 800_000;
      break;
    case 'elderly':
      pension = rng.logNormal(male ? 1_800_000 : 1_000_000, 0.4);
      if (rng.chance(0.05)) salary = 500_000 + rng.next() * 1_500_000;
      break;
    case 'dependent':
      if (rng.chance(0.45)) salary = 300_000 + rng.next() * 1_000_000;
      if (m.age >= 65) pension = rng.logNormal(800_000, 0.3);
      break;
    case 'student':
      if (rng.chance(0.4)) salary = 200_000 + rng.next() * 800_000;
      break;
    default:
      break;
  }
  if (m.age >= 25 && rng.chance(0.05)) other = rng.logNormal(800_000, 0.8); // 不動産所得
  // the two draws per year the city used to make for FY2025 and FY2026 (kept for the stream)
  const kept = new Map<number, number>();
  for (const fy of [2025, 2026]) {
    const skipped = rng.chance(0.03);
    if (fy === 2025 && !skipped) kept.set(fy, 0.9 + rng.next() * 0.15);
  }
  const own = new Rng(mixSeed(m.birthDay * 3 + (male ? 1 : 0), Math.round(salary + pension + business + other + businessIncome)));
  const unreportedYear = own.chance(0.02) ? FISCAL_YEARS[own.int(0, FISCAL_YEARS.length - 1)]! : null;
  const rows: IncomeRow[] = [];
  for (const fy of FISCAL_YEARS) {
    const incomeYear = fy - 1;
    const f = fy === 2026 ? 1 : (kept.get(fy) ?? 0.8 + own.next() * 0.25);
    if (yearOf(m.birthDay) > incomeYear || !presentOn(m, fy)) continue;
    if (incomeYear - yearOf(m.birthDay) < 18) {
      rows.push({ fiscalYear: fy, facts: NO_INCOME }); // a child that year
      continue;
    }
    if (fy === unreportedYear) {
      rows.push({ fiscalYear: fy, facts: UNREPORTED });
      continue;
    }
    const age65 = yearOf(m.birthDay) + 65 <= incomeYear;
    const salaryRevenue = salary > 0 ? roundYen(salary * f) : 0;
    const pensionRevenue = pension > 0 ? roundYen(pension * f) : 0;
    const businessRevenue = business > 0 ? roundYen(business * f) : 0;
    const realEstateRevenue = other > 0 ? roundYen(other * f) : 0;
    rows.push({ fiscalYear: fy, facts: demoReturn(incomeYear, age65, salaryRevenue, pensionRevenue, businessRevenue, business > 0 ? Math.round((businessIncome * f) / 1000) * 1000 : 0, realEstateRevenue) });
  }
  return rows;
}

/** On 1月1日 of the 年度 (住民税の賦課期日) the person had not yet died or moved out. */
function presentOn(m: Member, fy: number): boolean {
  return m.status === 'resident' || m.eventDay >= dayNumber(fy, 1, 1);
}

const NO_INCOME: IncomeFacts = { filingStatus: 'no_income', residentTax: 'exempt', ...ZERO_AMOUNTS };
const UNREPORTED: IncomeFacts = { filingStatus: 'unreported', residentTax: null, ...ZERO_AMOUNTS };

/**
 * A person's year as the 個人住民税 system would report it: 給与所得 and 公的年金等所得 by the assessment's
 * rules of the income year (income.rules.ts, memoised: revenues are whole thousands), 不動産所得 60 % of
 * its revenue. The 住民税 figures are synthetic: 課税標準額 ≈ 総所得金額等 − 43万 − 15 % of 給与収入 (a
 * stand-in for 社会保険料控除 and the other deductions, 1,000円未満切捨て), 非課税 when 総所得金額等 ≤ 45万
 * (the single-person 均等割 line of a 1級地). For the demo only — never a rule.
 */
function demoReturn(incomeYear: number, age65: boolean, salaryRevenue: number, pensionRevenue: number, businessRevenue: number, businessIncome: number, realEstateRevenue: number): IncomeFacts {
  const salary = salaryRevenue > 0 ? memoSalary(salaryRevenue, incomeYear) : 0;
  const realEstate = Math.floor(realEstateRevenue * 0.6);
  const pension = pensionRevenue > 0 ? memoPension(pensionRevenue, incomeYear, age65, Math.max(0, salary + businessIncome + realEstate)) : 0;
  const total = Math.max(0, salary + pension + businessIncome + realEstate);
  if (salaryRevenue + pensionRevenue + businessRevenue + realEstateRevenue === 0 && businessIncome === 0) return NO_INCOME;
  const taxable = Math.max(0, Math.floor((total - 430_000 - salaryRevenue * 0.15) / 1000) * 1000);
  const exempt = total <= 450_000;
  return {
    filingStatus: 'declared',
    residentTax: exempt ? 'exempt' : 'taxable',
    ...ZERO_AMOUNTS,
    taxableStandard: exempt ? 0 : taxable,
    salaryRevenue,
    salaryIncome: salary,
    pensionRevenue,
    pensionIncome: pension,
    businessRevenue,
    businessIncome,
    realEstateRevenue,
    realEstateIncome: realEstate,
    totalIncome: total,
  };
}

const salaryMemo = new Map<number, number>();
function memoSalary(revenue: number, incomeYear: number): number {
  const k = revenue * 10_000 + incomeYear;
  let v = salaryMemo.get(k);
  if (v === undefined) salaryMemo.set(k, (v = salaryIncome(revenue, incomeYear).income));
  return v;
}
const pensionMemo = new Map<string, number>();
function memoPension(revenue: number, incomeYear: number, age65: boolean, otherIncome: number): number {
  const band = otherIncome > 20_000_000 ? 2 : otherIncome > 10_000_000 ? 1 : 0; // the 公的年金等控除 only steps at these
  const k = `${revenue}/${incomeYear}/${age65 ? 1 : 0}/${band}`;
  let v = pensionMemo.get(k);
  if (v === undefined) pensionMemo.set(k, (v = pensionIncome(revenue, incomeYear, age65, otherIncome).income));
  return v;
}
