import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB, ResidentKind, ResidentStatus, Sex } from '../../db/schema.js';

/**
 * 住民検索: kana prefix (氏名カナ or 通称カナ), kanji prefix (氏名 or 通称), birth date, 宛名番号 and
 * 世帯番号 (current members), combined with AND. Results in kana order (then 宛名番号), paged; the
 * total is counted up to SEARCH_TOTAL_CAP + 1 only, so a vague query costs no more than a precise one.
 * Nothing My Number related is ever selected here.
 *
 * Inputs are already-normalised keys: the caller applies kanaSearchKey / kanjiSearchKey.
 *
 * Plan notes (see bench/search.bench.ts):
 *  - name and alias matches are separate UNION ALL branches (an OR would defeat both indexes);
 *    the alias branch excludes rows the name branch already returns;
 *  - each branch is ordered with `USING ~<~`, the order of the text_pattern_ops indexes, so a kana
 *    prefix query walks the index in order and stops after page × size rows (plus an incremental sort
 *    on 宛名番号 among equal keys), instead of sorting every match.
 */

export interface SearchCriteria {
  /** kanaSearchKey of the typed kana (prefix match). */
  kana?: string;
  /** kanjiSearchKey of the typed name (prefix match). */
  name?: string;
  /** 'YYYY-MM-DD' (exact). */
  birthDate?: string;
  atenaNo?: number;
  /** Current members of this household. */
  householdNo?: number;
}

/** 'nhi_file': only persons in the NHI file (insured now or before) and heads of NHI households. */
export type SearchScope = 'all' | 'nhi_file';

export interface PersonSearchRow {
  atena_no: number;
  name_kanji: string;
  name_kana: string;
  alias_kanji: string | null;
  alias_kana: string | null;
  birth_date: string;
  sex: Sex;
  resident_kind: ResidentKind;
  resident_status: ResidentStatus;
  dv_support: boolean;
  household_no: number | null;
  relationship: string | null;
  area_code: string | null;
  town_name: string | null;
  chome: number | null;
  banchi: string | null;
  katagaki: string | null;
}

export interface PersonSearchResult {
  /** Number of matches, at most SEARCH_TOTAL_CAP. */
  total: number;
  /** True when there are more than SEARCH_TOTAL_CAP matches. */
  totalCapped: boolean;
  items: PersonSearchRow[];
}

/** Counting stops here: "1,000件以上" is all a screen needs, and counting millions costs time. */
export const SEARCH_TOTAL_CAP = 1000;
/** Same value under its earlier name. */
export const TOTAL_CAP = SEARCH_TOTAL_CAP;

/** LIKE pattern for a prefix: the key's own %, _ and \ are matched literally. */
export function likePrefix(key: string): string {
  return `${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type Condition = RawBuilder<unknown>;

function and(conditions: Condition[]): Condition {
  return conditions.length === 0 ? sql`TRUE` : sql.join(conditions, sql` AND `);
}

/** Alternatives of the name condition; each becomes one UNION ALL branch. */
function nameBranches(c: SearchCriteria): { branches: Condition[]; filters: Condition[] } {
  const kana = c.kana ? likePrefix(c.kana) : null;
  const kanji = c.name ? likePrefix(c.name) : null;
  const filters: Condition[] = [];
  if (kana) {
    if (kanji) filters.push(sql`(p.name_kanji_key LIKE ${kanji} OR p.alias_kanji_key LIKE ${kanji})`);
    return {
      branches: [sql`p.name_kana_key LIKE ${kana}`, sql`p.alias_kana_key LIKE ${kana} AND p.name_kana_key NOT LIKE ${kana}`],
      filters,
    };
  }
  if (kanji) {
    return {
      branches: [sql`p.name_kanji_key LIKE ${kanji}`, sql`p.alias_kanji_key LIKE ${kanji} AND p.name_kanji_key NOT LIKE ${kanji}`],
      filters,
    };
  }
  return { branches: [sql`TRUE`], filters };
}

function otherFilters(c: SearchCriteria, scope: SearchScope): Condition[] {
  const f: Condition[] = [];
  if (c.birthDate) f.push(sql`p.birth_date = ${c.birthDate}::date`);
  if (c.atenaNo !== undefined) f.push(sql`p.atena_no = ${c.atenaNo}::bigint`);
  if (c.householdNo !== undefined) {
    f.push(sql`p.atena_no IN (SELECT hm.atena_no FROM household_member hm WHERE hm.household_no = ${c.householdNo}::bigint AND hm.valid_to IS NULL)`);
  }
  if (scope === 'nhi_file') {
    f.push(sql`(EXISTS (SELECT 1 FROM nhi_eligibility e WHERE e.atena_no = p.atena_no)
      OR EXISTS (SELECT 1 FROM household_member hh JOIN nhi_eligibility e2 ON e2.household_no = hh.household_no AND e2.lost_on IS NULL
                  WHERE hh.atena_no = p.atena_no AND hh.valid_to IS NULL AND hh.relationship = '世帯主'))`);
  }
  return f;
}

function hasCriteria(c: SearchCriteria): boolean {
  return !!(c.kana || c.name || c.birthDate || c.atenaNo !== undefined || c.householdNo !== undefined);
}

export async function searchPersons(
  db: Kysely<DB> | Transaction<DB>,
  criteria: SearchCriteria,
  page: { page: number; pageSize: number },
  scope: SearchScope = 'all',
): Promise<PersonSearchResult> {
  if (!hasCriteria(criteria)) return { total: 0, totalCapped: false, items: [] };
  const pageNo = Math.max(1, Math.floor(page.page));
  const pageSize = Math.max(1, Math.min(100, Math.floor(page.pageSize)));
  const offset = (pageNo - 1) * pageSize;
  const { branches, filters } = nameBranches(criteria);
  const where = (branch: Condition) => and([branch, ...filters, ...otherFilters(criteria, scope)]);

  // Count, capped: each branch stops after CAP + 1 rows.
  const cap = SEARCH_TOTAL_CAP + 1;
  const countParts = branches.map((b) => sql`(SELECT 1 FROM person p WHERE ${where(b)} LIMIT ${cap})`);
  const counted = await sql<{ n: string | number }>`SELECT count(*) AS n FROM (${sql.join(countParts, sql` UNION ALL `)}) c`.execute(db);
  const n = Number(counted.rows[0]?.n ?? 0);
  const total = Math.min(n, SEARCH_TOTAL_CAP);
  if (n === 0 || offset >= n) return { total, totalCapped: n > SEARCH_TOTAL_CAP, items: [] };

  // The page: the first offset + pageSize rows of each branch in kana order, merged, then cut.
  const top = offset + pageSize;
  const pageParts = branches.map(
    (b) => sql`(SELECT p.atena_no, p.name_kana_key FROM person p WHERE ${where(b)}
                ORDER BY p.name_kana_key USING ~<~, p.atena_no LIMIT ${top})`,
  );
  const rows = await sql<PersonSearchRow>`
    SELECT p.atena_no, p.name_kanji, p.name_kana, p.alias_kanji, p.alias_kana, p.birth_date, p.sex, p.resident_kind,
           p.resident_status, p.dv_support, m.household_no, m.relationship, p.area_code, a.town_name, a.chome, p.banchi, p.katagaki
      FROM (${sql.join(pageParts, sql` UNION ALL `)}) h
      JOIN person p ON p.atena_no = h.atena_no
      LEFT JOIN household_member m ON m.atena_no = p.atena_no AND m.valid_to IS NULL
      LEFT JOIN address_area a ON a.area_code = p.area_code
     ORDER BY h.name_kana_key USING ~<~, h.atena_no
     LIMIT ${pageSize} OFFSET ${offset}`.execute(db);
  return {
    total,
    totalCapped: n > SEARCH_TOTAL_CAP,
    items: rows.rows.map((r) => ({ ...r, atena_no: Number(r.atena_no), household_no: r.household_no === null ? null : Number(r.household_no) })),
  };
}
