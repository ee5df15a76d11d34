import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { addressProtected, type AddressHolder } from './person.rules.js';

type Q = Kysely<DB> | Transaction<DB>;

/** Reads of 宛名・世帯 for the screens. The only code that queries these tables for the API. */
export class PersonRepository {
  constructor(private readonly db: Q) {}

  getPerson(atenaNo: number) {
    return this.db
      .selectFrom('person as p')
      .leftJoin('address_area as a', 'a.area_code', 'p.area_code')
      .leftJoin('household_member as m', (j) => j.onRef('m.atena_no', '=', 'p.atena_no').on('m.valid_to', 'is', null))
      .select([
        'p.atena_no', 'p.name_kanji', 'p.name_kana', 'p.alias_kanji', 'p.alias_kana', 'p.real_name', 'p.real_name_kana',
        'p.birth_date', 'p.sex', 'p.resident_kind', 'p.resident_status', 'p.nationality_code', 'p.became_resident_on',
        'p.banchi', 'p.katagaki', 'p.address_set_on', 'p.previous_address', 'p.moved_out_to', 'p.moved_out_on', 'p.death_date',
        'p.dv_support', 'p.valid_from', 'p.change_reason', 'p.updated_at', 'p.updated_by',
        'a.town_name', 'a.chome', 'm.household_no', 'm.relationship',
      ])
      .where('p.atena_no', '=', atenaNo)
      .executeTakeFirst();
  }

  async hasMyNumber(atenaNo: number): Promise<boolean> {
    const r = await this.db.selectFrom('person_my_number').select('atena_no').where('atena_no', '=', atenaNo).executeTakeFirst();
    return !!r;
  }

  /** Superseded versions (from person_history) followed by the live row: the person's full history. */
  async personVersions(atenaNo: number) {
    const old = await this.db
      .selectFrom('person_history')
      .select(['row_data', 'changed_fields', 'superseded_at', 'superseded_by', 'op'])
      .where('row_key', '=', String(atenaNo))
      .orderBy('history_id')
      .execute();
    return old;
  }

  /**
   * The persons among these whose address DV等支援措置 protects (addressProtected): one query for them
   * and the candidate flagged persons — current members of their households (by household index), and
   * the flagged on their 町字 and 番地 (dv_flagged_address holds only the flagged, kept by triggers on
   * person); the rule decides. At 1,000,000 persons (1,000 flagged) a page of 20 took 2–7 ms on
   * PostgreSQL; scanning every flagged person instead took 83 ms.
   */
  async protectedAddressesAmong(atenaNos: readonly number[]): Promise<Set<number>> {
    if (atenaNos.length === 0) return new Set();
    const ids = sql.join([...new Set(atenaNos)].map((n) => sql`${n}::bigint`));
    const r = await sql<{ target: boolean; atena_no: number | string; household_no: number | string | null; area_code: string | null; banchi: string | null; katagaki: string | null; dv_support: boolean }>`
      WITH t AS (
        SELECT p.atena_no, m.household_no, p.area_code, p.banchi, p.katagaki, p.dv_support
          FROM person p LEFT JOIN household_member m ON m.atena_no = p.atena_no AND m.valid_to IS NULL
         WHERE p.atena_no IN (${ids})
      )
      SELECT true AS target, t.* FROM t
      UNION ALL
      SELECT false, d.atena_no, hm.household_no, d.area_code, d.banchi, d.katagaki, d.dv_support
        FROM (SELECT DISTINCT household_no FROM t WHERE household_no IS NOT NULL) th
        JOIN household_member hm ON hm.household_no = th.household_no AND hm.valid_to IS NULL
        JOIN person d ON d.atena_no = hm.atena_no AND d.dv_support
      UNION ALL
      SELECT false, d.atena_no, NULL, d.area_code, d.banchi, d.katagaki, true
        FROM (SELECT DISTINCT area_code, coalesce(banchi, '') AS banchi FROM t WHERE area_code IS NOT NULL) ta
        JOIN dv_flagged_address d ON d.area_code = ta.area_code AND coalesce(d.banchi, '') = ta.banchi
    `.execute(this.db);
    const holder = (x: (typeof r.rows)[number]): AddressHolder => ({
      atenaNo: Number(x.atena_no),
      householdNo: x.household_no === null ? null : Number(x.household_no),
      areaCode: x.area_code,
      banchi: x.banchi,
      katagaki: x.katagaki,
      dvSupport: x.dv_support,
    });
    const dv = r.rows.filter((x) => !x.target).map(holder);
    return new Set(r.rows.filter((x) => x.target).map(holder).filter((p) => addressProtected(p, dv)).map((p) => p.atenaNo));
  }

  getHousehold(householdNo: number) {
    return this.db.selectFrom('household').selectAll().where('household_no', '=', householdNo).executeTakeFirst();
  }

  /** Every membership period of the household, current and past, with the member's person data. */
  householdMembers(householdNo: number) {
    return this.db
      .selectFrom('household_member as m')
      .innerJoin('person as p', 'p.atena_no', 'm.atena_no')
      .leftJoin('address_area as a', 'a.area_code', 'p.area_code')
      .select([
        'm.member_id', 'm.atena_no', 'm.relationship', 'm.member_order', 'm.valid_from', 'm.valid_to', 'm.change_reason',
        'p.name_kanji', 'p.name_kana', 'p.alias_kanji', 'p.birth_date', 'p.sex', 'p.resident_status', 'p.dv_support',
        'p.banchi', 'p.katagaki', 'a.town_name', 'a.chome', 'p.valid_from as person_valid_from', 'p.change_reason as person_change_reason',
      ])
      .where('m.household_no', '=', householdNo)
      .orderBy('m.valid_to', (ob) => ob.desc().nullsFirst())
      .orderBy('m.member_order')
      .execute();
  }

  /** Every current version (superseded_at IS NULL) of these persons' 資格 periods, in any household, newest first. */
  eligibilityOf(atenaNos: readonly number[]) {
    if (atenaNos.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('nhi_eligibility')
      .select(['eligibility_id', 'atena_no', 'household_no', 'insured_symbol', 'insured_number', 'branch_no', 'acquired_on', 'lost_on', 'acquisition_reason', 'loss_reason', 'acquisition_retroactive', 'loss_retroactive', 'updated_at', 'updated_by'])
      .where('atena_no', 'in', atenaNos)
      .where('superseded_at', 'is', null)
      .orderBy('acquired_on', 'desc')
      .execute();
  }

  /** Edit history across the household's tables, newest first. */
  async householdHistory(householdNo: number, atenaNos: readonly number[], memberIds: readonly number[]) {
    const keys = atenaNos.map(String);
    const memberKeys = memberIds.map(String);
    const person = keys.length
      ? await this.db.selectFrom('person_history').select(['row_key', 'changed_fields', 'row_data', 'superseded_at', 'superseded_by']).where('row_key', 'in', keys).execute()
      : [];
    const members = memberKeys.length
      ? await this.db.selectFrom('household_member_history').select(['row_key', 'changed_fields', 'row_data', 'superseded_at', 'superseded_by']).where('row_key', 'in', memberKeys).execute()
      : [];
    const household = await this.db
      .selectFrom('household_history')
      .select(['row_key', 'changed_fields', 'row_data', 'superseded_at', 'superseded_by'])
      .where('row_key', '=', String(householdNo))
      .execute();
    return { person, members, household };
  }
}
