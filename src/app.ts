import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { serveStatic } from '@hono/node-server/serve-static';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppEnv } from './http/context.js';
import type { Deps } from './deps.js';
import { AppError, errorJson, RetryLaterError, zodFieldErrors } from './http/errors.js';
import { securityHeaders } from './http/security-headers.js';
import { sessionMiddleware } from './http/session.js';
import { auditUnrecordedRefusals } from './http/refusal-audit.js';
import { rejectUnstorableCharacters } from './http/input-guard.js';
import { accessKey, declareAccess, describeGuard, routeGuards } from './http/route.js';
import { DOCS_CSS, renderDocsPage } from './http/docs-page.js';
import { MODULES } from './modules/index.js';
import { PermissionCatalogue } from './platform/permissions.js';

z.config(z.locales.ja());

export const WEB_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist/web');

export const OPENAPI_INFO = {
  title: '国民健康保険システム API',
  version: '0.1.0',
  description: 'すべての要求と応答はスキーマで検証されます。各操作に必要な権限を記載しています。',
};

/**
 * The OpenAPI document of the app (served at /api/openapi.json, rendered at /api/docs, the source of
 * `npm run gen:api`): each operation's description ends with what it needs (permission and its label,
 * step-up), read from the route declarations and the modules' permissions now.
 */
export function apiDocument(app: OpenAPIHono<AppEnv>) {
  const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: OPENAPI_INFO });
  const permissions = new PermissionCatalogue(MODULES);
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {}) as [string, { description?: string }][]) {
      const guard = routeGuards.get(accessKey(method, p.replace(/\{(\w+)\}/g, ':$1')));
      if (guard) op.description = `${op.description ?? ''}\n\n${describeGuard(guard, permissions)}`.trim();
    }
  }
  return doc;
}

/** The composition root of the HTTP side: middleware in order, then every module's routes. */
export function createApp(deps: Deps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const fields = zodFieldErrors(result.error);
        return errorJson(c, 400, 'validation', `入力内容に誤りがあります: ${fields.map((f) => f.message).join(' / ')}`, fields);
      }
      return undefined;
    },
  });

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', securityHeaders);
  app.use('/api/*', bodyLimit({ maxSize: 1024 * 1024, onError: (c) => errorJson(c, 413, 'too_large', '要求が大きすぎます(1MBまで)') }));
  app.use('/api/*', auditUnrecordedRefusals);
  app.use('*', sessionMiddleware);
  app.use('/api/*', rejectUnstorableCharacters);

  declareAccess('GET', '/healthz', 'public');
  app.get('/healthz', async (c) => {
    const version = await deps.database.schemaVersion();
    return c.json({ status: 'ok', database: deps.database.kind, schemaVersion: version });
  });

  for (const m of MODULES) m.routes?.(app);

  declareAccess('GET', '/api/openapi.json', 'public');
  app.get('/api/openapi.json', (c) => c.json(apiDocument(app)));
  declareAccess('GET', '/api/docs', 'public');
  app.get('/api/docs', (c) => c.html(renderDocsPage(apiDocument(app) as unknown as Record<string, unknown>)));

  declareAccess('GET', '/api/docs.css', 'public');
  app.get('/api/docs.css', (c) => c.body(DOCS_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  declareAccess('ALL', '/api/*', 'public'); // unknown API paths: 404 below, never the SPA
  app.all('/api/*', (c) => errorJson(c, 404, 'not_found', 'そのAPIはありません'));

  // The staff web UI (built by `npm run build:web`); every other path serves index.html (SPA routes).
  declareAccess('GET', '/assets/*', 'public');
  if (existsSync(WEB_ROOT)) app.use('/assets/*', serveStatic({ root: path.relative(process.cwd(), WEB_ROOT) }));
  else app.get('/assets/*', (c) => c.text('画面がビルドされていません', 404));
  declareAccess('GET', '/*', 'public');
  app.get('*', (c) => {
    const index = path.join(WEB_ROOT, 'index.html');
    if (!existsSync(index)) return c.text('画面がビルドされていません。npm run build:web を実行してください', 503);
    return c.html(readFileSync(index, 'utf8'));
  });

  app.notFound((c) => errorJson(c, 404, 'not_found', '見つかりません'));
  app.onError((err, c) => {
    if (err instanceof RetryLaterError) {
      c.header('Retry-After', String(err.retryAfterSeconds));
      return errorJson(c, err.retryStatus, err.code, err.message);
    }
    if (err instanceof AppError) return errorJson(c, err.status, err.code, err.message, err.fields);
    if (err instanceof HTTPException) {
      const status = err.status;
      if (status === 400) return errorJson(c, 400, 'bad_request', '要求の形式が正しくありません(JSONとして読めません)');
      if (status === 413) return errorJson(c, 413, 'too_large', '要求が大きすぎます');
      if (status >= 400 && status < 500) return errorJson(c, status as 400, 'bad_request', '要求を処理できません');
    }
    deps.logger.error({ err: { name: err.name, message: err.message, stack: err.stack }, correlationId: c.get('correlationId') }, 'unhandled error');
    return errorJson(c, 500, 'internal', `システムエラーが発生しました。問い合わせ番号: ${c.get('correlationId') ?? '-'}`);
  });
  return app;
}
