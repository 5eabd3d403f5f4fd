/**
 * A request that takes longer than REQUEST_TIMEOUT_MS gets a JSON 503 instead of
 * holding its connection (and a database connection) for as long as it likes. The work
 * behind it is not cancelled; only the client stops waiting for it.
 */
export const EXPIRED = Symbol("expired");

/** How many times per timeout the pending requests are checked: a request expires up to a tenth late. */
const CHECKS_PER_TIMEOUT = 10;

interface Pending {
  expiresAt: number;
  expire: () => void;
}

/**
 * The deadlines of all requests in flight, checked by one timer. A timer per request
 * (set, then cleared when the request settles) was a measurable share of an answer
 * served from memory. A finished request leaves the set at once, so nothing keeps its
 * context reachable; the timer runs only while requests are pending.
 */
export class Deadlines {
  /** In arrival order, which is also deadline order: every request gets the same time. */
  private readonly pending = new Set<Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** `work`, or EXPIRED if it has not settled within the timeout. */
  within<T>(work: Promise<T>): Promise<T | typeof EXPIRED> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { expiresAt: performance.now() + this.timeoutMs, expire: () => resolve(EXPIRED) };
      this.pending.add(entry);
      this.timer ??= setInterval(() => this.expireDue(), Math.max(1, this.timeoutMs / CHECKS_PER_TIMEOUT));
      work.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  private expireDue(): void {
    const now = performance.now();
    for (const entry of this.pending) {
      if (entry.expiresAt > now) break;
      this.pending.delete(entry);
      entry.expire();
    }
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

export function timeoutResponse(): Response {
  return new Response(JSON.stringify({ error: "The request took too long. Please try again later." }), {
    status: 503,
    headers: { "Content-Type": "application/json" },
  });
}
