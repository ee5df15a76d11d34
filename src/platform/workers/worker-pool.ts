import { parentPort, type ResourceLimits, type Transferable, type Worker } from 'node:worker_threads';
import { startWorker } from './start-worker.js';

/**
 * Worker threads answering requests (round robin; each answers its own in order). A request's promise
 * settles with the worker's answer; a worker that fails or exits fails every request still waiting and
 * every later one (no wait without end). The worker module answers through `serveRequests`.
 */
export class WorkerPool<Req, Res> {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (r: Res) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failed: Error | null = null;

  /** `label`: how errors name the workers (Japanese, e.g. 「試算のワーカー」). */
  constructor(url: URL, count: number, private readonly label: string, opts: { resourceLimits?: ResourceLimits } = {}) {
    this.workers = Array.from({ length: count }, () => {
      const w = startWorker(url, opts);
      w.on('message', (m: { id: number; result?: Res; error?: string }) => {
        const p = this.waiting.get(m.id);
        if (!p) return;
        this.waiting.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.result!);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0 || this.waiting.size > 0) this.fail(new Error(`${label}が終了しました(終了コード ${code})`));
      });
      return w;
    });
  }

  /** Send `req` now; the promise settles with its answer (a rejection awaited later is not unhandled). */
  run(req: Req): Promise<Res> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    const promise = new Promise<Res>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, req });
    });
    promise.catch(() => undefined);
    return promise;
  }

  async close(): Promise<void> {
    this.fail(new Error(`${this.label}は終了しています`));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }
}

/**
 * The worker side of a WorkerPool: answer each request with `handle`'s result (its `transfer` list moved,
 * not copied), or its error's message. Requests are answered in the order received.
 */
export function serveRequests<Req, Res>(handle: (req: Req) => Promise<Res> | Res, transfer: (res: Res) => Transferable[] = () => []): void {
  let queue: Promise<unknown> = Promise.resolve();
  parentPort!.on('message', (m: { id: number; req: Req }) => {
    queue = queue.then(async () => {
      try {
        const result = await handle(m.req);
        parentPort!.postMessage({ id: m.id, result }, transfer(result));
      } catch (e) {
        parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
      }
    });
  });
}
