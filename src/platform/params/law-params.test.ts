import { describe, expect, it } from 'vitest';
import { Decimal } from '../../lib/decimal.js';
import { fiscalYearOf, LawParams, loadLawParams, parseParamFile, ParamError, SUPPORTED_FISCAL_YEARS } from './law-params.js';

const file = (body: string) => `title: テスト\nparameters:\n${body}`;
const one = (value: string, extra = '') => file(`  x:\n    label: テスト値\n    type: rate\n${extra}    values:\n      - { from: 2024-04-01, value: ${value}, law: テスト法 第1条, unverified: テスト }\n`);

describe('config/law (the real files)', () => {
  const params = loadLawParams();

  it('load and check', () => {
    expect(params.defs.size).toBeGreaterThan(20);
    expect(params.integer('eligibility.age_latter_elderly', '2026-11-30')).toBe(75);
    expect(params.integer('eligibility.notification_deadline_days', '2026-11-30')).toBe(14);
  });

  it(`every yearly parameter has an explicitly dated value for each supported year (FY${SUPPORTED_FISCAL_YEARS.from}–FY${SUPPORTED_FISCAL_YEARS.to})`, () => {
    expect(params.missingYears()).toEqual([]);
  });

  it('selects the value in force on the date (the FY2026 national limits and 軽減 coefficients change on 4月1日)', () => {
    expect(params.yen('tax.limit_medical', '2026-03-31')).toBe(660_000);
    expect(params.yen('tax.limit_medical', '2026-04-01')).toBe(670_000);
    expect(params.yen('tax.reduction_per_person_5', '2025-04-01')).toBe(305_000);
    expect(params.rate('city_tax.medical_income_rate', '2026-04-01').toString()).toBe('0.0745');
    expect(params.rate('city_tax.medical_income_rate', '2026-04-01')).toBeInstanceOf(Decimal);
  });

  it('FY2022–FY2023 national values (5割・2割 coefficients and the 支援分 limit change on 4月1日)', () => {
    expect(params.yen('tax.reduction_per_person_5', '2022-04-01')).toBe(285_000);
    expect(params.yen('tax.reduction_per_person_2', '2023-04-01')).toBe(535_000);
    expect(params.yen('tax.limit_support', '2023-03-31')).toBe(200_000);
    expect(params.yen('tax.limit_support', '2023-04-01')).toBe(220_000);
  });

  it('another city of config/law/cities/ is read under cities.<name>; its lastYear refuses a later year instead of carrying the last value over', () => {
    expect(params.rate('cities.uenohara.medical_asset_rate', '2022-04-01').toString()).toBe('0.15');
    expect(params.text('cities.uenohara.city_name', '2023-04-01')).toBe('上野原市');
    expect(() => params.rate('cities.uenohara.medical_income_rate', '2024-04-01')).toThrow(/2024年度以降の値は確認されていません.*lastYear: 2023/);
    expect(() => params.find('cities.uenohara.medical_income_rate', '2024-04-01')).toThrow(/確認されていません/);
  });

  it('川口市 rates start at FY2024 (earlier years were not found): FY2023 is an error, not a guess', () => {
    expect(() => params.rate('city_tax.medical_income_rate', '2023-04-01')).toThrow(/令和5年4月1日 に効力のある値がありません/);
  });

  it('refuses a date with no value in force, an unknown key and a wrong type, in Japanese', () => {
    expect(() => params.yen('tax.limit_child_support', '2025-04-01')).toThrow(/tax.limit_child_support.*令和7年4月1日 に効力のある値がありません.*令和8年4月1日/);
    expect(() => params.param('tax.no_such', '2026-04-01')).toThrow(/tax.no_such は定義されていません/);
    expect(() => params.rate('tax.limit_medical', '2026-04-01')).toThrow(/型は yen/);
  });

  it('every value carries a legal reference and exactly one marker', () => {
    for (const d of params.defs.values()) {
      for (const v of d.values) {
        expect(v.law.length).toBeGreaterThan(0);
        if ('verified' in v.check) expect(v.check.verified.source.length).toBeGreaterThan(0);
        else expect(v.check.unverified.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('missingYears: the test above fails when a supported year has no dated value', () => {
  const defs = (from: string[], extra = '') =>
    new LawParams(
      parseParamFile(
        'area.yaml',
        file(`  y:\n    label: 年度ごとの値\n    type: yen\n    yearly: fiscal\n${extra}    values:\n${from.map((f) => `      - { from: ${f}, value: 1, law: テスト法, unverified: テスト }\n`).join('')}`),
      ),
    );

  it('a year carried over without its own 4月1日 value is reported', () => {
    expect(defs(['2024-04-01', '2026-04-01']).missingYears({ from: 2024, to: 2026 })).toEqual([{ key: 'area.y', year: 2025, expected: '2025-04-01' }]);
    expect(defs(['2024-04-01', '2025-04-02', '2026-04-01']).missingYears({ from: 2024, to: 2026 })).toEqual([{ key: 'area.y', year: 2025, expected: '2025-04-01' }]);
    expect(defs(['2024-04-01', '2025-04-01', '2026-04-01']).missingYears({ from: 2024, to: 2026 })).toEqual([]);
  });

  it('yearly: calendar wants a value dated 1月1日 of each year (e.g. 延滞金 rates)', () => {
    const cal = new LawParams(
      parseParamFile('late.yaml', file('  r:\n    label: 暦年ごとの率\n    type: rate\n    yearly: calendar\n    values:\n      - { from: 2024-01-01, value: "0.024", law: テスト法, unverified: テスト }\n      - { from: 2025-04-01, value: "0.028", law: テスト法, unverified: テスト }\n')),
    );
    expect(cal.missingYears({ from: 2024, to: 2025 })).toEqual([{ key: 'late.r', year: 2025, expected: '2025-01-01' }]);
  });

  it('lastYear ends the check (a city whose figures were read for some years only)', () => {
    expect(defs(['2024-04-01'], '    lastYear: 2024\n').missingYears({ from: 2024, to: 2026 })).toEqual([]);
  });

  it('firstYear starts the check later (a part that exists from FY2026 only)', () => {
    expect(defs(['2026-04-01'], '    firstYear: 2026\n').missingYears({ from: 2024, to: 2026 })).toEqual([]);
    expect(defs(['2026-04-01']).missingYears({ from: 2024, to: 2026 }).map((m) => m.year)).toEqual([2024, 2025]);
  });
});

describe('file checks: Japanese messages naming the file, the key and the rule', () => {
  const error = (source: string) => {
    try {
      parseParamFile('config/law/test.yaml', source);
    } catch (e) {
      expect(e).toBeInstanceOf(ParamError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('a rate written as a float is refused (floats are never used for rates)', () => {
    expect(error(one('0.0745'))).toMatch(/config\/law\/test.yaml: parameters.x.values\[0\].value: 率は引用符で囲んだ小数で書いてください/);
    expect(parseParamFile('t.yaml', one('"0.0745"'))[0]!.values[0]!.value).toEqual(Decimal.parse('0.0745'));
  });

  it('money must be integer yen', () => {
    const src = file('  m:\n    label: 金額\n    type: yen\n    values:\n      - { from: 2024-04-01, value: 1000.5, law: テスト法, unverified: テスト }\n');
    expect(error(src)).toMatch(/parameters.m.values\[0\].value: 金額は0以上の整数\(円\)で書いてください/);
  });

  it('a value needs exactly one of verified / unverified, and a law', () => {
    const both = file('  m:\n    label: 金額\n    type: yen\n    values:\n      - { from: 2024-04-01, value: 1, law: テスト法, unverified: a, verified: { source: b, checkedOn: 2026-11-30 } }\n');
    expect(error(both)).toMatch(/parameters.m.values\[0\].verified: verified\(確認した資料と確認日\)か unverified\(未確認の理由\)のどちらか一方/);
    const neither = file('  m:\n    label: 金額\n    type: yen\n    values:\n      - { from: 2024-04-01, value: 1, law: テスト法 }\n');
    expect(error(neither)).toMatch(/どちらか一方/);
    const noLaw = file('  m:\n    label: 金額\n    type: yen\n    values:\n      - { from: 2024-04-01, value: 1, unverified: a }\n');
    expect(error(noLaw)).toMatch(/parameters.m.values\[0\].law: 法令名・条項\(law\)を文字列で書いてください/);
  });

  it('dates must be real and in order, without two values on one day', () => {
    expect(error(one('"1"').replace('2024-04-01', '2024-02-30'))).toMatch(/values\[0\].from: 存在しない日付です/);
    const twice = file('  m:\n    label: 金額\n    type: yen\n    values:\n      - { from: 2024-04-01, value: 1, law: a, unverified: b }\n      - { from: 2024-04-01, value: 2, law: a, unverified: b }\n');
    expect(error(twice)).toMatch(/values\[1\].from: 効力発生日は古い順に/);
  });

  it('unknown fields and bad YAML are named', () => {
    expect(error(one('"1"', '    rate: 3\n'))).toMatch(/parameters.x: 不明な項目です: rate/);
    expect(error('title: [')).toMatch(/config\/law\/test.yaml: YAML として読めません/);
  });

  it('the same key twice is refused', () => {
    const defs = parseParamFile('a.yaml', one('"1"'));
    expect(() => new LawParams([...defs, ...defs])).toThrow(/a.x が二か所で定義されています/);
  });
});

describe('fiscalYearOf', () => {
  it('April to March', () => {
    expect(fiscalYearOf('2026-03-31')).toBe(2025);
    expect(fiscalYearOf('2026-04-01')).toBe(2026);
  });
});

describe('params show', () => {
  it('lists every value in force with its law and marker, dates in 和暦', async () => {
    const { paramsShowText } = await import('./params-show.js');
    const text = paramsShowText(loadLawParams(), '2026-11-30');
    expect(text).toMatch(/^法令パラメータ 令和8年11月30日 現在/);
    expect(text).toMatch(/eligibility.age_latter_elderly .*\n {2}値: 75歳 {2}\(平成20年4月1日 から\)\n {2}根拠: 高齢者の医療の確保に関する法律 第50条第1号/);
    expect(text).toMatch(/tax.limit_medical .*\n {2}値: 670,000円 {2}\(令和8年4月1日 から\)\n.*\n {2}未確認: /);
    expect(text).toMatch(/city_tax.medical_income_rate .*\n {2}値: 7.45%/);
    expect(text).toMatch(/calendar.year_end_closure_first .*\n {2}値: 12月29日/);
    expect(text).toMatch(/確認済: 令和8年11月30日 /);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/); // no 西暦 ISO dates for people
  });

  it('names a parameter without a value on that date', async () => {
    const { paramsShowText } = await import('./params-show.js');
    expect(paramsShowText(loadLawParams(), '2025-04-01')).toMatch(/tax.limit_child_support .*\n {2}この日に効力のある値はありません\(最初の値は 令和8年4月1日 から\)/);
  });
});

describe('CLI params show', () => {
  it('prints the values in force on --date without opening the database; a bad date exits 2 with a Japanese message', async () => {
    const { runCli } = await import('../../cli/main.js');
    const out: string[] = [];
    const err: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (s: unknown) => void out.push(String(s));
    console.error = (s: unknown) => void err.push(String(s));
    try {
      expect(await runCli(['params', 'show', '--date', '2024-04-01'])).toBe(0);
      expect(await runCli(['params', 'show', '--date', '2024-02-30'])).toBe(2);
      expect(await runCli(['params', 'show', '--day', '2024-04-01'])).toBe(2);
    } finally {
      console.log = log;
      console.error = error;
    }
    expect(out.join('\n')).toMatch(/^法令パラメータ 令和6年4月1日 現在[\s\S]*tax.limit_support .*\n {2}値: 240,000円/);
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^エラー: --date: YYYY-MM-DD 形式の実在する日付で指定してください/);
    expect(err[1]).toMatch(/^エラー: 不明なオプションです: --day\n例: npm run cli -- params show/);
  });
});
