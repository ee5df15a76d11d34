import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 賦課: the permissions this area declares (its module includes them; config/organization.yaml grants them to roles). */
export const assessmentPermissions = {
  // What-if calculations (税額・期別の試算): no resident record is read or changed.
  'assessment.calc': { label: '賦課の試算', readOnly: true },
  // Stored assessments, the annual run's review and a household's versions; the rate simulation over the city.
  'assessment.read': { label: '賦課の照会', readOnly: true },
  // 本算定 (the annual batch), 更正 (re-assessment) and the release of the run's notices (with a second person's approval).
  'assessment.run': { label: '賦課の実行(本算定・更正)' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    assessment: typeof assessmentPermissions;
  }
}
