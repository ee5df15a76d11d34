import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lawParams } from '../../platform/params/law-params.js';
import { calculateInstallments, type Installment } from '../assessment/installments.rules.js';
import { resplitInstallments } from '../assessment/installments-change.rules.js';
import { decideExemption, exemptionRule, type ExemptionRequest } from './exemption.rules.js';

const params = lawParams();
const FY = 2025;
// The 本算定 of 185,900円 (FY2025, 川口市): 第1期 24,900, 第2–8期 23,000; 納期限 第1期 7/31, 第2期 9/1,
// 第3期 9/30, 第4期 10/31, 第5期 12/1, 第6期 1/5, 第7期 2/2, 第8期 3/2 (installments-change.rules.test.ts).
const annual = calculateInstallments({ fiscalYear: FY, annualTax: 185_900, ordinary: true }, params).installments;
const amounts = (xs: readonly Installment[]) => Object.fromEntries(xs.map((x) => [x.label, x.amount]));
const sum = (xs: readonly Installment[]) => xs.reduce((s, x) => s + x.amount, 0);
const req = (over: Partial<ExemptionRequest>): ExemptionRequest => ({ reason: 'disaster', rate: '0.5', amount: null, appliedOn: '2025-10-15', ...over });
const rule = (r: ExemptionRequest['reason']) => exemptionRule(r, '2025-10-15', params);

describe('減免額 (地方税法717条): rate × the installments due on or after the 申請日', () => {
  it('災害 50/100 applied on 2025-10-15: 第4–8期 are reduced, 第1–3期 kept', () => {
    // Due on or after 10/15: 第4期 10/31 … 第8期 3/2 = 5 × 23,000 = 115,000; × 0.5 = 57,500.
    const d = decideExemption(req({}), annual, rule('disaster'));
    expect(d).toMatchObject({ ok: true, base: 115_000, exemption: 57_500 });
    if (!d.ok) throw new Error('refused');
    expect(d.targets.map((t) => t.label)).toEqual(['第4期', '第5期', '第6期', '第7期', '第8期']);
    expect(d.formula).toBe('(第4期 23,000 + 第5期 23,000 + 第6期 23,000 + 第7期 23,000 + 第8期 23,000) = 115,000円 × 0.5 → 1円未満切捨て 57,500円');
    // The 更正: 185,900 − 57,500 = 128,400. Already due: 24,900 + 23,000 + 23,000 = 70,900 (kept);
    // 128,400 − 70,900 = 57,500 over 5 期 = 11,500 → 千円 11,000; 第4期 = 57,500 − 4 × 11,000 = 13,500.
    const r = resplitInstallments({ fiscalYear: FY, previous: annual, annualTax: 185_900 - d.exemption, decidedOn: '2025-10-15' }, params);
    expect(amounts(r.installments)).toEqual({ 第1期: 24_900, 第2期: 23_000, 第3期: 23_000, 第4期: 13_500, 第5期: 11_000, 第6期: 11_000, 第7期: 11_000, 第8期: 11_000 });
    expect(r.overpaid).toBe(0);
  });

  it('an installment due on the 申請日 itself is still reduced; 100/100 takes all of what is not yet due', () => {
    // 申請日 = 第4期's 納期限 10/31: 第4–8期 = 115,000 × 1 = 115,000; the new total 70,900 = what was due before.
    const d = decideExemption(req({ rate: '1', appliedOn: '2025-10-31' }), annual, rule('disaster'));
    expect(d).toMatchObject({ ok: true, base: 115_000, exemption: 115_000 });
    // 申請日 11/1: 第5–8期 only = 92,000; × 0.7 = 64,400.
    expect(decideExemption(req({ rate: '0.7', appliedOn: '2025-11-01' }), annual, rule('disaster'))).toMatchObject({ ok: true, base: 92_000, exemption: 64_400 });
  });

  it('truncates to the yen: 23,001 × 0.5 = 11,500.5 → 11,500; 23,001 × 0.9 = 20,700.9 → 20,700', () => {
    const one: Installment[] = [{ label: '第8期', kind: 'ordinary', dueDate: '2026-03-02', amount: 23_001 }];
    expect(decideExemption(req({}), one, rule('disaster'))).toMatchObject({ ok: true, exemption: 11_500 });
    expect(decideExemption(req({ rate: '0.9' }), one, rule('disaster'))).toMatchObject({ ok: true, exemption: 20_700 });
  });

  it('a decided amount (拘禁, 旧被扶養者, 所得の減少): taken as entered, never more than what is not yet due', () => {
    expect(decideExemption(req({ reason: 'detention', rate: null, amount: 30_000 }), annual, rule('detention'))).toMatchObject({ ok: true, base: 115_000, exemption: 30_000 });
    const over = decideExemption(req({ reason: 'former_dependent', rate: null, amount: 115_001 }), annual, rule('former_dependent'));
    expect(over).toMatchObject({ ok: false, field: 'amount' });
    expect(!over.ok && over.message).toBe('減免額: 115,001円 は令和7年10月15日以後に納期限が到来する税額 115,000円(第4期 23,000 + 第5期 23,000 + 第6期 23,000 + 第7期 23,000 + 第8期 23,000)を超えています(地方税法第717条、市国民健康保険税条例)');
  });

  it('refuses: nothing left to be due; a rate the 基準 does not list; a rate where only an amount is allowed; both or neither', () => {
    const late = decideExemption(req({ appliedOn: '2026-03-03' }), annual, rule('disaster'));
    expect(late).toMatchObject({ ok: false, field: 'appliedOn' });
    expect(!late.ok && late.message).toBe('申請日: 令和8年3月3日以後に納期限が到来する税額がないため減免できません(地方税法第717条、市国民健康保険税条例: 減免は申請日以後に納期限が到来する税額に限ります)');
    const odd = decideExemption(req({ rate: '0.6' }), annual, rule('disaster'));
    expect(!odd.ok && odd.message).toMatch(/^率: 災害の減免の率は 0\.5・0\.7・0\.9・1 のいずれかです/);
    expect(decideExemption(req({ reason: 'income_decrease', rate: '0.5' }), annual, rule('income_decrease'))).toMatchObject({ ok: false, field: 'rate' });
    expect(decideExemption(req({ rate: null, amount: 1000 }), annual, rule('disaster'))).toMatchObject({ ok: false, field: 'amount' });
    expect(decideExemption(req({ rate: '0.5', amount: 1000 }), annual, rule('disaster'))).toMatchObject({ ok: false, field: 'rate' });
  });

  it('property: never more than what is not yet due; after the 更正 the 期別 sum to the new total and those already due are unchanged', () => {
    const day = fc.integer({ min: 0, max: 364 }).map((n) => new Date(Date.UTC(FY, 3, 1 + n)).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.integer({ min: 10_000, max: 1_500_000 }), day, fc.constantFrom('0.5', '0.7', '0.9', '1'), (tax, appliedOn, rate) => {
        const before = calculateInstallments({ fiscalYear: FY, annualTax: tax, ordinary: true }, params).installments;
        const d = decideExemption(req({ rate, appliedOn }), before, rule('disaster'));
        const open = before.filter((i) => i.dueDate! >= appliedOn);
        if (!d.ok) {
          expect(sum(open)).toBe(0);
          return;
        }
        expect(d.exemption).toBeLessThanOrEqual(sum(open));
        expect(d.base).toBe(sum(open));
        const after = resplitInstallments({ fiscalYear: FY, previous: before, annualTax: tax - d.exemption, decidedOn: appliedOn }, params);
        expect(after.overpaid).toBe(0);
        expect(sum(after.installments)).toBe(tax - d.exemption);
        for (const i of before.filter((x) => x.dueDate! < appliedOn)) expect(after.installments.find((x) => x.label === i.label)?.amount).toBe(i.amount);
      }),
      { numRuns: 300 },
    );
  });
});
