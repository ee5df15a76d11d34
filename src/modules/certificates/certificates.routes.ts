import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { atenaNoParam, serialNoParam } from '../../http/fields.js';
import { looksLikeMyNumber } from '../mynumber/mynumber.rules.js';
import { isIsoDate, todayInJapan } from '../eligibility/eligibility.rules.js';
import {
  CERTIFICATE_KINDS,
  CERTIFICATE_KIND_CODES,
  DISEASES,
  DISEASE_CODES,
  ISSUE_METHODS,
  ISSUE_METHOD_CODES,
  ISSUE_REASONS,
  ISSUE_REASON_CODES,
  RECOVERY_METHODS,
  RECOVERY_METHOD_CODES,
  RECOVERY_REASONS,
  RECOVERY_REASON_CODES,
} from './certificate-kinds.js';
import { INCOME_CLASS_CODES } from './income-class.rules.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });

const ISO_DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-04-01)';
const isoDate = z
  .string({ error: ISO_DATE_RULE })
  .refine((s) => s.length <= 10 && isIsoDate(s), ISO_DATE_RULE)
  .openapi({ example: '2026-04-01', format: 'date' });
const choice = <C extends string>(codes: [C, ...C[]], labels: Record<C, string>) => {
  const list = codes.map((c) => `${c}(${labels[c]})`).join('、');
  return z.enum(codes, { error: `次から選んでください: ${list}` }).openapi({ description: list });
};
const kindLabels = Object.fromEntries(CERTIFICATE_KIND_CODES.map((k) => [k, CERTIFICATE_KINDS[k].label])) as Record<(typeof CERTIFICATE_KIND_CODES)[number], string>;

const Line = z.object({ label: z.string(), detail: z.string(), reference: z.string() }).openapi('JudgementLine');
const Certificate = z
  .object({
    certificateId: z.number(),
    kind: z.enum(CERTIFICATE_KIND_CODES),
    kindLabel: z.string(),
    atenaNo: z.number(),
    householdNo: z.number(),
    insuredSymbol: z.string(),
    insuredNumber: z.string(),
    branchNo: z.string(),
    printedName: z.string(),
    issuedOn: z.string(),
    validFrom: z.string(),
    validTo: z.string().nullable(),
    copayPercent: z.number().nullable(),
    copayLabel: z.string().nullable(),
    incomeClass: z.enum(INCOME_CLASS_CODES).nullable(),
    incomeClassLabel: z.string().nullable(),
    disease: z.enum(DISEASE_CODES).nullable(),
    diseaseLabel: z.string().nullable(),
    selfPayLimit: z.number().nullable(),
    judgement: z.array(Line),
    applicationOn: z.string().nullable(),
    issueReason: z.enum(ISSUE_REASON_CODES),
    issueReasonLabel: z.string(),
    issueMethod: z.enum(ISSUE_METHOD_CODES),
    issueMethodLabel: z.string(),
    recoveredOn: z.string().nullable(),
    recoveryReason: z.enum(RECOVERY_REASON_CODES).nullable(),
    recoveryReasonLabel: z.string().nullable(),
    recoveryMethod: z.enum(RECOVERY_METHOD_CODES).nullable(),
    recoveryMethodLabel: z.string().nullable(),
    recoveryNote: z.string().nullable(),
    issuedBy: z.string(),
    issuedAt: z.string(),
    inForce: z.boolean().openapi({ description: '照会した日に使える(回収されておらず有効期間内)' }),
  })
  .openapi('Certificate');

const Validity = z.object({ validFrom: z.string(), validTo: z.string().nullable(), lines: z.array(Line) });
const Overview = z
  .object({
    atenaNo: z.number(),
    asOf: z.string(),
    insured: z
      .object({ eligibilityId: z.number(), householdNo: z.number(), symbol: z.string(), number: z.string(), branchNo: z.string(), acquiredOn: z.string() })
      .nullable()
      .openapi({ description: 'この日の国保の資格(なければ null: 交付できません)' }),
    mynaRegistered: z.boolean().openapi({ description: 'マイナ保険証の利用登録あり' }),
    suggestedKind: z.enum(CERTIFICATE_KIND_CODES).nullable().openapi({ description: '申請によらず交付する証(マイナ保険証がなければ資格確認書、あれば資格情報のお知らせ)' }),
    judgement: z
      .object({
        age: z.number(),
        copay: z.object({ percent: z.number(), label: z.string(), basis: z.string(), elderly: z.boolean(), lines: z.array(Line) }),
        incomeClass: z.object({ code: z.enum(INCOME_CLASS_CODES), label: z.string(), kyuTadashigakiTotal: z.number(), lines: z.array(Line) }),
        limitKind: z.enum(['limit', 'limit_reduced']).nullable(),
        validities: z.record(z.string(), Validity),
      })
      .nullable(),
    certificates: z.array(Certificate),
    toRecover: z.array(z.number()).openapi({ description: '回収が必要な証(資格がない、または有効期限を過ぎて返却されていない)' }),
  })
  .openapi('CertificateOverview');

const list = defineRoute({
  method: 'get',
  path: '/api/persons/{atenaNo}/certificates',
  access: 'person.read',
  tags: ['証'],
  summary: '証の交付・回収の履歴と、この日に交付するときの判定(負担割合・所得区分・有効期間)',
  request: { params: z.object({ atenaNo: atenaNoParam }), query: z.object({ asOf: isoDate.optional().openapi({ description: '判定する日(省略時は今日)' }) }) },
  responses: { 200: json(Overview, '証の状況'), ...ErrorResponses },
});

const issue = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/certificates',
  access: 'certificate.issue',
  tags: ['証'],
  summary: '証を交付する(判定・有効期間を記録し、同じ種類のまだ返されていない証は差替えとして回収済みにします)',
  request: {
    params: z.object({ atenaNo: atenaNoParam }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            kind: choice(CERTIFICATE_KIND_CODES, kindLabels),
            issuedOn: isoDate.optional().openapi({ description: '交付年月日(省略時は今日)' }),
            reason: choice(ISSUE_REASON_CODES, ISSUE_REASONS),
            method: choice(ISSUE_METHOD_CODES, ISSUE_METHODS),
            applicationOn: isoDate.optional().openapi({ description: '申請年月日(限度額適用認定証・特定疾病療養受療証: 申請月の初日から適用)' }),
            disease: choice(DISEASE_CODES, DISEASES).optional(),
            revenueTestApplied: z.boolean({ error: 'true か false で指定してください' }).optional().openapi({ description: '基準収入額適用の申請(高齢受給者の収入による再判定)' }),
            inArrears: z.boolean({ error: 'true か false で指定してください' }).optional().openapi({ description: '国保税の滞納あり(収納の記録で確認)' }),
            previousRecoveryMethod: choice(RECOVERY_METHOD_CODES, RECOVERY_METHODS).optional().openapi({ description: '差し替える証の回収方法(省略時は返却なし)' }),
          }),
        },
      },
    },
  },
  responses: {
    201: json(z.object({ certificate: Certificate, replaced: z.array(z.number()), message: z.string() }), '交付しました'),
    422: err('交付の規則に合いません(資格がない、証の種類が判定と合わない、滞納等)'),
    ...ErrorResponses,
  },
});

const recover = defineRoute({
  method: 'post',
  path: '/api/certificates/{certificateId}/recover',
  access: 'certificate.issue',
  tags: ['証'],
  summary: '証の回収を記録する(回収年月日・事由・方法)',
  request: {
    params: z.object({ certificateId: serialNoParam }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            recoveredOn: isoDate,
            reason: choice(RECOVERY_REASON_CODES, RECOVERY_REASONS),
            method: choice(RECOVERY_METHOD_CODES, RECOVERY_METHODS),
            note: z
              .string({ error: '備考を200文字以内で入力してください' })
              .max(200, '備考を200文字以内で入力してください')
              .refine((s) => !looksLikeMyNumber(s), '個人番号と思われる12桁の数字は入力できません')
              .optional(),
          }),
        },
      },
    },
  },
  responses: { 200: json(Certificate, '回収を記録しました'), 409: err('回収済みです'), 422: err('回収の規則に合いません'), ...ErrorResponses },
});

const print = defineRoute({
  method: 'get',
  path: '/api/certificates/{certificateId}/pdf',
  access: 'certificate.issue',
  tags: ['証'],
  summary: '証を印刷する(PDF、BIZ UDゴシック。DV等支援措置で保護された住所は印字しません。印刷は監査証跡に記録)',
  request: { params: z.object({ certificateId: serialNoParam }) },
  responses: { 200: { content: { 'application/pdf': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } }, description: 'PDF' }, ...ErrorResponses },
});

export function registerCertificatesRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const { atenaNo } = c.req.valid('param');
    const { asOf } = c.req.valid('query');
    return c.json(await c.get('deps').certificates.overview(c.get('actor'), atenaNo, asOf ?? todayInJapan(), c.get('correlationId')), 200);
  });

  app.openapi(issue, async (c) => {
    const { atenaNo } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await c.get('deps').certificates.issue(
      c.get('actor'),
      atenaNo,
      {
        kind: b.kind,
        issuedOn: b.issuedOn ?? todayInJapan(),
        reason: b.reason,
        method: b.method,
        applicationOn: b.applicationOn ?? null,
        disease: b.disease ?? null,
        revenueTestApplied: b.revenueTestApplied ?? false,
        inArrears: b.inArrears ?? false,
        previousRecoveryMethod: b.previousRecoveryMethod ?? 'not_returned',
      },
      c.get('correlationId'),
    );
    const message = `${r.certificate.kindLabel}を交付しました(証番号 ${r.certificate.certificateId})${r.replaced.length > 0 ? `。差し替えた証 ${r.replaced.join('、')} を回収済みにしました` : ''}`;
    return c.json({ ...r, message }, 201);
  });

  app.openapi(recover, async (c) => {
    const { certificateId } = c.req.valid('param');
    const b = c.req.valid('json');
    return c.json(await c.get('deps').certificates.recover(c.get('actor'), certificateId, { recoveredOn: b.recoveredOn, reason: b.reason, method: b.method, note: b.note?.trim() || null }, c.get('correlationId')), 200);
  });

  app.openapi(print, async (c) => {
    const { certificateId } = c.req.valid('param');
    const r = await c.get('deps').certificates.pdf(c.get('actor'), certificateId, c.get('correlationId'));
    return c.body(new Uint8Array(r.pdf), 200, { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${r.fileName}"` });
  });
}
