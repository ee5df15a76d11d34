import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { atenaNoParam, serialNoParam } from '../../http/fields.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { SUPPORTED_FISCAL_YEARS } from '../../platform/params/law-params.js';
import { CalcLine, StoredInstallmentRow } from './calc-line.schema.js';
import { MunicipalityInput } from './tax.input.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBodySchema, description);
const YEAR_RULE = '2000〜2100の年度(西暦)で入力してください';
const year = z.coerce.number({ error: YEAR_RULE }).int(YEAR_RULE).min(2000, YEAR_RULE).max(2100, YEAR_RULE);
const runIdParam = z.string().regex(/^[0-9A-Za-z-]{1,64}$/, '実行IDは英数字とハイフンで入力してください');

const Parts = z.object({ medical: z.number(), support: z.number(), care: z.number(), childSupport: z.number() }).openapi('AssessmentParts');
const Reduction = z.enum(['r7', 'r5', 'r2', 'none']);

const RunRow = z
  .object({
    runId: z.string(),
    fiscalYear: z.number(),
    status: z.string(),
    reviewStatus: z.enum(['review', 'released']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    actor: z.string(),
    households: z.number(),
    total: z.number(),
    releasedAt: z.string().nullable(),
    releasedBy: z.string().nullable(),
  })
  .openapi('AssessmentRunRow');

const Outlier = z.object({
  householdNo: z.number(),
  addressExceptionAtenaNo: z.number(),
  taxpayerAtenaNo: z.number().nullable(),
  taxpayerName: z.string(),
  total: z.number(),
  reduction: Reduction,
  reductionLabel: z.string(),
  insured: z.number(),
});

const Review = z
  .object({
    runId: z.string(),
    fiscalYear: z.number(),
    status: z.string(),
    reviewStatus: z.enum(['review', 'released']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    actor: z.string(),
    releasedAt: z.string().nullable(),
    releasedBy: z.string().nullable(),
    releaseRequestedBy: z.string().nullable(),
    releasePending: z.number().nullable(),
    counts: z.record(z.string(), z.number()),
    totals: z.record(z.string(), z.number()),
    parts: z.array(z.object({ part: z.string(), label: z.string(), total: z.number() })),
    reductions: z.array(z.object({ kind: z.string(), label: z.string(), households: z.number().nullable(), amount: z.number() })),
    distribution: z.array(z.object({ band: z.string(), households: z.number(), total: z.number() })),
    outliers: z.object({ capped: z.array(Outlier), zero: z.array(Outlier), biggestChange: z.array(Outlier.extend({ previous: z.number(), change: z.number() })) }),
  })
  .openapi('AssessmentRunReview');

const Notice = z
  .object({
    title: z.string(),
    fiscalYear: z.number(),
    fiscalYearLabel: z.string(),
    householdNo: z.number(),
    taxpayerAtenaNo: z.number().nullable(),
    decidedOn: z.string(),
    reason: z.string(),
    before: z.object({ total: z.number(), parts: z.array(z.object({ label: z.string(), amount: z.number() })) }),
    after: z.object({ total: z.number(), parts: z.array(z.object({ label: z.string(), amount: z.number() })) }),
    difference: z.number(),
    basis: z.string(),
    installments: z.object({ before: z.array(StoredInstallmentRow), after: z.array(StoredInstallmentRow), overpaid: z.number() }).optional().openapi({ description: '期別の変更前と変更後(納期限を過ぎた期は変えず、残りの期で割り直し)と過納。この項目を保存する前の通知にはありません' }),
  })
  .openapi('AssessmentChangeNotice');

const Version = z
  .object({
    assessmentId: z.number(),
    fiscalYear: z.number(),
    householdNo: z.number(),
    addressExceptionAtenaNo: z.number(),
    version: z.number(),
    reason: z.enum(['annual', 'correction']),
    reasonLabel: z.string(),
    runId: z.string().nullable(),
    cause: z.string().nullable(),
    taxpayerAtenaNo: z.number().nullable(),
    pseudoHead: z.boolean(),
    reduction: Reduction,
    reductionLabel: z.string(),
    total: z.number(),
    parts: Parts,
    recordedAt: z.string(),
    recordedBy: z.string(),
    supersededAt: z.string().nullable(),
    paramsHash: z.string(),
    inputHash: z.string(),
    lines: z.array(CalcLine),
    explanationNote: z.string().nullable(),
    notice: Notice.nullable(),
    installments: z.array(StoredInstallmentRow).openapi({ description: '期別(本算定は年税額の分割または特別徴収、更正は前の版の期別を決定日で割り直したもの。特別徴収は更正で中止)' }),
    overpaid: z.number().openapi({ description: '過納: 納期限を過ぎた期の額が年税額を超える分(還付・充当は収納の担当)。期別の合計 − 過納 = 年税額' }),
    installmentsNote: z.string().nullable().openapi({ description: '期別を示せないときの理由' }),
    collectionNote: z.string().nullable().openapi({ description: '世帯主の年金の通知があるのに普通徴収となった理由(特別徴収の判定。本算定の版のみ)' }),
  })
  .openapi('AssessmentVersion');

const VersionSummary = z.object({ version: z.number(), total: z.number(), parts: z.record(z.string(), z.number()), reduction: z.string() });
const Correction = z
  .object({
    fiscalYear: z.number(),
    householdNo: z.number(),
    addressExceptionAtenaNo: z.number(),
    outcome: z.enum(['corrected', 'unchanged', 'refused', 'first']),
    before: VersionSummary.nullable(),
    after: VersionSummary.nullable(),
    difference: z.number(),
    message: z.string(),
    notice: Notice.nullable(),
  })
  .openapi('AssessmentCorrection');

const PartTotals = z.object({ total: z.number(), parts: Parts });
const Simulation = z
  .object({
    fiscalYear: z.number(),
    baseYear: z.number(),
    nationalParametersYear: z.number(),
    households: z.number(),
    leaving: z.number(),
    current: PartTotals,
    proposed: PartTotals,
    difference: z.number(),
    changes: z.array(z.object({ band: z.string(), households: z.number() })),
    seconds: z.number(),
  })
  .openapi('AssessmentSimulation');

const tags = ['賦課'];

const runs = defineRoute({ method: 'get', path: '/api/assessment/runs', access: 'assessment.read', tags, summary: '本算定の実行の一覧(新しい順、確認・確定の状態つき)', responses: { 200: json(z.object({ items: z.array(RunRow) }), '実行の一覧'), ...ErrorResponses } });

const review = defineRoute({
  method: 'get',
  path: '/api/assessment/runs/{runId}',
  access: 'assessment.read',
  tags,
  summary: '本算定の確認: 区分ごと・軽減の種類ごとの合計、税額の分布、外れ値(限度額・0円・前年度からの変化が大きい世帯)',
  request: { params: z.object({ runId: runIdParam }) },
  responses: { 200: json(Review, '実行の確認'), ...ErrorResponses },
});

const release = defineRoute({
  method: 'post',
  path: '/api/assessment/runs/{runId}/release',
  access: 'assessment.run',
  tags,
  summary: '「通知の発送を確定」を申請する(入力者以外の承認者が確認して確定。納税通知書の印刷は別の処理)',
  request: { params: z.object({ runId: runIdParam }) },
  responses: { 202: json(z.object({ changeId: z.number(), status: z.literal('pending'), message: z.string() }).openapi('AssessmentReleaseAccepted'), '承認待ちとして受け付けました'), 409: err('完了していない・確定済み・承認待ちがある'), ...ErrorResponses },
});

const versions = defineRoute({
  method: 'get',
  path: '/api/assessment/households/{householdNo}',
  access: 'assessment.read',
  tags,
  summary: '世帯の賦課の全ての版(本算定・更正。何を、いつ、なぜ、どのパラメータで。計算の説明つき)',
  request: { params: z.object({ householdNo: atenaNoParam }), query: z.object({ fiscalYear: year.optional() }) },
  responses: { 200: json(z.object({ items: z.array(Version) }), '版の一覧(新しい順)'), ...ErrorResponses },
});

const notice = defineRoute({
  method: 'get',
  path: '/api/assessment/versions/{assessmentId}/notice',
  access: 'assessment.read',
  tags,
  summary: '賦課の版の通知書を印刷する(本算定: 納税通知書、更正: 変更決定通知書。PDF、BIZ UDゴシック、DV等支援措置で保護された住所は印字しない。印刷は監査証跡に記録)',
  request: { params: z.object({ assessmentId: serialNoParam }) },
  responses: { 200: { content: { 'application/pdf': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } }, description: 'PDF' }, 409: json(ErrorBodySchema, '計算を再現できない'), ...ErrorResponses },
});

const reassess = defineRoute({
  method: 'post',
  path: '/api/assessment/households/{householdNo}/reassess',
  access: 'assessment.run',
  tags,
  summary: '更正: 世帯の1年度を現在の資格・世帯・所得で計算し直す(変わった賦課は新しい版。増額は3年、減額は5年まで: 地方税法第17条の5)',
  request: {
    params: z.object({ householdNo: atenaNoParam }),
    body: { required: true, content: { 'application/json': { schema: z.object({ fiscalYear: year, cause: z.string({ error: '更正の理由を入力してください' }).trim().min(1, '更正の理由を入力してください').max(200, '200文字以内で入力してください') }) } } },
  },
  responses: { 200: json(z.object({ items: z.array(Correction) }), '賦課の単位ごとの結果(期限を過ぎた更正は refused)'), 422: err('計算できません'), ...ErrorResponses },
});

const simulate = defineRoute({
  method: 'post',
  path: '/api/assessment/simulate',
  access: 'assessment.read',
  tags,
  summary: '税率の試算: 提案する税率で全世帯を計算した区分ごとの税収と、世帯ごとの増減の分布(前年度の賦課の世帯・所得で。何も保存しません)',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ fiscalYear: year.refine((y) => y >= SUPPORTED_FISCAL_YEARS.from + 1, `${SUPPORTED_FISCAL_YEARS.from + 1}年度以降を入力してください`), municipality: MunicipalityInput }) } },
    },
  },
  responses: { 200: json(Simulation, '試算の結果'), 422: err('前年度の賦課がない、税率が不正等'), ...ErrorResponses },
});

export function registerStoredAssessmentRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(runs, async (c) => c.json({ items: await c.get('deps').assessments.runs(c.get('actor'), c.get('correlationId')) }, 200));
  app.openapi(review, async (c) => c.json(await c.get('deps').assessments.review(c.get('actor'), c.req.valid('param').runId, c.get('correlationId')), 200));
  app.openapi(release, async (c) => {
    const r = await c.get('deps').assessments.requestRelease(c.get('actor'), c.req.valid('param').runId, c.get('correlationId'));
    return c.json({ changeId: r.changeId, status: 'pending' as const, message: `通知の発送の確定を受け付けました。入力者以外の承認者の確認後に確定します(変更番号 ${r.changeId})` }, 202);
  });
  app.openapi(versions, async (c) => {
    const { householdNo } = c.req.valid('param');
    const { fiscalYear } = c.req.valid('query');
    return c.json({ items: await c.get('deps').assessments.versions(c.get('actor'), householdNo, fiscalYear ?? null, c.get('correlationId')) }, 200);
  });
  app.openapi(notice, async (c) => {
    const { assessmentId } = c.req.valid('param');
    const r = await c.get('deps').assessments.noticePdf(c.get('actor'), assessmentId, c.get('correlationId'));
    return c.body(new Uint8Array(r.pdf), 200, { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${r.fileName}"` });
  });
  app.openapi(reassess, async (c) => {
    const { householdNo } = c.req.valid('param');
    const b = c.req.valid('json');
    return c.json({ items: await c.get('deps').assessments.reassess(c.get('actor'), { householdNo, fiscalYear: b.fiscalYear, cause: b.cause }, c.get('correlationId')) }, 200);
  });
  app.openapi(simulate, async (c) => c.json(await c.get('deps').assessments.simulate(c.get('actor'), c.req.valid('json'), c.get('correlationId')), 200));
}
