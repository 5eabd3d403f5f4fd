/**
 * The two rate-limit stores add a process's counts the same way, on the same timeline:
 * a window starts with the first request, counts are added to a live window, and a
 * window that started more than the window length ago starts over with the counts given.
 */
import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createSchema } from "../../tools/db/create-schema.js";
import type { RateLimitStore } from "../../src/rpc/rate-limit.js";
import { DatabaseRateLimitStore } from "../../src/rpc/rate-limit-table.js";
import { RedisRateLimitStore, requestsKey, windowKey } from "../../src/rpc/rate-limit-redis.js";
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
    await redis?.del(...addresses.flatMap((a) => [windowKey(a), requestsKey(a)]));
    await redis?.quit();
    await database?.close();
    await scratch?.drop();
  });

  it("give the same totals for the same counts", async () => {
    const t = 1_700_000_000;
    const [a, b] = [addresses[0]!, addresses[1]!];
    const timeline: [ip: string, requests: number, start: number, now: number][] = [
      [a, 1, t, t],
      [a, 2, t, t + 1],
      [b, 3, t + 2, t + 2],
      [a, 1, t, t + WINDOW], // still the first window: it started exactly WINDOW ago
      [a, 2, t + WINDOW + 1, t + WINDOW + 1], // a new window
      [a, 1, t + WINDOW + 1, t + WINDOW + 2],
      [b, 1, t + 2, t + WINDOW + 2],
    ];
    const totals = async (store: RateLimitStore) => {
      const seen: [number, number][] = [];
      for (const [ip, requests, start, now] of timeline) {
        const total = (await store.add([{ ip, requests, start }], now, WINDOW)).get(ip)!;
        seen.push([total.start, total.requests]);
      }
      return seen;
    };
    const expected = [
      [t, 1],
      [t, 3],
      [t + 2, 3],
      [t, 4],
      [t + WINDOW + 1, 2],
      [t + WINDOW + 1, 3],
      [t + 2, 4],
    ];
    expect(await totals(new DatabaseRateLimitStore(database.pool, { timeoutMs: 5000 }))).toEqual(expected);
    expect(await totals(new RedisRateLimitStore(redis, { timeoutMs: 5000 }))).toEqual(expected);
  });

  it("read back what they hold, and nothing for an address they do not know", async () => {
    for (const store of [new DatabaseRateLimitStore(database.pool, { timeoutMs: 5000 }), new RedisRateLimitStore(redis, { timeoutMs: 5000 })]) {
      const stored = await store.read([addresses[1]!, "192.0.2.250"]);
      expect([...stored]).toEqual([[addresses[1]!, { start: 1_700_000_002, requests: 4 }]]);
    }
  });

  it("lose no count when many processes add at once", async () => {
    const now = Math.floor(Date.now() / 1000);
    const ip = addresses[2]!;
    for (const store of [new DatabaseRateLimitStore(database.pool, { timeoutMs: 5000 }), new RedisRateLimitStore(redis, { timeoutMs: 5000 })]) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.add([{ ip, requests: 1 + (i % 3), start: now }, { ip: `192.0.2.${i}`, requests: 1, start: now }], now, 3600)));
      expect((await store.read([ip])).get(ip)).toEqual({ start: now, requests: 99 });
    }
    // The keys go away by themselves once the window is over.
    expect(await redis.ttl(requestsKey(ip))).toBeGreaterThan(3500);
    expect(await redis.ttl(windowKey(ip))).toBeGreaterThan(3500);
    await redis.del(...Array.from({ length: 50 }, (_, i) => [windowKey(`192.0.2.${i}`), requestsKey(`192.0.2.${i}`)]).flat());
  });
});
