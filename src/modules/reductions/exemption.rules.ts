import { Decimal } from '../../lib/decimal.js';
import { formatWareki } from '../../lib/wareki.js';
import { lawParams, ParamError, type LawParams } from '../../platform/params/law-params.js';
import { yenText, type Installment } from '../assessment/installments.rules.js';

/**
 * 減免 (地方税法 第717条; the city's 国民健康保険税条例 減免の条), pure rules:
 *
 * - each 事由 has its dated parameter `city_tax.exemption_<reason>`: the rates the city's 基準 gives
 *   (exact decimals) and/or `amount` (a 減免額 in yen decided by staff on the 基準);
 * - the 減免 reaches only the 税額 whose 納期限 is on or after the 申請日 (`city_tax.exemption_target`,
 *   川口市: 「減免の対象となるのは、申請時点において納期が未到来の保険税です」);
 * - 減免額 = rate × Σ of those installments, truncated to the yen (no rounding of a 減免額 to 100 yen
 *   was found for 川口市), or the amount entered — never more than that Σ;
 * - nothing left to be due → refused.
 */

export const EXEMPTION_REASONS = {
  disaster: '災害',
  income_decrease: '所得の著しい減少',
  detention: '刑事施設等への拘禁',
  former_dependent: '旧被扶養者',
} as const;
export type ExemptionReason = keyof typeof EXEMPTION_REASONS;
export const EXEMPTION_REASON_CODES = Object.keys(EXEMPTION_REASONS) as [ExemptionReason, ...ExemptionReason[]];

export const EXEMPTION_LAW = '地方税法第717条、市国民健康保険税条例(減免)';

export interface ExemptionRule {
  /** The rates the 基準 allows (exact decimals, 0 < r ≤ 1). */
  rates: Decimal[];
  /** Whether staff may enter a decided amount instead. */
  amount: boolean;
  law: string;
}

/** The parameter of one 事由 on a day. */
export function exemptionRule(reason: ExemptionReason, date: string, params: LawParams = lawParams()): ExemptionRule {
  const key = `city_tax.exemption_${reason}`;
  const tokens = params
    .text(key, date)
    .split(',')
    .map((t) => t.trim());
  const rates: Decimal[] = [];
  let amount = false;
  for (const t of tokens) {
    if (t === 'amount') amount = true;
    else {
      const r = Decimal.parse(t);
      if (r.compare(Decimal.ofInteger(0)) <= 0 || r.compare(Decimal.ofInteger(1)) > 0) throw new ParamError(`法令パラメータ ${key}: 率 ${t} は0より大きく1以下ではありません`);
      rates.push(r);
    }
  }
  const target = params.text('city_tax.exemption_target', date);
  if (target !== 'on_or_after_applied_on') throw new ParamError(`法令パラメータ city_tax.exemption_target: 「${target}」には対応していません(on_or_after_applied_on のみ)`);
  return { rates, amount, law: params.entry(key, date).law };
}

export interface ExemptionRequest {
  reason: ExemptionReason;
  /** The rate as exact decimal text ("0.5"), or null with `amount`. */
  rate: string | null;
  /** A decided amount in yen, or null with `rate`. */
  amount: number | null;
  /** 申請日 (ISO). */
  appliedOn: string;
}

export type ExemptionDecision =
  | {
      ok: true;
      /** The installments of the current version due on or after the 申請日. */
      targets: Installment[];
      /** Σ of their amounts. */
      base: number;
      /** 減免額 (integer yen, 1 ≤ exemption ≤ base). */
      exemption: number;
      /** How it was computed, for the approver and the explanation line. */
      formula: string;
    }
  | { ok: false; field: 'rate' | 'amount' | 'appliedOn'; message: string };

/**
 * The 減免額 of a request on the current version's 期別 (普通徴収 and 随時; only those with a 納期限).
 */
export function decideExemption(req: ExemptionRequest, installments: readonly Installment[], rule: ExemptionRule): ExemptionDecision {
  const label = EXEMPTION_REASONS[req.reason];
  if ((req.rate === null) === (req.amount === null)) return { ok: false, field: 'rate', message: '率: 減免の率(rate)か減免額(amount)のどちらか一方を入力してください' };
  const targets = installments.filter((i) => i.dueDate !== undefined && i.dueDate >= req.appliedOn && i.amount > 0);
  const base = targets.reduce((s, i) => s + i.amount, 0);
  if (base === 0) {
    return {
      ok: false,
      field: 'appliedOn',
      message: `申請日: ${formatWareki(req.appliedOn)}以後に納期限が到来する税額がないため減免できません(地方税法第717条、市国民健康保険税条例: 減免は申請日以後に納期限が到来する税額に限ります)`,
    };
  }
  const list = targets.map((t) => `${t.label} ${yenText(t.amount)}`).join(' + ');
  if (req.rate !== null) {
    if (!Decimal.PATTERN.test(req.rate)) return { ok: false, field: 'rate', message: `率: ${req.rate} は小数で入力してください(例: 0.5)` };
    const rate = Decimal.parse(req.rate);
    if (!rule.rates.some((r) => r.equals(rate))) {
      const allowed = rule.rates.map((r) => r.toString()).join('・');
      return { ok: false, field: 'rate', message: `率: ${label}の減免の率は${allowed ? ` ${allowed} のいずれか` : 'ありません(減免額で入力してください)'}です(${rule.law})` };
    }
    // rate × base, truncated to the yen (1円未満切捨て); at most the base since rate ≤ 1.
    const exemption = Math.min(base, rate.times(base).floorTo(1));
    if (exemption < 1) return { ok: false, field: 'rate', message: `率: ${rate.toString()} × ${yenText(base)}円 が1円未満のため減免額がありません` };
    return { ok: true, targets, base, exemption, formula: `(${list}) = ${yenText(base)}円 × ${rate.toString()} → 1円未満切捨て ${yenText(exemption)}円` };
  }
  const amount = req.amount!;
  if (!rule.amount) return { ok: false, field: 'amount', message: `減免額: ${label}の減免は率で入力してください(${rule.law})` };
  if (!Number.isSafeInteger(amount) || amount < 1) return { ok: false, field: 'amount', message: '減免額: 1以上の整数(円)で入力してください' };
  if (amount > base) {
    return {
      ok: false,
      field: 'amount',
      message: `減免額: ${yenText(amount)}円 は${formatWareki(req.appliedOn)}以後に納期限が到来する税額 ${yenText(base)}円(${list})を超えています(地方税法第717条、市国民健康保険税条例)`,
    };
  }
  return { ok: true, targets, base, exemption: amount, formula: `減免額 ${yenText(amount)}円(${formatWareki(req.appliedOn)}以後に納期限が到来する ${list} = ${yenText(base)}円 の範囲内)` };
}

/** The explanation line of a version that carries 減免 (the 減免 itself and every later 更正). */
export function exemptionLine(reasons: readonly ExemptionReason[], exemption: number, formula: string) {
  const names = [...new Set(reasons)].map((r) => EXEMPTION_REASONS[r]).join('・');
  return { label: `減免(${names})`, formula: `減免 −${yenText(exemption)}円(${EXEMPTION_LAW})${formula ? `: ${formula}` : ''}`, amount: -exemption, reference: EXEMPTION_LAW };
}
