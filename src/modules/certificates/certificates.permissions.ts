import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 証の交付・回収: the permissions this area declares (config/organization.yaml grants them to roles). */
export const certificatesPermissions = {
  // 交付・回収・印刷 (reprint included). Reading a person's certificates needs only person.read.
  'certificate.issue': { label: '証発行' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    certificates: typeof certificatesPermissions;
  }
}
