/**
 * The rate-limit counts in the ApiRateLimit table, shared with the legacy PHP site: a row
 * per address (IP, Requests, WindowStart). PHP counted each request with
 * `INSERT ... ON DUPLICATE KEY UPDATE Requests = Requests + 1` after deleting the windows
 * that started more than the window length ago; this store adds a process's counts of a
 * whole flush interval in one multi-row upsert that applies the same window rule on the
 * server, so the counts of PHP, of other processes and of this one add up in the row.
 */
import type { Pool as CorePool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2";
import type { Pool } from "mysql2/promise";
import type { PendingCount, RateLimitStore, StoredWindow } from "./rate-limit.js";
import type { TimeLimit, Watch } from "../deadline-timer.js";
import { RateLimitStoreTimeout, storeTimeLimit } from "./store-time-limit.js";

/** ER_STATEMENT_TIMEOUT: MariaDB gave the statement up at max_statement_time. */
const STATEMENT_TIMEOUT = 1969;
/** ER_LOCK_DEADLOCK: InnoDB rolled the statement back; running it again is safe. */
const DEADLOCK = 1213;
/** Runs of an upsert InnoDB chose as a deadlock's victim. */
const WRITE_ATTEMPTS = 3;
/**
 * How long after the deadline a connection may still bring the server's own timeout
 * back before it is taken for lost and closed; at least a second, so that a busy server
 * does not cost the pool its connections.
 */
const LOST_CONNECTION_MS = 1000;

export interface DatabaseRateLimitStoreOptions {
  /** How long one statement may take (RATE_LIMIT_TIMEOUT_MS). */
  timeoutMs: number;
}

const windowsOf = (rows: RowDataPacket[]) => new Map(rows.map((row) => [row.IP as string, { start: Number(row.WindowStart), requests: Number(row.Requests) }]));

/**
 * MariaDB abandons each statement after the deadline (max_statement_time), so a lock
 * wait ends on the server and the connection comes back; a connection that does not
 * answer a while after that (the network, not the server) is closed, so the pool never
 * holds it for good.
 */
export class DatabaseRateLimitStore implements RateLimitStore {
  private readonly pool: CorePool;
  private readonly deadline: TimeLimit;
  private readonly limitStatement: string;
  /** Statements sent so far. */
  statements = 0;

  constructor(pool: Pool, options: DatabaseRateLimitStoreOptions) {
    this.pool = pool.pool;
    this.deadline = storeTimeLimit(options.timeoutMs);
    this.limitStatement = `SET STATEMENT max_statement_time = ${(options.timeoutMs / 1000).toFixed(3)} FOR `;
  }

  async read(ips: string[]): Promise<Map<string, StoredWindow>> {
    const [rows] = await this.run<RowDataPacket[]>(`${this.limitStatement}SELECT IP, Requests, WindowStart FROM ApiRateLimit WHERE IP IN (?)`, [ips]);
    return windowsOf(rows);
  }

  async add(counts: PendingCount[], now: number, windowSeconds: number): Promise<Map<string, StoredWindow>> {
    const oldest = now - windowSeconds;
    // One order for every process, so that two upserts lock their rows in the same order.
    const sorted = [...counts].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
    // Requests is assigned before WindowStart: MariaDB evaluates the assignments in
    // order, and the test of the window must see its old start. RETURNING gives each row
    // as written (MariaDB), so the totals come back without a second statement.
    const sql =
      `${this.limitStatement}INSERT INTO ApiRateLimit (IP, Requests, WindowStart) VALUES ? ON DUPLICATE KEY UPDATE ` +
      "Requests = IF(WindowStart < ?, VALUES(Requests), Requests + VALUES(Requests)), " +
      "WindowStart = IF(WindowStart < ?, VALUES(WindowStart), WindowStart) " +
      "RETURNING IP, Requests, WindowStart";
    const [rows] = await this.retried(sql, [sorted.map((c) => [c.ip, c.requests, c.start]), oldest, oldest], WRITE_ATTEMPTS);
    return windowsOf(rows);
  }

  async expire(now: number, windowSeconds: number): Promise<void> {
    await this.run(`${this.limitStatement}DELETE FROM ApiRateLimit WHERE WindowStart < ?`, [now - windowSeconds]);
  }

  private retried(sql: string, values: unknown[], attempts: number): Promise<[RowDataPacket[]]> {
    return this.run<RowDataPacket[]>(sql, values).catch((error: unknown) => {
      if (attempts > 1 && (error as { errno?: number }).errno === DEADLOCK) return this.retried(sql, values, attempts - 1);
      throw error;
    });
  }

  /** One statement on a connection of its own, within the deadline. */
  private run<T extends ResultSetHeader | RowDataPacket[]>(sql: string, values: unknown[]): Promise<[T]> {
    this.statements++;
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
        // Too late: the caller went on without us.
        if (expired) return connection.release();
        running = connection;
        connection.query<T>({ sql, values }, (error, result) => {
          this.deadline.cancel(watch);
          if (grace) this.deadline.cancel(grace);
          // A no-op on a connection the grace deadline destroyed.
          connection.release();
          if (error?.errno === STATEMENT_TIMEOUT) reject(new RateLimitStoreTimeout(this.deadline.timeoutMs));
          else if (error) reject(error);
          else resolve([result]);
        });
      });
    });
  }
}
