import { defineModule } from '../../platform/module.js';
import { operatorActor } from '../../security/actor.js';
import { assessmentPermissions } from './assessment.permissions.js';
import { assessmentCommands, storedAssessmentCommands } from './assessment.cli.js';
import { registerAssessmentRoutes } from './assessment.routes.js';
import { AssessmentService } from './assessment.service.js';
import { StoredAssessmentService } from './assessment-stored.service.js';
import { specialCollectionCommands } from './special-collection.cli.js';
import { registerSpecialCollectionRoutes } from './special-collection.routes.js';
import { SpecialCollectionService } from './special-collection.service.js';

/** 賦課: 国民健康保険税 as pure rules and calculators, stored assessments (本算定, 更正), the run's review and release, the rate simulation. */
export const assessmentModule = defineModule({
  name: 'assessment',
  title: '賦課',
  permissions: assessmentPermissions,
  services: (core) => ({ assessment: new AssessmentService(core.database.db, core.audit), assessments: new StoredAssessmentService(core.database, core.audit, core.approvals),
    specialCollection: new SpecialCollectionService(core.database.db, core.audit),
  }),
  approvalKinds: (s) => s.assessments.approvalKinds(),
  nav: [{ path: '/assessment/runs', label: '本算定の確認', permission: 'assessment.read', order: 60 }],
  routes: (app) => {
    registerAssessmentRoutes(app);
    registerSpecialCollectionRoutes(app); // 特別徴収: 口座振替への変更申出
  },
  cli: { ...assessmentCommands, ...storedAssessmentCommands, ...specialCollectionCommands },
  // 更正 of what the changes queued (資格・世帯・所得・国保世帯), as `assessment reassess-pending` does.
  background: (s, core) =>
    core.config.reassessEveryMs > 0
      ? [{ name: 'assessment.reassess-pending', everyMs: core.config.reassessEveryMs, run: () => s.assessments.reassessPendingSummary(operatorActor('assessment-reassess-pending', new Set(['assessment.run']))) }]
      : [],
  fieldLabels: { fiscalYear: '年度', members: '世帯員', municipality: '市町村の税率', city: '市町村', specificHousehold: '特定世帯の区分', annualTax: '年税額', ordinary: '普通徴収', special: '特別徴収', requestedOn: '申出日', requestId: '申出番号' },
});
