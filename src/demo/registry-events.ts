import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { addDays } from '../modules/eligibility/eligibility.rules.js';
import { INTAKE_COLUMNS, type IntakeColumn } from '../modules/registry/registry-events.js';
import { Rng } from './prng.js';
import { GIVEN_NAMES, SURNAMES, generationOf } from './names.js';

/**
 * Synthetic resident-registry events drawn from a seeded city, each consistent with the registry as it
 * then stands: 転居 30%, 転入 20% (県外/県内/国外, each a new household), 転出 10% (県外/県内/国外),
 * 出生 6%, 死亡 6%, 世帯分離 10%, 氏名変更 18%. Used by the demo city (a day's file at first start) and
 * by the registry benchmark. Persons recorded or moved by an event are not removed again the same day.
 * With `onePerPerson` (the demo city's day), no person is named by two events of the day: a clerk
 * looking at the day's work items would take two 氏名変更 of one person on one day for a fault.
 */

export type Line = Partial<Record<IntakeColumn, string>>;

interface Candidate {
  atenaNo: number;
  householdNo: number;
  head: boolean;
  /** Recorded by an event of the bench on the events' day: not removed or moved again that day. */
  fresh?: boolean;
}

export class RegistryEventMaker {
  private readonly rng: Rng;
  private nextAtena: number;
  private nextHousehold: number;
  private seq = 0;
  /** Persons named by an event of the day (kept only with onePerPerson). */
  private readonly named = new Set<number>();
  constructor(
    private readonly pool: Candidate[],
    private readonly areas: string[],
    start: { atena: number; household: number },
    seed: number,
    private readonly day: string,
    firstSeq = 0,
    private readonly onePerPerson = false,
  ) {
    this.seq = firstSeq;
    this.rng = new Rng(seed);
    this.nextAtena = start.atena;
    this.nextHousehold = start.household;
  }

  /** A person still resident (removed from the pool when they leave). */
  private take(remove: boolean, nonHead = false, named = true): Candidate {
    for (let tries = 0; ; tries++) {
      const i = this.rng.int(0, this.pool.length - 1);
      const c = this.pool[i]!;
      if (nonHead && c.head) continue;
      if ((remove || nonHead) && c.fresh) continue;
      // A small pool may run out of persons not yet named: then a second event of a person is allowed.
      if (this.onePerPerson && this.named.has(c.atenaNo) && tries < 10 * this.pool.length) continue;
      if (this.onePerPerson && named) this.named.add(c.atenaNo);
      if (remove) {
        this.pool[i] = this.pool[this.pool.length - 1]!;
        this.pool.pop();
      }
      return c;
    }
  }

  /** A name from the demo city's name lists, fitting the birth year (sex: the registry's 1 男 / 2 女). */
  private name(birth: string): { kanji: string; kana: string; sex: '1' | '2' } {
    const female = this.rng.int(0, 1) === 1;
    const surname = SURNAMES[this.rng.int(0, SURNAMES.length - 1)]!;
    const given = GIVEN_NAMES[female ? 'female' : 'male'][generationOf(Number(birth.slice(0, 4)))];
    const g = given[this.rng.int(0, given.length - 1)]!;
    return { kanji: `${surname.kanji}　${g.kanji}`, kana: `${surname.kana}　${g.kana}`, sex: female ? '2' : '1' };
  }

  next(): Line {
    const id = `B${this.day.replace(/-/g, '')}-${++this.seq}`;
    const base = { event_id: id, occurred_on: this.day, reported_on: this.day };
    const area = this.areas[this.rng.int(0, this.areas.length - 1)]!;
    const person = (atenaNo: number, householdNo: number, relationship: string, birth: string): Line => {
      const name = this.name(birth);
      return {
        atena_no: String(atenaNo), household_no: String(householdNo), relationship, name_kanji: name.kanji, name_kana: name.kana, birth_date: birth, sex: name.sex, resident_kind: '1', area_code: area, banchi: `${this.rng.int(1, 30)}-${this.rng.int(1, 20)}`,
      };
    };
    const r = this.rng.int(0, 99);
    if (r < 30) {
      const c = this.take(false);
      return { ...base, event_code: '31', atena_no: String(c.atenaNo), area_code: area, banchi: `${this.rng.int(1, 30)}-1` };
    }
    if (r < 50) {
      const a = this.nextAtena++;
      const h = this.nextHousehold++;
      const kind = this.rng.int(0, 9);
      const code = kind < 5 ? '11' : kind < 9 ? '12' : '13';
      const pref = code === '11' ? '13' : code === '12' ? '11' : '';
      this.pool.push({ atenaNo: a, householdNo: h, head: true, fresh: true });
      if (this.onePerPerson) this.named.add(a);
      return { ...base, ...person(a, h, '世帯主', '1990-04-01'), event_code: code, other_address: '前住所', other_prefecture_code: pref };
    }
    if (r < 60) {
      const c = this.take(true);
      const kind = this.rng.int(0, 9);
      const code = kind < 5 ? '21' : kind < 9 ? '22' : '24';
      return { ...base, event_code: code, atena_no: String(c.atenaNo), other_address: '転出先', other_prefecture_code: code === '21' ? '13' : code === '22' ? '11' : '' };
    }
    if (r < 66) {
      const parent = this.take(false, false, false); // the event names the child, not the parent
      const a = this.nextAtena++;
      this.pool.push({ atenaNo: a, householdNo: parent.householdNo, head: false, fresh: true });
      if (this.onePerPerson) this.named.add(a);
      return { ...base, ...person(a, parent.householdNo, '子', this.day), event_code: '14' };
    }
    if (r < 72) {
      const c = this.take(true);
      return { ...base, event_code: '25', atena_no: String(c.atenaNo) };
    }
    if (r < 82) {
      const c = this.take(true, true);
      const h = this.nextHousehold++;
      this.pool.push({ atenaNo: c.atenaNo, householdNo: h, head: true, fresh: true });
      return { ...base, event_code: '32', atena_no: String(c.atenaNo), household_no: String(h), relationship: '世帯主' };
    }
    const c = this.take(false);
    const renamed = this.name('1990-01-01');
    return { ...base, event_code: '36', atena_no: String(c.atenaNo), name_kanji: renamed.kanji, name_kana: renamed.kana };
  }
}

/** The intake file (docs/interfaces/registry-intake.md) of these lines. */
export const intakeCsv = (lines: Line[]) => new TextEncoder().encode([INTAKE_COLUMNS.join(','), ...lines.map((l) => INTAKE_COLUMNS.map((c) => l[c] ?? '').join(','))].join('\r\n'));


/** A maker for events of `day` over the residents of the database (their membership begun before it). */
export async function registryEventMaker(db: Kysely<DB>, day: string, seed: number, opts: { onePerPerson?: boolean } = {}): Promise<RegistryEventMaker> {
  const rows = await sql<{ atena_no: string; household_no: string; relationship: string }>`
    SELECT m.atena_no, m.household_no, m.relationship FROM household_member m JOIN person p ON p.atena_no = m.atena_no
     WHERE m.valid_to IS NULL AND m.valid_from < ${addDays(day, -1)} AND p.resident_status = 'resident' AND p.dv_support = false`.execute(db);
  const pool = rows.rows.map((r) => ({ atenaNo: Number(r.atena_no), householdNo: Number(r.household_no), head: r.relationship === 'head' }));
  const areas = (await db.selectFrom('address_area').select('area_code').execute()).map((a) => a.area_code);
  const max = await sql<{ a: string; h: string }>`SELECT (SELECT max(atena_no) FROM person) AS a, (SELECT max(household_no) FROM household) AS h`.execute(db);
  // A second run on the same day (a reused bench database) continues the day's numbering.
  const taken = await sql<{ n: string }>`SELECT count(*) AS n FROM registry_event WHERE event_id LIKE ${`B${day.replace(/-/g, '')}-%`}`.execute(db);
  return new RegistryEventMaker(pool, areas, { atena: Number(max.rows[0]!.a) + 1, household: Number(max.rows[0]!.h) + 1 }, seed, day, Number(taken.rows[0]!.n), opts.onePerPerson ?? false);
}
