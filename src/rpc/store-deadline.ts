/**
 * RATE_LIMIT_TIMEOUT_MS: how long a rate-limit check may wait for its store. Every
 * request with the limit on waits for the store, so the waits share one timer, checked
 * a few times per timeout, rather than setting and clearing a timer each.
 */

/** A rate-limit store did not answer within RATE_LIMIT_TIMEOUT_MS. */
export class RateLimitStoreTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`the rate-limit store did not answer within ${timeoutMs} ms`);
    this.name = "RateLimitStoreTimeout";
  }
}

/** A wait being watched; pass it to `cancel` once it is over. */
export interface Watch {
  expiresAt: number;
  expire: () => void;
}

/** How many times per timeout the waits are checked: a wait expires up to a tenth late. */
const CHECKS_PER_TIMEOUT = 10;

export class StoreDeadline {
  private readonly waiting = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  /** Calls `expire` once, `afterMs` from now, unless the watch is cancelled first. */
  watch(expire: () => void, afterMs = this.timeoutMs): Watch {
    const entry: Watch = { expiresAt: performance.now() + afterMs, expire };
    this.waiting.add(entry);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.expireDue(), Math.max(1, this.timeoutMs / CHECKS_PER_TIMEOUT));
      // A wait for the store never keeps the process alive by itself.
      this.timer.unref();
    }
    return entry;
  }

  cancel(entry: Watch): void {
    this.waiting.delete(entry);
  }

  /** `work`, or a RateLimitStoreTimeout once `timeoutMs` has passed. */
  within<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = this.watch(() => reject(new RateLimitStoreTimeout(this.timeoutMs)));
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
