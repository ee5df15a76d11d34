import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB, NhiHouseholdStatusTable } from '../../db/schema.js';
import type { FacilityKind, HouseholdFacts, InsuredPeriod, StatusPeriod } from './nhi-household.rules.js';

type Q = Kysely<DB> | Transaction<DB>;

/** A stored status period as read, with its notes. */
export interface StatusRow extends StatusPeriod {
  /** 住所地特例: the 国保世帯番号 of the person's own one-person NHI household (drawn when recorded). */
  ownHouseholdNo: number | null;
  basis: string | null;
  reportedOn: string | null;
  updatedAt: Date;
  updatedBy: string;
}

const COLUMNS = ['status_id', 'atena_no', 'household_no', 'kind', 'valid_from', 'valid_to', 'facility_name', 'facility_kind', 'school_name', 'own_household_no', 'basis', 'reported_on', 'updated_at', 'updated_by'] as const;
const toRow = (r: Selectable<NhiHouseholdStatusTable>): StatusRow => ({
  statusId: Number(r.status_id),
  atenaNo: Number(r.atena_no),
  householdNo: Number(r.household_no),
  kind: r.kind,
  validFrom: r.valid_from,
  validTo: r.valid_to,
  facilityName: r.facility_name,
  facilityKind: r.facility_kind,
  schoolName: r.school_name,
  ownHouseholdNo: r.own_household_no === null ? null : Number(r.own_household_no),
  basis: r.basis,
  reportedOn: r.reported_on,
  updatedAt: new Date(r.updated_at as Date),
  updatedBy: r.updated_by,
});

export interface NewStatus {
  atenaNo: number;
  householdNo: number;
  kind: StatusPeriod['kind'];
  validFrom: string;
  validTo: string | null;
  facilityName: string | null;
  facilityKind: Exclude<FacilityKind, 'child_welfare'> | null;
  schoolName: string | null;
  basis: string | null;
  reportedOn: string | null;
}

/** Reads and writes of nhi_household_status, and the facts the NHI household rules need. */
export class NhiHouseholdRepository {
  constructor(private readonly db: Q) {}

  householdExists(householdNo: number) {
    return this.db.selectFrom('household').select('household_no').where('household_no', '=', householdNo).executeTakeFirst().then((r) => !!r);
  }

  /**
   * The facts of the registry household's NHI household: every membership period of its members (in
   * any household, so a 世帯変更 is seen), their current 資格 periods, and the status periods of the
   * household and of those persons (a 修学中 student or a 住所地特例 person who left is found by these).
   */
  async facts(householdNo: number, alsoPersons: readonly number[] = []): Promise<Omit<HouseholdFacts, 'statuses'> & { persons: number[]; statuses: StatusRow[] }> {
    const byHousehold = await this.db.selectFrom('household_member').select('atena_no').where('household_no', '=', householdNo).execute();
    const byStatus = await this.db.selectFrom('nhi_household_status').select('atena_no').where('household_no', '=', householdNo).execute();
    const persons = [...new Set([...byHousehold, ...byStatus].map((r) => Number(r.atena_no)).concat(alsoPersons))];
    if (persons.length === 0) return { persons, members: [], eligibility: [], statuses: [] };
    const members = await this.db
      .selectFrom('household_member')
      .select(['atena_no', 'household_no', 'relationship', 'valid_from', 'valid_to'])
      .where('atena_no', 'in', persons)
      .execute();
    const eligibility = await this.db
      .selectFrom('nhi_eligibility')
      .select(['atena_no', 'household_no', 'acquired_on', 'lost_on', 'loss_reason'])
      .where('atena_no', 'in', persons)
      .where('superseded_at', 'is', null)
      .execute();
    const statuses = await this.db
      .selectFrom('nhi_household_status')
      .select([...COLUMNS])
      .where((eb) => eb.or([eb('household_no', '=', householdNo), eb('atena_no', 'in', persons)]))
      .orderBy('valid_from')
      .orderBy('status_id')
      .execute();
    return {
      persons,
      members: members.map((m) => ({ atenaNo: Number(m.atena_no), householdNo: Number(m.household_no), head: m.relationship === 'head', validFrom: m.valid_from, validTo: m.valid_to })),
      eligibility: eligibility.map((e): InsuredPeriod => ({ atenaNo: Number(e.atena_no), householdNo: Number(e.household_no), acquiredOn: e.acquired_on, lostOn: e.lost_on, lossReason: e.loss_reason })),
      statuses: statuses.map(toRow),
    };
  }

  async names(atenaNos: readonly number[]): Promise<Map<number, string>> {
    if (atenaNos.length === 0) return new Map();
    const rows = await this.db.selectFrom('person').select(['atena_no', 'name_kanji']).where('atena_no', 'in', atenaNos).execute();
    return new Map(rows.map((r) => [Number(r.atena_no), r.name_kanji]));
  }

  async status(statusId: number, lock = false): Promise<StatusRow | undefined> {
    let q = this.db.selectFrom('nhi_household_status').select([...COLUMNS]).where('status_id', '=', statusId);
    if (lock) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? toRow(r) : undefined;
  }

  async insert(s: NewStatus, by: string): Promise<number> {
    const r = await this.db
      .insertInto('nhi_household_status')
      .values({
        atena_no: s.atenaNo,
        household_no: s.householdNo,
        kind: s.kind,
        valid_from: s.validFrom,
        valid_to: s.validTo,
        facility_name: s.facilityName,
        facility_kind: s.facilityKind,
        school_name: s.schoolName,
        basis: s.basis,
        reported_on: s.reportedOn,
        updated_by: by,
      })
      .returning('status_id')
      .executeTakeFirstOrThrow();
    return Number(r.status_id);
  }

  /** The end of a period: valid_to (the superseded version goes to nhi_household_status_history). */
  async end(statusId: number, validTo: string): Promise<void> {
    await this.db.updateTable('nhi_household_status').set({ valid_to: validTo }).where('status_id', '=', statusId).execute();
  }
}
