import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeIntakeFile, readCsv, readIntakeFile, validateEventRecord } from './intake-file.js';
import { INTAKE_COLUMNS, type IntakeColumn } from './registry-events.js';

const OPTS = { today: '2026-11-30', prefectureCode: '11' };
const HEADER = INTAKE_COLUMNS.join(',');

function line(v: Partial<Record<IntakeColumn, string>>): string {
  return INTAKE_COLUMNS.map((c) => {
    const x = v[c] ?? '';
    return /[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
  }).join(',');
}
const birth = (id: string, atenaNo = '1001'): Partial<Record<IntakeColumn, string>> => ({
  event_id: id,
  event_code: '14',
  occurred_on: '2026-11-20',
  reported_on: '2026-11-25',
  atena_no: atenaNo,
  household_no: '501',
  relationship: '子',
  name_kanji: '川口　花子',
  name_kana: 'カワグチ　ハナコ',
  birth_date: '2026-11-20',
  sex: '2',
  resident_kind: '1',
  area_code: '1010',
  banchi: '1-2-3',
});
const enc = (s: string) => new TextEncoder().encode(s);

describe('decoding', () => {
  it('reads UTF-8 with and without BOM, and Shift_JIS (CP932) bytes', () => {
    expect(decodeIntakeFile(enc('氏名'))).toEqual({ text: '氏名', encoding: 'utf-8' });
    expect(decodeIntakeFile(new Uint8Array([0xef, 0xbb, 0xbf, ...enc('氏名')]))).toEqual({ text: '氏名', encoding: 'utf-8' });
    // 「氏名」 and 「髙」(CP932 extension, IBM 拡張 FB FC) in Shift_JIS
    expect(decodeIntakeFile(new Uint8Array([0x8e, 0x81, 0x96, 0xbc, 0xfb, 0xfc]))).toEqual({ text: '氏名髙', encoding: 'shift_jis' });
  });
  it('refuses bytes that are neither', () => {
    const r = decodeIntakeFile(new Uint8Array([0x82, 0xff, 0x00, 0xa0, 0xa0]));
    expect(r).toEqual({ error: { line: 0, message: expect.stringContaining('UTF-8でもShift_JIS') } });
  });
});

describe('CSV', () => {
  it('reads quoted fields with commas, quotes and line breaks, and numbers lines as a text editor does', () => {
    const r = readCsv('a,b\r\n"x,1","say ""hi"""\n"multi\nline",z\n\nlast,1');
    expect(r.error).toBeUndefined();
    expect(r.rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x,1', 'say "hi"'] },
      { line: 3, fields: ['multi\nline', 'z'] },
      { line: 6, fields: ['last', '1'] },
    ]);
  });
  it('names the line of a stray or unclosed quote', () => {
    expect(readCsv('a,b\nx"y,1').error).toEqual({ line: 2, message: expect.stringContaining('引用符') });
    expect(readCsv('a,b\n"open,1\n2').error).toEqual({ line: 2, message: expect.stringContaining('閉じられていません') });
  });
  it('round-trips any table of fields (property)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'あ', ',', '"', '\n', ' ', '1') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (table) => {
        const text = table.map((r) => r.map((x) => `"${x.replace(/"/g, '""')}"`).join(',')).join('\r\n');
        expect(readCsv(text).rows.map((r) => r.fields)).toEqual(table);
      }),
    );
  });
});

describe('the intake file', () => {
  it('reads a valid file into events (dates in either form, kana folded to full-width)', () => {
    const r = readIntakeFile(enc([HEADER, line(birth('E1')), line({ ...birth('E2', '1002'), occurred_on: '20261120', birth_date: '20261120', name_kana: 'ｶﾜｸﾞﾁ ﾀﾛｳ', sex: '1' })].join('\n')), OPTS);
    expect(r.errors).toEqual([]);
    expect(r.events.map((e) => [e.eventId, e.eventCode, e.occurredOn, e.birthDate, e.sex, e.nameKana])).toEqual([
      ['E1', '14', '2026-11-20', '2026-11-20', 'female', 'カワグチ　ハナコ'],
      ['E2', '14', '2026-11-20', '2026-11-20', 'male', 'カワグチ　タロウ'],
    ]);
  });

  it('reads the same file in Shift_JIS', () => {
    const text = [HEADER, line(birth('E1'))].join('\r\n');
    // encode through a Shift_JIS table built from the decoder (no encoder in the platform)
    const sjis = encodeShiftJis(text);
    const r = readIntakeFile(sjis, OPTS);
    expect(r.encoding).toBe('shift_jis');
    expect(r.errors).toEqual([]);
    expect(r.events[0]!.nameKanji).toBe('川口　花子');
  });

  it('rejects the whole file with every wrong line and column named, in Japanese', () => {
    const text = [
      HEADER,
      line(birth('E1')),
      line({ ...birth('E2'), event_code: '99' }),
      line({ ...birth('E3'), occurred_on: '2026-02-30', birth_date: '2026-02-30' }),
      line({ ...birth('E4'), atena_no: '12345678901234567890123' }),
      line({ ...birth('E5'), sex: 'M', name_kana: 'kawaguchi' }),
      line({ ...birth('E1') }),
      'E7,14',
      line({ event_id: 'E8', event_code: '25', occurred_on: '2048-01-01', atena_no: '7' }),
      line({ event_id: 'E9', event_code: '11', occurred_on: '2026-11-01', atena_no: '9', ...pick(birth('x')), other_address: '東京都', other_prefecture_code: '11' }),
    ].join('\n');
    const r = readIntakeFile(enc(text), OPTS);
    expect(r.events).toEqual([]);
    const got = r.errors.map((e) => `${e.line}:${e.column ?? '-'}:${e.message}`);
    expect(got).toEqual([
      expect.stringMatching(/^3:異動事由コード:異動事由コード: 「99」は定義されていない/),
      expect.stringMatching(/^4:異動日:異動日: 「2026-02-30」は日付ではありません/),
      expect.stringMatching(/^4:生年月日:/),
      expect.stringMatching(/^5:宛名番号:宛名番号: 1〜10桁の数字/),
      expect.stringMatching(/^6:氏名フリガナ:氏名フリガナ: カタカナで/),
      expect.stringMatching(/^6:性別:性別: 1\(男\)または2\(女\)/),
      expect.stringMatching(/^7:異動連番:異動連番「E1」が2行目と重複/),
      expect.stringMatching(/^8:-:項目数が2です/),
      expect.stringMatching(/^9:異動日:異動日: 令和30年1月1日.*処理日/),
      expect.stringMatching(/^10:転入前・転出先の都道府県コード:.*県外の異動/),
    ]);
    expect(r.errorCount).toBe(10);
  });

  it('requires the columns each kind of event needs', () => {
    const r = validateEventRecord({ event_id: 'X', event_code: '11', occurred_on: '2026-11-01', atena_no: '5' }, OPTS);
    expect('errors' in r && r.errors.map((e) => e.column)).toEqual(['世帯番号', '続柄', '氏名', '氏名フリガナ', '生年月日', '性別', '住民種別', '町丁目コード', '番地', '転入前・転出先住所', '転入前・転出先の都道府県コード']);
    expect('errors' in r && r.errors[0]!.message).toBe('世帯番号: 異動事由「転入(県外から)」では必須です');
  });

  it('allows a 転出 date ahead (planned) but not another event in the future, and a birth only on the birth date', () => {
    expect('event' in validateEventRecord({ event_id: 'X', event_code: '23', occurred_on: '2026-12-15', atena_no: '5', other_address: '東京都千代田区' }, OPTS)).toBe(true);
    expect(validateEventRecord({ event_id: 'X', event_code: '25', occurred_on: '2026-12-15', atena_no: '5' }, OPTS)).toEqual({ errors: [expect.objectContaining({ column: '異動日' })] });
    expect(validateEventRecord({ ...birth('X'), occurred_on: '2026-11-21' }, OPTS)).toEqual({ errors: [expect.objectContaining({ message: expect.stringContaining('出生の異動日は生年月日') })] });
  });

  it('refuses a header that is not the documented one, and an empty file', () => {
    expect(readIntakeFile(enc('event_id,code\n1,2'), OPTS).errors[0]!.message).toContain('見出し行が定義と一致しません');
    expect(readIntakeFile(enc(''), OPTS).errors[0]!.message).toContain('ファイルが空です');
    expect(readIntakeFile(enc(HEADER + '\n'), OPTS).errors[0]!.message).toContain('1件もありません');
  });

  it('never accepts a file with an error, whatever the mix of good and bad lines (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), (goods) => {
        const lines = goods.map((good, i) => line(good ? birth(`E${i}`, String(1000 + i)) : { ...birth(`E${i}`, String(1000 + i)), sex: '3' }));
        const r = readIntakeFile(enc([HEADER, ...lines].join('\n')), OPTS);
        const bad = goods.filter((g) => !g).length;
        expect(r.errorCount).toBe(bad);
        expect(r.events.length).toBe(bad ? 0 : goods.length);
        expect(r.errors.map((e) => e.line)).toEqual(goods.flatMap((g, i) => (g ? [] : [i + 2])));
      }),
    );
  });
});

function pick(v: Partial<Record<IntakeColumn, string>>): Partial<Record<IntakeColumn, string>> {
  const { household_no, relationship, name_kanji, name_kana, sex, resident_kind, area_code, banchi } = v;
  return { household_no, relationship, name_kanji, name_kana, birth_date: '1980-01-01', sex, resident_kind, area_code, banchi } as Partial<Record<IntakeColumn, string>>;
}

/** Shift_JIS bytes of a text, by searching the decoder's table (tests only; the platform has no encoder). */
function encodeShiftJis(text: string): Uint8Array {
  const dec = new TextDecoder('shift_jis');
  const table = new Map<string, number[]>();
  for (let b = 0; b < 0x80; b++) table.set(String.fromCharCode(b), [b]);
  for (let hi = 0x81; hi <= 0xfc; hi++) {
    if (hi >= 0xa0 && hi <= 0xdf) continue;
    for (let lo = 0x40; lo <= 0xfc; lo++) {
      if (lo === 0x7f) continue;
      const ch = dec.decode(new Uint8Array([hi, lo]));
      if (ch.length === 1 && ch !== '\uFFFD' && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const bytes = table.get(ch);
    if (!bytes) throw new Error(`no Shift_JIS for ${ch}`);
    out.push(...bytes);
  }
  return new Uint8Array(out);
}
