/** The certificates (証) this area issues and recovers, and the codes of their issue and recovery. Stored as these codes (CHECK constraints). */
export const CERTIFICATE_KINDS = {
  qualification_certificate: { label: '資格確認書', title: '国民健康保険 資格確認書', basis: '国民健康保険法 第9条第2項、同法施行規則 第7条の4' },
  qualification_notice: { label: '資格情報のお知らせ', title: '国民健康保険 資格情報のお知らせ', basis: '国民健康保険法施行規則 第7条の2(資格情報の通知)' },
  limit: { label: '限度額適用認定証', title: '国民健康保険 限度額適用認定証', basis: '国民健康保険法施行規則 第27条の14の2' },
  limit_reduced: { label: '限度額適用・標準負担額減額認定証', title: '国民健康保険 限度額適用・標準負担額減額認定証', basis: '国民健康保険法施行規則 第27条の14の4' },
  specific_disease: { label: '特定疾病療養受療証', title: '国民健康保険 特定疾病療養受療証', basis: '国民健康保険法施行令 第29条の4第7項、同法施行規則 第27条の13' },
} as const;
export type CertificateKind = keyof typeof CERTIFICATE_KINDS;
export const CERTIFICATE_KIND_CODES = Object.keys(CERTIFICATE_KINDS) as [CertificateKind, ...CertificateKind[]];

export const ISSUE_REASONS = {
  acquisition: '資格取得',
  renewal: '一斉更新',
  change: '記載事項の変更',
  copay_change: '負担割合の変更',
  lost: '紛失・破損による再交付',
  application: '申請',
} as const;
export type IssueReason = keyof typeof ISSUE_REASONS;
export const ISSUE_REASON_CODES = Object.keys(ISSUE_REASONS) as [IssueReason, ...IssueReason[]];

export const ISSUE_METHODS = { counter: '窓口で交付', mail: '世帯主あてに郵送' } as const;
export type IssueMethod = keyof typeof ISSUE_METHODS;
export const ISSUE_METHOD_CODES = Object.keys(ISSUE_METHODS) as [IssueMethod, ...IssueMethod[]];

export const RECOVERY_REASONS = {
  loss: '資格喪失',
  replaced: '再交付・記載変更による差替え',
  expired: '有効期限の到来',
  cured: '治癒・認定の取消し',
  other: 'その他',
} as const;
export type RecoveryReason = keyof typeof RECOVERY_REASONS;
export const RECOVERY_REASON_CODES = Object.keys(RECOVERY_REASONS) as [RecoveryReason, ...RecoveryReason[]];

export const RECOVERY_METHODS = { counter: '窓口で返却', mail: '郵送で返却', not_returned: '返却なし(本人による破棄・紛失)' } as const;
export type RecoveryMethod = keyof typeof RECOVERY_METHODS;
export const RECOVERY_METHOD_CODES = Object.keys(RECOVERY_METHODS) as [RecoveryMethod, ...RecoveryMethod[]];

/** 特定疾病 (厚生労働大臣が定める疾病, 健康保険法施行令 第41条第9項). */
export const DISEASES = {
  hemophilia: '先天性血液凝固因子障害の一部(血友病)',
  renal_dialysis: '人工腎臓を実施している慢性腎不全',
  hiv: '抗ウイルス剤を投与している後天性免疫不全症候群',
} as const;
export type Disease = keyof typeof DISEASES;
export const DISEASE_CODES = Object.keys(DISEASES) as [Disease, ...Disease[]];
