/**
 * The rate limit as production runs it: two more services, with RATE_LIMIT_REQUESTS at its
 * default, one counting in the ApiRateLimit table and one in Redis, measured in rounds with
 * limit-off cells of the same request (so the machine's drift touches all of them alike).
 * Every cell's requests carry an X-Real-IP from a pool of ADDRESS_POOL addresses, believed
 * from the loopback as from nginx in front; none reaches the limit. What the limiter sent
 * its store, and the addresses it read, come from the service's own counters in /metrics.
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

/** One request measured with the limit on in both stores, in rounds with limit-off cells. */
export interface LimitOn {
  /** Each the cell with the median throughput of its rounds. */
  table: LimitedCell;
  redis: LimitedCell;
  /** The median of the limit-off cells of the rounds, which the limit-on cells are held against. */
  offRequestsPerSec: number;
  /** Each round's requests/s, in the order measured. */
  rounds: { off: number; table: number; redis: number }[];
}

export interface LimitedCell {
  load: LoadResult;
  /** Statements (table) or commands (Redis) the rate limit sent its store, per second. */
  storeStatementsPerSec: number;
  /** Addresses read on their first request to a worker, per second: each such request waited for the read. */
  addressesReadPerSec: number;
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

/** The share of a pass's requests that may still wait for a first read once the pool is met. */
const MET_BELOW = 0.002;
/** Passes after which meeting the pool gives up: a service that keeps reading forgets its clients. */
const MOST_PASSES = 20;

/**
 * Sends the pool's addresses in turn to both limited services, a pass at a time, until a
 * pass finds nearly every address known to the worker it reached (its first reads under
 * MET_BELOW of its requests), before any cell: each cell then measures a service that
 * knows its clients, as a busy one knows those asking it within ten minutes, instead of
 * the first cell alone paying for meeting twenty thousand new addresses. Each pass reaches
 * a worker with a given address at random, so a few passes are needed; what meeting an
 * address costs stays in each cell's first reads and statements all the same.
 */
export async function meetAddressPool(limited: LimitedServices, references: ReferenceAnswer[], log: (line: string) => void): Promise<void> {
  for (const [name, service] of [["table", limited.table], ["Redis", limited.redis]] as const) {
    let next = 0;
    for (let pass = 1; ; pass++) {
      const before = await counters(service.url);
      let sent = 0;
      while (sent < ADDRESS_POOL) {
        const result = await load(service.url, references, { connections: 50, durationS: 1, addresses: ADDRESS_POOL, addressesInTurnFrom: next });
        if (result.total === 0) throw new Error(`${service.url}: no answers while meeting the address pool`);
        sent += result.total;
        next = (next + result.total) % ADDRESS_POOL;
      }
      const read = (await counters(service.url)).addressesRead - before.addressesRead;
      if (read < MET_BELOW * sent) {
        log(`limit in the ${name}: met the ${ADDRESS_POOL.toLocaleString("en-US")} addresses in ${pass} passes (the last read ${read} of its ${sent} requests' addresses)`);
        break;
      }
      if (pass === MOST_PASSES) throw new Error(`limit in the ${name}: still reading ${read} addresses in pass ${pass}; the service does not keep its clients`);
    }
  }
}

/** Rounds of limit-off, table and Redis cells per request. */
const ROUNDS = 3;

/**
 * The request in ROUNDS rounds of a limit-off cell (the first round's is `off`, already
 * measured), a table cell and a Redis cell; each figure is the median of its rounds. On
 * two shared cores a bare server's throughput moves by a quarter from one cell to the
 * next, so a single pair of cells says more about the machine than about the limit; the
 * cells of a round are close in time, and the median leaves out a round the machine spoilt.
 */
export async function measureLimitOn(
  off: LoadResult,
  measureOff: () => Promise<LoadResult>,
  limited: LimitedServices,
  references: ReferenceAnswer[],
  connections: number,
  timing: CellTiming,
): Promise<LimitOn> {
  const offCells = [off];
  const tableCells: LimitedCell[] = [];
  const redisCells: LimitedCell[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    if (round > 1) offCells.push(await measureOff());
    tableCells.push(await measureLimited(limited.table, references, connections, timing));
    redisCells.push(await measureLimited(limited.redis, references, connections, timing));
  }
  return {
    table: medianBy(tableCells, (cell) => cell.load.requestsPerSec),
    redis: medianBy(redisCells, (cell) => cell.load.requestsPerSec),
    offRequestsPerSec: medianBy(offCells, (cell) => cell.requestsPerSec).requestsPerSec,
    rounds: offCells.map((cell, i) => ({ off: cell.requestsPerSec, table: tableCells[i]!.load.requestsPerSec, redis: redisCells[i]!.load.requestsPerSec })),
  };
}

/** The middle one of an odd number of cells, by `value`. */
function medianBy<T>(cells: T[], value: (cell: T) => number): T {
  return [...cells].sort((a, b) => value(a) - value(b))[Math.floor(cells.length / 2)]!;
}

async function measureLimited(service: ServerProcess, references: ReferenceAnswer[], connections: number, timing: CellTiming): Promise<LimitedCell> {
  const before = await counters(service.url);
  const started = performance.now();
  const result = await warmAndLoad((options) => load(service.url, references, { ...options, addresses: ADDRESS_POOL }), connections, timing);
  const seconds = (performance.now() - started) / 1000;
  const after = await counters(service.url);
  return {
    load: result,
    storeStatementsPerSec: (after.storeStatements - before.storeStatements) / seconds,
    addressesReadPerSec: (after.addressesRead - before.addressesRead) / seconds,
  };
}

/** The limiter's counters in the service's /metrics, summed over its workers. */
async function counters(url: string): Promise<{ storeStatements: number; addressesRead: number }> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  const value = (name: string) => Number(text.split("\n").find((l) => l.startsWith(`${name} `))?.split(" ")[1] ?? 0);
  return { storeStatements: value("aurweb_rate_limit_store_statements_total"), addressesRead: value("aurweb_rate_limit_addresses_read_total") };
}
