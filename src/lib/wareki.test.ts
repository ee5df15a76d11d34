import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatSeireki, formatWareki, parseDateInput } from './wareki.js';

describe('和暦', () => {
  it('formats era boundaries (元号法; 平成 from 1989-01-08, 令和 from 2019-05-01)', () => {
    expect(formatWareki('2025-04-01')).toBe('令和7年4月1日');
    expect(formatWareki('2019-05-01')).toBe('令和元年5月1日');
    expect(formatWareki('2019-04-30')).toBe('平成31年4月30日');
    expect(formatWareki('1989-01-08')).toBe('平成元年1月8日');
    expect(formatWareki('1989-01-07')).toBe('昭和64年1月7日');
    expect(formatWareki('1926-12-25')).toBe('昭和元年12月25日');
    expect(formatSeireki('2025-04-01')).toBe('2025年4月1日');
  });

  it('parses what staff type, in 和暦 or 西暦', () => {
    const cases: [string, string][] = [
      ['令和7年4月1日', '2025-04-01'], ['R7.4.1', '2025-04-01'], ['r7/4/1', '2025-04-01'], ['令和元年5月1日', '2019-05-01'],
      ['H1.1.8', '1989-01-08'], ['S50-1-1', '1975-01-01'], ['昭和50年1月1日', '1975-01-01'], ['2025-04-01', '2025-04-01'],
      ['2025/4/1', '2025-04-01'], ['20250401', '2025-04-01'], ['２０２５年４月１日', '2025-04-01'], ['Ｒ７．４．１', '2025-04-01'],
    ];
    for (const [input, iso] of cases) expect(parseDateInput(input), input).toBe(iso);
  });

  it('refuses dates that do not exist or lie outside their era', () => {
    for (const bad of ['平成31年5月1日', '令和1年4月30日', 'H1.1.7', '2025-02-30', '2025-13-01', 'abc', '', 'R0.1.1', '昭和65年1月1日']) {
      expect(parseDateInput(bad), bad).toBeNull();
    }
  });

  it('round-trips: formatting any date in 和暦 and parsing it gives the same date (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString().slice(0, 10);
        return parseDateInput(formatWareki(iso)) === iso && parseDateInput(formatSeireki(iso)) === iso;
      }),
    );
  });
});
