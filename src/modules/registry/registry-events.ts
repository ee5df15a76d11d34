/**
 * 異動事由 of the resident registry (住民基本台帳) as this system receives them, one code per kind of
 * event. The 住民記録システム標準仕様書 (総務省, 1.2.2 異動事由) groups them into 記載 (a person is added),
 * 消除 (removed) and 修正 (changed); it publishes no numeric codes, so these two-digit codes are this
 * system's, documented in docs/interfaces/registry-intake.md together with the file layout. The
 * registry system maps its own codes to these once, at its end of the interface.
 *
 * `needs` lists the columns an event of the kind must carry besides the four every event carries
 * (event_id, event_code, occurred_on, atena_no).
 */

export type RegistryGroup = 'record' | 'remove' | 'change' | 'support';

export interface RegistryEventKind {
  code: string;
  /** What a clerk reads. */
  label: string;
  group: RegistryGroup;
  needs: readonly IntakeColumn[];
}

/** The columns of the intake file (docs/interfaces/registry-intake.md), in file order. */
export const INTAKE_COLUMNS = [
  'event_id',
  'event_code',
  'occurred_on',
  'reported_on',
  'atena_no',
  'household_no',
  'relationship',
  'name_kanji',
  'name_kana',
  'alias_kanji',
  'alias_kana',
  'birth_date',
  'sex',
  'resident_kind',
  'area_code',
  'banchi',
  'katagaki',
  'other_address',
  'other_prefecture_code',
  'residence_status',
  'residence_expires_on',
] as const;
export type IntakeColumn = (typeof INTAKE_COLUMNS)[number];

/** Japanese names of the columns (error messages name the column by these). */
export const INTAKE_COLUMN_LABELS: Record<IntakeColumn, string> = {
  event_id: '異動連番',
  event_code: '異動事由コード',
  occurred_on: '異動日',
  reported_on: '届出日',
  atena_no: '宛名番号',
  household_no: '世帯番号',
  relationship: '続柄',
  name_kanji: '氏名',
  name_kana: '氏名フリガナ',
  alias_kanji: '通称',
  alias_kana: '通称フリガナ',
  birth_date: '生年月日',
  sex: '性別',
  resident_kind: '住民種別',
  area_code: '町丁目コード',
  banchi: '番地',
  katagaki: '方書',
  other_address: '転入前・転出先住所',
  other_prefecture_code: '転入前・転出先の都道府県コード',
  residence_status: '在留資格',
  residence_expires_on: '在留期間満了日',
};

const PERSON: readonly IntakeColumn[] = ['household_no', 'relationship', 'name_kanji', 'name_kana', 'birth_date', 'sex', 'resident_kind', 'area_code', 'banchi'];

export const REGISTRY_EVENT_KINDS = {
  // 記載の事由
  '11': { code: '11', label: '転入(県外から)', group: 'record', needs: [...PERSON, 'other_address', 'other_prefecture_code'] },
  '12': { code: '12', label: '転入(県内から)', group: 'record', needs: [...PERSON, 'other_address', 'other_prefecture_code'] },
  '13': { code: '13', label: '国外転入', group: 'record', needs: [...PERSON, 'other_address'] },
  '14': { code: '14', label: '出生', group: 'record', needs: PERSON },
  '15': { code: '15', label: '職権記載', group: 'record', needs: PERSON },
  // 消除の事由
  '21': { code: '21', label: '転出(県外へ)', group: 'remove', needs: ['other_address', 'other_prefecture_code'] },
  '22': { code: '22', label: '転出(県内へ)', group: 'remove', needs: ['other_address', 'other_prefecture_code'] },
  '23': { code: '23', label: '転出予定', group: 'change', needs: ['other_address'] },
  '24': { code: '24', label: '国外転出', group: 'remove', needs: ['other_address'] },
  '25': { code: '25', label: '死亡', group: 'remove', needs: [] },
  '26': { code: '26', label: '職権消除', group: 'remove', needs: [] },
  // 修正の事由
  '31': { code: '31', label: '転居', group: 'change', needs: ['area_code', 'banchi'] },
  '32': { code: '32', label: '世帯分離', group: 'change', needs: ['household_no', 'relationship'] },
  '33': { code: '33', label: '世帯合併', group: 'change', needs: ['household_no', 'relationship'] },
  '34': { code: '34', label: '世帯主変更', group: 'change', needs: ['household_no', 'relationship'] },
  '35': { code: '35', label: '世帯変更', group: 'change', needs: ['household_no', 'relationship'] },
  '36': { code: '36', label: '氏名変更', group: 'change', needs: ['name_kanji', 'name_kana'] },
  '37': { code: '37', label: '通称の記載・削除', group: 'change', needs: [] },
  '38': { code: '38', label: '在留資格・在留期間の変更', group: 'change', needs: ['residence_status', 'residence_expires_on'] },
  // 支援措置 (住民基本台帳事務における支援措置: DV・ストーカー・児童虐待等)
  '41': { code: '41', label: '支援措置 開始', group: 'support', needs: [] },
  '42': { code: '42', label: '支援措置 終了', group: 'support', needs: [] },
} as const satisfies Record<string, RegistryEventKind>;

export type RegistryEventCode = keyof typeof REGISTRY_EVENT_KINDS;
export const REGISTRY_EVENT_CODES = Object.keys(REGISTRY_EVENT_KINDS) as [RegistryEventCode, ...RegistryEventCode[]];

export function isRegistryEventCode(s: string): s is RegistryEventCode {
  return Object.prototype.hasOwnProperty.call(REGISTRY_EVENT_KINDS, s);
}

/** One event as read from a file line or an API body (dates ISO, optional columns null). */
export interface RegistryEvent {
  eventId: string;
  eventCode: RegistryEventCode;
  occurredOn: string;
  reportedOn: string | null;
  atenaNo: number;
  householdNo: number | null;
  relationship: string | null;
  nameKanji: string | null;
  nameKana: string | null;
  aliasKanji: string | null;
  aliasKana: string | null;
  birthDate: string | null;
  sex: 'male' | 'female' | null;
  residentKind: 'japanese' | 'foreign' | null;
  areaCode: string | null;
  banchi: string | null;
  katagaki: string | null;
  otherAddress: string | null;
  /** JIS X 0401 都道府県コード of the previous or next address; '99' abroad. */
  otherPrefectureCode: string | null;
  residenceStatus: string | null;
  residenceExpiresOn: string | null;
}
