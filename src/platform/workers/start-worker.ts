import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module at `url` — a `.ts` module when running from the TypeScript sources
 * (tsx, vitest): tsx's loader does not carry over to worker threads, so the worker registers it itself
 * before importing its module. `opts`: the thread's options (resource limits …).
 */
export function startWorker(url: URL, opts: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, opts);
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { ...opts, eval: true });
}

/** The sibling module `name` (without extension) of `importMetaUrl`, as .ts from the sources, else .js. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${importMetaUrl.endsWith('.ts') ? '.ts' : '.js'}`, importMetaUrl);
}
