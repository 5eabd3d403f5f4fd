/**
 * A request that takes longer than REQUEST_TIMEOUT_MS gets a JSON 503 instead of
 * holding its connection (and a database connection) for as long as it likes. The work
 * behind it is not cancelled; only the client stops waiting for it.
 */
export const EXPIRED = Symbol("expired");

/**
 * `work`, or EXPIRED if it has not settled within `ms`. The timer is cleared as soon as
 * the work settles: a timer (or a promise) shared between requests would keep every
 * finished request's context reachable until it fired.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof EXPIRED> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<typeof EXPIRED>((resolve) => (timer = setTimeout(resolve, ms, EXPIRED)));
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

export function timeoutResponse(): Response {
  return new Response(JSON.stringify({ error: "The request took too long. Please try again later." }), {
    status: 503,
    headers: { "Content-Type": "application/json" },
  });
}
