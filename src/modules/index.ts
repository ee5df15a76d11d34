import type { ServicesOf } from '../platform/module.js';
import { accessModule } from './access/access.module.js';
import { personModule } from './person/person.module.js';
import { approvalModule } from './approval/approval.module.js';
import { myNumberModule } from './mynumber/mynumber.module.js';
import { eligibilityModule } from './eligibility/eligibility.module.js';
import { auditModule } from './audit/audit.module.js';
import { registryModule } from './registry/registry.module.js';
import { certificatesModule } from './certificates/certificates.module.js';
import { assessmentModule } from './assessment/assessment.module.js';
import { incomeModule } from './income/income.module.js';
import { reductionsModule } from './reductions/reductions.module.js';

/**
 * Every business area, once. Adding an area = a folder with its `<area>.module.ts` (which includes the
 * permissions of its `<area>.permissions.ts`) + one line here. The permission catalogue roles are
 * checked against is built from this list (composition.ts).
 */
export const MODULES = [accessModule, personModule, approvalModule, myNumberModule, eligibilityModule, certificatesModule, registryModule, assessmentModule, incomeModule, reductionsModule, auditModule] as const;

/** The services every module provides, merged (deps.persons, deps.eligibility, …). */
export type ModuleServices = ServicesOf<typeof MODULES>;
