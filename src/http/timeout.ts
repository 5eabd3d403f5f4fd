/**
 * A request that takes longer than REQUEST_TIMEOUT_MS gets a JSON 503 instead of
 * holding its connection (and a database connection) for as long as it likes. The work
 * behind it is not cancelled; only the client stops waiting for it.
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { timeout } from "hono/timeout";

export function requestTimeout(ms: number): MiddlewareHandler {
  return timeout(
    ms,
    () =>
      new HTTPException(503, {
        res: new Response(JSON.stringify({ error: "The request took too long. Please try again later." }), {
          status: 503,
          headers: { "Content-Type": "application/json" },
        }),
      }),
  );
}
