import { defineModule } from '../../platform/module.js';
import { eligibilityPermissions } from './eligibility.permissions.js';
import { EligibilityService } from './eligibility.service.js';
import { registerEligibilityRoutes } from './eligibility.routes.js';
import { NhiHouseholdService } from './nhi-household.service.js';
import { registerNhiHouseholdRoutes } from './nhi-household.routes.js';
import { eligibilityCommands } from './eligibility.cli.js';

/** 資格管理: NHI acquisition, loss, correction and deletion with legal dates, through four-eyes. */
export const eligibilityModule = defineModule({
  name: 'eligibility',
  title: '資格管理',
  permissions: eligibilityPermissions,
  services: (core) => ({
    eligibility: new EligibilityService(core.database.db, core.audit, core.approvals),
    nhiHousehold: new NhiHouseholdService(core.database.db, core.audit, core.approvals),
  }),
  routes: (app) => {
    registerEligibilityRoutes(app);
    registerNhiHouseholdRoutes(app);
  },
  cli: eligibilityCommands,
  approvalKinds: (s) => [...s.eligibility.approvalKinds(), ...s.nhiHousehold.approvalKinds()],
  fieldLabels: {
    eligibilityId: '資格履歴番号',
    acquiredOn: '資格取得日',
    acquisitionReason: '資格取得事由',
    lostOn: '資格喪失日',
    lossReason: '資格喪失事由',
    reportedOn: '届出日',
    occurredOn: '事由発生日',
    lossReportedOn: '資格喪失の届出日',
    prefectureAcquiredOn: '県の資格取得日',
    asOf: '時点',
    kind: '種類',
    validFrom: '開始日',
    validTo: '終了日',
    facilityName: '施設名',
    facilityKind: '施設の種類',
    schoolName: '学校名',
    basis: '根拠・備考',
    statusId: '国保世帯の記録番号',
  },
});
