/**
 * RATE_LIMIT_TIMEOUT_MS: how long a rate-limit check may wait for its store. Every
 * request with the limit on waits for the store, so the waits share one timer, checked
 * a few times per timeout, rather than setting and clearing a timer each.
 */
import { DeadlineTimer, type Watch } from "../deadline-timer.js";

/** A rate-limit store did not answer within RATE_LIMIT_TIMEOUT_MS. */
export class RateLimitStoreTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`the rate-limit store did not answer within ${timeoutMs} ms`);
    this.name = "RateLimitStoreTimeout";
  }
}

/** How many times per timeout the waits are checked: a wait expires up to a tenth late. */
const CHECKS_PER_TIMEOUT = 10;

export class StoreDeadline {
  private readonly waits: DeadlineTimer;

  constructor(readonly timeoutMs: number) {
    this.waits = new DeadlineTimer(timeoutMs / CHECKS_PER_TIMEOUT);
  }

  /** Calls `expire` once, `afterMs` from now, unless the watch is cancelled first. */
  watch(expire: () => void, afterMs = this.timeoutMs): Watch {
    return this.waits.watch(expire, performance.now() + afterMs);
  }

  cancel(entry: Watch): void {
    this.waits.cancel(entry);
  }

  /** `work`, or a RateLimitStoreTimeout once `timeoutMs` has passed. */
  within<T>(work: Promise<T>): Promise<T> {
    return this.waits.within(work, performance.now() + this.timeoutMs, () => new RateLimitStoreTimeout(this.timeoutMs));
  }
}
