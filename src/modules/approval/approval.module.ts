import { defineModule } from '../../platform/module.js';
import { approvalPermissions } from './approval.permissions.js';
import { registerApprovalRoutes } from './approval.routes.js';

/** 入力者以外の者による確認: the approval screens (the service is part of the core: every area submits to it). */
export const approvalModule = defineModule({
  name: 'approval',
  title: '承認',
  permissions: approvalPermissions,
  routes: registerApprovalRoutes,
  // 承認 holders decide person changes; user administrators decide each other's account changes.
  // Whoever enters changes held for confirmation follows them in 申請状況 (rejected with a reason, withdrawn).
  nav: [
    { path: '/approvals', label: '承認', permission: ['approval', 'user.admin'], order: 50 },
    { path: '/my-requests', label: '申請状況', permission: ['eligibility.update', 'mynumber.write', 'user.admin'], order: 55 },
  ],
});
