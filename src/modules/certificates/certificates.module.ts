import { defineModule } from '../../platform/module.js';
import { certificatesPermissions } from './certificates.permissions.js';
import { CertificatesService } from './certificates.service.js';
import { registerCertificatesRoutes } from './certificates.routes.js';
import { certificatesCommands } from './certificates.cli.js';

/** 証の交付・回収: 資格確認書, 資格情報のお知らせ, 限度額適用認定証, 特定疾病療養受療証, with 負担割合 and 所得区分, printed as PDF. */
export const certificatesModule = defineModule({
  name: 'certificates',
  title: '証の交付',
  permissions: certificatesPermissions,
  services: (core) => ({ certificates: new CertificatesService(core.database, core.audit) }),
  routes: registerCertificatesRoutes,
  cli: certificatesCommands,
  fieldLabels: {
    certificateId: '証番号',
    issuedOn: '交付年月日',
    applicationOn: '申請年月日',
    method: '交付方法',
    disease: '認定疾病',
    revenueTestApplied: '基準収入額適用の申請',
    inArrears: '滞納',
    previousRecoveryMethod: '差し替える証の回収方法',
    recoveredOn: '回収年月日',
  },
});
