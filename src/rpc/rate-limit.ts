/**
 * The legacy rate limit, sharing the ApiRateLimit table with the PHP site: a window
 * starts with an address's first request, every request in it counts (limited ones
 * too), windows older than the window length are deleted, and a request is refused
 * once the count exceeds the limit.
 */
import { eq, lt, sql } from "drizzle-orm";
import { apiRateLimit } from "../../schema/index.js";
import type { Db } from "../db/client.js";

export interface RateLimitStore {
  /** Counts one request from `ip` at `now` (seconds) and returns the count in its window. */
  hit(ip: string, now: number, windowSeconds: number): Promise<number>;
}

export class DatabaseRateLimitStore implements RateLimitStore {
  constructor(private readonly db: Db) {}

  async hit(ip: string, now: number, windowSeconds: number): Promise<number> {
    await this.db.delete(apiRateLimit).where(lt(apiRateLimit.WindowStart, now - windowSeconds));
    await this.db
      .insert(apiRateLimit)
      .values({ IP: ip, Requests: 1, WindowStart: now })
      .onDuplicateKeyUpdate({ set: { Requests: sql`${apiRateLimit.Requests} + 1` } });
    const [row] = await this.db.select({ requests: apiRateLimit.Requests }).from(apiRateLimit).where(eq(apiRateLimit.IP, ip));
    return row?.requests ?? 0;
  }
}

export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
}

export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly policy: RateLimitPolicy,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  get enabled(): boolean {
    return this.policy.limit > 0;
  }

  /**
   * True when `ip` is over the limit. If the store cannot be reached the request is let
   * through: serving from memory while the database is away matters more than counting.
   */
  async isLimited(ip: string, nowSeconds: number): Promise<boolean> {
    if (!this.enabled) return false;
    try {
      return (await this.store.hit(ip, nowSeconds, this.policy.windowSeconds)) > this.policy.limit;
    } catch (error) {
      this.onError(error);
      return false;
    }
  }
}
