import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { atenaNoParam } from '../../http/fields.js';
import { isIsoDate } from '../eligibility/eligibility.rules.js';
import { SUPPORTED_FISCAL_YEARS } from '../../platform/params/law-params.js';
import { AMOUNTS, FILING_STATUSES, INCOME_SOURCES, MAX_YEN, RESIDENT_TAX } from './income.rules.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });

const YEN_RULE = '0以上の整数(円)で入力してください';
const yen = z.number({ error: YEN_RULE }).int(YEN_RULE).min(0, YEN_RULE).max(MAX_YEN, '1,000億円以下で入力してください');
const SIGNED_RULE = '整数(円。損失はマイナス)で入力してください';
const signedYen = z.number({ error: SIGNED_RULE }).int(SIGNED_RULE).min(-MAX_YEN, '−1,000億円以上で入力してください').max(MAX_YEN, '1,000億円以下で入力してください');
const FY_RULE = `${SUPPORTED_FISCAL_YEARS.from}〜${SUPPORTED_FISCAL_YEARS.to}の年度(西暦)で入力してください`;
const DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-06-15)';

const Version = z
  .object({
    returnId: z.number(),
    fiscalYear: z.number(),
    incomeYear: z.number(),
    version: z.number(),
    current: z.boolean(),
    source: z.enum(Object.keys(INCOME_SOURCES) as [keyof typeof INCOME_SOURCES, ...(keyof typeof INCOME_SOURCES)[]]),
    sourceLabel: z.string(),
    filingStatus: z.enum(Object.keys(FILING_STATUSES) as [keyof typeof FILING_STATUSES, ...(keyof typeof FILING_STATUSES)[]]),
    filingStatusLabel: z.string(),
    residentTax: z.enum(Object.keys(RESIDENT_TAX) as [keyof typeof RESIDENT_TAX, ...(keyof typeof RESIDENT_TAX)[]]).nullable(),
    residentTaxLabel: z.string().nullable(),
    amounts: z.object(Object.fromEntries(AMOUNTS.map((a) => [a, z.number()])) as Record<(typeof AMOUNTS)[number], z.ZodNumber>),
    sourceSha256: z.string().nullable(),
    sourceLine: z.number().nullable(),
    declaredOn: z.string().nullable(),
    note: z.string().nullable(),
    recordedAt: z.string(),
    recordedBy: z.string(),
    supersededAt: z.string().nullable(),
  })
  .openapi('IncomeReturn');

const list = defineRoute({
  method: 'get',
  path: '/api/persons/{atenaNo}/income-returns',
  access: 'income.read',
  tags: ['所得'],
  summary: '所得と住民税の課税状況(年度ごと、取込み・簡易申告のすべての版。現在の版は current)',
  request: { params: z.object({ atenaNo: atenaNoParam }) },
  responses: { 200: json(z.object({ atenaNo: z.number(), versions: z.array(Version) }).openapi('IncomeReturns'), '所得の版'), ...ErrorResponses },
});

export const DeclarationBody = z
  .object({
    fiscalYear: z.number({ error: FY_RULE }).int(FY_RULE).min(SUPPORTED_FISCAL_YEARS.from, FY_RULE).max(SUPPORTED_FISCAL_YEARS.to, FY_RULE).openapi({ description: '年度(所得はその前年のもの)' }),
    declaredOn: z.string({ error: DATE_RULE }).refine((s) => s.length <= 10 && isIsoDate(s), DATE_RULE).openapi({ example: '2026-06-15', format: 'date', description: '申告日' }),
    salaryRevenue: yen.openapi({ description: '給与収入(専従者給与を含む)' }),
    familyEmployeeSalary: yen.openapi({ description: 'うち専従者給与' }),
    pensionRevenue: yen.openapi({ description: '公的年金等収入' }),
    businessRevenue: yen.openapi({ description: '事業収入' }),
    businessIncome: signedYen.openapi({ description: '事業所得(収入−必要経費。損失はマイナス)' }),
    realEstateRevenue: yen.openapi({ description: '不動産収入' }),
    realEstateIncome: signedYen.openapi({ description: '不動産所得(損失はマイナス)' }),
    dividendIncome: yen.openapi({ description: '配当所得' }),
    miscIncome: yen.openapi({ description: '雑所得(公的年金等以外)' }),
    separateCapitalGains: yen.openapi({ description: '分離譲渡所得(特別控除前)' }),
    otherIncome: yen.openapi({ description: 'その他の所得' }),
    note: z.string({ error: '200文字以内の文字列で入力してください' }).max(200, '200文字以内で入力してください').optional().openapi({ description: '備考' }),
  })
  .strict()
  .openapi('SimpleDeclaration');

const declare = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/income-returns',
  access: 'income.declare',
  tags: ['所得'],
  summary: '簡易申告(国保加入者本人の所得申告)を記録する。新しい版になり、関係する国保世帯の再賦課を依頼します',
  description:
    '収入を種類ごとに入力します(すべて0 = 所得なし)。給与所得・公的年金等所得は所得の年の法令パラメータで計算します。その年度に国保の被保険者(または国保世帯の世帯主)でない人は 422、個人住民税システムに申告がある年度は 409 です。前の版と同じ内容なら版は増えません(changed: false)。',
  request: { params: z.object({ atenaNo: atenaNoParam }), body: { required: true, content: { 'application/json': { schema: DeclarationBody } } } },
  responses: {
    200: json(z.object({ atenaNo: z.number(), fiscalYear: z.number(), changed: z.boolean(), reassessmentHouseholds: z.array(z.number()), versions: z.array(Version) }).openapi('SimpleDeclarationResult'), '記録した版(その年度のすべての版)'),
    ...ErrorResponses,
    409: err('個人住民税システムに申告がある年度です'),
    422: err('その年度に国保の被保険者ではありません'),
  },
});

export function registerIncomeRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => c.json(await c.get('deps').income.returnsOf(c.get('actor'), c.req.valid('param').atenaNo, c.get('correlationId')), 200));
  app.openapi(declare, async (c) => c.json(await c.get('deps').income.declare(c.get('actor'), c.req.valid('param').atenaNo, c.req.valid('json'), c.get('correlationId')), 200));
}
