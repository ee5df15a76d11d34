import { defineModule } from '../../platform/module.js';
import { reductionsPermissions } from './reductions.permissions.js';
import { registerPerinatalRoutes } from './perinatal.routes.js';
import { PerinatalService } from './perinatal.service.js';

/** 減額の届出: notifications that reduce a person's 国民健康保険税 (産前産後期間), each queueing a 更正. */
export const reductionsModule = defineModule({
  name: 'reductions',
  title: '減額の届出',
  permissions: reductionsPermissions,
  services: (core) => ({ perinatal: new PerinatalService(core.database.db, core.audit) }),
  routes: registerPerinatalRoutes,
  fieldLabels: { birthMonth: '出産予定月', multiple: '多胎', born: '出産済み', reportedOn: '届出日' },
});
