import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import type { DB, NhiEligibilityTable } from '../../db/schema.js';
import type { AcquisitionReason, LossReason, MovedOutDestination, PersonFacts } from './eligibility.rules.js';

type Q = Kysely<DB> | Transaction<DB>;

const ROW_COLUMNS = [
  'eligibility_id', 'atena_no', 'household_no', 'insured_symbol', 'insured_number', 'branch_no', 'acquired_on', 'acquisition_reason', 'prefecture_acquired_on',
  'lost_on', 'loss_reason', 'acquisition_reported_on', 'loss_reported_on', 'acquisition_retroactive', 'loss_retroactive', 'recorded_at', 'superseded_at', 'updated_at', 'updated_by',
] as const;

/** A stored version of a 資格 period, as read. */
export type EligibilityRow = Selectable<NhiEligibilityTable>;

const toRow = (r: Record<(typeof ROW_COLUMNS)[number], unknown>): EligibilityRow => ({
  eligibility_id: Number(r.eligibility_id),
  atena_no: Number(r.atena_no),
  household_no: Number(r.household_no),
  insured_symbol: String(r.insured_symbol),
  insured_number: String(r.insured_number),
  branch_no: String(r.branch_no),
  acquired_on: String(r.acquired_on),
  acquisition_reason: r.acquisition_reason as AcquisitionReason,
  prefecture_acquired_on: (r.prefecture_acquired_on as string | null) ?? null,
  lost_on: (r.lost_on as string | null) ?? null,
  loss_reason: (r.loss_reason as LossReason | null) ?? null,
  acquisition_reported_on: (r.acquisition_reported_on as string | null) ?? null,
  loss_reported_on: (r.loss_reported_on as string | null) ?? null,
  acquisition_retroactive: r.acquisition_retroactive === true,
  loss_retroactive: r.loss_retroactive === true,
  recorded_at: new Date(r.recorded_at as string | Date),
  superseded_at: r.superseded_at ? new Date(r.superseded_at as string | Date) : null,
  updated_at: new Date(r.updated_at as string | Date),
  updated_by: String(r.updated_by),
});

/** The new version of a period, as the apply step writes it. */
export interface NewVersion {
  atenaNo: number;
  householdNo: number;
  insuredSymbol: string;
  insuredNumber: string;
  branchNo: string;
  acquiredOn: string;
  acquisitionReason: AcquisitionReason;
  /** 県内転入: the prefecture-level 資格取得日 (acquiredOn is this city's 適用開始日). */
  prefectureAcquiredOn?: string | null;
  lostOn: string | null;
  lossReason: LossReason | null;
  /** 届出日 of the acquisition / the loss, and whether each came after the deadline (遡及). */
  acquisitionReportedOn: string | null;
  lossReportedOn: string | null;
  acquisitionRetroactive: boolean;
  lossRetroactive: boolean;
}

/** Reads and bitemporal writes of nhi_eligibility. Writes never edit legal dates in place. */
export class EligibilityRepository {
  constructor(private readonly db: Q) {}

  async person(atenaNo: number, lock = false): Promise<(PersonFacts & { atenaNo: number; nameKanji: string; residentStatus: string }) | undefined> {
    let q = this.db
      .selectFrom('person')
      .select(['atena_no', 'name_kanji', 'birth_date', 'death_date', 'moved_out_on', 'moved_out_destination', 'became_resident_on', 'resident_status'])
      .where('atena_no', '=', atenaNo);
    if (lock) q = q.forUpdate();
    const p = await q.executeTakeFirst();
    if (!p) return undefined;
    return {
      atenaNo: Number(p.atena_no),
      nameKanji: p.name_kanji,
      birthDate: p.birth_date,
      deathDate: p.death_date,
      movedOutOn: p.moved_out_on,
      movedOutDestination: (p.moved_out_destination as MovedOutDestination | null) ?? null,
      becameResidentOn: p.became_resident_on,
      residentStatus: p.resident_status,
    };
  }

  /** The household the person belongs to now (null: none). */
  async currentHousehold(atenaNo: number): Promise<number | null> {
    const m = await this.db.selectFrom('household_member').select('household_no').where('atena_no', '=', atenaNo).where('valid_to', 'is', null).executeTakeFirst();
    return m ? Number(m.household_no) : null;
  }

  async row(eligibilityId: number, lock = false): Promise<EligibilityRow | undefined> {
    let q = this.db.selectFrom('nhi_eligibility').select([...ROW_COLUMNS]).where('eligibility_id', '=', eligibilityId);
    if (lock) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? toRow(r) : undefined;
  }

  /** Every version of the person's periods, current and superseded (system time). */
  async allRows(atenaNo: number): Promise<EligibilityRow[]> {
    const rows = await this.db.selectFrom('nhi_eligibility').select([...ROW_COLUMNS]).where('atena_no', '=', atenaNo).orderBy('acquired_on').orderBy('eligibility_id').execute();
    return rows.map(toRow);
  }

  /** The person's current periods (what the system holds now), optionally locked. */
  async currentRows(atenaNo: number, lock = false): Promise<EligibilityRow[]> {
    let q = this.db.selectFrom('nhi_eligibility').select([...ROW_COLUMNS]).where('atena_no', '=', atenaNo).where('superseded_at', 'is', null).orderBy('acquired_on');
    if (lock) q = q.forUpdate();
    return (await q.execute()).map(toRow);
  }

  /** Who first recorded each superseded version (the earliest history copy), keyed by eligibility_id. */
  async firstRecorders(eligibilityIds: readonly number[]): Promise<Map<number, string>> {
    if (eligibilityIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('nhi_eligibility_history')
      .select(['row_key', 'row_data', 'history_id'])
      .where('row_key', 'in', eligibilityIds.map(String))
      .orderBy('history_id')
      .execute();
    const out = new Map<number, string>();
    for (const r of rows) {
      const key = Number(r.row_key);
      const data = (typeof r.row_data === 'string' ? JSON.parse(r.row_data) : r.row_data) as { updated_by?: string };
      if (!out.has(key) && data.updated_by) out.set(key, data.updated_by);
    }
    return out;
  }

  /** The household's 被保険者証記号・番号 (the most recent one in use), if it has one. */
  async householdNumber(householdNo: number): Promise<{ symbol: string; number: string } | null> {
    const r = await sql<{ insured_symbol: string; insured_number: string }>`
      SELECT insured_symbol, insured_number FROM nhi_eligibility
       WHERE household_no = ${householdNo}
       ORDER BY (superseded_at IS NULL) DESC, (lost_on IS NULL) DESC, recorded_at DESC, eligibility_id DESC
       LIMIT 1`.execute(this.db);
    const x = r.rows[0];
    return x ? { symbol: x.insured_symbol, number: x.insured_number } : null;
  }

  /** Serialises the allocation of new 被保険者証番号 until the transaction ends. */
  async lockNumberAllocation(): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtext('nhi_eligibility.insured_number'))`.execute(this.db);
  }

  async numberUsedByOtherHousehold(number: string, householdNo: number): Promise<boolean> {
    const r = await this.db.selectFrom('nhi_eligibility').select('eligibility_id').where('insured_number', '=', number).where('household_no', '<>', householdNo).limit(1).executeTakeFirst();
    return !!r;
  }

  /** The 枝番 used under this 記号・番号 (any version, any time), and the one this person had, if any. */
  async branchesUnder(symbol: string, number: string, atenaNo: number): Promise<{ used: string[]; own: string | null }> {
    const rows = await this.db
      .selectFrom('nhi_eligibility')
      .select(['branch_no', 'atena_no'])
      .where('insured_symbol', '=', symbol)
      .where('insured_number', '=', number)
      .orderBy('eligibility_id', 'desc')
      .execute();
    const own = rows.find((r) => Number(r.atena_no) === atenaNo)?.branch_no ?? null;
    // Another person already holding the person's old 枝番 (data from elsewhere) rules the reuse out.
    const ownTaken = own !== null && rows.some((r) => r.branch_no === own && Number(r.atena_no) !== atenaNo);
    return { used: rows.map((r) => r.branch_no), own: ownTaken ? null : own };
  }

  /** The system time of the writes of one apply step: the old version ends when the new one begins. */
  async now(): Promise<Date> {
    const r = await sql<{ now: Date | string }>`SELECT clock_timestamp() AS now`.execute(this.db);
    return new Date(r.rows[0]!.now);
  }

  /** Mark a version as no longer the system's knowledge (correction, deletion, loss). */
  async supersede(eligibilityId: number, at: Date): Promise<void> {
    await this.db.updateTable('nhi_eligibility').set({ superseded_at: at }).where('eligibility_id', '=', eligibilityId).where('superseded_at', 'is', null).execute();
  }

  async insertVersion(v: NewVersion, at: Date, by: string): Promise<number> {
    const r = await this.db
      .insertInto('nhi_eligibility')
      .values({
        atena_no: v.atenaNo,
        household_no: v.householdNo,
        insured_symbol: v.insuredSymbol,
        insured_number: v.insuredNumber,
        branch_no: v.branchNo,
        acquired_on: v.acquiredOn,
        acquisition_reason: v.acquisitionReason,
        prefecture_acquired_on: v.prefectureAcquiredOn ?? null,
        lost_on: v.lostOn,
        loss_reason: v.lossReason,
        acquisition_reported_on: v.acquisitionReportedOn,
        loss_reported_on: v.lossReportedOn,
        acquisition_retroactive: v.acquisitionRetroactive,
        loss_retroactive: v.lossRetroactive,
        recorded_at: at,
        updated_by: by,
      })
      .returning('eligibility_id')
      .executeTakeFirstOrThrow();
    return Number(r.eligibility_id);
  }
}

/**
 * "Insured" as of a day, as SQL over nhi_eligibility under `alias`: a current version (superseded_at IS
 * NULL: a superseded open row is what was believed before, not the record) whose [acquired_on, lost_on)
 * contains the day. Every query asking whether someone is insured uses this (today by default).
 */
export function insuredOnSql(alias: string, day: string): RawBuilder<boolean> {
  const c = (col: string) => sql.ref(`${alias}.${col}`);
  return sql<boolean>`(${c('superseded_at')} IS NULL AND ${c('acquired_on')} <= ${day}::date AND (${c('lost_on')} IS NULL OR ${c('lost_on')} > ${day}::date))`;
}
