/**
 * Kana and name normalisation for search (氏名検索).
 *
 * Staff type a kana prefix in full-width katakana, half-width katakana (ｶﾅ) or hiragana; all three must
 * find the same person. The stored search key is: NFKC (half-width → full-width, composes ｶﾞ → ガ),
 * hiragana → katakana, small kana → large (ァ→ア, ッ→ツ, ャ→ヤ …), long-vowel and middle-dot and
 * spaces removed. Voiced marks are kept: ガ and カ are different prefixes, as staff expect.
 */

const SMALL_TO_LARGE: Record<string, string> = {
  ァ: 'ア', ィ: 'イ', ゥ: 'ウ', ェ: 'エ', ォ: 'オ', ッ: 'ツ', ャ: 'ヤ', ュ: 'ユ', ョ: 'ヨ', ヮ: 'ワ', ヵ: 'カ', ヶ: 'ケ',
};

/** Hiragana (U+3041–U+3096) to katakana (+0x60). */
export function hiraganaToKatakana(s: string): string {
  return s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
}

/** The folded key used to match kana names by prefix. */
export function kanaSearchKey(input: string): string {
  const k = hiraganaToKatakana(input.normalize('NFKC'));
  return k
    .replace(/[ァィゥェォッャュョヮヵヶ]/g, (c) => SMALL_TO_LARGE[c] ?? c)
    .replace(/[\sー・･\-‐－]/g, '');
}

/** True when the text is kana only (katakana, hiragana, half-width kana, long vowel, spaces). */
export function isKanaText(input: string): boolean {
  return /^[\u3041-\u3096\u30A1-\u30FA\u30FC\uFF66-\uFF9F\s・ー]+$/.test(input.normalize('NFC'));
}

/** Full-width katakana for display and storage, from any of the three kana forms. */
export function toFullWidthKatakana(input: string): string {
  return hiraganaToKatakana(input.normalize('NFKC'));
}

/** Variation selectors (IVS U+E0100–E01EF, SVS U+FE00–FE0F): kept in stored names, ignored in search. */
const VARIATION_SELECTORS = /[\uFE00-\uFE0F]|\uDB40[\uDD00-\uDDEF]/g;

/** The key used to match kanji names: NFKC, no variation selectors, no spaces. */
export function kanjiSearchKey(input: string): string {
  return input.replace(VARIATION_SELECTORS, '').normalize('NFKC').replace(/\s/g, '');
}

/** Half-width katakana (JIS X 0201) of a full-width katakana string, for 全銀 and fixed-width files. */
export function toHalfWidthKatakana(input: string): string {
  const map: Record<string, string> = {
    ア: 'ｱ', イ: 'ｲ', ウ: 'ｳ', エ: 'ｴ', オ: 'ｵ', カ: 'ｶ', キ: 'ｷ', ク: 'ｸ', ケ: 'ｹ', コ: 'ｺ', サ: 'ｻ', シ: 'ｼ', ス: 'ｽ', セ: 'ｾ', ソ: 'ｿ',
    タ: 'ﾀ', チ: 'ﾁ', ツ: 'ﾂ', テ: 'ﾃ', ト: 'ﾄ', ナ: 'ﾅ', ニ: 'ﾆ', ヌ: 'ﾇ', ネ: 'ﾈ', ノ: 'ﾉ', ハ: 'ﾊ', ヒ: 'ﾋ', フ: 'ﾌ', ヘ: 'ﾍ', ホ: 'ﾎ',
    マ: 'ﾏ', ミ: 'ﾐ', ム: 'ﾑ', メ: 'ﾒ', モ: 'ﾓ', ヤ: 'ﾔ', ユ: 'ﾕ', ヨ: 'ﾖ', ラ: 'ﾗ', リ: 'ﾘ', ル: 'ﾙ', レ: 'ﾚ', ロ: 'ﾛ', ワ: 'ﾜ', ヲ: 'ｦ', ン: 'ﾝ',
    ァ: 'ｧ', ィ: 'ｨ', ゥ: 'ｩ', ェ: 'ｪ', ォ: 'ｫ', ッ: 'ｯ', ャ: 'ｬ', ュ: 'ｭ', ョ: 'ｮ', ー: 'ｰ', '・': '･', '　': ' ', ' ': ' ',
  };
  let out = '';
  for (const ch of input.normalize('NFD')) {
    if (ch === '\u3099') out += 'ﾞ';
    else if (ch === '\u309A') out += 'ﾟ';
    else out += map[ch] ?? ch;
  }
  return out;
}
