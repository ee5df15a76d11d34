import { sql } from 'kysely';
import { kanjiSearchKey } from '../src/lib/kana.js';
import { Rng, mixSeed } from '../src/demo/prng.js';
import { searchPersons, searchQueries, type SearchCriteria } from '../src/modules/person/person.search.js';
import type { Bench, BenchMetric } from './run.js';

/**
 * Search latency at the seeded size (default 1,000,000 persons), through searchPersons — the function
 * the API uses (capped count + one page). Inputs are drawn from the data (random persons), so every
 * query finds someone. For the slowest query of each kind the plans are kept (EXPLAIN ANALYZE).
 */

interface Sample {
  atena_no: number;
  name_kana_key: string;
  alias_kana_key: string | null;
  name_kanji: string;
  name_kanji_key: string;
  birth_date: string;
  household_no: number | null;
}

type Kind = 'kana prefix (3 chars)' | 'kanji name + birth date' | '宛名番号' | '世帯番号';

const WARMUP = 50;
const prefix = (s: string, n: number) => [...s].slice(0, n).join('');

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export const searchBench: Bench = {
  name: 'search',
  title: 'person search latency (searchPersons)',
  async run(ctx) {
    const { result } = await ctx.ensureSeeded();
    const db = ctx.database.db;
    const queries = Math.max(1, Number(process.env.BENCH_QUERIES ?? 500));
    const rng = new Rng(mixSeed(ctx.seed, 0x5ea7c4));
    const { atenaFrom, atenaTo } = result.range;
    const ids = Array.from({ length: queries + WARMUP }, () => rng.int(atenaFrom, atenaTo));
    const r = await sql<Sample>`
      SELECT p.atena_no, p.name_kana_key, p.alias_kana_key, p.name_kanji, p.name_kanji_key, p.birth_date, m.household_no
        FROM person p LEFT JOIN household_member m ON m.atena_no = p.atena_no AND m.valid_to IS NULL
       WHERE p.atena_no = ANY(${ids}::bigint[])`.execute(db);
    const byId = new Map(r.rows.map((s) => [Number(s.atena_no), s]));
    const samples = ids.map((id) => byId.get(id)!).filter(Boolean);

    const make: Record<Kind, (s: Sample) => { criteria: SearchCriteria; page: number }> = {
      'kana prefix (3 chars)': (s) => ({
        criteria: { kana: prefix(s.alias_kana_key && rng.chance(0.5) ? s.alias_kana_key : s.name_kana_key, 3) },
        page: rng.chance(0.8) ? 1 : rng.int(2, 5),
      }),
      'kanji name + birth date': (s) => ({
        criteria: { name: rng.chance(0.7) ? s.name_kanji_key : kanjiSearchKey(s.name_kanji.split('　')[0]!), birthDate: s.birth_date },
        page: 1,
      }),
      宛名番号: (s) => ({ criteria: { atenaNo: Number(s.atena_no) }, page: 1 }),
      世帯番号: (s) => ({ criteria: s.household_no === null ? { atenaNo: Number(s.atena_no) } : { householdNo: Number(s.household_no) }, page: 1 }),
    };

    const metrics: BenchMetric[] = [];
    const details: Record<string, unknown> = { queriesPerKind: queries, warmup: WARMUP, pageSize: 20 };
    for (const kind of Object.keys(make) as Kind[]) {
      const times: number[] = [];
      let found = 0;
      let slowest = { ms: -1, criteria: {} as SearchCriteria, page: 1 };
      for (let i = 0; i < samples.length; i++) {
        const { criteria, page } = make[kind](samples[i]!);
        const t0 = performance.now();
        const res = await searchPersons(db, criteria, { page, pageSize: 20 });
        const ms = performance.now() - t0;
        if (i < WARMUP) continue;
        times.push(ms);
        if (res.total > 0) found++;
        if (ms > slowest.ms) slowest = { ms, criteria, page };
      }
      times.sort((x, y) => x - y);
      const p50 = percentile(times, 0.5);
      const p95 = percentile(times, 0.95);
      const p99 = percentile(times, 0.99);
      metrics.push(
        { metric: `${kind} p50`, value: round(p50), unit: 'ms' },
        { metric: `${kind} p95`, value: round(p95), unit: 'ms', target: { op: '<=', value: 30 } },
        { metric: `${kind} p99`, value: round(p99), unit: 'ms' },
      );
      const q = searchQueries(slowest.criteria, { page: slowest.page, pageSize: 20 });
      const explain = async (stmt: typeof q.count | typeof q.items) =>
        (await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) ${stmt}`.execute(db)).rows.map((x) => x['QUERY PLAN']).join('\n');
      details[kind] = {
        n: times.length,
        found,
        mean: round(times.reduce((s, x) => s + x, 0) / times.length),
        p50: round(p50),
        p95: round(p95),
        p99: round(p99),
        max: round(times.at(-1) ?? 0),
        slowest: { ms: round(slowest.ms), criteria: slowest.criteria, page: slowest.page, countPlan: await explain(q.count), pagePlan: await explain(q.items) },
      };
      ctx.log(`${kind}: p50 ${round(p50)} ms, p95 ${round(p95)} ms, p99 ${round(p99)} ms (${times.length} queries)`);
    }
    return { metrics, details };
  },
};
