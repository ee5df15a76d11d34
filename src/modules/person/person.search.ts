import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, ResidentStatus, Sex } from '../../db/schema.js';

/** Already-normalised criteria (kanaSearchKey / kanjiSearchKey / ISO date). */
export interface SearchCriteria {
  kana?: string;
  name?: string;
  birthDate?: string;
  atenaNo?: number;
  householdNo?: number;
}

export interface PersonSearchRow {
  atena_no: number;
  name_kanji: string;
  name_kana: string;
  alias_kanji: string | null;
  birth_date: string;
  sex: Sex;
  resident_status: ResidentStatus;
  dv_support: boolean;
  household_no: number | null;
  relationship: string | null;
  town_name: string | null;
  chome: number | null;
  banchi: string | null;
  katagaki: string | null;
}

/** Counting stops here: "1,000件以上" is all a screen needs, and counting millions costs time. */
export const TOTAL_CAP = 1000;

const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Person search for the staff screens. Kana and kanji match by prefix on the name and on the 通称,
 * each through its own index (UNION rather than OR, so both indexes serve). Never selects My Number.
 * scope 'nhi_file' limits the result to persons in the NHI file (see person.rules scopeOf).
 */
export async function searchPersons(
  db: Kysely<DB> | Transaction<DB>,
  c: SearchCriteria,
  page: { page: number; pageSize: number },
  scope: 'all' | 'nhi_file' = 'all',
): Promise<{ total: number; totalCapped: boolean; items: PersonSearchRow[] }> {
  const conds = [];
  const sources = [];
  if (c.atenaNo !== undefined) sources.push(sql`SELECT atena_no FROM person WHERE atena_no = ${c.atenaNo}`);
  if (c.householdNo !== undefined) sources.push(sql`SELECT atena_no FROM household_member WHERE household_no = ${c.householdNo} AND valid_to IS NULL`);
  if (c.kana) {
    const p = likePrefix(c.kana);
    sources.push(sql`SELECT atena_no FROM person WHERE name_kana_key LIKE ${p} UNION SELECT atena_no FROM person WHERE alias_kana_key LIKE ${p}`);
  }
  if (c.name) {
    const p = likePrefix(c.name);
    sources.push(sql`SELECT atena_no FROM person WHERE name_kanji_key LIKE ${p} UNION SELECT atena_no FROM person WHERE alias_kanji_key LIKE ${p}`);
  }
  if (c.birthDate) {
    if (sources.length === 0) sources.push(sql`SELECT atena_no FROM person WHERE birth_date = ${c.birthDate}::date`);
    else conds.push(sql`p.birth_date = ${c.birthDate}::date`);
  }
  if (sources.length === 0) return { total: 0, totalCapped: false, items: [] };
  // Every criterion must hold: intersect the candidate sets.
  const candidates = sql.join(sources.map((s) => sql`(${s})`), sql` INTERSECT `);
  if (scope === 'nhi_file') {
    conds.push(sql`(EXISTS (SELECT 1 FROM nhi_eligibility e WHERE e.atena_no = p.atena_no)
      OR (m.relationship = '世帯主' AND EXISTS (SELECT 1 FROM nhi_eligibility e2 WHERE e2.household_no = m.household_no AND e2.lost_on IS NULL)))`);
  }
  const where = conds.length ? sql`WHERE ${sql.join(conds, sql` AND `)}` : sql``;
  const base = sql`
    FROM (${candidates}) c
    JOIN person p ON p.atena_no = c.atena_no
    LEFT JOIN household_member m ON m.atena_no = p.atena_no AND m.valid_to IS NULL
    LEFT JOIN address_area a ON a.area_code = p.area_code
    ${where}`;
  const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 ${base} LIMIT ${TOTAL_CAP + 1}) x`.execute(db);
  const n = Number(count.rows[0]?.n ?? 0);
  const rows = await sql<PersonSearchRow>`
    SELECT p.atena_no, p.name_kanji, p.name_kana, p.alias_kanji, p.birth_date, p.sex, p.resident_status, p.dv_support,
           m.household_no, m.relationship, a.town_name, a.chome, p.banchi, p.katagaki
    ${base}
    ORDER BY p.name_kana_key, p.atena_no
    LIMIT ${page.pageSize} OFFSET ${(page.page - 1) * page.pageSize}`.execute(db);
  return { total: Math.min(n, TOTAL_CAP), totalCapped: n > TOTAL_CAP, items: rows.rows };
}
