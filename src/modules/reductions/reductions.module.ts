import { defineModule } from '../../platform/module.js';
import { reductionsPermissions } from './reductions.permissions.js';
import { registerPerinatalRoutes } from './perinatal.routes.js';
import { PerinatalService } from './perinatal.service.js';
import { registerUnemploymentRoutes } from './unemployment.routes.js';
import { UnemploymentService } from './unemployment.service.js';
import { registerExemptionRoutes } from './exemption.routes.js';
import { ExemptionService } from './exemption.service.js';

/** 減額の届出: notifications that reduce a person's 国民健康保険税 (産前産後期間, 非自発的失業), each queueing a 更正; and 減免 by application, through four-eyes. */
export const reductionsModule = defineModule({
  name: 'reductions',
  title: '減額の届出',
  permissions: reductionsPermissions,
  services: (core) => ({
    perinatal: new PerinatalService(core.database.db, core.audit),
    unemployment: new UnemploymentService(core.database.db, core.audit),
    exemptions: new ExemptionService(core.database.db, core.audit, core.approvals),
  }),
  routes: (app) => {
    registerPerinatalRoutes(app);
    registerUnemploymentRoutes(app);
    registerExemptionRoutes(app);
  },
  approvalKinds: (s) => s.exemptions.approvalKinds(),
  fieldLabels: { birthMonth: '出産予定月', multiple: '多胎', born: '出産済み', reportedOn: '届出日', separatedOn: '離職日', reasonCode: '離職理由コード', exemptionReason: '減免の事由', exemptionRate: '減免の率', exemptionAmount: '減免額', appliedOn: '申請日' },
});
