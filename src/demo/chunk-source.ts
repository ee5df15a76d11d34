import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '../platform/workers/start-worker.js';
import type { ChunkSpec, PlainChunkData, PlainContext } from './chunk.js';
import type { ChunkRequest } from './chunk-worker.js';

/**
 * Generates the key-free tables of chunks in worker threads (chunk-worker.ts), so that on a bulk load
 * the main thread only encrypts My Numbers and streams COPY data while the next chunks are generated on
 * another core. Chunks are assigned round-robin; results come back in request order per worker, and
 * the caller awaits them in chunk order. The output is the same as generatePlainTables in-thread (same
 * code, same seed and profile per chunk), so determinism and resume do not depend on the worker count.
 */
export class WorkerChunkSource {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (d: PlainChunkData) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failed: Error | null = null;

  /** Only these fields are sent (never a keyring, even if `ctx` is a whole ChunkContext). */
  private readonly ctx: PlainContext;

  constructor(count: number, ctx: PlainContext) {
    this.ctx = { seed: ctx.seed, actorLabel: ctx.actorLabel, profile: ctx.profile ?? 'city' };
    const url = siblingModule(import.meta.url, 'chunk-worker');
    this.workers = Array.from({ length: count }, () => {
      const w = startWorker(url);
      w.on('message', (m: { id: number; data?: PlainChunkData; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(`chunk worker: ${m.error}`));
        else p.resolve(withBuffers(m.data!));
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (this.pending.size > 0) this.fail(new Error(`chunk worker exited (${code})`));
      });
      return w;
    });
  }

  /** Start generating `spec` now; the promise resolves with its tables. */
  request(spec: ChunkSpec): Promise<PlainChunkData> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    const promise = new Promise<PlainChunkData>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    promise.catch(() => undefined); // awaited later, in chunk order; a failure meanwhile is not unhandled
    const req: ChunkRequest = { id, ctx: this.ctx, spec };
    this.workers[id % this.workers.length]!.postMessage(req);
    return promise;
  }

  async close(): Promise<void> {
    this.fail(new Error('chunk source closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** A transferred Buffer arrives as a plain Uint8Array: view it as a Buffer again (no copy). */
function withBuffers(d: PlainChunkData): PlainChunkData {
  const tsv = Object.fromEntries(Object.entries(d.tsv).map(([k, u]: [string, Uint8Array]) => [k, Buffer.from(u.buffer, u.byteOffset, u.byteLength)]));
  return { ...d, tsv: tsv as PlainChunkData['tsv'] };
}
