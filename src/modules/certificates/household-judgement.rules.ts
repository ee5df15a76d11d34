import { copayRate, isElderlyOn, type CopayJudgement } from './copay-rate.rules.js';
import { incomeClass, kyuTadashigaki, limitCertificateKindFor, type IncomeClassJudgement } from './income-class.rules.js';
import type { PersonIncome } from './certificates.repository.js';

/** A person of the NHI household on the judgement day, with that 年度's income and 住民税 record. */
export interface HouseholdPerson {
  atenaNo: number;
  birthDate: string;
  insured: boolean;
  head: boolean;
  income: PersonIncome;
}

export interface HouseholdJudgement {
  copay: CopayJudgement;
  incomeClass: IncomeClassJudgement;
  /** The 認定証 that states the 所得区分 (null: none needed). */
  limitKind: 'limit' | 'limit_reduced' | null;
}

/**
 * The two judgements printed on a person's certificates, from their NHI household on `day`: the 一部負担金の
 * 割合 (copayRate) and the 所得区分 (incomeClass, which uses the 割合 for 70–74). `former`: the 旧国保被保険者
 * (特定同一世帯所属者) with their income, for the 基準収入額 re-check.
 */
export function judgeHousehold(atenaNo: number, day: string, people: readonly HouseholdPerson[], former: readonly PersonIncome[], revenueTestApplied: boolean): HouseholdJudgement {
  const me = people.find((p) => p.atenaNo === atenaNo);
  if (!me) throw new Error(`judgeHousehold: ${atenaNo} is not in the household`);
  const elderly = people.filter((p) => p.insured && isElderlyOn(p.birthDate, day));
  const copay = copayRate({
    day,
    birthDate: me.birthDate,
    elderlyMembers: elderly.map((p) => ({
      atenaNo: p.atenaNo,
      taxableStandard: p.income.unreported ? null : p.income.taxableStandard,
      revenue: p.income.revenue,
      kyuTadashigaki: kyuTadashigaki(p.income.totalIncome, day),
    })),
    formerInsuredRevenues: former.map((f) => f.revenue),
    revenueTestApplied,
  });
  const cls = incomeClass(
    copay.elderly,
    people.map((p) => ({
      atenaNo: p.atenaNo,
      insured: p.insured,
      head: p.head,
      elderly: isElderlyOn(p.birthDate, day),
      unreported: p.income.unreported,
      exempt: p.income.exempt,
      taxableStandard: p.income.taxableStandard,
      totalIncome: p.income.totalIncome,
      pensionRevenue: p.income.pensionRevenue,
      incomeOtherThanPension: p.income.incomeOtherThanPension,
    })),
    day,
    copay.elderly ? copay.percent : null,
  );
  return { copay, incomeClass: cls, limitKind: limitCertificateKindFor(cls.incomeClass) };
}
