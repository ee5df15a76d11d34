import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { atenaNoParam } from '../../http/fields.js';
import { isIsoDate } from '../eligibility/eligibility.rules.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });
const DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-09-30)';
const CODE_RULE = '離職理由コードは2桁の数字で入力してください(例: 11)';
const isoDate = (description: string, example: string) => z.string({ error: DATE_RULE }).refine((s) => s.length <= 10 && isIsoDate(s), DATE_RULE).openapi({ example, format: 'date', description });

const Notification = z
  .object({
    notificationId: z.number(),
    atenaNo: z.number(),
    separatedOn: z.string().openapi({ description: '離職日' }),
    reasonCode: z.string().openapi({ description: '離職理由コード(雇用保険受給資格者証)' }),
    reportedOn: z.string(),
    from: z.string().openapi({ description: '軽減の期間の始まり(離職日の翌日。その月から給与所得を30/100として計算)' }),
    until: z.string().openapi({ description: '軽減の期間の終わり(この日の前日まで。翌年度末)' }),
    recordedAt: z.string(),
    recordedBy: z.string(),
    endedAt: z.string().nullable(),
    endedBy: z.string().nullable(),
    endReason: z.string().nullable(),
  })
  .openapi('UnemploymentNotification');

export const UnemploymentBody = z
  .object({
    separatedOn: isoDate('離職日(雇用保険受給資格者証)', '2026-09-30'),
    reasonCode: z.string({ error: CODE_RULE }).regex(/^\d{2}$/, CODE_RULE).openapi({ example: '11', description: '離職理由コード(特定受給資格者 11・12・21・22・31・32、特定理由離職者 23・33・34)' }),
    reportedOn: isoDate('届出日', '2026-10-15'),
  })
  .strict()
  .openapi('UnemploymentBody');

const notificationIdParam = z.coerce.number({ error: '届出番号: 1以上の整数で入力してください' }).int('届出番号: 1以上の整数で入力してください').min(1, '届出番号: 1以上の整数で入力してください').max(Number.MAX_SAFE_INTEGER, '届出番号: 1以上の整数で入力してください');

const list = defineRoute({
  method: 'get',
  path: '/api/persons/{atenaNo}/unemployment',
  access: 'person.read',
  tags: ['減額の届出'],
  summary: '非自発的失業の届出(取り下げたものも)',
  request: { params: z.object({ atenaNo: atenaNoParam }) },
  responses: { 200: json(z.object({ atenaNo: z.number(), notifications: z.array(Notification) }).openapi('UnemploymentNotifications'), '届出'), ...ErrorResponses },
});

const record = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/unemployment',
  access: 'reduction.record',
  tags: ['減額の届出'],
  summary: '非自発的失業の届出を記録する。離職日の翌日の属する月から翌年度末まで、前年の給与所得を30/100として所得割と軽減判定を計算し、国保世帯の更正を依頼します',
  request: { params: z.object({ atenaNo: atenaNoParam }), body: { required: true, content: { 'application/json': { schema: UnemploymentBody } } } },
  responses: {
    201: json(Notification, '記録した届出'),
    ...ErrorResponses,
    409: err('期間の重なる届出が既にあります'),
    422: err('規則に合いません(離職理由コード、離職日の年齢、期間中に国保の被保険者でない、届出日など)'),
  },
});

const withdraw = defineRoute({
  method: 'post',
  path: '/api/unemployment/{notificationId}/withdraw',
  access: 'reduction.record',
  tags: ['減額の届出'],
  summary: '非自発的失業の届出を取り下げる(記録は残ります)。国保世帯の更正を依頼します',
  request: {
    params: z.object({ notificationId: notificationIdParam }),
    body: { required: true, content: { 'application/json': { schema: z.object({ reason: z.string({ error: '取下げの理由を200文字以内で入力してください' }).min(1, '取下げの理由を入力してください').max(200, '200文字以内で入力してください') }).strict().openapi('UnemploymentWithdraw') } } },
  },
  responses: { 200: json(Notification, '取り下げた届出'), ...ErrorResponses, 409: err('取り下げ済みです') },
});

export function registerUnemploymentRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => c.json(await c.get('deps').unemployment.list(c.get('actor'), c.req.valid('param').atenaNo, c.get('correlationId')), 200));
  app.openapi(record, async (c) => c.json(await c.get('deps').unemployment.record(c.get('actor'), c.req.valid('param').atenaNo, c.req.valid('json'), c.get('correlationId')), 201));
  app.openapi(withdraw, async (c) => c.json(await c.get('deps').unemployment.withdraw(c.get('actor'), c.req.valid('param').notificationId, c.req.valid('json').reason, c.get('correlationId')), 200));
}
