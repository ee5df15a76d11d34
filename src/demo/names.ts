import { kanaSearchKey, kanjiSearchKey } from '../lib/kana.js';

/**
 * Name lists of the demo city: common Japanese surnames and given names (kanji with the katakana
 * reading), plus foreign names by nationality. A few surnames carry an ideographic variation selector
 * (葛󠄀, 辻󠄁) or a non-BMP 異体字 (𠮷): they are kept as is in name_kanji and dropped from the search key.
 */

export interface NamePart {
  kanji: string;
  kana: string;
  /** kanjiSearchKey / kanaSearchKey of this part, precomputed (keys of a full name are the concatenation). */
  kanjiKey: string;
  kanaKey: string;
}

function part(kanji: string, kana: string): NamePart {
  return { kanji, kana, kanjiKey: kanjiSearchKey(kanji), kanaKey: kanaSearchKey(kana) };
}

function parse(list: string): NamePart[] {
  return list
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const [kanji, kana] = pair.split(':');
      if (!kanji || !kana) throw new Error(`bad name entry: ${pair}`);
      return part(kanji, kana);
    });
}

/** Roughly in order of frequency; drawn with Zipf-like weights. */
export const SURNAMES: readonly NamePart[] = parse(`
佐藤:サトウ 鈴木:スズキ 高橋:タカハシ 田中:タナカ 伊藤:イトウ 渡辺:ワタナベ 山本:ヤマモト 中村:ナカムラ 小林:コバヤシ 加藤:カトウ
吉田:ヨシダ 山田:ヤマダ 佐々木:ササキ 山口:ヤマグチ 松本:マツモト 井上:イノウエ 木村:キムラ 林:ハヤシ 斎藤:サイトウ 清水:シミズ
山崎:ヤマザキ 森:モリ 池田:イケダ 橋本:ハシモト 阿部:アベ 石川:イシカワ 山下:ヤマシタ 中島:ナカジマ 石井:イシイ 小川:オガワ
前田:マエダ 岡田:オカダ 長谷川:ハセガワ 藤田:フジタ 後藤:ゴトウ 近藤:コンドウ 村上:ムラカミ 遠藤:エンドウ 青木:アオキ 坂本:サカモト
斉藤:サイトウ 福田:フクダ 太田:オオタ 西村:ニシムラ 藤井:フジイ 金子:カネコ 岡本:オカモト 藤原:フジワラ 中野:ナカノ 三浦:ミウラ
原田:ハラダ 中川:ナカガワ 松田:マツダ 竹内:タケウチ 小野:オノ 田村:タムラ 中山:ナカヤマ 和田:ワダ 石田:イシダ 森田:モリタ
上田:ウエダ 原:ハラ 内田:ウチダ 柴田:シバタ 酒井:サカイ 宮崎:ミヤザキ 横山:ヨコヤマ 高木:タカギ 安藤:アンドウ 宮本:ミヤモト
大野:オオノ 小島:コジマ 谷口:タニグチ 今井:イマイ 工藤:クドウ 高田:タカダ 増田:マスダ 丸山:マルヤマ 杉山:スギヤマ 村田:ムラタ
大塚:オオツカ 小山:コヤマ 藤本:フジモト 平野:ヒラノ 新井:アライ 河野:コウノ 上野:ウエノ 野口:ノグチ 武田:タケダ 松井:マツイ
千葉:チバ 岩崎:イワサキ 菅原:スガワラ 木下:キノシタ 久保:クボ 佐野:サノ 野村:ノムラ 松尾:マツオ 市川:イチカワ 菊地:キクチ
杉本:スギモト 古川:フルカワ 大西:オオニシ 島田:シマダ 水野:ミズノ 桜井:サクライ 高野:タカノ 渡部:ワタナベ 吉川:ヨシカワ 山内:ヤマウチ
西田:ニシダ 飯田:イイダ 菊池:キクチ 西川:ニシカワ 小松:コマツ 北村:キタムラ 安田:ヤスダ 五十嵐:イガラシ 川口:カワグチ 平田:ヒラタ
関:セキ 中田:ナカタ 久保田:クボタ 服部:ハットリ 東:ヒガシ 岩田:イワタ 土屋:ツチヤ 川崎:カワサキ 福島:フクシマ 本田:ホンダ
辻:ツジ 樋口:ヒグチ 秋山:アキヤマ 田口:タグチ 永井:ナガイ 山中:ヤマナカ 中西:ナカニシ 吉村:ヨシムラ 川上:カワカミ 石原:イシハラ
大橋:オオハシ 松岡:マツオカ 馬場:ババ 浅野:アサノ 荒木:アラキ 大久保:オオクボ 野田:ノダ 小池:コイケ 松下:マツシタ 熊谷:クマガイ
菅野:カンノ 田代:タシロ 川村:カワムラ 南:ミナミ 大谷:オオタニ 星野:ホシノ 黒田:クロダ 堀:ホリ 尾崎:オザキ 望月:モチヅキ
永田:ナガタ 内藤:ナイトウ 松村:マツムラ 西山:ニシヤマ 平井:ヒライ 大島:オオシマ 岩本:イワモト 片山:カタヤマ 本間:ホンマ 早川:ハヤカワ
横田:ヨコタ 岡崎:オカザキ 荒井:アライ 大石:オオイシ 鎌田:カマタ 成田:ナリタ 宮田:ミヤタ 小田:オダ 石橋:イシバシ 篠原:シノハラ
須藤:スドウ 河合:カワイ 大川:オオカワ 高山:タカヤマ 萩原:ハギワラ 岡:オカ 奥村:オクムラ 中尾:ナカオ 飯塚:イイヅカ 関口:セキグチ
吉岡:ヨシオカ 小沢:オザワ 宮下:ミヤシタ 葛西:カサイ 髙橋:タカハシ 齋藤:サイトウ 濱田:ハマダ 渡邉:ワタナベ 渡邊:ワタナベ 𠮷田:ヨシダ
`).concat([part('葛\u{E0100}西', 'カサイ'), part('辻\u{E0101}', 'ツジ'), part('葛\u{E0100}城', 'カツラギ')]);

/** Given names by sex and generation (birth year < 1965, 1965–1994, ≥ 1995). */
export const GIVEN_NAMES = {
  male: [
    parse(`清:キヨシ 茂:シゲル 勇:イサム 進:ススム 博:ヒロシ 隆:タカシ 実:ミノル 稔:ミノル 修:オサム 正:タダシ
      弘:ヒロシ 明:アキラ 勝:マサル 豊:ユタカ 昭:アキラ 武:タケシ 和夫:カズオ 正男:マサオ 秀雄:ヒデオ 幸雄:ユキオ
      義雄:ヨシオ 一郎:イチロウ 健一:ケンイチ 三郎:サブロウ 次郎:ジロウ 勝利:カツトシ 浩:ヒロシ 誠:マコト 健二:ケンジ 俊夫:トシオ
      忠:タダシ 光男:ミツオ 信夫:ノブオ 孝:タカシ 哲也:テツヤ 秀樹:ヒデキ 聡:サトシ 洋一:ヨウイチ 功:イサオ 正一:ショウイチ`),
    parse(`大輔:ダイスケ 拓也:タクヤ 直樹:ナオキ 健太:ケンタ 翔太:ショウタ 達也:タツヤ 和也:カズヤ 剛:ツヨシ 亮:リョウ 学:マナブ
      智也:トモヤ 雄介:ユウスケ 健太郎:ケンタロウ 慎也:シンヤ 隆之:タカユキ 裕介:ユウスケ 太郎:タロウ 大樹:ダイキ 翔:ショウ 拓海:タクミ
      浩二:コウジ 真一:シンイチ 淳:ジュン 努:ツトム 洋平:ヨウヘイ 康弘:ヤスヒロ 雅人:マサト 将太:ショウタ 悟:サトル 純一:ジュンイチ`),
    parse(`蓮:レン 陽翔:ハルト 湊:ミナト 悠真:ユウマ 大翔:ヒロト 樹:イツキ 颯太:ソウタ 陽太:ヒナタ 悠人:ユウト 朝陽:アサヒ
      奏太:カナタ 蒼:アオイ 律:リツ 海斗:カイト 結翔:ユイト 碧:アオ 新:アラタ 健:ケン 優斗:ユウト 陸:リク
      蒼空:ソラ 湊斗:ミナト 陽向:ヒナタ 隼:ハヤト 瑛太:エイタ 悠斗:ユウト 颯:ハヤテ 晴:ハル 旭:アサヒ 暖:ダン`),
  ],
  female: [
    parse(`和子:カズコ 幸子:サチコ 節子:セツコ 洋子:ヨウコ 恵子:ケイコ 京子:キョウコ 美代子:ミヨコ 久子:ヒサコ 文子:フミコ 信子:ノブコ
      弘子:ヒロコ 悦子:エツコ 典子:ノリコ 順子:ジュンコ 和代:カズヨ 千代子:チヨコ 静子:シズコ 光子:ミツコ 澄子:スミコ 貞子:サダコ
      美智子:ミチコ 由美子:ユミコ 裕子:ユウコ 明美:アケミ 直美:ナオミ 真由美:マユミ 久美子:クミコ 智子:トモコ 陽子:ヨウコ 昌子:マサコ
      敏子:トシコ 良子:ヨシコ 春子:ハルコ 清子:キヨコ 照子:テルコ 花子:ハナコ ハル:ハル キヨ:キヨ 富子:トミコ 八重子:ヤエコ`),
    parse(`恵美:エミ 由美:ユミ 愛:アイ 麻衣:マイ 彩:アヤ 舞:マイ 沙織:サオリ 香織:カオリ 優子:ユウコ 美穂:ミホ
      瞳:ヒトミ 綾香:アヤカ 千尋:チヒロ 真美:マミ 亜希子:アキコ 奈々:ナナ 麻美:アサミ 理恵:リエ 友美:トモミ 純子:ジュンコ
      美咲:ミサキ 望:ノゾミ 知美:トモミ 由香:ユカ 恵:メグミ 明日香:アスカ 里美:サトミ 絵美:エミ 真由:マユ 陽子:ヨウコ`),
    parse(`陽葵:ヒマリ 凛:リン 結菜:ユイナ 芽依:メイ さくら:サクラ 紬:ツムギ 葵:アオイ 結愛:ユア 莉子:リコ 美桜:ミオ
      澪:ミオ 咲良:サクラ 杏:アン 心春:コハル 花:ハナ 琴音:コトネ 七海:ナナミ 彩花:アヤカ 優奈:ユナ 楓:カエデ
      結衣:ユイ 陽菜:ヒナ 芽生:メイ 詩:ウタ 莉央:リオ 心結:ミユ 杏奈:アンナ 日向:ヒナタ 美月:ミヅキ 紗希:サキ`),
  ],
} as const;

export type GenerationIndex = 0 | 1 | 2;

export function generationOf(birthYear: number): GenerationIndex {
  return birthYear < 1965 ? 0 : birthYear < 1995 ? 1 : 2;
}

export interface ForeignNamePart {
  /** Alphabet (本名 as in the passport / 在留カード). */
  latin: string;
  /** Katakana reading; several words are separated by a full-width space. */
  kana: string;
  /** Kanji form for Chinese and Korean names (漢字氏名), else null. */
  kanji: string | null;
  sex?: 'male' | 'female';
}

export interface Nationality {
  code: string; // ISO 3166-1 alpha-2
  weight: number;
  /** Where someone who came straight from abroad lived before (転入前住所). */
  country: string;
  families: readonly ForeignNamePart[];
  given: readonly ForeignNamePart[];
}

const f = (latin: string, kana: string, kanji: string | null = null, sex?: 'male' | 'female'): ForeignNamePart =>
  sex ? { latin, kana, kanji, sex } : { latin, kana, kanji };

export const NATIONALITIES: readonly Nationality[] = [
  {
    code: 'CN', weight: 30, country: '中華人民共和国',
    families: [f('WANG', 'ワン', '王'), f('LI', 'リ', '李'), f('ZHANG', 'チャン', '張'), f('LIU', 'リュウ', '劉'), f('CHEN', 'チェン', '陳'), f('YANG', 'ヤン', '楊'), f('ZHAO', 'チャオ', '趙'), f('HUANG', 'ファン', '黄')],
    given: [f('WEI', 'ウェイ', '偉', 'male'), f('LEI', 'レイ', '磊', 'male'), f('QIANG', 'チアン', '強', 'male'), f('HAO', 'ハオ', '浩', 'male'), f('FANG', 'ファン', '芳', 'female'), f('JING', 'ジン', '静', 'female'), f('MIN', 'ミン', '敏', 'female'), f('NA', 'ナ', '娜', 'female')],
  },
  {
    code: 'VN', weight: 20, country: 'ベトナム社会主義共和国',
    families: [f('NGUYEN', 'グエン'), f('TRAN', 'チャン'), f('LE', 'レ'), f('PHAM', 'ファム'), f('HOANG', 'ホアン')],
    given: [f('VAN AN', 'ヴァン　アン', null, 'male'), f('MINH DUC', 'ミン　ドゥック', null, 'male'), f('QUANG HUY', 'クアン　フイ', null, 'male'), f('THI HOA', 'ティ　ホア', null, 'female'), f('THI LAN', 'ティ　ラン', null, 'female'), f('THU TRANG', 'トゥー　チャン', null, 'female')],
  },
  {
    code: 'KR', weight: 15, country: '大韓民国',
    families: [f('KIM', 'キム', '金'), f('LEE', 'イ', '李'), f('PARK', 'パク', '朴'), f('CHOI', 'チェ', '崔'), f('JUNG', 'チョン', '鄭')],
    given: [f('MINJUN', 'ミンジュン', '敏俊', 'male'), f('JIHOON', 'ジフン', '志勲', 'male'), f('SEOJUN', 'ソジュン', '瑞俊', 'male'), f('SEOYEON', 'ソヨン', '瑞妍', 'female'), f('JIWOO', 'ジウ', '智友', 'female'), f('SUBIN', 'スビン', '秀彬', 'female')],
  },
  {
    code: 'PH', weight: 12, country: 'フィリピン共和国',
    families: [f('SANTOS', 'サントス'), f('REYES', 'レイエス'), f('CRUZ', 'クルス'), f('BAUTISTA', 'バウティスタ'), f('GARCIA', 'ガルシア')],
    given: [f('JOSE', 'ホセ', null, 'male'), f('MARK', 'マーク', null, 'male'), f('MARIA', 'マリア', null, 'female'), f('ANGELICA', 'アンジェリカ', null, 'female'), f('JOY', 'ジョイ', null, 'female')],
  },
  {
    code: 'NP', weight: 8, country: 'ネパール連邦民主共和国',
    families: [f('SHRESTHA', 'シュレスタ'), f('GURUNG', 'グルン'), f('TAMANG', 'タマン'), f('RAI', 'ライ'), f('THAPA', 'タパ')],
    given: [f('RAM', 'ラム', null, 'male'), f('BIKASH', 'ビカス', null, 'male'), f('SURESH', 'スレシュ', null, 'male'), f('SITA', 'シタ', null, 'female'), f('ANITA', 'アニタ', null, 'female')],
  },
  {
    code: 'BR', weight: 8, country: 'ブラジル連邦共和国',
    families: [f('SILVA', 'シルバ'), f('SANTOS', 'サントス'), f('OLIVEIRA', 'オリベイラ'), f('SOUZA', 'ソウザ'), f('PEREIRA', 'ペレイラ')],
    given: [f('JOAO', 'ジョアン', null, 'male'), f('LUCAS', 'ルーカス', null, 'male'), f('PEDRO', 'ペドロ', null, 'male'), f('ANA', 'アナ', null, 'female'), f('JULIANA', 'ジュリアナ', null, 'female')],
  },
  {
    code: 'US', weight: 7, country: 'アメリカ合衆国',
    families: [f('SMITH', 'スミス'), f('JOHNSON', 'ジョンソン'), f('WILLIAMS', 'ウィリアムズ'), f('BROWN', 'ブラウン'), f('MILLER', 'ミラー')],
    given: [f('JOHN', 'ジョン', null, 'male'), f('MICHAEL', 'マイケル', null, 'male'), f('DAVID', 'デイビッド', null, 'male'), f('EMILY', 'エミリー', null, 'female'), f('SARAH', 'サラ', null, 'female')],
  },
];

/** Building names for 方書 (apartment + room number). Fictional. */
export const BUILDINGS: readonly string[] = [
  'みどりハイツ', 'コーポ若葉', 'サンライズ緑町', 'グリーンヒル', 'メゾン桜台', 'パークサイド東雲', 'レジデンス本町', 'ハイム旭',
  'カーサ春日', 'ヴィラ富士見', 'アーバン栄', 'ロイヤル柳原', 'リバーサイド水元', 'ステラ星ヶ丘', 'フォレスト楓台', 'シャトー梅園',
  'コスモ中央', 'エクセル高砂', 'ドミール柏木', 'ルミエール泉', 'プラザ若宮', 'ソレイユ朝日', 'グランデ翠ヶ丘', 'みどり荘',
];

/** 転入前住所 / 転出先 in Japan: fictional municipalities. */
export const OTHER_MUNICIPALITIES: readonly string[] = [
  '東京都あおば区', '東京都さくら区', '埼玉県かえで市', '埼玉県ひばり市', '千葉県うみべ市', '神奈川県みなと市',
  '茨城県つくし市', '栃木県しらかば市', '群馬県からまつ市', '大阪府なにわ市', '愛知県みずほ市', '北海道すずらん市',
  '宮城県あおい市', '福岡県ちくし市', '静岡県ふじみ市', '新潟県ゆきぐに市',
];
