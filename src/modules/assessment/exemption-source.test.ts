import { describe, expect, it } from 'vitest';
import type { Assessed } from './assessment.rules.js';
import { withExemption } from './exemption-source.js';

const assessed = (total: number, addressExceptionAtenaNo = 0): Assessed =>
  ({
    unit: { fiscalYear: 2026, householdNo: 1, addressExceptionAtenaNo, referenceDay: '2026-04-01', taxpayer: 10, pseudoHead: false, members: [], input: { fiscalYear: 2026, members: [] } },
    result: { fiscalYear: 2026, municipality: '川口市', reduction: 'なし', parts: {}, total, members: [], lines: [{ label: '年税額', formula: '', amount: total, reference: '' }] },
    amounts: { reduction: 'none', total, parts: { medical: total, support: 0, care: 0, childSupport: 0 }, incomeLevy: 0, perCapita: 0, perHousehold: 0, reductions: { legal: 0, specificHousehold: 0, preschool: 0, minor: 0, perinatal: 0 }, capped: false, insuredCount: 1 },
    inputHash: '0'.repeat(64),
    inputJson: '{"fiscalYear":2026,"members":[]}',
  }) as Assessed;

describe('a 更正 from the facts keeps the 減免 decided (withExemption)', () => {
  it('subtracts the stored 減免額 from the total, parts unchanged, with the line naming 地方税法第717条', () => {
    // 120,000 − 30,000 = 90,000.
    const a = withExemption(assessed(120_000), { total: 30_000, reasons: ['disaster'] });
    expect(a.amounts.total).toBe(90_000);
    expect(a.result.total).toBe(90_000);
    expect(a.amounts.parts.medical).toBe(120_000);
    expect(a.result.lines.map((l) => [l.label, l.amount])).toEqual([['年税額', 120_000], ['減免(災害)', -30_000], ['減免後の年税額', 90_000]]);
    expect(a.result.lines[1]!.formula).toBe('減免 −30,000円(地方税法第717条、市国民健康保険税条例(減免))');
  });

  it('never below 0: capped at the total (the facts lowered the tax below the 減免額); a 住所地特例 unit and no 減免 unchanged', () => {
    const a = withExemption(assessed(20_000), { total: 30_000, reasons: ['disaster', 'detention'] });
    expect(a.amounts.total).toBe(0);
    expect(a.result.lines[1]).toMatchObject({ label: '減免(災害・刑事施設等への拘禁)', amount: -20_000 });
    expect(a.result.lines[1]!.formula).toContain('決定した減免額 30,000円 のうち年税額まで');
    expect(withExemption(assessed(20_000, 99), { total: 5_000, reasons: ['disaster'] }).amounts.total).toBe(20_000);
    expect(withExemption(assessed(20_000), undefined).amounts.total).toBe(20_000);
  });
});
