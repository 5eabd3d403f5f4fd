import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";
import * as schema from "../../schema/index.js";

/** Drizzle over a mysql2 pool; `$client` is that pool, for bulk reads with rows as arrays. */
export type Db = MySql2Database<typeof schema> & { $client: mysql.Pool };

export interface Database {
  db: Db;
  pool: mysql.Pool;
  /**
   * Where the read model reads: one replica when replicas are configured, else `db`.
   * All of its queries (change polling and loads) must reach the same server, because
   * it compares that server's UPDATE_TIME with that server's clock; drizzle's
   * withReplicas sends execute() to the primary and select() to a random replica, so
   * a lagging replica would make it miss changes.
   */
  readDb: Db;
  /** The pool behind readDb when it is a replica's. */
  readPool?: mysql.Pool;
  /**
   * Every replica's pool, in this process's order of preference: readPool first, then the
   * ones listed after it, wrapping round (read-sources.ts fails over along it). Empty without replicas.
   */
  replicaPools: NamedPool[];
  close(): Promise<void>;
}

/** A pool with the name it goes by in /metrics and /readyz. */
export interface NamedPool {
  /** "primary", "replica" (the only one), or "replica1", "replica2", ... in DATABASE_REPLICA_URLS order. */
  name: string;
  pool: mysql.Pool;
}

export interface DatabaseOptions {
  poolSize?: number;
  /** Fail fast when the server is gone, so callers can answer 503 in time. */
  connectTimeoutMs?: number;
  /**
   * Read replicas; each process prefers one at random, which spreads several workers over
   * them, and fails over to the next ones in the listed order.
   */
  replicaUrls?: readonly string[];
}

function createPool(url: string, options: DatabaseOptions): mysql.Pool {
  return mysql.createPool({
    uri: url,
    connectionLimit: options.poolSize ?? 10,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    // Legacy text columns are utf8mb4; BIGINT timestamps fit in a double.
    charset: "UTF8MB4_GENERAL_CI",
    supportBigNumbers: true,
    enableKeepAlive: true,
  });
}

export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const pool = createPool(url, options);
  const db = drizzle(pool, { schema, mode: "default" });
  const replicaUrls = options.replicaUrls ?? [];
  if (replicaUrls.length === 0) return { db, pool, readDb: db, replicaPools: [], close: () => pool.end() };

  // Pools connect on first use: a replica that is never failed over to costs nothing.
  const named = replicaUrls.map((replicaUrl, i) => ({
    name: replicaUrls.length === 1 ? "replica" : `replica${i + 1}`,
    pool: createPool(replicaUrl, options),
  }));
  const first = Math.floor(Math.random() * named.length);
  const replicaPools = [...named.slice(first), ...named.slice(0, first)];
  const readPool = replicaPools[0]!.pool;
  return {
    db,
    pool,
    readDb: drizzle(readPool, { schema, mode: "default" }),
    readPool,
    replicaPools,
    close: async () => {
      await Promise.all([pool.end(), ...replicaPools.map((r) => r.pool.end())]);
    },
  };
}

export interface PoolUsage {
  /** Connections checked out by a query right now. */
  inUse: number;
  /** Queries waiting for a connection because all of them are in use. */
  waiting: number;
}

/** mysql2 keeps these counts in private queues of its callback pool; nothing public exposes them. */
export function poolUsage(pool: mysql.Pool): PoolUsage {
  const core = pool.pool as unknown as {
    _allConnections: { length: number };
    _freeConnections: { length: number };
    _connectionQueue: { length: number };
  };
  return {
    inUse: core._allConnections.length - core._freeConnections.length,
    waiting: core._connectionQueue.length,
  };
}
