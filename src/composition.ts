import { MODULES } from './modules/index.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import type { AnchorLog } from './modules/audit/audit.anchors.js';
import { ApprovalService, approverPermissionsOf, type ChangeKind } from './modules/approval/approval.service.js';
import { loadOrganization, type OrganizationFile } from './modules/access/organization.js';
import { registerFieldLabels } from './http/errors.js';
import { routeGuards, type RouteGuard } from './http/route.js';
import type { BusinessModule, CoreDeps, NavEntry } from './platform/module.js';
import { PermissionCatalogue, undeclaredUses, type PermissionUse } from './platform/permissions.js';
import type { Deps } from './deps.js';

/**
 * Build every module's services on the core, in the order of the modules, then register what the
 * modules declare (approval kinds, field labels) and check that every route, menu entry, approval kind
 * and role names a permission some module declares. The server, the CLI and the tests all build here.
 */
export function buildModules(core: CoreDeps, modules: readonly BusinessModule<string, object>[] = MODULES): Deps {
  const services: Record<string, unknown> = {};
  for (const m of modules) Object.assign(services, m.services?.(core, services) ?? {});
  const kinds: ChangeKind[] = [];
  for (const m of modules) {
    for (const kind of m.approvalKinds?.(services) ?? []) {
      kinds.push(kind);
      if (!core.approvals.kindOf(kind.kind)) core.approvals.registerKind(kind);
    }
    if (m.fieldLabels) registerFieldLabels(m.fieldLabels);
  }
  refuseUndeclaredPermissions(core.permissions, permissionUses({ modules, routes: routeGuards, kinds }));
  return { ...core, ...(services as unknown as Omit<Deps, keyof CoreDeps>) } as Deps;
}

/** Every place the modules name a permission: their routes, menu entries and approval kinds. */
export function permissionUses(from: { modules: readonly Pick<BusinessModule, 'name' | 'nav'>[]; routes: ReadonlyMap<string, RouteGuard>; kinds: readonly ChangeKind[] }): PermissionUse[] {
  const uses: PermissionUse[] = [];
  for (const [key, guard] of from.routes) if (guard.access !== 'public' && guard.access !== 'authenticated') uses.push({ where: `ルート ${key}`, permission: guard.access });
  for (const m of from.modules) {
    for (const e of m.nav ?? []) for (const p of navPermissions(e)) uses.push({ where: `モジュール ${m.name} のメニュー ${e.path}`, permission: p });
  }
  for (const k of from.kinds) {
    for (const p of new Set([k.functionCode, ...approverPermissionsOf(k), ...(k.warningsNeed ? [k.warningsNeed] : [])])) uses.push({ where: `承認種別 ${k.kind}`, permission: p });
  }
  return uses;
}

function navPermissions(e: NavEntry): string[] {
  return e.permission === 'authenticated' ? [] : typeof e.permission === 'string' ? [e.permission] : [...e.permission];
}

/** Refuses to start when anything names a permission no module declares (a typo the types missed, a module left out of MODULES). */
export function refuseUndeclaredPermissions(permissions: PermissionCatalogue, uses: Iterable<PermissionUse>): void {
  const bad = undeclaredUses(permissions, uses);
  if (bad.length > 0) {
    throw new Error(
      `どのモジュールも宣言していない権限が使われています / undeclared permissions:\n${bad.map((u) => `  ${u.where}: ${u.permission}`).join('\n')}\n宣言されている権限: ${permissions.all.join(', ')}`,
    );
  }
}

/**
 * The core every module builds on, from the pieces the caller opened (config, database, keys, logger).
 * `anchors`: where signed audit checkpoints are anchored outside the database (default: in memory).
 * Refuses to start (throws) when two modules declare the same permission, or a route, menu entry,
 * approval kind or role of the organisation file names one no module declares.
 */
export function compose(
  base: Pick<CoreDeps, 'config' | 'database' | 'keyring' | 'logger'>,
  anchors?: AnchorLog,
  opts: { modules?: readonly BusinessModule<string, object>[]; organizationFile?: OrganizationFile } = {},
): Deps {
  const modules = opts.modules ?? MODULES;
  const permissions = new PermissionCatalogue(modules);
  // The roles are applied at start (bootstrap.ts); a role naming an undeclared permission stops the start here already.
  loadOrganization(permissions, opts.organizationFile);
  const audit = new AuditRepository(base.keyring, anchors);
  const approvals = new ApprovalService(base.database.db, audit, permissions);
  return buildModules({ ...base, audit, approvals, permissions }, modules);
}
