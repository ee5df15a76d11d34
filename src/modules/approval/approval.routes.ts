import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { looksLikeMyNumber } from '../mynumber/mynumber.rules.js';
import { intParam, serialNoParam } from '../../http/fields.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const Conflict = { content: { 'application/json': { schema: ErrorBodySchema } }, description: '既に承認・却下された、または入力後に対象が変わった変更です' };

const changeId = serialNoParam;
const note = z
  .string()
  .max(200, '200文字以内で入力してください')
  .refine((s) => !looksLikeMyNumber(s), '個人番号と思われる12桁の数字は入力できません');

const ChangeStatusSchema = z.enum(['pending', 'approved', 'rejected', 'withdrawn']).describe('承認待ち・承認済み・却下・取下げ(入力者が取り下げた)');
const statusQuery = z
  .enum(['pending', 'approved', 'rejected', 'withdrawn'], { error: 'pending(承認待ち)、approved(承認済み)、rejected(却下)、withdrawn(取下げ)のいずれかです' })
  .default('pending');
const Change = z
  .object({
    changeId: z.number(),
    kind: z.string(),
    kindLabel: z.string(),
    atenaNo: z.number().nullable().describe('対象者の宛名番号(職員アカウントなど人に紐づかない変更では null)'),
    subjectKey: z.string().nullable().describe('人に紐づかない変更の対象(例: staff:kokuho01)'),
    nameKanji: z.string(),
    residentStatus: z.enum(['resident', 'moved_out', 'deceased']).nullable(),
    fields: z.array(z.object({ label: z.string(), before: z.string().nullable(), after: z.string().nullable() })),
    notes: z.array(z.object({ label: z.string(), value: z.string() })),
    warnings: z.array(z.string()),
    status: ChangeStatusSchema,
    requestedBy: z.string(),
    requestedByLabel: z.string(),
    requestedAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedByLabel: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionNote: z.string().nullable(),
    ownRequest: z.boolean(),
    needsStepUp: z.boolean(),
  })
  .openapi('PendingChange');

const ListAnswer = (description: string) => json(z.object({ total: z.number(), page: z.number(), pageSize: z.number(), items: z.array(Change) }), description);

const Activation = z
  .object({ staffId: z.string(), displayName: z.string(), code: z.string(), expiresAt: z.string() })
  .describe('初回登録コード。承認した管理者にこの応答で一度だけ返します(保存されるのはハッシュのみ)');

const Withdrawn = z
  .object({
    changeId: z.number(),
    status: z.literal('withdrawn'),
    kind: z.string(),
    atenaNo: z.number().nullable(),
    subjectKey: z.string().nullable(),
  })
  .openapi('ChangeWithdrawn');

const Decided = z
  .object({
    changeId: z.number(),
    status: z.enum(['approved', 'rejected']),
    kind: z.string(),
    atenaNo: z.number().nullable(),
    subjectKey: z.string().nullable(),
    activation: Activation.optional(),
  })
  .openapi('ChangeDecided');

const list = defineRoute({
  method: 'get',
  path: '/api/approvals',
  // 'approval' (person kinds) or 'user.admin' (staff kinds): the service lists only the kinds the caller may decide.
  access: 'authenticated',
  personalData: true,
  tags: ['承認'],
  summary: '承認待ちの変更の一覧(判定できる種類・記録の範囲内のみ。変更前後はマスク表示、警告・入力者付き)',
  request: {
    query: z.object({
      status: statusQuery,
      page: intParam(1, 1000, 1),
      pageSize: intParam(1, 100, 50),
    }),
  },
  responses: { 200: ListAnswer('変更の一覧'), ...ErrorResponses },
});

const mine = defineRoute({
  method: 'get',
  path: '/api/approvals/mine',
  // Anyone logged in sees the changes they entered themselves (of every kind, also those they may not decide).
  access: 'authenticated',
  personalData: true,
  tags: ['承認'],
  summary: '自分が入力した変更の一覧(申請状況。新しい順。却下の理由・判定者・取下げを含む)',
  request: {
    query: z.object({
      status: statusQuery,
      page: intParam(1, 1000, 1),
      pageSize: intParam(1, 100, 50),
    }),
  },
  responses: { 200: ListAnswer('自分が入力した変更の一覧'), ...ErrorResponses },
});

const approve = defineRoute({
  method: 'post',
  path: '/api/approvals/{changeId}/approve',
  access: 'authenticated', // the service checks the kind's permissions
  personalData: true,
  tags: ['承認'],
  summary: '変更を承認して反映する(入力者本人は不可。削除・利用者管理の承認は再認証が必要)',
  request: { params: z.object({ changeId }), ...body(z.object({ note: note.optional() })) },
  responses: { 200: json(Decided, '承認して反映しました'), 409: Conflict, ...ErrorResponses },
});

const reject = defineRoute({
  method: 'post',
  path: '/api/approvals/{changeId}/reject',
  access: 'authenticated', // the service checks the kind's permissions
  personalData: true,
  tags: ['承認'],
  summary: '変更を却下する(理由を記録。入力者本人は不可)',
  request: { params: z.object({ changeId }), ...body(z.object({ note: note.refine((s) => s.trim().length > 0, '却下の理由を入力してください') })) },
  responses: { 200: json(Decided, '却下しました'), 409: Conflict, ...ErrorResponses },
});

const withdraw = defineRoute({
  method: 'post',
  path: '/api/approvals/{changeId}/withdraw',
  access: 'authenticated', // the service checks that the caller entered the change
  personalData: true,
  tags: ['承認'],
  summary: '承認待ちの変更を取り下げる(入力者本人のみ。理由は任意)',
  request: { params: z.object({ changeId }), ...body(z.object({ note: note.optional() })) },
  responses: { 200: json(Withdrawn, '取り下げました'), 409: Conflict, ...ErrorResponses },
});

export function registerApprovalRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    return c.json(await c.get('deps').approvals.list(c.get('actor'), q, c.get('correlationId')), 200);
  });

  app.openapi(mine, async (c) => {
    const q = c.req.valid('query');
    return c.json(await c.get('deps').approvals.mine(c.get('actor'), q, c.get('correlationId')), 200);
  });

  app.openapi(withdraw, async (c) => {
    const { changeId } = c.req.valid('param');
    const n = c.req.valid('json').note?.trim();
    return c.json(await c.get('deps').approvals.withdraw(c.get('actor'), changeId, n ? n : null, c.get('correlationId')), 200);
  });

  app.openapi(approve, async (c) => {
    const { changeId } = c.req.valid('param');
    const n = c.req.valid('json').note?.trim();
    const r = await c.get('deps').approvals.approve(c.get('actor'), changeId, n ? n : null, c.get('correlationId'));
    return c.json({ ...r, ...(r.activation ? { activation: { ...r.activation, expiresAt: r.activation.expiresAt.toISOString() } } : {}) }, 200);
  });

  app.openapi(reject, async (c) => {
    const { changeId } = c.req.valid('param');
    const { activation: _none, ...r } = await c.get('deps').approvals.reject(c.get('actor'), changeId, c.req.valid('json').note.trim(), c.get('correlationId'));
    return c.json(r, 200);
  });
}
