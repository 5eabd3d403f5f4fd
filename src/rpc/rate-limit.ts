/**
 * The legacy rate limit, sharing the ApiRateLimit table with the PHP site: a window
 * starts with an address's first request, every request in it counts (limited ones
 * too), windows older than the window length are deleted, and a request is refused
 * once the count exceeds the limit.
 */
import type { Pool as CorePool, PoolConnection, ResultSetHeader } from "mysql2";
import type { Pool } from "mysql2/promise";
import type { Logger } from "../log.js";
import { TimeLimit, type Watch } from "../deadline-timer.js";

/** A rate-limit store did not answer within RATE_LIMIT_TIMEOUT_MS. */
export class RateLimitStoreTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`the rate-limit store did not answer within ${timeoutMs} ms`);
    this.name = "RateLimitStoreTimeout";
  }
}

/**
 * How long a rate-limit check may wait for its store. Every request with the limit on
 * waits for the store, so the waits share one timer (deadline-timer.ts).
 */
export function storeTimeLimit(timeoutMs: number): TimeLimit {
  return new TimeLimit(timeoutMs, () => new RateLimitStoreTimeout(timeoutMs));
}

export interface RateLimitStore {
  /**
   * Counts one request from `ip` at `now` (seconds) and returns the count in its window;
   * rejects once the store has not answered within its deadline.
   */
  hit(ip: string, now: number, windowSeconds: number): Promise<number>;
}

/** ER_STATEMENT_TIMEOUT: MariaDB gave the statement up at max_statement_time. */
const STATEMENT_TIMEOUT = 1969;
/** ER_LOCK_DEADLOCK: InnoDB rolled the statement back; running it again is safe. */
const DEADLOCK = 1213;
/** Runs of a counting statement InnoDB chose as a deadlock's victim. */
const COUNT_ATTEMPTS = 3;
/**
 * How long after the deadline a connection may still bring the server's own timeout
 * back before it is taken for lost and closed; at least a second, so that a busy server
 * does not cost the pool its connections.
 */
const LOST_CONNECTION_MS = 1000;

export interface DatabaseRateLimitStoreOptions {
  /** How long a request may wait for the database (RATE_LIMIT_TIMEOUT_MS). */
  timeoutMs: number;
}

/**
 * The count is one statement, so concurrent requests, from any number of processes or
 * the PHP site, each see their own count: the upsert starts a new window when the old
 * one is over (as the legacy deletion would have) and hands back the new count through
 * LAST_INSERT_ID(expr), which the server returns as the statement's insert id. A row
 * that is new returns 0 there (the table has no auto-increment column), and counts 1.
 *
 * Old windows of other addresses are still deleted as the legacy code did, by the next
 * request, beside the count rather than before it; while one deletion runs, requests do
 * not start another, which would find nothing more to delete.
 *
 * MariaDB abandons each statement after the deadline (max_statement_time), so a lock
 * wait ends on the server and the connection comes back; a connection that does not
 * answer a while after that (the network, not the server) is closed, so the pool never
 * holds it for good.
 */
export class DatabaseRateLimitStore implements RateLimitStore {
  private readonly pool: CorePool;
  private readonly deadline: TimeLimit;
  private readonly countSql: string;
  private readonly deleteSql: string;
  private deleting: Promise<void> | undefined;

  constructor(pool: Pool, options: DatabaseRateLimitStoreOptions) {
    this.pool = pool.pool;
    this.deadline = storeTimeLimit(options.timeoutMs);
    const limitStatement = `SET STATEMENT max_statement_time = ${(options.timeoutMs / 1000).toFixed(3)} FOR `;
    // Requests is assigned before WindowStart: MariaDB evaluates the assignments in
    // order, and the test of the window must see its old start.
    this.countSql =
      limitStatement +
      "INSERT INTO ApiRateLimit (IP, Requests, WindowStart) VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE " +
      "Requests = LAST_INSERT_ID(IF(WindowStart < ?, 1, Requests + 1)), " +
      "WindowStart = IF(WindowStart < ?, ?, WindowStart)";
    this.deleteSql = `${limitStatement}DELETE FROM ApiRateLimit WHERE WindowStart < ?`;
  }

  hit(ip: string, now: number, windowSeconds: number): Promise<number> {
    const oldest = now - windowSeconds;
    const counted = this.count([ip, now, oldest, oldest, now], COUNT_ATTEMPTS);
    if (this.deleting) return counted;
    const deleting = this.run(this.deleteSql, [oldest]).then(
      () => {},
      () => {},
    );
    this.deleting = deleting;
    void deleting.then(() => {
      if (this.deleting === deleting) this.deleting = undefined;
    });
    return Promise.all([counted, deleting]).then(([count]) => count);
  }

  private count(values: unknown[], attempts: number): Promise<number> {
    return this.run(this.countSql, values).then(
      (result) => Number(result.insertId) || 1,
      (error: unknown) => {
        if (attempts > 1 && (error as { errno?: number }).errno === DEADLOCK) return this.count(values, attempts - 1);
        throw error;
      },
    );
  }

  /** One statement on a connection of its own, within the deadline. */
  private run(sql: string, values: unknown[]): Promise<ResultSetHeader> {
    return new Promise((resolve, reject) => {
      let running: PoolConnection | undefined;
      let expired = false;
      let grace: Watch | undefined;
      const watch = this.deadline.watch(() => {
        expired = true;
        reject(new RateLimitStoreTimeout(this.deadline.timeoutMs));
        if (running) {
          const connection = running;
          grace = this.deadline.watch(() => connection.destroy(), Math.max(this.deadline.timeoutMs, LOST_CONNECTION_MS));
        }
      });
      this.pool.getConnection((error, connection) => {
        if (error) {
          this.deadline.cancel(watch);
          reject(error);
          return;
        }
        // Too late: the request went on without us.
        if (expired) return connection.release();
        running = connection;
        connection.query<ResultSetHeader>({ sql, values }, (error, result) => {
          this.deadline.cancel(watch);
          if (grace) this.deadline.cancel(grace);
          // A no-op on a connection the grace deadline destroyed.
          connection.release();
          if (error?.errno === STATEMENT_TIMEOUT) reject(new RateLimitStoreTimeout(this.deadline.timeoutMs));
          else if (error) reject(error);
          else resolve(result);
        });
      });
    });
  }
}

export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
}

/**
 * Counts requests in the store and refuses those over the limit. When the store fails
 * or does not answer in time, requests are let through: serving from memory while the
 * database is away matters more than counting. That is one log line when the store
 * stops answering and one when it is back, whatever the number of requests between;
 * meanwhile one request at a time asks the store whether it is back, and the others
 * pass without waiting for it.
 */
export class RateLimiter {
  /** Since when the store has been failing, or undefined while it answers. */
  private failingSince: number | undefined;
  private probing = false;
  private uncounted = 0;

  constructor(
    private readonly store: RateLimitStore,
    private readonly policy: RateLimitPolicy,
    private readonly logger?: Pick<Logger, "warn" | "info">,
  ) {}

  get enabled(): boolean {
    return this.policy.limit > 0;
  }

  /** True when `ip` is over the limit; never rejects. */
  isLimited(ip: string, nowSeconds: number): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    const probe = this.failingSince !== undefined;
    if (probe) {
      if (this.probing) {
        this.uncounted++;
        return Promise.resolve(false);
      }
      this.probing = true;
    }
    return this.store.hit(ip, nowSeconds, this.policy.windowSeconds).then(
      (count) => {
        if (probe) this.recovered();
        return count > this.policy.limit;
      },
      (error: unknown) => {
        if (probe) this.probing = false;
        this.failed(error);
        return false;
      },
    );
  }

  private failed(error: unknown): void {
    this.uncounted++;
    if (this.failingSince !== undefined) return;
    this.failingSince = Date.now();
    const reason = error instanceof Error ? error.message : String(error);
    this.logger?.warn({ err: reason }, "rate-limit store unavailable; letting requests through uncounted");
  }

  private recovered(): void {
    this.probing = false;
    if (this.failingSince === undefined) return;
    this.logger?.info(
      { uncountedRequests: this.uncounted, unavailableMs: Date.now() - this.failingSince },
      "rate-limit store available again; counting requests",
    );
    this.failingSince = undefined;
    this.uncounted = 0;
  }
}
