/**
 * RATE_LIMIT_TIMEOUT_MS: how long the rate limit may wait for its store. Every store
 * call is held to it, so the waits share one timer (deadline-timer.ts) rather than
 * setting and clearing a timer each.
 */
import { TimeLimit } from "../deadline-timer.js";

/** A rate-limit store did not answer within RATE_LIMIT_TIMEOUT_MS. */
export class RateLimitStoreTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`the rate-limit store did not answer within ${timeoutMs} ms`);
    this.name = "RateLimitStoreTimeout";
  }
}

export function storeTimeLimit(timeoutMs: number): TimeLimit {
  return new TimeLimit(timeoutMs, () => new RateLimitStoreTimeout(timeoutMs));
}
