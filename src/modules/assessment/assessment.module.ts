import { defineModule } from '../../platform/module.js';
import { assessmentPermissions } from './assessment.permissions.js';
import { assessmentCommands } from './assessment.cli.js';
import { registerAssessmentRoutes } from './assessment.routes.js';
import { AssessmentService } from './assessment.service.js';

/** 賦課: 国民健康保険税 as pure rules (income, tax, installments) and their what-if calculators (CLI and API). */
export const assessmentModule = defineModule({
  name: 'assessment',
  title: '賦課',
  permissions: assessmentPermissions,
  services: (core) => ({ assessment: new AssessmentService(core.database.db, core.audit) }),
  routes: registerAssessmentRoutes,
  cli: assessmentCommands,
  fieldLabels: { fiscalYear: '年度', members: '世帯員', municipality: '市町村の税率', city: '市町村', specificHousehold: '特定世帯の区分', annualTax: '年税額', ordinary: '普通徴収', special: '特別徴収' },
});
