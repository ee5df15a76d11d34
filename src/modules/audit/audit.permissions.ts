import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 監査: the permissions this area declares (its module includes them; config/organization.yaml grants them to roles). */
export const auditPermissions = {
  audit: { label: '監査' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    audit: typeof auditPermissions;
  }
}
