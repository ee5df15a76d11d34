import type { PermissionDeclarations } from '../../platform/permissions.js';

/** 所得: the permissions this area declares (config/organization.yaml grants them to roles). */
export const incomePermissions = {
  // A person's income and 住民税 課税状況 by 年度, every version (地方税法22条: tax information, so not person.read).
  'income.read': { label: '所得の照会', readOnly: true },
  // 簡易申告: the insured's own declaration of income, entered by staff.
  'income.declare': { label: '所得の簡易申告の入力' },
  // The 個人住民税 system's file (CLI, as an operator); no staff role holds it.
  'income.import': { label: '所得の取込(個人住民税システム)' },
} as const satisfies PermissionDeclarations;

// Adds these codes to the Permission type (declaration merging: see src/platform/permissions.ts).
declare module '../../platform/permissions.js' {
  interface PermissionRegistry {
    income: typeof incomePermissions;
  }
}
