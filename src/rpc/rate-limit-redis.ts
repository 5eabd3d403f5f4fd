/**
 * The rate limit in Redis, for several instances that do not share a database. The
 * semantics are DatabaseRateLimitStore's, step for step: a window starts with an
 * address's first request, every request in it counts, and a window is over once it
 * started more than `windowSeconds` before now. The script runs atomically in Redis,
 * so concurrent requests from several instances cannot lose a count.
 */
import type { Redis } from "ioredis";
import type { TimeLimit } from "../deadline-timer.js";
import { storeTimeLimit, type RateLimitStore } from "./rate-limit.js";

// KEYS[1]: the address's hash {start, requests}; ARGV: now, window (seconds).
// The expiry only collects windows nobody touches again; the start comparison decides,
// with the service's clock like the database store.
const HIT = `
local start = tonumber(redis.call('HGET', KEYS[1], 'start'))
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if start == nil or start < now - window then
  redis.call('HSET', KEYS[1], 'start', now, 'requests', 1)
  redis.call('EXPIRE', KEYS[1], window + 1)
  return 1
end
return redis.call('HINCRBY', KEYS[1], 'requests', 1)
`;

export const RATE_LIMIT_KEY_PREFIX = "aurweb:ratelimit:";

export interface RedisRateLimitStoreOptions {
  /** How long a request may wait for Redis (RATE_LIMIT_TIMEOUT_MS). */
  timeoutMs: number;
}

/**
 * A command that outlives the deadline is left to the client, which keeps the
 * connection's replies in order; the request goes on without it.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly deadline: TimeLimit;

  constructor(
    private readonly redis: Redis,
    options: RedisRateLimitStoreOptions,
  ) {
    this.deadline = storeTimeLimit(options.timeoutMs);
  }

  hit(ip: string, now: number, windowSeconds: number): Promise<number> {
    return this.deadline.within(this.redis.eval(HIT, 1, RATE_LIMIT_KEY_PREFIX + ip, now, windowSeconds)).then(Number);
  }
}
