import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { looksLikeMyNumber } from '../mynumber/mynumber.rules.js';
import { ACQUISITION_REASONS, ACQUISITION_REASON_CODES, LOSS_REASONS, LOSS_REASON_CODES, isIsoDate, reasonList } from './eligibility.rules.js';
import { atenaNoParam, recordNoBody, serialNoParam } from '../../http/fields.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });
const Conflict = err('承認待ちの変更がある、既に置き換えられた記録である等、現在の状態では受け付けられません');
const Unprocessable = err('資格の規則に合いません(項目ごとのメッセージ付き)');

const atenaNo = atenaNoParam;
const eligibilityId = serialNoParam;
const householdNo = recordNoBody(10);

/** ISO dates only (和暦 is the screen's business); one message whatever is wrong. */
const ISO_DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-04-01)';
const isoDate = z
  .string({ error: ISO_DATE_RULE })
  .refine((s) => s.length <= 10 && isIsoDate(s), ISO_DATE_RULE)
  .openapi({ example: '2026-04-01', format: 'date' });

const acquisitionReasons = reasonList(ACQUISITION_REASONS);
const lossReasons = reasonList(LOSS_REASONS);
const acquisitionReason = z
  .enum(ACQUISITION_REASON_CODES, { error: `次から選んでください: ${acquisitionReasons.map((r) => `${r.code}(${r.label})`).join('、')}` })
  .openapi({ description: acquisitionReasons.map((r) => `${r.code}: ${r.label}`).join(' / ') });
const lossReason = z
  .enum(LOSS_REASON_CODES, { error: `次から選んでください: ${lossReasons.map((r) => `${r.code}(${r.label})`).join('、')}` })
  .openapi({ description: lossReasons.map((r) => `${r.code}: ${r.label}`).join(' / ') });

/** Free text that goes to the audit trail and the approver: never a My Number. */
const reasonText = z
  .string({ error: '削除の理由を入力してください' })
  .max(200, '200文字以内で入力してください')
  .refine((s) => s.trim().length >= 1, '削除の理由を入力してください')
  .refine((s) => !looksLikeMyNumber(s), '個人番号と思われる12桁の数字は入力できません');

/** A moment in system time: ISO date-time with offset, or a date (meaning the end of that day in Japan). */
const asOf = z
  .string()
  .max(40, '日時は40文字以内です')
  .refine(
    (s) => (isIsoDate(s) ? true : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && isIsoDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s))),
    '日時は 2026-04-01T09:00:00+09:00 または 2026-04-01 の形式で入力してください',
  )
  .optional()
  .openapi({ description: 'この時点でシステムが保持していた記録も返します(システム時刻)' });

const AcquireBody = z
  .object({
    householdNo,
    acquiredOn: isoDate,
    acquisitionReason,
    reportedOn: isoDate.optional().openapi({ description: '届出日(14日を過ぎると遡及として記録)' }),
    occurredOn: isoDate.optional().openapi({ description: '事由発生日(退職日・保護廃止日・国保組合の資格喪失日・障害認定の撤回日・在留資格の取得日)。資格取得日と照合します' }),
    prefectureAcquiredOn: isoDate.optional().openapi({ description: '県内転入のとき: 県の資格取得日(前住所地の市町村での資格取得日。資格取得日は本市の適用開始日)' }),
    lostOn: isoDate.optional().openapi({ description: '既に終わった期間を記録するとき(死亡・75歳到達の後に届出があった等)の資格喪失日' }),
    lossReason: lossReason.optional(),
    lossReportedOn: isoDate.optional().openapi({ description: '資格喪失の届出日' }),
  })
  .refine((b) => (b.lostOn === undefined) === (b.lossReason === undefined) && (b.lossReportedOn === undefined || b.lostOn !== undefined), {
    message: '資格喪失日と資格喪失事由は両方入力してください(資格喪失の届出日は資格喪失日があるときだけ)',
    path: ['lostOn'],
  });
type AcquireBodyT = z.infer<typeof AcquireBody>;
const acquireInput = (b: AcquireBodyT) => ({
  householdNo: b.householdNo,
  acquiredOn: b.acquiredOn,
  acquisitionReason: b.acquisitionReason,
  reportedOn: b.reportedOn ?? null,
  occurredOn: b.occurredOn ?? null,
  prefectureAcquiredOn: b.prefectureAcquiredOn ?? null,
  loss: b.lostOn !== undefined && b.lossReason !== undefined ? { lostOn: b.lostOn, lossReason: b.lossReason, reportedOn: b.lossReportedOn ?? null } : null,
});

const LossBody = z.object({
  lostOn: isoDate,
  lossReason,
  reportedOn: isoDate.optional().openapi({ description: '資格喪失の届出日(14日を過ぎると遡及として記録)' }),
  occurredOn: isoDate.optional().openapi({ description: '事由発生日(社保の資格取得日・保護開始日・国保組合の資格取得日・後期の資格取得日・在留資格の変更日)。資格喪失日と照合します' }),
});
const lossInput = (b: z.infer<typeof LossBody>) => ({ lostOn: b.lostOn, lossReason: b.lossReason, reportedOn: b.reportedOn ?? null, occurredOn: b.occurredOn ?? null });

const Retroactive = z.object({ acquisition: z.boolean(), loss: z.boolean() }).openapi({ description: '遡及: 届出日が届出期限(国保法 §9、14日)を過ぎている' });

/** A dry run's answer: what the request would refuse (errors) and warn, nothing saved. */
const CheckResult = z
  .object({
    errors: z.array(z.object({ field: z.string(), label: z.string(), message: z.string() })).openapi({ description: '申請すると拒否される項目ごとの誤り(申請の422と同じ内容)' }),
    warnings: z.array(z.string()).openapi({ description: '申請時に申請者と承認者に示す注意(転入日との相違、遡及など)' }),
    retroactive: Retroactive,
  })
  .openapi('EligibilityCheck');

const ChangeRef = z.object({ changeId: z.number(), kind: z.string(), requestedBy: z.string(), requestedByLabel: z.string(), approvedBy: z.string(), approvedByLabel: z.string() });
const Version = z
  .object({
    eligibilityId: z.number(),
    householdNo: z.number(),
    insuredSymbol: z.string(),
    insuredNumber: z.string(),
    branchNo: z.string(),
    acquiredOn: z.string(),
    acquisitionReason: z.enum(ACQUISITION_REASON_CODES),
    acquisitionReasonLabel: z.string(),
    prefectureAcquiredOn: z.string().nullable().openapi({ description: '県内転入: 県の資格取得日(前住所地で取得。acquiredOn は本市の適用開始日)' }),
    lostOn: z.string().nullable(),
    lossReason: z.enum(LOSS_REASON_CODES).nullable(),
    lossReasonLabel: z.string().nullable(),
    acquisitionReportedOn: z.string().nullable().openapi({ description: '資格取得の届出日' }),
    lossReportedOn: z.string().nullable().openapi({ description: '資格喪失の届出日' }),
    acquisitionRetroactive: z.boolean().openapi({ description: '遡及: 資格取得の届出が期限(14日)を過ぎていた(賦課が見直す)' }),
    lossRetroactive: z.boolean().openapi({ description: '遡及: 資格喪失の届出が期限(14日)を過ぎていた(賦課が見直す)' }),
    recordedAt: z.string(),
    recordedBy: z.string(),
    recordedByLabel: z.string(),
    supersededAt: z.string().nullable(),
    supersededBy: z.string().nullable(),
    supersededByLabel: z.string().nullable(),
    recordedByChange: ChangeRef.nullable(),
    supersededByChange: ChangeRef.nullable(),
  })
  .openapi('EligibilityVersion');

const Accepted = z
  .object({
    changeId: z.number(),
    kind: z.string(),
    status: z.literal('pending'),
    warnings: z.array(z.string()),
    retroactive: Retroactive,
    message: z.string(),
  })
  .openapi('EligibilityChangeAccepted');

const reasons = defineRoute({
  method: 'get',
  path: '/api/eligibility/reasons',
  personalData: false,
  access: 'person.read',
  tags: ['資格'],
  summary: '資格取得事由・資格喪失事由の一覧(根拠: 国保法 §7, §8)',
  responses: {
    200: json(
      z.object({
        acquisition: z.array(z.object({ code: z.enum(ACQUISITION_REASON_CODES), label: z.string(), basis: z.string() })),
        loss: z.array(z.object({ code: z.enum(LOSS_REASON_CODES), label: z.string(), basis: z.string() })),
      }),
      '事由の一覧',
    ),
    ...ErrorResponses,
  },
});

const view = defineRoute({
  method: 'get',
  path: '/api/persons/{atenaNo}/eligibility',
  access: 'person.read',
  tags: ['資格'],
  summary: '資格の現在の記録、置き換えられた記録(いつ何を記録していたか)と承認待ちの変更',
  request: { params: z.object({ atenaNo }), query: z.object({ asOf }) },
  responses: {
    200: json(
      z
        .object({
          atenaNo: z.number(),
          nameKanji: z.string(),
          birthDate: z.string(),
          seventyFifthBirthday: z.string(),
          householdNo: z.number().nullable(),
          current: z.array(Version),
          history: z.array(Version),
          asOf: z.object({ at: z.string(), periods: z.array(Version) }).nullable(),
          pending: z.array(
            z.object({
              changeId: z.number(),
              kind: z.string(),
              kindLabel: z.string(),
              eligibilityId: z.number().nullable(),
              requestedBy: z.string(),
              requestedByLabel: z.string(),
              requestedAt: z.string(),
              fields: z.array(z.object({ label: z.string(), before: z.string().nullable(), after: z.string().nullable() })),
              warnings: z.array(z.string()),
            }),
          ),
        })
        .openapi('Eligibility'),
      '資格',
    ),
    ...ErrorResponses,
  },
});

const acquire = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/eligibility',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '資格取得を申請する(入力者以外の承認者が確認して反映。被保険者証記号・番号・枝番は承認時に割り当て)',
  request: {
    params: z.object({ atenaNo }),
    ...body(AcquireBody),
  },
  responses: { 202: json(Accepted, '承認待ちとして受け付けました'), 409: Conflict, 422: Unprocessable, ...ErrorResponses },
});

const loss = defineRoute({
  method: 'post',
  path: '/api/eligibility/{eligibilityId}/loss',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '資格喪失を申請する(入力者以外の承認者が確認して反映)',
  request: {
    params: z.object({ eligibilityId }),
    ...body(LossBody),
  },
  responses: { 202: json(Accepted, '承認待ちとして受け付けました'), 409: Conflict, 422: Unprocessable, ...ErrorResponses },
});

const acquireCheck = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/eligibility/check',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '資格取得の申請内容を確認する(保存しない。申請と同じ規則で誤りと注意を返す)',
  request: { params: z.object({ atenaNo }), ...body(AcquireBody) },
  responses: { 200: json(CheckResult, '確認の結果(誤りがあっても200。何も保存しない)'), 409: Conflict, ...ErrorResponses },
});

const lossCheck = defineRoute({
  method: 'post',
  path: '/api/eligibility/{eligibilityId}/loss/check',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '資格喪失の申請内容を確認する(保存しない。申請と同じ規則で誤りと注意を返す)',
  request: { params: z.object({ eligibilityId }), ...body(LossBody) },
  responses: { 200: json(CheckResult, '確認の結果(誤りがあっても200。何も保存しない)'), 409: Conflict, ...ErrorResponses },
});

const CorrectBody = z
  .object({
    acquiredOn: isoDate.optional(),
    acquisitionReason: acquisitionReason.optional(),
    lostOn: isoDate.nullable().optional(),
    lossReason: lossReason.nullable().optional(),
    lossReportedOn: isoDate.nullable().optional().openapi({ description: '資格喪失の届出日(14日を過ぎると遡及として記録)' }),
  })
  .refine((b) => b.acquiredOn !== undefined || b.acquisitionReason !== undefined || b.lostOn !== undefined || b.lossReason !== undefined || b.lossReportedOn !== undefined, {
    message: '訂正する項目を1つ以上入力してください',
    path: ['acquiredOn'],
  });

const correctCheck = defineRoute({
  method: 'post',
  path: '/api/eligibility/{eligibilityId}/correct/check',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '資格の訂正の申請内容を確認する(保存しない。申請と同じ規則で誤りと注意を返す)',
  request: { params: z.object({ eligibilityId }), ...body(CorrectBody) },
  responses: { 200: json(CheckResult, '確認の結果(誤りがあっても200。何も保存しない)'), 409: Conflict, ...ErrorResponses },
});

const correct = defineRoute({
  method: 'post',
  path: '/api/eligibility/{eligibilityId}/correct',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '資格の訂正を申請する(資格喪失日に null を指定すると喪失を取り消します)',
  request: {
    params: z.object({ eligibilityId }),
    ...body(CorrectBody),
  },
  responses: { 202: json(Accepted, '承認待ちとして受け付けました'), 409: Conflict, 422: Unprocessable, ...ErrorResponses },
});

const remove = defineRoute({
  method: 'post',
  path: '/api/eligibility/{eligibilityId}/delete',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '資格記録の削除を申請する(再認証が必要。承認者も再認証して反映)',
  request: { params: z.object({ eligibilityId }), ...body(z.object({ reason: reasonText })) },
  responses: { 202: json(Accepted, '承認待ちとして受け付けました'), 409: Conflict, ...ErrorResponses },
});

const accepted = (what: string, changeId: number) => `${what}を受け付けました。入力者以外の承認者の確認後に反映されます(変更番号 ${changeId})`;

export function registerEligibilityRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(reasons, async (c) => {
    return c.json({ acquisition: acquisitionReasons, loss: lossReasons }, 200);
  });

  app.openapi(view, async (c) => {
    const { atenaNo } = c.req.valid('param');
    const q = c.req.valid('query');
    const at = q.asOf ? new Date(isIsoDate(q.asOf) ? `${q.asOf}T23:59:59.999+09:00` : q.asOf) : null;
    return c.json(await c.get('deps').eligibility.view(c.get('actor'), atenaNo, at, c.get('correlationId')), 200);
  });

  app.openapi(acquire, async (c) => {
    const { atenaNo } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await c.get('deps').eligibility.requestAcquire(c.get('actor'), atenaNo, acquireInput(b), c.get('correlationId'));
    return c.json({ ...r, message: accepted('資格取得', r.changeId) }, 202);
  });

  app.openapi(loss, async (c) => {
    const { eligibilityId } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await c.get('deps').eligibility.requestLoss(c.get('actor'), eligibilityId, lossInput(b), c.get('correlationId'));
    return c.json({ ...r, message: accepted('資格喪失', r.changeId) }, 202);
  });

  app.openapi(acquireCheck, async (c) => {
    const { atenaNo } = c.req.valid('param');
    return c.json(await c.get('deps').eligibility.checkAcquire(c.get('actor'), atenaNo, acquireInput(c.req.valid('json')), c.get('correlationId')), 200);
  });

  app.openapi(lossCheck, async (c) => {
    const { eligibilityId } = c.req.valid('param');
    return c.json(await c.get('deps').eligibility.checkLoss(c.get('actor'), eligibilityId, lossInput(c.req.valid('json')), c.get('correlationId')), 200);
  });

  app.openapi(correctCheck, async (c) => {
    const { eligibilityId } = c.req.valid('param');
    return c.json(await c.get('deps').eligibility.checkCorrect(c.get('actor'), eligibilityId, c.req.valid('json'), c.get('correlationId')), 200);
  });

  app.openapi(correct, async (c) => {
    const { eligibilityId } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await c.get('deps').eligibility.requestCorrect(c.get('actor'), eligibilityId, b, c.get('correlationId'));
    return c.json({ ...r, message: accepted('資格の訂正', r.changeId) }, 202);
  });

  app.openapi(remove, async (c) => {
    const { eligibilityId } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await c.get('deps').eligibility.requestDelete(c.get('actor'), eligibilityId, b.reason.trim(), c.get('correlationId'));
    return c.json({ ...r, message: accepted('資格記録の削除', r.changeId) }, 202);
  });
}
