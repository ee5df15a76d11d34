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
  nav: [{ path: '/approvals', label: '承認', permission: ['approval', 'user.admin'], order: 50 }],
});
