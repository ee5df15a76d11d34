import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { HouseholdFacts, InsuredPeriod, RegistryMember, StatusPeriod } from '../eligibility/nhi-household.rules.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';
import type { Assessed, AssessmentReason } from './assessment.rules.js';
import { childbirthOf } from './childbirth-source.js';
import { unemploymentOf } from './unemployment-source.js';
import type { VersionForInstallments } from './installments-change.rules.js';
import type { Installment } from './installments.rules.js';
import { loadUnitIncomes } from './income-source.js';
import type { PersonFacts, UnitIncome } from './assessment-units.rules.js';
import { copyValue } from '../../db/copy-text.js';
import { anyBigint } from '../../db/any-of.js';

type Q = Kysely<DB> | Transaction<DB>;

/** The facts of a set of households for one 年度, read set-based (a handful of queries whatever their number). */
export interface ChunkFacts {
  facts: Map<number, HouseholdFacts>;
  persons: Map<number, PersonFacts>;
  incomes: Map<number, UnitIncome>;
}

/** A version to insert. */
export interface NewVersion {
  assessed: Assessed;
  version: number;
  reason: AssessmentReason;
  runId: string | null;
  cause: string | null;
  paramsHash: string;
  lines: boolean;
  notice: unknown;
  /** The 期別 notified with a 更正; null for a batch version (derived from its total). */
  installments: Installment[] | null;
}

/** What a version needs for its 期別 (installments-change.rules.ts `installmentsOfVersions`). */
export interface ChainRow {
  reason: AssessmentReason;
  total_yen: number;
  recorded_at: Date | string;
  notice: unknown;
  installments: unknown;
}

/** The day a version was decided: its change notice's, else the day it was recorded (Japan time). */
export function versionForInstallments(r: ChainRow): VersionForInstallments {
  const notice = (typeof r.notice === 'string' ? JSON.parse(r.notice) : r.notice) as { decidedOn?: string; reason?: string } | null;
  const stored = (typeof r.installments === 'string' ? JSON.parse(r.installments) : r.installments) as Installment[] | null;
  return { reason: r.reason, total: r.total_yen, decidedOn: notice?.decidedOn ?? todayInJapan(new Date(r.recorded_at)), stored, ...(notice?.reason ? { cause: notice.reason } : {}) };
}

/** The current version of a unit. */
export interface CurrentVersion {
  assessmentId: number;
  householdNo: number;
  addressExceptionAtenaNo: number;
  version: number;
  total: number;
  reduction: string;
  parts: Record<string, number>;
  runId: string | null;
  recordedAt: Date;
  /** 納税義務者 (世帯主 or 擬制世帯主) of the version. */
  taxpayerAtenaNo: number | null;
}


/**
 * Every household from `from` to `to` (both included): the versions of a batch chunk are read by range
 * (one index range scan where `= ANY(…)` of thousands of numbers would be as many probes).
 */
export interface HouseholdRange {
  from: number;
  to: number;
}
const householdsIn = (col: string, list: readonly number[], range: HouseholdRange | undefined) =>
  range ? sql<boolean>`${sql.ref(col)} BETWEEN ${range.from} AND ${range.to}` : anyBigint(col, list);

const unitKey = (householdNo: number, addressExceptionAtenaNo: number) => `${householdNo}:${addressExceptionAtenaNo}`;
export { unitKey };

/** The only Kysely code of 賦課's stored assessments. */
export class AssessmentRepository {
  constructor(private readonly db: Q) {}

  /**
   * The registry households the 本算定 of a 年度 has anything to assess in, in order: those with a member
   * (during the 年度) who is insured at some time in the 年度, or named by a status period (住所地特例 …)
   * of such a person — exactly the households `chunkFacts` finds relevant; the others give no unit.
   */
  async householdsToAssess(fiscalYear: number): Promise<number[]> {
    const start = `${fiscalYear}-04-01`;
    const end = `${fiscalYear + 1}-04-01`;
    const rows = await sql<{ h: string }>`
      WITH insured AS (
        SELECT DISTINCT atena_no FROM nhi_eligibility
         WHERE superseded_at IS NULL AND acquired_on < ${end} AND (lost_on IS NULL OR lost_on > ${start}))
      SELECT c.h FROM (
        SELECT m.household_no AS h FROM household_member m JOIN insured i ON i.atena_no = m.atena_no
         WHERE m.valid_from < ${end} AND (m.valid_to IS NULL OR m.valid_to > ${start})
        UNION
        SELECT s.household_no FROM nhi_household_status s JOIN insured i ON i.atena_no = s.atena_no
         WHERE s.valid_from < ${end}) c
      WHERE EXISTS (SELECT 1 FROM household hh WHERE hh.household_no = c.h)
      ORDER BY c.h`.execute(this.db);
    return rows.rows.map((r) => Number(r.h));
  }

  /**
   * Registry membership of the households overlapping the 年度, the status periods naming them or their
   * members, the current 資格 periods and birth dates of everyone involved, and their incomes.
   */
  async chunkFacts(householdNos: readonly number[], fiscalYear: number): Promise<ChunkFacts> {
    const facts = new Map<number, HouseholdFacts>();
    const out: ChunkFacts = { facts, persons: new Map(), incomes: new Map() };
    if (householdNos.length === 0) return out;
    const start = `${fiscalYear}-04-01`;
    const end = `${fiscalYear + 1}-04-01`;
    const members = await this.db
      .selectFrom('household_member')
      .select(['atena_no', 'household_no', 'relationship', 'valid_from', 'valid_to'])
      .where(anyBigint('household_no', householdNos))
      .where('valid_from', '<', end)
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', start)]))
      .execute();
    const statuses = await this.db
      .selectFrom('nhi_household_status')
      .select(['status_id', 'atena_no', 'household_no', 'kind', 'valid_from', 'valid_to', 'facility_name', 'facility_kind', 'school_name'])
      .where((eb) => eb.or([anyBigint('household_no', householdNos), anyBigint('atena_no', [...new Set(members.map((m) => Number(m.atena_no)))])]))
      .where('valid_from', '<', end)
      .execute();
    const everyone = [...new Set([...members.map((m) => Number(m.atena_no)), ...statuses.map((s) => Number(s.atena_no))])];
    for (const h of householdNos) facts.set(h, { members: [], eligibility: [], statuses: [] });
    if (everyone.length === 0) return out;
    const eligibility = await this.db
      .selectFrom('nhi_eligibility')
      .select(['atena_no', 'household_no', 'acquired_on', 'lost_on', 'loss_reason'])
      .where(anyBigint('atena_no', everyone))
      .where('superseded_at', 'is', null)
      .where('acquired_on', '<', end)
      .execute();
    // Only the persons of households someone is insured in during the 年度 are read further (most
    // registry households have nobody in NHI): their birth dates and incomes.
    const insuredInYear = new Set(eligibility.filter((e) => e.lost_on === null || e.lost_on > start).map((e) => Number(e.atena_no)));
    const relevant = new Set<number>();
    // (Only households of the chunk: a status period of a member may name another household.)
    for (const m of members) if (insuredInYear.has(Number(m.atena_no)) && facts.has(Number(m.household_no))) relevant.add(Number(m.household_no));
    for (const st of statuses) if (insuredInYear.has(Number(st.atena_no)) && facts.has(Number(st.household_no))) relevant.add(Number(st.household_no));
    const persons = [...new Set([...members.filter((m) => relevant.has(Number(m.household_no))).map((m) => Number(m.atena_no)), ...statuses.filter((st) => relevant.has(Number(st.household_no))).map((st) => Number(st.atena_no))])];
    if (persons.length === 0) return out;
    const people = await this.db.selectFrom('person').select(['atena_no', 'birth_date']).where(anyBigint('atena_no', persons)).execute();
    const births = new Map<number, string>();
    for (const p of people) {
      out.persons.set(Number(p.atena_no), { birthDate: p.birth_date });
      births.set(Number(p.atena_no), p.birth_date);
    }
    for (const [n, childbirth] of await childbirthOf(this.db, persons, fiscalYear)) {
      const p = out.persons.get(n);
      if (p) p.childbirth = childbirth;
    }
    for (const [n, unemployment] of await unemploymentOf(this.db, persons, fiscalYear)) {
      const p = out.persons.get(n);
      if (p) p.unemployment = unemployment;
    }
    out.incomes = await loadUnitIncomes(this.db, persons, fiscalYear, births);

    // Distribute to households: each household sees its members' periods, and the periods of the persons it involves.
    const byPerson = new Map<number, InsuredPeriod[]>();
    for (const e of eligibility) {
      const n = Number(e.atena_no);
      let list = byPerson.get(n);
      if (!list) byPerson.set(n, (list = []));
      list.push({ atenaNo: n, householdNo: Number(e.household_no), acquiredOn: e.acquired_on, lostOn: e.lost_on, lossReason: e.loss_reason });
    }
    const involved = new Map<number, Set<number>>();
    const involve = (h: number, n: number) => {
      let s = involved.get(h);
      if (!s) involved.set(h, (s = new Set()));
      s.add(n);
    };
    const memberOf = new Map<number, number[]>();
    for (const m of members) {
      const h = Number(m.household_no);
      const n = Number(m.atena_no);
      if (!relevant.has(h)) continue;
      (facts.get(h)!.members as RegistryMember[]).push({ atenaNo: n, householdNo: h, head: m.relationship === 'head', validFrom: m.valid_from, validTo: m.valid_to });
      involve(h, n);
      const of = memberOf.get(n);
      if (of) of.push(h);
      else memberOf.set(n, [h]);
    }
    const statusRows: StatusPeriod[] = statuses.map((s) => ({
      statusId: Number(s.status_id),
      atenaNo: Number(s.atena_no),
      householdNo: Number(s.household_no),
      kind: s.kind,
      validFrom: s.valid_from,
      validTo: s.valid_to,
      facilityName: s.facility_name,
      facilityKind: s.facility_kind,
      schoolName: s.school_name,
    }));
    for (const s of statusRows) {
      const targets = new Set<number>([s.householdNo, ...(memberOf.get(s.atenaNo) ?? [])]);
      for (const h of targets) {
        const f = facts.get(h);
        if (!f || !relevant.has(h)) continue;
        (f.statuses as StatusPeriod[]).push(s);
        involve(h, s.atenaNo);
      }
    }
    for (const [h, people] of involved) {
      const f = facts.get(h)!;
      for (const n of people) (f.eligibility as InsuredPeriod[]).push(...(byPerson.get(n) ?? []));
    }
    return out;
  }

  /** Store a parameter set once. */
  async saveParams(hash: string, fiscalYear: number, municipality: string, values: unknown): Promise<void> {
    await this.db
      .insertInto('assessment_params')
      .values({ params_hash: hash, fiscal_year: fiscalYear, municipality, param_values: JSON.stringify(values) })
      .onConflict((oc) => oc.column('params_hash').doNothing())
      .execute();
  }

  /** The current versions of these households' units for the 年度 (locked: a re-assessment and the batch serialise). */
  async current(fiscalYear: number, householdNos: readonly number[], lock = false, range?: HouseholdRange): Promise<Map<string, CurrentVersion>> {
    const out = new Map<string, CurrentVersion>();
    if (householdNos.length === 0) return out;
    let q = this.db
      .selectFrom('assessment')
      .select(['assessment_id', 'household_no', 'address_exception_atena_no', 'version', 'total_yen', 'reduction', 'medical_yen', 'support_yen', 'care_yen', 'child_support_yen', 'run_id', 'recorded_at', 'taxpayer_atena_no'])
      .where('fiscal_year', '=', fiscalYear)
      .where(householdsIn('household_no', householdNos, range))
      .where('superseded_at', 'is', null);
    if (lock) q = q.forUpdate();
    for (const r of await q.execute()) {
      out.set(unitKey(Number(r.household_no), Number(r.address_exception_atena_no)), {
        assessmentId: Number(r.assessment_id),
        householdNo: Number(r.household_no),
        addressExceptionAtenaNo: Number(r.address_exception_atena_no),
        version: r.version,
        total: r.total_yen,
        reduction: r.reduction,
        parts: { medical: r.medical_yen, support: r.support_yen, care: r.care_yen, childSupport: r.child_support_yen },
        runId: r.run_id,
        recordedAt: new Date(r.recorded_at as Date),
        taxpayerAtenaNo: r.taxpayer_atena_no === null ? null : Number(r.taxpayer_atena_no),
      });
    }
    return out;
  }

  /** Every version of a household's units for the 年度, in version order (the chain the 期別 fold over). */
  async versionChains(fiscalYear: number, householdNo: number): Promise<Map<string, VersionForInstallments[]>> {
    const rows = await this.db
      .selectFrom('assessment')
      .select(['address_exception_atena_no', 'reason', 'total_yen', 'recorded_at', 'notice', 'installments'])
      .where('household_no', '=', householdNo)
      .where('fiscal_year', '=', fiscalYear)
      .orderBy('address_exception_atena_no')
      .orderBy('version')
      .execute();
    const out = new Map<string, VersionForInstallments[]>();
    for (const r of rows) {
      const key = unitKey(householdNo, Number(r.address_exception_atena_no));
      out.set(key, [...(out.get(key) ?? []), versionForInstallments(r)]);
    }
    return out;
  }

  /** Stamp superseded_at on versions (the one update the table allows). */
  async supersede(ids: readonly number[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('assessment').set({ superseded_at: at }).where(anyBigint('assessment_id', ids)).execute();
  }

  /**
   * Insert versions with COPY (a 更正's few or a 本算定 chunk's thousands), through `copyIn` — the database's
   * COPY inside the caller's transaction, so the rows commit with it.
   */
  async copyVersions(rows: readonly NewVersion[], by: string, at: Date, copyIn: (table: string, columns: readonly string[], tsv: string | Uint8Array) => Promise<void>): Promise<void> {
    if (rows.length === 0) return;
    await copyIn('assessment', VERSION_COLUMNS, versionCopyBytes(rows, by, at));
  }
}

/** JSON text already made (the canonical input), written as it is. */
class JsonText {
  constructor(readonly text: string) {}
}

/** A version's values in the order of VERSION_COLUMNS, recorded_at aside (jsonb columns as values). */
function versionValues(r: NewVersion, by: string): unknown[] {
  const a = r.assessed;
  const m = a.amounts;
  const u = a.unit;
  return [
    u.fiscalYear, u.householdNo, u.addressExceptionAtenaNo, r.version, r.reason, r.runId, r.cause, u.taxpayer, u.pseudoHead, m.insuredCount, m.reduction,
    m.total, m.parts.medical, m.parts.support, m.parts.care, m.parts.childSupport, m.incomeLevy, m.perCapita, m.perHousehold, m.reductions.legal,
    m.reductions.specificHousehold, m.reductions.preschool, m.reductions.minor, m.capped, a.result.parts, u.members, new JsonText(a.inputJson), a.inputHash, r.paramsHash, r.lines ? a.result.lines : null,
    r.notice ?? null, r.installments, by,
  ];
}

/** The columns of a version as `versionCopyBytes` writes them (recorded_at last). */
export const VERSION_COLUMNS = [
  'fiscal_year', 'household_no', 'address_exception_atena_no', 'version', 'reason', 'run_id', 'cause', 'taxpayer_atena_no', 'pseudo_head', 'insured_count', 'reduction',
  'total_yen', 'medical_yen', 'support_yen', 'care_yen', 'child_support_yen', 'income_levy_yen', 'per_capita_yen', 'per_household_yen', 'legal_reduction_yen',
  'specific_household_reduction_yen', 'preschool_reduction_yen', 'minor_reduction_yen', 'capped', 'parts', 'members', 'input', 'input_hash', 'params_hash', 'lines',
  'notice', 'installments', 'recorded_by', 'recorded_at',
] as const;

/**
 * A field in COPY text format. JSON text holds no raw tab or line break (JSON escapes them), so only its
 * backslashes are doubled; numbers need nothing; other text goes through `copyValue`.
 */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return String(v);
  if (v instanceof JsonText) return jsonField(v.text);
  if (typeof v === 'object') return jsonField(JSON.stringify(v));
  return copyValue(v as string | boolean);
}

const jsonField = (json: string) => (json.includes('\\') ? json.replaceAll('\\', '\\\\') : json);

/**
 * The COPY text (VERSION_COLUMNS, UTF-8) of versions recorded by `by` at `at`: each row encoded straight
 * into one buffer of its own (transferable from a worker thread), without joining the chunk's text first.
 */
export function versionCopyBytes(rows: readonly NewVersion[], by: string, at: Date): Uint8Array {
  const recordedAt = at.toISOString();
  let buf = Buffer.allocUnsafeSlow(Math.max(4096, rows.length * 2048));
  let length = 0;
  for (const r of rows) {
    const fields = versionValues(r, by).map(copyField);
    fields.push(recordedAt);
    const line = `${fields.join('\t')}\n`;
    if (length + line.length * 3 > buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, length + line.length * 3));
      buf.copy(bigger, 0, 0, length);
      buf = bigger;
    }
    length += buf.write(line, length);
  }
  return buf.subarray(0, length);
}
