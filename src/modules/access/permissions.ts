/**
 * Business-function permissions (業務機能ごとの権限). Deny by default: a staff member can do only what
 * one of their roles grants. Every HTTP route declares one of these (or 'public' / 'authenticated').
 */
export const PERMISSIONS = {
  'person.read': '宛名・資格照会',
  'eligibility.update': '資格更新',
  'certificate.issue': '証発行',
  assessment: '賦課',
  collection: '収納',
  delinquency: '滞納整理',
  benefit: '給付',
  'mynumber.read': '個人番号参照',
  'mynumber.write': '個人番号登録・訂正',
  approval: '承認',
  'exchange.file': '連携ファイル',
  audit: '監査',
  'user.admin': '利用者管理',
  'dv.read': 'DV等支援措置対象者の住所参照',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

/** What a route may declare: a business permission, or one of two explicit non-business levels. */
export type RouteAccess = Permission | 'public' | 'authenticated';

export function isPermission(p: string): p is Permission {
  return Object.prototype.hasOwnProperty.call(PERMISSIONS, p);
}

/** Permissions that only read (a branch office limited to reading gets only these). */
export const READ_PERMISSIONS: readonly Permission[] = ['person.read'];
