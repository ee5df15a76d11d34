/**
 * Builds the web UI (vite build → dist/web) once before the browser tests, so that they always exercise
 * the current sources as the server will serve them. Set SKIP_WEB_BUILD=1 to reuse an existing build.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  if (process.env.SKIP_WEB_BUILD === '1' && existsSync(root + 'dist/web/index.html')) return;
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: root + 'vite.config.ts', root: root + 'web', mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = saved;
  }
}
