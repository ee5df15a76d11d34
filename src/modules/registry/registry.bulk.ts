import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { anyBigint, anyText } from '../../db/any-of.js';
import { copyValue } from '../../db/copy-text.js';
import { copiedInput, jsonInput, type RowsInput } from '../../db/rows-input.js';
import { kanaSearchKey, kanjiSearchKey } from '../../lib/kana.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import { addDays, automaticLoss, errorsMessage, todayInJapan, type AcquisitionReason, type LossReason, type MovedOutDestination } from '../eligibility/eligibility.rules.js';
import type { ChangeReason, Relationship } from '../person/person.rules.js';
import { effectsOf, type Effect, type EventFacts } from './intake-effects.rules.js';
import { CHANGE_REASON_OF, contentText, EventRejection, lossReasonOf, relationshipOf, sha256OfContent } from './registry.apply.js';
import { REGISTRY_EVENT_KINDS, type RegistryEvent, type RegistryEventCode } from './registry-events.js';
import { queueReassessment, type ReassessmentCause } from '../assessment/reassessment-queue.js';

/**
 * Events that change who belongs to a household or who heads it (転入・出生・職権記載, 転出・死亡・職権消除,
 * 世帯分離・合併・世帯主変更・世帯変更): in a household someone is insured in, they can change its
 * 国民健康保険税 (the taxpayer, 擬制世帯主, the 軽減 judgement), so they queue a 更正.
 */
const TAX_RELEVANT_CODES: ReadonlySet<string> = new Set(['11', '12', '13', '14', '15', '21', '22', '24', '25', '26', '32', '33', '34', '35']);
const MOVED_OUT_DESTINATION_OF: Partial<Record<RegistryEventCode, MovedOutDestination>> = { '21': 'other_prefecture', '22': 'within_prefecture', '24': 'abroad' };

/**
 * The registry intake as a whole batch: the events are applied in order to an in-memory image of the
 * persons, households, memberships and 資格 periods they touch (read in a few queries), with the same
 * checks and rules as one event at a time; the changes are then written with a few set-based statements
 * per kind of row. A person changed by several events of the batch gets one UPDATE per event, in order
 * ("waves"), so the history triggers keep every version. A 世帯主 set into a household that already has
 * members forces the writes so far out first (the one-head index must see the old head leave first).
 */

/** The person columns the registry writes. */
export const PERSON_COLS = {
  name_kanji: 'text', name_kana: 'text', name_kanji_key: 'text', name_kana_key: 'text', alias_kanji: 'text', alias_kana: 'text', alias_kanji_key: 'text', alias_kana_key: 'text',
  birth_date: 'date', sex: 'text', resident_kind: 'text', resident_status: 'text', became_resident_on: 'date', area_code: 'text', banchi: 'text', katagaki: 'text', address_set_on: 'date',
  previous_address: 'text', moved_out_to: 'text', moved_out_on: 'date', moved_out_destination: 'text', death_date: 'date', residence_status: 'text', residence_expires_on: 'date', dv_support: 'boolean',
  valid_from: 'date', change_reason: 'text', reported_on: 'date', updated_by: 'text',
} as const;
type PersonCol = keyof typeof PERSON_COLS;
type PersonRow = { atena_no: number } & { [K in PersonCol]: string | boolean | null };

interface Member {
  key: number; // member_id, or a negative temporary key until inserted
  household_no: number;
  atena_no: number;
  relationship: Relationship;
  member_order: number;
  valid_from: string;
  valid_to: string | null;
  change_reason: ChangeReason;
}
type MemberOp = { kind: 'insert'; m: Member } | { kind: 'update'; m: Member };

interface Period {
  key: number; // eligibility_id, or negative until inserted
  atena_no: number;
  household_no: number;
  insured_symbol: string;
  insured_number: string;
  branch_no: string;
  acquired_on: string;
  acquisition_reason: AcquisitionReason;
  prefecture_acquired_on: string | null;
  lost_on: string | null;
  loss_reason: LossReason | null;
  acquisition_reported_on: string | null;
  loss_reported_on: string | null;
  acquisition_retroactive: boolean;
  loss_retroactive: boolean;
  superseded: boolean;
}

export interface BulkResult {
  taken: number;
  skipped: number;
  automatic: number;
  workItems: number;
  subjects: number[];
  /** Rejected events by their index in the batch. */
  errors: { index: number; message: string }[];
}


/** Time spent per phase of applyBatch, summed over calls: recorded only when the registry bench turns it on. */
export const BULK_PROFILE: { enabled: boolean; phases: Record<string, number> } = { enabled: false, phases: {} };
export const phase = (name: string, t0: number) => {
  if (BULK_PROFILE.enabled) BULK_PROFILE.phases[name] = (BULK_PROFILE.phases[name] ?? 0) + (performance.now() - t0);
  return performance.now();
};

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The columns of registry_event the intake writes (received_at is the server's clock). */
const EVENT_COLUMNS = ['event_id', 'event_code', 'occurred_on', 'reported_on', 'atena_no', 'content', 'content_sha256', 'source', 'job_run_id', 'received_by'] as const;

export interface BatchOptions {
  by: string;
  source: 'file' | 'api';
  jobRunId: string | null;
  today?: string;
  /** COPY into a table inside the batch's transaction (Database.copyIn bound to it). */
  copyIn: (table: string, columns: readonly string[], tsv: string) => Promise<void>;
  /** Whether the events' COPY runs while the batch is applied in memory (PostgreSQL; PGlite's COPY must run alone). */
  overlapCopy: boolean;
  /**
   * Send the person, household and membership writes every this many events while the loop goes on, so
   * the server writes while Node applies the next events (PostgreSQL: 5,000; docs/benchmarks.md, registry); null: all at the end.
   */
  writeEvery: number | null;
  /** Rows into the set-based writes by COPY into temporary tables (PostgreSQL), or as JSON (PGlite). */
  copyRows: boolean;
  /** With copyRows, the fewest rows that go by COPY (fewer go as JSON); default 100. */
  copyRowsFrom?: number;
  /** Where the rows that need no lock are read (PostgreSQL: Database.sideReads, a connection of its own); default: the transaction. */
  sideReads?: Kysely<DB>;
}

export async function applyBatch(tx: Kysely<DB>, events: readonly RegistryEvent[], opts: BatchOptions): Promise<BulkResult> {
  const today = opts.today ?? todayInJapan();
  const by = opts.by;
  const errors: BulkResult['errors'] = [];
  if (events.length === 0) return { taken: 0, skipped: 0, automatic: 0, workItems: 0, subjects: [], errors };

  let tP = performance.now();
  const rowsIn: RowsInput = opts.copyRows ? copiedInput(tx, opts.copyIn, opts.copyRowsFrom ?? 100) : jsonInput;
  // ---- read what the batch touches ----
  // Intakes run one at a time (a file and the API's pushes alike): the registry is the only writer of
  // households and memberships, so those are read without row locks. Persons stay locked: other areas
  // lock a person's row to decide on it (a 資格 approval against the death date, …) and wait for us.
  // What needs no lock is read on opts.sideReads (PostgreSQL: a connection of its own) while
  // this transaction locks the persons and stores the events: two server processes work at once. Before
  // the batch writes, both connections see the same committed rows (READ COMMITTED either way).
  // With the lock, in the same round trip: no parallel workers for the batch's statements. On a small
  // server they take the cores Node and the side connection need, for lookups an index does alone
  // (PostgreSQL CPU −5 to −15% for the same events, docs/benchmarks.md). The side connection is opened
  // with the same setting (database.ts).
  await sql`SELECT pg_advisory_xact_lock(hashtext('registry.intake')), set_config('max_parallel_workers_per_gather', '0', true)`.execute(tx);
  const side = opts.sideReads ?? tx;
  const ids = events.map((e) => e.eventId);
  const atenas = [...new Set(events.map((e) => e.atenaNo))];
  const seenRead = side.selectFrom('registry_event').select(['event_id', 'content_sha256']).where(anyText('event_id', ids)).execute();
  const personsRead = tx.selectFrom('person').select(['atena_no', ...(Object.keys(PERSON_COLS) as PersonCol[])]).where(anyBigint('atena_no', atenas)).forUpdate().execute();
  const minDay = events.reduce((m, e) => (e.occurredOn < m ? e.occurredOn : m), events[0]!.occurredOn);
  const householdsRead = readHouseholds(side, events, atenas, minDay);
  for (const p of [seenRead, personsRead, householdsRead]) p.catch(() => undefined); // each awaited below
  const seen = new Map((await seenRead).map((r) => [r.event_id, r.content_sha256]));
  tP = phase('read: lock + seen events', tP);

  // ---- the events as received ----
  // Every event not taken before is stored now, by COPY: a rejected event rejects the whole batch, whose
  // transaction then stores nothing. On PostgreSQL the server writes them while the rest is read and
  // while the loop below applies the events; PGlite's COPY is awaited first.
  // Each event's JSON text once: stored as its content, and hashed (a replay is recognised by the hash).
  const shaOf = new Map<string, string>();
  const eventRows: string[] = [];
  for (const e of events) {
    const content = contentText(e);
    const sha = sha256OfContent(content);
    shaOf.set(e.eventId, sha);
    if (!seen.has(e.eventId)) eventRows.push([e.eventId, e.eventCode, e.occurredOn, e.reportedOn, e.atenaNo, content, sha, opts.source, opts.jobRunId, by].map(copyValue).join('\t'));
  }
  const persons = new Map<number, PersonRow>();
  for (const r of await personsRead) persons.set(Number(r.atena_no), { ...(r as unknown as PersonRow), atena_no: Number(r.atena_no) });
  const existedBefore = new Set(persons.keys());
  tP = phase('read: persons', tP);
  const storeEvents = () => (eventRows.length ? opts.copyIn('registry_event', EVENT_COLUMNS, `${eventRows.join('\n')}\n`) : Promise.resolve());
  let stored = opts.overlapCopy ? storeEvents() : Promise.resolve();
  stored.catch(() => undefined); // awaited after the loop; meanwhile not an unhandled rejection
  const { members, nhiOwnNumbers, households, areas } = await householdsRead;
  if (!opts.overlapCopy) await (stored = storeEvents()); // PGlite: the COPY runs alone, after the reads
  tP = phase('read: members, households, areas', tP);
  // Indexes of the image (the batch may name tens of thousands of persons).
  const byAtena = new Map<number, Member[]>();
  const byHousehold = new Map<number, Member[]>();
  const push = <K, V>(map: Map<K, V[]>, k: K, v: V) => {
    const list = map.get(k);
    if (list) list.push(v);
    else map.set(k, [v]);
  };
  const index = (m: Member) => {
    push(byAtena, m.atena_no, m);
    push(byHousehold, m.household_no, m);
  };
  for (const m of members) index(m);
  const ofAtena = (a: number) => byAtena.get(a) ?? [];
  const ofHousehold = (h: number) => byHousehold.get(h) ?? [];
  const periodPersons = [...new Set([...atenas, ...members.map((m) => m.atena_no)])];
  const periods: Period[] = (
    await side.selectFrom('nhi_eligibility').select(['eligibility_id', 'atena_no', 'household_no', 'insured_symbol', 'insured_number', 'branch_no', 'acquired_on', 'acquisition_reason', 'prefecture_acquired_on', 'lost_on', 'loss_reason', 'acquisition_reported_on', 'loss_reported_on', 'acquisition_retroactive', 'loss_retroactive']).where(anyBigint('atena_no', periodPersons)).where('superseded_at', 'is', null).execute()
  ).map((p) => ({ ...p, key: Number(p.eligibility_id), atena_no: Number(p.atena_no), household_no: Number(p.household_no), superseded: false }));
  const periodsBy = new Map<number, Period[]>();
  for (const p of periods) push(periodsBy, p.atena_no, p);
  const periodsOf = (a: number) => periodsBy.get(a) ?? [];
  const insertedHere = new Set<number>();

  tP = phase('read: periods', tP);
  // ---- pending writes ----
  let tempKey = -1;
  const personWrites: { row: PersonRow; insert: boolean }[] = [];
  const householdInserts: { household_no: number; formed_on: string; valid_from: string; change_reason: ChangeReason; updated_by: string }[] = [];
  const householdUpdates: { household_no: number; dissolved_on: string | null; valid_from: string; change_reason: ChangeReason }[] = [];
  const memberOps: MemberOp[] = [];
  const newEvents: RegistryEvent[] = [];
  const workItems: { kind: string; atena_no: number; household_no: number | null; event_id: string; suggested_date: string | null; basis: string; eligibility_key: number | null }[] = [];
  const supersede: number[] = [];
  const newPeriods: Period[] = [];
  const subjects = new Set<number>();
  const reassessments: ReassessmentCause[] = [];
  let skipped = 0;
  let automatic = 0;
  const realKeys = new Map<number, number>(); // temporary member key → member_id

  // Person, household and membership writes go out in the order of the events, one batch after another:
  // every opts.writeEvery events while the loop goes on (the server writes while Node applies the next
  // events), and whenever a 世帯主 joins a household that has members (the one-head index must see an old
  // head leave first). Each batch takes the writes pending when it is sent; a failed batch stops the chain,
  // and its error comes out where the chain is awaited.
  let writing: Promise<void> = Promise.resolve();
  const flushPersonsAndMembers = (): Promise<void> => {
    const personRows = personWrites.splice(0);
    const householdRows = householdInserts.splice(0);
    const memberRows = memberOps.splice(0);
    writing = writing.then(async () => {
      let t = performance.now();
      await writePersons(tx, personRows, rowsIn);
      t = phase('flush: persons', t);
      if (householdRows.length) await tx.insertInto('household').values(householdRows).execute();
      t = phase('flush: households', t);
      await writeMembers(tx, memberRows, realKeys, by, rowsIn);
      phase('flush: members', t);
    });
    writing.catch(() => undefined); // awaited later; meanwhile not an unhandled rejection
    return writing;
  };


  // After a rejected event, later events of the same person are not tried (they would fail for its sake).
  const rejectedPersons = new Set<number>();
  const overlapping = opts.overlapCopy || opts.writeEvery !== null;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (opts.writeEvery !== null && i % opts.writeEvery === opts.writeEvery - 1) void flushPersonsAndMembers();
    // Every 100 events, let the connection send (the COPY, the next statement of the writes) and take the
    // server's answers: each statement of a batch of writes goes out only when the previous one is answered.
    if (overlapping && i % 100 === 99) await yieldToEventLoop();
    if (rejectedPersons.has(e.atenaNo)) continue;
    const sha = shaOf.get(e.eventId)!;
    const prior = seen.get(e.eventId);
    if (prior !== undefined) {
      if (prior === sha) skipped++;
      else errors.push({ index: i, message: `異動連番「${e.eventId}」は取込み済みですが、内容が異なります(同じ異動連番で別の内容は受け付けません)` });
      continue;
    }
    try {
      const reason = CHANGE_REASON_OF[e.eventCode];
      const kind = REGISTRY_EVENT_KINDS[e.eventCode];
      const person = persons.get(e.atenaNo);
      const reject = (message: string): never => {
        throw new EventRejection(e.eventId, message);
      };
      if (e.householdNo && nhiOwnNumbers.has(e.householdNo)) reject(`世帯番号 ${e.householdNo} は国保の住所地特例世帯の国保世帯番号です(住民記録の世帯番号と重なっています)`);
      const requireArea = () => {
        if (e.areaCode && !areas.has(e.areaCode)) reject(`町丁目コード ${e.areaCode} は住所コードの一覧にありません`);
      };
      const base = { valid_from: e.occurredOn, change_reason: reason, reported_on: e.reportedOn, updated_by: by };
      const write = (changes: Partial<PersonRow>) => {
        const row = { ...persons.get(e.atenaNo)!, ...changes, ...base } as PersonRow;
        persons.set(e.atenaNo, row);
        personWrites.push({ row, insert: false });
      };
      // Membership: what joinHousehold / leaveHousehold do, on the image.
      const currentOf = (atena: number) => ofAtena(atena).find((m) => m.valid_to === null);
      const dissolveIfEmpty = (hh: number, on: string) => {
        if (!ofHousehold(hh).some((m) => m.valid_to === null)) {
          households.set(hh, { dissolved_on: on });
          householdUpdates.push({ household_no: hh, dissolved_on: on, valid_from: on, change_reason: reason });
        }
      };
      const join = async () => {
        const hh = e.householdNo!;
        const relationship = relationshipOf(e.relationship!);
        const h = households.get(hh);
        if (!h) {
          households.set(hh, { dissolved_on: null });
          householdInserts.push({ household_no: hh, formed_on: e.occurredOn, valid_from: e.occurredOn, change_reason: reason, updated_by: by });
        } else if (h.dissolved_on !== null) {
          households.set(hh, { dissolved_on: null });
          householdUpdates.push({ household_no: hh, dissolved_on: null, valid_from: e.occurredOn, change_reason: reason });
        }
        if (relationship === 'head') {
          const head = ofHousehold(hh).find((m) => m.valid_to === null && m.relationship === 'head');
          if (head && head.atena_no !== e.atenaNo) reject(`世帯番号 ${hh} には世帯主(宛名番号 ${head.atena_no})がいます。先に元の世帯主の続柄を変更する異動を記載してください`);
          // The one-head index must see earlier changes of this household (a head leaving) first.
          if (ofHousehold(hh).length > 0) await flushPersonsAndMembers();
        }
        const current = currentOf(e.atenaNo);
        if (current && current.household_no === hh && current.relationship === relationship) return;
        if (current) {
          if (current.valid_from > e.occurredOn) reject(`異動日(${d(e.occurredOn)})が現在の世帯への記載日(${d(current.valid_from)})より前です`);
          const from = current.household_no;
          if (current.valid_from === e.occurredOn) {
            if (from !== hh) {
              byHousehold.set(from, ofHousehold(from).filter((m) => m !== current));
              push(byHousehold, hh, current);
            }
            Object.assign(current, { household_no: hh, relationship, change_reason: reason });
            memberOps.push({ kind: 'update', m: { ...current } });
            if (from !== hh) dissolveIfEmpty(from, e.occurredOn);
            return;
          }
          Object.assign(current, { valid_to: e.occurredOn, change_reason: reason });
          memberOps.push({ kind: 'update', m: { ...current } });
        }
        const order = Math.max(0, ...ofHousehold(hh).filter((m) => m.valid_to === null).map((m) => m.member_order));
        const m: Member = { key: tempKey--, household_no: hh, atena_no: e.atenaNo, relationship, member_order: relationship === 'head' ? 1 : order + 1, valid_from: e.occurredOn, valid_to: null, change_reason: reason };
        index(m);
        memberOps.push({ kind: 'insert', m: { ...m } });
        if (current && current.household_no !== hh) dissolveIfEmpty(current.household_no, e.occurredOn);
      };
      const leave = (from: string) => {
        const current = currentOf(e.atenaNo);
        if (!current) return;
        if (current.valid_from >= from) reject(`異動日(${d(e.occurredOn)})の時点で世帯に記載されていません(世帯への記載日 ${d(current.valid_from)})。記載と同じ日の消除は、記載の異動を取り消してから記載してください`);
        Object.assign(current, { valid_to: from, change_reason: reason });
        memberOps.push({ kind: 'update', m: { ...current } });
        dissolveIfEmpty(current.household_no, from);
      };

      if (kind.group === 'record') {
        if (person && person.resident_status === 'resident') reject(`宛名番号 ${e.atenaNo} は既に住民として記載されています(${kind.label}できません)`);
        if (person && person.resident_status === 'deceased') reject(`宛名番号 ${e.atenaNo} は死亡により消除されています`);
        requireArea();
        const row: PersonRow = {
          atena_no: e.atenaNo,
          name_kanji: e.nameKanji, name_kana: e.nameKana, name_kanji_key: kanjiSearchKey(e.nameKanji!), name_kana_key: kanaSearchKey(e.nameKana!),
          alias_kanji: e.aliasKanji, alias_kana: e.aliasKana, alias_kanji_key: e.aliasKanji ? kanjiSearchKey(e.aliasKanji) : null, alias_kana_key: e.aliasKana ? kanaSearchKey(e.aliasKana) : null,
          birth_date: e.birthDate, sex: e.sex, resident_kind: e.residentKind, resident_status: 'resident', became_resident_on: e.occurredOn, area_code: e.areaCode, banchi: e.banchi, katagaki: e.katagaki,
          address_set_on: e.occurredOn, previous_address: e.otherAddress, moved_out_to: null, moved_out_on: null, moved_out_destination: null, death_date: person?.death_date ?? null, residence_status: e.residenceStatus, residence_expires_on: e.residenceExpiresOn,
          dv_support: person?.dv_support ?? false, ...base,
        };
        persons.set(e.atenaNo, row);
        const insert = !person && !existedBefore.has(e.atenaNo) && !insertedHere.has(e.atenaNo);
        if (insert) insertedHere.add(e.atenaNo);
        personWrites.push({ row, insert });
        await join();
      } else {
        if (!person) reject(`宛名番号 ${e.atenaNo} の住民は記載されていません(先に記載の異動が必要です)`);
        if (person!.resident_status !== 'resident') reject(`宛名番号 ${e.atenaNo} は住民ではありません(${person!.resident_status === 'deceased' ? '死亡' : '転出'}により消除済み)`);
        switch (e.eventCode) {
          case '21':
          case '22':
          case '24':
          case '26':
            // Where the person went decides the 喪失日 (国保法 §8 ただし書): another prefecture, within it, abroad.
            write({ resident_status: 'moved_out', moved_out_on: e.occurredOn, moved_out_to: e.otherAddress, moved_out_destination: MOVED_OUT_DESTINATION_OF[e.eventCode] ?? null });
            leave(e.occurredOn);
            break;
          case '25':
            write({ resident_status: 'deceased', death_date: e.occurredOn });
            leave(addDays(e.occurredOn, 1));
            break;
          case '23':
            write({ moved_out_on: e.occurredOn, moved_out_to: e.otherAddress });
            break;
          case '31':
            requireArea();
            write({ area_code: e.areaCode, banchi: e.banchi, katagaki: e.katagaki, address_set_on: e.occurredOn });
            break;
          case '32':
          case '33':
          case '34':
          case '35':
            write({});
            await join();
            break;
          case '36':
            write({ name_kanji: e.nameKanji, name_kana: e.nameKana, name_kanji_key: kanjiSearchKey(e.nameKanji!), name_kana_key: kanaSearchKey(e.nameKana!) });
            break;
          case '37':
            write({ alias_kanji: e.aliasKanji, alias_kana: e.aliasKana, alias_kanji_key: e.aliasKanji ? kanjiSearchKey(e.aliasKanji) : null, alias_kana_key: e.aliasKana ? kanaSearchKey(e.aliasKana) : null });
            break;
          case '38':
            write({ residence_status: e.residenceStatus, residence_expires_on: e.residenceExpiresOn });
            break;
          case '41':
          case '42':
            write({ dv_support: e.eventCode === '41' });
            break;
          default:
            reject(`異動事由 ${e.eventCode} は記載の事由です`);
        }
      }

      // 国保: the facts as of the event's day on the image, then the rules.
      const day = e.occurredOn;
      const live = (p: Period) => !p.superseded && p.acquired_on <= day && (p.lost_on === null || p.lost_on > day);
      const period = periodsOf(e.atenaNo).filter(live).sort((a, b) => (a.acquired_on < b.acquired_on ? 1 : -1))[0] ?? null;
      const hhOfDay =
        e.householdNo ??
        ofAtena(e.atenaNo).filter((m) => m.valid_from <= day).sort((a, b) => (a.valid_from < b.valid_from ? 1 : -1))[0]?.household_no ??
        null;
      const householdInsured =
        hhOfDay !== null && ofHousehold(hhOfDay).some((m) => m.atena_no !== e.atenaNo && m.valid_from <= day && (m.valid_to === null || m.valid_to > day) && periodsOf(m.atena_no).some(live));
      const facts: EventFacts = { period: period ? { eligibilityId: period.key, acquiredOn: period.acquired_on, lostOn: period.lost_on } : null, householdInsured, birthDate: (persons.get(e.atenaNo)?.birth_date as string | null) ?? null };
      const lastHousehold = hhOfDay ?? [...ofAtena(e.atenaNo)].sort((a, b) => (a.valid_from < b.valid_from ? 1 : -1))[0]?.household_no ?? null;
      const automaticBefore = automatic;
      for (const effect of effectsOf(e, facts) as Effect[]) {
        if (effect.kind === 'automatic_loss') {
          const p = period!;
          const pr = persons.get(e.atenaNo)!;
          const others = periodsOf(e.atenaNo).filter((o) => !o.superseded && o !== p).map((o) => ({ eligibilityId: o.key, acquiredOn: o.acquired_on, lostOn: o.lost_on }));
          const facts = { birthDate: pr.birth_date as string, deathDate: pr.death_date as string | null, movedOutOn: pr.moved_out_on as string | null, movedOutDestination: pr.moved_out_destination as MovedOutDestination | null, becameResidentOn: pr.became_resident_on as string | null };
          const r = automaticLoss(
            { acquiredOn: p.acquired_on, acquisitionReason: p.acquisition_reason, acquisitionReportedOn: p.acquisition_reported_on },
            { lostOn: effect.lostOn, lossReason: lossReasonOf(effect.lossReason), reportedOn: e.reportedOn },
            facts,
            others,
            today,
          );
          if (!('errors' in r)) {
            p.superseded = true;
            if (p.key > 0) supersede.push(p.key);
            else newPeriods.splice(newPeriods.indexOf(p), 1);
            const version: Period = {
              ...p,
              key: tempKey--,
              lost_on: r.after.lostOn,
              loss_reason: r.after.lossReason,
              loss_reported_on: r.lossReportedOn,
              acquisition_retroactive: r.acquisitionRetroactive,
              loss_retroactive: r.lossRetroactive,
              superseded: false,
            };
            push(periodsBy, version.atena_no, version);
            newPeriods.push(version);
            automatic++;
            workItems.push({ kind: 'automatic_loss', atena_no: e.atenaNo, household_no: lastHousehold, event_id: e.eventId, suggested_date: effect.lostOn, basis: effect.basis, eligibility_key: version.key });
          } else {
            workItems.push({ kind: 'loss_candidate', atena_no: e.atenaNo, household_no: lastHousehold, event_id: e.eventId, suggested_date: effect.lostOn, basis: `${effect.basis}。自動では適用できませんでした: ${errorsMessage(r.errors)}`, eligibility_key: p.key });
          }
        } else {
          workItems.push({ kind: effect.item, atena_no: e.atenaNo, household_no: lastHousehold, event_id: e.eventId, suggested_date: effect.suggestedDate, basis: effect.basis, eligibility_key: period?.key ?? null });
        }
      }
      // 賦課: a change of membership, head or 資格 in a household someone is insured in is re-assessed.
      if (automaticBefore !== automatic || TAX_RELEVANT_CODES.has(e.eventCode)) {
        const candidates = new Set<number>(e.householdNo ? [e.householdNo] : []);
        for (const m of ofAtena(e.atenaNo)) if (m.valid_to === null || m.valid_to >= day) candidates.add(m.household_no);
        const insuredFrom = (a: number) => periodsOf(a).some((p) => !p.superseded && (p.lost_on === null || p.lost_on >= day));
        const touched = [...candidates].filter((h) => ofHousehold(h).some((m) => (m.valid_to === null || m.valid_to >= day) && insuredFrom(m.atena_no)));
        if (touched.length > 0) reassessments.push({ reason: automaticBefore !== automatic ? 'eligibility_changed' : 'household_changed', effectiveOn: day, householdNos: touched, atenaNo: e.atenaNo, sourceRef: `registry_event:${e.eventId}` });
      }
      newEvents.push(e);
      subjects.add(e.atenaNo);
    } catch (err) {
      if (!(err instanceof EventRejection)) throw err;
      rejectedPersons.add(e.atenaNo);
      errors.push({ index: i, message: err.problem });
      if (errors.length >= 200) break;
    }
  }
  tP = phase('apply (in memory; the server writes beside it)', tP);
  await stored;
  tP = phase('write events (the rest of the COPY)', tP);
  if (errors.length > 0) {
    await writing; // a failed write is the error to report (the transaction is lost either way)
    return { taken: 0, skipped, automatic: 0, workItems: 0, subjects: [], errors };
  }

  // ---- write ----
  await flushPersonsAndMembers();
  tP = phase('write persons+members (the rest)', tP);
  await writeHouseholds(tx, householdUpdates, by, rowsIn);
  tP = phase('write households', tP);
  const periodIds = new Map<number, number>();
  if (supersede.length || newPeriods.length) {
    const now = (await sql<{ now: Date | string }>`SELECT clock_timestamp() AS now`.execute(tx)).rows[0]!.now;
    const at = now instanceof Date ? now : new Date(now);
    if (supersede.length) await tx.updateTable('nhi_eligibility').set({ superseded_at: at }).where(anyBigint('eligibility_id', supersede)).where('superseded_at', 'is', null).execute();
    if (newPeriods.length) {
      // Ids drawn first (one query), then the rows in a few multi-row inserts: work items name them.
      const ids = await sql<{ id: string }>`SELECT nextval(pg_get_serial_sequence('nhi_eligibility', 'eligibility_id')) AS id FROM generate_series(1, ${newPeriods.length}::int)`.execute(tx);
      newPeriods.forEach((p, i) => periodIds.set(p.key, Number(ids.rows[i]!.id)));
      const cols = {
        eligibility_id: 'bigint', atena_no: 'bigint', household_no: 'bigint', insured_symbol: 'text', insured_number: 'text', branch_no: 'text', acquired_on: 'date', acquisition_reason: 'text', prefecture_acquired_on: 'date', lost_on: 'date', loss_reason: 'text',
        acquisition_reported_on: 'date', loss_reported_on: 'date', acquisition_retroactive: 'boolean', loss_retroactive: 'boolean',
      };
      const names = sql.raw(Object.keys(cols).join(', '));
      for (let i = 0; i < newPeriods.length; i += 2000) {
        const part = newPeriods.slice(i, i + 2000).map((p) => ({ ...p, eligibility_id: periodIds.get(p.key)! }));
        await sql`INSERT INTO nhi_eligibility (${names}, recorded_at, updated_by)
                  SELECT ${names}, ${at}, ${by} FROM ${await rowsIn('period', part, cols)}`.execute(tx);
      }
    }
  }
  tP = phase('write periods', tP);
  const workCols = { kind: 'text', atena_no: 'bigint', household_no: 'bigint', event_id: 'text', suggested_date: 'date', basis: 'text', eligibility_id: 'bigint', created_by: 'text' };
  const workNames = sql.raw(Object.keys(workCols).join(', '));
  for (let i = 0; i < workItems.length; i += 2000) {
    const part = workItems.slice(i, i + 2000).map(({ eligibility_key, ...w }) => ({ ...w, eligibility_id: eligibility_key === null ? null : eligibility_key > 0 ? eligibility_key : (periodIds.get(eligibility_key) ?? null), created_by: by }));
    await sql`INSERT INTO work_item (${workNames}) SELECT ${workNames} FROM ${await rowsIn('work_item', part, workCols)}`.execute(tx);
  }
  tP = phase('write work items', tP);
  await queueReassessment(tx, reassessments, by, today);
  phase('write reassessment requests', tP);
  return { taken: newEvents.length, skipped, automatic, workItems: workItems.length, subjects: [...subjects], errors };
}

/**
 * The households the batch touches, read where no lock is needed: the current memberships of the
 * batch's persons and of every household they or the events name, the households themselves, the NHI's
 * own 世帯番号 among those the events name, and the 町丁目 codes the events use.
 */
async function readHouseholds(db: Kysely<DB>, events: readonly RegistryEvent[], atenas: number[], minDay: string) {
  const householdsNamed = new Set<number>(events.flatMap((e) => (e.householdNo ? [e.householdNo] : [])));
  const eventHouseholds = [...householdsNamed];
  const ownMembers = await db.selectFrom('household_member').select('household_no').where(anyBigint('atena_no', atenas)).where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', minDay)])).execute();
  for (const m of ownMembers) householdsNamed.add(Number(m.household_no));
  const hhList = [...householdsNamed];
  // 国保世帯番号 of 住所地特例 households are the NHI's own: the registry never names one as its 世帯番号.
  const nhiOwnNumbers = new Set<number>();
  if (eventHouseholds.length) {
    for (const r of await db.selectFrom('nhi_household_status').select('own_household_no').where(anyBigint('own_household_no', eventHouseholds)).execute()) nhiOwnNumbers.add(Number(r.own_household_no));
  }
  const members: Member[] = hhList.length
    ? (await db.selectFrom('household_member').select(['member_id', 'household_no', 'atena_no', 'relationship', 'member_order', 'valid_from', 'valid_to', 'change_reason']).where(anyBigint('household_no', hhList)).where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', minDay)])).execute()).map((m) => ({
        key: Number(m.member_id), household_no: Number(m.household_no), atena_no: Number(m.atena_no), relationship: m.relationship, member_order: m.member_order, valid_from: m.valid_from, valid_to: m.valid_to, change_reason: m.change_reason,
      }))
    : [];
  const households = new Map<number, { dissolved_on: string | null }>();
  if (hhList.length) for (const h of await db.selectFrom('household').select(['household_no', 'dissolved_on']).where(anyBigint('household_no', hhList)).execute()) households.set(Number(h.household_no), { dissolved_on: h.dissolved_on });
  const areas = new Set<string>();
  const areaCodes = [...new Set(events.flatMap((e) => (e.areaCode ? [e.areaCode] : [])))];
  if (areaCodes.length) for (const a of await db.selectFrom('address_area').select('area_code').where(anyText('area_code', areaCodes)).execute()) areas.add(a.area_code);
  return { members, nhiOwnNumbers, households, areas };
}

/** Person versions in waves: the k-th version of each person in wave k (inserts for new persons). */
async function writePersons(tx: Kysely<DB>, writes: { row: PersonRow; insert: boolean }[], rowsIn: RowsInput) {
  while (writes.length > 0) {
    const wave: typeof writes = [];
    const rest: typeof writes = [];
    const inWave = new Set<number>();
    for (const w of writes) {
      if (inWave.has(w.row.atena_no)) rest.push(w);
      else {
        inWave.add(w.row.atena_no);
        wave.push(w);
      }
    }
    const cols = { atena_no: 'bigint', ...PERSON_COLS };
    const names = sql.raw(Object.keys(cols).join(', '));
    const inserts = wave.filter((w) => w.insert).map((w) => w.row);
    const updates = wave.filter((w) => !w.insert).map((w) => w.row);
    for (let i = 0; i < inserts.length; i += 2000) {
      await sql`INSERT INTO person (${names}) SELECT ${names} FROM ${await rowsIn('person', inserts.slice(i, i + 2000), cols)}`.execute(tx);
    }
    const set = sql.raw((Object.keys(PERSON_COLS) as PersonCol[]).map((c) => `${c} = v.${c}`).join(', '));
    for (let i = 0; i < updates.length; i += 2000) {
      await sql`UPDATE person p SET ${set} FROM ${await rowsIn('person', updates.slice(i, i + 2000), cols)} WHERE p.atena_no = v.atena_no`.execute(tx);
    }
    writes = rest;
  }
}

/** Membership changes in waves (each row at most once per wave); inserted rows get their member_id for later waves. */
async function writeMembers(tx: Kysely<DB>, ops: MemberOp[], realKeys: Map<number, number>, by: string, rowsIn: RowsInput) {
  const cols = { member_id: 'bigint', household_no: 'bigint', atena_no: 'bigint', relationship: 'text', member_order: 'integer', valid_from: 'date', valid_to: 'date', change_reason: 'text', updated_by: 'text' };
  while (ops.length > 0) {
    const wave: MemberOp[] = [];
    const rest: MemberOp[] = [];
    const inWave = new Set<number>();
    // A person's changes keep their order: once one waits for the next wave, the later ones wait too.
    const waiting = new Set<number>();
    for (const op of ops) {
      if (inWave.has(op.m.key) || waiting.has(op.m.atena_no)) {
        rest.push(op);
        waiting.add(op.m.atena_no);
      } else {
        inWave.add(op.m.key);
        wave.push(op);
      }
    }
    const updates = wave.filter((o) => o.kind === 'update').map((o) => ({ ...o.m, member_id: o.m.key > 0 ? o.m.key : realKeys.get(o.m.key)!, updated_by: by }));
    // Updates first: a membership ending makes room (one current membership per person, one head per household).
    for (let i = 0; i < updates.length; i += 2000) {
      await sql`UPDATE household_member hm SET household_no = v.household_no, relationship = v.relationship, valid_to = v.valid_to, change_reason = v.change_reason, updated_by = v.updated_by
                 FROM ${await rowsIn('member', updates.slice(i, i + 2000), cols)} WHERE hm.member_id = v.member_id`.execute(tx);
    }
    const inserts = wave.filter((o) => o.kind === 'insert').map((o) => ({ ...o.m, updated_by: by }));
    for (let i = 0; i < inserts.length; i += 2000) {
      const part = inserts.slice(i, i + 2000);
      const r = await sql<{ member_id: string; atena_no: string; valid_from: string }>`
        INSERT INTO household_member (household_no, atena_no, relationship, member_order, valid_from, valid_to, change_reason, updated_by)
        SELECT household_no, atena_no, relationship, member_order, valid_from, valid_to, change_reason, updated_by FROM ${await rowsIn('member', part, cols)}
        RETURNING member_id, atena_no, valid_from::text AS valid_from`.execute(tx);
      const byKey = new Map(r.rows.map((x) => [`${x.atena_no}:${x.valid_from}`, Number(x.member_id)]));
      for (const m of part) realKeys.set(m.key, byKey.get(`${m.atena_no}:${m.valid_from}`)!);
    }
    ops = rest;
  }
}

/** Household dissolutions and revivals in waves (each household at most once per wave, in order). */
async function writeHouseholds(tx: Kysely<DB>, updates: { household_no: number; dissolved_on: string | null; valid_from: string; change_reason: ChangeReason }[], by: string, rowsIn: RowsInput) {
  const cols = { household_no: 'bigint', dissolved_on: 'date', valid_from: 'date', change_reason: 'text', updated_by: 'text' };
  while (updates.length > 0) {
    const wave: typeof updates = [];
    const rest: typeof updates = [];
    const inWave = new Set<number>();
    for (const u of updates) {
      if (inWave.has(u.household_no)) rest.push(u);
      else {
        inWave.add(u.household_no);
        wave.push(u);
      }
    }
    for (let i = 0; i < wave.length; i += 2000) {
      const part = wave.slice(i, i + 2000).map((u) => ({ ...u, updated_by: by }));
      await sql`UPDATE household h SET dissolved_on = v.dissolved_on, valid_from = v.valid_from, change_reason = v.change_reason, updated_by = v.updated_by
                 FROM ${await rowsIn('household', part, cols)} WHERE h.household_no = v.household_no`.execute(tx);
    }
    updates = rest;
  }
}
