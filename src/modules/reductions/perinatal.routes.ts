import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { atenaNoParam } from '../../http/fields.js';
import { isIsoDate } from '../eligibility/eligibility.rules.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });
const DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-06-15)';
const MONTH_RULE = 'YYYY-MM 形式の年月で入力してください(例: 2026-08)';
const BOOL_RULE = 'true か false で入力してください';

const Notification = z
  .object({
    notificationId: z.number(),
    atenaNo: z.number(),
    birthMonth: z.string().openapi({ description: '出産予定月(出産済みなら出産月)' }),
    multiple: z.boolean(),
    born: z.boolean(),
    reportedOn: z.string(),
    months: z.array(z.string()).openapi({ description: '所得割額・均等割額を減額する月(産前産後期間)' }),
    recordedAt: z.string(),
    recordedBy: z.string(),
    endedAt: z.string().nullable(),
    endedBy: z.string().nullable(),
    endReason: z.string().nullable(),
  })
  .openapi('PerinatalNotification');

export const PerinatalBody = z
  .object({
    birthMonth: z.string({ error: MONTH_RULE }).regex(/^\d{4}-(0[1-9]|1[0-2])$/, MONTH_RULE).openapi({ example: '2026-08', description: '出産予定月(出産後の届出は出産月)' }),
    multiple: z.boolean({ error: BOOL_RULE }).openapi({ description: '多胎妊娠' }),
    born: z.boolean({ error: BOOL_RULE }).openapi({ description: '出産済み(false: 出産予定)' }),
    reportedOn: z.string({ error: DATE_RULE }).refine((s) => s.length <= 10 && isIsoDate(s), DATE_RULE).openapi({ example: '2026-05-10', format: 'date', description: '届出日' }),
  })
  .strict()
  .openapi('PerinatalBody');

const notificationIdParam = z.coerce.number({ error: '届出番号: 1以上の整数で入力してください' }).int('届出番号: 1以上の整数で入力してください').min(1, '届出番号: 1以上の整数で入力してください').max(Number.MAX_SAFE_INTEGER, '届出番号: 1以上の整数で入力してください');

const list = defineRoute({
  method: 'get',
  path: '/api/persons/{atenaNo}/perinatal',
  access: 'person.read',
  tags: ['減額の届出'],
  summary: '産前産後期間の届出(取り下げたものも)',
  request: { params: z.object({ atenaNo: atenaNoParam }) },
  responses: { 200: json(z.object({ atenaNo: z.number(), notifications: z.array(Notification) }).openapi('PerinatalNotifications'), '届出'), ...ErrorResponses },
});

const record = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/perinatal',
  access: 'reduction.record',
  tags: ['減額の届出'],
  summary: '産前産後期間の届出を記録する。出産(予定)月の前月から翌々月まで(多胎は3か月前から)の所得割額・均等割額が減額され、国保世帯の更正を依頼します',
  request: { params: z.object({ atenaNo: atenaNoParam }), body: { required: true, content: { 'application/json': { schema: PerinatalBody } } } },
  responses: {
    201: json(Notification, '記録した届出'),
    ...ErrorResponses,
    409: err('同じ出産の届出が既にあります'),
    422: err('規則に合いません(男性、期間中に国保の被保険者でない、届出の時期など)'),
  },
});

const withdraw = defineRoute({
  method: 'post',
  path: '/api/perinatal/{notificationId}/withdraw',
  access: 'reduction.record',
  tags: ['減額の届出'],
  summary: '産前産後期間の届出を取り下げる(記録は残ります)。国保世帯の更正を依頼します',
  request: {
    params: z.object({ notificationId: notificationIdParam }),
    body: { required: true, content: { 'application/json': { schema: z.object({ reason: z.string({ error: '取下げの理由を200文字以内で入力してください' }).min(1, '取下げの理由を入力してください').max(200, '200文字以内で入力してください') }).strict().openapi('PerinatalWithdraw') } } },
  },
  responses: { 200: json(Notification, '取り下げた届出'), ...ErrorResponses, 409: err('取り下げ済みです') },
});

export function registerPerinatalRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => c.json(await c.get('deps').perinatal.list(c.get('actor'), c.req.valid('param').atenaNo, c.get('correlationId')), 200));
  app.openapi(record, async (c) => c.json(await c.get('deps').perinatal.record(c.get('actor'), c.req.valid('param').atenaNo, c.req.valid('json'), c.get('correlationId')), 201));
  app.openapi(withdraw, async (c) => c.json(await c.get('deps').perinatal.withdraw(c.get('actor'), c.req.valid('param').notificationId, c.req.valid('json').reason, c.get('correlationId')), 200));
}
