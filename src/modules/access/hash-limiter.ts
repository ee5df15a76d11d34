/**
 * Bounds password hashing (argon2id, ~64 MiB and a few hundred ms of CPU each): at most `concurrency`
 * hashes run at once, at most `queue` more wait; anything beyond is refused at once, without hashing,
 * so a flood of failed logins cannot starve the staff who are working.
 */
export class HashLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  /** Every slot busy and the queue full: a new hash would be refused. */
  get full(): boolean {
    return this.running >= this.concurrency && this.waiting.length >= this.queue;
  }

  /** Runs fn when a slot is free; returns null (fn not run) when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<{ value: T } | null> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return { value: await fn() };
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.running--;
    }
  }
}
