import { parentPort } from 'node:worker_threads';
import { generatePlainTables, type ChunkSpec, type PlainContext } from './chunk.js';

/**
 * Worker thread of WorkerChunkSource (chunk-source.ts): generates the key-free tables of the chunks it
 * is sent, one at a time, in the order received. The worker never sees a key.
 */
export interface ChunkRequest {
  id: number;
  /** Seed, actor label and profile of the run (the same for every chunk). */
  ctx: PlainContext;
  spec: ChunkSpec;
}

parentPort?.on('message', (req: ChunkRequest) => {
  // No event loop to share in the worker: generate in one go (yieldEvery = the whole chunk).
  generatePlainTables(req.ctx, req.spec, Number.MAX_SAFE_INTEGER).then(
    // The COPY bytes move to the main thread without a copy (their ArrayBuffers are transferred).
    (data) => parentPort!.postMessage({ id: req.id, data }, Object.values(data.tsv).map((b) => b.buffer as ArrayBuffer)),
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
