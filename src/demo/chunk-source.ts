import { siblingModule } from '../platform/workers/start-worker.js';
import { WorkerPool } from '../platform/workers/worker-pool.js';
import type { ChunkSpec, PlainChunkData, PlainContext } from './chunk.js';
import type { ChunkRequest } from './chunk-worker.js';

/**
 * Generates the key-free tables of chunks in worker threads (chunk-worker.ts), so that on a bulk load
 * the main thread only encrypts My Numbers and streams COPY data while the next chunks are generated on
 * another core. Chunks are assigned round-robin (WorkerPool); the caller awaits them in chunk order. The
 * output is the same as generatePlainTables in-thread (same code, same seed and profile per chunk), so
 * determinism and resume do not depend on the worker count.
 */
export class WorkerChunkSource {
  private readonly pool: WorkerPool<ChunkRequest, PlainChunkData>;
  /** Only these fields are sent (never a keyring, even if `ctx` is a whole ChunkContext). */
  private readonly ctx: PlainContext;

  constructor(count: number, ctx: PlainContext) {
    this.ctx = { seed: ctx.seed, actorLabel: ctx.actorLabel, profile: ctx.profile ?? 'city' };
    this.pool = new WorkerPool(siblingModule(import.meta.url, 'chunk-worker'), count, 'chunk worker');
  }

  /** Start generating `spec` now; the promise resolves with its tables (a failure meanwhile is not unhandled). */
  request(spec: ChunkSpec): Promise<PlainChunkData> {
    const p = this.pool.run({ ctx: this.ctx, spec }).then(withBuffers);
    p.catch(() => undefined);
    return p;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** A transferred Buffer arrives as a plain Uint8Array: view it as a Buffer again (no copy). */
function withBuffers(d: PlainChunkData): PlainChunkData {
  const tsv = Object.fromEntries(Object.entries(d.tsv).map(([k, u]: [string, Uint8Array]) => [k, Buffer.from(u.buffer, u.byteOffset, u.byteLength)]));
  return { ...d, tsv: tsv as PlainChunkData['tsv'] };
}
