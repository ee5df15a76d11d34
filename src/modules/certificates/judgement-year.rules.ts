import { lawParams } from '../../platform/params/law-params.js';
import { addDays } from '../eligibility/eligibility.rules.js';

/**
 * Which year's income a judgement on `day` uses. The 一部負担金の割合 (高齢受給者) and the 所得区分 switch
 * every 1 August (国民健康保険法施行令 第27条の2, 第29条の3): from 1 August of year Y to 31 July of Y+1
 * the previous calendar year's income (Y−1) counts, i.e. the 住民税 of 年度 Y. The `income` table keys
 * income by 賦課年度 (the income is the previous calendar year's), so this is that key.
 */
export function incomeFiscalYear(day: string): number {
  const year = Number(day.slice(0, 4));
  return day.slice(5) >= switchMonthDay(day) ? year : year - 1;
}

/** The last day of the judgement year that contains `day` (31 July). */
export function judgementYearEnd(day: string): string {
  return addDays(`${incomeFiscalYear(day) + 1}-${switchMonthDay(day)}`, -1);
}

function switchMonthDay(day: string): string {
  return lawParams().text('certificates.copay_judgement_month_day', day);
}

export function firstOfMonth(iso: string): string {
  return `${iso.slice(0, 7)}-01`;
}

/** The last day of the month of `iso`. */
export function lastOfMonth(iso: string): string {
  const d = new Date(`${iso.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  d.setUTCDate(0);
  return d.toISOString().slice(0, 10);
}

/** The first day of the month after the month of `iso`. */
export function firstOfNextMonth(iso: string): string {
  return addDays(lastOfMonth(iso), 1);
}
