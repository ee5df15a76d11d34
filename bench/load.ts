import http from 'node:http';

/**
 * A small HTTP load generator (node:http, keep-alive): closed loop (N clients, each sends its next
 * request when the previous answer arrives) and open loop (requests sent on a fixed schedule whatever
 * the server does; latency counted from the scheduled time, so a stalled server cannot hide its queue).
 */

export interface Target {
  host: string;
  port: number;
}

export interface Client {
  cookie: string;
}

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  seconds: number;
  /** Answered requests per second (2xx only). */
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export function summarize(latencies: number[], ok: number, errors: number, seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    sent: ok + errors,
    ok,
    errors,
    seconds: round(seconds),
    throughput: Math.round((ok / seconds) * 10) / 10,
    p50: round(percentile(latencies, 0.5)),
    p95: round(percentile(latencies, 0.95)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies.at(-1) ?? 0),
  };
}

export class HttpDriver {
  private readonly agent: http.Agent;
  constructor(
    private readonly target: Target,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** One request; resolves with the status and body (the body is read fully). */
  request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; setCookie: string[] }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.target.host, port: this.target.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), setCookie: res.headers['set-cookie'] ?? [] }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }

  get(client: Client, path: string) {
    return this.request('GET', path, { cookie: client.cookie });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** `clients` loops, each sending back to back for `seconds`. */
export async function closedLoop(driver: HttpDriver, clients: readonly Client[], nextPath: () => string, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          const r = await driver.get(client, nextPath());
          if (r.status === 200) ok++;
          else errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  return summarize(latencies, ok, errors, (performance.now() - t0) / 1000);
}

/** `rate` requests per second in total, round-robin over `clients`, for `seconds`. */
export async function openLoop(driver: HttpDriver, clients: readonly Client[], nextPath: () => string, rate: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = t0 + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const client = clients[i % clients.length]!;
    pending.push(
      driver.get(client, nextPath()).then(
        (r) => {
          if (r.status === 200) ok++;
          else errors++;
          latencies.push(performance.now() - scheduled);
        },
        () => {
          errors++;
          latencies.push(performance.now() - scheduled);
        },
      ),
    );
  }
  await Promise.all(pending);
  return summarize(latencies, ok, errors, (performance.now() - t0) / 1000);
}

/** One request at a time: `n` measured after `warmup`. */
export async function sequential(driver: HttpDriver, client: Client, nextPath: () => string, n: number, warmup: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const t0 = performance.now();
  for (let i = 0; i < warmup + n; i++) {
    const s = performance.now();
    const r = await driver.get(client, nextPath());
    const ms = performance.now() - s;
    if (i < warmup) continue;
    if (r.status === 200) ok++;
    else errors++;
    latencies.push(ms);
  }
  return summarize(latencies, ok, errors, (performance.now() - t0) / 1000);
}

/** The median run of several (by the metric that matters for the scenario). */
export function median(runs: readonly LoadResult[], by: keyof LoadResult): LoadResult {
  const sorted = [...runs].sort((a, b) => a[by] - b[by]);
  return sorted[Math.floor(sorted.length / 2)]!;
}
