/**
 * The Redis rate-limit store counts exactly as the database store does, on the same
 * timeline: the window starts with the first request, every request counts, and a
 * window ends once it started more than the window length ago.
 */
import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createSchema } from "../../tools/db/create-schema.js";
import { DatabaseRateLimitStore, type RateLimitStore } from "../../src/rpc/rate-limit.js";
import { RATE_LIMIT_KEY_PREFIX, RedisRateLimitStore } from "../../src/rpc/rate-limit-redis.js";
import { createScratchDatabase, type ScratchDatabase } from "../../support/database.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const WINDOW = 10;

describe("rate-limit stores", () => {
  let scratch: ScratchDatabase;
  let database: Database;
  let redis: Redis;
  // Documentation addresses (TEST-NET-3), fresh per run so runs never share Redis keys.
  const base = randomInt(0, 200);
  const addresses = [0, 1, 2].map((i) => `203.0.113.${base + i}`);

  beforeAll(async () => {
    scratch = await createScratchDatabase("ops_stores");
    await createSchema(scratch.url, { referenceData: false });
    database = createDatabase(scratch.url, { poolSize: 4 });
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await redis?.del(...addresses.map((a) => RATE_LIMIT_KEY_PREFIX + a));
    await redis?.quit();
    await database?.close();
    await scratch?.drop();
  });

  it("give the same counts for the same requests", async () => {
    const t = 1_700_000_000;
    const timeline: [address: string, now: number][] = [
      [addresses[0]!, t],
      [addresses[0]!, t + 1],
      [addresses[1]!, t + 2],
      [addresses[0]!, t + WINDOW], // still the first window: it started exactly WINDOW ago
      [addresses[0]!, t + WINDOW + 1], // a new window
      [addresses[0]!, t + WINDOW + 2],
      [addresses[1]!, t + WINDOW + 2],
    ];
    const counts = async (store: RateLimitStore) => {
      const seen: number[] = [];
      for (const [address, now] of timeline) seen.push(await store.hit(address, now, WINDOW));
      return seen;
    };
    const expected = [1, 2, 1, 3, 1, 2, 2];
    expect(await counts(new DatabaseRateLimitStore(database.pool, { timeoutMs: 5000 }))).toEqual(expected);
    expect(await counts(new RedisRateLimitStore(redis, { timeoutMs: 5000 }))).toEqual(expected);
  });

  it("lose no count when many requests arrive at once", async () => {
    const store = new RedisRateLimitStore(redis, { timeoutMs: 5000 });
    const now = Math.floor(Date.now() / 1000);
    const seen = await Promise.all(Array.from({ length: 50 }, () => store.hit(addresses[2]!, now, WINDOW)));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // The key goes away by itself once its window is over.
    expect(await redis.ttl(RATE_LIMIT_KEY_PREFIX + addresses[2])).toBeGreaterThan(0);
  });
});
