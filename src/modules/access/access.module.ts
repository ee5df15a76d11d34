import { defineModule } from '../../platform/module.js';
import { accessPermissions } from './access.permissions.js';
import { accessCommands } from './access.cli.js';
import { AuthService, authLimitsOf } from './auth.service.js';
import { StaffService } from './staff.service.js';
import { registerAuthRoutes } from './auth.routes.js';
import { registerStaffRoutes } from './staff.routes.js';
import { staffChangeKinds } from './staff.changes.js';

/** 利用者管理・認証: staff accounts, roles, login with a second factor, sessions. */
export const accessModule = defineModule({
  name: 'access',
  title: '利用者管理・認証',
  permissions: accessPermissions,
  services: (core) => ({
    auth: new AuthService(core.database.db, core.keyring, core.audit, authLimitsOf(core.config)),
    staff: new StaffService(core.database.db, core.keyring, core.audit, core.approvals),
  }),
  // 職員の登録・ロールの付与・認証情報の再発行: four-eyes among user administrators.
  approvalKinds: () => staffChangeKinds(),
  routes: (app) => {
    registerAuthRoutes(app);
    registerStaffRoutes(app);
  },
  nav: [
    { path: '/admin', label: '利用者管理', permission: 'user.admin', order: 90 },
    { path: '/security-key', label: 'セキュリティキー登録', permission: 'authenticated', order: 99 },
  ],
  cli: accessCommands,
});
