import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { kanaSearchKey, kanjiSearchKey } from '../../lib/kana.js';

/** A made-up household for the assessment tests: persons, registry membership, 資格 periods and incomes. */
export interface MemberSpec {
  birthDate: string;
  head?: boolean;
  /** 資格 periods [acquiredOn, lostOn); none: not insured. */
  insured?: { from: string; to?: string | null; lossReason?: 'moved_out' | 'late_elderly' | 'joined_employee_insurance' }[];
  salary?: number;
  pension?: number;
  business?: number;
  unreported?: boolean;
}

let next = 0;

/** Insert a household (numbers from 700000000 up, unique per call) with its members; returns the numbers. */
export async function addHousehold(db: Kysely<DB>, members: readonly MemberSpec[], incomeYear = 2025): Promise<{ householdNo: number; atenaNos: number[] }> {
  const householdNo = 700_000_000 + ++next * 10;
  const base = 800_000_000 + next * 100;
  const actor = 'operator:test@host/assessment-test/x';
  const atenaNos = members.map((_, i) => base + i);
  await db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${actor}, true)`.execute(tx);
    await tx
      .insertInto('person')
      .values(
        members.map((m, i) => ({
          atena_no: atenaNos[i]!,
          name_kanji: `試験　${i}`,
          name_kana: 'シケン',
          name_kana_key: kanaSearchKey('シケン'),
          name_kanji_key: kanjiSearchKey(`試験　${i}`),
          birth_date: m.birthDate,
          sex: 'male' as const,
          resident_kind: 'japanese' as const,
          resident_status: 'resident' as const,
          became_resident_on: '2010-04-01',
          area_code: '0101',
          banchi: '9-9',
          address_set_on: '2010-04-01',
          valid_from: '2010-04-01',
          change_reason: 'moved_in' as const,
          updated_by: actor,
        })),
      )
      .execute();
    await tx.insertInto('household').values({ household_no: householdNo, formed_on: '2010-04-01', valid_from: '2010-04-01', change_reason: 'moved_in', updated_by: actor }).execute();
    const headIndex = Math.max(0, members.findIndex((m) => m.head));
    await tx
      .insertInto('household_member')
      .values(members.map((_, i) => ({ household_no: householdNo, atena_no: atenaNos[i]!, relationship: i === headIndex ? ('head' as const) : ('child' as const), member_order: i + 1, valid_from: '2010-04-01', change_reason: 'moved_in' as const, updated_by: actor })))
      .execute();
    let branch = 0;
    for (const [i, m] of members.entries()) {
      for (const p of m.insured ?? []) {
        await tx
          .insertInto('nhi_eligibility')
          .values({
            atena_no: atenaNos[i]!,
            household_no: householdNo,
            insured_symbol: '川9',
            insured_number: String(householdNo).slice(-8),
            branch_no: String(++branch).padStart(2, '0'),
            acquired_on: p.from,
            acquisition_reason: 'moved_in',
            lost_on: p.to ?? null,
            loss_reason: p.to ? (p.lossReason ?? 'moved_out') : null,
            updated_by: actor,
          })
          .execute();
      }
      // One current income version per person and 年度 (income_return, read by income-source.ts loadIncomes).
      const any = (m.salary ?? 0) > 0 || (m.pension ?? 0) > 0 || (m.business ?? 0) !== 0;
      await tx
        .insertInto('income_return')
        .values({
          atena_no: atenaNos[i]!,
          fiscal_year: incomeYear,
          version: 1,
          source: 'initial_load',
          filing_status: m.unreported ? 'unreported' : any ? 'declared' : 'no_income',
          salary_revenue_yen: m.unreported ? 0 : (m.salary ?? 0),
          pension_revenue_yen: m.unreported ? 0 : (m.pension ?? 0),
          business_revenue_yen: m.unreported ? 0 : Math.max(0, m.business ?? 0),
          business_income_yen: m.unreported ? 0 : (m.business ?? 0),
          total_income_yen: m.unreported ? 0 : Math.max(0, m.business ?? 0),
          recorded_by: actor,
        })
        .execute();
    }
  });
  return { householdNo, atenaNos };
}
