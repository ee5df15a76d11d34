import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 個人番号: the permissions this area declares (its module includes them; config/organization.yaml grants them to roles). */
export const myNumberPermissions = {
  'mynumber.read': { label: '個人番号参照', readOnly: true },
  'mynumber.write': { label: '個人番号登録・訂正' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    mynumber: typeof myNumberPermissions;
  }
}
