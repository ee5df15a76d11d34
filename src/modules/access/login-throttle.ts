/**
 * Per-client throttling of the login and second-factor endpoints: a token bucket per client IP and one
 * per staff ID, in memory (one server process). Every attempt takes a token from both; a successful
 * attempt gives them back, so only failures use the budget up and working staff behind one proxy are
 * not slowed down by their own logins.
 */
export interface BucketRule {
  /** Attempts allowed in a burst. */
  capacity: number;
  /** Tokens added back per minute. */
  refillPerMinute: number;
}

export interface ThrottleLimits {
  perIp: BucketRule;
  perStaff: BucketRule;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  perIp: { capacity: 30, refillPerMinute: 30 },
  perStaff: { capacity: 10, refillPerMinute: 10 },
};

/** Above this many keys, buckets that are full again (equal to no bucket) are forgotten. */
const MAX_KEYS = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rule: BucketRule,
    private readonly now: () => number = Date.now,
  ) {}

  private current(key: string, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.rule.capacity;
    return Math.min(this.rule.capacity, b.tokens + ((now - b.at) / 60_000) * this.rule.refillPerMinute);
  }

  /** Takes one token: 0 when taken, else the whole seconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const tokens = this.current(key, now);
    if (tokens < 1) return Math.max(1, Math.ceil(((1 - tokens) * 60) / this.rule.refillPerMinute));
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_KEYS) this.forgetFull(now);
    return 0;
  }

  giveBack(key: string): void {
    const now = this.now();
    this.buckets.set(key, { tokens: Math.min(this.rule.capacity, this.current(key, now) + 1), at: now });
  }

  private forgetFull(now: number): void {
    for (const key of [...this.buckets.keys()]) if (this.current(key, now) >= this.rule.capacity) this.buckets.delete(key);
  }
}

export type ThrottleVerdict = { ok: true } | { ok: false; by: 'ip' | 'staff'; retryAfterSeconds: number };

export class LoginThrottle {
  private readonly ip: TokenBuckets;
  private readonly staff: TokenBuckets;
  private readonly lastAudited = new Map<string, number>();

  constructor(
    limits: ThrottleLimits = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {
    this.ip = new TokenBuckets(limits.perIp, now);
    this.staff = new TokenBuckets(limits.perStaff, now);
  }

  take(ip: string | null, staffId: string): ThrottleVerdict {
    const ipKey = ip ?? 'unknown';
    const byIp = this.ip.take(ipKey);
    if (byIp > 0) return { ok: false, by: 'ip', retryAfterSeconds: byIp };
    const byStaff = this.staff.take(staffId);
    if (byStaff > 0) {
      this.ip.giveBack(ipKey);
      return { ok: false, by: 'staff', retryAfterSeconds: byStaff };
    }
    return { ok: true };
  }

  /** The attempt succeeded: its tokens go back. */
  succeeded(ip: string | null, staffId: string): void {
    this.ip.giveBack(ip ?? 'unknown');
    this.staff.giveBack(staffId);
  }

  /**
   * A refusal is audited at most once a minute per refusing bucket (the client address, or the staff
   * ID), so a flood does not flood the trail.
   */
  shouldAudit(refusal: { by: 'ip' | 'staff' }, ip: string | null, staffId: string): boolean {
    const key = refusal.by === 'ip' ? `ip|${ip ?? 'unknown'}` : `staff|${staffId}`;
    const now = this.now();
    const last = this.lastAudited.get(key);
    if (last !== undefined && now - last < 60_000) return false;
    if (this.lastAudited.size > MAX_KEYS) this.lastAudited.clear();
    this.lastAudited.set(key, now);
    return true;
  }
}
