import { lawParams } from '../../platform/params/law-params.js';
import { addDays, ageOn, birthdayAtAge } from '../eligibility/eligibility.rules.js';
import { firstOfNextMonth } from './judgement-year.rules.js';

/** One step of a judgement, for the clerk and the resident: what was compared, and the law it applies. */
export interface JudgementLine {
  label: string;
  detail: string;
  reference: string;
}

const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
const ref = (key: string, day: string) => {
  const e = lawParams().entry(key, day);
  return `${e.law}(${key})`;
};

/**
 * The first day a person is 高齢受給者 (70–74: the 一部負担金 depends on income): the first of the month
 * after the month in which they reach 70 — they reach it the day before the 70th birthday (年齢計算ニ関スル
 * 法律), so someone born on the 1st is 高齢受給者 from their birthday month (国民健康保険法 第42条第1項第3号).
 */
export function elderlyFrom(birthDate: string, day: string): string {
  const age = lawParams().integer('certificates.elderly_age', day);
  const birthday = birthdayAtAge(birthDate, age);
  return birthday.slice(8) === '01' ? birthday : firstOfNextMonth(birthday);
}

export function isElderlyOn(birthDate: string, day: string): boolean {
  return day >= elderlyFrom(birthDate, day);
}

/**
 * 義務教育就学前: until the first 31 March on or after the day the child reaches 6 (国民健康保険法 第42条
 * 第1項第2号) — the day before the 6th birthday, so a child born on 1 April starts school a year earlier.
 */
export function preschoolOn(birthDate: string, day: string): boolean {
  const reaches = addDays(birthdayAtAge(birthDate, 6), -1);
  const year = Number(reaches.slice(0, 4)) + (reaches.slice(5) > '03-31' ? 1 : 0);
  return day <= `${year}-03-31`;
}

/** A 70–74 insured member of the NHI household, with the income the judgement reads (前年の所得). */
export interface ElderlyMember {
  atenaNo: number;
  /** 住民税の課税標準額; null: no 住民税 record (未申告). */
  taxableStandard: number | null;
  /** 収入の合計 (基準収入額適用の判定). */
  revenue: number;
  /** 旧ただし書き所得 (総所得金額等 − 基礎控除, floor 0). */
  kyuTadashigaki: number;
}

export interface CopayInput {
  day: string;
  birthDate: string;
  /** The 70–74 insured members of the person's NHI household on `day` (the person included when 70–74). */
  elderlyMembers: readonly ElderlyMember[];
  /** Revenue of each 旧国保被保険者 (特定同一世帯所属者 who moved to 後期) of the household. */
  formerInsuredRevenues: readonly number[];
  /** The household applied for 基準収入額適用 (the revenue re-check). */
  revenueTestApplied: boolean;
}

export type CopayBasis = 'preschool' | 'working_age' | 'general' | 'kyu_tadashigaki' | 'revenue_test' | 'high_income' | 'unreported';

export interface CopayJudgement {
  /** 一部負担金の割合 in percent (20 or 30). */
  percent: 20 | 30;
  label: '2割' | '3割';
  basis: CopayBasis;
  /** 高齢受給者 (70–74): the rate is printed on the 資格確認書 / 資格情報のお知らせ. */
  elderly: boolean;
  lines: JudgementLine[];
}

const result = (percent: 20 | 30, basis: CopayBasis, elderly: boolean, lines: JudgementLine[]): CopayJudgement => ({ percent, label: percent === 20 ? '2割' : '3割', basis, elderly, lines });

/**
 * 一部負担金の割合 (国民健康保険法 第42条, 同法施行令 第27条の2). Under 70: 3割, 未就学児 2割. 70–74
 * (高齢受給者): 3割 (現役並み所得者) when any 70–74 insured member of the household has a 課税標準額 of
 * 145万円 or more — unless the 70–74 members' 旧ただし書き所得 total is 210万円 or less (2割 without
 * application), or on application their revenue is under 383万円 (one member) / 520万円 (two or more, or
 * one with a 旧国保被保険者). A member without a 住民税 record (未申告) cannot be judged: 3割 until the
 * income is declared, then re-judged.
 */
export function copayRate(input: CopayInput): CopayJudgement {
  const { day } = input;
  const lines: JudgementLine[] = [];
  if (!isElderlyOn(input.birthDate, day)) {
    if (preschoolOn(input.birthDate, day)) {
      return result(20, 'preschool', false, [{ label: '義務教育就学前', detail: '6歳に達する日以後の最初の3月31日まで', reference: '国民健康保険法 第42条第1項第2号' }]);
    }
    return result(30, 'working_age', false, [{ label: '70歳未満', detail: `${ageOn(input.birthDate, day)}歳`, reference: '国民健康保険法 第42条第1項第1号' }]);
  }
  lines.push({ label: '高齢受給者', detail: `70歳に達する日の属する月の翌月(${elderlyFrom(input.birthDate, day)})以後`, reference: ref('certificates.elderly_age', day) });

  const unreported = input.elderlyMembers.filter((m) => m.taxableStandard === null);
  if (unreported.length > 0) {
    lines.push({ label: '所得の申告がない70〜74歳の被保険者', detail: `${unreported.length}人: 所得を確認できないため3割(申告の後に再判定)`, reference: ref('certificates.copay_high_taxable_income', day) });
    return result(30, 'unreported', true, lines);
  }
  const threshold = lawParams().yen('certificates.copay_high_taxable_income', day);
  const highest = Math.max(0, ...input.elderlyMembers.map((m) => m.taxableStandard ?? 0));
  lines.push({ label: '70〜74歳の被保険者の課税標準額(最高)', detail: `${yen(highest)} ${highest >= threshold ? '≧' : '<'} ${yen(threshold)}`, reference: ref('certificates.copay_high_taxable_income', day) });
  if (highest < threshold) return result(20, 'general', true, lines);

  const kyuLimit = lawParams().yen('certificates.copay_kyu_tadashigaki_limit', day);
  const kyuTotal = input.elderlyMembers.reduce((s, m) => s + m.kyuTadashigaki, 0);
  lines.push({ label: '70〜74歳の被保険者の旧ただし書き所得の合計', detail: `${yen(kyuTotal)} ${kyuTotal <= kyuLimit ? '≦' : '>'} ${yen(kyuLimit)}`, reference: ref('certificates.copay_kyu_tadashigaki_limit', day) });
  if (kyuTotal <= kyuLimit) return result(20, 'kyu_tadashigaki', true, lines);

  if (input.revenueTestApplied) {
    const single = lawParams().yen('certificates.copay_revenue_single', day);
    const multiple = lawParams().yen('certificates.copay_revenue_multiple', day);
    const own = input.elderlyMembers.reduce((s, m) => s + m.revenue, 0);
    if (input.elderlyMembers.length === 1 && own < single) {
      lines.push({ label: '基準収入額適用(申請): 70〜74歳の被保険者一人の収入', detail: `${yen(own)} < ${yen(single)}`, reference: ref('certificates.copay_revenue_single', day) });
      return result(20, 'revenue_test', true, lines);
    }
    if (input.elderlyMembers.length >= 2 || input.formerInsuredRevenues.length > 0) {
      const total = own + (input.elderlyMembers.length === 1 ? input.formerInsuredRevenues.reduce((s, r) => s + r, 0) : 0);
      const who = input.elderlyMembers.length >= 2 ? '70〜74歳の被保険者の収入の合計' : '70〜74歳の被保険者と旧国保被保険者の収入の合計';
      lines.push({ label: `基準収入額適用(申請): ${who}`, detail: `${yen(total)} ${total < multiple ? '<' : '≧'} ${yen(multiple)}`, reference: ref('certificates.copay_revenue_multiple', day) });
      if (total < multiple) return result(20, 'revenue_test', true, lines);
    } else {
      lines.push({ label: '基準収入額適用(申請): 70〜74歳の被保険者一人の収入', detail: `${yen(own)} ≧ ${yen(single)}`, reference: ref('certificates.copay_revenue_single', day) });
    }
  }
  return result(30, 'high_income', true, lines);
}
