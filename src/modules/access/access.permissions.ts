import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 利用者管理・認証: the permissions this area declares (its module includes them; config/organization.yaml grants them to roles). */
export const accessPermissions = {
  'user.admin': { label: '利用者管理' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    access: typeof accessPermissions;
  }
}
