import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorResponses } from '../../http/schemas.js';
import { intParam, serialNoParam } from '../../http/fields.js';
import { looksLikeMyNumber } from '../mynumber/mynumber.rules.js';
import { INTAKE_COLUMNS, INTAKE_COLUMN_LABELS } from './registry-events.js';
import { QUEUE_KINDS, QUEUE_KIND_LABELS } from './work-items.service.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

/** One registry event: the intake file's columns by name, as text (checked like a file line). */
const EventRecord = z
  .object(Object.fromEntries(INTAKE_COLUMNS.map((c) => [c, z.string({ error: `${INTAKE_COLUMN_LABELS[c]}: 文字列で指定してください` }).max(400, `${INTAKE_COLUMN_LABELS[c]}: 400文字以内です`).nullable().optional()])) as Record<(typeof INTAKE_COLUMNS)[number], z.ZodOptional<z.ZodNullable<z.ZodString>>>)
  .openapi('RegistryEventRecord');

const Summary = z
  .object({ events: z.number(), taken: z.number(), skipped: z.number(), automatic: z.number(), workItems: z.number() })
  .openapi('RegistryIntakeSummary');

const push = defineRoute({
  method: 'post',
  path: '/api/registry/events',
  access: 'registry.intake',
  tags: ['住基連携'],
  summary: '住基の異動を取り込む(住民記録システムのシステム利用者のみ。Authorization: Bearer <トークン>)',
  description: '列は住基異動ファイルと同じ(docs/interfaces/registry-intake.md)。1回に1〜1,000件。1件でも誤りがあれば全件を取り込まず、誤りを件番号つきで返します。取込み済みの異動連番は同じ内容なら何もしません。',
  request: { ...body(z.object({ events: z.array(EventRecord, { error: '異動の一覧(events)を指定してください' }).min(1, '異動を1件以上指定してください').max(1000, '1回に送れる異動は1,000件までです') })) },
  responses: { 200: json(Summary, '取り込みました(取込み済みの異動は skipped)'), ...ErrorResponses },
});

const WorkItem = z
  .object({
    workItemId: z.number(),
    kind: z.enum(QUEUE_KINDS),
    kindLabel: z.string(),
    atenaNo: z.number(),
    nameKanji: z.string(),
    nameKana: z.string(),
    birthDate: z.string(),
    householdNo: z.number().nullable(),
    eventId: z.string().nullable(),
    eventLabel: z.string().nullable(),
    occurredOn: z.string().nullable(),
    reportedOn: z.string().nullable(),
    suggestedDate: z.string().nullable(),
    basis: z.string(),
    eligibilityId: z.number().nullable(),
    status: z.enum(['open', 'done', 'dismissed']),
    createdAt: z.string(),
    createdByLabel: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedByLabel: z.string().nullable(),
    resolutionNote: z.string().nullable(),
  })
  .openapi('WorkItem');

const list = defineRoute({
  method: 'get',
  path: '/api/work-items',
  access: 'eligibility.update',
  tags: ['住基連携'],
  summary: '作業項目の一覧(住基異動から生じた資格取得・喪失の候補、自動喪失の確認 等)',
  request: {
    query: z.object({
      status: z.enum(['open', 'done', 'dismissed'], { error: '状態は open(未処理)・done(処理済み)・dismissed(対象外)から選んでください' }).default('open'),
      kind: z.enum(QUEUE_KINDS, { error: `種類は次から選んでください: ${QUEUE_KINDS.map((k) => `${k}(${QUEUE_KIND_LABELS[k]})`).join('、')}` }).optional(),
      page: intParam(1, 100_000, 1),
      pageSize: intParam(1, 100, 50),
    }),
  },
  responses: { 200: json(z.object({ total: z.number(), page: z.number(), pageSize: z.number(), items: z.array(WorkItem) }), '作業項目'), ...ErrorResponses },
});

const note = z
  .string({ error: 'メモは文字列で入力してください' })
  .max(200, '200文字以内で入力してください')
  .refine((s) => !looksLikeMyNumber(s), '個人番号と思われる12桁の数字は入力できません')
  .nullable()
  .optional();

const resolve = defineRoute({
  method: 'post',
  path: '/api/work-items/{workItemId}/resolve',
  access: 'eligibility.update',
  tags: ['住基連携'],
  summary: '作業項目を閉じる(処理済み、または対象外。対象外は理由が必要)',
  request: { params: z.object({ workItemId: serialNoParam }), ...body(z.object({ status: z.enum(['done', 'dismissed'], { error: '処理済み(done)か対象外(dismissed)を選んでください' }), note })) },
  responses: { 200: json(z.object({ workItemId: z.number(), status: z.enum(['done', 'dismissed']) }), '閉じました'), ...ErrorResponses },
});

export function registerRegistryRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(push, async (c) => {
    const { events } = c.req.valid('json');
    const r = await c.get('deps').registry.pushEvents(c.get('actor'), events, c.get('correlationId'));
    return c.json({ events: r.events, taken: r.taken, skipped: r.skipped, automatic: r.automatic, workItems: r.workItems }, 200);
  });
  app.openapi(list, async (c) => c.json(await c.get('deps').workItems.list(c.get('actor'), c.req.valid('query'), c.get('correlationId')), 200));
  app.openapi(resolve, async (c) => {
    const { workItemId } = c.req.valid('param');
    const b = c.req.valid('json');
    return c.json(await c.get('deps').workItems.resolve(c.get('actor'), workItemId, { status: b.status, note: b.note ?? null }, c.get('correlationId')), 200);
  });
}
