/**
 * Within one process the rate limit is exact: of many concurrent requests of one address,
 * exactly the limit (less what the store already counted in the address's window) are
 * answered, over real HTTP, with either store; and after a flush the store holds every
 * request, refused ones included, as the legacy rule counts them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createSchema } from "../../tools/db/create-schema.js";
import { createHttpServer } from "../../src/server.js";
import { RedisRateLimitStore, requestsKey, windowKey } from "../../src/rpc/rate-limit-redis.js";
import { createScratchDatabase, type ScratchDatabase } from "../../support/database.js";
import { rawRequest } from "../support/http.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const LIMIT = 100;
const WINDOW = 3600;
const CLIENTS = 6;
const REQUESTS_PER_CLIENT = 30;
const TOTAL = CLIENTS * REQUESTS_PER_CLIENT;
const TARGET = "/rpc/?v=5&type=info&arg=anything";

describe.each([{ store: "table" }, { store: "Redis" }])("the rate limit within one process, $store store", ({ store }) => {
  let scratch: ScratchDatabase;
  let database: Database;
  let redis: Redis;
  let app: App;
  let server: http.Server;
  let url: string;
  // A fresh block of documentation addresses (TEST-NET-2) per run: runs never share Redis keys.
  const base = randomInt(0, 50) * 4;
  const address = (i: number) => `198.51.100.${base + i}`;

  /** Seeds the store with a window of `requests` for `ip` that started `ago` seconds ago. */
  async function seed(ip: string, requests: number, ago: number): Promise<void> {
    const start = Math.floor(Date.now() / 1000) - ago;
    if (store === "Redis") await redis.mset(windowKey(ip), start, requestsKey(ip), requests);
    else await database.pool.query("INSERT INTO ApiRateLimit (IP, Requests, WindowStart) VALUES (?, ?, ?)", [ip, requests, start]);
  }

  async function stored(ip: string): Promise<number> {
    await app.deps.rateLimiter.flush();
    if (store === "Redis") return Number(await redis.get(requestsKey(ip)));
    const [rows] = await database.pool.query<mysql.RowDataPacket[]>("SELECT Requests FROM ApiRateLimit WHERE IP = ?", [ip]);
    return Number(rows[0]?.Requests);
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase("ops_rl_exact");
    await createSchema(scratch.url, { referenceData: false });
    database = createDatabase(scratch.url, { poolSize: 4 });
    redis = new Redis(REDIS_URL);
    // A generous deadline: this test is about counting, not about a slow machine.
    app = createApp({
      db: database,
      config: defaultConfig({ RATE_LIMIT_REQUESTS: LIMIT, RATE_LIMIT_WINDOW: WINDOW, RATE_LIMIT_TIMEOUT_MS: 10_000 }),
      rateLimitStore: store === "Redis" ? new RedisRateLimitStore(redis, { timeoutMs: 10_000 }) : undefined,
    });
    await app.deps.readModel.start();
    server = createHttpServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.deps.rateLimiter.stop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await app?.deps.readModel.stop();
    await database?.close();
    await redis?.del(...[0, 1, 2].flatMap((i) => [windowKey(address(i)), requestsKey(address(i))]));
    await redis?.quit();
    await scratch?.drop();
  });

  /** TOTAL requests of `ip` from CLIENTS concurrent clients; the number answered. */
  async function answered(ip: string): Promise<number> {
    const client = async () => {
      let ok = 0;
      for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
        const { status } = await rawRequest(url, "GET", TARGET, { "X-Real-IP": ip });
        expect([200, 429]).toContain(status);
        if (status === 200) ok++;
      }
      return ok;
    };
    return (await Promise.all(Array.from({ length: CLIENTS }, client))).reduce((a, b) => a + b, 0);
  }

  it(`answers exactly ${LIMIT} of ${TOTAL} concurrent requests of a new address, and stores all ${TOTAL}`, async () => {
    expect(await answered(address(0))).toBe(LIMIT);
    expect(await stored(address(0))).toBe(TOTAL);
  });

  it("counts on from what the store held at start: a live window keeps its count", async () => {
    await seed(address(1), 40, 60);
    expect(await answered(address(1))).toBe(LIMIT - 40);
    expect(await stored(address(1))).toBe(40 + TOTAL);
  });

  it("an address whose stored window is over starts a new one", async () => {
    await seed(address(2), 5000, WINDOW + 60);
    expect(await answered(address(2))).toBe(LIMIT);
    expect(await stored(address(2))).toBe(TOTAL);
  });
});
