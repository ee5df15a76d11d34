import { defineModule } from '../../platform/module.js';
import { personPermissions } from './person.permissions.js';
import { PersonService } from './person.service.js';
import { registerPersonRoutes } from './person.routes.js';

/** 宛名・世帯 照会: residents and households from the resident registry, with their history. */
export const personModule = defineModule({
  name: 'person',
  title: '宛名・世帯照会',
  permissions: personPermissions,
  services: (core) => ({ persons: new PersonService(core.database.db, core.audit) }),
  routes: registerPersonRoutes,
  nav: [{ path: '/search', label: '検索', permission: 'person.read', order: 10 }],
});
