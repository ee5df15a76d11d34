import { Decimal } from '../../lib/decimal.js';
import { formatWareki } from '../../lib/wareki.js';
import { lawParams, type LawParams } from '../../platform/params/law-params.js';
import { ageOn, birthdayAtAge } from '../eligibility/eligibility.rules.js';
import { calculateInstallments, nextOpenDay, ordinaryDueDates, split, yenText, type Installment } from './installments.rules.js';
import type { Line } from './tax.rules.js';

/**
 * 特別徴収 (年金からの天引き) of 国民健康保険税, pure.
 *
 * Who (地方税法 第706条第2項・第706条の2, 同法施行令 第56条の89の2 ほか; the parameters tax.special_collection_*
 * in config/law/tax.yaml with the pages that state them): the household's tax is collected from the
 * 世帯主's pension when
 *  1. the 世帯主 is himself insured (not a 擬制世帯主 household),
 *  2. every insured member is 65 or over and under 75 on the 判定日, and the 世帯主 does not reach 75
 *     during the 年度 (he would leave for 後期高齢者医療),
 *  3. the 世帯主's pension (the one the 年金保険者 notified: the pension 介護保険料 is withheld from) is
 *     18万円 a year or more, and 介護保険料 is 特別徴収 from it,
 *  4. 国保税 + 介護保険料 ≤ 1/2 of that pension's annual amount,
 *  5. no 口座振替への変更申出 stands (the head asked to pay by 口座振替: 普通徴収).
 * Each failing condition gives its Japanese reason; all are listed.
 *
 * How much (specialInstallments): a household under 特別徴収 the 年度 before pays as 仮徴収 (4・6・8月)
 * the previous 年度's February 本徴収 amount each (地方税法 第718条の7, 条項番号は未照合; 水戸市・軽井沢町・枕崎市・岐南町 describe it:
 * 「前年度2月の特別徴収税額と同額」), 本徴収 (10・12・2月) the rest ÷ 3 as calculateInstallments does. A
 * household newly eligible begins at 本徴収 (October): the city's 普通徴収 期 before October are 普通徴収
 * (白鷹町「その年度の10月から特別徴収になる方には、7月から9月までの納付書を送付」; 岐南町
 * https://www.town.ginan.lg.jp/1488.htm: 新たに特別徴収となる世帯は 7・8・9月 普通徴収、10・12・2月 本徴収、各回
 * 年間保険税の6分の1), each slot about annual tax ÷ (those 期 + 3) — here every 本徴収 is cut to 100円 and
 * the remainder goes to 第1期 (岐南町 adjusts in July and October). (An April start with 前年度の年税額の6分の1 as 仮徴収 — 水戸市, 枕崎市 —
 * needs the 年金保険者's notice before April and is not modelled.)
 */

/** The 年金支払日 of the 特別徴収 months (国民年金法 第18条第3項: 偶数月に支払う; the 15th is the 年金保険者's practice). Not moved for holidays: the 年金保険者 pays earlier, the month is what counts here. */
export const PENSION_PAYMENT_DAY = 15;

export interface PensionRecord {
  /** 年金の年額 (yen). */
  annualAmount: number;
  /** 介護保険料 is 特別徴収 from this pension. */
  careWithheld: boolean;
  /** The 介護保険料's annual amount, when the 年金保険者 notified it (null: unknown, counted as 0). */
  carePremium: number | null;
}

export interface SpecialCollectionFacts {
  fiscalYear: number;
  /** 判定日: the unit's reference day (4月1日 when someone is insured that day). */
  judgedOn: string;
  /** The 世帯主 is a 擬制世帯主 (not insured). */
  pseudoHead: boolean;
  headBirthDate: string | null;
  /** Every member insured on the 判定日, with their birth date. */
  insured: readonly { atenaNo: number; birthDate: string }[];
  /** The 世帯主's 特別徴収対象年金 for the 年度 (null: the 年金保険者 notified none). */
  pension: PensionRecord | null;
  /** The household's 国保税 of the 年度. */
  annualTax: number;
  /** The 口座振替への変更申出 that stands (null: none). */
  accountTransfer: { requestedOn: string } | null;
}

export interface SpecialCollectionJudgement {
  eligible: boolean;
  /** Why not (Japanese, one per failing condition); empty when eligible. */
  reasons: string[];
}

/** Whether the household's 国保税 of the 年度 is collected from the 世帯主's pension. */
export function judgeSpecialCollection(f: SpecialCollectionFacts, params: LawParams = lawParams()): SpecialCollectionJudgement {
  const day = f.judgedOn;
  const from = params.integer('tax.special_collection_age_from', day);
  const under = params.integer('tax.special_collection_age_under', day);
  const minimum = params.yen('tax.special_collection_pension_minimum', day);
  const ratio = params.rate('tax.special_collection_burden_ratio', day);
  const reasons: string[] = [];
  if (f.pseudoHead) reasons.push('世帯主が国民健康保険の被保険者ではありません(擬制世帯主)');
  const outside = f.insured.filter((m) => {
    const age = ageOn(m.birthDate, day);
    return age < from || age >= under;
  });
  if (f.insured.length === 0) reasons.push(`${formatWareki(day)}に被保険者がいません`);
  else if (outside.length > 0) reasons.push(`${formatWareki(day)}に${from}歳以上${under}歳未満でない被保険者がいます(宛名番号 ${outside.map((m) => m.atenaNo).join('・')})`);
  if (!f.pseudoHead && f.headBirthDate) {
    const reaches = birthdayAtAge(f.headBirthDate, under);
    if (reaches <= `${f.fiscalYear + 1}-03-31` && reaches > day) reasons.push(`世帯主が年度中(${formatWareki(reaches)})に${under}歳に達します`);
  }
  if (!f.pension) reasons.push('世帯主の特別徴収の対象となる年金の通知がありません(年金保険者からの特別徴収対象者の情報)');
  else {
    if (!f.pension.careWithheld) reasons.push('世帯主の介護保険料がその年金から特別徴収されていません');
    if (f.pension.annualAmount < minimum) reasons.push(`年金の年額 ${yenText(f.pension.annualAmount)}円が${yenText(minimum)}円未満です`);
    const burden = f.annualTax + (f.pension.carePremium ?? 0);
    const limit = Decimal.ofInteger(f.pension.annualAmount).times(ratio);
    if (Decimal.ofInteger(burden).compare(limit) > 0) {
      reasons.push(`国民健康保険税 ${yenText(f.annualTax)}円と介護保険料 ${yenText(f.pension.carePremium ?? 0)}円の合計 ${yenText(burden)}円が年金の年額 ${yenText(f.pension.annualAmount)}円の${ratio.toString() === '0.5' ? '2分の1' : ratio.toString()}を超えます`);
    }
  }
  if (f.accountTransfer) reasons.push(`口座振替への変更の申出があります(${formatWareki(f.accountTransfer.requestedOn)})`);
  return { eligible: reasons.length === 0, reasons };
}

/** The 特別徴収 months of the 年度 ('04' … '02') and how many are 仮徴収. */
function specialMonths(fiscalYear: number, params: LawParams): { months: string[]; provisionalCount: number } {
  const date = `${fiscalYear}-04-01`;
  return { months: params.text('city_tax.special_months', date).split(',').map((m) => m.trim()), provisionalCount: params.integer('city_tax.special_provisional_count', date) };
}

/** The 年金支払日 of a 特別徴収 installment labelled 'N月' in the 年度. */
export function pensionPaymentDate(fiscalYear: number, label: string): string | null {
  const m = /^(\d{1,2})月$/.exec(label);
  if (!m) return null;
  const month = Number(m[1]);
  const year = month >= 4 ? fiscalYear : fiscalYear + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(PENSION_PAYMENT_DAY).padStart(2, '0')}`;
}

export interface SpecialSplitInput {
  fiscalYear: number;
  annualTax: number;
  /** The previous 年度's February 本徴収 amount when the household was under 特別徴収 then; null: a first year. */
  previousFebruary: number | null;
}

/**
 * The 期別 of an eligible household: 特別徴収 (with the 年金支払日 as dueDate) and, in a first year, the
 * 普通徴収 期 before the first 本徴収 month. Σ = the annual tax.
 */
export function specialInstallments(input: SpecialSplitInput, params: LawParams = lawParams()): { installments: Installment[]; lines: Line[] } {
  const { fiscalYear: fy, annualTax } = input;
  const date = `${fy}-04-01`;
  const { months, provisionalCount } = specialMonths(fy, params);
  const withDates = (xs: Installment[]) => xs.map((x) => (x.kind === 'provisional' || x.kind === 'final' ? { ...x, dueDate: pensionPaymentDate(fy, x.label)! } : x));
  if (input.previousFebruary !== null) {
    const feb = input.previousFebruary;
    const provisional = Array.from({ length: provisionalCount }, () => feb);
    const lines: Line[] = [];
    // 仮徴収 above the annual tax: the later 仮徴収 months are lowered so the total never exceeds it.
    let excess = provisional.reduce((s, a) => s + a, 0) - annualTax;
    for (let i = provisional.length - 1; i >= 0 && excess > 0; i--) {
      const cut = Math.min(provisional[i]!, excess);
      provisional[i]! -= cut;
      excess -= cut;
    }
    if (provisional.some((a) => a !== feb)) {
      lines.push({ label: '仮徴収の調整', formula: `前年度2月の額 ${yenText(feb)} × ${provisionalCount}回が年税額 ${yenText(annualTax)} を超えるため、後の月の仮徴収を減らします`, amount: provisional.reduce((s, a) => s + a, 0), reference: '地方税法 第718条の7(仮特別徴収税額の変更。条項番号は未照合)' });
    }
    const r = calculateInstallments({ fiscalYear: fy, annualTax, special: { provisional, levelling: 'none' } }, params);
    lines.unshift({ label: '仮徴収の額', formula: `前年度の2月の特別徴収(本徴収)の額 ${yenText(feb)}円を4月・6月・8月に`, amount: feb, reference: '地方税法 第718条の7(仮特別徴収税額: 前年度の最後の特別徴収の額。条項番号は未照合) [city_tax.special_provisional_count]' });
    return { installments: withDates(r.installments), lines: [...lines, ...r.lines] };
  }
  // First year: 普通徴収 for the city's 期 before the first 本徴収 month, then 本徴収.
  const firstFinal = months[provisionalCount]!;
  const firstFinalDate = pensionPaymentDate(fy, `${Number(firstFinal)}月`)!.slice(0, 8) + '01';
  const ordinaryDates = ordinaryDueDates(fy, params).map((d, i) => ({ label: `第${i + 1}期`, d })).filter((x) => x.d < firstFinalDate);
  const finalMonths = months.slice(provisionalCount);
  const specialUnit = params.yen('city_tax.special_rounding_unit', date);
  const ordinaryUnit = params.yen('city_tax.ordinary_remainder_unit', date);
  const slots = ordinaryDates.length + finalMonths.length;
  const installments: Installment[] = [];
  let finals: number[];
  if (ordinaryDates.length === 0) finals = split(annualTax, finalMonths.length, specialUnit);
  else {
    const each = Math.floor(annualTax / slots / specialUnit) * specialUnit;
    finals = finalMonths.map(() => each);
    const ordinary = split(annualTax - each * finalMonths.length, ordinaryDates.length, ordinaryUnit);
    ordinaryDates.forEach((x, i) => {
      if (ordinary[i]! > 0) installments.push({ label: x.label, kind: 'ordinary', dueDate: nextOpenDay(x.d, params), amount: ordinary[i]! });
    });
  }
  finalMonths.forEach((m, i) => installments.push({ label: `${Number(m)}月`, kind: 'final', dueDate: pensionPaymentDate(fy, `${Number(m)}月`)!, amount: finals[i]! }));
  const lines: Line[] = [
    {
      label: '特別徴収の開始',
      formula: `新たに特別徴収となる世帯: ${finalMonths.map((m) => `${Number(m)}月`).join('・')}の本徴収から。${ordinaryDates.length > 0 ? `それより前の${ordinaryDates.map((x) => x.label).join('・')}は普通徴収。年税額 ${yenText(annualTax)} ÷ ${slots}回 → 本徴収 各${yenText(finals[0]!)}(${yenText(specialUnit)}円単位)、残りを普通徴収の期に(${yenText(ordinaryUnit)}円単位、端数は第1期)` : `年税額 ÷ ${finalMonths.length}`}`,
      amount: finals.reduce((s, a) => s + a, 0),
      reference: '地方税法 第706条第2項・第718条の2(特別徴収); 年度の途中からの特別徴収の開始(岐南町・白鷹町の説明による。条項番号は未照合) [city_tax.special_months] [city_tax.special_rounding_unit]',
    },
    { label: '合計', formula: installments.map((x) => `${x.label} ${yenText(x.amount)}`).join(' + '), amount: installments.reduce((s, x) => s + x.amount, 0), reference: '期別の額の合計は年税額' },
  ];
  return { installments, lines };
}

/** The previous 年度's February 本徴収 amount of a unit's 期別 (null when it was not under 特別徴収 in February). */
export function februaryFinal(installments: readonly Installment[]): number | null {
  const feb = installments.find((x) => x.kind === 'final' && x.label === '2月' && !x.stopped);
  return feb && feb.amount > 0 ? feb.amount : null;
}

export interface UnitCollection {
  judgement: SpecialCollectionJudgement;
  installments: Installment[];
  lines: Line[];
}

/**
 * The 期別 of a unit's 本算定: 特別徴収 (specialInstallments) when the judgement allows it, else the
 * city's 普通徴収 (calculateInstallments), with the reasons as a line.
 */
export function decideInstallments(facts: SpecialCollectionFacts, previousFebruary: number | null, params: LawParams = lawParams()): UnitCollection {
  const judgement = judgeSpecialCollection(facts, params);
  if (judgement.eligible) {
    const r = specialInstallments({ fiscalYear: facts.fiscalYear, annualTax: facts.annualTax, previousFebruary }, params);
    return { judgement, installments: r.installments, lines: [{ label: '徴収の方法', formula: '特別徴収(世帯主の年金から)', amount: facts.annualTax, reference: '地方税法 第706条第2項 [tax.special_collection_pension_minimum] [tax.special_collection_burden_ratio]' }, ...r.lines] };
  }
  const r = calculateInstallments({ fiscalYear: facts.fiscalYear, annualTax: facts.annualTax, ordinary: true }, params);
  return { judgement, installments: r.installments, lines: [{ label: '徴収の方法', formula: `普通徴収: ${judgement.reasons.join('。')}`, amount: facts.annualTax, reference: '地方税法 第706条第2項 [tax.special_collection_age_from] [tax.special_collection_age_under]' }, ...r.lines] };
}

/** How an installment is paid, as the resident reads it (notice, household page). */
export function collectionLabel(it: Pick<Installment, 'kind' | 'stopped'>): string {
  if (it.stopped) return '特別徴収 中止';
  return it.kind === 'provisional' ? '特別徴収(仮徴収)' : it.kind === 'final' ? '特別徴収(本徴収)' : it.kind === 'occasional' ? '普通徴収(随時)' : '普通徴収';
}
