import { MODULES } from './modules/index.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import type { AnchorLog } from './modules/audit/audit.anchors.js';
import { ApprovalService } from './modules/approval/approval.service.js';
import { registerFieldLabels } from './http/errors.js';
import type { BusinessModule, CoreDeps } from './platform/module.js';
import type { Deps } from './deps.js';

/**
 * Build every module's services on the core, in the order of MODULES, then register what the
 * modules declare (approval kinds, field labels). The server, the CLI and the tests all build here.
 */
export function buildModules(core: CoreDeps): Deps {
  const services: Record<string, unknown> = {};
  for (const m of MODULES) Object.assign(services, m.services?.(core, services) ?? {});
  for (const m of MODULES) {
    const kinds = 'approvalKinds' in m ? (m as BusinessModule<string, object>).approvalKinds?.(services) : [];
    for (const kind of kinds ?? []) {
      if (!core.approvals.kindOf(kind.kind)) core.approvals.registerKind(kind);
    }
    if (m.fieldLabels) registerFieldLabels(m.fieldLabels);
  }
  return { ...core, ...(services as unknown as Omit<Deps, keyof CoreDeps>) } as Deps;
}

/**
 * The core every module builds on, from the pieces the caller opened (config, database, keys, logger).
 * `anchors`: where signed audit checkpoints are anchored outside the database (default: in memory).
 */
export function compose(base: Pick<CoreDeps, 'config' | 'database' | 'keyring' | 'logger'>, anchors?: AnchorLog): Deps {
  const audit = new AuditRepository(base.keyring, anchors);
  const approvals = new ApprovalService(base.database.db, audit);
  return buildModules({ ...base, audit, approvals });
}
