import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFixture, FIXTURE, type Fixture } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { INTAKE_COLUMNS, type IntakeColumn } from '../registry/registry-events.js';
import { FEEDBACK_HEADER, HOUSEHOLDS_HEADER, OUTPUT_OVERLAP_MS, runOutput } from './eligibility.outputs.js';
import { asActor } from '../../testing/as-actor.js';

const F = FIXTURE;
let f: Fixture;
const dir = mkdtempSync(path.join(tmpdir(), 'kokuho-outputs-'));
const actor = (job: string) => operatorActor(job, new Set(['eligibility.update']));
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\r\n');
/** 住所地特例 from 2026-04-01 for a member of the household, in a facility of another city. */
const addressException = (atenaNo: number, householdNo: number, facilityName: string) =>
  asActor(f.deps.database.db, 'operator:test', (tx) =>
    tx.insertInto('nhi_household_status').values({ atena_no: atenaNo, household_no: householdNo, kind: 'address_exception', valid_from: '2026-04-01', facility_name: facilityName, facility_kind: 'disability_support', updated_by: 'operator:test' }).execute(),
  );

beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => f?.close());

describe('資格管理 outputs (registry feedback, 国保連合会 extract)', () => {
  it('the first run lists every person with 資格, each with the household members and the 擬制世帯主', async () => {
    const out = path.join(dir, 'households-1.csv');
    const r = await runOutput(f.deps, 'rengokai-households', { actor: actor('rengokai-households'), outputFile: out });
    const [header, ...rows] = lines(out);
    expect(header).toBe(HOUSEHOLDS_HEADER);
    // The Satos: the mother is insured, the head is not (擬制世帯主, head = 2, no 資格).
    const sato = rows.filter((l) => l.startsWith(`${F.sato.household},`));
    expect(sato).toEqual([expect.stringMatching(new RegExp(`^${F.sato.household},${F.sato.mother},川1,.*,2010-04-01,,,0,1,,0$`)), expect.stringMatching(new RegExp(`^${F.sato.household},${F.sato.head},,,,サトウ　ケン,1980-11-20,1,,,,2,0,,0$`))]);
    expect(rows.filter((l) => l.startsWith(`${F.yamada.household},`)).length).toBe(3);
    expect(r.counts).toMatchObject({ pseudo_heads: 1 });
    // No address leaves through the extract.
    expect(readFileSync(out, 'utf8')).not.toMatch(/みどり町|さくら台|1-2-3|4-5-6/);
    expect(await f.deps.database.db.selectFrom('export_line').selectAll().execute()).toEqual([]);
  });

  it('the next run lists only what changed since: a death from the registry, with the rest of that household', async () => {
    const row = (v: Partial<Record<IntakeColumn, string>>) => INTAKE_COLUMNS.map((c) => v[c] ?? '').join(',');
    const file = new TextEncoder().encode([INTAKE_COLUMNS.join(','), row({ event_id: 'OUT-1', event_code: '25', occurred_on: '2026-11-20', atena_no: String(F.yamada.wife) })].join('\n'));
    const beforeImport = new Date().toISOString();
    await f.deps.registry.importFile(operatorActor('registry-import', new Set(['registry.intake'])), file, { fileName: 'd.csv' });

    const out = path.join(dir, 'households-2.csv');
    // No look-back here: the fixture's own rows may be minutes old (the look-back has its own test).
    await runOutput(f.deps, 'rengokai-households', { actor: actor('rengokai-households'), outputFile: out, overlapMs: 0 });
    const rows = lines(out).slice(1);
    expect(rows.map((l) => l.split(',').slice(0, 2).join(','))).toEqual([`${F.yamada.household},${F.yamada.head}`, `${F.yamada.household},${F.yamada.wife}`, `${F.yamada.household},${F.yamada.child}`]);
    const wife = rows.find((l) => l.split(',')[1] === String(F.yamada.wife))!.split(',');
    expect([wife[9], wife[10], wife[12]]).toEqual(['2026-11-21', 'death', '1']);

    const fb = path.join(dir, 'feedback.csv');
    await runOutput(f.deps, 'registry-feedback', { actor: actor('registry-feedback'), outputFile: fb, since: beforeImport });
    expect(lines(fb)).toEqual([FEEDBACK_HEADER, `${F.yamada.wife},0,2010-04-01,2026-11-21`]);
  });

  it('a 住所地特例 person is listed as the head of their own NHI household, under its 国保世帯番号, not in the household they left', async () => {
    await addressException(F.yamada.child, F.yamada.household, '架空の里(他市)');
    const own = Number((await f.deps.database.db.selectFrom('nhi_household_status').select('own_household_no').where('atena_no', '=', F.yamada.child).where('kind', '=', 'address_exception').executeTakeFirstOrThrow()).own_household_no);
    expect(own).toBeGreaterThanOrEqual(9000000001);
    expect(await f.deps.database.db.selectFrom('household').select('household_no').where('household_no', '=', own).execute()).toEqual([]);

    const out = path.join(dir, 'households-exception.csv');
    const r = await runOutput(f.deps, 'rengokai-households', { actor: actor('rengokai-households'), outputFile: out, since: '2000-01-01T00:00:00.000Z' });
    const rows = lines(out).slice(1).map((l) => l.split(','));
    const child = rows.filter((c) => c[1] === String(F.yamada.child));
    expect(child).toHaveLength(1);
    expect([child[0]![0], child[0]![11], child[0]![14]]).toEqual([String(own), '1', '1']);
    // The household they left lists the others only, none of them flagged.
    expect(rows.filter((c) => c[0] === String(F.yamada.household)).map((c) => [c[1], c[14]])).toEqual([[String(F.yamada.head), '0']].concat(rows.some((c) => c[1] === String(F.yamada.wife)) ? [[String(F.yamada.wife), '0']] : []));
    expect(r.counts).toMatchObject({ address_exceptions: 1 });
  });

  it('a household whose registry head is away under 住所地特例 is listed without a head line, and counted', async () => {
    // The Yamadas' head, insured, goes into a facility elsewhere under 住所地特例 too (the child already has).
    await addressException(F.yamada.head, F.yamada.household, '架空の苑(他市)');
    const out = path.join(dir, 'households-head-away.csv');
    const r = await runOutput(f.deps, 'rengokai-households', { actor: actor('rengokai-households'), outputFile: out, since: '2000-01-01T00:00:00.000Z' });
    const rows = lines(out).slice(1).map((l) => l.split(','));
    // The wife (her death is a change of the window) only: no head line for a head in an NHI household of their own.
    expect(rows.filter((c) => c[0] === String(F.yamada.household)).map((c) => [c[1], c[11]])).toEqual([[String(F.yamada.wife), '0']]);
    expect(rows.filter((c) => c[1] === String(F.yamada.head)).map((c) => [c[11], c[14]])).toEqual([['1', '1']]);
    expect(r.counts).toMatchObject({ without_head: 1 });
  });

  it('the next run looks back before the previous one ended: a version committed late is not lost', async () => {
    const first = await runOutput(f.deps, 'registry-feedback', { actor: actor('registry-feedback'), outputFile: path.join(dir, 'late-1.csv'), since: new Date().toISOString() });
    // A transaction that stamped its version a second before that run began, committing only after it.
    const stamped = new Date(Date.parse(first.window.until) - 1000);
    await asActor(f.deps.database.db, 'operator:late-writer', async (tx) => {
      await tx.updateTable('nhi_eligibility').set({ recorded_at: stamped }).where('atena_no', '=', F.yamada.child).where('superseded_at', 'is', null).execute();
    });
    const out = path.join(dir, 'late-2.csv');
    const second = await runOutput(f.deps, 'registry-feedback', { actor: actor('registry-feedback'), outputFile: out });
    expect(Date.parse(second.window.since)).toBe(Date.parse(first.window.until) - OUTPUT_OVERLAP_MS);
    expect(lines(out).slice(1).map((l) => l.split(',')[0])).toContain(String(F.yamada.child));
  });

  it('a run killed after its first chunk resumes to the same file as an uninterrupted run', async () => {
    const since = '2000-01-01T00:00:00.000Z';
    const whole = path.join(dir, 'whole.csv');
    await runOutput(f.deps, 'registry-feedback', { actor: actor('registry-feedback'), outputFile: whole, since, chunkSize: 1 });
    const killed = path.join(dir, 'killed.csv');
    const first = runOutput(f.deps, 'registry-feedback', {
      actor: actor('registry-feedback'),
      outputFile: killed,
      since,
      chunkSize: 1,
      onProgress: ({ done }) => {
        if (done === 1) throw new Error('killed');
      },
    });
    await expect(first).rejects.toThrow('killed');
    const resumed = await runOutput(f.deps, 'registry-feedback', { actor: actor('registry-feedback'), outputFile: killed, since, chunkSize: 1 });
    expect(resumed.resumed).toBe(true);
    expect(readFileSync(killed, 'utf8')).toBe(readFileSync(whole, 'utf8'));
    const audit = await f.deps.database.db.selectFrom('audit_event').select('action').where('action', '=', 'registry_feedback.write').execute();
    expect(audit.length).toBeGreaterThan(0);
  });
});
