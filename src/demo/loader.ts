import type { Database } from '../db/database.js';
import { SEED_TABLES, TABLE_COLUMNS, type ChunkData, type ChunkSpec, type SeedTable } from './chunk.js';

/**
 * COPY stages of one chunk, parents first (foreign keys). Each child table has its own stage: every
 * foreign-key check takes a KEY SHARE lock on the parent person row, and two concurrent COPYs locking
 * the same rows would turn each lock into a MultiXact (measurably slower).
 */
export const COPY_STAGES: readonly (readonly SeedTable[])[] = [
  ['person', 'household'],
  ['household_member'],
  ['income'],
  ['income_return'],
  ['nhi_eligibility'],
  ['person_my_number'],
];

/**
 * Stages of a bulk load (foreign keys dropped, see bulk-schema.ts): no row locks, so the four child
 * tables load side by side. Parents still come first, so a killed load never leaves a child row
 * without its parent and the foreign keys always validate when they are added back.
 */
export const BULK_COPY_STAGES: readonly (readonly SeedTable[])[] = [
  ['person', 'household'],
  ['household_member', 'income', 'income_return', 'nhi_eligibility', 'person_my_number'],
];

interface InFlight {
  data: ChunkData;
  missing: ReadonlySet<SeedTable>;
  stage: number;
}

/**
 * Loads generated chunks as a wavefront on PostgreSQL: in each step every chunk in flight advances one
 * stage, so the concurrent COPYs always work on different chunks (and different parent rows), and the
 * caller generates the next chunk meanwhile. At most stages.length chunks are in flight, so memory
 * stays bounded. On PGlite (one session) each chunk is loaded stage by stage before the next.
 */
export class ChunkLoader {
  readonly rowsWritten: Record<SeedTable, number> = Object.fromEntries(SEED_TABLES.map((t) => [t, 0])) as Record<SeedTable, number>;
  /** Time the caller spent waiting for COPY (ms). */
  waitMs = 0;
  private inflight: InFlight[] = [];
  private step: Promise<void> | null = null;
  private readonly concurrent: boolean;

  constructor(
    private readonly database: Database,
    /** Called once per chunk, in chunk order, after its last stage. */
    private readonly onLoaded: (spec: ChunkSpec) => Promise<void>,
    private readonly stages: readonly (readonly SeedTable[])[] = COPY_STAGES,
  ) {
    this.concurrent = database.kind === 'postgresql';
  }

  /** Queue a chunk; `missing` are the tables that do not hold its rows yet. */
  async add(data: ChunkData, missing: ReadonlySet<SeedTable>): Promise<void> {
    await this.settle();
    const c: InFlight = { data, missing, stage: 0 };
    if (!this.concurrent) {
      for (; c.stage < this.stages.length; c.stage++) await this.copyStage(c);
      await this.onLoaded(c.data.spec);
      return;
    }
    this.inflight.push(c);
    this.startStep();
  }

  /** Finish every chunk in flight. */
  async drain(): Promise<void> {
    await this.settle();
    while (this.inflight.length > 0) {
      this.startStep();
      await this.settle();
    }
  }

  private startStep(): void {
    const batch = this.inflight;
    const step = (async () => {
      await allSettledOrThrow(batch.map((c) => this.copyStage(c)));
      for (const c of batch) c.stage++;
      this.inflight = batch.filter((c) => c.stage < this.stages.length);
      for (const c of batch) if (c.stage >= this.stages.length) await this.onLoaded(c.data.spec);
    })();
    step.catch(() => undefined); // observed by the next settle(); avoids an unhandled rejection meanwhile
    this.step = step;
  }

  private async settle(): Promise<void> {
    const step = this.step;
    if (!step) return;
    this.step = null;
    const t = Date.now();
    try {
      await step;
    } finally {
      this.waitMs += Date.now() - t;
    }
  }

  private async copyStage(c: InFlight): Promise<void> {
    const tables = this.stages[c.stage]!.filter((t) => c.missing.has(t) && c.data.rows[t] > 0);
    const copy = async (t: SeedTable) => {
      await this.database.copyIn(t, TABLE_COLUMNS[t], c.data.tsv[t]);
      this.rowsWritten[t] += c.data.rows[t];
    };
    if (this.concurrent) await allSettledOrThrow(tables.map(copy));
    else for (const t of tables) await copy(t); // PGlite: copyIn switches roles around each COPY
  }
}

/** Like Promise.all, but waits for every COPY to finish before reporting the first failure. */
async function allSettledOrThrow(work: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
