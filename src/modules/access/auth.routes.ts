import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { defineRoute } from '../../http/route.js';
import { navFor } from '../../platform/nav.js';
import { AppError } from '../../http/errors.js';
import { clearSessionCookie, requestInfo, setSessionCookie } from '../../http/session.js';
import { ErrorBodySchema, ErrorResponses } from '../../http/schemas.js';

const Me = z
  .object({
    staffId: z.string(),
    displayName: z.string(),
    officeCode: z.string(),
    officeName: z.string(),
    permissions: z.array(z.string()),
    csrfToken: z.string(),
    hasWebauthn: z.boolean(),
    /** The main menu: the modules' entries this staff member may open. */
    nav: z.array(z.object({ path: z.string(), label: z.string() })),
  })
  .openapi('Me');

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

/** What login, second factor and enrolment may answer besides ErrorResponses. */
const AttemptResponses = {
  ...ErrorResponses,
  423: json(ErrorBodySchema, 'アカウントがロックされています(パスワードまたは第二要素の誤りが続いた)'),
  429: json(ErrorBodySchema, '試行が多すぎます(同じ端末・同じ職員IDから)。Retry-After 秒後に再試行'),
  503: json(ErrorBodySchema, 'パスワード照合が混み合っています。Retry-After 秒後に再試行'),
} as const;
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const login = defineRoute({
  method: 'post',
  path: '/api/auth/login',
  access: 'public',
  tags: ['認証'],
  summary: 'ログイン(職員ID+パスワード)',
  description: 'パスワードの誤りが5回続くとアカウントを15分ロックします。同じ端末(IP)・同じ職員IDからの失敗が続くと 429 で一時的に受け付けません。初回登録(パスワード未設定)のアカウントは /api/auth/activate から始めます。',
  request: body(z.object({ staffId: z.string().min(1).max(32), password: z.string().min(1).max(128) })),
  responses: {
    200: json(z.object({ stage: z.literal('second_factor'), methods: z.array(z.enum(['totp', 'webauthn'])), csrfToken: z.string() }), '第二要素の入力へ'),
    ...AttemptResponses,
  },
});

const totp = defineRoute({
  method: 'post',
  path: '/api/auth/totp',
  access: 'public',
  tags: ['認証'],
  summary: '第二要素: ワンタイムパスワード',
  description: '誤りはパスワードとは別に数え(正しいパスワードでは戻りません)、5回続くとアカウントをロックし、このセッションを終了します。',
  request: body(z.object({ code: z.string().regex(/^\d{6}$/, '6桁の数字で入力してください') })),
  responses: { 200: json(z.object({ staff: Me }), 'ログイン完了'), ...AttemptResponses },
});

const webauthnOptions = defineRoute({
  method: 'post',
  path: '/api/auth/webauthn/options',
  access: 'public',
  tags: ['認証'],
  summary: '第二要素: セキュリティキー(チャレンジ発行)',
  responses: { 200: json(z.record(z.string(), z.unknown()), 'PublicKeyCredentialRequestOptionsJSON'), ...ErrorResponses },
});

const WebauthnResponse = z.object({ id: z.string().min(1).max(1024), rawId: z.string().max(1024), type: z.literal('public-key'), response: z.record(z.string(), z.unknown()) }).passthrough();

const webauthnVerify = defineRoute({
  method: 'post',
  path: '/api/auth/webauthn/verify',
  access: 'public',
  tags: ['認証'],
  summary: '第二要素: セキュリティキー(検証)',
  request: body(z.object({ response: WebauthnResponse })),
  responses: { 200: json(z.object({ staff: Me }), 'ログイン完了'), ...AttemptResponses },
});

const me = defineRoute({
  method: 'get',
  path: '/api/auth/me',
  access: 'authenticated',
  tags: ['認証'],
  summary: 'ログイン中の職員',
  responses: { 200: json(Me, '職員情報'), ...ErrorResponses },
});

const logout = defineRoute({
  method: 'post',
  path: '/api/auth/logout',
  access: 'authenticated',
  tags: ['認証'],
  summary: 'ログアウト',
  responses: { 204: { description: 'ログアウトしました' }, ...ErrorResponses },
});

const stepUp = defineRoute({
  method: 'post',
  path: '/api/auth/step-up',
  access: 'authenticated',
  tags: ['認証'],
  summary: '再認証(ステップアップ)',
  description: '誤ったコードが1つのセッションで3回続くとセッションを終了します(再ログインが必要)。誤りはアカウントの第二要素の失敗にも数え、5回続くとアカウントをロックします。',
  request: body(z.object({ code: z.string().regex(/^\d{6}$/, '6桁の数字で入力してください') })),
  responses: { 204: { description: '再認証しました' }, ...AttemptResponses },
});

const registerOptions = defineRoute({
  method: 'post',
  path: '/api/auth/webauthn/register/options',
  access: 'authenticated',
  tags: ['認証'],
  summary: 'セキュリティキー登録(チャレンジ発行)',
  responses: { 200: json(z.record(z.string(), z.unknown()), 'PublicKeyCredentialCreationOptionsJSON'), ...ErrorResponses },
});

const changePassword = defineRoute({
  method: 'post',
  path: '/api/auth/password',
  access: 'authenticated',
  tags: ['認証'],
  summary: '自分のパスワードの変更(他のセッションは終了します)',
  request: body(z.object({ currentPassword: z.string().min(1).max(128), newPassword: z.string().min(1).max(128) })),
  responses: { 204: { description: '変更しました' }, ...ErrorResponses },
});

const registerVerify = defineRoute({
  method: 'post',
  path: '/api/auth/webauthn/register/verify',
  access: 'authenticated',
  tags: ['認証'],
  summary: 'セキュリティキー登録(検証)',
  request: body(z.object({ response: WebauthnResponse })),
  responses: { 204: { description: '登録しました' }, ...ErrorResponses },
});

const ActivationCode = z.string().min(1).max(64).describe('初回登録コード(大文字小文字・空白・ハイフンは区別しません)');

const activate = defineRoute({
  method: 'post',
  path: '/api/auth/activate',
  access: 'public',
  tags: ['初回登録'],
  summary: '初回登録: 職員ID+初回登録コード',
  description:
    '管理者が発行した初回登録コード(有効期限72時間、1回限り)でログインし、初回登録だけができるセッションを開始します。続けて ' +
    '/api/auth/enrolment/password(自分でパスワードを設定)→ /api/auth/enrolment/totp(認証アプリ用の秘密鍵を受け取る)→ ' +
    '/api/auth/enrolment/confirm(認証アプリの確認コード)の順に進むと、アカウントが有効になりログイン済みになります。' +
    '誤った・期限切れのコードはログイン失敗として数え、ロックと試行制限の対象です。',
  request: body(z.object({ staffId: z.string().min(1).max(32), code: ActivationCode })),
  responses: { 200: json(z.object({ stage: z.literal('enrolment'), csrfToken: z.string() }), '初回登録へ'), ...AttemptResponses },
});

const enrolPassword = defineRoute({
  method: 'post',
  path: '/api/auth/enrolment/password',
  access: 'public',
  tags: ['初回登録'],
  summary: '初回登録: 自分のパスワードを設定',
  description: '初回登録セッションでのみ使えます。パスワードは確認コードで登録が完了したときに有効になります。',
  request: body(z.object({ newPassword: z.string().min(1).max(128) })),
  responses: { 204: { description: '設定しました' }, ...AttemptResponses },
});

const enrolTotp = defineRoute({
  method: 'post',
  path: '/api/auth/enrolment/totp',
  access: 'public',
  tags: ['初回登録'],
  summary: '初回登録: 認証アプリ用の秘密鍵を受け取る',
  description: 'TOTP の秘密鍵を返す唯一の API です(本人の初回登録セッションに対してのみ)。呼ぶたびに新しい秘密鍵になります。',
  responses: {
    200: json(z.object({ secret: z.string().describe('Base32 の秘密鍵(手入力用)'), otpauthUri: z.string().describe('otpauth://totp/… 認証アプリに登録する URI') }), '秘密鍵'),
    ...AttemptResponses,
  },
});

const enrolConfirm = defineRoute({
  method: 'post',
  path: '/api/auth/enrolment/confirm',
  access: 'public',
  tags: ['初回登録'],
  summary: '初回登録: 確認コードで完了',
  description: '認証アプリの6桁のコードが正しければ、パスワードと秘密鍵がアカウントに登録され、初回登録コードは使えなくなり、ログイン済みになります。誤りは第二要素の失敗として数えます。',
  request: body(z.object({ code: z.string().regex(/^\d{6}$/, '6桁の数字で入力してください') })),
  responses: { 200: json(z.object({ staff: Me }), '登録完了・ログイン済み'), ...AttemptResponses },
});

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>): void {
  async function loadMe(c: Parameters<Parameters<typeof app.openapi>[1]>[0], staffId: string, csrfToken: string) {
    const { auth, permissions: catalogue } = c.get('deps');
    const staff = await auth.repo.findStaff(staffId);
    if (!staff) throw new AppError(401, 'unauthenticated', 'ログインしてください');
    const permissions = catalogue.known(await auth.repo.permissionsOf(staffId));
    return {
      staffId,
      displayName: staff.display_name,
      officeCode: staff.office_code,
      officeName: staff.office_name,
      permissions: [...permissions].sort(),
      nav: navFor(permissions),
      csrfToken,
      hasWebauthn: (await auth.repo.credentialsOf(staffId)).length > 0,
    };
  }

  app.openapi(login, async (c) => {
    const { staffId, password } = c.req.valid('json');
    const previous = c.get('session');
    if (previous) await c.get('deps').auth.repo.endSession(previous.hash, 'replaced_by_login');
    const r = await c.get('deps').auth.login(staffId, password, requestInfo(c));
    setSessionCookie(c, r.token);
    return c.json({ stage: 'second_factor' as const, methods: r.methods, csrfToken: r.csrfToken }, 200);
  });

  app.openapi(totp, async (c) => {
    const { code } = c.req.valid('json');
    const r = await c.get('deps').auth.verifyTotp(c.get('session')?.token, code, requestInfo(c));
    setSessionCookie(c, r.token);
    return c.json({ staff: await loadMe(c, r.staffId, r.csrfToken) }, 200);
  });

  app.openapi(webauthnOptions, async (c) => {
    const options = await c.get('deps').auth.webauthnOptions(c.get('session')?.token, requestInfo(c));
    return c.json(options as unknown as Record<string, unknown>, 200);
  });

  app.openapi(webauthnVerify, async (c) => {
    const { response } = c.req.valid('json');
    const r = await c.get('deps').auth.webauthnVerify(c.get('session')?.token, response as never, requestInfo(c));
    setSessionCookie(c, r.token);
    return c.json({ staff: await loadMe(c, r.staffId, r.csrfToken) }, 200);
  });

  app.openapi(me, async (c) => {
    const s = c.get('session')!;
    return c.json(await loadMe(c, s.staffId, s.csrfToken), 200);
  });

  app.openapi(logout, async (c) => {
    const s = c.get('session')!;
    await c.get('deps').auth.logout(s.hash, c.get('actor'));
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  app.openapi(stepUp, async (c) => {
    const s = c.get('session')!;
    await c.get('deps').auth.stepUp(s.hash, s.staffId, c.req.valid('json').code, c.get('actor'), requestInfo(c));
    return c.body(null, 204);
  });

  app.openapi(changePassword, async (c) => {
    const s = c.get('session')!;
    const { currentPassword, newPassword } = c.req.valid('json');
    await c.get('deps').auth.changePassword(s.hash, s.staffId, currentPassword, newPassword, c.get('actor'));
    return c.body(null, 204);
  });

  app.openapi(registerOptions, async (c) => {
    const s = c.get('session')!;
    const actor = c.get('actor');
    const options = await c.get('deps').auth.registrationOptions(s.hash, s.staffId, actor.kind === 'staff' ? actor.displayName : s.staffId, requestInfo(c));
    return c.json(options as unknown as Record<string, unknown>, 200);
  });

  app.openapi(registerVerify, async (c) => {
    const s = c.get('session')!;
    await c.get('deps').auth.registrationVerify(s.hash, s.staffId, c.req.valid('json').response as never, requestInfo(c), c.get('actor'));
    return c.body(null, 204);
  });

  app.openapi(activate, async (c) => {
    const { staffId, code } = c.req.valid('json');
    const previous = c.get('session');
    if (previous) await c.get('deps').auth.repo.endSession(previous.hash, 'replaced_by_login');
    const r = await c.get('deps').auth.enrolment.activate(staffId, code, requestInfo(c));
    setSessionCookie(c, r.token);
    return c.json({ stage: 'enrolment' as const, csrfToken: r.csrfToken }, 200);
  });

  app.openapi(enrolPassword, async (c) => {
    await c.get('deps').auth.enrolment.setPassword(c.get('session')?.token, c.req.valid('json').newPassword, requestInfo(c));
    return c.body(null, 204);
  });

  app.openapi(enrolTotp, async (c) => {
    return c.json(await c.get('deps').auth.enrolment.issueTotpSecret(c.get('session')?.token, requestInfo(c)), 200);
  });

  app.openapi(enrolConfirm, async (c) => {
    const r = await c.get('deps').auth.enrolment.confirm(c.get('session')?.token, c.req.valid('json').code, requestInfo(c));
    setSessionCookie(c, r.token);
    return c.json({ staff: await loadMe(c, r.staffId, r.csrfToken) }, 200);
  });
}
