/**
 * The service counts beside the sites it replaces during a migration: beside the legacy
 * PHP site in the ApiRateLimit table (AurJSON::check_ratelimit's statements, run here as
 * PHP ran them: delete old windows, count with Requests + 1, read the count back), and
 * beside today's aurweb in Redis (aurweb/ratelimit.py: `ratelimit-ws:{ip}` holds the
 * window start and `ratelimit:{ip}` the count, both expiring a window length later).
 * Their counts and the service's add up, and each sees the other's.
 */
import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createSchema } from "../../tools/db/create-schema.js";
import { RedisRateLimitStore, requestsKey, windowKey } from "../../src/rpc/rate-limit-redis.js";
import { createScratchDatabase, type ScratchDatabase } from "../../support/database.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const LIMIT = 50;
const WINDOW = 3600;
const TARGET = "/rpc/?v=5&type=info&arg=anything";
const now = () => Math.floor(Date.now() / 1000);

/** One request of the legacy PHP site: true when it is limited. */
async function phpCheck(connection: mysql.Connection, ip: string): Promise<boolean> {
  const time = now();
  await connection.query("DELETE FROM ApiRateLimit WHERE WindowStart < ?", [time - WINDOW]);
  await connection.query("INSERT INTO ApiRateLimit (IP, Requests, WindowStart) VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE Requests=Requests+1", [ip, time]);
  const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT Requests FROM ApiRateLimit WHERE IP = ?", [ip]);
  return Number(rows[0]!.Requests) > LIMIT;
}

/** One request of today's aurweb with its Redis cache: true when it is limited. */
async function aurwebCheck(redis: Redis, ip: string): Promise<boolean> {
  const time = now();
  const window = await redis.get(windowKey(ip));
  if (!window || Number(window) < time - WINDOW) {
    await redis.pipeline().set(windowKey(ip), time).expire(windowKey(ip), WINDOW).set(requestsKey(ip), 1).expire(requestsKey(ip), WINDOW).exec();
  } else {
    await redis.incr(requestsKey(ip));
  }
  return Number(await redis.get(requestsKey(ip))) > LIMIT;
}

describe("sharing the rate limit with the sites the service replaces", () => {
  let scratch: ScratchDatabase;
  let database: Database;
  let redis: Redis;
  let php: mysql.Connection;
  let tableApp: App;
  let redisApp: App;
  const base = randomInt(0, 60) * 4;
  const address = (i: number) => `192.0.2.${base + i}`;

  beforeAll(async () => {
    scratch = await createScratchDatabase("ops_rl_legacy");
    await createSchema(scratch.url, { referenceData: false });
    database = createDatabase(scratch.url, { poolSize: 4 });
    redis = new Redis(REDIS_URL);
    php = await mysql.createConnection(scratch.url);
    const config = defaultConfig({ RATE_LIMIT_REQUESTS: LIMIT, RATE_LIMIT_WINDOW: WINDOW, RATE_LIMIT_TIMEOUT_MS: 10_000 });
    tableApp = createApp({ db: database, config });
    redisApp = createApp({ db: database, config, rateLimitStore: new RedisRateLimitStore(redis, { timeoutMs: 10_000 }) });
    await Promise.all([tableApp.deps.readModel.start(), redisApp.deps.readModel.start()]);
  });

  afterAll(async () => {
    for (const app of [tableApp, redisApp]) {
      await app?.deps.rateLimiter.stop();
      await app?.deps.readModel.stop();
    }
    await php?.end();
    await database?.close();
    await redis?.del(...[0, 1, 2, 3].flatMap((i) => [windowKey(address(i)), requestsKey(address(i))]));
    await redis?.quit();
    await scratch?.drop();
  });

  const serviceRequest = async (app: App, ip: string) => (await app.request(TARGET, { headers: { "X-Real-IP": ip } })).status;

  describe.each([
    { site: "the legacy PHP site, in ApiRateLimit", app: () => tableApp, check: (ip: string) => phpCheck(php, ip) },
    { site: "today's aurweb, in Redis", app: () => redisApp, check: (ip: string) => aurwebCheck(redis, ip) },
  ])("beside $site", ({ app, check }) => {
    const ip = () => (app() === tableApp ? [address(0), address(1)] : [address(2), address(3)]);
    const stored = async (ip: string): Promise<{ requests: number; start: number }> => {
      if (app() === redisApp) return { requests: Number(await redis.get(requestsKey(ip))), start: Number(await redis.get(windowKey(ip))) };
      const [rows] = await php.query<mysql.RowDataPacket[]>("SELECT Requests, WindowStart FROM ApiRateLimit WHERE IP = ?", [ip]);
      return { requests: Number(rows[0]!.Requests), start: Number(rows[0]!.WindowStart) };
    };

    it("the counts add up, the site's window is kept, and the site sees the service's counts", async () => {
      const [shared] = ip();
      const started = now();
      // The site starts the window; then both count, interleaved, with flushes between.
      expect(await check(shared!)).toBe(false);
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 5; i++) expect(await serviceRequest(app(), shared!)).toBe(200);
        for (let i = 0; i < 5; i++) expect(await check(shared!)).toBe(false);
        await app().deps.rateLimiter.flush();
      }
      // 1 + 4 × 10 = 41 counted by both together, in the window the site started.
      expect(await stored(shared!)).toEqual({ requests: 41, start: expect.toSatisfy((s: number) => s >= started && s <= started + 1) });
      // The service's counts take the site past the limit: 41 + 10 + its own.
      for (let i = 0; i < 10; i++) await serviceRequest(app(), shared!);
      await app().deps.rateLimiter.flush();
      expect(await check(shared!)).toBe(true);
      expect((await stored(shared!)).requests).toBe(52);
    });

    it("the service refuses an address the site already counted past the limit", async () => {
      const [, counted] = ip();
      for (let i = 0; i < LIMIT; i++) await check(counted!);
      expect(await serviceRequest(app(), counted!)).toBe(429);
    });
  });
});
