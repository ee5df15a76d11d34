import { serveRequests } from '../platform/workers/worker-pool.js';
import { generatePlainTables, type ChunkSpec, type PlainChunkData, type PlainContext } from './chunk.js';

/**
 * Worker thread of WorkerChunkSource (chunk-source.ts): generates the key-free tables of the chunks it
 * is sent, one at a time, in the order received. The worker never sees a key.
 */
export interface ChunkRequest {
  /** Seed, actor label and profile of the run (the same for every chunk). */
  ctx: PlainContext;
  spec: ChunkSpec;
}

// No event loop to share in the worker: generate in one go (yieldEvery = the whole chunk). The COPY bytes
// move to the main thread without a copy (their ArrayBuffers are transferred).
serveRequests(
  (req: ChunkRequest) => generatePlainTables(req.ctx, req.spec, Number.MAX_SAFE_INTEGER),
  (data: PlainChunkData) => Object.values(data.tsv).map((b) => b.buffer as ArrayBuffer),
);
