import type { FieldError } from '../../http/errors.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';
import { addDays, ageOn } from '../eligibility/eligibility.rules.js';

/**
 * 非自発的失業の届出 (特例対象被保険者等, 地方税法 703条の5の2): the checks of a notification, pure. The
 * reduction itself (給与所得 × 30/100 for the months of the period) is the calculator's
 * (assessment/tax.rules.ts `unemploymentPeriod`).
 */
export interface UnemploymentNotice {
  /** 離職日 (the period starts the day after). */
  separatedOn: string;
  /** 雇用保険受給資格者証の離職理由コード (two digits). */
  reasonCode: string;
  reportedOn: string;
}

export interface UnemploymentFacts {
  today: string;
  birthDate: string;
  /** Under this age on the 離職日 (tax.involuntary_unemployment_age_under). */
  ageUnder: number;
  /** 特定受給資格者・特定理由離職者 codes (tax.involuntary_unemployment_reason_codes). */
  eligibleCodes: readonly string[];
  /** Whether the person is insured on some day of the period (the caller reads it). */
  insuredInPeriod: boolean;
}

/**
 * The period of a 離職日: from the day after it to the end of the 年度 `yearsAfter` (1: the following
 * 年度) after the 年度 containing that day — half-open `[from, until)`.
 */
export function unemploymentSpan(separatedOn: string, yearsAfter: number): { from: string; until: string } {
  const from = addDays(separatedOn, 1);
  const y = Number(from.slice(0, 4));
  const fy = Number(from.slice(5, 7)) >= 4 ? y : y - 1;
  return { from, until: `${fy + yearsAfter + 1}-04-01` };
}

/** What is wrong with a notification, each naming its field (empty: acceptable). */
export function checkUnemployment(n: UnemploymentNotice, f: UnemploymentFacts): FieldError[] {
  const errors: FieldError[] = [];
  const field = (name: keyof UnemploymentNotice, label: string, message: string) => errors.push({ field: name, label, message: `${label}: ${message}` });
  if (!f.eligibleCodes.includes(n.reasonCode))
    field('reasonCode', '離職理由コード', `${n.reasonCode} は軽減の対象ではありません。対象は特定受給資格者・特定理由離職者のコード(${f.eligibleCodes.join('、')})です`);
  if (n.separatedOn > f.today) field('separatedOn', '離職日', `${d(n.separatedOn)}は今日より後です`);
  else if (ageOn(f.birthDate, n.separatedOn) >= f.ageUnder) field('separatedOn', '離職日', `離職日に${f.ageUnder}歳未満の人だけが対象です(${d(n.separatedOn)}に${ageOn(f.birthDate, n.separatedOn)}歳)`);
  else if (!f.insuredInPeriod) field('separatedOn', '離職日', '離職日の翌日から翌年度末までに国民健康保険の被保険者である日がありません');
  if (n.reportedOn > f.today) field('reportedOn', '届出日', `${d(n.reportedOn)}は今日より後です`);
  else if (n.reportedOn < n.separatedOn) field('reportedOn', '届出日', `離職日(${d(n.separatedOn)})より前です`);
  return errors;
}
