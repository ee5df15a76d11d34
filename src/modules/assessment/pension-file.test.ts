import { describe, expect, it } from 'vitest';
import { PENSION_COLUMNS, readPensionFile } from './pension-file.js';

/** The 年金保険者's 特別徴収対象者 file: whole-file validation with line-numbered Japanese errors naming the column. */
const OPTS = { today: '2026-11-30' };
const HEADER = PENSION_COLUMNS.join(',');
const enc = (s: string) => new TextEncoder().encode(s);
const file = (...lines: string[]) => enc([HEADER, ...lines].join('\r\n'));
const errorsOf = (...lines: string[]) => readPensionFile(file(...lines), OPTS).errors.map((e) => `${e.line} ${e.message}`);
const GOOD = '1001,2026,001,1130,2400000,1,80000,2026-05-31';

describe('the 特別徴収対象者 file', () => {
  it('reads a good file: an unknown 介護保険料 left empty', () => {
    const r = readPensionFile(file(GOOD, '1002,2026,002,0110,1500000,0,,2026-05-31'), OPTS);
    expect(r.errors).toEqual([]);
    expect(r.lines).toEqual([
      { line: 2, atenaNo: 1001, fiscalYear: 2026, insurerCode: '001', pensionKind: '1130', annualAmount: 2_400_000, careWithheld: true, carePremium: 80_000, notifiedOn: '2026-05-31' },
      { line: 3, atenaNo: 1002, fiscalYear: 2026, insurerCode: '002', pensionKind: '0110', annualAmount: 1_500_000, careWithheld: false, carePremium: null, notifiedOn: '2026-05-31' },
    ]);
  });

  it('names each wrong column and its rule, per line; any error rejects the whole file', () => {
    expect(errorsOf(GOOD, '0,26,01,11-3,1,500,000,x,-1,2026-02-30', '1001,2026,001,1130,2400000,1,80000,2026-05-31', '1003,2026,001,1130,2400000,1,80000,2027-01-01')).toEqual([
      '3 項目数が10です(8項目必要です)',
      '4 宛名番号: 宛名番号 1001 の2026年度が2行目と重複しています(1人1年度につき1行、特別徴収の対象となる年金のみ)',
      '5 通知日: 今日(2026-11-30)より後の日付は記載できません',
    ]);
    expect(errorsOf('0,26,01,11-3,1500000円,x,-1,2026-02-30')).toEqual([
      '2 宛名番号: 1〜10桁の数字で記載してください',
      '2 年度: 2008〜2027の西暦4桁で記載してください',
      '2 年金保険者コード: 3桁の数字で記載してください(例: 001)',
      '2 年金の種類: 1〜4桁の半角英大文字・数字のコードで記載してください',
      '2 年金の年額: 0以上の円単位の整数(半角数字、カンマなし)で記載してください',
      '2 介護保険料の特別徴収: 「x」は定義されていないコードです(1: 特別徴収している、0: していない)',
      '2 介護保険料の年額: 0以上の円単位の整数(半角数字、カンマなし)で記載してください',
      '2 通知日: YYYY-MM-DD 形式の実在する日付で記載してください',
    ]);
    expect(readPensionFile(file(GOOD, '1002,2026,1,1130,2400000,1,0,2026-05-31'), OPTS).lines).toEqual([]);
    expect(errorsOf()).toEqual(['0 特別徴収対象者のデータが1件もありません']);
  });

  it('reads Shift_JIS with the Japanese header', () => {
    const sjisHeader = '88b696bc94d48d862c944e93782c944e8be095db8caf8ed28352815b83682c944e8be082cc8eed97de2c944e8be082cc944e8a7a2c89ee8cec95db8caf97bf82cc93c195ca92a58efb2c89ee8cec95db8caf97bf82cc944e8a7a2c92ca926d93fa';
    const bytes = new Uint8Array([...(sjisHeader.match(/../g) ?? []).map((h) => parseInt(h, 16)), ...enc(`\r\n${GOOD}`)]);
    const r = readPensionFile(bytes, OPTS);
    expect(r.encoding).toBe('shift_jis');
    expect(r.errors).toEqual([]);
    expect(r.lines).toHaveLength(1);
  });
});
