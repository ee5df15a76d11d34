import { z } from '@hono/zod-openapi';
import { Decimal } from '../../lib/decimal.js';
import { SUPPORTED_FISCAL_YEARS } from '../../platform/params/law-params.js';
import { isIsoDate } from '../eligibility/eligibility.rules.js';

/**
 * The input of `tax calc` and POST /api/calc/tax (shared/interfaces calculators §1, copied in this
 * module's README): one household, one 年度. zod-checked with one Japanese rule per field; the CLI
 * prints them as `path: rule` (members[1].income.salaryRevenue: 0以上の整数で入力してください).
 */

const YEN_RULE = '0以上の整数で入力してください';
const yen = z.number({ error: YEN_RULE }).int(YEN_RULE).min(0, YEN_RULE).max(100_000_000_000, '1,000億円以下で入力してください');
const RATE_RULE = '率は引用符で囲んだ0以上1以下の小数で入力してください(例: "0.0745")';
const rate = z
  .string({ error: RATE_RULE })
  .regex(/^\d+(\.\d{1,10})?$/, RATE_RULE)
  .refine((s) => Decimal.parse(s).compare(Decimal.ofInteger(1)) <= 0, RATE_RULE);
const DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください';
const isoDate = z.string({ error: DATE_RULE }).refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && isIsoDate(s), DATE_RULE);

export const PartRatesInput = z
  .object({
    incomeRate: rate,
    assetRate: rate.optional(),
    perCapita: yen,
    perHousehold: yen.optional(),
    limit: yen.optional(),
  })
  .strict()
  .openapi('TaxPartRates');

export const ChildSupportRatesInput = PartRatesInput.extend({
  /** 18歳以上被保険者均等割額: the add-on per insured person aged 18+ (spreads the under-18 10割軽減). */
  adultPerCapita: yen.optional(),
})
  .strict()
  .openapi('TaxChildSupportRates');

export const MunicipalityInput = z
  .object({
    name: z.string({ error: '市町村名を文字列で入力してください' }).min(1, '市町村名を入力してください').max(40, '40文字以内で入力してください').optional(),
    parts: z
      .object({ medical: PartRatesInput.optional(), support: PartRatesInput.optional(), care: PartRatesInput.optional(), childSupport: ChildSupportRatesInput.optional() }, { error: '区分ごとの税率(parts)を入力してください' })
      .strict(),
  })
  .strict()
  .openapi('TaxMunicipality');

export const MemberInput = z
  .object({
    label: z.string({ error: '文字列で入力してください' }).max(40, '40文字以内で入力してください').optional(),
    head: z.boolean({ error: 'true か false で入力してください' }),
    insured: z.boolean({ error: 'true か false で入力してください' }),
    age: z.number({ error: '0〜130の整数で入力してください' }).int('0〜130の整数で入力してください').min(0, '0〜130の整数で入力してください').max(130, '0〜130の整数で入力してください').optional(),
    birthDate: isoDate.optional(),
    income: z
      .object({ salaryRevenue: yen.optional(), pensionRevenue: yen.optional(), otherIncome: yen.optional() }, { error: '所得(income)はオブジェクトで入力してください' })
      .strict()
      .optional(),
    reported: z.boolean({ error: 'true か false で入力してください' }).optional(),
    formerInsuredToLatterElderly: z.boolean({ error: 'true か false で入力してください' }).optional(),
    /** 固定資産税額 (for 資産割 where the city has one). */
    fixedAssetTax: yen.optional(),
    /** 非自発的失業者の軽減 (給与所得 × 30/100) for the whole 年度 (kept for the published contract; see `unemployment`). */
    involuntaryUnemployment: z.boolean({ error: 'true か false で入力してください' }).optional(),
    /**
     * 非自発的失業者の軽減 (特例対象被保険者等, 地方税法 703条の5の2) from the records: `from` is the day after
     * 離職 (離職日の翌日). The months of the 年度 from the month containing it to the end of the following
     * 年度 use 給与所得 × 30/100 for 所得割 and for the 法定軽減 judgement of those months.
     */
    unemployment: z
      .object({ from: isoDate }, { error: '非自発的失業(unemployment)は { from: 離職日の翌日 } で入力してください' })
      .strict()
      .optional(),
    /**
     * 産前産後期間の減額 (from 2024-01): the month of birth or expected birth (出産予定月・出産月), and
     * whether 多胎; the insured mother's 所得割 and 均等割 of the month before to two months after (多胎:
     * three months before) are not charged.
     */
    childbirth: z
      .object({
        month: z.string({ error: 'YYYY-MM 形式の年月で入力してください' }).regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM 形式の年月で入力してください'),
        multiple: z.boolean({ error: 'true か false で入力してください' }).optional(),
      }, { error: '出産(childbirth)は { month, multiple } で入力してください' })
      .strict()
      .optional(),
    /**
     * 月割: the periods the person is insured in this NHI household, half-open [from, to) — from the
     * 資格取得日 (or the day they joined the household), to the 資格喪失日 (or the day they left it); omitted:
     * the whole 年度. A month is charged when its last day falls in a period (from the month of 取得 to
     * the month before the month of 喪失).
     */
    insuredPeriods: z
      .array(z.object({ from: isoDate, to: isoDate.nullable().optional() }).strict(), { error: '加入期間(insuredPeriods)を配列で入力してください' })
      .max(24, '加入期間は24件までです')
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.age === undefined && m.birthDate === undefined) ctx.addIssue({ code: 'custom', path: ['age'], message: '年齢(age)か生年月日(birthDate)を入力してください' });
    for (const [i, p] of (m.insuredPeriods ?? []).entries()) {
      if (p.to && p.to < p.from) ctx.addIssue({ code: 'custom', path: ['insuredPeriods', i, 'to'], message: '資格喪失日(to)は取得日(from)以後の日付で入力してください' });
    }
    if (m.unemployment && !m.insured) ctx.addIssue({ code: 'custom', path: ['unemployment'], message: '非自発的失業者の軽減は国保の被保険者(insured: true)だけです' });
    if (m.unemployment && m.involuntaryUnemployment) ctx.addIssue({ code: 'custom', path: ['unemployment'], message: '非自発的失業は unemployment(期間)と involuntaryUnemployment(年度全体)のどちらか一方だけ入力してください' });
    if (m.childbirth && !m.insured) ctx.addIssue({ code: 'custom', path: ['childbirth'], message: '産前産後期間の減額は国保の被保険者(insured: true)だけです' });
    if (m.formerInsuredToLatterElderly && m.insured) ctx.addIssue({ code: 'custom', path: ['formerInsuredToLatterElderly'], message: '特定同一世帯所属者は国保の被保険者ではありません(insured を false にしてください)' });
  })
  .openapi('TaxMember');

export const TaxInput = z
  .object({
    fiscalYear: z
      .number({ error: `${SUPPORTED_FISCAL_YEARS.from}〜${SUPPORTED_FISCAL_YEARS.to}の年度(西暦)で入力してください` })
      .int(`${SUPPORTED_FISCAL_YEARS.from}〜${SUPPORTED_FISCAL_YEARS.to}の年度(西暦)で入力してください`)
      .min(SUPPORTED_FISCAL_YEARS.from, `${SUPPORTED_FISCAL_YEARS.from}〜${SUPPORTED_FISCAL_YEARS.to}の年度(西暦)で入力してください`)
      .max(SUPPORTED_FISCAL_YEARS.to, `${SUPPORTED_FISCAL_YEARS.from}〜${SUPPORTED_FISCAL_YEARS.to}の年度(西暦)で入力してください`),
    municipality: MunicipalityInput.optional(),
    /** Another city's 条例 figures from config/law/cities/<city>.yaml (instead of the configured city). */
    city: z
      .string({ error: '市町村のファイル名(config/law/cities/<名前>.yaml の名前)を入力してください' })
      .regex(/^[a-z][a-z0-9_]*$/, '市町村のファイル名(config/law/cities/<名前>.yaml の名前)を入力してください')
      .optional(),
    /** 特定世帯 (平等割 1/2) / 特定継続世帯 (1/4) / none; omitted: 特定世帯 when one insured remains beside a 特定同一世帯所属者. */
    specificHousehold: z.enum(['specific', 'continuing', 'none'], { error: 'specific(特定世帯)・continuing(特定継続世帯)・none のいずれかを入力してください' }).optional(),
    members: z.array(MemberInput, { error: '世帯員(members)を配列で入力してください' }).min(1, '世帯員を1人以上入力してください').max(30, '世帯員は30人までです'),
  })
  .strict()
  .superRefine((t, ctx) => {
    const heads = t.members.filter((m) => m.head).length;
    if (heads !== 1) ctx.addIssue({ code: 'custom', path: ['members'], message: `世帯主(head: true)はちょうど1人です(${heads}人あります)` });
    if (!t.members.some((m) => m.insured)) ctx.addIssue({ code: 'custom', path: ['members'], message: '国保の被保険者(insured: true)が1人もいません' });
    if (t.municipality && t.city) ctx.addIssue({ code: 'custom', path: ['city'], message: 'municipality と city はどちらか一方だけ指定してください' });
  })
  .openapi('TaxCalcInput');

export type TaxInput = z.infer<typeof TaxInput>;
export type MemberInput = z.infer<typeof MemberInput>;

/** A zod issue path as the contract writes it: members[1].income.salaryRevenue. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('') || '(入力全体)';
}

/** Parse the input; the problems as `path: rule` lines (one per field, the first rule it breaks). */
export function parseTaxInput(data: unknown): { ok: true; input: TaxInput } | { ok: false; errors: string[] } {
  const r = TaxInput.safeParse(data);
  if (r.success) return { ok: true, input: r.data };
  const seen = new Map<string, string>();
  for (const i of r.error.issues) {
    const p = issuePath(i.path);
    if (!seen.has(p)) seen.set(p, i.code === 'unrecognized_keys' ? `不明な項目です: ${i.keys.join(', ')}` : i.message);
  }
  return { ok: false, errors: [...seen].map(([p, m]) => `${p}: ${m}`) };
}
