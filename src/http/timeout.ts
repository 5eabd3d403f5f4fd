/**
 * A request that takes longer than REQUEST_TIMEOUT_MS gets a JSON 503 instead of
 * holding its connection (and a database connection) for as long as it likes. The work
 * behind it is not cancelled; only the client stops waiting for it.
 */
export const EXPIRED = Symbol("expired");

/**
 * `work`, or EXPIRED if it has not settled within `ms`. The timer is cleared as soon as
 * the work settles: a timer (or a promise) shared between requests would keep every
 * finished request's context reachable until it fired. One promise and one timer per
 * request, rather than an async function racing a second promise: this runs for every
 * request, and each extra promise is a measurable share of an answer served from memory.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof EXPIRED> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms, EXPIRED);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function timeoutResponse(): Response {
  return new Response(JSON.stringify({ error: "The request took too long. Please try again later." }), {
    status: 503,
    headers: { "Content-Type": "application/json" },
  });
}
