import { describe, expect, it } from 'vitest';
import { HashLimiter } from './hash-limiter.js';

/** A job that stays running until released, recording how many ran at once. */
function harness() {
  let running = 0;
  let maxSeen = 0;
  const releases: (() => void)[] = [];
  const job = () =>
    new Promise<string>((resolve) => {
      running++;
      maxSeen = Math.max(maxSeen, running);
      releases.push(() => {
        running--;
        resolve('hashed');
      });
    });
  const tick = () => new Promise((r) => setImmediate(r));
  const releaseAll = async () => {
    while (releases.length) {
      releases.shift()!();
      await tick();
    }
  };
  return { job, releases, releaseAll, tick, maxSeen: () => maxSeen, running: () => running };
}

describe('password hashing is bounded', () => {
  it('runs at most `concurrency` hashes at once, queues up to `queue`, and refuses the rest at once without running them', async () => {
    const h = harness();
    const limiter = new HashLimiter(2, 3);
    const results = Array.from({ length: 30 }, () => limiter.run(h.job));
    await h.tick();
    expect(h.running()).toBe(2);
    expect(limiter.full).toBe(true);
    // 2 running + 3 waiting; the other 25 were refused without their job ever starting
    const settled = await Promise.all(results.slice(5));
    expect(settled.every((r) => r === null)).toBe(true);
    expect(h.releases.length).toBe(2);
    await h.releaseAll();
    expect(limiter.full).toBe(false);
    const done = await Promise.all(results.slice(0, 5));
    expect(done).toEqual(Array(5).fill({ value: 'hashed' }));
    expect(h.maxSeen()).toBe(2);
  });

  it('frees the slot when a hash fails, so a failure cannot wedge the limiter', async () => {
    const limiter = new HashLimiter(1, 0);
    await expect(limiter.run(() => Promise.reject(new Error('argon2 failed')))).rejects.toThrow('argon2 failed');
    expect(await limiter.run(() => Promise.resolve(1))).toEqual({ value: 1 });
  });

  it('with one slot and no queue, a second hash while one runs is refused', async () => {
    const h = harness();
    const limiter = new HashLimiter(1, 0);
    const first = limiter.run(h.job);
    await h.tick();
    expect(await limiter.run(h.job)).toBeNull();
    await h.releaseAll();
    expect(await first).toEqual({ value: 'hashed' });
    expect(h.maxSeen()).toBe(1);
  });
});
