import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { isValidMyNumber } from '../../lib/mynumber.js';
import { looksLikeMyNumber, normalizeMyNumberInput } from './mynumber.rules.js';
import { MY_NUMBER_USES } from './jimu.js';
import { atenaNoParam } from '../../http/fields.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const Conflict = { content: { 'application/json': { schema: ErrorBodySchema } }, description: '承認待ちの変更がある等、現在の状態では受け付けられません' };

const atenaNo = atenaNoParam;

/** 12 digits (full-width and separators accepted) with the 省令第5条 check digit. Never echoed. */
const MyNumberInput = z
  .string()
  .max(32, '12桁の数字で入力してください')
  .superRefine((s, ctx) => {
    const n = normalizeMyNumberInput(s);
    if (!/^\d{12}$/.test(n)) ctx.addIssue({ code: 'custom', message: '12桁の数字で入力してください' });
    else if (!isValidMyNumber(n)) ctx.addIssue({ code: 'custom', message: '検査用数字(12桁目)が一致しません。番号を確認してください' });
  })
  .openapi({ description: '個人番号(12桁)。応答・ログ・監査証跡には出力されません' });

/** Required by the service (a missing or unknown code is refused with 403 and audited, not a 400). */
const Jimu = z.string().max(64, '64文字以内です').optional().openapi({ description: '利用する事務のコード(必須)。GET /api/my-number/jimu の一覧から選びます' });

/** Free text that goes to the audit trail: never a My Number. */
const freeText = (what: string, min: number) =>
  z
    .string()
    .max(200, '200文字以内で入力してください')
    .refine((s) => s.trim().length >= min, `${what}を入力してください`)
    .refine((s) => !looksLikeMyNumber(s), '個人番号と思われる12桁の数字は入力できません');

const Accepted = z
  .object({
    changeId: z.number(),
    kind: z.string(),
    status: z.literal('pending'),
    warnings: z.array(z.string()),
    message: z.string(),
  })
  .openapi('MyNumberChangeAccepted');

const listJimu = defineRoute({
  method: 'get',
  path: '/api/my-number/jimu',
  access: 'authenticated',
  tags: ['個人番号'],
  summary: '個人番号利用事務の一覧(番号法第9条・別表)',
  responses: {
    200: json(
      z.object({
        items: z.array(z.object({ code: z.string(), name: z.string(), legalBasis: z.array(z.string()), summary: z.string(), note: z.string().nullable(), uses: z.array(z.enum(MY_NUMBER_USES)) })),
      }),
      '事務の一覧',
    ),
    ...ErrorResponses,
  },
});

const status = defineRoute({
  method: 'get',
  path: '/api/persons/{atenaNo}/my-number',
  access: 'person.read',
  tags: ['個人番号'],
  summary: '個人番号の登録状況と承認待ちの変更(番号そのものは含まない)',
  request: { params: z.object({ atenaNo }) },
  responses: {
    200: json(
      z.object({
        atenaNo: z.number(),
        registered: z.boolean(),
        updatedAt: z.string().nullable(),
        updatedBy: z.string().nullable(),
        updatedByLabel: z.string().nullable(),
        pending: z.array(z.object({ changeId: z.number(), kind: z.string(), kindLabel: z.string(), requestedBy: z.string(), requestedByLabel: z.string(), requestedAt: z.string() })),
      }),
      '登録状況',
    ),
    ...ErrorResponses,
  },
});

const setNumber = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/my-number',
  access: 'mynumber.write',
  tags: ['個人番号'],
  summary: '個人番号の登録・訂正を申請する(入力者以外の承認者が確認して反映)',
  request: { params: z.object({ atenaNo }), ...body(z.object({ myNumber: MyNumberInput, jimu: Jimu })) },
  responses: { 202: json(Accepted, '承認待ちとして受け付けました'), 409: Conflict, ...ErrorResponses },
});

const deleteNumber = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/my-number/delete',
  access: 'mynumber.write',
  tags: ['個人番号'],
  summary: '個人番号の削除を申請する(再認証が必要。承認者も再認証して反映)',
  request: { params: z.object({ atenaNo }), ...body(z.object({ jimu: Jimu, reason: freeText('削除の理由', 1) })) },
  responses: { 202: json(Accepted, '承認待ちとして受け付けました'), 409: Conflict, ...ErrorResponses },
});

const reveal = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/my-number/reveal',
  access: 'mynumber.read',
  tags: ['個人番号'],
  summary: '個人番号を表示する(利用目的・事務の指定と再認証が必要。記録されます)',
  request: { params: z.object({ atenaNo }), ...body(z.object({ purpose: freeText('利用目的', 1), jimu: Jimu })) },
  responses: { 200: json(z.object({ myNumber: z.string() }).openapi('MyNumberRevealed'), '個人番号'), ...ErrorResponses },
});

const lookup = defineRoute({
  method: 'post',
  path: '/api/my-number/lookup',
  access: 'mynumber.read',
  tags: ['個人番号'],
  summary: '個人番号から宛名番号を検索する(完全一致。番号は応答に含まない)',
  request: body(z.object({ myNumber: MyNumberInput, jimu: Jimu })),
  responses: { 200: json(z.object({ atenaNos: z.array(z.number()) }), '該当する宛名番号'), ...ErrorResponses },
});

export function registerMyNumberRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listJimu, async (c) => {
    const items = c.get('deps').myNumbers.jimu.all.map((j) => ({ code: j.code, name: j.name, legalBasis: j.legalBasis, summary: j.summary, note: j.note ?? null, uses: j.uses }));
    return c.json({ items }, 200);
  });

  app.openapi(status, async (c) => {
    const { atenaNo } = c.req.valid('param');
    return c.json(await c.get('deps').myNumbers.status(c.get('actor'), atenaNo, c.get('correlationId')), 200);
  });

  app.openapi(setNumber, async (c) => {
    const { atenaNo } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await c.get('deps').myNumbers.requestSet(c.get('actor'), atenaNo, normalizeMyNumberInput(b.myNumber), b.jimu, c.get('correlationId'));
    const what = r.kind === 'my_number.register' ? '登録' : '訂正';
    return c.json({ ...r, message: `個人番号の${what}を受け付けました。入力者以外の承認者の確認後に反映されます(変更番号 ${r.changeId})` }, 202);
  });

  app.openapi(deleteNumber, async (c) => {
    const { atenaNo } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await c.get('deps').myNumbers.requestDelete(c.get('actor'), atenaNo, b.jimu, b.reason.trim(), c.get('correlationId'));
    return c.json({ ...r, message: `個人番号の削除を受け付けました。入力者以外の承認者の確認後に反映されます(変更番号 ${r.changeId})` }, 202);
  });

  app.openapi(reveal, async (c) => {
    const { atenaNo } = c.req.valid('param');
    const b = c.req.valid('json');
    return c.json(await c.get('deps').myNumbers.reveal(c.get('actor'), atenaNo, b.purpose.trim(), b.jimu, c.get('correlationId')), 200);
  });

  app.openapi(lookup, async (c) => {
    const b = c.req.valid('json');
    return c.json(await c.get('deps').myNumbers.lookup(c.get('actor'), normalizeMyNumberInput(b.myNumber), b.jimu, c.get('correlationId')), 200);
  });
}
