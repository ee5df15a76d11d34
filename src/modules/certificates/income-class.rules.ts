import { lawParams } from '../../platform/params/law-params.js';
import type { JudgementLine } from './copay-rate.rules.js';
import { oldProvisoIncome } from '../assessment/income.rules.js';
import { incomeFiscalYear } from './judgement-year.rules.js';

/**
 * 所得区分 (国民健康保険法施行令 第29条の3): the category of a household's monthly 高額療養費 limit, printed
 * on the 限度額適用認定証 (ア–エ, 現役並みⅠ・Ⅱ) or the 限度額適用・標準負担額減額認定証 (オ, 低所得Ⅱ・Ⅰ).
 */
export const INCOME_CLASSES = {
  a: { label: 'ア', elderly: false },
  i: { label: 'イ', elderly: false },
  u: { label: 'ウ', elderly: false },
  e: { label: 'エ', elderly: false },
  o: { label: 'オ', elderly: false },
  high3: { label: '現役並みⅢ', elderly: true },
  high2: { label: '現役並みⅡ', elderly: true },
  high1: { label: '現役並みⅠ', elderly: true },
  general: { label: '一般', elderly: true },
  low2: { label: '低所得Ⅱ', elderly: true },
  low1: { label: '低所得Ⅰ', elderly: true },
} as const;
export type IncomeClass = keyof typeof INCOME_CLASSES;
export const INCOME_CLASS_CODES = Object.keys(INCOME_CLASSES) as [IncomeClass, ...IncomeClass[]];

/** A person of the household whose income the judgement reads (前年の所得; 1–7月は前々年). */
export interface IncomeFacts {
  atenaNo: number;
  /** Insured on the judgement day (the 世帯主 may be a 擬制世帯主, not insured). */
  insured: boolean;
  head: boolean;
  /** 70–74 (高齢受給者) on the judgement day. */
  elderly: boolean;
  /** No 住民税 record for the year (未申告). */
  unreported: boolean;
  /** 住民税非課税. */
  exempt: boolean;
  /** 住民税の課税標準額. */
  taxableStandard: number;
  /** 総所得金額等 (before the 基礎控除). */
  totalIncome: number;
  /** 公的年金等の収入 (低所得Ⅰ: the pension counted with an 800,000 deduction). */
  pensionRevenue: number;
  /** 総所得金額等 without the 公的年金等に係る雑所得. */
  incomeOtherThanPension: number;
}

export interface IncomeClassJudgement {
  incomeClass: IncomeClass;
  label: string;
  /** 旧ただし書き所得 of the insured, summed (70歳未満の判定). */
  kyuTadashigakiTotal: number;
  lines: JudgementLine[];
}

const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
const ref = (key: string, day: string) => `${lawParams().entry(key, day).law}(${key})`;

/**
 * 旧ただし書き所得 (国民健康保険法施行令 第29条の3第2項) of the income the judgement on `day` reads: the same
 * rule as the assessment's (総所得金額等 − 基礎控除 of that 年度, not below 0).
 */
export function kyuTadashigaki(totalIncome: number, day: string): number {
  return oldProvisoIncome(totalIncome, `${incomeFiscalYear(day)}-04-01`);
}

/** 住民税非課税世帯: the 世帯主 (擬制世帯主 included) and every insured member are exempt. */
function exemptHousehold(people: readonly IncomeFacts[]): boolean {
  return people.filter((p) => p.insured || p.head).every((p) => p.exempt && !p.unreported);
}

/**
 * The 所得区分 of a person, judged on the household (`people`: the NHI household's insured members and its
 * 世帯主) on `day`. `copayPercent`: the 高齢受給者's 一部負担金の割合 judged the same day — 現役並み only
 * when it is 3割 (the 旧ただし書き所得 and 基準収入額 rules lower both).
 */
export function incomeClass(personElderly: boolean, people: readonly IncomeFacts[], day: string, copayPercent: 20 | 30 | null): IncomeClassJudgement {
  const insured = people.filter((p) => p.insured);
  const kyuTotal = insured.reduce((s, p) => s + kyuTadashigaki(p.totalIncome, day), 0);
  const lines: JudgementLine[] = [];
  const done = (c: IncomeClass): IncomeClassJudgement => ({ incomeClass: c, label: INCOME_CLASSES[c].label, kyuTadashigakiTotal: kyuTotal, lines });

  if (!personElderly) {
    const unreported = insured.filter((p) => p.unreported);
    if (unreported.length > 0) {
      lines.push({ label: '所得の申告がない被保険者', detail: `${unreported.length}人: 所得を確認できないため区分ア`, reference: ref('certificates.class_a_above', day) });
      return done('a');
    }
    if (exemptHousehold(people)) {
      lines.push({ label: '住民税非課税世帯', detail: '世帯主と国保の被保険者の全員が住民税非課税', reference: '国民健康保険法施行令 第29条の3第2項第2号' });
      return done('o');
    }
    const a = lawParams().yen('certificates.class_a_above', day);
    const i = lawParams().yen('certificates.class_i_above', day);
    const u = lawParams().yen('certificates.class_u_above', day);
    const c: IncomeClass = kyuTotal > a ? 'a' : kyuTotal > i ? 'i' : kyuTotal > u ? 'u' : 'e';
    const bound = c === 'a' ? `> ${yen(a)}` : c === 'i' ? `> ${yen(i)}` : c === 'u' ? `> ${yen(u)}` : `≦ ${yen(u)}`;
    const key = c === 'a' ? 'certificates.class_a_above' : c === 'i' ? 'certificates.class_i_above' : 'certificates.class_u_above';
    lines.push({ label: '被保険者の旧ただし書き所得の合計', detail: `${yen(kyuTotal)} ${bound} → 区分${INCOME_CLASSES[c].label}`, reference: ref(key, day) });
    return done(c);
  }

  const elderly = insured.filter((p) => p.elderly);
  if (copayPercent === 30) {
    const highest = Math.max(0, ...elderly.map((p) => p.taxableStandard));
    const h3 = lawParams().yen('certificates.elderly_high3_taxable', day);
    const h2 = lawParams().yen('certificates.elderly_high2_taxable', day);
    const c: IncomeClass = highest >= h3 ? 'high3' : highest >= h2 ? 'high2' : 'high1';
    lines.push({
      label: '70〜74歳の被保険者の課税標準額(最高)',
      detail: `${yen(highest)} → ${INCOME_CLASSES[c].label}(Ⅲ: ${yen(h3)}以上、Ⅱ: ${yen(h2)}以上)`,
      reference: ref(c === 'high3' ? 'certificates.elderly_high3_taxable' : 'certificates.elderly_high2_taxable', day),
    });
    return done(c);
  }
  if (exemptHousehold(people)) {
    const deduction = lawParams().yen('certificates.low_income1_pension_deduction', day);
    const zero = people
      .filter((p) => p.insured || p.head)
      .every((p) => p.incomeOtherThanPension <= 0 && Math.max(0, p.pensionRevenue - deduction) === 0);
    lines.push({ label: '住民税非課税世帯', detail: '世帯主と国保の被保険者の全員が住民税非課税', reference: '国民健康保険法施行令 第29条の3' });
    lines.push({
      label: '世帯の各所得(公的年金等は収入から80万円を控除)',
      detail: zero ? 'すべて0円 → 低所得Ⅰ' : '0円でない所得がある → 低所得Ⅱ',
      reference: ref('certificates.low_income1_pension_deduction', day),
    });
    return done(zero ? 'low1' : 'low2');
  }
  lines.push({ label: '70〜74歳の一部負担金の割合', detail: '2割(現役並み所得者でない)、住民税課税世帯 → 一般', reference: '国民健康保険法施行令 第29条の3' });
  return done('general');
}

/**
 * Which certificate states this 所得区分 at the counter: the 限度額適用認定証 (ア–エ, 現役並みⅠ・Ⅱ), the
 * 限度額適用・標準負担額減額認定証 (オ, 低所得Ⅱ・Ⅰ), or none — 現役並みⅢ and 一般 show their 負担割合 on the
 * 資格確認書 and need no 認定証 (国民健康保険法施行規則 第27条の14の2).
 */
export function limitCertificateKindFor(c: IncomeClass): 'limit' | 'limit_reduced' | null {
  if (c === 'o' || c === 'low2' || c === 'low1') return 'limit_reduced';
  if (c === 'high3' || c === 'general') return null;
  return 'limit';
}
