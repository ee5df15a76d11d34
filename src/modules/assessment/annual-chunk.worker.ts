import type { Kysely } from 'kysely';
import { openReader } from '../../db/reader.js';
import type { DB } from '../../db/schema.js';
import { serveRequests } from '../../platform/workers/worker-pool.js';
import { prepareAnnualChunk, readChunk, type AnnualChunkRequest, type AnnualWork, type ChunkReads } from './assessment.batch.js';

/**
 * A worker thread of the 本算定 (assessment.batch.ts): reads, computes and encodes the chunks it is sent on
 * connections of its own (the application's login), and hands back their COPY text without a copy. Once a
 * chunk's facts are read, the next chunk's (`next`) are read while this one is computed.
 */
let db: Kysely<DB> | null = null;
let ahead: { first: number; size: number; reads: Promise<ChunkReads> } | null = null;

serveRequests(
  (req: AnnualChunkRequest & { appUrl: string }) => {
    db ??= openReader(req.appUrl, 2);
    const reader = db;
    const kept = ahead !== null && ahead.first === req.households[0] && ahead.size === req.households.length ? ahead.reads : null;

    ahead = null;
    const reads = kept ?? readChunk(reader, req.households, req.fiscalYear);
    const next = req.next ?? [];
    reads.then(
      () => {
        if (next.length === 0) return;
        const r = readChunk(reader, next, req.fiscalYear);
        r.catch(() => undefined); // a failure is answered with the chunk that waits for it
        ahead = { first: next[0]!, size: next.length, reads: r };
      },
      () => undefined,
    );
    return prepareAnnualChunk(reader, req, undefined, reads);
  },
  (work: AnnualWork) => [work.copy.buffer as ArrayBuffer],
);
