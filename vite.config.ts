import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Staff web UI (React SPA). `vite build` writes dist/web, which the API server serves with a strict CSP
 * (`default-src 'self'; script-src 'self'; style-src 'self'`): no inline scripts or styles may appear in
 * the output, and no external asset is referenced.
 */
const repoRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: 'web',
  base: '/',
  publicDir: false,
  // Vite 8 transforms TS/JSX with Oxc; React 19's automatic runtime (no plugin-react needed).
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // The polyfill would be bundled (not inline), but every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs (keeps the CSP simple: everything is a same-origin file).
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // The SPA imports shared helpers from ../src/lib (wareki); allow the dev server to read them.
    fs: { allow: [repoRoot] },
    proxy: { '/api': { target: process.env.API_ORIGIN ?? 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
