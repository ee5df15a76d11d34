import { formatWareki } from '../../lib/wareki.js';
import { lawParams, ParamError, type LawParams } from '../../platform/params/law-params.js';
import { calculateInstallments, lastDayOfMonth, nextOpenDay, ordinaryDueDates, split, warekiWithWeekday, yenText, type Installment } from './installments.rules.js';
import { pensionPaymentDate } from './special-collection.rules.js';
import type { Line } from './tax.rules.js';

/**
 * 期別 after a change of the annual tax during the year (更正), 普通徴収 only:
 *
 * - the installments already due (納期限 before the day of the decision) keep their amounts;
 * - the new annual tax less those amounts is split over the installments not yet due, each cut to the
 *   city's unit (city_tax.ordinary_remainder_unit: 千円), the remainder in the first of them
 *   (city_tax.ordinary_change_remainder_to: 川口市「年度途中の税額変更の場合は、変更後の最初の納期に端数金額を合算」);
 * - none left and an increase: one 随時 installment, due on the last day of the month
 *   city_tax.occasional_due_months_after months after the decision's (moved past closed days);
 * - a decrease beyond what is not yet due: those become 0 and the excess is 過納 (`overpaid`, refunded or
 *   applied to other tax by the collection area: 地方税法 17条・17条の2) — never a negative installment.
 *
 * 特別徴収 (仮徴収・本徴収) in `previous`: the 特別徴収 stops (特別徴収の中止) from the first 年金支払月 at
 * least city_tax.special_stop_lead_months months after the month of the decision (the 年金保険者 must be
 * told in time); the 年金支払月 before it keep their amounts (already withheld, or too late to stop), the
 * later ones are listed at 0 with `stopped`, and the new annual tax less everything kept is collected by
 * 普通徴収 over the city's 期 not yet due by the rules above (随時, 過納 included).
 *
 * Always: Σ installments − overpaid = the new annual tax.
 */

export interface ResplitInput {
  fiscalYear: number;
  /** The installments in force before the change (the 本算定's, or those of the 更正 before). */
  previous: readonly Installment[];
  annualTax: number;
  /** The day of the decision (ISO): installments due before it are kept. */
  decidedOn: string;
  /** Why (the 更正's cause, e.g. 口座振替への変更の申出), named where the 特別徴収 is stopped; default: 税額の変更. */
  cause?: string;
}

export interface ResplitResult {
  installments: Installment[];
  /** 過納: what the installments already due exceed the new annual tax by (0 when they do not). */
  overpaid: number;
  lines: Line[];
}

const sum = (xs: readonly Installment[]) => xs.reduce((s, x) => s + x.amount, 0);
const sameInstallments = (a: readonly Installment[], b: readonly Installment[]) =>
  a.length === b.length && a.every((x, i) => x.label === b[i]!.label && x.kind === b[i]!.kind && x.dueDate === b[i]!.dueDate && x.amount === b[i]!.amount);
const list = (xs: readonly Installment[]) => xs.map((x) => `${x.label} ${yenText(x.amount)}`).join(' + ');

export function resplitInstallments(input: ResplitInput, params: LawParams = lawParams()): ResplitResult {
  const { fiscalYear: fy, annualTax, decidedOn } = input;
  const date = `${fy}-04-01`;
  for (const p of input.previous) {
    if (!isSpecial(p) && !p.dueDate) throw new Error(`${p.label}: 普通徴収の期別に納期限がありません`);
    if (isSpecial(p) && !(p.dueDate ?? pensionPaymentDate(fy, p.label))) throw new Error(`${p.label}: 特別徴収の期別の年金支払月が分かりません`);
    if (!Number.isSafeInteger(p.amount) || p.amount < 0) throw new Error(`${p.label}: 期別の額 ${p.amount} は0以上の整数(円)ではありません`);
  }
  const specials = input.previous.filter(isSpecial);
  const ordinaryBefore = input.previous.filter((p) => !isSpecial(p));
  const where = params.text('city_tax.ordinary_change_remainder_to', date);
  if (where !== 'first_remaining') throw new ParamError(`法令パラメータ city_tax.ordinary_change_remainder_to: 「${where}」には対応していません(first_remaining のみ)`);
  const unit = params.yen('city_tax.ordinary_remainder_unit', date);
  const ruleRef = `${params.entry('city_tax.ordinary_change_remainder_to', date).law} [city_tax.ordinary_change_remainder_to] [city_tax.ordinary_remainder_unit]`;

  // Every 期 of the year: the city's 納期 (with the amounts notified before; 0 when left out) and any 随時 before.
  const before = new Map(ordinaryBefore.map((p) => [p.label, p]));
  const slots: { it: Installment; listed: boolean }[] = ordinaryDueDates(fy, params).map((d, i) => {
    const label = `第${i + 1}期`;
    const p = before.get(label);
    return { it: p ?? { label, kind: 'ordinary', dueDate: nextOpenDay(d, params), amount: 0 }, listed: p !== undefined };
  });
  for (const p of ordinaryBefore) if (!slots.some((s) => s.it.label === p.label)) slots.push({ it: p, listed: true });
  slots.sort((a, b) => (a.it.dueDate! < b.it.dueDate! ? -1 : a.it.dueDate! > b.it.dueDate! ? 1 : 0));

  const past = slots.filter((s) => s.it.dueDate! < decidedOn);
  const open = slots.filter((s) => s.it.dueDate! >= decidedOn);
  const lines: Line[] = [];
  const decided = formatWareki(decidedOn);
  const special = stopSpecial(fy, specials, decidedOn, params, input.cause);
  if (special.line) lines.push(special.line);
  const specialKept = sum(special.installments);
  const pastSum = sum(past.map((s) => s.it)) + specialKept;
  const rest = annualTax - pastSum;
  lines.push({
    label: '納期限を過ぎた期',
    formula: past.length > 0 ? `${decided}より前に納期限が来た期の額は変えません: ${list(past.map((s) => s.it)) || '0'}` : `${decided}より前に納期限が来た期はありません`,
    amount: pastSum - specialKept,
    reference: ruleRef,
  });

  const out: Installment[] = [...special.installments, ...past.filter((s) => s.listed).map((s) => s.it)];
  const fixedText = specialKept > 0 ? `納期限を過ぎた期と特別徴収 ${yenText(pastSum)}` : `納期限を過ぎた期 ${yenText(pastSum)}`;
  let overpaid = 0;
  if (open.length > 0) {
    const amounts = rest > 0 ? split(rest, open.length, unit) : open.map(() => 0);
    overpaid = Math.max(0, -rest);
    open.forEach((s, i) => {
      if (s.listed || amounts[i]! > 0) out.push({ ...s.it, amount: amounts[i]! });
    });
    lines.push({
      label: '納期限の来ていない期',
      formula:
        rest > 0
          ? `(年税額 ${yenText(annualTax)} − ${fixedText}) ÷ ${open.length}期 → ${yenText(unit)}円単位 ${yenText(amounts[1] ?? amounts[0]!)}、端数は変更後の最初の納期(${open[0]!.it.label})`
          : `年税額 ${yenText(annualTax)} − ${fixedText} = ${yenText(rest)}円 → ${open.map((s) => s.it.label).join('・')}は0円`,
      amount: Math.max(0, rest),
      reference: ruleRef,
    });
  } else if (rest > 0) {
    const months = params.integer('city_tax.occasional_due_months_after', decidedOn);
    const due = lastDayOfMonth(Number(decidedOn.slice(0, 4)), Number(decidedOn.slice(5, 7)) + months);
    const moved = nextOpenDay(due, params);
    const label = `随時${slots.filter((s) => s.it.kind === 'occasional').length + 1}期`;
    out.push({ label, kind: 'occasional', dueDate: moved, amount: rest });
    lines.push({
      label: `${label} 納期限`,
      formula: `納期限の来ていない期がないため、年税額 ${yenText(annualTax)} − ${fixedText} を随時に課します。納期限は決定の月の${months}か月後の末日 ${warekiWithWeekday(due)}${moved !== due ? ` → 休日のため ${warekiWithWeekday(moved)}` : ''}`,
      amount: rest,
      reference: `${params.entry('city_tax.occasional_due_months_after', decidedOn).law} [city_tax.occasional_due_months_after]; 地方税法 第20条の5第2項`,
    });
  } else {
    overpaid = Math.max(0, -rest);
  }
  if (overpaid > 0) {
    lines.push({
      label: '過納',
      formula: `${specialKept > 0 ? '納期限を過ぎた期と特別徴収の額' : '納期限を過ぎた期の額'} ${yenText(pastSum)} が年税額 ${yenText(annualTax)} を超える分は過納です(納付済みの分は還付し、または未納の税に充当します)`,
      amount: overpaid,
      reference: '地方税法 第17条(過誤納金の還付)、第17条の2(充当)',
    });
  }
  if (specials.length > 0) {
    out.push(...special.stopped);
    out.sort((a, b) => (a.dueDate! < b.dueDate! ? -1 : a.dueDate! > b.dueDate! ? 1 : 0));
  }
  lines.push({ label: '合計', formula: `${list(out) || '0'}${overpaid > 0 ? ` − 過納 ${yenText(overpaid)}` : ''}`, amount: sum(out) - overpaid, reference: '期別の額の合計 − 過納 = 年税額' });
  return { installments: out, overpaid, lines };
}

const isSpecial = (p: Installment) => p.kind === 'provisional' || p.kind === 'final';

/** The first day of the month `months` months after the month of `date`. */
function monthStartAfter(date: string, months: number): string {
  const m0 = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 + months;
  return `${Math.floor(m0 / 12)}-${String((m0 % 12) + 1).padStart(2, '0')}-01`;
}

/**
 * 特別徴収の中止 at a 更正: the 特別徴収 installments whose 年金支払日 falls before the first day of the month
 * city_tax.special_stop_lead_months after the decision's keep their amounts; the later ones (and those
 * stopped by an earlier 更正) are 0 and `stopped`.
 */
function stopSpecial(fy: number, specials: readonly Installment[], decidedOn: string, params: LawParams, cause = '税額の変更'): { installments: Installment[]; stopped: Installment[]; line: Line | null } {
  if (specials.length === 0) return { installments: [], stopped: [], line: null };
  const lead = params.integer('city_tax.special_stop_lead_months', decidedOn);
  const stopFrom = monthStartAfter(decidedOn, lead);
  const kept: Installment[] = [];
  const stopped: Installment[] = [];
  for (const p of specials) {
    const pay = p.dueDate ?? pensionPaymentDate(fy, p.label)!;
    if (p.stopped || pay >= stopFrom) stopped.push({ ...p, dueDate: pay, amount: 0, stopped: true });
    else kept.push({ ...p, dueDate: pay });
  }
  const line: Line = {
    label: '特別徴収の中止',
    formula:
      stopped.length > 0
        ? `${cause}(${formatWareki(decidedOn)}決定)により特別徴収を中止します。${formatWareki(stopFrom).replace(/1日$/, '')}以後の年金支払月(${stopped.map((x) => x.label).join('・')})は徴収せず、残りは普通徴収の納期限の来ていない期で納めます。それより前の特別徴収は変えません: ${list(kept) || '0'}`
        : `特別徴収の年金支払月はすべて中止の間に合わない月です(変えません): ${list(kept)}`,
    amount: sum(kept),
    reference: `${params.entry('city_tax.special_stop_lead_months', decidedOn).law} [city_tax.special_stop_lead_months]`,
  };
  return { installments: kept, stopped, line };
}

/**
 * Would a change decided on `decidedOn` stop 特別徴収 still to be withheld (a 年金支払月 from the first one
 * city_tax.special_stop_lead_months after the decision, not stopped yet)? A 更正 that leaves the tax as it
 * is must then still be made (口座振替への変更申出, a new 納税義務者), else it changes nothing.
 */
export function specialCollectionToStop(fy: number, installments: readonly Installment[], decidedOn: string, params: LawParams = lawParams()): boolean {
  const stopFrom = monthStartAfter(decidedOn, params.integer('city_tax.special_stop_lead_months', decidedOn));
  return installments.some((p) => isSpecial(p) && !p.stopped && p.amount > 0 && (p.dueDate ?? pensionPaymentDate(fy, p.label)!) >= stopFrom);
}

/** One version of a unit's assessment, for its 期別: why it was made, its annual tax, the day of the decision. */
export interface VersionForInstallments {
  reason: 'annual' | 'correction';
  total: number;
  decidedOn: string;
  /** The 更正's cause (its notice's 更正の理由). */
  cause?: string;
  /** The 期別 notified with a 更正 (stored on the version), used as they were notified; null: derived. */
  stored?: readonly Installment[] | null;
}

export interface VersionInstallments {
  installments: Installment[];
  overpaid: number;
  /** The 期別 before this version (for a 更正; null for a 本算定). */
  previous: Installment[] | null;
  lines: Line[];
}

/**
 * The 期別 of each version of one unit (年度, 国保世帯), folding over its versions in order: a 本算定 is
 * split afresh (calculateInstallments); a 更正 re-splits the version before's at its decision day.
 */
export function installmentsOfVersions(fiscalYear: number, versions: readonly VersionForInstallments[], params: LawParams = lawParams()): VersionInstallments[] {
  const out: VersionInstallments[] = [];
  let current: Installment[] = [];
  for (const v of versions) {
    if (v.reason === 'annual' && v.stored && v.stored.length > 0) {
      // 特別徴収 decided by the 本算定 (special-collection-source.ts): stored on the batch version.
      const installments = v.stored.map((x) => ({ ...x }));
      out.push({ installments, overpaid: 0, previous: null, lines: [{ label: '期別', formula: `本算定のときに決めた期別(特別徴収を含む): ${list(installments)}`, amount: sum(installments), reference: '地方税法 第706条第2項・第718条の2・第718条の7 [assessment.installments]' }] });
      current = installments;
      continue;
    }
    if (v.reason === 'annual') {
      const r = calculateInstallments({ fiscalYear, annualTax: v.total, ordinary: true }, params);
      out.push({ installments: r.installments, overpaid: 0, previous: null, lines: r.lines });
      current = r.installments;
      continue;
    }
    const r = resplitInstallments({ fiscalYear, previous: current, annualTax: v.total, decidedOn: v.decidedOn, ...(v.cause ? { cause: v.cause } : {}) }, params);
    let { installments, overpaid, lines } = r;
    if (v.stored && !sameInstallments(v.stored, r.installments)) {
      installments = v.stored.map((x) => ({ ...x }));
      overpaid = Math.max(0, sum(installments) - v.total);
      lines = [{ label: '期別', formula: '更正のときに通知した期別です(現在の法令パラメータで割り直すと額または納期限が異なります)', amount: sum(installments), reference: '保存された期別 [assessment.installments]' }];
    }
    out.push({ installments, overpaid, previous: current, lines });
    current = installments;
  }
  return out;
}
