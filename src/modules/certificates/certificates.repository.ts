import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { CertificateKind, Disease, IssueMethod, IssueReason, RecoveryMethod, RecoveryReason } from './certificate-kinds.js';
import type { IncomeClass } from './income-class.rules.js';
import type { JudgementLine } from './copay-rate.rules.js';

type Q = Kysely<DB> | Transaction<DB>;

export interface CertificateRow {
  certificateId: number;
  kind: CertificateKind;
  atenaNo: number;
  householdNo: number;
  eligibilityId: number;
  insuredSymbol: string;
  insuredNumber: string;
  branchNo: string;
  printedName: string;
  printedNameKana: string;
  issuedOn: string;
  validFrom: string;
  validTo: string | null;
  copayPercent: 20 | 30 | null;
  incomeClass: IncomeClass | null;
  disease: Disease | null;
  selfPayLimit: number | null;
  judgement: JudgementLine[];
  applicationOn: string | null;
  issueReason: IssueReason;
  issueMethod: IssueMethod;
  recoveredOn: string | null;
  recoveryReason: RecoveryReason | null;
  recoveryMethod: RecoveryMethod | null;
  recoveryNote: string | null;
  issuedBy: string;
  issuedAt: string;
}

export type NewCertificate = Omit<CertificateRow, 'certificateId' | 'recoveredOn' | 'recoveryReason' | 'recoveryMethod' | 'recoveryNote' | 'issuedBy' | 'issuedAt'> & { batchRun?: string | null };

/** Income and 住民税 facts of one person for one 年度 (the judgements' input). */
export interface PersonIncome {
  atenaNo: number;
  hasTaxRecord: boolean;
  taxableStandard: number;
  exempt: boolean;
  unreported: boolean;
  totalIncome: number;
  revenue: number;
  pensionRevenue: number;
  incomeOtherThanPension: number;
}

type StoredRow = Selectable<DB['certificate']>;
const toRow = (r: StoredRow): CertificateRow => ({
  certificateId: Number(r.certificate_id),
  kind: r.kind as CertificateKind,
  atenaNo: Number(r.atena_no),
  householdNo: Number(r.household_no),
  eligibilityId: Number(r.eligibility_id),
  insuredSymbol: r.insured_symbol,
  insuredNumber: r.insured_number,
  branchNo: r.branch_no,
  printedName: r.printed_name,
  printedNameKana: r.printed_name_kana,
  issuedOn: r.issued_on,
  validFrom: r.valid_from,
  validTo: r.valid_to,
  copayPercent: r.copay_percent as 20 | 30 | null,
  incomeClass: r.income_class,
  disease: r.disease,
  selfPayLimit: r.self_pay_limit,
  judgement: r.judgement as JudgementLine[],
  applicationOn: r.application_on,
  issueReason: r.issue_reason,
  issueMethod: r.issue_method,
  recoveredOn: r.recovered_on,
  recoveryReason: r.recovery_reason,
  recoveryMethod: r.recovery_method,
  recoveryNote: r.recovery_note,
  issuedBy: r.issued_by,
  issuedAt: r.issued_at instanceof Date ? r.issued_at.toISOString() : String(r.issued_at),
});

/** 証交付回収情報, マイナ保険証の利用登録 and the 住民税 facts: the only code that queries these tables. */
export class CertificatesRepository {
  constructor(private readonly db: Q) {}

  async ofPerson(atenaNo: number): Promise<CertificateRow[]> {
    const rows = await this.db.selectFrom('certificate').selectAll().where('atena_no', '=', atenaNo).orderBy('issued_on', 'desc').orderBy('certificate_id', 'desc').execute();
    return rows.map(toRow);
  }

  async get(certificateId: number, lock = false): Promise<CertificateRow | undefined> {
    let q = this.db.selectFrom('certificate').selectAll().where('certificate_id', '=', certificateId);
    if (lock) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? toRow(r) : undefined;
  }

  async insert(c: NewCertificate, by: string): Promise<number> {
    const r = await this.db
      .insertInto('certificate')
      .values({
        kind: c.kind,
        atena_no: c.atenaNo,
        household_no: c.householdNo,
        eligibility_id: c.eligibilityId,
        insured_symbol: c.insuredSymbol,
        insured_number: c.insuredNumber,
        branch_no: c.branchNo,
        printed_name: c.printedName,
        printed_name_kana: c.printedNameKana,
        issued_on: c.issuedOn,
        valid_from: c.validFrom,
        valid_to: c.validTo,
        copay_percent: c.copayPercent,
        income_class: c.incomeClass,
        disease: c.disease,
        self_pay_limit: c.selfPayLimit,
        judgement: JSON.stringify(c.judgement),
        application_on: c.applicationOn,
        issue_reason: c.issueReason,
        issue_method: c.issueMethod,
        batch_run: c.batchRun ?? null,
        issued_by: by,
        updated_by: by,
      })
      .returning('certificate_id')
      .executeTakeFirstOrThrow();
    return Number(r.certificate_id);
  }

  async recover(certificateId: number, r: { recoveredOn: string; reason: RecoveryReason; method: RecoveryMethod; note: string | null }): Promise<void> {
    await this.db
      .updateTable('certificate')
      .set({ recovered_on: r.recoveredOn, recovery_reason: r.reason, recovery_method: r.method, recovery_note: r.note })
      .where('certificate_id', '=', certificateId)
      .execute();
  }

  /** マイナ保険証 registered (and not cancelled) on `day`. */
  async mynaRegistered(atenaNo: number, day: string): Promise<boolean> {
    const r = await this.db.selectFrom('myna_insurance_use').select(['registered_on', 'cancelled_on']).where('atena_no', '=', atenaNo).executeTakeFirst();
    return !!r && r.registered_on <= day && (r.cancelled_on === null || day < r.cancelled_on);
  }

  /** The 資格 period of the person that covers `day` (current knowledge). */
  insuredPeriodOn(atenaNo: number, day: string) {
    return this.db
      .selectFrom('nhi_eligibility')
      .select(['eligibility_id', 'household_no', 'insured_symbol', 'insured_number', 'branch_no', 'acquired_on', 'lost_on'])
      .where('atena_no', '=', atenaNo)
      .where('superseded_at', 'is', null)
      .where('acquired_on', '<=', day)
      .where((eb) => eb.or([eb('lost_on', 'is', null), eb('lost_on', '>', day)]))
      .executeTakeFirst();
  }

  /** Income (by kind, summed) and the 住民税 record of these persons for the 年度 `fiscalYear`. */
  async incomes(atenaNos: readonly number[], fiscalYear: number): Promise<Map<number, PersonIncome>> {
    const out = new Map<number, PersonIncome>();
    if (atenaNos.length === 0) return out;
    for (const n of atenaNos) out.set(n, { atenaNo: n, hasTaxRecord: false, taxableStandard: 0, exempt: false, unreported: true, totalIncome: 0, revenue: 0, pensionRevenue: 0, incomeOtherThanPension: 0 });
    const income = await this.db.selectFrom('income').select(['atena_no', 'income_type', 'revenue_yen', 'income_yen']).where('atena_no', 'in', atenaNos).where('fiscal_year', '=', fiscalYear).execute();
    for (const r of income) {
      const p = out.get(Number(r.atena_no))!;
      const inc = Number(r.income_yen);
      p.totalIncome += inc;
      p.revenue += Number(r.revenue_yen);
      if (r.income_type === 'pension') p.pensionRevenue += Number(r.revenue_yen);
      else p.incomeOtherThanPension += inc;
    }
    for (const p of out.values()) p.totalIncome = Math.max(0, p.totalIncome);
    const tax = await this.db.selectFrom('resident_tax_status').selectAll().where('atena_no', 'in', atenaNos).where('fiscal_year', '=', fiscalYear).execute();
    for (const t of tax) {
      const p = out.get(Number(t.atena_no))!;
      p.hasTaxRecord = true;
      p.taxableStandard = Number(t.taxable_standard_yen);
      p.exempt = t.exempt;
      p.unreported = t.unreported;
    }
    return out;
  }

  /** Printing: the person's name, birth, sex and address (the DV rule is applied by the caller). */
  personForPrint(atenaNo: number) {
    return this.db
      .selectFrom('person as p')
      .leftJoin('address_area as a', 'a.area_code', 'p.area_code')
      .select(['p.atena_no', 'p.name_kanji', 'p.name_kana', 'p.birth_date', 'p.sex', 'p.banchi', 'p.katagaki', 'p.alias_kanji', 'p.alias_kana', 'p.resident_status', 'a.town_name', 'a.chome', 'a.postal_code'])
      .where('p.atena_no', '=', atenaNo)
      .executeTakeFirst();
  }
}
