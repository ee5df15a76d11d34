import { describe, expect, it } from 'vitest';
import { LoginThrottle, TokenBuckets } from './login-throttle.js';

describe('token buckets', () => {
  it('allows a burst of `capacity`, then refuses with the seconds until the next token', () => {
    let now = 0;
    const b = new TokenBuckets({ capacity: 3, refillPerMinute: 6 }, () => now);
    expect([b.take('k'), b.take('k'), b.take('k')]).toEqual([0, 0, 0]);
    expect(b.take('k')).toBe(10); // 6 a minute: one every 10 s
    now += 10_000;
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBeGreaterThan(0);
    expect(b.take('other')).toBe(0); // keys are independent
  });

  it('refills up to capacity, not beyond', () => {
    let now = 0;
    const b = new TokenBuckets({ capacity: 2, refillPerMinute: 60 }, () => now);
    b.take('k');
    now += 3_600_000;
    expect([b.take('k'), b.take('k'), b.take('k') > 0]).toEqual([0, 0, true]);
  });
});

describe('login throttle', () => {
  const limits = { perIp: { capacity: 4, refillPerMinute: 4 }, perStaff: { capacity: 2, refillPerMinute: 2 } };

  it('failures use up the per-staff budget whatever the IP, and the per-IP budget whatever the staff ID', () => {
    const now = 0;
    const t = new LoginThrottle(limits, () => now);
    expect(t.take('10.0.0.1', 'a').ok).toBe(true);
    expect(t.take('10.0.0.2', 'a').ok).toBe(true);
    expect(t.take('10.0.0.3', 'a')).toEqual({ ok: false, by: 'staff', retryAfterSeconds: 30 });
    const ip = new LoginThrottle(limits, () => now);
    for (const id of ['a', 'b', 'c', 'd']) expect(ip.take('10.0.0.9', id).ok).toBe(true);
    expect(ip.take('10.0.0.9', 'e')).toMatchObject({ ok: false, by: 'ip' });
    expect(ip.take('10.0.0.8', 'e').ok).toBe(true);
  });

  it('successful attempts give their tokens back: working staff are never throttled by their own logins', () => {
    const t = new LoginThrottle(limits, () => 0);
    for (let i = 0; i < 100; i++) {
      expect(t.take('10.0.0.1', 'a').ok).toBe(true);
      t.succeeded('10.0.0.1', 'a');
    }
  });

  it('a refusal by the staff bucket does not cost the IP a token', () => {
    const t = new LoginThrottle({ perIp: { capacity: 3, refillPerMinute: 1 }, perStaff: { capacity: 1, refillPerMinute: 1 } }, () => 0);
    expect(t.take('ip', 'a').ok).toBe(true);
    expect(t.take('ip', 'a').ok).toBe(false);
    expect(t.take('ip', 'a').ok).toBe(false);
    expect(t.take('ip', 'b').ok).toBe(true);
    expect(t.take('ip', 'c').ok).toBe(true);
  });

  it('audits a refusal at most once a minute per refusing bucket (a flood of new staff IDs from one address is one record)', () => {
    let now = 0;
    const t = new LoginThrottle(limits, () => now);
    const ip = { by: 'ip' as const };
    const staff = { by: 'staff' as const };
    expect(t.shouldAudit(ip, '10.0.0.1', 'a')).toBe(true);
    expect(t.shouldAudit(ip, '10.0.0.1', 'b')).toBe(false);
    expect(t.shouldAudit(ip, '10.0.0.2', 'b')).toBe(true);
    expect(t.shouldAudit(staff, '10.0.0.3', 'a')).toBe(true);
    expect(t.shouldAudit(staff, '10.0.0.4', 'a')).toBe(false);
    now += 60_000;
    expect(t.shouldAudit(ip, '10.0.0.1', 'c')).toBe(true);
  });
});
