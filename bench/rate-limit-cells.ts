/**
 * The rate limit as production runs it: two more services, with RATE_LIMIT_REQUESTS at its
 * default, one counting in the ApiRateLimit table and one in Redis, measured right after
 * the limit-off cell of the same request (paired, so the machine's drift touches all
 * three alike). Every cell's requests carry an X-Real-IP from a pool of ADDRESS_POOL
 * addresses, believed from the loopback as from nginx in front; none reaches the limit.
 * What the limiter sent its store comes from the service's own counter in /metrics.
 */
import { Redis } from "ioredis";
import type mysql from "mysql2/promise";
import { warmAndLoad, type CellTiming } from "./cells.js";
import { load, type LoadResult, type ReferenceAnswer } from "./load.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

/**
 * Client addresses the load is drawn from: many, yet few enough that over a whole run each
 * sends a few dozen requests, as a day's clients of the RPC do, so that the cells measure
 * the counting of known addresses more than their first reads.
 */
export const ADDRESS_POOL = 20_000;
/** The pool's addresses (10.0.0.0 onwards, wrk-load.lua), as keys in the store. */
const POOL_KEYS = ["ratelimit:10.*", "ratelimit-ws:10.*"];

export interface LimitedCell {
  load: LoadResult;
  /** Statements (table) or commands (Redis) the rate limit sent its store, per second. */
  storeStatementsPerSec: number;
}

export interface LimitedServices {
  table: ServerProcess;
  redis: ServerProcess;
  stop(): Promise<void>;
}

export async function startLimitedServices(main: string, env: Record<string, string>, connection: mysql.Connection, redisUrl: string): Promise<LimitedServices> {
  await connection.query("DELETE FROM ApiRateLimit");
  await forgetPool(redisUrl);
  // RATE_LIMIT_REQUESTS unset: the production default.
  const table = await startServerProcess("service, limit in the table", [main], env, 600_000);
  const redis = await startServerProcess("service, limit in Redis", [main], { ...env, REDIS_URL: redisUrl }, 600_000);
  return {
    table,
    redis,
    async stop() {
      await Promise.all([table.stop(), redis.stop()]);
      await forgetPool(redisUrl);
    },
  };
}

/** Deletes the pool's keys, which other users of the same Redis never use. */
async function forgetPool(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (const match of POOL_KEYS) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 10_000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
    }
  } finally {
    redis.disconnect();
  }
}

/** Passes over the pool before the cells: each address reaches each of two workers with a chance of 1 - 2^-PASSES. */
const POOL_PASSES = 5;

/**
 * Sends the pool's addresses in turn to both limited services until each has met every
 * address a few times, before any cell: each cell then measures a service that knows its
 * clients, as a busy one knows most of those asking it within a minute, instead of the
 * first cell alone paying for meeting twenty thousand new addresses. What meeting an
 * address costs is in the store statements of every cell all the same.
 */
export async function meetAddressPool(limited: LimitedServices, references: ReferenceAnswer[]): Promise<void> {
  for (const service of [limited.table, limited.redis]) {
    let sent = 0;
    while (sent < POOL_PASSES * ADDRESS_POOL) {
      const result = await load(service.url, references, { connections: 50, durationS: 2, addresses: ADDRESS_POOL, addressesInTurn: true });
      if (result.total === 0) throw new Error(`${service.url}: no answers while meeting the address pool`);
      sent += result.total;
    }
  }
}

export async function measureLimited(service: ServerProcess, references: ReferenceAnswer[], connections: number, timing: CellTiming): Promise<LimitedCell> {
  const before = await storeStatements(service.url);
  const started = performance.now();
  const result = await warmAndLoad((options) => load(service.url, references, { ...options, addresses: ADDRESS_POOL }), connections, timing);
  const seconds = (performance.now() - started) / 1000;
  const after = await storeStatements(service.url);
  return { load: result, storeStatementsPerSec: (after - before) / seconds };
}

async function storeStatements(url: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  const line = text.split("\n").find((l) => l.startsWith("aurweb_rate_limit_store_statements_total "));
  return Number(line?.split(" ")[1] ?? 0);
}
