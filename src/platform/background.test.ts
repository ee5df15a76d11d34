import { describe, expect, it } from 'vitest';
import { startBackground } from './background.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startBackground: work the server does on a timer', () => {
  it('runs each task again and again, never two runs of one task at once; logs summaries and errors; stop waits for a run', async () => {
    const logged: string[] = [];
    const logger = { info: (_o: object, msg: string) => logged.push(`info ${msg}`), error: (o: { err?: string }) => logged.push(`error ${o.err}`) };
    let running = 0;
    let overlap = false;
    let runs = 0;
    let failures = 0;
    const bg = startBackground(
      [
        {
          name: 'slow',
          everyMs: 5,
          async run() {
            running++;
            if (running > 1) overlap = true;
            runs++;
            await sleep(30);
            running--;
            return runs === 1 ? '1件処理しました' : null;
          },
        },
        {
          name: 'failing',
          everyMs: 5,
          async run() {
            failures++;
            throw new Error('接続できません');
          },
        },
      ],
      logger as never,
    );
    await sleep(120);
    await bg.stop();
    const runsAtStop = runs;
    await sleep(40);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(overlap).toBe(false);
    expect(failures).toBeGreaterThanOrEqual(2); // an error does not stop the task
    expect(logged).toContain('info 1件処理しました');
    expect(logged.filter((l) => l.startsWith('info'))).toHaveLength(1); // null: nothing logged
    expect(logged).toContain('error Error: 接続できません');
    expect(runs).toBe(runsAtStop); // no run after stop
    expect(running).toBe(0);
  });
});
