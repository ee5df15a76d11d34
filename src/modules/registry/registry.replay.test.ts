import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createFixture, type Fixture } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { INTAKE_COLUMNS, type IntakeColumn } from './registry-events.js';

/**
 * Replaying the registry's events is idempotent (property): any batch of valid events, taken once,
 * then taken again — as the same file or with its lines shuffled — changes nothing the second time
 * (every event is skipped, no row of any table the intake writes changes).
 */
let f: Fixture;
const db = () => f.deps.database.db;
const actor = operatorActor('registry-replay-test', new Set(['registry.intake']));
let batchNo = 0;

beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => f?.close());

type Line = Partial<Record<IntakeColumn, string>>;
const csv = (lines: Line[]) => new TextEncoder().encode([INTAKE_COLUMNS.join(','), ...lines.map((l) => INTAKE_COLUMNS.map((c) => l[c] ?? '').join(','))].join('\n'));

/** A batch of consistent events: newcomers (転入, each its own household), then 転居・氏名変更 of them, some leave. */
const batchArb = fc.array(
  fc.record({
    code: fc.constantFrom('11', '12', '13'),
    moves: fc.nat({ max: 2 }),
    rename: fc.boolean(),
    leave: fc.constantFrom(null, '21', '22', '24', '25'),
    area: fc.constantFrom('0101', '0102'),
  }),
  { minLength: 1, maxLength: 6 },
);

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of ['person', 'person_history', 'household', 'household_member', 'household_member_history', 'nhi_eligibility', 'work_item', 'registry_event']) {
    const r = await sql<{ n: number; h: string }>`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '' ORDER BY t::text), '')) AS h FROM ${sql.table(t)} t`.execute(db());
    out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h}`;
  }
  return out;
}

describe('replaying registry events', () => {
  it('changes nothing the second time, in the same or another order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, fc.boolean(), async (people, shuffle) => {
        const b = ++batchNo;
        const lines: Line[] = [];
        let seq = 0;
        people.forEach((p, i) => {
          const atena = String(900_000_000 + b * 100 + i);
          const id = () => `R${b}-${++seq}`;
          const day = (n: number) => `2026-0${1 + n}-1${i}`;
          lines.push({
            event_id: id(), event_code: p.code, occurred_on: day(0), atena_no: atena, household_no: String(800_000_000 + b * 100 + i), relationship: '世帯主', name_kanji: '再生　試験', name_kana: 'サイセイ　シケン',
            birth_date: '1985-01-01', sex: '1', resident_kind: '1', area_code: p.area, banchi: '1-1', other_address: '前住所', other_prefecture_code: p.code === '11' ? '13' : p.code === '12' ? '11' : '',
          });
          for (let m = 0; m < p.moves; m++) lines.push({ event_id: id(), event_code: '31', occurred_on: day(1 + m), atena_no: atena, area_code: p.area, banchi: `${m + 2}-1` });
          if (p.rename) lines.push({ event_id: id(), event_code: '36', occurred_on: day(3), atena_no: atena, name_kanji: '改名　試験', name_kana: 'カイメイ　シケン' });
          if (p.leave) lines.push({ event_id: id(), event_code: p.leave, occurred_on: day(4), atena_no: atena, other_address: '転出先', other_prefecture_code: p.leave === '21' ? '13' : p.leave === '22' ? '11' : '' });
        });
        const first = await f.deps.registry.importFile(actor, csv(lines), { fileName: `replay-${b}.csv` });
        expect(first.taken).toBe(lines.length);
        const before = await snapshot();
        // A replay: same lines, or the same events in another order (each one's 異動連番 is known).
        const again = shuffle ? [...lines].reverse() : lines;
        const second = await f.deps.registry.importFile(actor, csv(again), { fileName: `replay-${b}-again.csv` });
        expect(second).toMatchObject({ taken: 0, skipped: lines.length, automatic: 0, workItems: 0 });
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 15 },
    );
  });
});
