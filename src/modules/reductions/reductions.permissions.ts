import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 減額の届出: the permissions this area declares (config/organization.yaml grants them to roles). */
export const reductionsPermissions = {
  // 産前産後期間 and 非自発的失業の届出: recorded by staff, each one queues a 更正.
  'reduction.record': { label: '国保税の減額の届出(産前産後期間・非自発的失業)の入力' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    reductions: typeof reductionsPermissions;
  }
}
