/**
 * A request that waits longer than REQUEST_TIMEOUT_MS gets a JSON 503 instead of holding
 * its connection (and a database connection) for as long as it likes; one that waits for
 * its own body gets a 408 instead (http/read-body.ts), the client being the slow party. The wait behind it
 * is not cancelled; only the client stops waiting for it.
 *
 * Only waiting can be cut short: a timer cannot interrupt work the event loop is doing,
 * and an answer from memory is made in one go. So the deadline is applied where a request
 * waits for something outside the process (`waitWithinDeadline`: the rate-limit store, a
 * request body, the first snapshot, a plan probe, the other workers' metrics), not around
 * every request. Raced around each request, it cost about a microsecond of the 20-odd of
 * CPU an answer from memory takes, for the few requests that ever wait.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import type { MaybePromise } from "../maybe-promise.js";
import { TimeLimit } from "../deadline-timer.js";

/** Thrown by a wait that outlived its request's deadline; the app answers it with a 503. */
export class RequestTimeout extends Error {
  constructor() {
    super("the request outlived REQUEST_TIMEOUT_MS");
    this.name = "RequestTimeout";
  }
}

/**
 * The waits of all requests in flight, checked by one timer (deadline-timer.ts); each
 * expires once REQUEST_TIMEOUT_MS have passed since its request started (`startedAt`).
 */
export class Deadlines extends TimeLimit {
  constructor(timeoutMs: number) {
    super(timeoutMs, () => new RequestTimeout());
  }
}

/** `work`, held to the deadline of the request `c` answers; a value already there is returned at once. */
export function waitWithinDeadline<T>(c: Context<AppEnv>, work: Promise<T>): Promise<T>;
export function waitWithinDeadline<T>(c: Context<AppEnv>, work: MaybePromise<T>): MaybePromise<T>;
export function waitWithinDeadline<T>(c: Context<AppEnv>, work: MaybePromise<T>): MaybePromise<T> {
  return work instanceof Promise ? c.env.deps.deadlines.within(work, c.env.startedAt) : work;
}

export function timeoutResponse(): Response {
  return new Response(JSON.stringify({ error: "The request took too long. Please try again later." }), {
    status: 503,
    headers: { "Content-Type": "application/json" },
  });
}
