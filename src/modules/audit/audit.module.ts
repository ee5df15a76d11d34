import { defineModule } from '../../platform/module.js';
import { auditPermissions } from './audit.permissions.js';
import { auditCommands } from './audit.cli.js';
import { registerAuditRoutes } from './audit.routes.js';

/** 監査: the audit trail's search, report and verification (the writer itself is part of the core). */
export const auditModule = defineModule({
  name: 'audit',
  title: '監査',
  permissions: auditPermissions,
  routes: registerAuditRoutes,
  nav: [{ path: '/audit', label: '監査', permission: 'audit', order: 80 }],
  cli: auditCommands,
});
