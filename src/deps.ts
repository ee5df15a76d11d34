import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Keyring } from './security/keyring.js';
import type { AuditRepository } from './modules/audit/audit.repository.js';
import type { AuthService } from './modules/access/auth.service.js';
import type { StaffService } from './modules/access/staff.service.js';
import type { PersonService } from './modules/person/person.service.js';
import type { ApprovalService } from './modules/approval/approval.service.js';
import type { MyNumberService } from './modules/mynumber/mynumber.service.js';
import type { EligibilityService } from './modules/eligibility/eligibility.service.js';

/** What the composition root (app.ts) builds once and hands to routes and services, explicitly. */
export interface Deps {
  config: Config;
  database: Database;
  keyring: Keyring;
  audit: AuditRepository;
  auth: AuthService;
  staff: StaffService;
  persons: PersonService;
  approvals: ApprovalService;
  myNumbers: MyNumberService;
  eligibility: EligibilityService;
  logger: Logger;
}
