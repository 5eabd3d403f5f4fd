/**
 * Across processes the rate limit is shared through the store within a stated bound:
 * a process's counts reach the store at its next flush, and another process sees them at
 * its own next flush, so beyond the limit one address can get answered at most what all
 * processes answer of it within two flush intervals (RATE_LIMIT_FLUSH_MS) and the
 * flushes' round trips. Here two instances of two workers each share one store;
 * on SIGTERM every process writes its pending counts, so the store ends up holding every
 * request (refused ones included, as the legacy rule counts them).
 */
import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSchema } from "../../tools/db/create-schema.js";
import { requestsKey, windowKey } from "../../src/rpc/rate-limit-redis.js";
import { createScratchDatabase, type ScratchDatabase } from "../../support/database.js";
import { rawRequest } from "../support/http.js";
import { spawnService, type ServiceProcess } from "../../support/service-process.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const LIMIT = 200;
// Short enough that the bound stays under the limit at the pace the clients keep.
const FLUSH_MS = 50;
const CLIENTS = 4;
const REQUESTS_PER_CLIENT = 150;
const PAUSE_MS = 5;
const TARGET = "/rpc/?v=5&type=info&arg=anything";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([{ store: "table" }, { store: "Redis" }])("two instances of two workers, one $store store", ({ store }) => {
  let db: ScratchDatabase;
  let redis: Redis;
  let instances: ServiceProcess[] = [];
  const addresses = [1, 2, 3].map(() => `203.0.113.${randomInt(1, 255)}`);

  beforeEach(async () => {
    db = await createScratchDatabase("ops_rl_shared");
    await createSchema(db.url, { referenceData: false });
    redis = new Redis(REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    instances = [];
    await redis.del(...addresses.flatMap((a) => [windowKey(a), requestsKey(a)]));
    await redis.quit();
    await db.drop();
  });

  async function start(env: Record<string, string>): Promise<void> {
    const base = { DATABASE_URL: db.url, WORKERS: "2", RATE_LIMIT_REQUESTS: String(LIMIT), RATE_LIMIT_WINDOW: "3600", ...(store === "Redis" ? { REDIS_URL } : {}) };
    instances = await Promise.all([spawnService({ ...base, ...env }), spawnService({ ...base, ...env })]);
  }

  async function storedCount(ip: string): Promise<number> {
    if (store === "Redis") return Number(await redis.get(requestsKey(ip)));
    const connection = await mysql.createConnection(db.url);
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT Requests FROM ApiRateLimit WHERE IP = ?", [ip]);
      return Number(rows[0]?.Requests ?? 0);
    } finally {
      await connection.end();
    }
  }

  /** Each client a request at a time, a new connection each (spread over the workers), to alternating instances. */
  async function send(ip: string): Promise<{ answered: number; total: number; requestsPerMs: number }> {
    const started = performance.now();
    const client = async (c: number) => {
      let answered = 0;
      for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
        const instance = instances[(c + i) % instances.length]!;
        const { status } = await rawRequest(instance.url, "GET", TARGET, { "X-Real-IP": ip, Connection: "close" });
        expect([200, 429]).toContain(status);
        if (status === 200) answered++;
        await sleep(PAUSE_MS);
      }
      return answered;
    };
    const answered = (await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))).reduce((a, b) => a + b, 0);
    const total = CLIENTS * REQUESTS_PER_CLIENT;
    return { answered, total, requestsPerMs: total / (performance.now() - started) };
  }

  it("answers at least the limit and at most the limit plus two flush intervals' requests", async () => {
    await start({ RATE_LIMIT_FLUSH_MS: String(FLUSH_MS) });
    const { answered, total, requestsPerMs } = await send(addresses[0]!);
    // The stated bound: what all processes answer of the address in two flush intervals,
    // plus one more for the flushes' round trips and the timers' lateness on a busy
    // machine. Without sharing, each of the four processes would answer up to the limit.
    const bound = Math.ceil(requestsPerMs * 3 * FLUSH_MS);
    expect(bound).toBeLessThan(LIMIT);
    expect(answered).toBeGreaterThanOrEqual(LIMIT);
    expect(answered).toBeLessThanOrEqual(LIMIT + bound);

    // Every request is in the store once the instances have stopped.
    await Promise.all(instances.map((i) => i.stop()));
    expect(await storedCount(addresses[0]!)).toBe(total);
  });

  it("SIGTERM writes the counts still pending: the store holds every request", async () => {
    // No flush interval passes during the test: only the shutdown writes.
    await start({ RATE_LIMIT_FLUSH_MS: "60000" });
    const sent = [0, 0];
    for (let i = 0; i < 40; i++) {
      const ip = addresses[1 + (i % 2)]!;
      await rawRequest(instances[i % 2]!.url, "GET", TARGET, { "X-Real-IP": ip, Connection: "close" });
      sent[i % 2]!++;
    }
    expect(await storedCount(addresses[1]!)).toBe(0);
    const codes = await Promise.all(instances.map((i) => i.stop()));
    expect(codes).toEqual([0, 0]);
    expect(await storedCount(addresses[1]!)).toBe(sent[0]);
    expect(await storedCount(addresses[2]!)).toBe(sent[1]);
  });
});
