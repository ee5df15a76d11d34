import { defineModule } from '../../platform/module.js';
import type { EligibilityService } from '../eligibility/eligibility.service.js';
import { registryPermissions } from './registry.permissions.js';
import { registryCommands } from './registry.cli.js';
import { registerRegistryRoutes } from './registry.routes.js';
import { RegistryService } from './registry.service.js';
import { WorkItemService } from './work-items.service.js';

/** 住基連携: the resident registry's events (file and API), applied with history, and the work they open (作業項目). */
export const registryModule = defineModule({
  name: 'registry',
  title: '住基連携',
  permissions: registryPermissions,
  services: (core, before) => ({
    registry: new RegistryService(core.database, core.audit, before.eligibility as EligibilityService, { prefectureCode: core.config.prefectureCode }),
    workItems: new WorkItemService(core.database.db, core.audit),
  }),
  routes: registerRegistryRoutes,
  cli: registryCommands,
  nav: [{ path: '/work-items', label: '作業項目', permission: 'eligibility.update', order: 20 }],
  fieldLabels: { events: '異動', status: '状態', kind: '種類', note: '備考', workItemId: '作業項目番号' },
});
