import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hiraganaToKatakana, isKanaText, kanaSearchKey, kanjiSearchKey, toFullWidthKatakana, toHalfWidthKatakana } from './kana.js';

describe('kana search key', () => {
  it('full-width katakana, half-width katakana and hiragana give the same key', () => {
    expect(kanaSearchKey('ヤマダ　タロウ')).toBe('ヤマダタロウ');
    expect(kanaSearchKey('ﾔﾏﾀﾞ ﾀﾛｳ')).toBe('ヤマダタロウ');
    expect(kanaSearchKey('やまだ たろう')).toBe('ヤマダタロウ');
  });

  it('folds small kana and drops long-vowel marks, keeps voiced marks', () => {
    expect(kanaSearchKey('キョウコ')).toBe(kanaSearchKey('キヨウコ'));
    expect(kanaSearchKey('ハットリ')).toBe('ハツトリ');
    expect(kanaSearchKey('ユーコ')).toBe('ユコ');
    expect(kanaSearchKey('ガ')).not.toBe(kanaSearchKey('カ'));
    expect(kanaSearchKey('ﾊﾟ')).toBe('パ');
  });

  it('is idempotent and agrees across the three input forms (property)', () => {
    const kata = fc.constantFrom(...'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポァィゥェォッャュョー'.split(''));
    fc.assert(
      fc.property(fc.array(kata, { minLength: 1, maxLength: 12 }), (chars) => {
        const s = chars.join('');
        const k = kanaSearchKey(s);
        const hira = s.replace(/[\u30A1-\u30F6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
        return kanaSearchKey(k) === k && kanaSearchKey(toHalfWidthKatakana(s)) === k && kanaSearchKey(hira) === k;
      }),
    );
  });

  it('recognises kana-only input', () => {
    expect(isKanaText('やまだ')).toBe(true);
    expect(isKanaText('ﾔﾏﾀﾞ')).toBe(true);
    expect(isKanaText('ヤマダ タロウ')).toBe(true);
    expect(isKanaText('山田')).toBe(false);
    expect(isKanaText("ヤマダ' OR 1=1")).toBe(false);
  });

  it('converts between kana forms', () => {
    expect(hiraganaToKatakana('さとう')).toBe('サトウ');
    expect(toFullWidthKatakana('ｻﾄｳ')).toBe('サトウ');
    expect(toHalfWidthKatakana('サトウ　ガク')).toBe('ｻﾄｳ ｶﾞｸ');
  });
});

describe('kanji search key', () => {
  it('ignores variation selectors and spaces but the stored name keeps them', () => {
    const withIvs = '葛\u{E0100}西　太郎';
    expect(withIvs.length).toBeGreaterThan('葛西　太郎'.length);
    expect(kanjiSearchKey(withIvs)).toBe('葛西太郎');
    expect(kanjiSearchKey('髙橋\uFE00 一')).toBe('髙橋一');
  });
});
