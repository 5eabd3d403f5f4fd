/**
 * Waits that end at a deadline, checked together by one interval timer. A timer per wait
 * (set, then cleared when the wait ends) costs more than the whole answer of a cheap
 * request. A finished wait leaves the set at once, so nothing keeps its caller reachable;
 * the timer runs only while something waits and never keeps the process alive by itself.
 * A wait expires up to one check interval late.
 */

/** A wait being watched; pass it to `cancel` once it is over. */
export interface Watch {
  /** performance.now() at which `expire` is called. */
  expiresAt: number;
  expire: () => void;
}

export class DeadlineTimer {
  private readonly waiting = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly checkEveryMs: number) {}

  /** Calls `expire` once, at `expiresAt` (performance.now()), unless the watch is cancelled first. */
  watch(expire: () => void, expiresAt: number): Watch {
    const entry: Watch = { expiresAt, expire };
    this.waiting.add(entry);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.expireDue(), Math.max(1, this.checkEveryMs));
      this.timer.unref();
    }
    return entry;
  }

  cancel(entry: Watch): void {
    this.waiting.delete(entry);
  }

  /** `work`, or the error `timedOut()` makes once `expiresAt` has passed. */
  within<T>(work: Promise<T>, expiresAt: number, timedOut: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = this.watch(() => reject(timedOut()), expiresAt);
      work.then(
        (value) => {
          this.cancel(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.cancel(entry);
          reject(error);
        },
      );
    });
  }

  private expireDue(): void {
    const now = performance.now();
    // Waits start at different times, so they are not in deadline order; only what waits
    // is here, so looking at each is cheap.
    for (const entry of this.waiting) {
      if (entry.expiresAt > now) continue;
      this.waiting.delete(entry);
      entry.expire();
    }
    if (this.waiting.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
