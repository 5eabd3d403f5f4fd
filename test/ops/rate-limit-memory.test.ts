/**
 * A process keeps in memory only the addresses that asked lately: one quiet for ten minutes,
 * its counts written, is dropped, and its next request reads the store again, so what
 * other processes counted meanwhile decides it (the metric of addresses read counts each
 * read). Real Redis, with the limiter's clock
 * moved by the test.
 */
import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/rpc/rate-limit.js";
import { RedisRateLimitStore, requestsKey, windowKey } from "../../src/rpc/rate-limit-redis.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const LIMIT = 5;

describe("the rate limit's memory of addresses", () => {
  let redis: Redis;
  const ips = [`203.0.113.${randomInt(0, 120)}`, `203.0.113.${randomInt(128, 250)}`];

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await redis.del(...ips.flatMap((ip) => [windowKey(ip), requestsKey(ip)]));
    await redis.quit();
  });

  it("drops an address after ten quiet minutes, and reads the store again on its next request", async () => {
    let now = Date.now();
    const limiter = new RateLimiter(
      new RedisRateLimitStore(redis, { timeoutMs: 5000 }),
      { limit: LIMIT, windowSeconds: 3600, flushMs: 1000, timeoutMs: 5000 },
      () => now,
    );
    try {
      const [quiet, recent] = ips as [string, string];
      expect(await limiter.isLimited(quiet)).toBe(false);
      expect(await limiter.isLimited(recent)).toBe(false);
      expect(limiter.addressesRead).toBe(2);
      await limiter.flush();
      // Other processes use up both addresses' limits meanwhile.
      await redis.set(requestsKey(quiet), LIMIT);
      await redis.set(requestsKey(recent), LIMIT);

      // Ten seconds on, the address is still in memory: decided on this process's count.
      now += 10_000;
      expect(await limiter.isLimited(recent)).toBe(false);
      expect(limiter.addressesRead).toBe(2);

      // Ten quiet minutes on, the flush drops the other one; its next request reads the store.
      now += 601_000;
      await limiter.flush();
      expect(await limiter.isLimited(quiet)).toBe(true);
      expect(limiter.addressesRead).toBe(3);
    } finally {
      await limiter.stop();
    }
  });
});
