import { defineModule } from '../../platform/module.js';
import { incomeCommands } from './income.cli.js';
import { incomePermissions } from './income.permissions.js';
import { registerIncomeRoutes } from './income.routes.js';
import { IncomeService } from './income.service.js';

/** 所得: the 個人住民税 system's income file, the 簡易申告, and every version of a person's income by 年度. */
export const incomeModule = defineModule({
  name: 'income',
  title: '所得',
  permissions: incomePermissions,
  services: (core) => ({ income: new IncomeService(core.database, core.audit) }),
  routes: registerIncomeRoutes,
  cli: incomeCommands,
  fieldLabels: {
    declaredOn: '申告日',
    salaryRevenue: '給与収入',
    familyEmployeeSalary: 'うち専従者給与',
    pensionRevenue: '公的年金等収入',
    businessRevenue: '事業収入',
    businessIncome: '事業所得',
    realEstateRevenue: '不動産収入',
    realEstateIncome: '不動産所得',
    dividendIncome: '配当所得',
    miscIncome: '雑所得',
    separateCapitalGains: '分離譲渡所得',
    otherIncome: 'その他の所得',
    note: '備考',
  },
});
