import type { FieldError } from '../../http/errors.js';
import { formatDateForClerk as d } from '../../lib/wareki.js';

/**
 * 産前産後期間の届出 (地方税法 703条の5の3): the checks of a notification, pure. The period itself and
 * the reduction are the calculator's (assessment/tax.rules.ts `perinatalPeriod`).
 */
export interface PerinatalNotice {
  /** YYYY-MM: 出産予定月, or 出産月 once born. */
  birthMonth: string;
  multiple: boolean;
  born: boolean;
  reportedOn: string;
}

export interface PerinatalFacts {
  today: string;
  sex: 'male' | 'female' | 'unknown' | string;
  /** Whether the person is insured on some day of the months of the period (the caller reads it). */
  insuredInPeriod: boolean;
  /** How many months ahead of the expected month a notification is taken (tax.perinatal_notice_months_ahead). */
  monthsAhead: number;
}

/** What is wrong with a notification, each naming its field (empty: acceptable). */
export function checkPerinatal(n: PerinatalNotice, f: PerinatalFacts): FieldError[] {
  const errors: FieldError[] = [];
  const field = (name: keyof PerinatalNotice, label: string, message: string) => errors.push({ field: name, label, message: `${label}: ${message}` });
  if (n.reportedOn > f.today) field('reportedOn', '届出日', `${d(n.reportedOn)}は今日より後です`);
  const thisMonth = f.today.slice(0, 7);
  if (n.born && n.birthMonth > thisMonth) field('born', '出産済み', `出産月(${n.birthMonth})が今月より後です。出産予定月なら「出産予定」で届け出てください`);
  const months = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7));
  if (!n.born && months(n.birthMonth) - months(thisMonth) > f.monthsAhead) field('birthMonth', '出産予定月', `届出は出産予定月の${f.monthsAhead}か月前からです(${n.birthMonth})`);
  if (f.sex === 'male') field('birthMonth', '出産予定月', '出産する被保険者(本人)について届け出てください(この住民は男性です)');
  if (!f.insuredInPeriod) field('birthMonth', '出産予定月', '産前産後期間に国民健康保険の被保険者である月がありません');
  return errors;
}
