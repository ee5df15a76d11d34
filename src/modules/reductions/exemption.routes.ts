import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { atenaNoParam } from '../../http/fields.js';
import { isIsoDate } from '../eligibility/eligibility.rules.js';
import { EXEMPTION_REASON_CODES } from './exemption.rules.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });
const DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-10-15)';
const RATE_RULE = '減免の率は0より大きく1以下の小数で入力してください(例: 0.5)';
const AMOUNT_RULE = '減免額は1以上の整数(円)で入力してください';
const YEAR_RULE = '年度は2000〜2100の整数で入力してください';
const REASON_RULE = `減免の事由は ${EXEMPTION_REASON_CODES.join(' / ')} のいずれかです`;

const Installment = z.object({ label: z.string(), kind: z.string(), dueDate: z.string().optional(), amount: z.number() }).openapi('ExemptionInstallment');

const Exemption = z
  .object({
    exemptionId: z.number(),
    householdNo: z.number(),
    fiscalYear: z.number(),
    reasonCode: z.enum(EXEMPTION_REASON_CODES),
    reasonLabel: z.string().openapi({ description: '事由(災害、所得の著しい減少、刑事施設等への拘禁、旧被扶養者)' }),
    rate: z.string().nullable().openapi({ description: '減免の率(正確な小数の文字列)。減免額で決めたときは null' }),
    amount: z.number().nullable().openapi({ description: '職員が入力した減免額。率で決めたときは null' }),
    appliedOn: z.string().openapi({ description: '申請日(この日以後に納期限が到来する期の税額が対象)' }),
    base: z.number().openapi({ description: '申請日以後に納期限が到来する期の税額の合計' }),
    exemption: z.number().openapi({ description: '減免額(円)' }),
    assessmentId: z.number(),
    assessmentVersion: z.number().openapi({ description: '決定のもとにした賦課の版' }),
    note: z.string().nullable(),
    changeId: z.number().nullable(),
    requestedBy: z.string(),
    decidedAt: z.string(),
    decidedBy: z.string(),
    endedAt: z.string().nullable(),
    endedBy: z.string().nullable(),
    endReason: z.string().nullable(),
  })
  .openapi('TaxExemption');

export const ExemptionBody = z
  .object({
    fiscalYear: z.number({ error: YEAR_RULE }).int(YEAR_RULE).min(2000, YEAR_RULE).max(2100, YEAR_RULE).openapi({ example: 2026 }),
    exemptionReason: z.enum(EXEMPTION_REASON_CODES, { error: REASON_RULE }).openapi({ example: 'disaster', description: '減免の事由: disaster 災害 / income_decrease 所得の著しい減少 / detention 刑事施設等への拘禁 / former_dependent 旧被扶養者' }),
    exemptionRate: z
      .string({ error: RATE_RULE })
      .regex(/^(0\.\d{1,6}|1(\.0{1,6})?)$/, RATE_RULE)
      .optional()
      .openapi({ example: '0.5', description: '減免の率(事由ごとの基準の率。災害: 0.5・0.7・0.9・1)。減免額と同時には指定できません' }),
    exemptionAmount: z.number({ error: AMOUNT_RULE }).int(AMOUNT_RULE).min(1, AMOUNT_RULE).max(100_000_000, AMOUNT_RULE).optional().openapi({ description: '減免額(円。基準により職員が決めた額)。率と同時には指定できません' }),
    appliedOn: z.string({ error: DATE_RULE }).refine((s) => s.length <= 10 && isIsoDate(s), DATE_RULE).openapi({ example: '2026-10-15', format: 'date', description: '申請日' }),
    note: z.string({ error: '備考は200文字以内で入力してください' }).min(1).max(200, '備考は200文字以内で入力してください').optional(),
  })
  .strict()
  .openapi('TaxExemptionBody');

const Requested = z
  .object({
    changeId: z.number(),
    kind: z.string(),
    status: z.literal('pending'),
    householdNo: z.number(),
    fiscalYear: z.number(),
    base: z.number().openapi({ description: '申請日以後に納期限が到来する期の税額の合計' }),
    exemption: z.number().openapi({ description: '減免額(承認のときの事実で計算し直します)' }),
    totalBefore: z.number(),
    totalAfter: z.number(),
    targets: z.array(Installment),
  })
  .openapi('TaxExemptionRequested');

const list = defineRoute({
  method: 'get',
  path: '/api/households/{householdNo}/exemptions',
  access: 'person.read',
  tags: ['減額の届出'],
  summary: '世帯の国民健康保険税の減免(取り消したものも)',
  request: { params: z.object({ householdNo: atenaNoParam }) },
  responses: { 200: json(z.object({ householdNo: z.number(), exemptions: z.array(Exemption) }).openapi('TaxExemptions'), '減免'), ...ErrorResponses },
});

const request = defineRoute({
  method: 'post',
  path: '/api/households/{householdNo}/exemptions',
  access: 'reduction.record',
  tags: ['減額の届出'],
  summary:
    '国民健康保険税の減免を申請する(地方税法第717条、市国民健康保険税条例)。別の職員の承認で、申請日以後に納期限が到来する期の税額から減免額を減らす更正を行います',
  request: { params: z.object({ householdNo: atenaNoParam }), body: { required: true, content: { 'application/json': { schema: ExemptionBody } } } },
  responses: {
    202: json(Requested, '承認待ちにした減免'),
    ...ErrorResponses,
    409: err('この世帯に承認待ちの減免があります'),
    422: err('規則に合いません(申請日以後に納期限が到来する税額がない、基準にない率、減免額が対象の税額を超える、賦課がないなど)'),
  },
});

const exemptionIdParam = z.coerce.number({ error: '減免番号: 1以上の整数で入力してください' }).int('減免番号: 1以上の整数で入力してください').min(1, '減免番号: 1以上の整数で入力してください').max(Number.MAX_SAFE_INTEGER, '減免番号: 1以上の整数で入力してください');

const cancel = defineRoute({
  method: 'post',
  path: '/api/exemptions/{exemptionId}/cancel',
  access: 'reduction.record',
  tags: ['減額の届出'],
  summary: '決定した減免の取消しを申請する。別の職員の承認で取り消し(記録は残ります)、その年度の賦課を更正します',
  request: {
    params: z.object({ exemptionId: exemptionIdParam }),
    body: { required: true, content: { 'application/json': { schema: z.object({ reason: z.string({ error: '取消しの理由を200文字以内で入力してください' }).min(1, '取消しの理由を入力してください').max(200, '200文字以内で入力してください') }).strict().openapi('TaxExemptionCancel') } } },
  },
  responses: {
    202: json(z.object({ changeId: z.number(), kind: z.string(), status: z.literal('pending'), exemptionId: z.number() }).openapi('TaxExemptionCancelRequested'), '承認待ちにした取消し'),
    ...ErrorResponses,
    409: err('取り消し済み、または承認待ちの変更があります'),
  },
});

export function registerExemptionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(cancel, async (c) => c.json(await c.get('deps').exemptions.requestCancel(c.get('actor'), c.req.valid('param').exemptionId, c.req.valid('json').reason, c.get('correlationId')), 202));
  app.openapi(list, async (c) => c.json(await c.get('deps').exemptions.list(c.get('actor'), c.req.valid('param').householdNo, c.get('correlationId')), 200));
  app.openapi(request, async (c) => {
    const b = c.req.valid('json');
    const input = { fiscalYear: b.fiscalYear, reasonCode: b.exemptionReason, rate: b.exemptionRate ?? null, amount: b.exemptionAmount ?? null, appliedOn: b.appliedOn, note: b.note ?? null };
    return c.json(await c.get('deps').exemptions.request(c.get('actor'), c.req.valid('param').householdNo, input, c.get('correlationId')), 202);
  });
}
