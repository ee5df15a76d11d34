import { defineModule } from '../../platform/module.js';
import { myNumberPermissions } from './mynumber.permissions.js';
import { myNumberCommands } from './mynumber.cli.js';
import { MyNumberService } from './mynumber.service.js';
import { registerMyNumberRoutes } from './mynumber.routes.js';
import { loadJimu } from './jimu.js';

/** 個人番号: encrypted storage, the 事務 whitelist, registration/correction/deletion through four-eyes, reveal. */
export const myNumberModule = defineModule({
  name: 'mynumber',
  title: '個人番号',
  permissions: myNumberPermissions,
  services: (core) => ({ myNumbers: new MyNumberService(core.database.db, core.keyring, core.audit, core.approvals, loadJimu()) }),
  routes: registerMyNumberRoutes,
  approvalKinds: (s) => s.myNumbers.approvalKinds(),
  cli: myNumberCommands,
});
