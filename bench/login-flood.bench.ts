import { authenticator } from 'otplib';
import type { Bench, BenchMetric } from './run.js';
import type { RunningServer } from '../src/server.js';

/**
 * Search latency for a working staff member while others flood the login with failed attempts
 * (issue 6: 30 parallel failed logins pushed search p50 from 29 ms to 1.2 s).
 *
 * The real server (in-process, embedded PGlite, demo city of BENCH_FLOOD_RESIDENTS, default 20,000) is
 * started twice: with password hashing bounded (LOGIN_HASH_CONCURRENCY=1, queue 8: the defaults) and
 * unbounded (as before: every failed login hashes at once). The per-client throttle is opened wide in both,
 * as if the flood came from many addresses, so what is measured is the hashing bound alone. In each, one
 * logged-in session issues kana-prefix searches over HTTP one after another: BENCH_FLOOD_QUERIES (default
 * 200) alone, then as many while 30 clients send failed logins back to back.
 */
const FLOODERS = 30;
const KANA = ['ヤマ', 'サト', 'スズ', 'タカ', 'タナ', 'ワタ', 'イト', 'ナカ', 'コバ', 'カト'];

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! : 0;
}
const round = (ms: number) => Math.round(ms * 10) / 10;

async function login(server: RunningServer): Promise<{ cookie: string; csrf: string }> {
  const kokuho = server.demoLogins.find((l) => l.staffId === 'kokuho01');
  if (!kokuho) throw new Error('demo staff kokuho01 missing');
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const r1 = await post('/api/auth/login', { staffId: kokuho.staffId, password: kokuho.password });
  const cookie1 = r1.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await r1.json()) as { csrfToken: string };
  const r2 = await post('/api/auth/totp', { code: authenticator.generate(kokuho.totpSecret) }, { cookie: cookie1, 'x-csrf-token': csrfToken });
  if (r2.status !== 200) throw new Error(`login failed: ${r2.status} ${await r2.text()}`);
  const me = (await r2.json()) as { staff: { csrfToken: string } };
  return { cookie: r2.headers.get('set-cookie')!.split(';')[0]!, csrf: me.staff.csrfToken };
}

async function searches(server: RunningServer, cookie: string, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(`${server.url}/api/persons?kana=${encodeURIComponent(KANA[i % KANA.length]!)}`, { headers: { cookie } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`search answered ${r.status}`);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

async function measure(mode: 'bounded' | 'unbounded', residents: number, queries: number, log: (m: string) => void) {
  process.env.LOGIN_HASH_CONCURRENCY = mode === 'bounded' ? '1' : '16';
  process.env.LOGIN_HASH_QUEUE = mode === 'bounded' ? '8' : '1000';
  process.env.LOGIN_ATTEMPTS_PER_IP = '100000';
  process.env.LOGIN_ATTEMPTS_PER_STAFF = '1000';
  delete process.env.DATABASE_URL;
  const { startServer } = await import('../src/server.js');
  log(`login-flood (${mode}): starting the server with ${residents.toLocaleString('en-US')} residents`);
  const server = await startServer({ port: 0, demo: true, demoResidents: residents, demoSeed: 1, logLevel: 'silent' });
  try {
    const { cookie } = await login(server);
    await searches(server, cookie, 20); // warm-up
    const quiet = await searches(server, cookie, queries);
    let stop = false;
    const answers: Record<number, number> = {};
    const flooders = Array.from({ length: FLOODERS }, async (_, i) => {
      while (!stop) {
        // A starved server may not even accept the connection in time: counted as status 0.
        const status = await fetch(server.url + '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ staffId: `flood${i}`, password: 'wrong-password-123' }) })
          .then(async (r) => (await r.arrayBuffer(), r.status))
          .catch(() => 0);
        answers[status] = (answers[status] ?? 0) + 1;
      }
    });
    await new Promise((r) => setTimeout(r, 1000)); // let the flood build up
    const flooded = await searches(server, cookie, queries);
    stop = true;
    await Promise.all(flooders);
    return { quiet, flooded, answers };
  } finally {
    await server.close();
  }
}

export const loginFloodBench: Bench = {
  name: 'login-flood',
  title: 'search latency with and without 30 parallel failed logins (hashing bounded vs unbounded)',
  async run(ctx) {
    const residents = Number(process.env.BENCH_FLOOD_RESIDENTS ?? 20_000);
    const queries = Number(process.env.BENCH_FLOOD_QUERIES ?? 200);
    const metrics: BenchMetric[] = [];
    const details: Record<string, unknown> = { residents, queries, flooders: FLOODERS, database: 'embedded PGlite (in-process)' };
    for (const mode of ['bounded', 'unbounded'] as const) {
      const { quiet, flooded, answers } = await measure(mode, residents, queries, ctx.log);
      ctx.log(`login-flood (${mode}): search p50 ${round(percentile(quiet, 0.5))} ms alone, ${round(percentile(flooded, 0.5))} ms (p95 ${round(percentile(flooded, 0.95))} ms) under the flood; login answers ${JSON.stringify(answers)}`);
      metrics.push(
        { metric: `${mode}: search p50, no flood`, value: round(percentile(quiet, 0.5)), unit: 'ms' },
        { metric: `${mode}: search p50, 30 failed logins in parallel`, value: round(percentile(flooded, 0.5)), unit: 'ms' },
        { metric: `${mode}: search p95, 30 failed logins in parallel`, value: round(percentile(flooded, 0.95)), unit: 'ms' },
      );
      details[mode] = { loginAnswersByStatus: answers, quietP95: round(percentile(quiet, 0.95)) };
    }
    return { metrics, details };
  },
};
