import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { ErrorResponses } from '../../http/schemas.js';
import { parseDateInput } from '../../lib/wareki.js';
import { csvDocument, jstText, sha256Hex } from '../audit/audit.search.js';
import { csvDownload, fileStamp } from '../audit/audit.routes.js';
import { whoLabels } from './who.js';

/**
 * 利用者管理 (permission 'user.admin'): accounts, role grants and revokes, disabling, unlocking and the
 * access-rights review. Creating an account, granting a role and re-issuing credentials are requested
 * here (202) and applied when a second administrator approves them (/api/approvals); the approver gets
 * the new account's one-time activation code. No route takes a password for someone else or returns a
 * TOTP secret. Requests with roles, revoke and disable need a recent step-up; permissions are read on
 * every request, so a change applies to the very next request of the staff member concerned.
 */

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const staffId = z.string().regex(/^[A-Za-z0-9._-]{3,32}$/, '半角英数字と . _ - の3〜32文字で入力してください');
const roleCode = z.string().regex(/^[a-z0-9_]{1,64}$/, '半角小文字・数字・下線で入力してください(例: kokuho_staff)');
const officeCode = z.string().regex(/^[a-z0-9_]{1,64}$/, '半角小文字・数字・下線で入力してください(例: kokuho)');
const StaffParam = z.object({ staffId });

const StaffItem = z
  .object({
    staffId: z.string(),
    displayName: z.string(),
    officeCode: z.string(),
    officeName: z.string(),
    officeKind: z.enum(['head_office', 'branch', 'tax']),
    roles: z.array(z.string()),
    disabled: z.boolean(),
    disabledAt: z.string().nullable(),
    disabledReason: z.string().nullable(),
    locked: z.boolean(),
    lockedUntil: z.string().nullable(),
    failedLogins: z.number(),
    awaitingActivation: z.boolean().describe('初回登録コードでの本人登録(パスワード設定・ワンタイムパスワード登録)待ち'),
    activationExpiresAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('StaffAccount');

const Requested = z
  .object({ changeId: z.number(), staffId: z.string(), status: z.literal('pending') })
  .openapi('StaffChangeRequested');

const RoleItem = z.object({ roleCode: z.string(), name: z.string(), readOnly: z.boolean(), permissions: z.array(z.string()) });
const OfficeItem = z.object({ officeCode: z.string(), name: z.string(), kind: z.enum(['head_office', 'branch', 'tax']) });

const list = defineRoute({
  method: 'get',
  path: '/api/admin/staff',
  access: 'user.admin',
  tags: ['利用者管理'],
  summary: '職員の一覧(所属・ロール・無効化・ロック)',
  responses: {
    200: json(z.object({ items: z.array(StaffItem), roles: z.array(RoleItem), offices: z.array(OfficeItem) }), '職員・ロール・所属の一覧'),
    ...ErrorResponses,
  },
});

const create = defineRoute({
  method: 'post',
  path: '/api/admin/staff',
  access: 'user.admin',
  tags: ['利用者管理'],
  summary: '職員の登録を申請する(要再認証。別の利用者管理者の承認で登録され、承認者に初回登録コードが一度だけ表示されます)',
  request: body(
    z
      .object({
        staffId,
        displayName: z.string().trim().min(1, '氏名を入力してください').max(64, '64文字以内で入力してください'),
        officeCode,
        roles: z.array(roleCode).max(20, '20個までです').default([]),
      })
      .strict(),
  ),
  responses: { 202: json(Requested, '承認待ちになりました'), ...ErrorResponses },
});

const grant = defineRoute({
  method: 'post',
  path: '/api/admin/staff/{staffId}/roles',
  access: 'user.admin',
  tags: ['利用者管理'],
  summary: 'ロールの付与を申請する(要再認証。自分自身には付与できません。別の利用者管理者の承認で付与されます)',
  request: { params: StaffParam, ...body(z.object({ roleCode }).strict()) },
  responses: { 202: json(Requested, '承認待ちになりました'), ...ErrorResponses },
});

const revoke = defineRoute({
  method: 'post',
  path: '/api/admin/staff/{staffId}/roles/{roleCode}/revoke',
  access: 'user.admin',
  tags: ['利用者管理'],
  summary: 'ロールの剥奪(要再認証。次の要求から効きます)',
  request: { params: z.object({ staffId, roleCode }) },
  responses: { 200: json(z.object({ staffId: z.string(), roles: z.array(z.string()) }), '剥奪しました'), ...ErrorResponses },
});

const disable = defineRoute({
  method: 'post',
  path: '/api/admin/staff/{staffId}/disable',
  access: 'user.admin',
  tags: ['利用者管理'],
  summary: '職員の無効化(要再認証。全セッションを即時終了)',
  request: { params: StaffParam, ...body(z.object({ reason: z.string().trim().min(1, '理由を入力してください').max(200, '200文字以内で入力してください') }).strict()) },
  responses: { 200: json(z.object({ staffId: z.string(), sessionsEnded: z.number() }), '無効化しました'), ...ErrorResponses },
});

const resetCredentials = defineRoute({
  method: 'post',
  path: '/api/admin/staff/{staffId}/reset',
  access: 'user.admin',
  tags: ['利用者管理'],
  summary: '認証情報の再発行を申請する(要再認証。別の利用者管理者の承認で、パスワード・ワンタイムパスワード・セキュリティキーを消して全セッションを終了し、承認者に初回登録コードを表示)',
  request: { params: StaffParam, ...body(z.object({}).strict()) },
  responses: { 202: json(Requested, '承認待ちになりました'), ...ErrorResponses },
});

const unlock = defineRoute({
  method: 'post',
  path: '/api/admin/staff/{staffId}/unlock',
  access: 'user.admin',
  tags: ['利用者管理'],
  summary: 'ログイン失敗によるロックの解除',
  request: { params: StaffParam },
  responses: { 200: json(z.object({ staffId: z.string() }), 'ロックを解除しました'), ...ErrorResponses },
});

const ReviewStaff = z.object({
  staffId: z.string(),
  displayName: z.string(),
  officeName: z.string(),
  roles: z.array(z.string()),
  disabled: z.boolean(),
  locked: z.boolean(),
  createdAt: z.string(),
});
const ReviewChange = z.object({
  at: z.string(),
  action: z.enum(['grant', 'revoke', 'disable', 'enable', 'create']),
  staffId: z.string(),
  roleCode: z.string().nullable(),
  by: z.string().describe('申請者(直接の操作では実施者)'),
  byLabel: z.string(),
  approvedBy: z.string().nullable().describe('承認した利用者管理者(四眼承認の変更のみ)'),
  approvedByLabel: z.string().nullable(),
});

const review = defineRoute({
  method: 'get',
  path: '/api/admin/access-review',
  access: 'user.admin',
  tags: ['利用者管理'],
  summary: '権限の棚卸し(職員・ロールと、基準日以降の付与・剥奪・無効化の一覧。format=csv で CSV)',
  request: {
    query: z.object({
      since: z
        .string({ error: '基準日を入力してください(例: 2026-04-01)' })
        .max(20, '20文字以内で入力してください')
        .refine((s) => {
          const iso = parseDateInput(s);
          return !!iso && iso >= '2000-01-01' && iso <= '2199-12-31';
        }, '日付として読めません(例: 2026-04-01, 令和8年4月1日)'),
      format: z.enum(['json', 'csv'], { error: 'json または csv で指定してください' }).default('json'),
    }),
  },
  responses: {
    200: {
      content: {
        'application/json': { schema: z.object({ since: z.string(), generatedAt: z.string(), staff: z.array(ReviewStaff), changes: z.array(ReviewChange) }) },
        'text/csv': { schema: z.string() },
      },
      description: '棚卸し結果',
    },
    ...ErrorResponses,
  },
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function registerStaffRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const deps = c.get('deps');
    const { db } = deps.database;
    const staff = await deps.staff.list();
    const roles = await db.selectFrom('role').select(['role_code', 'name', 'read_only']).orderBy('role_code').execute();
    const perms = await db.selectFrom('role_permission').select(['role_code', 'permission']).orderBy('permission').execute();
    const offices = await db.selectFrom('office').select(['office_code', 'name', 'kind']).orderBy('office_code').execute();
    await deps.audit.appendAlone(db, c.get('actor'), { functionCode: 'user.admin', action: 'staff.list', detail: { returned: staff.length }, correlationId: c.get('correlationId') });
    return c.json(
      {
        items: staff.map((s) => ({
          staffId: s.staff_id,
          displayName: s.display_name,
          officeCode: s.office_code,
          officeName: s.office_name,
          officeKind: s.office_kind,
          roles: s.roles,
          disabled: !!s.disabled_at,
          disabledAt: iso(s.disabled_at),
          disabledReason: s.disabled_reason,
          locked: s.locked,
          lockedUntil: s.locked ? iso(s.locked_until) : null,
          failedLogins: Number(s.failed_logins),
          awaitingActivation: s.awaiting_activation,
          activationExpiresAt: s.awaiting_activation ? iso(s.activation_expires_at) : null,
          createdAt: s.created_at.toISOString(),
        })),
        roles: roles.map((r) => ({ roleCode: r.role_code, name: r.name, readOnly: r.read_only, permissions: perms.filter((p) => p.role_code === r.role_code).map((p) => p.permission) })),
        offices: offices.map((o) => ({ officeCode: o.office_code, name: o.name, kind: o.kind })),
      },
      200,
    );
  });

  app.openapi(create, async (c) => {
    const b = c.req.valid('json');
    const r = await c.get('deps').staff.requestCreate({ staffId: b.staffId, displayName: b.displayName, officeCode: b.officeCode, roles: b.roles }, c.get('actor'), c.get('correlationId'));
    return c.json({ changeId: r.changeId, staffId: b.staffId, status: 'pending' as const }, 202);
  });

  app.openapi(grant, async (c) => {
    const { staffId } = c.req.valid('param');
    const { roleCode } = c.req.valid('json');
    const r = await c.get('deps').staff.requestGrant(staffId, roleCode, c.get('actor'), c.get('correlationId'));
    return c.json({ changeId: r.changeId, staffId, status: 'pending' as const }, 202);
  });

  app.openapi(revoke, async (c) => {
    const { staffId, roleCode } = c.req.valid('param');
    await c.get('deps').staff.revoke(staffId, roleCode, c.get('actor'), c.get('correlationId'));
    return c.json({ staffId, roles: await c.get('deps').auth.repo.rolesOf(staffId) }, 200);
  });

  app.openapi(resetCredentials, async (c) => {
    const { staffId } = c.req.valid('param');
    const r = await c.get('deps').staff.requestCredentialReissue(staffId, c.get('actor'), c.get('correlationId'));
    return c.json({ changeId: r.changeId, staffId, status: 'pending' as const }, 202);
  });

  app.openapi(disable, async (c) => {
    const actor = c.get('actor');
    const { staffId } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const r = await c.get('deps').staff.disable(staffId, reason, actor, c.get('correlationId'));
    return c.json({ staffId, sessionsEnded: r.sessionsEnded }, 200);
  });

  app.openapi(unlock, async (c) => {
    const { staffId } = c.req.valid('param');
    await c.get('deps').staff.unlock(staffId, c.get('actor'), c.get('correlationId'));
    return c.json({ staffId }, 200);
  });

  app.openapi(review, async (c) => {
    const deps = c.get('deps');
    const q = c.req.valid('query');
    const since = parseDateInput(q.since)!;
    const now = new Date();
    const r = await deps.staff.accessReview(new Date(`${since}T00:00:00+09:00`));
    const staff = r.staff.map((s) => ({
      staffId: s.staff_id,
      displayName: s.display_name,
      officeName: s.office_name,
      roles: s.roles,
      disabled: !!s.disabled_at,
      locked: !!s.locked_until && s.locked_until > now,
      createdAt: s.created_at.toISOString(),
    }));
    const who = await whoLabels(deps.database.db, r.changes.flatMap((ch) => (ch.approved_by ? [ch.by_actor, ch.approved_by] : [ch.by_actor])));
    const changes = r.changes.map((ch) => ({
      at: ch.at.toISOString(),
      action: ch.action,
      staffId: ch.staff_id,
      roleCode: ch.role_code,
      by: ch.by_actor,
      byLabel: who(ch.by_actor),
      approvedBy: ch.approved_by,
      approvedByLabel: ch.approved_by ? who(ch.approved_by) : null,
    }));
    const detail = { since, format: q.format, staff: staff.length, changes: changes.length };
    if (q.format === 'csv') {
      const csv = csvDocument(
        ['区分', '職員ID', '氏名', '所属', 'ロール', '状態', '日時(日本時間)', '変更', '実施者', '承認者'],
        [
          ...staff.map((s) => ['職員', s.staffId, s.displayName, s.officeName, s.roles.join(' '), s.disabled ? '無効' : s.locked ? 'ロック中' : '有効', '', '', '', '']),
          ...changes.map((ch) => ['変更', ch.staffId, '', '', ch.roleCode ?? '', '', jstText(ch.at), ch.action, ch.byLabel, ch.approvedByLabel ?? '']),
        ],
      );
      const sha256 = sha256Hex(csv);
      await deps.audit.appendAlone(deps.database.db, c.get('actor'), { functionCode: 'user.admin', action: 'access.review', detail: { ...detail, sha256 }, correlationId: c.get('correlationId') });
      return csvDownload(c, csv, `access-review-${since.replace(/-/g, '')}-${fileStamp(now)}.csv`, sha256);
    }
    await deps.audit.appendAlone(deps.database.db, c.get('actor'), { functionCode: 'user.admin', action: 'access.review', detail, correlationId: c.get('correlationId') });
    return c.json({ since, generatedAt: now.toISOString(), staff, changes }, 200);
  });
}
