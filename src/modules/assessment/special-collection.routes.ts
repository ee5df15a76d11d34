import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { atenaNoParam } from '../../http/fields.js';
import { isIsoDate } from '../eligibility/eligibility.rules.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });
const DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-11-02)';
const ID_RULE = '申出番号: 1以上の整数で入力してください';

const AccountTransfer = z
  .object({
    requestId: z.number(),
    householdNo: z.number(),
    atenaNo: z.number().openapi({ description: '申し出た世帯主の宛名番号' }),
    requestedOn: z.string().openapi({ description: '申出日' }),
    recordedAt: z.string(),
    recordedBy: z.string(),
    endedAt: z.string().nullable(),
    endedBy: z.string().nullable(),
    endReason: z.string().nullable(),
  })
  .openapi('AccountTransferRequest');

const TransferBody = z
  .object({ requestedOn: z.string({ error: DATE_RULE }).refine((s) => s.length <= 10 && isIsoDate(s), DATE_RULE).openapi({ example: '2026-11-02', format: 'date', description: '申出日' }) })
  .strict()
  .openapi('AccountTransferBody');

const list = defineRoute({
  method: 'get',
  path: '/api/households/{householdNo}/account-transfer',
  access: 'assessment.read',
  tags: ['賦課'],
  summary: '特別徴収から口座振替への変更申出(取り下げたものも)',
  request: { params: z.object({ householdNo: atenaNoParam }) },
  responses: { 200: json(z.object({ householdNo: z.number(), requests: z.array(AccountTransfer) }).openapi('AccountTransferRequests'), '申出'), ...ErrorResponses },
});

const record = defineRoute({
  method: 'post',
  path: '/api/households/{householdNo}/account-transfer',
  access: 'assessment.run',
  tags: ['賦課'],
  summary: '世帯主の口座振替への変更申出を記録する。年度の途中の特別徴収は更正(税額は変わりません)で中止し、残りは普通徴収に。次の本算定からは普通徴収(口座振替)です',
  request: { params: z.object({ householdNo: atenaNoParam }), body: { required: true, content: { 'application/json': { schema: TransferBody } } } },
  responses: { 201: json(AccountTransfer, '記録した申出'), ...ErrorResponses, 409: err('この世帯には取り下げていない申出があります'), 422: err('規則に合いません(申出日に世帯主がいない、申出日が今日より後)') },
});

const withdraw = defineRoute({
  method: 'post',
  path: '/api/account-transfer/{requestId}/withdraw',
  access: 'assessment.run',
  tags: ['賦課'],
  summary: '口座振替への変更申出を取り下げる(記録は残ります)。次の本算定から特別徴収を改めて判定します',
  request: {
    params: z.object({ requestId: z.coerce.number({ error: ID_RULE }).int(ID_RULE).min(1, ID_RULE).max(Number.MAX_SAFE_INTEGER, ID_RULE) }),
    body: { required: true, content: { 'application/json': { schema: z.object({ reason: z.string({ error: '取下げの理由を200文字以内で入力してください' }).min(1, '取下げの理由を入力してください').max(200, '200文字以内で入力してください') }).strict().openapi('AccountTransferWithdraw') } } },
  },
  responses: { 200: json(AccountTransfer, '取り下げた申出'), ...ErrorResponses, 409: err('取り下げ済みです') },
});

/** 特別徴収: the 口座振替への変更申出 (the 年金保険者's file is imported on the CLI: `special-collection import`). */
export function registerSpecialCollectionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => c.json(await c.get('deps').specialCollection.listTransfers(c.get('actor'), c.req.valid('param').householdNo, c.get('correlationId')), 200));
  app.openapi(record, async (c) => c.json(await c.get('deps').specialCollection.recordTransfer(c.get('actor'), c.req.valid('param').householdNo, c.req.valid('json'), c.get('correlationId')), 201));
  app.openapi(withdraw, async (c) => c.json(await c.get('deps').specialCollection.withdrawTransfer(c.get('actor'), c.req.valid('param').requestId, c.req.valid('json').reason, c.get('correlationId')), 200));
}
