import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';
import { atenaNoParam, recordNoBody, serialNoParam } from '../../http/fields.js';
import { looksLikeMyNumber } from '../mynumber/mynumber.rules.js';
import { isIsoDate, todayInJapan } from './eligibility.rules.js';
import { FACILITY_KINDS, FACILITY_KIND_CODES, NHI_HOUSEHOLD_STATUS_KINDS, NHI_HOUSEHOLD_STATUS_KIND_CODES } from './nhi-household.rules.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBodySchema } }, description });

const ISO_DATE_RULE = 'YYYY-MM-DD 形式の実在する日付で入力してください(例: 2026-04-01)';
const isoDate = z
  .string({ error: ISO_DATE_RULE })
  .refine((s) => s.length <= 10 && isIsoDate(s), ISO_DATE_RULE)
  .openapi({ example: '2026-04-01', format: 'date' });
/** Free text shown to the approver and kept: never a My Number. */
const text = (what: string, max: number) =>
  z
    .string({ error: `${what}を${max}文字以内で入力してください` })
    .max(max, `${what}を${max}文字以内で入力してください`)
    .refine((s) => s.trim().length >= 1, `${what}を${max}文字以内で入力してください`)
    .refine((s) => !looksLikeMyNumber(s), '個人番号と思われる12桁の数字は入力できません');

const kindList = NHI_HOUSEHOLD_STATUS_KIND_CODES.map((k) => `${k}(${NHI_HOUSEHOLD_STATUS_KINDS[k].label})`).join('、');
const kind = z.enum(NHI_HOUSEHOLD_STATUS_KIND_CODES, { error: `次から選んでください: ${kindList}` }).openapi({ description: kindList });
const facilityList = FACILITY_KIND_CODES.map((k) => `${k}(${FACILITY_KINDS[k]})`).join('、');
const facilityKind = z.enum(FACILITY_KIND_CODES, { error: `次から選んでください: ${facilityList}` }).openapi({ description: `住所地特例の施設の種類: ${facilityList}(児童福祉施設は対象外)` });

const Person = z.object({ atenaNo: z.number(), nameKanji: z.string() });
const Status = z
  .object({
    statusId: z.number(),
    atenaNo: z.number(),
    nameKanji: z.string(),
    householdNo: z.number(),
    kind: z.enum(NHI_HOUSEHOLD_STATUS_KIND_CODES),
    kindLabel: z.string(),
    validFrom: z.string(),
    validTo: z.string().nullable(),
    facilityName: z.string().nullable(),
    facilityKind: z.enum(FACILITY_KIND_CODES).nullable(),
    facilityKindLabel: z.string().nullable(),
    schoolName: z.string().nullable(),
    ownHouseholdNo: z.number().nullable().openapi({ description: '住所地特例: 本人一人の国保世帯の国保世帯番号(記録のとき採番)' }),
    basis: z.string().nullable(),
    reportedOn: z.string().nullable(),
    inForce: z.boolean().openapi({ description: '照会した日に有効な期間' }),
  })
  .openapi('NhiHouseholdStatus');

const NhiHousehold = z
  .object({
    householdNo: z.number(),
    asOf: z.string(),
    exists: z.boolean().openapi({ description: 'この日に国保の被保険者がいる(国保世帯がある)' }),
    head: Person.extend({ insured: z.boolean(), byApplication: z.boolean().openapi({ description: '世帯主変更の申出による国保上の世帯主' }) })
      .nullable()
      .openapi({ description: '納税義務者(国保上の世帯主)' }),
    pseudoHead: z.boolean().openapi({ description: '擬制世帯主: 納税義務者が住民票上の世帯主で、国保に加入していない' }),
    members: z.array(Person.extend({ basis: z.enum(['registry', 'student_exception']), basisLabel: z.string() })),
    specificSameHousehold: z.array(Person).openapi({ description: '特定同一世帯所属者' }),
    addressException: z.array(Person).openapi({ description: '住所地特例で一人の国保世帯となっている世帯員' }),
    statuses: z.array(Status),
    notices: z.array(z.string()).openapi({ description: '事実から導かれる、記録の開始・終了が必要な期間' }),
  })
  .openapi('NhiHousehold');

const Accepted = z.object({ changeId: z.number(), kind: z.string(), status: z.literal('pending'), message: z.string() }).openapi('NhiHouseholdChangeAccepted');
const Conflict = err('承認待ちの変更がある、記録が変わった等、現在の状態では受け付けられません');
const Unprocessable = err('国保世帯の規則に合いません(項目ごとのメッセージ付き)');

const view = defineRoute({
  method: 'get',
  path: '/api/households/{householdNo}/nhi',
  access: 'person.read',
  tags: ['資格'],
  summary: '国保世帯(ある日の世帯員・納税義務者・擬制世帯主・特例)。賦課は4月1日、負担割合は8月1日時点で照会します',
  request: {
    params: z.object({ householdNo: atenaNoParam }),
    query: z.object({ asOf: isoDate.optional().openapi({ description: '照会する日(省略時は今日)。賦課: その年度の4月1日、一部負担金の割合: 8月1日' }) }),
  },
  responses: { 200: json(NhiHousehold, '国保世帯'), ...ErrorResponses },
});

const record = defineRoute({
  method: 'post',
  path: '/api/persons/{atenaNo}/nhi-household-status',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '国保世帯の特例・世帯主(擬制世帯主、世帯主変更申出、特定同一世帯所属者、住所地特例、修学中の特例)の期間を申請する(入力者以外の承認者が確認して反映)',
  request: {
    params: z.object({ atenaNo: atenaNoParam }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            kind,
            householdNo: recordNoBody(10).openapi({ description: '国保世帯の元になる世帯の世帯番号(住所地特例: 転出前の世帯、修学中の特例: 親の世帯)' }),
            validFrom: isoDate,
            validTo: isoDate.optional(),
            facilityName: text('施設名', 100).optional(),
            facilityKind: facilityKind.optional(),
            schoolName: text('学校名', 100).optional(),
            basis: text('根拠・備考', 200).optional(),
            reportedOn: isoDate.optional().openapi({ description: '届出日・申出日' }),
          }),
        },
      },
    },
  },
  responses: { 202: json(Accepted, '承認待ちとして受け付けました'), 409: Conflict, 422: Unprocessable, ...ErrorResponses },
});

const end = defineRoute({
  method: 'post',
  path: '/api/nhi-household-status/{statusId}/end',
  access: 'eligibility.update',
  tags: ['資格'],
  summary: '国保世帯の特例・世帯主の期間の終了を申請する(終了日はその期間に含まれない最初の日)',
  request: {
    params: z.object({ statusId: serialNoParam }),
    body: { required: true, content: { 'application/json': { schema: z.object({ validTo: isoDate }) } } },
  },
  responses: { 202: json(Accepted, '承認待ちとして受け付けました'), 409: Conflict, 422: Unprocessable, ...ErrorResponses },
});

const accepted = (what: string, changeId: number) => `${what}を受け付けました。入力者以外の承認者の確認後に反映されます(変更番号 ${changeId})`;

export function registerNhiHouseholdRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(view, async (c) => {
    const { householdNo } = c.req.valid('param');
    const { asOf } = c.req.valid('query');
    return c.json(await c.get('deps').nhiHousehold.view(c.get('actor'), householdNo, asOf ?? todayInJapan(), c.get('correlationId')), 200);
  });

  app.openapi(record, async (c) => {
    const { atenaNo } = c.req.valid('param');
    const b = c.req.valid('json');
    const r = await c.get('deps').nhiHousehold.requestStatus(
      c.get('actor'),
      atenaNo,
      {
        kind: b.kind,
        householdNo: b.householdNo,
        validFrom: b.validFrom,
        validTo: b.validTo ?? null,
        facilityName: b.facilityName?.trim() ?? null,
        facilityKind: b.facilityKind ?? null,
        schoolName: b.schoolName?.trim() ?? null,
        basis: b.basis?.trim() ?? null,
        reportedOn: b.reportedOn ?? null,
      },
      c.get('correlationId'),
    );
    return c.json({ ...r, message: accepted(NHI_HOUSEHOLD_STATUS_KINDS[b.kind].label, r.changeId) }, 202);
  });

  app.openapi(end, async (c) => {
    const { statusId } = c.req.valid('param');
    const { validTo } = c.req.valid('json');
    const r = await c.get('deps').nhiHousehold.requestEnd(c.get('actor'), statusId, validTo, c.get('correlationId'));
    return c.json({ ...r, message: accepted('期間の終了', r.changeId) }, 202);
  });
}
