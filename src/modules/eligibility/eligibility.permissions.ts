import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 資格管理: the permissions this area declares (its module includes them; config/organization.yaml grants them to roles). */
export const eligibilityPermissions = {
  'eligibility.update': { label: '資格更新' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    eligibility: typeof eligibilityPermissions;
  }
}
