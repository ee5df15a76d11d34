import { writeFileSync } from 'node:fs';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { runBatch, type BatchJob, type RunSummary } from '../../platform/batch/batch-runner.js';
import type { Actor } from '../../security/actor.js';
import { todayInJapan } from './eligibility.rules.js';

/**
 * Outputs of 資格管理, as named, audited, resumable batch jobs over the changes of a window of system
 * time (since the previous completed run of the same job, less OUTPUT_OVERLAP_MS, up to this run's start):
 *
 *  - `registry-feedback` 住民票記載データ: for each person whose 資格 changed, whether they are insured and
 *    their 資格取得日/喪失日, for the resident registry's 国民健康保険の被保険者該当 items;
 *  - `rengokai-households` 異動世帯の抽出: for each household with a changed insured person, every changed
 *    person plus every insured member of that household and its 世帯主 — the 擬制世帯主 included (the
 *    head who is not insured) — for the exchange with the 国保連合会.
 *
 * No address is written to either file (so a DV等支援措置 address cannot leave through them). Each chunk
 * writes its lines into `export_line` with its checkpoint; `finish` writes the file and deletes them.
 */

export interface OutputWindow {
  /** Changes recorded after this moment (ISO; the previous completed run's `until`, or the start of records). */
  since: string;
  /** … and up to this moment (this run's start; kept for a resume). */
  until: string;
  /** The day 'insured' is judged on (Japan, the day of `until`). */
  asOf: string;
}

type Q = Kysely<DB> | Transaction<DB>;

/** Persons with a version of 資格 recorded or superseded within the window. */
function changedPersons(q: Q, w: OutputWindow) {
  return q
    .selectFrom('nhi_eligibility')
    .select('atena_no')
    .distinct()
    .where((eb) => eb.or([eb.and([eb('recorded_at', '>', new Date(w.since)), eb('recorded_at', '<=', new Date(w.until))]), eb.and([eb('superseded_at', '>', new Date(w.since)), eb('superseded_at', '<=', new Date(w.until))])]));
}

const csvField = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csvLine = (fields: (string | number | null)[]) => fields.map(csvField).join(',');

async function stage(tx: Transaction<DB>, runId: string, chunkNo: number, lines: string[]) {
  if (lines.length === 0) return;
  await tx
    .insertInto('export_line')
    .values(lines.map((line, i) => ({ run_id: runId, seq: chunkNo * 1_000_000 + i, line })))
    .execute();
}

async function writeStaged(db: Kysely<DB>, runId: string, header: string, outputFile: string | undefined) {
  const rows = await db.selectFrom('export_line').select('line').where('run_id', '=', runId).orderBy('seq').execute();
  if (outputFile) writeFileSync(outputFile, [header, ...rows.map((r) => r.line)].join('\r\n') + '\r\n');
  await db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${'system:export'}, true)`.execute(tx);
    await tx.deleteFrom('export_line').where('run_id', '=', runId).execute();
  });
}

export const FEEDBACK_HEADER = 'atena_no,nhi_insured,acquired_on,lost_on';

/** 住民票記載データ: one line per changed person (their latest period; insured as of `asOf`). */
export function registryFeedbackJob(): BatchJob<OutputWindow, { atenaNo: number }> {
  return {
    name: 'registry-feedback',
    label: '住民票記載データ(国保の資格)',
    functionCode: 'eligibility.update',
    async remaining(db, w) {
      return Number((await db.selectFrom(changedPersons(db, w).as('c')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    },
    async chunk(tx, ctx) {
      const w = ctx.params;
      const after = ctx.cursor?.atenaNo ?? 0;
      const persons = (await changedPersons(tx, w).where('atena_no', '>', after).orderBy('atena_no').limit(ctx.chunkSize).execute()).map((r) => Number(r.atena_no));
      if (persons.length === 0) return null;
      const periods = await tx
        .selectFrom('nhi_eligibility')
        .select(['atena_no', 'acquired_on', 'lost_on'])
        .where('atena_no', 'in', persons)
        .where('superseded_at', 'is', null)
        .orderBy('atena_no')
        .orderBy('acquired_on')
        .execute();
      const latest = new Map<number, { acquired_on: string; lost_on: string | null }>();
      const insured = new Set<number>();
      for (const p of periods) {
        latest.set(Number(p.atena_no), p);
        if (p.acquired_on <= w.asOf && (p.lost_on === null || p.lost_on > w.asOf)) insured.add(Number(p.atena_no));
      }
      const lines = persons.map((a) => {
        const p = latest.get(a);
        return csvLine([a, insured.has(a) ? 1 : 0, p?.acquired_on ?? null, p?.lost_on ?? null]);
      });
      await stage(tx, ctx.runId, ctx.chunkNo, lines);
      return { cursor: { atenaNo: persons[persons.length - 1]! }, processed: persons.length, counts: { persons: persons.length, insured: insured.size }, audit: { action: 'registry_feedback.write', subjects: persons, detail: { lines: lines.length } } };
    },
    async finish(db, ctx) {
      await writeStaged(db, ctx.runId, FEEDBACK_HEADER, ctx.outputFile);
    },
  };
}

export const HOUSEHOLDS_HEADER = 'household_no,atena_no,insured_symbol,insured_number,branch_no,name_kana,birth_date,sex,acquired_on,lost_on,loss_reason,head,changed,prefecture_acquired_on,address_exception';

/** Households touched by the window's changes: the 資格's household and the person's registry household. */
function changedHouseholds(q: Q, w: OutputWindow) {
  const persons = changedPersons(q, w);
  return q
    .selectFrom('nhi_eligibility')
    .select('household_no')
    .where('atena_no', 'in', persons)
    .union(q.selectFrom('household_member').select('household_no').where('atena_no', 'in', changedPersons(q, w)).where('valid_to', 'is', null));
}

/** 異動世帯の抽出 for the 国保連合会: per household (ordered), the changed persons, the insured members and the head. */
export function rengokaiHouseholdsJob(): BatchJob<OutputWindow, { householdNo: number }> {
  return {
    name: 'rengokai-households',
    label: '異動世帯の抽出(国保連合会)',
    functionCode: 'eligibility.update',
    async remaining(db, w) {
      return Number((await db.selectFrom(changedHouseholds(db, w).as('h')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    },
    async chunk(tx, ctx) {
      const w = ctx.params;
      const after = ctx.cursor?.householdNo ?? 0;
      const households = (await tx.selectFrom(changedHouseholds(tx, w).as('h')).select('household_no').where('household_no', '>', after).orderBy('household_no').limit(ctx.chunkSize).execute()).map((r) => Number(r.household_no));
      if (households.length === 0) return null;
      const changed = new Set((await changedPersons(tx, w).execute()).map((r) => Number(r.atena_no)));
      // Current versions of the households' periods: insured on asOf, or belonging to a changed person.
      const periods = await tx
        .selectFrom('nhi_eligibility as n')
        .innerJoin('person as p', 'p.atena_no', 'n.atena_no')
        .select(['n.household_no', 'n.atena_no', 'n.insured_symbol', 'n.insured_number', 'n.branch_no', 'n.acquired_on', 'n.prefecture_acquired_on', 'n.lost_on', 'n.loss_reason', 'p.name_kana', 'p.birth_date', 'p.sex'])
        .where('n.household_no', 'in', households)
        .where('n.superseded_at', 'is', null)
        .orderBy('n.household_no')
        .orderBy('n.atena_no')
        .orderBy('n.acquired_on')
        .execute();
      const heads = await tx
        .selectFrom('household_member as m')
        .innerJoin('person as p', 'p.atena_no', 'm.atena_no')
        .select(['m.household_no', 'm.atena_no', 'p.name_kana', 'p.birth_date', 'p.sex'])
        .where('m.household_no', 'in', households)
        .where('m.relationship', '=', 'head')
        .where('m.valid_to', 'is', null)
        .execute();
      // 住所地特例 on the day: the person is a one-person NHI household of their own (国保法 §116の2), listed
      // under its 国保世帯番号 as its head, not in the household they came from.
      const ownHousehold = new Map(
        (
          await tx
            .selectFrom('nhi_household_status')
            .select(['atena_no', 'own_household_no'])
            .where('kind', '=', 'address_exception')
            .where('household_no', 'in', households)
            .where('valid_from', '<=', w.asOf)
            .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', w.asOf)]))
            .execute()
        ).map((r) => [Number(r.atena_no), Number(r.own_household_no)]),
      );
      const lines: string[] = [];
      const subjects = new Set<number>();
      let pseudoHeads = 0;
      let addressExceptions = 0;
      let withoutHead = 0;
      for (const h of households) {
        const headRow = heads.find((x) => Number(x.household_no) === h);
        const headNo = headRow ? Number(headRow.atena_no) : null;
        const rows = periods.filter((p) => Number(p.household_no) === h);
        // The latest current version per person of this household.
        const byPerson = new Map<number, (typeof rows)[number]>();
        for (const r of rows) byPerson.set(Number(r.atena_no), r);
        const insuredOn = (r: (typeof rows)[number]) => r.acquired_on <= w.asOf && (r.lost_on === null || r.lost_on > w.asOf);
        const listed = [...byPerson.values()].filter((r) => insuredOn(r) || changed.has(Number(r.atena_no)));
        const shown = listed.filter((r) => !ownHousehold.has(Number(r.atena_no)));
        const line = (householdNo: number, r: (typeof rows)[number], head: number, exception: number) => {
          const a = Number(r.atena_no);
          subjects.add(a);
          lines.push(csvLine([householdNo, a, r.insured_symbol, r.insured_number, r.branch_no, r.name_kana, r.birth_date, r.sex === 'male' ? 1 : 2, r.acquired_on, r.lost_on, r.loss_reason, head, changed.has(a) ? 1 : 0, r.prefecture_acquired_on, exception]));
        };
        for (const r of shown) line(h, r, Number(r.atena_no) === headNo ? 1 : 0, 0);
        if (shown.length > 0 && !shown.some((r) => Number(r.atena_no) === headNo)) {
          if (headRow && headNo !== null && !ownHousehold.has(headNo)) {
            // 擬制世帯主: the head is the 納税義務者 even when not insured; listed with no 資格.
            pseudoHeads++;
            subjects.add(headNo);
            lines.push(csvLine([h, headNo, null, null, null, headRow.name_kana, headRow.birth_date, headRow.sex === 'male' ? 1 : 2, null, null, null, 2, changed.has(headNo) ? 1 : 0, null, 0]));
          } else {
            // No taxpayer to name: the registry has no head for the household on the day, or its head is
            // away under 住所地特例 (their own NHI household). Listed without a head line and counted, so
            // that the registry's 世帯主変更 is checked before the file goes to the 国保連合会.
            withoutHead++;
          }
        }
        for (const r of listed.filter((x) => ownHousehold.has(Number(x.atena_no)))) {
          addressExceptions++;
          line(ownHousehold.get(Number(r.atena_no))!, r, 1, 1);
        }
      }
      await stage(tx, ctx.runId, ctx.chunkNo, lines);
      return {
        cursor: { householdNo: households[households.length - 1]! },
        processed: households.length,
        counts: { households: households.length, lines: lines.length, pseudo_heads: pseudoHeads, address_exceptions: addressExceptions, without_head: withoutHead },
        audit: { action: 'rengokai_households.write', subjects: [...subjects], detail: { lines: lines.length } },
      };
    },
    async finish(db, ctx) {
      await writeStaged(db, ctx.runId, HOUSEHOLDS_HEADER, ctx.outputFile);
    },
  };
}

/**
 * The window of a run: an interrupted run of the job is resumed with its own window; otherwise from the
 * previous completed run's `until` (or `since` when given) up to now.
 */
/**
 * How far the next run looks back before the previous run's end. A version is stamped with the time its
 * transaction wrote it, which may commit after a run has started and so be invisible to it; looking back
 * catches it next time. The files carry each person's and household's state, so a repeat is harmless.
 */
export const OUTPUT_OVERLAP_MS = 10 * 60_000;

export async function outputWindow(db: Kysely<DB>, job: string, since: string | undefined, now: Date = new Date(), overlapMs = OUTPUT_OVERLAP_MS): Promise<OutputWindow> {
  const open = await db.selectFrom('job_run').select('params').where('job', '=', job).where('pid', 'is not', null).where('status', 'in', ['running', 'failed']).orderBy('started_at', 'desc').executeTakeFirst();
  if (open) return (typeof open.params === 'string' ? JSON.parse(open.params) : open.params) as OutputWindow;
  const last = await db.selectFrom('job_run').select('params').where('job', '=', job).where('status', '=', 'completed').orderBy('started_at', 'desc').executeTakeFirst();
  const previous = last ? new Date(Date.parse(((typeof last.params === 'string' ? JSON.parse(last.params) : last.params) as OutputWindow).until) - overlapMs).toISOString() : '1961-04-01T00:00:00.000Z';
  return { since: since ?? previous, until: now.toISOString(), asOf: todayInJapan(now) };
}

export async function runOutput(deps: Pick<Deps, 'database' | 'audit'>, which: 'registry-feedback' | 'rengokai-households', opts: { actor: Actor; outputFile: string; since?: string; overlapMs?: number; chunkSize?: number; onProgress?: (p: { done: number; total: number }) => void }): Promise<RunSummary & { window: OutputWindow }> {
  const job = which === 'registry-feedback' ? registryFeedbackJob() : rengokaiHouseholdsJob();
  const window = await outputWindow(deps.database.db, job.name, opts.since, new Date(), opts.overlapMs);
  const summary = await runBatch(deps, job as BatchJob<OutputWindow, unknown>, window, { actor: opts.actor, chunkSize: opts.chunkSize ?? 1000, outputFile: opts.outputFile, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  return { ...summary, window };
}
