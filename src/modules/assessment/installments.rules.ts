import { z } from '@hono/zod-openapi';
import { holidaysOf } from '../../lib/holidays.js';
import { formatWareki } from '../../lib/wareki.js';
import { lawParams, ParamError, SUPPORTED_FISCAL_YEARS, type LawParams } from '../../platform/params/law-params.js';
import { addDays } from '../eligibility/eligibility.rules.js';
import { issuePath } from './tax.input.js';
import type { Line } from './tax.rules.js';

/**
 * 期別: how one household's annual tax is paid (shared/interfaces calculators §4, copied in the README).
 *
 * - 普通徴収: the city's 納期 (city_tax.ordinary_due_dates: 川口市 8期, 7月〜翌年2月, 第6期は12月28日);
 *   each installment is the annual tax ÷ the number of 期, cut to the city's unit (千円), the remainder
 *   in 第1期 (city_tax.ordinary_remainder_unit). A 納期限 on a Saturday, Sunday, 祝日・休日 or the city's
 *   年末年始 moves to the next open day (地方税法 20条の5第2項; 地方自治法 4条の2).
 * - 特別徴収: 仮徴収 (4・6・8月) as given, June/August levelled (平準化) when asked; 本徴収 (10・12・2月)
 *   is the rest ÷ 3, cut to the unit (百円), the remainder in October.
 * The amounts always sum to the annual tax.
 */

export interface Installment {
  label: string;
  /** 普通徴収の期, 特別徴収の仮徴収・本徴収, or 随時 (an increase after the last 納期限: installments-change.rules.ts). */
  kind: 'ordinary' | 'provisional' | 'final' | 'occasional';
  dueDate?: string;
  amount: number;
  /** 特別徴収の中止: a 特別徴収 installment stopped after a 更正 (amount 0; the rest is 普通徴収). */
  stopped?: boolean;
}

export interface InstallmentsResult {
  fiscalYear: number;
  annualTax: number;
  installments: Installment[];
  lines: Line[];
}

const YEN_RULE = '0以上の整数で入力してください';
const yen = z.number({ error: YEN_RULE }).int(YEN_RULE).min(0, YEN_RULE).max(100_000_000_000, '1,000億円以下で入力してください');
const FY_RULE = `${SUPPORTED_FISCAL_YEARS.from}〜${SUPPORTED_FISCAL_YEARS.to}の年度(西暦)で入力してください`;

export const InstallmentsInput = z
  .object({
    fiscalYear: z.number({ error: FY_RULE }).int(FY_RULE).min(SUPPORTED_FISCAL_YEARS.from, FY_RULE).max(SUPPORTED_FISCAL_YEARS.to, FY_RULE),
    annualTax: yen,
    ordinary: z.literal(true, { error: '普通徴収は true で指定してください(特別徴収なら special)' }).optional(),
    special: z
      .object({
        provisional: z.array(yen, { error: '仮徴収の額(4月・6月・8月)を配列で入力してください' }).min(1, '4月の仮徴収の額を入力してください').max(3, '仮徴収は3回(4月・6月・8月)までです'),
        levelling: z.enum(['none', 'juneAugust', 'august'], { error: 'none・juneAugust・august のいずれかを入力してください' }).default('none'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.ordinary === true) === (v.special !== undefined)) ctx.addIssue({ code: 'custom', path: ['ordinary'], message: 'ordinary(普通徴収)か special(特別徴収)のどちらか一方を指定してください' });
  })
  .openapi('InstallmentsCalcInput');
export type InstallmentsInput = z.infer<typeof InstallmentsInput>;

export function parseInstallmentsInput(data: unknown): { ok: true; input: InstallmentsInput } | { ok: false; errors: string[] } {
  const r = InstallmentsInput.safeParse(data);
  if (r.success) return { ok: true, input: r.data };
  const seen = new Map<string, string>();
  for (const i of r.error.issues) {
    const p = issuePath(i.path);
    if (!seen.has(p)) seen.set(p, i.code === 'unrecognized_keys' ? `不明な項目です: ${i.keys.join(', ')}` : i.message);
  }
  return { ok: false, errors: [...seen].map(([p, m]) => `${p}: ${m}`) };
}

export const yenText = (n: number) => n.toLocaleString('en-US');
const WEEKDAYS = ['日', '月', '火', '水', '木', '金', '土'];
const weekday = (iso: string) => new Date(`${iso}T00:00:00Z`).getUTCDay();

/** '2025-09-01' → '令和7年9月1日(月)'. */
export const warekiWithWeekday = (iso: string) => `${formatWareki(iso)}(${WEEKDAYS[weekday(iso)]})`;

/** Why a day is closed (土・日・祝日・休日・年末年始), or null when it is open. */
export function closedReason(date: string, params: LawParams = lawParams()): string | null {
  const w = weekday(date);
  if (w === 0) return '日曜日';
  if (w === 6) return '土曜日';
  const holiday = holidaysOf(Number(date.slice(0, 4))).get(date);
  if (holiday) return holiday;
  const md = date.slice(5);
  const first = params.text('calendar.year_end_closure_first', date);
  const last = params.text('calendar.year_end_closure_last', date);
  if (md >= first || md <= last) return '年末年始の休日';
  return null;
}

/** The first open day on or after `date` (地方税法 20条の5第2項: a 期限 on a closed day moves to the next day). */
export function nextOpenDay(date: string, params: LawParams = lawParams()): string {
  let d = date;
  for (let i = 0; i < 30 && closedReason(d, params) !== null; i++) d = addDays(d, 1);
  return d;
}

/** The last day of a month (`month` 1–12; 13 is January of the next year). */
export function lastDayOfMonth(year: number, month: number): string {
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

/** "07,08,…,12-28,01,02" → the 納期 of the 年度 (a month alone: its last day). */
export function ordinaryDueDates(fiscalYear: number, params: LawParams = lawParams()): string[] {
  const date = `${fiscalYear}-04-01`;
  const text = params.text('city_tax.ordinary_due_dates', date);
  return text.split(',').map((token) => {
    const m = /^\s*(\d{2})(?:-(\d{2}))?\s*$/.exec(token);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 12) throw new ParamError(`法令パラメータ city_tax.ordinary_due_dates: 「${token}」は "MM" か "MM-DD" ではありません`);
    const month = Number(m[1]);
    const year = month >= 4 ? fiscalYear : fiscalYear + 1;
    return m[2] ? `${year}-${m[1]}-${m[2]}` : lastDayOfMonth(year, month);
  });
}

/** Split `total` into `n` parts cut to `unit`, the remainder in the first. */
export function split(total: number, n: number, unit: number): number[] {
  const each = Math.floor(total / n / unit) * unit;
  return [total - each * (n - 1), ...Array.from({ length: n - 1 }, () => each)];
}

export function calculateInstallments(input: InstallmentsInput, params: LawParams = lawParams()): InstallmentsResult {
  const fy = input.fiscalYear;
  const date = `${fy}-04-01`;
  const lines: Line[] = [];
  const installments: Installment[] = [];
  if (input.ordinary) {
    const due = ordinaryDueDates(fy, params);
    const unit = params.yen('city_tax.ordinary_remainder_unit', date);
    const amounts = split(input.annualTax, due.length, unit);
    const dueRef = `${params.entry('city_tax.ordinary_due_dates', date).law} [city_tax.ordinary_due_dates]`;
    lines.push({
      label: '期別の額',
      formula: `${yenText(input.annualTax)} ÷ ${due.length}期 → ${yenText(unit)}円単位 ${yenText(amounts[1] ?? amounts[0]!)}、端数は第1期`,
      amount: amounts[0]!,
      reference: `${params.entry('city_tax.ordinary_remainder_unit', date).law} [city_tax.ordinary_remainder_unit]`,
    });
    due.forEach((d, i) => {
      if (amounts[i] === 0) return;
      const moved = nextOpenDay(d, params);
      const label = `第${i + 1}期`;
      installments.push({ label, kind: 'ordinary', dueDate: moved, amount: amounts[i]! });
      if (moved !== d) {
        lines.push({
          label: `${label} 納期限`,
          formula: `${formatWareki(d)}(${WEEKDAYS[weekday(d)]}・${closedReason(d, params)}) → ${formatWareki(moved)}(${WEEKDAYS[weekday(moved)]})`,
          amount: amounts[i]!,
          reference: `地方税法 第20条の5第2項; 国民の祝日に関する法律; ${params.entry('calendar.year_end_closure_first', d).law} [calendar.year_end_closure_first]; ${dueRef}`,
        });
      }
    });
  } else {
    const special = input.special!;
    const months = params.text('city_tax.special_months', date).split(',').map((m) => m.trim());
    const provisionalCount = params.integer('city_tax.special_provisional_count', date);
    const unit = params.yen('city_tax.special_rounding_unit', date);
    const monthLabel = (i: number) => `${Number(months[i])}月`;
    const prov = [...special.provisional];
    const target = Math.floor(input.annualTax / 2);
    const april = prov[0]!;
    if (prov.length === 1 && special.levelling === 'juneAugust') {
      const each = Math.max(0, Math.floor((target - april) / 2 / unit) * unit);
      prov.push(each, each);
      lines.push({ label: '平準化(6月・8月)', formula: `(年税額の半分 ${yenText(target)} − 4月 ${yenText(april)}) ÷ 2 → ${yenText(unit)}円単位`, amount: each, reference: '地方税法 第718条の7(仮特別徴収税額の変更。条項番号は未照合) [city_tax.special_rounding_unit]' });
    } else if (prov.length <= 2 && special.levelling === 'august') {
      const june = prov[1] ?? april;
      const aug = Math.max(0, Math.floor((target - april - june) / unit) * unit);
      prov.splice(1, 2, june, aug);
      lines.push({ label: '平準化(8月)', formula: `年税額の半分 ${yenText(target)} − 4月 ${yenText(april)} − 6月 ${yenText(june)} → ${yenText(unit)}円単位`, amount: aug, reference: '地方税法 第718条の7(条項番号は未照合) [city_tax.special_rounding_unit]' });
    }
    while (prov.length < provisionalCount) prov.push(prov[prov.length - 1]!);
    const provisionalTotal = prov.reduce((s, a) => s + a, 0);
    if (provisionalTotal > input.annualTax) {
      throw new ParamError(`special.provisional: 仮徴収の合計 ${yenText(provisionalTotal)}円が年税額 ${yenText(input.annualTax)}円を超えています(過納分は還付。本徴収はありません)`);
    }
    prov.forEach((a, i) => installments.push({ label: monthLabel(i), kind: 'provisional', amount: a }));
    lines.push({ label: '仮徴収', formula: prov.map((a, i) => `${monthLabel(i)} ${yenText(a)}`).join(' + '), amount: provisionalTotal, reference: '地方税法 第718条の7(仮特別徴収。条項番号は未照合) [city_tax.special_months] [city_tax.special_provisional_count]' });
    const finalCount = months.length - provisionalCount;
    const finals = split(input.annualTax - provisionalTotal, finalCount, unit);
    finals.forEach((a, i) => installments.push({ label: monthLabel(provisionalCount + i), kind: 'final', amount: a }));
    lines.push({
      label: '本徴収',
      formula: `(${yenText(input.annualTax)} − 仮徴収 ${yenText(provisionalTotal)}) ÷ ${finalCount} → ${yenText(unit)}円単位、端数は${monthLabel(provisionalCount)}`,
      amount: input.annualTax - provisionalTotal,
      reference: `地方税法 第706条第2項・第718条の2(特別徴収) [city_tax.special_rounding_unit]`,
    });
  }
  lines.push({ label: '合計', formula: installments.map((x) => `${x.label} ${yenText(x.amount)}`).join(' + '), amount: installments.reduce((s, x) => s + x.amount, 0), reference: '期別の額の合計は年税額' });
  return { fiscalYear: fy, annualTax: input.annualTax, installments, lines };
}
