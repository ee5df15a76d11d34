import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { insuredOnSql } from '../modules/eligibility/eligibility.repository.js';
import { AS_OF_ISO } from './dates.js';

/** The demo city's counts are as of its own day (insured = in force then). */
const asOf = AS_OF_ISO;

/** Ranges of 宛名番号 and 世帯番号 a seeding run owns. */
export interface SeedRange {
  atenaFrom: number;
  atenaTo: number;
  householdFrom: number;
  householdTo: number;
}

export interface SeedCounts {
  /** Person records written (住民記録; 除票 of the dead and moved-out included). */
  residents: number;
  currentResidents: number;
  deceased: number;
  movedOut: number;
  foreigners: number;
  foreignersWithAlias: number;
  households: number;
  dissolvedHouseholds: number;
  householdMembers: number;
  incomes: number;
  nhiEligibilityRows: number;
  /** Persons insured now (資格 without 喪失日). */
  nhiInsured: number;
  /** Households with at least one insured member. */
  nhiHouseholds: number;
  /** Current residents living in those households (insured or not). */
  residentsInNhiHouseholds: number;
  /** NHI households whose 世帯主 is not insured (擬制世帯主). */
  pseudoHeadHouseholds: number;
  myNumbers: number;
}

const n = (v: unknown) => Number(v ?? 0);

/** Count what is in the database for a run's ranges (independent of how many attempts it took). */
export async function countSeeded(db: Kysely<DB>, r: SeedRange): Promise<SeedCounts> {
  // Independent queries: on PostgreSQL each runs on its own pooled connection, side by side.
  const [p, h, m, e, x] = await Promise.all([
    sql<Record<string, string>>`
      SELECT count(*) AS residents,
             count(*) FILTER (WHERE resident_status = 'resident') AS current_residents,
             count(*) FILTER (WHERE resident_status = 'deceased') AS deceased,
             count(*) FILTER (WHERE resident_status = 'moved_out') AS moved_out,
             count(*) FILTER (WHERE resident_kind = 'foreign') AS foreigners,
             count(*) FILTER (WHERE resident_kind = 'foreign' AND alias_kanji IS NOT NULL) AS foreigners_with_alias
        FROM person WHERE atena_no BETWEEN ${r.atenaFrom} AND ${r.atenaTo}`.execute(db),
    sql<Record<string, string>>`
      SELECT count(*) AS households, count(*) FILTER (WHERE dissolved_on IS NOT NULL) AS dissolved
        FROM household WHERE household_no BETWEEN ${r.householdFrom} AND ${r.householdTo}`.execute(db),
    sql<Record<string, string>>`
      SELECT (SELECT count(*) FROM household_member WHERE atena_no BETWEEN ${r.atenaFrom} AND ${r.atenaTo}) AS members,
             (SELECT count(*) FROM income WHERE atena_no BETWEEN ${r.atenaFrom} AND ${r.atenaTo}) AS incomes,
             (SELECT count(*) FROM person_my_number WHERE atena_no BETWEEN ${r.atenaFrom} AND ${r.atenaTo}) AS my_numbers`.execute(db),
    sql<Record<string, string>>`
      SELECT count(*) AS rows_, count(*) FILTER (WHERE ${insuredOnSql('e', asOf)}) AS insured,
             count(DISTINCT household_no) FILTER (WHERE ${insuredOnSql('e', asOf)}) AS households
        FROM nhi_eligibility e WHERE atena_no BETWEEN ${r.atenaFrom} AND ${r.atenaTo}`.execute(db),
    nhiHouseholdCounts(db, r),
  ]);
  const P = p.rows[0]!;
  const H = h.rows[0]!;
  const M = m.rows[0]!;
  const E = e.rows[0]!;
  const X = x.rows[0]!;
  return {
    residents: n(P.residents),
    currentResidents: n(P.current_residents),
    deceased: n(P.deceased),
    movedOut: n(P.moved_out),
    foreigners: n(P.foreigners),
    foreignersWithAlias: n(P.foreigners_with_alias),
    households: n(H.households),
    dissolvedHouseholds: n(H.dissolved),
    householdMembers: n(M.members),
    incomes: n(M.incomes),
    nhiEligibilityRows: n(E.rows_),
    nhiInsured: n(E.insured),
    nhiHouseholds: n(E.households),
    residentsInNhiHouseholds: n(X.residents_in_nhi),
    pseudoHeadHouseholds: n(X.pseudo),
    myNumbers: n(M.my_numbers),
  };
}

/** Households with an insured member, the current residents in them and their 擬制世帯主. */
function nhiHouseholdCounts(db: Kysely<DB>, r: SeedRange) {
  const nhiHouseholds = sql`
    SELECT DISTINCT household_no FROM nhi_eligibility e
     WHERE ${insuredOnSql('e', asOf)} AND household_no BETWEEN ${r.householdFrom} AND ${r.householdTo}`;
  return sql<Record<string, string>>`
    WITH nh AS (${nhiHouseholds})
    SELECT (SELECT count(*) FROM household_member hm JOIN nh USING (household_no) WHERE hm.valid_to IS NULL) AS residents_in_nhi,
           (SELECT count(*) FROM household_member hm JOIN nh USING (household_no)
             WHERE hm.valid_to IS NULL AND hm.relationship = 'head'
               AND NOT EXISTS (SELECT 1 FROM nhi_eligibility e
                                WHERE e.atena_no = hm.atena_no AND e.household_no = hm.household_no AND ${insuredOnSql('e', asOf)})) AS pseudo`.execute(db);
}
