import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB, ResidentKind, ResidentStatus, Sex } from '../../db/schema.js';
import type { Relationship } from './person.rules.js';
import { insuredOnSql } from '../eligibility/eligibility.repository.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';

/**
 * 住民検索: kana prefix (氏名カナ or 通称カナ), kanji prefix (氏名 or 通称), birth date, 宛名番号 and
 * 世帯番号 (current members), combined with AND. Results in kana order (then 宛名番号), paged; the
 * total is counted up to SEARCH_TOTAL_CAP + 1 only, so a vague query costs no more than a precise one.
 * Nothing My Number related is ever selected here.
 *
 * Inputs are already-normalised keys: the caller applies kanaSearchKey / kanjiSearchKey.
 *
 * Plan notes (checked with EXPLAIN ANALYZE at 1,000,000 persons, see bench/search.bench.ts):
 *  - name and alias matches are separate UNION ALL branches (an OR would defeat both indexes);
 *    the alias branch excludes rows the name branch already returns;
 *  - a prefix is an exact code-point range (see prefixUpperBound) rather than LIKE 'p%';
 *  - each branch is ordered with `USING ~<~`, the order of the text_pattern_ops indexes, and cut with
 *    FETCH FIRST … WITH TIES, so a kana prefix query walks the index in order and stops after
 *    page × size rows instead of sorting every match; 宛名番号 orders the few rows left;
 *  - with a birth date, 宛名番号 or 世帯番号 the names are mere filters on those few rows;
 *  - 国保 today (加入中 / 喪失 / —) is one lookup by nhi_eligibility_person per row of the page, after
 *    the page is cut (never in the count).
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
  relationship: Relationship | null;
  area_code: string | null;
  town_name: string | null;
  chome: number | null;
  banchi: string | null;
  katagaki: string | null;
  death_date: string | null;
  /** Insured today (insuredOnSql: a current version in force today). */
  nhi_insured: boolean;
  /** Current versions that began by today (0: never insured here; > 0 and not insured: lost). */
  nhi_periods: number;
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

/** LIKE pattern for a prefix, the key's own %, _ and \\ matched literally (for callers that need LIKE). */
export function likePrefix(key: string): string {
  return `${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The smallest string above every string that starts with `prefix`, in code-point order (the order of
 * text_pattern_ops). PostgreSQL derives a range from LIKE 'p%' itself, but by bumping the last UTF-8
 * byte, which for some characters (タ is U+30BF, the end of its byte block) overshoots to a range many
 * times too wide; this bound is exact.
 */
export function prefixUpperBound(prefix: string): string {
  const cps = [...prefix];
  let next = cps.pop()!.codePointAt(0)! + 1;
  if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // skip the surrogate block
  return cps.join('') + String.fromCodePoint(next);
}

type Condition = RawBuilder<unknown>;
type KeyColumn = 'name_kana_key' | 'alias_kana_key' | 'name_kanji_key' | 'alias_kanji_key';

function and(conditions: Condition[]): Condition {
  return conditions.length === 0 ? sql`TRUE` : sql.join(conditions, sql` AND `);
}

/**
 * Prefix match the key's index serves: key ~>=~ prefix AND key ~<~ prefixUpperBound(prefix), exactly
 * "starts with" (no LIKE metacharacters to escape). Not combined with LIKE: the planner would multiply
 * the two selectivities as if independent, underestimate the matches a hundredfold and sort them all.
 */
function indexedPrefix(column: KeyColumn, key: string): Condition {
  const c = sql.ref(`p.${column}`);
  return sql`(${c} ~>=~ ${key} AND ${c} ~<~ ${prefixUpperBound(key)})`;
}

/** Prefix match as a plain filter (no index), for rows already narrowed down by an exact criterion. */
function filterPrefix(column: KeyColumn, key: string): Condition {
  return sql`coalesce(starts_with(${sql.ref(`p.${column}`)}, ${key}), false)`;
}

const either = (a: Condition, b: Condition) => sql`(${a} OR ${b})`;

/**
 * Alternatives of the name condition; each becomes one UNION ALL branch. With an exact criterion
 * (birth date, 宛名番号, 世帯番号) that narrows the search to a few rows, the names are plain filters in
 * one branch, so the planner cannot prefer a wide name-index scan over the narrow exact one.
 */
function nameBranches(c: SearchCriteria): { branches: Condition[]; filters: Condition[] } {
  const anchored = !!c.birthDate || c.atenaNo !== undefined || c.householdNo !== undefined;
  const filters: Condition[] = [];
  if (anchored || (!c.kana && !c.name)) {
    if (c.kana) filters.push(either(filterPrefix('name_kana_key', c.kana), filterPrefix('alias_kana_key', c.kana)));
    if (c.name) filters.push(either(filterPrefix('name_kanji_key', c.name), filterPrefix('alias_kanji_key', c.name)));
    return { branches: [sql`TRUE`], filters };
  }
  // Name and 通称 each through their own index (an OR would defeat both); the 通称 branch leaves out
  // rows the name branch already returns.
  const [key, name, alias] = c.kana ? [c.kana, 'name_kana_key', 'alias_kana_key'] as const : [c.name!, 'name_kanji_key', 'alias_kanji_key'] as const;
  if (c.kana && c.name) filters.push(either(filterPrefix('name_kanji_key', c.name), filterPrefix('alias_kanji_key', c.name)));
  return {
    branches: [indexedPrefix(name, key), sql`${indexedPrefix(alias, key)} AND NOT coalesce(starts_with(p.${sql.raw(name)}, ${key}), false)`],
    filters,
  };
}

function otherFilters(c: SearchCriteria, scope: SearchScope): Condition[] {
  const f: Condition[] = [];
  if (c.birthDate) f.push(sql`p.birth_date = ${c.birthDate}::date`);
  if (c.atenaNo !== undefined) f.push(sql`p.atena_no = ${c.atenaNo}::bigint`);
  if (c.householdNo !== undefined) {
    f.push(sql`p.atena_no IN (SELECT hm.atena_no FROM household_member hm WHERE hm.household_no = ${c.householdNo}::bigint AND hm.valid_to IS NULL)`);
  }
  if (scope === 'nhi_file') {
    f.push(sql`(EXISTS (SELECT 1 FROM nhi_eligibility e WHERE e.atena_no = p.atena_no AND e.superseded_at IS NULL)
      OR EXISTS (SELECT 1 FROM household_member hh JOIN nhi_eligibility e2 ON e2.household_no = hh.household_no AND ${insuredOnSql('e2', todayInJapan())}
                  WHERE hh.atena_no = p.atena_no AND hh.valid_to IS NULL AND hh.relationship = 'head'))`);
  }
  return f;
}

function hasCriteria(c: SearchCriteria): boolean {
  return !!(c.kana || c.name || c.birthDate || c.atenaNo !== undefined || c.householdNo !== undefined);
}

/** The two statements of a search (capped count, one page), for searchPersons and for EXPLAIN in the benchmark. */
export function searchQueries(criteria: SearchCriteria, page: { page: number; pageSize: number }, scope: SearchScope = 'all') {
  const pageNo = Math.max(1, Math.floor(page.page));
  const pageSize = Math.max(1, Math.min(100, Math.floor(page.pageSize)));
  const offset = (pageNo - 1) * pageSize;
  const { branches, filters } = nameBranches(criteria);
  const where = (branch: Condition) => and([branch, ...filters, ...otherFilters(criteria, scope)]);

  // Count, capped: each branch stops after CAP + 1 rows.
  const cap = SEARCH_TOTAL_CAP + 1;
  const countParts = branches.map((b) => sql`(SELECT 1 FROM person p WHERE ${where(b)} LIMIT ${cap})`);
  const count = sql<{ n: string | number }>`SELECT count(*) AS n FROM (${sql.join(countParts, sql` UNION ALL `)}) c`;

  // The page: from each branch the first offset + pageSize rows in kana order — with ties, so every
  // row sharing the last key comes too and the (key, 宛名番号) order below stays exact. Ordered by the
  // key alone, the branch reads its index in order and stops, whatever the planner estimates.
  const top = offset + pageSize;
  const pageParts = branches.map(
    (b) => sql`(SELECT p.atena_no, p.name_kana_key FROM person p WHERE ${where(b)}
                ORDER BY p.name_kana_key USING ~<~ FETCH FIRST ${top} ROWS WITH TIES)`,
  );
  // 国保 today: one lookup of the person's current versions (index nhi_eligibility_person) for each row
  // of the page only — the page is cut first (LIMIT/OFFSET inside), the lookup runs on what is left.
  const today = todayInJapan();
  const items = sql<PersonSearchRow & { sort_key: string }>`
    SELECT pg.*, n.nhi_insured, n.nhi_periods
      FROM (
        SELECT p.atena_no, p.name_kanji, p.name_kana, p.alias_kanji, p.alias_kana, p.birth_date, p.death_date, p.sex, p.resident_kind,
               p.resident_status, p.dv_support, m.household_no, m.relationship, p.area_code, a.town_name, a.chome, p.banchi, p.katagaki,
               h.name_kana_key AS sort_key
          FROM (${sql.join(pageParts, sql` UNION ALL `)}) h
          JOIN person p ON p.atena_no = h.atena_no
          LEFT JOIN household_member m ON m.atena_no = p.atena_no AND m.valid_to IS NULL
          LEFT JOIN address_area a ON a.area_code = p.area_code
         ORDER BY h.name_kana_key USING ~<~, h.atena_no
         LIMIT ${pageSize} OFFSET ${offset}
      ) pg
      CROSS JOIN LATERAL (
        SELECT coalesce(bool_or(${insuredOnSql('e', today)}), false) AS nhi_insured,
               count(*) FILTER (WHERE e.acquired_on <= ${today}::date) AS nhi_periods
          FROM nhi_eligibility e
         WHERE e.atena_no = pg.atena_no AND e.superseded_at IS NULL
      ) n
     ORDER BY pg.sort_key USING ~<~, pg.atena_no`;
  return { count, items, offset };
}

export async function searchPersons(
  db: Kysely<DB> | Transaction<DB>,
  criteria: SearchCriteria,
  page: { page: number; pageSize: number },
  scope: SearchScope = 'all',
): Promise<PersonSearchResult> {
  if (!hasCriteria(criteria)) return { total: 0, totalCapped: false, items: [] };
  const q = searchQueries(criteria, page, scope);
  const counted = await q.count.execute(db);
  const n = Number(counted.rows[0]?.n ?? 0);
  const total = Math.min(n, SEARCH_TOTAL_CAP);
  const totalCapped = n > SEARCH_TOTAL_CAP;
  if (n === 0 || q.offset >= n) return { total, totalCapped, items: [] };
  const rows = await q.items.execute(db);
  return {
    total,
    totalCapped,
    items: rows.rows.map(({ sort_key: _key, ...r }) => ({ ...r, atena_no: Number(r.atena_no), household_no: r.household_no === null ? null : Number(r.household_no), nhi_insured: r.nhi_insured === true, nhi_periods: Number(r.nhi_periods) })),
  };
}
