import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 宛名・世帯照会: the permissions this area declares (its module includes them; config/organization.yaml grants them to roles). */
export const personPermissions = {
  'person.read': { label: '宛名・資格照会', readOnly: true },
  'dv.read': { label: 'DV等支援措置対象者の住所参照', readOnly: true },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    person: typeof personPermissions;
  }
}
