import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase } from '../db/test-database.js';
import type { Database } from '../db/database.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { insuredOnSql } from '../modules/eligibility/eligibility.repository.js';
import { todayInJapan } from '../modules/eligibility/eligibility.rules.js';
import { prefixUpperBound, SEARCH_TOTAL_CAP, searchPersons, type SearchCriteria } from '../modules/person/person.search.js';
import { seedDemoCity } from './generator.js';
import { Rng } from './prng.js';

/** searchPersons on the demo city, checked against a brute-force filter of the same rows. */

interface P {
  atena_no: number;
  name_kana_key: string;
  name_kanji_key: string;
  alias_kana_key: string | null;
  alias_kanji_key: string | null;
  birth_date: string;
  household_no: number | null;
  in_nhi_file: boolean;
}

let t: { database: Database; drop(): Promise<void> };
let people: P[];
const rng = new Rng(99);

beforeAll(async () => {
  t = await openTestDatabase();
  await seedDemoCity(t.database, new Keyring(newKeyFile()), { residents: 12_000, seed: 4242, actorLabel: 'operator:tester@host/seed/search', chunkSize: 4_000 });
  const r = await sql<P>`
    SELECT p.atena_no, p.name_kana_key, p.name_kanji_key, p.alias_kana_key, p.alias_kanji_key, p.birth_date, m.household_no,
           (EXISTS (SELECT 1 FROM nhi_eligibility e WHERE e.atena_no = p.atena_no)
            OR (m.relationship = 'head' AND EXISTS (SELECT 1 FROM nhi_eligibility e2 WHERE e2.household_no = m.household_no AND e2.lost_on IS NULL))) AS in_nhi_file
      FROM person p LEFT JOIN household_member m ON m.atena_no = p.atena_no AND m.valid_to IS NULL`.execute(t.database.db);
  people = r.rows.map((p) => ({ ...p, atena_no: Number(p.atena_no), household_no: p.household_no === null ? null : Number(p.household_no) }));
});
afterAll(async () => t?.drop());

/** First n characters (code points: 𠮷 is one character, two UTF-16 units). */
const prefix = (s: string, n: number) => [...s].slice(0, n).join('');

const byKanaOrder = (a: P, b: P) => (a.name_kana_key < b.name_kana_key ? -1 : a.name_kana_key > b.name_kana_key ? 1 : a.atena_no - b.atena_no);

function expected(c: SearchCriteria, scope: 'all' | 'nhi_file' = 'all'): P[] {
  return people
    .filter(
      (p) =>
        (!c.kana || p.name_kana_key.startsWith(c.kana) || !!p.alias_kana_key?.startsWith(c.kana)) &&
        (!c.name || p.name_kanji_key.startsWith(c.name) || !!p.alias_kanji_key?.startsWith(c.name)) &&
        (!c.birthDate || p.birth_date === c.birthDate) &&
        (c.atenaNo === undefined || p.atena_no === c.atenaNo) &&
        (c.householdNo === undefined || p.household_no === c.householdNo) &&
        (scope === 'all' || p.in_nhi_file),
    )
    .sort(byKanaOrder);
}

async function check(c: SearchCriteria, pageSize = 20, pages = 2, scope: 'all' | 'nhi_file' = 'all') {
  const want = expected(c, scope);
  for (let page = 1; page <= pages; page++) {
    const got = await searchPersons(t.database.db, c, { page, pageSize }, scope);
    expect(got.total, JSON.stringify(c)).toBe(Math.min(want.length, SEARCH_TOTAL_CAP));
    expect(got.totalCapped).toBe(want.length > SEARCH_TOTAL_CAP);
    expect(got.items.map((i) => i.atena_no), JSON.stringify(c)).toEqual(want.slice((page - 1) * pageSize, page * pageSize).map((p) => p.atena_no));
  }
  return want.length;
}

describe('searchPersons on the demo city', () => {
  it('kana prefix (name or 通称), in kana order, paged', async () => {
    for (let i = 0; i < 15; i++) {
      const p = rng.pick(people);
      await check({ kana: prefix(p.name_kana_key, 3) });
    }
    const aliased = people.filter((p) => p.alias_kana_key);
    expect(aliased.length).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) {
      const p = rng.pick(aliased);
      const found = await check({ kana: prefix(p.alias_kana_key!, 3) }, 50, 1);
      expect(found).toBeGreaterThan(0);
    }
  });

  it('kanji name prefix with birth date, kana with kanji, 宛名番号 and 世帯番号', async () => {
    for (let i = 0; i < 10; i++) {
      const p = rng.pick(people);
      expect(await check({ name: p.name_kanji_key, birthDate: p.birth_date })).toBeGreaterThanOrEqual(1);
      await check({ name: prefix(p.name_kanji_key, 2) });
      await check({ kana: prefix(p.name_kana_key, 2), name: prefix(p.name_kanji_key, 1) });
      expect(await check({ atenaNo: p.atena_no }, 20, 1)).toBe(1);
      if (p.household_no !== null) expect(await check({ householdNo: p.household_no }, 20, 1)).toBeGreaterThanOrEqual(1);
      await check({ birthDate: p.birth_date }, 5, 2);
    }
  });

  it('caps the total at 1000 and still pages correctly', async () => {
    const counts = new Map<string, number>();
    for (const p of people) counts.set(p.name_kana_key[0]!, (counts.get(p.name_kana_key[0]!) ?? 0) + 1);
    const [first, n] = [...counts].sort((x, y) => y[1] - x[1])[0]!;
    expect(n).toBeGreaterThan(SEARCH_TOTAL_CAP);
    await check({ kana: first }, 50, 3);
    const deep = await searchPersons(t.database.db, { kana: first }, { page: 20, pageSize: 50 });
    expect(deep.items.map((i) => i.atena_no)).toEqual(expected({ kana: first }).slice(950, 1000).map((p) => p.atena_no));
  });

  it('limits the NHI-file scope to insured (now or before) persons and heads of NHI households', async () => {
    for (let i = 0; i < 5; i++) await check({ kana: prefix(rng.pick(people).name_kana_key, 2) }, 20, 2, 'nhi_file');
  });

  it('bounds prefixes exactly, also after タ (end of a UTF-8 block) and for non-BMP kanji', async () => {
    expect(prefixUpperBound('ナカタ')).toBe('ナカダ');
    expect(prefixUpperBound('𠮷')).toBe(String.fromCodePoint(0x20bb8));
    expect(prefixUpperBound('\uD7FF')).toBe('\uE000');
    for (const kana of ['タ', 'ナカタ', 'サタ', 'キタ']) await check({ kana }, 20, 2);
    for (const name of ['𠮷', '𠮷田', '葛', '辻']) await check({ name }, 20, 1);
  });

  it('matches LIKE metacharacters literally and returns nothing without criteria', async () => {
    expect((await searchPersons(t.database.db, { kana: '%' }, { page: 1, pageSize: 20 })).total).toBe(0);
    expect((await searchPersons(t.database.db, { name: '_' }, { page: 1, pageSize: 20 })).total).toBe(0);
    expect(await searchPersons(t.database.db, {}, { page: 1, pageSize: 20 })).toEqual({ total: 0, totalCapped: false, items: [] });
  });

  it('returns the row shape the screens need and nothing My Number related', async () => {
    const r = await searchPersons(t.database.db, { kana: people[0]!.name_kana_key }, { page: 1, pageSize: 5 });
    const item = r.items[0]!;
    expect(Object.keys(item).sort()).toEqual(
      ['alias_kana', 'alias_kanji', 'area_code', 'atena_no', 'banchi', 'birth_date', 'chome', 'death_date', 'dv_support', 'household_no', 'katagaki', 'name_kana', 'name_kanji', 'nhi_insured', 'nhi_periods', 'relationship', 'resident_kind', 'resident_status', 'sex', 'town_name'].sort(),
    );
    // 国保 today, as insuredOnSql reads it for each row.
    for (const it of r.items) {
      const inForce = await t.database.db.selectFrom('nhi_eligibility as e').select('e.eligibility_id').where('e.atena_no', '=', it.atena_no).where(insuredOnSql('e', todayInJapan())).execute();
      expect(it.nhi_insured, String(it.atena_no)).toBe(inForce.length > 0);
    }
    expect(typeof item.atena_no).toBe('number');
    expect(item.birth_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(r)).not.toMatch(/my_number|ciphertext|blind/i);
  });
});
