/**
 * RATE_LIMIT_TIMEOUT_MS: a rate-limit store that is slow (a lock in MariaDB) or cut off
 * (a network partition, made with a real TCP hop that stops passing bytes) costs a
 * request at most the deadline; the process goes on counting in memory, the log says so
 * once per episode, and the database store gives its pool connection back either way.
 */
import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { createDatabase, poolUsage, type Database } from "../../src/db/client.js";
import { createSchema } from "../../tools/db/create-schema.js";
import { RateLimiter, type RateLimitStore } from "../../src/rpc/rate-limit.js";
import { DatabaseRateLimitStore } from "../../src/rpc/rate-limit-table.js";
import { RedisRateLimitStore, requestsKey, windowKey } from "../../src/rpc/rate-limit-redis.js";
import { RateLimitStoreTimeout } from "../../src/rpc/store-time-limit.js";
import { capturingLogger } from "../support/capturing-logger.js";
import { createScratchDatabase, type ScratchDatabase } from "../../support/database.js";
import { FaultProxy } from "../../support/fault-proxy.js";

const REDIS_URL = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const TIMEOUT = 200;
const WINDOW = 3600;
const now = () => Math.floor(Date.now() / 1000);

/** Adds one request of `ip` and returns its window's count. */
const hit = async (store: RateLimitStore, ip: string) => (await store.add([{ ip, requests: 1, start: now() }], now(), WINDOW)).get(ip)?.requests;


/** How long `work` took to settle, and how. */
async function timed<T>(work: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await work;
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe("the rate-limit store's deadline", () => {
  let scratch: ScratchDatabase;
  let proxy: FaultProxy;
  let locker: mysql.Connection;
  const databases: Database[] = [];

  /** A pool that reaches MariaDB through the partitionable proxy. */
  function throughProxy(poolSize: number): Database {
    const url = new URL(scratch.url);
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    const database = createDatabase(url.toString(), { poolSize });
    databases.push(database);
    return database;
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase("ops_rl_deadline");
    await createSchema(scratch.url, { referenceData: false });
    proxy = await FaultProxy.start(scratch.url);
    locker = await mysql.createConnection(scratch.url);
  });

  afterAll(async () => {
    await proxy?.heal();
    await locker?.end();
    await Promise.all(databases.map((d) => d.close()));
    await proxy?.close();
    await scratch?.drop();
  });

  it("database behind a lock: the wait ends at the deadline and the connection comes back", async () => {
    const database = throughProxy(1);
    const store = new DatabaseRateLimitStore(database.pool, { timeoutMs: TIMEOUT });
    expect(await hit(store, "192.0.2.1")).toBe(1);

    await locker.query("LOCK TABLES ApiRateLimit WRITE");
    try {
      const stuck = await timed(hit(store, "192.0.2.1"));
      expect(stuck.error).toBeInstanceOf(RateLimitStoreTimeout);
      expect(stuck.ms).toBeGreaterThanOrEqual(TIMEOUT - 1);
      expect(stuck.ms).toBeLessThan(TIMEOUT * 1.1 + 100);
      // MariaDB gives the statement up at the same deadline (max_statement_time) while the
      // lock is still held, and the single connection of the pool is free again.
      await vi.waitFor(async () => expect(await waitingStatements(scratch.name)).toBe(0), { timeout: 5000 });
      await vi.waitFor(() => expect(poolUsage(database.pool).inUse).toBe(0), { timeout: 5000 });
    } finally {
      await locker.query("UNLOCK TABLES");
    }
    // The timed-out request was not counted; the next one is the second.
    expect(await hit(store, "192.0.2.1")).toBe(2);
  });

  it("database cut off: the wait ends at the deadline, and the connection is closed rather than held", async () => {
    const database = throughProxy(1);
    const store = new DatabaseRateLimitStore(database.pool, { timeoutMs: TIMEOUT });
    expect(await hit(store, "192.0.2.2")).toBe(1);
    const threadsBefore = await serverThreads(scratch.name);

    await proxy.setFault({ kind: "partition" });
    try {
      const results = await Promise.all([1, 2, 3].map(() => timed(hit(store, "192.0.2.2"))));
      for (const result of results) {
        expect(result.error).toBeInstanceOf(RateLimitStoreTimeout);
        expect(result.ms).toBeLessThan(TIMEOUT * 1.1 + 100);
      }
      // Nothing comes back from the server: the connection is closed after a second
      // deadline (MariaDB sees it go), and the pool (of one) tries a new one.
      await vi.waitFor(async () => expect(await serverThreads(scratch.name)).toBe(threadsBefore - 1), { timeout: 5000 });
    } finally {
      await proxy.heal();
    }
    await vi.waitFor(async () => expect(await hit(store, "192.0.2.2")).toBeGreaterThan(1), { timeout: 5000 });
  });

  it("Redis cut off: the wait ends at the deadline", async () => {
    const redisProxy = await FaultProxy.start({ host: REDIS_URL.hostname, port: Number(REDIS_URL.port || 6379) });
    const redis = new Redis({ host: "127.0.0.1", port: redisProxy.port, maxRetriesPerRequest: 1 });
    const address = `198.51.100.${randomInt(1, 255)}`;
    try {
      const store = new RedisRateLimitStore(redis, { timeoutMs: TIMEOUT });
      expect(await hit(store, address)).toBe(1);
      await redisProxy.setFault({ kind: "partition" });
      // A request's read gives up at the deadline.
      const stuck = await timed(store.read([address]));
      expect(stuck.error).toBeInstanceOf(RateLimitStoreTimeout);
      expect(stuck.ms).toBeGreaterThanOrEqual(TIMEOUT - 1);
      expect(stuck.ms).toBeLessThan(TIMEOUT * 1.1 + 100);
      // A flush's write waits for Redis instead: given up, it would still run once the
      // partition healed, and its counts would be written twice.
      const flushed = hit(store, address);
      await new Promise((resolve) => setTimeout(resolve, TIMEOUT * 2));
      await redisProxy.heal();
      expect(await flushed).toBe(2);
      expect(Number(await redis.get(requestsKey(address)))).toBe(2);
    } finally {
      await redisProxy.heal();
      await redis.del(windowKey(address), requestsKey(address));
      redis.disconnect();
      await redisProxy.close();
    }
  });

  it("keeps counting in memory while the store is away, with one log line when it goes and one when it is back", async () => {
    const database = throughProxy(2);
    const { logger, lines } = capturingLogger();
    const store = new DatabaseRateLimitStore(database.pool, { timeoutMs: TIMEOUT });
    const limiter = new RateLimiter(store, { limit: 2, windowSeconds: WINDOW, flushMs: 60_000, timeoutMs: TIMEOUT }, () => Date.now(), logger);
    const known = "192.0.2.3";
    const unknown = "192.0.2.4";
    try {
      expect(await limiter.isLimited(known)).toBe(false);
      await limiter.flush();

      await proxy.setFault({ kind: "partition" });
      try {
        // Known here: decided at once, from memory.
        expect(limiter.isLimited(known)).toBe(false);
        expect(limiter.isLimited(known)).toBe(true);
        // Not known here: its first request waits at most the deadline, then is counted from nothing.
        const first = await Promise.all([1, 2, 3].map(() => timed(Promise.resolve(limiter.isLimited(unknown)))));
        expect(first.map((r) => r.value)).toEqual([false, false, true]);
        for (const result of first) expect(result.ms).toBeLessThan(TIMEOUT * 1.1 + 100);
        // The counts cannot be written: they stay pending.
        await limiter.flush();
      } finally {
        await proxy.heal();
      }
      await vi.waitFor(async () => {
        await limiter.flush();
        const [rows] = await locker.query<mysql.RowDataPacket[]>("SELECT IP, Requests FROM ApiRateLimit WHERE IP IN (?, ?) ORDER BY IP", [known, unknown]);
        expect(rows.map((r) => r.IP)).toEqual([known, unknown]);
        // Every request counted; a write the partition held back may still have arrived
        // after it was given up, and then counts twice: the store errs towards more.
        expect(rows[0]!.Requests).toBeGreaterThanOrEqual(3);
        expect(rows[0]!.Requests).toBeLessThanOrEqual(5);
        expect(rows[1]!.Requests).toBeGreaterThanOrEqual(3);
        expect(rows[1]!.Requests).toBeLessThanOrEqual(6);
      }, { timeout: 5000 });
    } finally {
      await limiter.stop();
    }

    const episode = lines.filter((l) => String(l.msg).startsWith("rate-limit store"));
    expect(episode.map((l) => [l.level, l.msg])).toEqual([
      [40, "rate-limit store unavailable; counting in this process only"],
      [30, "rate-limit store available again; sharing counts"],
    ]);
  });

  it("over HTTP: a request whose store does not answer is answered at the deadline, not after REQUEST_TIMEOUT_MS", async () => {
    const database = throughProxy(2);
    const direct = createDatabase(scratch.url, { poolSize: 2 });
    databases.push(direct);
    const app = createApp({
      db: direct,
      config: defaultConfig({ RATE_LIMIT_REQUESTS: 10, RATE_LIMIT_TIMEOUT_MS: TIMEOUT, REQUEST_TIMEOUT_MS: 10_000 }),
      rateLimitStore: new DatabaseRateLimitStore(database.pool, { timeoutMs: TIMEOUT }),
    });
    await app.deps.readModel.start();
    try {
      await proxy.setFault({ kind: "partition" });
      const answered = await timed(app.request("/rpc/?v=5&type=info&arg=nothing"));
      expect(answered.value?.status).toBe(200);
      expect(answered.ms).toBeLessThan(TIMEOUT * 1.1 + 200);
    } finally {
      await proxy.heal();
      await app.deps.readModel.stop();
    }
  });

  /** Statements of other connections running on `schema` (waiting for the lock, here). */
  async function waitingStatements(schema: string): Promise<number> {
    const [rows] = await locker.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND ID <> CONNECTION_ID()",
      [schema],
    );
    return Number(rows[0]!.n);
  }

  async function serverThreads(schema: string): Promise<number> {
    const [rows] = await locker.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?", [schema]);
    return Number(rows[0]!.n);
  }
});
