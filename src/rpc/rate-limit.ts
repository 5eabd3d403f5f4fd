/**
 * The legacy rate limit, counted in each process's memory and shared through a store
 * (the ApiRateLimit table beside the PHP site, or Redis beside today's aurweb): a window
 * starts with an address's first request, every request in it counts (limited ones too),
 * and a request is refused once the count exceeds the limit.
 *
 * A process reads an address's count from the store on the address's first request
 * (the new addresses of a moment share one read), then decides on its own: exactly, for
 * the requests it answers. Every RATE_LIMIT_FLUSH_MS it adds its counts to the store in
 * one batch and reads back the totals, which bring in what other processes (and PHP)
 * counted. Another process's counts reach this one within two intervals (its flush, then
 * this one's), so across processes one address can get answered beyond the limit at most
 * what all processes answer of it in two flush intervals; the store's counts trail the
 * requests answered by at most one interval, and the pending counts are written on
 * shutdown.
 */
import type { Logger } from "../log.js";
import type { TimeLimit } from "../deadline-timer.js";
import { storeTimeLimit } from "./store-time-limit.js";

/** What the store holds for one address. */
export interface StoredWindow {
  /** When the window started, in seconds since the epoch. */
  start: number;
  requests: number;
}

/** Requests of one address to add to its window, which started at `start`. */
export interface PendingCount {
  ip: string;
  requests: number;
  start: number;
}

export interface RateLimitStore {
  /** The stored window of each of `ips` that has one, over or not. */
  read(ips: string[]): Promise<Map<string, StoredWindow>>;
  /**
   * Adds the counts, each to its address's window or, where that is over (it started
   * before `now - windowSeconds`) or missing, as a new window; resolves once they are
   * written, with the totals it could read back. Rejects only when nothing was written.
   */
  add(counts: PendingCount[], now: number, windowSeconds: number): Promise<Map<string, StoredWindow>>;
  /** Deletes the windows that are over, where the store does not expire them by itself. */
  expire(now: number, windowSeconds: number): Promise<void>;
  /** Statements (or commands) sent so far. */
  readonly statements: number;
}

export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
  /** How often the counts go to the store (RATE_LIMIT_FLUSH_MS). */
  flushMs: number;
  /** How long a request waits for an address's first read (RATE_LIMIT_TIMEOUT_MS). */
  timeoutMs: number;
}

/** Most addresses in one statement or script. */
const BATCH = 500;

/** Reads of new addresses one process has under way at most. */
const READS_AT_ONCE = 4;

/**
 * Seconds after which an address nobody asked for is dropped once its counts are written:
 * the store holds them, and its next request reads them again. This keeps a process's
 * memory to the addresses of the last ten minutes (a few hundred bytes each), not of the
 * whole window, while a client that comes back within them is decided without a read.
 */
const IDLE_SECONDS = 600;

/** What this process knows of one address. */
interface Address {
  /** The window's start, seconds. */
  start: number;
  /** The store's count when last read. */
  known: number;
  /** Counted here, being written. */
  sending: number;
  /** Counted here since. */
  pending: number;
  /** When it last asked, in seconds. */
  seen: number;
  /** Until the first read has come back (or given up). */
  reading?: Promise<void>;
}

/**
 * When the store fails or does not answer in time, the process keeps counting in memory
 * and requests are not held up: serving matters more than sharing the count. That is one
 * log line when the store stops answering and one when it is back; counts that could not
 * be written are written by a later flush.
 */
export class RateLimiter {
  private readonly addresses = new Map<string, Address>();
  /** Addresses waiting for the next read, with what to do once it is back. */
  private toRead = new Map<string, () => void>();
  /** Reads under way, and whether one is due at the end of this turn. */
  private reads = 0;
  private readDue = false;
  private readonly deadline: TimeLimit;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Since when the store has been failing, or undefined while it answers. */
  private failingSince: number | undefined;
  /** Addresses whose count was read from the store on their first request here. */
  private firstReads = 0;

  constructor(
    private readonly store: RateLimitStore,
    private readonly policy: RateLimitPolicy,
    private readonly now: () => number = () => Date.now(),
    private readonly logger?: Pick<Logger, "warn" | "info">,
  ) {
    this.deadline = storeTimeLimit(policy.timeoutMs);
    if (this.enabled) {
      // A tick while a slow store still has the last flush is skipped, not queued.
      this.timer = setInterval(() => {
        if (!this.flushing) void this.flush();
      }, policy.flushMs);
      // Counts still pending at exit are written by stop(), which a clean shutdown calls.
      this.timer.unref();
    }
  }

  get enabled(): boolean {
    return this.policy.limit > 0;
  }

  /** Statements (or commands) sent to the store so far. */
  get storeStatements(): number {
    return this.store.statements;
  }

  /** Addresses read from the store so far, each on its first request here: each such request waited for the read. */
  get addressesRead(): number {
    return this.firstReads;
  }

  /** Counts a request of `ip`; true when it is over the limit. A promise only for an address this process has not seen. */
  isLimited(ip: string): boolean | Promise<boolean> {
    if (!this.enabled) return false;
    const address = this.addresses.get(ip);
    if (!address) return this.firstRequest(ip);
    if (address.reading) return address.reading.then(() => this.count(address));
    return this.count(address);
  }

  private count(address: Address): boolean {
    const now = this.seconds();
    address.seen = now;
    if (address.start < now - this.policy.windowSeconds) {
      // The window is over: what was counted in it no longer matters.
      address.start = now;
      address.known = 0;
      address.pending = 0;
    }
    address.pending++;
    return address.known + address.sending + address.pending > this.policy.limit;
  }

  private firstRequest(ip: string): Promise<boolean> {
    const now = this.seconds();
    const address: Address = { start: now, known: 0, sending: 0, pending: 0, seen: now };
    address.reading = new Promise<void>((resolve) => this.toRead.set(ip, resolve)).then(() => {
      address.reading = undefined;
    });
    this.addresses.set(ip, address);
    this.readSoon();
    return address.reading.then(() => this.count(address));
  }

  /**
   * Reads the addresses that arrived in this turn of the event loop, together; a few reads
   * may be under way at once, so that an address's first request waits for one round trip,
   * not for the reads before it too.
   */
  private readSoon(): void {
    if (this.readDue || this.reads >= READS_AT_ONCE) return;
    this.readDue = true;
    setImmediate(() => {
      this.readDue = false;
      if (this.toRead.size > 0 && this.reads < READS_AT_ONCE) void this.readBatch();
    });
  }

  private async readBatch(): Promise<void> {
    this.reads++;
    const batch = this.toRead;
    this.toRead = new Map();
    const ips = [...batch.keys()];
    this.firstReads += ips.length;
    const reads = [];
    for (let i = 0; i < ips.length; i += BATCH) reads.push(this.store.read(ips.slice(i, i + BATCH)));
    try {
      const found = await this.deadline.within(Promise.all(reads));
      this.succeeded();
      const now = this.seconds();
      for (const stored of found) {
        for (const [ip, window] of stored) {
          const address = this.addresses.get(ip);
          if (address && window.start >= now - this.policy.windowSeconds) {
            address.start = window.start;
            address.known = window.requests;
          }
        }
      }
    } catch (error) {
      // Counted from nothing here; the next flush brings the store's count back.
      this.failed(error);
    }
    for (const resolve of batch.values()) resolve();
    this.reads--;
    if (this.toRead.size > 0) this.readSoon();
  }

  /**
   * Adds what was counted until now to the store and reads back the totals: after the
   * flush already running, if any, since that one may have started before the last count.
   */
  flush(): Promise<void> {
    const flushing: Promise<void> = (this.flushing ?? Promise.resolve()).then(() => this.write());
    const settled = flushing.finally(() => {
      if (this.flushing === settled) this.flushing = undefined;
    });
    this.flushing = settled;
    return settled;
  }

  /** Stops flushing, and writes what is still pending (on shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Drops what this process counted and knew, so that the store is read again: after the store was emptied by hand. */
  forget(): void {
    this.addresses.clear();
  }

  private async write(): Promise<void> {
    const now = this.seconds();
    const oldest = now - this.policy.windowSeconds;
    const idleSince = now - IDLE_SECONDS;
    const counts: PendingCount[] = [];
    for (const [ip, address] of this.addresses) {
      if (address.pending > 0) {
        address.sending = address.pending;
        address.pending = 0;
        counts.push({ ip, requests: address.sending, start: address.start });
      } else if ((address.start < oldest || address.seen < idleSince) && !address.reading && address.sending === 0) {
        // Its window is over, or it has been quiet and its counts are in the store: its
        // next request reads the store again.
        this.addresses.delete(ip);
      }
    }
    if (counts.length === 0) return;
    let failure: unknown;
    try {
      await this.store.expire(now, this.policy.windowSeconds);
    } catch (error) {
      failure = error;
    }
    for (let i = 0; i < counts.length; i += BATCH) {
      const batch = counts.slice(i, i + BATCH);
      try {
        this.settle(batch, await this.store.add(batch, now, this.policy.windowSeconds));
      } catch (error) {
        failure = error;
        // Not written: counted again with the next flush.
        for (const { ip } of batch) {
          const address = this.addresses.get(ip);
          if (address) {
            address.pending += address.sending;
            address.sending = 0;
          }
        }
      }
    }
    if (failure === undefined) this.succeeded();
    else this.failed(failure);
  }

  private settle(batch: PendingCount[], totals: Map<string, StoredWindow>): void {
    const now = this.seconds();
    for (const { ip } of batch) {
      const address = this.addresses.get(ip);
      if (!address) continue;
      const total = totals.get(ip);
      if (!total) address.known += address.sending;
      else if (total.start >= now - this.policy.windowSeconds) {
        address.start = total.start;
        address.known = total.requests;
      } else address.known = 0;
      address.sending = 0;
    }
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private failed(error: unknown): void {
    if (this.failingSince !== undefined) return;
    this.failingSince = Date.now();
    const reason = error instanceof Error ? error.message : String(error);
    this.logger?.warn({ err: reason }, "rate-limit store unavailable; counting in this process only");
  }

  private succeeded(): void {
    if (this.failingSince === undefined) return;
    this.logger?.info({ unavailableMs: Date.now() - this.failingSince }, "rate-limit store available again; sharing counts");
    this.failingSince = undefined;
  }
}
