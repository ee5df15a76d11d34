import type { Kysely } from 'kysely';
import { openReader } from '../../db/reader.js';
import type { DB } from '../../db/schema.js';
import { serveRequests } from '../../platform/workers/worker-pool.js';
import { prepareAnnualChunk, type AnnualChunkRequest, type AnnualWork } from './assessment.batch.js';

/**
 * A worker thread of the 本算定 (assessment.batch.ts): reads, computes and encodes the chunks it is sent on
 * a connection of its own (the application's login), and hands back their COPY text without a copy.
 */
let db: Kysely<DB> | null = null;

serveRequests(
  async (req: AnnualChunkRequest & { appUrl: string }) => {
    db ??= openReader(req.appUrl);
    return prepareAnnualChunk(db, req);
  },
  (work: AnnualWork) => [work.copy.buffer as ArrayBuffer],
);
