import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lawParams } from '../../platform/params/law-params.js';
import type { Installment } from './installments.rules.js';
import { resplitInstallments } from './installments-change.rules.js';
import { decideInstallments, februaryFinal, judgeSpecialCollection, specialInstallments, type SpecialCollectionFacts } from './special-collection.rules.js';

/**
 * 特別徴収: the judgement (the conditions as 郡上市・伊勢原市・飯能市 state them: 世帯主 insured, everyone
 * insured 65–74, head not reaching 75 in the 年度, pension ≥ 18万円 with 介護保険料 withheld, 国保税 +
 * 介護保険料 ≤ 1/2 of it, no 口座振替 申出), the split (仮徴収 = the year before's February: 水戸市・軽井沢町;
 * a first year from October with 7–9月 普通徴収: 白鷹町) and the 中止 after a 更正. Hand-worked with
 * 川口市's calendar (FY2025 納期限: 第1期 7/31, 第2期 9/1, 第3期 9/30, 第4期 10/31, 第5期 12/1, 第6期 1/5,
 * 第7期 2/2, 第8期 3/2; 普通徴収 in 1,000円, 特別徴収 in 100円).
 */
const params = lawParams();
const FY = 2025;
const amounts = (xs: readonly Installment[]) => Object.fromEntries(xs.map((x) => [x.label, x.amount]));
const total = (xs: readonly Installment[]) => xs.reduce((s, x) => s + x.amount, 0);

const couple: SpecialCollectionFacts = {
  fiscalYear: FY,
  judgedOn: '2025-04-01',
  pseudoHead: false,
  headBirthDate: '1955-05-10', // 69 on 2025-04-01
  insured: [
    { atenaNo: 1, birthDate: '1955-05-10' },
    { atenaNo: 2, birthDate: '1957-08-20' }, // 67
  ],
  pension: { annualAmount: 1_200_000, careWithheld: true, carePremium: 80_000 },
  annualTax: 150_000,
  accountTransfer: null,
};

describe('who is under 特別徴収 (地方税法 706条2項)', () => {
  it('a couple of 69 and 67 with a 120万円 pension, 国保税 15万 + 介護 8万 ≤ 60万: eligible', () => {
    expect(judgeSpecialCollection(couple, params)).toEqual({ eligible: true, reasons: [] });
  });

  it('each failing condition gives its reason in Japanese', () => {
    const reasons = (f: Partial<SpecialCollectionFacts>) => judgeSpecialCollection({ ...couple, ...f }, params).reasons;
    expect(reasons({ pseudoHead: true })).toEqual(['世帯主が国民健康保険の被保険者ではありません(擬制世帯主)']);
    expect(reasons({ insured: [...couple.insured, { atenaNo: 3, birthDate: '1985-01-01' }] })).toEqual(['令和7年4月1日に65歳以上75歳未満でない被保険者がいます(宛名番号 3)']);
    expect(reasons({ pension: { annualAmount: 179_999, careWithheld: true, carePremium: 0 }, annualTax: 50_000 })).toEqual(['年金の年額 179,999円が180,000円未満です']);
    expect(reasons({ pension: { annualAmount: 1_200_000, careWithheld: false, carePremium: null } })).toEqual(['世帯主の介護保険料がその年金から特別徴収されていません']);
    expect(reasons({ pension: null })).toEqual(['世帯主の特別徴収の対象となる年金の通知がありません(年金保険者からの特別徴収対象者の情報)']);
    expect(reasons({ accountTransfer: { requestedOn: '2025-02-10' } })).toEqual(['口座振替への変更の申出があります(令和7年2月10日)']);
  });

  it('1/2 of the pension: 30万円, 国保税 11万 + 介護 4万 = 15万 is allowed; 1円 more is not', () => {
    const pension = { annualAmount: 300_000, careWithheld: true, carePremium: 40_000 };
    expect(judgeSpecialCollection({ ...couple, pension, annualTax: 110_000 }, params).eligible).toBe(true);
    expect(judgeSpecialCollection({ ...couple, pension, annualTax: 110_001 }, params).reasons).toEqual(['国民健康保険税 110,001円と介護保険料 40,000円の合計 150,001円が年金の年額 300,000円の2分の1を超えます']);
  });

  it('ages at the 判定日 (ageOn, as the 資格 rules count them): born 1960-04-01 is 65 on 2025-04-01, born 1960-04-02 is not; a head turning 75 during the 年度 is not eligible', () => {
    expect(judgeSpecialCollection({ ...couple, insured: [couple.insured[0]!, { atenaNo: 2, birthDate: '1960-04-01' }] }, params).eligible).toBe(true);
    expect(judgeSpecialCollection({ ...couple, insured: [couple.insured[0]!, { atenaNo: 2, birthDate: '1960-04-02' }] }, params).eligible).toBe(false);
    const r = judgeSpecialCollection({ ...couple, headBirthDate: '1950-10-01', insured: [{ atenaNo: 1, birthDate: '1950-10-01' }] }, params);
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toBe('世帯主が年度中(令和7年10月1日)に75歳に達します');
  });
});

describe('the 期別 under 特別徴収', () => {
  it('continuing: 仮徴収 = last February 12,600 × 3 = 37,800; 本徴収 (185,900 − 37,800) ÷ 3 = 49,366 → 49,300, October 49,500', () => {
    const r = specialInstallments({ fiscalYear: FY, annualTax: 185_900, previousFebruary: 12_600 }, params);
    expect(amounts(r.installments)).toEqual({ '4月': 12_600, '6月': 12_600, '8月': 12_600, '10月': 49_500, '12月': 49_300, '2月': 49_300 });
    expect(r.installments.map((x) => x.dueDate)).toEqual(['2025-04-15', '2025-06-15', '2025-08-15', '2025-10-15', '2025-12-15', '2026-02-15']);
    expect(r.installments.map((x) => x.kind)).toEqual(['provisional', 'provisional', 'provisional', 'final', 'final', 'final']);
    expect(r.lines[0]!.reference).toContain('第718条の7');
  });

  it('continuing with 仮徴収 above the annual tax (February 40,000, tax 100,000): August lowered to 20,000, no 本徴収', () => {
    const r = specialInstallments({ fiscalYear: FY, annualTax: 100_000, previousFebruary: 40_000 }, params);
    expect(amounts(r.installments)).toEqual({ '4月': 40_000, '6月': 40_000, '8月': 20_000, '10月': 0, '12月': 0, '2月': 0 });
  });

  it('a first year: 第1–3期 (7・8・9月) 普通徴収, then 本徴収. 185,900 ÷ 6 = 30,983 → 30,900 × 3; 93,200 over 3 期: 31,200 / 31,000 / 31,000', () => {
    const r = specialInstallments({ fiscalYear: FY, annualTax: 185_900, previousFebruary: null }, params);
    expect(amounts(r.installments)).toEqual({ 第1期: 31_200, 第2期: 31_000, 第3期: 31_000, '10月': 30_900, '12月': 30_900, '2月': 30_900 });
    expect(r.installments.map((x) => x.kind)).toEqual(['ordinary', 'ordinary', 'ordinary', 'final', 'final', 'final']);
    expect(r.installments[1]!.dueDate).toBe('2025-09-01'); // 8/31 is a Sunday
  });

  it('the previous 年度 February: only a 本徴収 not stopped', () => {
    expect(februaryFinal([{ label: '2月', kind: 'final', dueDate: '2025-02-15', amount: 12_600 }])).toBe(12_600);
    expect(februaryFinal([{ label: '2月', kind: 'final', dueDate: '2025-02-15', amount: 0, stopped: true }])).toBeNull();
    expect(februaryFinal([{ label: '第8期', kind: 'ordinary', dueDate: '2025-03-02', amount: 20_000 }])).toBeNull();
  });

  it('installments always sum to the annual tax (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_000_000 }), fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: null }), (annualTax, feb) => {
        const r = specialInstallments({ fiscalYear: FY, annualTax, previousFebruary: feb }, params);
        expect(total(r.installments)).toBe(annualTax);
        expect(r.installments.every((x) => Number.isSafeInteger(x.amount) && x.amount >= 0)).toBe(true);
      }),
    );
  });

  it('an ineligible household never gets 特別徴収 (property)', () => {
    const facts = fc.record({
      pseudoHead: fc.boolean(),
      ages: fc.array(fc.integer({ min: 0, max: 74 }), { minLength: 1, maxLength: 4 }),
      pension: fc.option(fc.record({ annualAmount: fc.integer({ min: 0, max: 3_000_000 }), careWithheld: fc.boolean(), carePremium: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }) }), { nil: null }),
      annualTax: fc.integer({ min: 0, max: 1_000_000 }),
      transfer: fc.boolean(),
      feb: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
    });
    fc.assert(
      fc.property(facts, (g) => {
        const insured = g.ages.map((age, i) => ({ atenaNo: i + 1, birthDate: `${FY - age - 1}-10-01` }));
        const f: SpecialCollectionFacts = { ...couple, pseudoHead: g.pseudoHead, headBirthDate: insured[0]!.birthDate, insured, pension: g.pension, annualTax: g.annualTax, accountTransfer: g.transfer ? { requestedOn: '2025-03-01' } : null };
        const r = decideInstallments(f, g.feb, params);
        expect(total(r.installments)).toBe(g.annualTax);
        if (!r.judgement.eligible) {
          expect(r.judgement.reasons.length).toBeGreaterThan(0);
          expect(r.installments.every((x) => x.kind === 'ordinary')).toBe(true);
        }
      }),
    );
  });
});

describe('特別徴収の中止 after a 更正 (resplitInstallments)', () => {
  const before = specialInstallments({ fiscalYear: FY, annualTax: 185_900, previousFebruary: 12_600 }, params).installments;

  it('185,900 → 150,000 decided 2025-11-10: 4–12月 kept (136,600; December too late to stop), 2月 stopped; 13,400 over 第5–8期: 4,400 / 3,000 × 3', () => {
    const r = resplitInstallments({ fiscalYear: FY, previous: before, annualTax: 150_000, decidedOn: '2025-11-10' }, params);
    expect(r.installments.map((x) => [x.label, x.amount, x.kind, x.stopped ?? false])).toEqual([
      ['4月', 12_600, 'provisional', false],
      ['6月', 12_600, 'provisional', false],
      ['8月', 12_600, 'provisional', false],
      ['10月', 49_500, 'final', false],
      ['第5期', 4_400, 'ordinary', false],
      ['12月', 49_300, 'final', false],
      ['第6期', 3_000, 'ordinary', false],
      ['第7期', 3_000, 'ordinary', false],
      ['2月', 0, 'final', true],
      ['第8期', 3_000, 'ordinary', false],
    ]);
    expect(r.overpaid).toBe(0);
    const stop = r.lines.find((l) => l.label === '特別徴収の中止')!;
    expect(stop.formula).toContain('令和8年1月以後の年金支払月(2月)は徴収せず');
    expect(stop.reference).toContain('[city_tax.special_stop_lead_months]');
    expect(r.lines.find((l) => l.label === '納期限の来ていない期')!.formula).toBe('(年税額 150,000 − 納期限を過ぎた期と特別徴収 136,600) ÷ 4期 → 1,000円単位 3,000、端数は変更後の最初の納期(第5期)');
  });

  it('a decrease below what was withheld: 185,900 → 120,000 on 2025-11-10 leaves 16,600 過納 and no 普通徴収', () => {
    const r = resplitInstallments({ fiscalYear: FY, previous: before, annualTax: 120_000, decidedOn: '2025-11-10' }, params);
    expect(r.overpaid).toBe(16_600);
    expect(r.installments.filter((x) => x.kind === 'ordinary')).toEqual([]);
    expect(total(r.installments) - r.overpaid).toBe(120_000);
  });

  it('decided 2025-07-10 (before 本徴収): 4・6・8月 kept, 10・12・2月 stopped, the rest over 第1–8期', () => {
    const r = resplitInstallments({ fiscalYear: FY, previous: before, annualTax: 200_000, decidedOn: '2025-07-10' }, params);
    expect(r.installments.filter((x) => x.stopped).map((x) => x.label)).toEqual(['10月', '12月', '2月']);
    // 200,000 − 37,800 = 162,200 over 8 期: 20,275 → 20,000; 第1期 22,200.
    expect(amounts(r.installments.filter((x) => x.kind === 'ordinary'))).toEqual({ 第1期: 22_200, 第2期: 20_000, 第3期: 20_000, 第4期: 20_000, 第5期: 20_000, 第6期: 20_000, 第7期: 20_000, 第8期: 20_000 });
  });

  it('a second 更正 keeps the stopped months stopped and what the first fixed', () => {
    const first = resplitInstallments({ fiscalYear: FY, previous: before, annualTax: 150_000, decidedOn: '2025-11-10' }, params);
    const second = resplitInstallments({ fiscalYear: FY, previous: first.installments, annualTax: 160_000, decidedOn: '2026-01-20' }, params);
    expect(second.installments.find((x) => x.label === '2月')).toMatchObject({ amount: 0, stopped: true });
    expect(amounts(second.installments)).toMatchObject({ '12月': 49_300, 第5期: 4_400, 第6期: 3_000 });
    expect(total(second.installments) - second.overpaid).toBe(160_000);
  });

  it('after a 更正 the months already due never change, and Σ − 過納 = the new tax (property)', () => {
    const day = fc.integer({ min: 0, max: 364 }).map((d) => new Date(Date.UTC(FY, 3, 1 + d)).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }), fc.integer({ min: 0, max: 1_000_000 }), day, (oldTax, feb, newTax, decidedOn) => {
        const prev = specialInstallments({ fiscalYear: FY, annualTax: oldTax, previousFebruary: feb }, params).installments;
        const r = resplitInstallments({ fiscalYear: FY, previous: prev, annualTax: newTax, decidedOn }, params);
        expect(total(r.installments) - r.overpaid).toBe(newTax);
        for (const p of prev) if (p.dueDate! < decidedOn) expect(r.installments.find((x) => x.label === p.label)?.amount).toBe(p.amount);
        expect(r.installments.every((x) => x.amount >= 0)).toBe(true);
      }),
    );
  });
});
