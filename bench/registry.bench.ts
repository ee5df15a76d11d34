import { sql } from 'kysely';
import pino from 'pino';
import { compose } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { Rng } from '../src/demo/prng.js';
import { addDays, todayInJapan } from '../src/modules/eligibility/eligibility.rules.js';
import { INTAKE_COLUMNS, type IntakeColumn } from '../src/modules/registry/registry-events.js';
import { operatorActor } from '../src/security/actor.js';
import type { Bench, BenchMetric } from './run.js';

/**
 * 住基 intake at the seeded size (default 1,000,000 residents): one day of the registry's changes
 * (≈ 3,000 events, pushed one at a time as the near-real-time API does: latency per event) and a year
 * (≈ 800,000 events, as files). The events are drawn from the seeded city with a realistic mix
 * (転居, 転入, 転出, 出生, 死亡, 世帯分離, 氏名変更), each consistent with the registry as it then stands.
 *
 *   BENCH_REGISTRY_DAY    events of the day (default 3,000)
 *   BENCH_REGISTRY_YEAR   events of the year part (default 800,000; files of BENCH_REGISTRY_FILE lines)
 *   BENCH_REGISTRY_FILE   lines per file of the year part (default 20,000)
 */

type Line = Partial<Record<IntakeColumn, string>>;

interface Candidate {
  atenaNo: number;
  householdNo: number;
  head: boolean;
  /** Recorded by an event of the bench on the events' day: not removed or moved again that day. */
  fresh?: boolean;
}

class EventMaker {
  private readonly rng: Rng;
  private nextAtena: number;
  private nextHousehold: number;
  private seq = 0;
  constructor(
    private readonly pool: Candidate[],
    private readonly areas: string[],
    start: { atena: number; household: number },
    seed: number,
    private readonly day: string,
  ) {
    this.rng = new Rng(seed);
    this.nextAtena = start.atena;
    this.nextHousehold = start.household;
  }

  /** A person still resident (removed from the pool when they leave). */
  private take(remove: boolean, nonHead = false): Candidate {
    for (;;) {
      const i = this.rng.int(0, this.pool.length - 1);
      const c = this.pool[i]!;
      if (nonHead && c.head) continue;
      if ((remove || nonHead) && c.fresh) continue;
      if (remove) {
        this.pool[i] = this.pool[this.pool.length - 1]!;
        this.pool.pop();
      }
      return c;
    }
  }

  next(): Line {
    const id = `B${this.day.replace(/-/g, '')}-${++this.seq}`;
    const base = { event_id: id, occurred_on: this.day, reported_on: this.day };
    const area = this.areas[this.rng.int(0, this.areas.length - 1)]!;
    const person = (atenaNo: number, householdNo: number, relationship: string, birth: string): Line => ({
      atena_no: String(atenaNo), household_no: String(householdNo), relationship, name_kanji: '異動　太郎', name_kana: 'イドウ　タロウ', birth_date: birth, sex: '1', resident_kind: '1', area_code: area, banchi: `${this.rng.int(1, 30)}-${this.rng.int(1, 20)}`,
    });
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
      return { ...base, ...person(a, h, '世帯主', '1990-04-01'), event_code: code, other_address: '前住所', other_prefecture_code: pref };
    }
    if (r < 60) {
      const c = this.take(true);
      const kind = this.rng.int(0, 9);
      const code = kind < 5 ? '21' : kind < 9 ? '22' : '24';
      return { ...base, event_code: code, atena_no: String(c.atenaNo), other_address: '転出先', other_prefecture_code: code === '21' ? '13' : code === '22' ? '11' : '' };
    }
    if (r < 66) {
      const parent = this.take(false);
      const a = this.nextAtena++;
      this.pool.push({ atenaNo: a, householdNo: parent.householdNo, head: false, fresh: true });
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
    return { ...base, event_code: '36', atena_no: String(c.atenaNo), name_kanji: '改姓　花子', name_kana: 'カイセイ　ハナコ' };
  }
}

const csv = (lines: Line[]) => new TextEncoder().encode([INTAKE_COLUMNS.join(','), ...lines.map((l) => INTAKE_COLUMNS.map((c) => l[c] ?? '').join(','))].join('\r\n'));

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const registryBench: Bench = {
  name: 'registry',
  title: '住基 intake: a day pushed event by event, a year as files',
  async run(ctx) {
    await ctx.ensureSeeded();
    const db = ctx.database.db;
    const envInt = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
    const dayEvents = envInt('BENCH_REGISTRY_DAY', 3000);
    const yearEvents = envInt('BENCH_REGISTRY_YEAR', 800_000);
    const perFile = envInt('BENCH_REGISTRY_FILE', 20_000);
    const deps = compose({ config: { ...loadConfig({}), databaseUrl: ctx.databaseUrl }, database: ctx.database, keyring: ctx.keyring, logger: pino({ level: 'warn' }) });
    const actor = operatorActor('bench-registry', new Set(['registry.intake']));

    ctx.log('registry: drawing residents for the events');
    const day = addDays(todayInJapan(), -1);
    // Residents whose membership began before the events' day (so no event predates it).
    const rows = await sql<{ atena_no: string; household_no: string; relationship: string }>`
      SELECT m.atena_no, m.household_no, m.relationship FROM household_member m JOIN person p ON p.atena_no = m.atena_no
       WHERE m.valid_to IS NULL AND m.valid_from < ${addDays(day, -1)} AND p.resident_status = 'resident' AND p.dv_support = false`.execute(db);
    const pool = rows.rows.map((r) => ({ atenaNo: Number(r.atena_no), householdNo: Number(r.household_no), head: r.relationship === 'head' }));
    const areas = (await db.selectFrom('address_area').select('area_code').execute()).map((a) => a.area_code);
    const max = await sql<{ a: string; h: string }>`SELECT (SELECT max(atena_no) FROM person) AS a, (SELECT max(household_no) FROM household) AS h`.execute(db);
    const maker = new EventMaker(pool, areas, { atena: Number(max.rows[0]!.a) + 1, household: Number(max.rows[0]!.h) + 1 }, ctx.seed, day);

    // A day, event by event over the service the API calls (each its own transaction and audit record).
    ctx.log(`registry: a day of ${dayEvents} events, one at a time`);
    const latencies: number[] = [];
    let peakRss = process.memoryUsage().rss;
    const t0 = performance.now();
    for (let i = 0; i < dayEvents; i++) {
      const e = maker.next();
      const s = performance.now();
      await deps.registry.pushEvents(actor, [e]);
      latencies.push(performance.now() - s);
      if (i % 200 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const daySeconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);

    // The year: files of perFile lines, each all-or-nothing.
    ctx.log(`registry: a year of ${yearEvents} events in files of ${perFile}`);
    const t1 = performance.now();
    let done = 0;
    let files = 0;
    while (done < yearEvents) {
      const n = Math.min(perFile, yearEvents - done);
      const lines: Line[] = [];
      for (let i = 0; i < n; i++) lines.push(maker.next());
      const r = await deps.registry.importFile(actor, csv(lines), { fileName: `bench-${files}.csv` });
      if (r.taken !== n) throw new Error(`file ${files}: took ${r.taken} of ${n}`);
      done += n;
      files++;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      ctx.log(`registry: ${done.toLocaleString('en-US')} / ${yearEvents.toLocaleString('en-US')} (${Math.round(done / ((performance.now() - t1) / 1000))} events/s)`);
    }
    const yearSeconds = (performance.now() - t1) / 1000;
    const metrics: BenchMetric[] = [
      { metric: `day: ${dayEvents} events one at a time`, value: Math.round(daySeconds * 10) / 10, unit: 's' },
      { metric: 'day: events/s', value: Math.round(dayEvents / daySeconds), unit: '/s' },
      { metric: 'day: p50 per event', value: Math.round(percentile(latencies, 0.5) * 100) / 100, unit: 'ms' },
      { metric: 'day: p95 per event', value: Math.round(percentile(latencies, 0.95) * 100) / 100, unit: 'ms' },
      { metric: `year: ${yearEvents.toLocaleString('en-US')} events in ${files} files`, value: Math.round(yearSeconds * 10) / 10, unit: 's', ...(yearEvents >= 800_000 ? { target: { op: '<=' as const, value: 60 } } : {}) },
      { metric: 'year: events/s', value: Math.round(yearEvents / yearSeconds), unit: '/s', target: { op: '>=', value: Math.round(800_000 / 60) } },
      { metric: 'peak RSS', value: Math.round(peakRss / 2 ** 20), unit: 'MiB' },
    ];
    return { metrics, details: { day, dayEvents, yearEvents, perFile } };
  },
};
