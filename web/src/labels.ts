/** Japanese display labels for codes sent by the API. Unknown codes are shown as they are. */
import type { Permission } from '../../src/platform/permissions.js';

export const APP_NAME = '国民健康保険 資格管理システム';

export function sexLabel(sex: string): string {
  return sex === 'male' ? '男' : sex === 'female' ? '女' : sex;
}

export function residentStatusLabel(s: string): string {
  switch (s) {
    case 'resident':
      return '住民';
    case 'moved_out':
      return '転出';
    case 'deceased':
      return '死亡';
    default:
      return s;
  }
}

export function residentKindLabel(s: string): string {
  return s === 'japanese' ? '日本人住民' : s === 'foreign' ? '外国人住民' : s;
}

const TABLES: Record<string, string> = {
  person: '個人',
  household: '世帯',
  household_member: '世帯構成',
  nhi_eligibility: '国保資格',
};

export function tableLabel(t: string): string {
  return TABLES[t] ?? t;
}

const FIELDS: Record<string, string> = {
  name_kanji: '氏名',
  name_kana: 'カナ氏名',
  alias_kanji: '通称',
  alias_kana: '通称カナ',
  real_name: '本名',
  real_name_kana: '本名カナ',
  birth_date: '生年月日',
  sex: '性別',
  resident_kind: '住民種別',
  resident_status: '住民状態',
  nationality_code: '国籍',
  became_resident_on: '住民となった日',
  area_code: '住所',
  banchi: '番地',
  katagaki: '方書',
  address_set_on: '住所を定めた日',
  previous_address: '前住所',
  moved_out_to: '転出先',
  moved_out_on: '転出日',
  death_date: '死亡日',
  phone: '電話番号',
  dv_support: '支援措置',
  valid_from: '異動日',
  change_reason: '異動事由',
  reported_on: '届出日',
  formed_on: '世帯形成日',
  dissolved_on: '世帯消除日',
  household_no: '世帯番号',
  relationship: '続柄',
  member_order: '世帯内順位',
  valid_to: '終了日',
  insured_symbol: '記号',
  insured_number: '番号',
  branch_no: '枝番',
  acquired_on: '資格取得日',
  acquisition_reason: '取得事由',
  lost_on: '資格喪失日',
  loss_reason: '喪失事由',
  superseded_at: '訂正',
};

export function fieldLabel(f: string): string {
  return FIELDS[f] ?? f;
}

export function outcomeLabel(o: string): string {
  switch (o) {
    case 'success':
      return '成功';
    case 'denied':
      return '拒否';
    case 'failure':
      return '失敗';
    case 'error':
      return 'エラー';
    default:
      return o;
  }
}

/** The permission codes the screens check (typed against what the server's modules declare: a typo fails typecheck). */
export const PERMISSION = {
  personRead: 'person.read',
  myNumberRead: 'mynumber.read',
  myNumberWrite: 'mynumber.write',
  eligibilityUpdate: 'eligibility.update',
  certificateIssue: 'certificate.issue',
  incomeRead: 'income.read',
  incomeDeclare: 'income.declare',
  reductionRecord: 'reduction.record',
  approval: 'approval',
  audit: 'audit',
  userAdmin: 'user.admin',
  assessmentRead: 'assessment.read',
  assessmentRun: 'assessment.run',
} as const satisfies Record<string, Permission>;

export function changeStatusLabel(s: string): string {
  switch (s) {
    case 'pending':
      return '承認待ち';
    case 'approved':
      return '承認済み';
    case 'rejected':
      return '却下';
    case 'withdrawn':
      return '取下げ';
    default:
      return s;
  }
}

export function officeKindLabel(k: string): string {
  return k === 'head_office' ? '本庁' : k === 'branch' ? '支所' : k === 'tax' ? '税務' : k;
}

export function grantActionLabel(a: string): string {
  switch (a) {
    case 'grant':
      return 'ロール付与';
    case 'revoke':
      return 'ロール剥奪';
    case 'disable':
      return '無効化';
    case 'enable':
      return '有効化';
    case 'create':
      return '職員登録';
    default:
      return a;
  }
}
