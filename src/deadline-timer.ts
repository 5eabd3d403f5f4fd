/**
 * Waits held to a fixed time limit (TimeLimit: a request's REQUEST_TIMEOUT_MS, a rate-limit
 * store's RATE_LIMIT_TIMEOUT_MS), each counted from its own start and all checked by one
 * interval timer. A timer per wait (set, then cleared when the wait ends) costs more than
 * the whole answer of a cheap request. A finished wait leaves the set at once, so nothing
 * keeps its caller reachable; the timer runs only while something waits and never keeps
 * the process alive by itself. A wait expires up to one check interval late.
 */

/** A wait being watched; pass it to `cancel` once it is over. */
export interface Watch {
  /** performance.now() at which `expire` is called. */
  expiresAt: number;
  expire: () => void;
}

class DeadlineTimer {
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

/** How many times per timeout a TimeLimit's waits are checked: a wait expires up to a tenth late. */
const CHECKS_PER_TIMEOUT = 10;

/** Waits held to `timeoutMs`; one that outlives it fails with the error `timedOut()` makes. */
export class TimeLimit {
  private readonly waits: DeadlineTimer;

  constructor(
    readonly timeoutMs: number,
    private readonly timedOut: () => Error,
  ) {
    this.waits = new DeadlineTimer(timeoutMs / CHECKS_PER_TIMEOUT);
  }

  /** Calls `expire` once, `afterMs` from now, unless the watch is cancelled first. */
  watch(expire: () => void, afterMs = this.timeoutMs): Watch {
    return this.waits.watch(expire, performance.now() + afterMs);
  }

  cancel(entry: Watch): void {
    this.waits.cancel(entry);
  }

  /** `work`, or the timeout's error once `timeoutMs` has passed since `startedAt` (performance.now(); now when not given). */
  within<T>(work: Promise<T>, startedAt = performance.now()): Promise<T> {
    return this.waits.within(work, startedAt + this.timeoutMs, this.timedOut);
  }
}
