import { copyValue } from '../db/copy-text.js';
import { kanaSearchKey, kanjiSearchKey, toFullWidthKatakana, toHalfWidthKatakana } from '../lib/kana.js';
import { fakeMyNumber } from '../lib/mynumber.js';
import type { Keyring } from '../security/keyring.js';
import { isoDate } from './dates.js';
import { drawHousehold, type Household, type Member, type SeedProfile } from './population.js';
import { Rng, mixSeed } from './prng.js';
import { AMOUNT_COLUMNS, AMOUNTS, currentIncomeRows } from '../modules/income/income.rules.js';

/**
 * One chunk of the demo city: a contiguous range of 宛名番号 (and of 世帯番号), generated from its own
 * random stream (seed × chunk index), so any chunk can be produced alone — the basis of resuming.
 * The output is COPY text (tab-separated) per table.
 */

export const TABLE_COLUMNS = {
  person: [
    'atena_no', 'name_kanji', 'name_kana', 'name_kana_key', 'name_kanji_key', 'alias_kanji', 'alias_kana', 'alias_kana_key',
    'alias_kanji_key', 'real_name', 'real_name_kana', 'birth_date', 'sex', 'resident_kind', 'resident_status', 'nationality_code',
    'became_resident_on', 'area_code', 'banchi', 'katagaki', 'address_set_on', 'previous_address', 'moved_out_to', 'moved_out_on', 'moved_out_destination',
    'death_date', 'dv_support', 'valid_from', 'change_reason', 'reported_on', 'updated_by',
  ],
  household: ['household_no', 'formed_on', 'dissolved_on', 'valid_from', 'change_reason', 'updated_by'],
  household_member: ['household_no', 'atena_no', 'relationship', 'member_order', 'valid_from', 'valid_to', 'change_reason', 'updated_by'],
  income: ['atena_no', 'fiscal_year', 'income_type', 'revenue_yen', 'income_yen', 'updated_by'],
  income_return: ['atena_no', 'fiscal_year', 'version', 'source', 'filing_status', 'resident_tax', ...AMOUNTS.map((a) => AMOUNT_COLUMNS[a]), 'recorded_by'],
  nhi_eligibility: ['atena_no', 'household_no', 'insured_symbol', 'insured_number', 'branch_no', 'acquired_on', 'acquisition_reason', 'lost_on', 'loss_reason', 'updated_by'],
  person_my_number: ['atena_no', 'ciphertext', 'key_id', 'blind_index', 'updated_by'],
} as const satisfies Record<string, readonly string[]>;

export type SeedTable = keyof typeof TABLE_COLUMNS;
export const SEED_TABLES = Object.keys(TABLE_COLUMNS) as SeedTable[];

export interface ChunkSpec {
  index: number;
  /** First 宛名番号 of the chunk; the chunk holds atenaFrom … atenaFrom + size − 1. */
  atenaFrom: number;
  size: number;
  /** First 世帯番号; a chunk never uses more than `size` household numbers. */
  householdFrom: number;
}

export interface ChunkStats {
  persons: number;
  households: number;
  /** Persons whose kana was "typed" in half-width kana (ｶﾅ) and normalised before storage. */
  halfWidthKanaInputs: number;
}

export interface ChunkData {
  spec: ChunkSpec;
  /** COPY text per table, as UTF-8 bytes (decode with `.toString()` to read it). */
  tsv: Record<SeedTable, Buffer>;
  rows: Record<SeedTable, number>;
  stats: ChunkStats;
}

/** What the key-free tables of a chunk depend on besides its spec (all a worker thread is sent). */
export interface PlainContext {
  seed: number;
  actorLabel: string;
  /** Who is insured where (population.ts SeedProfile); default 'city'. */
  profile?: SeedProfile;
}

export interface ChunkContext extends PlainContext {
  keyring: Keyring;
}

/** The tables of a chunk that need no key: all but person_my_number (generatePlainTables). */
export type PlainTable = Exclude<SeedTable, 'person_my_number'>;

export interface PlainChunkData {
  spec: ChunkSpec;
  tsv: Record<PlainTable, Buffer>;
  rows: Record<PlainTable, number>;
  stats: ChunkStats;
}

/** Stored 氏名カナ: full-width katakana with full-width spaces, whatever kana form was typed. */
export function normaliseKanaInput(input: string): string {
  return toFullWidthKatakana(input).replace(/ /g, '　');
}

/** 被保険者証番号: 8 digits, a bijection of the 世帯番号 (mod 10^8), so unique per household. */
export function insuredNumberOf(householdNo: number): string {
  return String(((householdNo % 100_000_000) * 37_493 + 10_000_019) % 100_000_000).padStart(8, '0');
}

/** Serial for fakeMyNumber: a bijection of the 宛名番号 (mod 10^9), so every person gets a distinct number. */
export function myNumberSerialOf(atenaNo: number): number {
  return ((atenaNo % 1_000_000_000) * 7_919) % 1_000_000_000;
}

const N = '\\N';
const text = (v: string | null): string => (v === null ? N : copyValue(v));
const day = (d: number | null): string => (d === null || d < 0 ? N : isoDate(d));

/**
 * COPY bytes per resident, measured on a chunk of the demo city with a typical operator label (…/seed/<uuid>):
 * the initial buffer sizes of a chunk's tables, with 25 % headroom. Only a size hint.
 */
const BYTES_PER_RESIDENT: Record<SeedTable, number> = {
  person: 320,
  household: 50,
  household_member: 120,
  income: 230,
  income_return: 480,
  nhi_eligibility: 25,
  person_my_number: 185,
};
const expectedBytes = (t: SeedTable, residents: number) => BYTES_PER_RESIDENT[t] * residents * 1.25;

/**
 * Rows of one table, appended as COPY text lines into a growable UTF-8 buffer. Keeping the lines as
 * strings until the end made the garbage collector copy every line (as a tree of concatenation
 * fragments) several times; written at once, each line dies young and the data lives off-heap.
 */
class TableText {
  private buf: Buffer;
  private pos = 0;
  count = 0;

  /** `expectedBytes`: room for the whole chunk, so the buffer is rarely grown (each growth copies it). */
  constructor(expectedBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1 << 16, Math.ceil(expectedBytes)));
  }

  add(line: string): void {
    const worst = line.length * 3 + 1; // UTF-8 needs at most 3 bytes per UTF-16 code unit
    if (this.pos + worst > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + worst));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
    this.pos += this.buf.write(line, this.pos, 'utf8');
    this.buf[this.pos++] = 0x0a; // \n
    this.count++;
  }

  /** The lines written, as UTF-8 bytes (a view of this table's own ArrayBuffer: transferable). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

interface PersonNames {
  nameKanji: string;
  nameKana: string;
  kanaKey: string;
  kanjiKey: string;
  aliasKanji: string | null;
  aliasKana: string | null;
  realName: string | null;
  realNameKana: string | null;
  halfWidthInput: boolean;
}

function namesOf(rng: Rng, h: Household, m: Member): PersonNames {
  if (h.nationality && m.foreignFamily && m.foreignGiven) {
    const fam = m.foreignFamily;
    const giv = m.foreignGiven;
    const realName = `${fam.latin} ${giv.latin}`;
    const realNameKana = `${fam.kana}　${giv.kana}`;
    const nameKanji = fam.kanji && giv.kanji ? `${fam.kanji}　${giv.kanji}` : realName;
    const alias = h.aliasSurname;
    return {
      nameKanji,
      nameKana: realNameKana,
      kanaKey: kanaSearchKey(realNameKana),
      kanjiKey: kanjiSearchKey(nameKanji),
      aliasKanji: alias ? `${alias.kanji}　${m.given.kanji}` : null,
      aliasKana: alias ? `${alias.kana}　${m.given.kana}` : null,
      realName,
      realNameKana,
      halfWidthInput: false,
    };
  }
  let nameKana = `${m.surname.kana}　${m.given.kana}`;
  // Some records arrive with half-width kana (old terminals, 住基 files): normalised before storage.
  const halfWidthInput = rng.chance(0.03);
  if (halfWidthInput) nameKana = normaliseKanaInput(toHalfWidthKatakana(nameKana));
  return {
    nameKanji: `${m.surname.kanji}　${m.given.kanji}`,
    nameKana,
    kanaKey: m.surname.kanaKey + m.given.kanaKey,
    kanjiKey: m.surname.kanjiKey + m.given.kanjiKey,
    aliasKanji: null,
    aliasKana: null,
    realName: null,
    realNameKana: null,
    halfWidthInput,
  };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Generate one chunk. Async only to let the event loop breathe every `yieldEvery` persons, so COPY
 * streams of the previous chunk keep flowing while this one is generated.
 */
export async function generateChunk(ctx: ChunkContext, spec: ChunkSpec, yieldEvery = 2_000): Promise<ChunkData> {
  const plain = await generatePlainTables(ctx, spec, yieldEvery);
  const myNumbers = await generateMyNumberTable(ctx.keyring, ctx.actorLabel, spec, yieldEvery);
  return { spec, tsv: { ...plain.tsv, person_my_number: myNumbers.tsv }, rows: { ...plain.rows, person_my_number: myNumbers.rows }, stats: plain.stats };
}

/**
 * person_my_number of a chunk: one row per 宛名番号 of its range (the fake My Number is a function of the
 * 宛名番号), encrypted and blind-indexed with the keyring. Separate from the other tables, which need no
 * key, so those can be generated in a worker thread while this runs on the keyring's thread.
 */
export async function generateMyNumberTable(keyring: Keyring, actorLabel: string, spec: ChunkSpec, yieldEvery = 2_000): Promise<{ tsv: Buffer; rows: number }> {
  const by = copyValue(actorLabel);
  const keyId = keyring.activeKeyId;
  const t = new TableText(expectedBytes('person_my_number', spec.size));
  const end = spec.atenaFrom + spec.size;
  for (let atena = spec.atenaFrom, nextYield = atena + yieldEvery; atena < end; atena++) {
    const myNumber = fakeMyNumber(myNumberSerialOf(atena));
    t.add(`${atena}\t${keyring.encrypt(myNumber, `person_my_number|${atena}`)}\t${keyId}\t${keyring.blindIndex(myNumber)}\t${by}`);
    if (atena + 1 >= nextYield) {
      nextYield += yieldEvery;
      await yieldToEventLoop();
    }
  }
  return { tsv: t.bytes(), rows: t.count };
}

/** Every table of a chunk but person_my_number: needs no key, so it can run in a worker thread. */
export async function generatePlainTables(ctx: PlainContext, spec: ChunkSpec, yieldEvery = 2_000): Promise<PlainChunkData> {
  const rng = new Rng(mixSeed(ctx.seed, spec.index));
  const profile = ctx.profile ?? 'city';
  const by = copyValue(ctx.actorLabel);
  const t = {
    person: new TableText(expectedBytes('person', spec.size)),
    household: new TableText(expectedBytes('household', spec.size)),
    household_member: new TableText(expectedBytes('household_member', spec.size)),
    income: new TableText(expectedBytes('income', spec.size)),
    income_return: new TableText(expectedBytes('income_return', spec.size)),
    nhi_eligibility: new TableText(expectedBytes('nhi_eligibility', spec.size)),
  } satisfies Record<PlainTable, TableText>;
  const stats: ChunkStats = { persons: 0, households: 0, halfWidthKanaInputs: 0 };

  let atena = spec.atenaFrom;
  const atenaEnd = spec.atenaFrom + spec.size;
  let householdNo = spec.householdFrom;
  let nextYield = yieldEvery;
  while (atena < atenaEnd) {
    const h = drawHousehold(rng, atenaEnd - atena, profile);
    const symbol = `緑${h.area.officeIndex + 1}`;
    const insuredNumber = insuredNumberOf(householdNo);
    const katagaki = text(h.katagaki);
    const banchi = text(h.banchi);

    t.household.add(
      `${householdNo}\t${day(h.formedDay)}\t${day(h.dissolvedDay)}\t${day(h.dissolvedDay >= 0 ? h.dissolvedDay : h.formedDay)}\t${h.dissolvedReason ?? h.formedReason}\t${by}`,
    );

    let branch = 0;
    h.members.forEach((m, i) => {
      const n = namesOf(rng, h, m);
      if (n.halfWidthInput) stats.halfWidthKanaInputs++;
      const foreign = h.nationality !== null;
      t.person.add(
        `${atena}\t${text(n.nameKanji)}\t${text(n.nameKana)}\t${text(n.kanaKey)}\t${text(n.kanjiKey)}\t${text(n.aliasKanji)}\t${text(n.aliasKana)}` +
          `\t${n.aliasKana === null ? N : text(kanaSearchKey(n.aliasKana))}\t${n.aliasKanji === null ? N : text(kanjiSearchKey(n.aliasKanji))}` +
          `\t${text(n.realName)}\t${text(n.realNameKana)}\t${isoDate(m.birthDay)}\t${m.sex}\t${foreign ? 'foreign' : 'japanese'}\t${m.status}` +
          `\t${foreign ? h.nationality!.code : N}\t${isoDate(m.becameDay)}\t${h.area.area_code}\t${banchi}\t${katagaki}\t${isoDate(m.addressSetDay)}` +
          `\t${text(m.previousAddress)}\t${text(m.movedOutTo)}\t${m.status === 'moved_out' ? isoDate(m.eventDay) : N}\t${m.movedOutDestination ?? N}` +
          `\t${m.status === 'deceased' ? isoDate(m.eventDay) : N}\t${m.dvSupport ? 't' : 'f'}\t${isoDate(m.validFromDay)}\t${m.changeReason}` +
          `\t${isoDate(m.reportedDay)}\t${by}`,
      );
      t.household_member.add(
        `${householdNo}\t${atena}\t${m.relationship}\t${i + 1}\t${isoDate(m.memberFromDay)}\t${m.status === 'resident' ? N : isoDate(m.eventDay)}\t${m.memberReason}\t${by}`,
      );
      for (const r of m.incomes) {
        const f = r.facts;
        t.income_return.add(`${atena}\t${r.fiscalYear}\t1\tinitial_load\t${f.filingStatus}\t${f.residentTax ?? N}\t${AMOUNTS.map((a) => f[a]).join('\t')}\t${by}`);
        for (const i of currentIncomeRows(f)) t.income.add(`${atena}\t${r.fiscalYear}\t${i.type}\t${i.revenue}\t${i.income}\t${by}`);
      }
      const e = m.eligibility;
      if (e) {
        branch++;
        t.nhi_eligibility.add(
          `${atena}\t${householdNo}\t${symbol}\t${insuredNumber}\t${branch < 10 ? '0' : ''}${branch}\t${isoDate(e.acquiredDay)}\t${e.reason}` +
            `\t${day(e.lostDay)}\t${e.lossReason ?? N}\t${by}`,
        );
      }
      atena++;
    });
    stats.persons += h.members.length;
    stats.households++;
    householdNo++;
    if (stats.persons >= nextYield) {
      nextYield += yieldEvery;
      await yieldToEventLoop();
    }
  }

  const tsv = {} as Record<PlainTable, Buffer>;
  const rows = {} as Record<PlainTable, number>;
  for (const k of Object.keys(t) as PlainTable[]) {
    tsv[k] = t[k].bytes();
    rows[k] = t[k].count;
  }
  return { spec, tsv, rows, stats };
}
