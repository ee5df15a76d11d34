import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type RawBuilder } from 'kysely';
import { openTestDatabase } from '../db/test-database.js';
import type { Database } from '../db/database.js';
import { kanaSearchKey, kanjiSearchKey } from '../lib/kana.js';
import { isValidMyNumber } from '../lib/mynumber.js';
import { Keyring, newKeyFile } from '../security/keyring.js';
import { generateChunk, TABLE_COLUMNS } from './chunk.js';
import { AS_OF_ISO } from './dates.js';
import { ATENA_BASE, HOUSEHOLD_BASE, SEED_JOB, seedDemoCity, type SeedResult } from './generator.js';
import { dropPersonSearchIndexes, missingPersonSearchIndexes, PERSON_SEARCH_INDEX_DDL } from './search-indexes.js';
import { seededDigest } from './test-support.js';

const keyring = new Keyring(newKeyFile());
const actorLabel = 'operator:tester@host/seed/test-run';
const SEED = 20261125;
const RESIDENTS = 5_000;
const CHUNK = 1_000;
const options = { residents: RESIDENTS, seed: SEED, actorLabel, chunkSize: CHUNK };

let a: { database: Database; drop(): Promise<void> };
let clean: SeedResult;
let cleanDigest: string;

beforeAll(async () => {
  a = await openTestDatabase();
  clean = await seedDemoCity(a.database, keyring, options);
  cleanDigest = await seededDigest(a.database.db, keyring, clean.range);
});
afterAll(async () => a?.drop());

const rows = async <T>(q: RawBuilder<T>) => (await q.execute(a.database.db)).rows;

describe('the demo city', () => {
  it('has the requested residents, numbered from the bases', () => {
    expect(clean.residents).toBe(RESIDENTS);
    expect(clean.myNumbers).toBe(RESIDENTS);
    expect(clean.householdMembers).toBe(RESIDENTS);
    expect(clean.range).toEqual({ atenaFrom: ATENA_BASE, atenaTo: ATENA_BASE + RESIDENTS - 1, householdFrom: HOUSEHOLD_BASE, householdTo: HOUSEHOLD_BASE + RESIDENTS - 1 });
    expect(clean.chunks).toBe(5);
    expect(clean.chunksWritten).toBe(5);
  });

  it('has households of 1–6 people, about 38 % single', async () => {
    const sizes = await rows(sql<{ size: number; n: number }>`
      SELECT size::int, count(*)::int AS n FROM (SELECT household_no, count(*) AS size FROM household_member GROUP BY household_no) s GROUP BY size`);
    const total = sizes.reduce((s, r) => s + r.n, 0);
    expect(total).toBe(clean.households);
    for (const r of sizes) expect(r.size >= 1 && r.size <= 6).toBe(true);
    const single = sizes.find((r) => r.size === 1)!.n / total;
    const two = sizes.find((r) => r.size === 2)!.n / total;
    expect(single).toBeGreaterThan(0.33);
    expect(single).toBeLessThan(0.43);
    expect(two).toBeGreaterThan(0.23);
    expect(two).toBeLessThan(0.33);
  });

  it('puts 20–25 % of residents in NHI households, with some 擬制世帯主 households', () => {
    const share = clean.residentsInNhiHouseholds / clean.currentResidents;
    expect(share).toBeGreaterThanOrEqual(0.2);
    expect(share).toBeLessThanOrEqual(0.25);
    expect(clean.pseudoHeadHouseholds).toBeGreaterThan(0);
    expect(clean.pseudoHeadHouseholds / clean.nhiHouseholds).toBeLessThan(0.2);
  });

  it('gives every household exactly one current 世帯主 (dissolved ones have no current members)', async () => {
    const bad = await rows(sql<{ household_no: number; heads: number; current: number; dissolved: boolean }>`
      SELECT h.household_no, h.dissolved_on IS NOT NULL AS dissolved,
             count(m.*) FILTER (WHERE m.valid_to IS NULL AND m.relationship = 'head')::int AS heads,
             count(m.*) FILTER (WHERE m.valid_to IS NULL)::int AS current
        FROM household h JOIN household_member m USING (household_no)
       GROUP BY h.household_no, h.dissolved_on
      HAVING (h.dissolved_on IS NULL AND count(m.*) FILTER (WHERE m.valid_to IS NULL AND m.relationship = 'head') <> 1)
          OR (h.dissolved_on IS NOT NULL AND count(m.*) FILTER (WHERE m.valid_to IS NULL) <> 0)`);
    expect(bad).toEqual([]);
    expect(clean.dissolvedHouseholds).toBeGreaterThan(0);
  });

  it('uses only the 続柄 of the 住基 list (世帯主, 妻, 夫, 子, 父, 母, 子の妻, 子の子, 同居人), stored as codes', async () => {
    const rels = await rows(sql<{ relationship: string }>`SELECT DISTINCT relationship FROM household_member`);
    const allowed = ['head', 'wife', 'husband', 'child', 'father', 'mother', 'child_wife', 'grandchild', 'lodger'];
    for (const r of rels) expect(allowed).toContain(r.relationship);
    expect(rels.length).toBeGreaterThanOrEqual(7);
  });

  it('keeps NHI rules: nobody 75+ insured, one 記号番号 per household, 枝番 unique in it', async () => {
    const old = await rows(sql<{ n: number }>`
      SELECT count(*)::int AS n FROM nhi_eligibility e JOIN person p USING (atena_no)
       WHERE e.lost_on IS NULL AND p.birth_date <= (${AS_OF_ISO}::date - interval '75 years')`);
    expect(old[0]!.n).toBe(0);
    const numbers = await rows(sql<{ household_no: number; numbers: number; branches: number; n: number }>`
      SELECT household_no, count(DISTINCT insured_number)::int AS numbers, count(DISTINCT branch_no)::int AS branches, count(*)::int AS n
        FROM nhi_eligibility GROUP BY household_no`);
    for (const r of numbers) {
      expect(r.numbers).toBe(1);
      expect(r.branches).toBe(r.n);
    }
    const shared = await rows(sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (SELECT insured_number FROM nhi_eligibility GROUP BY insured_number HAVING count(DISTINCT household_no) > 1) x`);
    expect(shared[0]!.n).toBe(0);
    const reasons = await rows(sql<{ acquisition_reason: string }>`SELECT DISTINCT acquisition_reason FROM nhi_eligibility`);
    expect(reasons.map((r) => r.acquisition_reason)).toEqual(expect.arrayContaining(['moved_in', 'left_employee_insurance', 'birth']));
  });

  it('stores kana full-width with search keys from src/lib/kana.ts, keeping variation selectors in the name', async () => {
    const people = await a.database.db
      .selectFrom('person')
      .select(['name_kanji', 'name_kana', 'name_kana_key', 'name_kanji_key', 'alias_kanji', 'alias_kana', 'alias_kana_key', 'alias_kanji_key'])
      .execute();
    for (const p of people) {
      expect(p.name_kana_key).toBe(kanaSearchKey(p.name_kana));
      expect(p.name_kanji_key).toBe(kanjiSearchKey(p.name_kanji));
      expect(p.name_kana).not.toMatch(/[\uFF61-\uFF9F]/);
      expect(p.name_kana).toMatch(/^[\u30A0-\u30FF]+(　[\u30A0-\u30FF]+)+$/);
      if (p.alias_kana !== null) {
        expect(p.alias_kana_key).toBe(kanaSearchKey(p.alias_kana));
        expect(p.alias_kanji_key).toBe(kanjiSearchKey(p.alias_kanji!));
      }
    }
    const vs = people.filter((p) => /[\u{E0100}-\u{E01EF}]/u.test(p.name_kanji));
    expect(vs.length).toBeGreaterThan(0);
    for (const p of vs) expect(p.name_kanji_key).not.toMatch(/[\u{E0100}-\u{E01EF}]/u);
  });

  it('has 2–3 % foreigners with alphabet 本名, half of them with a 通称', async () => {
    expect(clean.foreigners / RESIDENTS).toBeGreaterThan(0.015);
    expect(clean.foreigners / RESIDENTS).toBeLessThan(0.04);
    expect(clean.foreignersWithAlias).toBeGreaterThan(0);
    const foreign = await a.database.db.selectFrom('person').select(['real_name', 'nationality_code', 'real_name_kana']).where('resident_kind', '=', 'foreign').execute();
    for (const f of foreign) {
      expect(f.real_name).toMatch(/^[A-Z]+( [A-Z]+)+$/);
      expect(['CN', 'KR', 'VN', 'PH', 'NP', 'BR', 'US']).toContain(f.nationality_code);
      expect(f.real_name_kana).toBeTruthy();
    }
  });

  it('has about 2 % 除票 (deaths and moves out) with their dates', async () => {
    const gone = (clean.deceased + clean.movedOut) / RESIDENTS;
    expect(gone).toBeGreaterThan(0.008);
    expect(gone).toBeLessThan(0.04);
    const bad = await rows(sql<{ n: number }>`
      SELECT count(*)::int AS n FROM person
       WHERE (resident_status = 'deceased' AND (death_date IS NULL OR change_reason <> 'death' OR valid_from <> death_date))
          OR (resident_status = 'moved_out' AND (moved_out_on IS NULL OR moved_out_to IS NULL OR change_reason NOT IN ('moved_out', 'moved_out_abroad')))
          OR (resident_status = 'resident' AND (death_date IS NOT NULL OR moved_out_on IS NOT NULL))
          OR valid_from > ${AS_OF_ISO}::date OR birth_date > valid_from`);
    expect(bad[0]!.n).toBe(0);
  });

  it('has a Japanese-looking age pyramid: more people aged 45–54 than aged 0–9', async () => {
    const r = await rows(sql<{ kids: number; middle: number; old: number }>`
      SELECT count(*) FILTER (WHERE age < 10)::int AS kids, count(*) FILTER (WHERE age BETWEEN 45 AND 54)::int AS middle,
             count(*) FILTER (WHERE age BETWEEN 70 AND 78)::int AS old
        FROM (SELECT extract(year FROM age(${AS_OF_ISO}::date, birth_date)) AS age FROM person WHERE resident_status = 'resident') x`);
    expect(r[0]!.middle).toBeGreaterThan(r[0]!.kids);
    expect(r[0]!.old).toBeGreaterThan(r[0]!.kids * 0.8);
  });

  it('has five 年度 of income for every person alive on 1 January (children: 所得なし), ~2 % of adults 未申告 once, and its current view', async () => {
    // every version is version 1 of the initial load; one current version per person and 年度
    const r = await rows(sql<{ fiscal_year: number; n: number; children: number; child_no_income: number; unreported: number; adults: number }>`
      SELECT r.fiscal_year, count(*)::int AS n,
             count(*) FILTER (WHERE p.birth_date > make_date(r.fiscal_year - 19, 12, 31))::int AS children,
             count(*) FILTER (WHERE p.birth_date > make_date(r.fiscal_year - 19, 12, 31) AND r.filing_status = 'no_income')::int AS child_no_income,
             count(*) FILTER (WHERE r.filing_status = 'unreported')::int AS unreported,
             count(*) FILTER (WHERE p.birth_date <= make_date(r.fiscal_year - 19, 12, 31))::int AS adults
        FROM income_return r JOIN person p USING (atena_no)
       WHERE r.superseded_at IS NULL AND r.version = 1 AND r.source = 'initial_load'
       GROUP BY r.fiscal_year ORDER BY r.fiscal_year`);
    expect(r.map((x) => x.fiscal_year)).toEqual([2022, 2023, 2024, 2025, 2026]);
    for (const x of r) {
      expect(x.children).toBeGreaterThan(0);
      expect(x.child_no_income).toBe(x.children);
      expect(x.unreported).toBeGreaterThan(0);
      expect(x.unreported).toBeLessThan(x.adults * 0.02);
    }
    const adultsOnceUnreported = await rows(sql<{ n: number }>`SELECT count(DISTINCT atena_no)::int AS n FROM income_return WHERE filing_status = 'unreported'`);
    const adults = await rows(sql<{ n: number }>`SELECT count(*)::int AS n FROM person WHERE birth_date <= date '2007-12-31'`);
    expect(adultsOnceUnreported[0]!.n / adults[0]!.n).toBeGreaterThan(0.01);
    expect(adultsOnceUnreported[0]!.n / adults[0]!.n).toBeLessThan(0.03);
    // everyone resident on 1 January 2026 and born by the end of 2025 has a FY2026 record
    const missing = await rows(sql<{ n: number }>`
      SELECT count(*)::int AS n FROM person p
       WHERE p.birth_date <= date '2025-12-31' AND (p.resident_status = 'resident' OR coalesce(p.death_date, p.moved_out_on) >= date '2026-01-01')
         AND NOT EXISTS (SELECT 1 FROM income_return r WHERE r.atena_no = p.atena_no AND r.fiscal_year = 2026)`);
    expect(missing[0]!.n).toBe(0);
    // the income view: 未申告 → no row; 所得なし → one zero row; the rest by kind
    const view = await rows(sql<{ bad: number }>`
      SELECT count(*)::int AS bad FROM income_return r
       WHERE (r.filing_status = 'unreported') = EXISTS (SELECT 1 FROM income i WHERE i.atena_no = r.atena_no AND i.fiscal_year = r.fiscal_year)`);
    expect(view[0]!.bad).toBe(0);
    const types = await rows(sql<{ income_type: string }>`SELECT DISTINCT income_type FROM income WHERE revenue_yen > 0`);
    expect(types.map((t) => t.income_type).sort()).toEqual(['business', 'other', 'pension', 'salary']);
    const sums = await rows(sql<{ bad: number }>`
      SELECT count(*)::int AS bad FROM income_return r
       WHERE r.salary_revenue_yen <> coalesce((SELECT sum(revenue_yen) FROM income i WHERE i.atena_no = r.atena_no AND i.fiscal_year = r.fiscal_year AND i.income_type = 'salary'), 0)`);
    expect(sums[0]!.bad).toBe(0);
  });

  it('gives every person a fake My Number that decrypts, passes the check digit and starts with 99', async () => {
    const numbers = await a.database.db.selectFrom('person_my_number').select(['atena_no', 'ciphertext', 'key_id', 'blind_index', 'updated_by']).execute();
    expect(numbers).toHaveLength(RESIDENTS);
    const seen = new Set<string>();
    for (const n of numbers) {
      const plain = keyring.decrypt(n.ciphertext, `person_my_number|${n.atena_no}`, n.key_id);
      expect(isValidMyNumber(plain)).toBe(true);
      expect(plain.startsWith('99')).toBe(true);
      expect(n.blind_index).toBe(keyring.blindIndex(plain));
      expect(n.updated_by).toBe(actorLabel);
      seen.add(plain);
    }
    expect(seen.size).toBe(RESIDENTS);
  });

  it('leaves the connections in the application role after its owner-only maintenance', async () => {
    const roles = await Promise.all(Array.from({ length: 6 }, () => rows(sql<{ r: string }>`SELECT current_user AS r`)));
    for (const r of roles) expect(r[0]!.r).toBe('nhi_app');
  });

  it("leaves the owner's connections in their login role (PostgreSQL; on PGlite the owner is the application's connection)", async () => {
    const owner = a.database.owner;
    const expected = a.database.kind === 'postgresql';
    const roles = await Promise.all(Array.from({ length: 2 }, () => sql<{ same: boolean }>`SELECT current_user = session_user AS same`.execute(owner)));
    for (const r of roles) expect(r.rows[0]!.same).toBe(expected);
  });

  it('records the run in job_run', async () => {
    const run = await a.database.db.selectFrom('job_run').selectAll().where('run_id', '=', clean.runId).executeTakeFirstOrThrow();
    expect(run.job).toBe(SEED_JOB);
    expect(run.status).toBe('completed');
    expect(run.actor).toBe(actorLabel);
    expect(run.progress).toMatchObject({ chunksDone: 5, chunks: 5, processed: RESIDENTS });
    expect(run.result).toMatchObject({ residents: RESIDENTS });
  });
});

describe('resume and idempotency', () => {
  it('a run interrupted mid-way, then re-run, ends with the same rows and totals as a clean run', async () => {
    const b = await openTestDatabase();
    try {
      const seen: number[] = [];
      await expect(
        seedDemoCity(b.database, keyring, {
          ...options,
          onProgress: (done) => {
            seen.push(done);
            if (done >= 2 * CHUNK) throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
      expect(seen).toEqual([CHUNK, 2 * CHUNK]);
      const failed = await b.database.db.selectFrom('job_run').select(['status']).where('job', '=', SEED_JOB).execute();
      expect(failed.map((r) => r.status)).toEqual(['failed']);

      // As if killed in the middle of the third chunk: some of its tables written, others not. (On
      // PostgreSQL the wavefront loader may already have left later chunks half-written by itself.)
      const third = await generateChunk({ seed: SEED, keyring, actorLabel }, { index: 2, atenaFrom: ATENA_BASE + 2 * CHUNK, size: CHUNK, householdFrom: HOUSEHOLD_BASE + 2 * CHUNK });
      const present = async (t: string, key: string, from: number) =>
        Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(t)} WHERE ${sql.ref(key)} BETWEEN ${from} AND ${from + CHUNK - 1}`.execute(b.database.db)).rows[0]!.n) > 0;
      for (const t of ['person', 'household', 'household_member', 'income'] as const) {
        const [key, from] = t === 'household' ? ['household_no', HOUSEHOLD_BASE + 2 * CHUNK] : ['atena_no', ATENA_BASE + 2 * CHUNK];
        if (!(await present(t, key as string, from as number))) await b.database.copyIn(t, TABLE_COLUMNS[t], third.tsv[t]);
      }
      expect(await present('person_my_number', 'atena_no', ATENA_BASE + 2 * CHUNK)).toBe(false);

      const resumed = await seedDemoCity(b.database, keyring, options);
      expect(resumed.chunksSkipped).toBe(2);
      expect(resumed.chunksWritten).toBe(3);
      expect(resumed.rowsWritten.person).toBeLessThanOrEqual(2 * CHUNK); // chunk 3's persons were already there
      expect(resumed.rowsWritten.person_my_number).toBe(3 * CHUNK);
      const { runId: _r, chunksWritten: _w, chunksSkipped: _s, rowsWritten: _rw, elapsedMs: _e, timing: _t, ...resumedCounts } = resumed;
      const { runId: _r2, chunksWritten: _w2, chunksSkipped: _s2, rowsWritten: _rw2, elapsedMs: _e2, timing: _t2, ...cleanCounts } = clean;
      expect(resumedCounts).toEqual(cleanCounts);
      expect(await seededDigest(b.database.db, keyring, resumed.range)).toBe(cleanDigest);

      // Once more: nothing to do, nothing doubled.
      const again = await seedDemoCity(b.database, keyring, options);
      expect(again.chunksSkipped).toBe(5);
      expect(again.chunksWritten).toBe(0);
      expect(again.residents).toBe(RESIDENTS);
      expect(again.incomes).toBe(clean.incomes);
    } finally {
      await b.drop();
    }
  });

  it('refuses a different seed over the same numbers, and accepts it with an offset', async () => {
    await expect(seedDemoCity(a.database, keyring, { ...options, seed: 7 })).rejects.toThrow(/startOffset を 5000 以上/);
    const second = await seedDemoCity(a.database, keyring, { residents: 300, seed: 7, actorLabel, startOffset: RESIDENTS });
    expect(second.range.atenaFrom).toBe(ATENA_BASE + RESIDENTS);
    expect(second.residents).toBe(300);
    const total = await a.database.db.selectFrom('person').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(RESIDENTS + 300);
    expect(await seededDigest(a.database.db, keyring, clean.range)).toBe(cleanDigest);
  });
});

describe('search indexes around a big load', () => {
  const indexDefs = async () =>
    (await rows(sql<{ indexname: string; indexdef: string }>`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'person' ORDER BY indexname`)).map(
      (r) => `${r.indexname}: ${r.indexdef}`,
    );

  it('copies the index DDL verbatim from the migration', () => {
    const migration = readFileSync(new URL('../db/migrations/2026-11-25T0200_atena_household.ts', import.meta.url), 'utf8');
    for (const i of PERSON_SEARCH_INDEX_DDL) expect(migration).toContain(i.ddl);
  });

  it('rebuilds identical indexes after a load, and a later run restores indexes a killed run left dropped', async () => {
    const before = await indexDefs();
    const r = await seedDemoCity(a.database, keyring, { residents: 200, seed: 9, actorLabel, startOffset: 10_000, rebuildSearchIndexes: true });
    expect(r.residents).toBe(200);
    expect(await indexDefs()).toEqual(before);

    await dropPersonSearchIndexes(a.database.owner); // as if killed while the indexes were dropped
    expect(await missingPersonSearchIndexes(a.database.db)).toHaveLength(PERSON_SEARCH_INDEX_DDL.length);
    const again = await seedDemoCity(a.database, keyring, { residents: 200, seed: 9, actorLabel, startOffset: 10_000 });
    expect(again.chunksWritten).toBe(0);
    expect(await indexDefs()).toEqual(before);
  });
});
