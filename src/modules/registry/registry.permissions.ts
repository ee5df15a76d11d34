import type { PermissionDeclarations } from '../../platform/permissions.js';

/**
 * 住基連携: the permission this area declares. It is held by the registry's system client (and the
 * operator's import command), never granted to a staff role: events come from the registry, not a screen.
 * The work-item queue is 資格 work and asks for `eligibility.update`.
 */
export const registryPermissions = {
  'registry.intake': { label: '住基異動の取込み' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    registry: typeof registryPermissions;
  }
}
