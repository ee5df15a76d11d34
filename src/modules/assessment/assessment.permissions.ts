import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 賦課: the permissions this area declares (its module includes them; config/organization.yaml grants them to roles). */
export const assessmentPermissions = {
  // What-if calculations (税額・期別の試算): no resident record is read or changed.
  'assessment.calc': { label: '賦課の試算', readOnly: true },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    assessment: typeof assessmentPermissions;
  }
}
