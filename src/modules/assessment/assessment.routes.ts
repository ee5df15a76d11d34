import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { TaxInput } from './tax.input.js';
import { CalcLine, InstallmentRow } from './calc-line.schema.js';
import { InstallmentsInput } from './installments.rules.js';
import { registerStoredAssessmentRoutes } from './assessment-stored.routes.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

export { CalcLine };

const PartResult = z
  .object({
    incomeLevy: z.number(),
    assetLevy: z.number(),
    perCapita: z.number(),
    perHousehold: z.number(),
    reductionAmount: z.number(),
    reductions: z.object({ legal: z.number(), specificHousehold: z.number(), preschool: z.number(), minor: z.number(), perinatal: z.number() }),
    beforeLimit: z.number(),
    limit: z.number(),
    amount: z.number(),
  })
  .openapi('TaxPartResult');

const TaxResult = z
  .object({
    fiscalYear: z.number(),
    municipality: z.string(),
    reduction: z.enum(['7割', '5割', '2割', 'なし']),
    parts: z.object({ medical: PartResult.optional(), support: PartResult.optional(), care: PartResult.optional(), childSupport: PartResult.optional() }),
    total: z.number(),
    members: z.array(z.object({ label: z.string(), insured: z.boolean(), totalIncome: z.number(), taxableIncome: z.number(), reductionIncome: z.number(), earner: z.boolean() })),
    lines: z.array(CalcLine),
  })
  .openapi('TaxCalcResult');

const taxCalc = defineRoute({
  method: 'post',
  path: '/api/calc/tax',
  access: 'assessment.calc',
  tags: ['賦課(試算)'],
  summary: '国民健康保険税の試算(1世帯・1年度。住民の記録は読まず、変更もしません)',
  description:
    '入力は `npm run cli -- tax calc` と同じ JSON です。municipality を省くと設定された市(config/law/city_tax.yaml)の税率、city を指定すると config/law/cities/<city>.yaml の税率で計算します。結果の lines は計算の各段階(算式・金額・根拠法令とパラメータ)です。年度の値が登録されていないときは 422 です。',
  request: { body: { content: { 'application/json': { schema: TaxInput } }, required: true } },
  responses: { 200: json(TaxResult, '試算の結果'), ...ErrorResponses, 422: json(ErrorBodySchema, '計算できません(その年度の税率が登録されていない等。理由つき)') },
});

const InstallmentsResult = z
  .object({
    fiscalYear: z.number(),
    annualTax: z.number(),
    installments: z.array(InstallmentRow),
    lines: z.array(CalcLine),
  })
  .openapi('InstallmentsCalcResult');

const installmentsCalc = defineRoute({
  method: 'post',
  path: '/api/calc/installments',
  access: 'assessment.calc',
  tags: ['賦課(試算)'],
  summary: '期別の試算(普通徴収の納期と納期限、または特別徴収の仮徴収・本徴収。額の合計は年税額)',
  description: '入力は `npm run cli -- installments calc` と同じ JSON です。普通徴収の納期と端数の扱いは設定された市(config/law/city_tax.yaml)のもの。納期限が土日・祝日・年末年始にあたるときは翌開庁日です。',
  request: { body: { content: { 'application/json': { schema: InstallmentsInput } }, required: true } },
  responses: { 200: json(InstallmentsResult, '期別'), ...ErrorResponses, 422: json(ErrorBodySchema, '計算できません(仮徴収が年税額を超える等。理由つき)') },
});

const taxCalcPdf = defineRoute({
  method: 'post',
  path: '/api/calc/tax/pdf',
  access: 'assessment.calc',
  tags: ['賦課(試算)'],
  summary: '国民健康保険税の計算明細(試算)をPDFで印刷する(窓口で住民に渡す説明。入力は /api/calc/tax と同じ)',
  request: { body: { content: { 'application/json': { schema: TaxInput } }, required: true } },
  responses: { 200: { content: { 'application/pdf': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } }, description: 'PDF' }, ...ErrorResponses, 422: json(ErrorBodySchema, '計算できません(理由つき)') },
});

export function registerAssessmentRoutes(app: OpenAPIHono<AppEnv>): void {
  registerStoredAssessmentRoutes(app);
  app.openapi(taxCalc, async (c) => c.json(await c.get('deps').assessment.calcTax(c.get('actor'), c.req.valid('json'), c.get('correlationId')), 200));
  app.openapi(taxCalcPdf, async (c) => {
    const pdf = await c.get('deps').assessment.taxExplanationPdf(c.get('actor'), c.req.valid('json'), c.get('correlationId'));
    return c.body(new Uint8Array(pdf), 200, { 'content-type': 'application/pdf', 'content-disposition': 'inline; filename="tax-explanation.pdf"' });
  });
  app.openapi(installmentsCalc, async (c) => c.json(await c.get('deps').assessment.calcInstallments(c.get('actor'), c.req.valid('json'), c.get('correlationId')), 200));
}
