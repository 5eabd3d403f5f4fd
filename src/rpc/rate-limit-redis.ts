/**
 * The rate-limit counts in Redis, under today's aurweb keys so that it can count beside
 * the service: `ratelimit-ws:{ip}` holds the window's start (seconds) and
 * `ratelimit:{ip}` the requests in it, both expiring a window length after the start. A
 * window that started more than the window length ago, or none, starts over with the
 * counts added; otherwise the counts are added to `ratelimit:{ip}`, as aurweb's INCR does
 * one at a time.
 */
import type { Redis } from "ioredis";
import type { PendingCount, RateLimitStore, StoredWindow } from "./rate-limit.js";
import type { TimeLimit } from "../deadline-timer.js";
import { storeTimeLimit } from "./store-time-limit.js";

export const windowKey = (ip: string) => `ratelimit-ws:${ip}`;
export const requestsKey = (ip: string) => `ratelimit:${ip}`;

// KEYS: window and requests key of each address in turn; ARGV: now, window length, then
// requests and window start of each address. Returns each address's start and requests.
// One script, so the test of the window and the count are atomic against other instances.
const ADD = `
local now, length = tonumber(ARGV[1]), tonumber(ARGV[2])
local totals = {}
for i = 1, #KEYS, 2 do
  local requests = tonumber(ARGV[i + 2])
  local start = tonumber(redis.call('GET', KEYS[i]))
  if start == nil or start < now - length then
    start = tonumber(ARGV[i + 3])
    local ttl = math.max(1, start + length - now)
    redis.call('SET', KEYS[i], start, 'EX', ttl)
    redis.call('SET', KEYS[i + 1], requests, 'EX', ttl)
  else
    requests = redis.call('INCRBY', KEYS[i + 1], requests)
  end
  totals[#totals + 1] = start
  totals[#totals + 1] = requests
end
return totals
`;

export interface RedisRateLimitStoreOptions {
  /** How long a command may take (RATE_LIMIT_TIMEOUT_MS). */
  timeoutMs: number;
}

/**
 * A read that outlives the deadline is left to the client, which keeps the connection's
 * replies in order; the request that waited goes on without it.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly deadline: TimeLimit;
  /** Commands sent so far (a script counts once). */
  statements = 0;

  constructor(
    private readonly redis: Redis,
    options: RedisRateLimitStoreOptions,
  ) {
    this.deadline = storeTimeLimit(options.timeoutMs);
  }

  async read(ips: string[]): Promise<Map<string, StoredWindow>> {
    this.statements++;
    const values = await this.deadline.within(this.redis.mget(ips.flatMap((ip) => [windowKey(ip), requestsKey(ip)])));
    const stored = new Map<string, StoredWindow>();
    ips.forEach((ip, i) => {
      const start = values[2 * i];
      if (start != null) stored.set(ip, { start: Number(start), requests: Number(values[2 * i + 1] ?? 0) });
    });
    return stored;
  }

  async add(counts: PendingCount[], now: number, windowSeconds: number): Promise<Map<string, StoredWindow>> {
    this.statements++;
    const keys = counts.flatMap((c) => [windowKey(c.ip), requestsKey(c.ip)]);
    const args = counts.flatMap((c) => [c.requests, c.start]);
    // No deadline here: a script that outlives one still runs once Redis has it (the client
    // keeps the connection's order), so giving up on it would count its requests twice.
    // No request waits for a flush.
    const totals = (await this.redis.eval(ADD, keys.length, ...keys, now, windowSeconds, ...args)) as number[];
    return new Map(counts.map((c, i) => [c.ip, { start: Number(totals[2 * i]), requests: Number(totals[2 * i + 1]) }]));
  }

  /** Redis forgets a window by itself once its keys expire. */
  async expire(): Promise<void> {}
}
