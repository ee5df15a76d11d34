import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from '../../testing/fixture.js';
import { operatorActor } from '../../security/actor.js';
import { pdfText } from '../../testing/pdf-text.js';
import { asActor } from '../../testing/as-actor.js';
import { addHousehold } from './assessment.test-support.js';

/**
 * The 納税通知書 of a 住所地特例 person (国保法 §116の2: moved to a facility in another municipality, still
 * insured here, a one-person 国保世帯 of their own) names their own 国保世帯番号, never the 世帯番号 of the
 * household they left (another family's number); the household they left keeps its own.
 */
let f: Fixture;
const db = () => f.deps.database.db;
const runner = () => operatorActor('assessment-run', new Set(['assessment.run']));
const FY = 2025;
let family: { householdNo: number; atenaNos: number[] };
let ownNo = 0;

beforeAll(async () => {
  f = await createFixture();
  family = await addHousehold(db(), [
    { birthDate: '1960-05-05', head: true, insured: [{ from: '2015-04-01' }], pension: 1_800_000 },
    { birthDate: '1988-02-02', insured: [{ from: '2015-04-01' }], pension: 900_000 },
  ], FY);
  await asActor(db(), 'operator:test/address-exception', (tx) =>
    tx
      .insertInto('nhi_household_status')
      .values({ atena_no: family.atenaNos[1]!, household_no: family.householdNo, kind: 'address_exception', valid_from: '2025-02-01', facility_name: '架空の里(他市)', facility_kind: 'disability_support', updated_by: 'operator:test/address-exception' })
      .execute(),
  );
  ownNo = Number((await db().selectFrom('nhi_household_status').select('own_household_no').where('atena_no', '=', family.atenaNos[1]!).executeTakeFirstOrThrow()).own_household_no);
  await f.deps.assessments.runAnnual(runner(), FY, { chunkSize: 50 });
});
afterAll(async () => f?.close());

const noticeText = async (addressException: number) => {
  const a = await db()
    .selectFrom('assessment')
    .select(['assessment_id', 'version'])
    .where('household_no', '=', family.householdNo)
    .where('fiscal_year', '=', FY)
    .where('address_exception_atena_no', '=', addressException)
    .where('superseded_at', 'is', null)
    .executeTakeFirstOrThrow();
  const { pdf, fileName } = await f.deps.assessments.noticePdf(runner(), Number(a.assessment_id));
  return { text: (await pdfText(new Uint8Array(pdf))).join('').replace(/\s+/g, ''), fileName, version: a.version };
};

describe('the 納税通知書 of a 住所地特例 household', () => {
  it('names the person’s own 国保世帯番号, in the 世帯番号 line, the 通知書番号 and the file name', async () => {
    expect(ownNo).toBeGreaterThanOrEqual(9_000_000_001);
    const { text, fileName, version } = await noticeText(family.atenaNos[1]!);
    expect(text).toContain('納税通知書');
    expect(text).toContain(`世帯番号${ownNo}`);
    expect(text).toContain(`通知書番号${FY}-${ownNo}-${version}`);
    expect(text).not.toContain(String(family.householdNo));
    expect(fileName).toBe(`notice-${FY}-${ownNo}-${version}.pdf`);
  });

  it('the household they left keeps its registry 世帯番号', async () => {
    const { text, fileName, version } = await noticeText(0);
    expect(text).toContain(`世帯番号${family.householdNo}`);
    expect(text).toContain(`通知書番号${FY}-${family.householdNo}-${version}`);
    expect(text).not.toContain(String(ownNo));
    expect(fileName).toBe(`notice-${FY}-${family.householdNo}-${version}.pdf`);
  });
});
