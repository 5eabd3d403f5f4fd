/**
 * Queries that cannot hang. mysql2 waits for ever when the network stops answering (a
 * partition, a half-open connection, a server that stalls), and a streamed result whose
 * connection dies mid-way emits neither `end` nor `error`. So every wait here has a
 * deadline: for a connection from the pool, for the answer to a query, and for the next
 * row of a streamed read. A connection that times out or fails is destroyed, never given
 * back to the pool, where the next query would inherit whatever state it was left in.
 */
import type { Pool as CallbackPool, PoolConnection as CallbackConnection, Query as QueryCommand } from "mysql2";
import type mysql from "mysql2/promise";
import type { Db } from "./client.js";
import { RowSlices } from "./row-slices.js";
import { DatabaseTimeout, type DatabaseAddress } from "./trouble.js";

export interface QueryDeadlines {
  /** Waiting for a connection from the pool, a new one's connect and handshake included. */
  acquireMs: number;
  /** From sending a query to its whole answer. */
  queryMs: number;
  /** Between two rows of a streamed read (and before the first). */
  streamIdleMs: number;
}

/** The defaults of DB_ACQUIRE_TIMEOUT_MS, DB_QUERY_TIMEOUT_MS and DB_STREAM_IDLE_TIMEOUT_MS. */
export const DEFAULT_DEADLINES: QueryDeadlines = { acquireMs: 2000, queryMs: 5000, streamIdleMs: 10_000 };

/**
 * The default of DB_RETRY_MAX_MS: while the database fails, attempts come at most this far
 * apart, so that answers are current again within the freshness bound once it heals.
 */
export const DEFAULT_RETRY_MAX_MS = 2000;

type Row = unknown[];

function corePool(pool: mysql.Pool): CallbackPool {
  return pool.pool as unknown as CallbackPool;
}

/** Where `pool` connects, for messages (never the password). */
export function addressOf(pool: mysql.Pool): DatabaseAddress {
  const config = (corePool(pool) as unknown as { config: { connectionConfig: DatabaseAddress } }).config.connectionConfig;
  return { user: config.user, host: config.host, port: config.port, database: config.database };
}

/** A connection from `pool` within `ms`; one that arrives after the deadline goes back to the pool. */
function acquire(pool: mysql.Pool, ms: number): Promise<CallbackConnection> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new DatabaseTimeout("a connection", ms));
    }, ms);
    corePool(pool).getConnection((error, connection) => {
      if (late) {
        connection?.release();
        return;
      }
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(connection);
    });
  });
}

/**
 * Runs `command` (a query sent on `connection`) and settles when it ends, fails, its
 * connection dies, or `ms` pass (since it was sent, or with `rowsExtend` since its last
 * row). On anything but a clean end the connection is destroyed. With `inSlices`, the rows
 * come in slices between which the event loop goes on (row-slices.ts).
 */
function settle(
  connection: CallbackConnection,
  command: QueryCommand,
  wait: { ms: number; rowsExtend: boolean; waitedFor: string; inSlices?: boolean },
  onRow: (row: Row) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const slices = wait.inSlices ? new RowSlices(connection) : undefined;
    let lastProgress = performance.now();
    // Rows are counted, not timed: the watchdog notices progress when the count moved.
    let rows = 0;
    let rowsSeen = 0;
    let failed: unknown;
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      slices?.stop();
      clearInterval(watchdog);
      connection.off("error", onConnectionError);
      connection.off("end", onConnectionEnd);
      if (error === undefined) {
        resolve();
      } else {
        connection.destroy();
        reject(error);
      }
    };
    const onConnectionError = (error: unknown) => finish(error);
    const onConnectionEnd = () => finish(Object.assign(new Error("Connection lost: the server closed the connection."), { code: "PROTOCOL_CONNECTION_LOST" }));
    // One check per tenth of the deadline: a row costs a counter, not a timer.
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (wait.rowsExtend && rows !== rowsSeen) {
        rowsSeen = rows;
        lastProgress = now;
      } else if (now - lastProgress >= wait.ms) {
        finish(new DatabaseTimeout(wait.waitedFor, wait.ms));
      }
    }, Math.max(10, wait.ms / 10));
    connection.on("error", onConnectionError);
    connection.on("end", onConnectionEnd);
    command.on("result", (row: Row) => {
      rows++;
      if (done) return;
      try {
        onRow(row);
      } catch (error) {
        failed ??= error;
      }
      slices?.afterRow();
    });
    command.on("error", (error: unknown) => (failed ??= error));
    command.on("end", () => finish(failed));
  });
}

/** Where the read model's queries go, each held to its deadline. */
export class DeadlinePool {
  readonly address: DatabaseAddress;

  constructor(
    private readonly pool: mysql.Pool,
    readonly deadlines: QueryDeadlines = DEFAULT_DEADLINES,
  ) {
    this.address = addressOf(pool);
  }

  /**
   * One connection for several queries (state set by one must hold for the next); it
   * goes back to the pool when `use` succeeds and is destroyed when anything fails.
   */
  async withConnection<T>(use: (session: DeadlineSession) => Promise<T>): Promise<T> {
    const connection = await acquire(this.pool, this.deadlines.acquireMs);
    try {
      const result = await use(new DeadlineSession(connection, this.deadlines));
      connection.release();
      return result;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  /** The rows of one query, as objects (or arrays with `rowsAsArray`). */
  query<T = Record<string, unknown>>(sql: string, values: readonly unknown[] = [], options: { rowsAsArray?: boolean } = {}): Promise<T[]> {
    return this.withConnection((session) => session.query<T>(sql, values, options));
  }

  /**
   * Hands each row (an array in select order) to `use` as it arrives, in slices between
   * which the event loop goes on (row-slices.ts). No row for `streamIdleMs` (a stalled or
   * dead connection) fails the read and destroys its connection.
   */
  streamRows(sql: string, values: readonly unknown[], use: (row: Row) => void): Promise<void> {
    return this.withConnection(async (session) => session.streamRows(sql, values, use));
  }
}

export class DeadlineSession {
  constructor(
    private readonly connection: CallbackConnection,
    private readonly deadlines: QueryDeadlines,
  ) {}

  async query<T = Record<string, unknown>>(sql: string, values: readonly unknown[] = [], options: { rowsAsArray?: boolean } = {}): Promise<T[]> {
    const rows: T[] = [];
    const command = this.connection.query({ sql, values: values as unknown[], rowsAsArray: options.rowsAsArray });
    // Rows do not push the deadline back: the whole answer must come within it.
    await settle(this.connection, command, { ms: this.deadlines.queryMs, rowsExtend: false, waitedFor: "an answer" }, (row) => rows.push(row as T));
    return rows;
  }

  streamRows(sql: string, values: readonly unknown[], use: (row: Row) => void): Promise<void> {
    const command = this.connection.query({ sql, values: values as unknown[], rowsAsArray: true });
    return settle(this.connection, command, { ms: this.deadlines.streamIdleMs, rowsExtend: true, waitedFor: "the next row", inSlices: true }, use);
  }
}

/** The read model's pool: a Drizzle database's reads get the default deadlines. */
export function deadlinePool(source: Db | DeadlinePool): DeadlinePool {
  return source instanceof DeadlinePool ? source : new DeadlinePool(source.$client);
}
