import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorResponses } from '../../http/schemas.js';
import { parseDateInput } from '../../lib/wareki.js';
import { isKanaText, kanaSearchKey, kanjiSearchKey } from '../../lib/kana.js';
import { atenaNoParam, intParam } from '../../http/fields.js';
import { CHANGE_REASON_CODES, NHI_STATUS_CODES, RELATIONSHIP_CODES } from './person.rules.js';
import { ACQUISITION_REASON_CODES, LOSS_REASON_CODES } from '../eligibility/eligibility.rules.js';

/**
 * Codes with their Japanese labels beside them (`relationship: 'head', relationshipLabel: '世帯主'`).
 * Built here with @hono/zod-openapi's z (a schema made before that import patches zod has no .openapi).
 */
const Relationship = z.enum(RELATIONSHIP_CODES).openapi({ description: '続柄のコード(表示は relationshipLabel)' });
const ChangeReason = z.enum(CHANGE_REASON_CODES).openapi({ description: '異動事由のコード(表示は changeReasonLabel)' });

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

const atenaNo = atenaNoParam;
const householdNo = atenaNo;

const SearchQuery = z
  .object({
    kana: z
      .string()
      .max(40, '40文字以内で入力してください')
      .refine((s) => s.trim() === '' || isKanaText(s), 'カタカナ・ひらがな・半角カナで入力してください')
      .optional(),
    name: z.string().max(40, '40文字以内で入力してください').optional(),
    birthDate: z
      .string()
      .max(20, '20文字以内で入力してください')
      .refine((s) => s.trim() === '' || parseDateInput(s) !== null, '日付として読めません(例: 令和7年4月1日, R7.4.1, 2025-04-01)')
      .optional(),
    atenaNo: atenaNo.optional(),
    householdNo: householdNo.optional(),
    page: intParam(1, 50, 1, '(51ページ以降は条件を絞り込んでください)'),
    pageSize: intParam(1, 50, 20),
  })
  .refine((q) => !!(q.kana?.trim() || q.name?.trim() || q.birthDate?.trim() || q.atenaNo || q.householdNo), {
    message: '検索条件を1つ以上入力してください',
    path: ['kana'],
    when: (payload) => payload.issues.length === 0, // a mistyped condition has its own message
  });

const PersonRow = z
  .object({
    atenaNo: z.number(),
    nameKanji: z.string(),
    nameKana: z.string(),
    aliasKanji: z.string().nullable(),
    birthDate: z.string(),
    sex: z.enum(['male', 'female']),
    residentStatus: z.enum(['resident', 'moved_out', 'deceased']),
    householdNo: z.number().nullable(),
    relationship: Relationship.nullable(),
    relationshipLabel: z.string().nullable(),
    address: z.string().nullable(),
    insured: z.boolean().openapi({ description: '本日、国保の被保険者である(現在の資格記録で本日が資格期間内)' }),
    nhiStatus: z.enum(NHI_STATUS_CODES).openapi({ description: '国保: insured(加入中) / lost(喪失: 以前は加入、本日は非加入) / none(加入歴なし)。表示は nhiStatusLabel' }),
    nhiStatusLabel: z.string(),
    age: z.number().int().openapi({ description: '本日の年齢(年齢計算ニ関スル法律。死亡者は死亡日の年齢)' }),
    ageAtDeath: z.boolean().openapi({ description: 'age が死亡日の年齢である' }),
  })
  .openapi('PersonSearchRow');

const search = defineRoute({
  method: 'get',
  path: '/api/persons',
  access: 'person.read',
  tags: ['宛名'],
  summary: '住民検索(カナ前方一致・漢字氏名・生年月日・宛名番号・世帯番号)',
  request: { query: SearchQuery },
  responses: {
    200: json(z.object({ total: z.number(), totalCapped: z.boolean(), page: z.number(), pageSize: z.number(), items: z.array(PersonRow) }), '検索結果(個人番号は含まない)'),
    ...ErrorResponses,
  },
});

const Version = z.object({ validFrom: z.string().nullable(), changeReason: ChangeReason.nullable(), changeReasonLabel: z.string().nullable(), changedFields: z.array(z.string()), recordedAt: z.string(), recordedBy: z.string(), recordedByLabel: z.string() });

const getPerson = defineRoute({
  method: 'get',
  path: '/api/persons/{atenaNo}',
  access: 'person.read',
  tags: ['宛名'],
  summary: '住民の詳細と履歴',
  request: { params: z.object({ atenaNo }) },
  responses: {
    200: json(
      z
        .object({
          atenaNo: z.number(),
          nameKanji: z.string(),
          nameKana: z.string(),
          aliasKanji: z.string().nullable(),
          aliasKana: z.string().nullable(),
          realName: z.string().nullable(),
          birthDate: z.string(),
          sex: z.enum(['male', 'female']),
          residentKind: z.enum(['japanese', 'foreign']),
          residentStatus: z.enum(['resident', 'moved_out', 'deceased']),
          address: z.string().nullable(),
          previousAddress: z.string().nullable(),
          movedOutTo: z.string().nullable(),
          addressHidden: z.boolean(),
          dvSupport: z.boolean(),
          householdNo: z.number().nullable(),
          relationship: Relationship.nullable(),
          relationshipLabel: z.string().nullable(),
          deathDate: z.string().nullable(),
          versions: z.array(Version),
          hasMyNumber: z.boolean(),
        })
        .openapi('Person'),
      '住民',
    ),
    ...ErrorResponses,
  },
});

const Nhi = z.object({ insured: z.boolean(), symbol: z.string(), number: z.string(), branchNo: z.string(), acquiredOn: z.string(), lostOn: z.string().nullable() });

const Period = z
  .object({
    eligibilityId: z.number(),
    householdNo: z.number(),
    acquiredOn: z.string(),
    acquisitionReason: z.enum(ACQUISITION_REASON_CODES),
    acquisitionReasonLabel: z.string(),
    lostOn: z.string().nullable(),
    lossReason: z.enum(LOSS_REASON_CODES).nullable(),
    lossReasonLabel: z.string().nullable(),
    retroactive: z.boolean().openapi({ description: '遡及: 取得または喪失の届出が期限後だった' }),
    insuredToday: z.boolean(),
  })
  .openapi('HouseholdMemberPeriod');

const getHousehold = defineRoute({
  method: 'get',
  path: '/api/households/{householdNo}',
  access: 'person.read',
  tags: ['世帯'],
  summary: '世帯の構成員と履歴',
  request: { params: z.object({ householdNo }) },
  responses: {
    200: json(
      z
        .object({
          householdNo: z.number(),
          formedOn: z.string(),
          dissolvedOn: z.string().nullable(),
          address: z.string().nullable(),
          addressHidden: z.boolean(),
          headAtenaNo: z.number().nullable(),
          isPseudoHead: z.boolean(),
          members: z.array(
            z.object({
              atenaNo: z.number(),
              nameKanji: z.string(),
              nameKana: z.string(),
              aliasKanji: z.string().nullable(),
              birthDate: z.string(),
              sex: z.enum(['male', 'female']),
              relationship: Relationship,
              relationshipLabel: z.string(),
              validFrom: z.string(),
              validTo: z.string().nullable(),
              residentStatus: z.enum(['resident', 'moved_out', 'deceased']),
              nhi: Nhi.nullable(),
              periods: z.array(Period).openapi({ description: '国保加入の経過: この世帯員の現在有効な資格期間すべて(他の世帯のものを含む、古い順)' }),
            }),
          ),
          history: z.array(
            z.object({
              at: z.string(),
              by: z.string(),
              byLabel: z.string(),
              atenaNo: z.number().nullable(),
              table: z.enum(['person', 'household', 'household_member', 'nhi_eligibility']),
              changedFields: z.array(z.string()),
              validFrom: z.string().nullable(),
              changeReason: ChangeReason.nullable(),
              changeReasonLabel: z.string().nullable(),
            }),
          ),
        })
        .openapi('Household'),
      '世帯',
    ),
    ...ErrorResponses,
  },
});

export function registerPersonRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(search, async (c) => {
    const q = c.req.valid('query');
    const criteria = {
      ...(q.kana?.trim() ? { kana: kanaSearchKey(q.kana) } : {}),
      ...(q.name?.trim() ? { name: kanjiSearchKey(q.name) } : {}),
      ...(q.birthDate?.trim() ? { birthDate: parseDateInput(q.birthDate)! } : {}),
      ...(q.atenaNo ? { atenaNo: q.atenaNo } : {}),
      ...(q.householdNo ? { householdNo: q.householdNo } : {}),
    };
    const r = await c.get('deps').persons.search(c.get('actor'), criteria, { page: q.page, pageSize: q.pageSize }, c.get('correlationId'));
    return c.json(r, 200);
  });

  app.openapi(getPerson, async (c) => {
    const { atenaNo } = c.req.valid('param');
    return c.json(await c.get('deps').persons.person(c.get('actor'), atenaNo, c.get('correlationId')), 200);
  });

  app.openapi(getHousehold, async (c) => {
    const { householdNo } = c.req.valid('param');
    return c.json(await c.get('deps').persons.household(c.get('actor'), householdNo, c.get('correlationId')), 200);
  });
}
