import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "./config.js";
import type { ReadModel } from "./readmodel/store.js";
import type { RpcProfile } from "./rpc/profile.js";
import type { RateLimiter } from "./rpc/rate-limit.js";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** What every handler may use; built once per app by createApp(). */
export interface AppDeps {
  config: Config;
  clock: Clock;
  readModel: ReadModel;
  rateLimiter: RateLimiter;
  /** RPC_PROFILE, chosen once at start (rpc/profile.ts). */
  profile: RpcProfile;
  /** REQUEST_TIMEOUT_MS for the requests that wait (http/timeout.ts). */
  deadlines: RequestDeadlines;
}

/** Holds a wait to the deadline of the request that started at `startedAt` (performance.now()). */
export interface RequestDeadlines {
  within<T>(work: Promise<T>, startedAt: number): Promise<T>;
}

/** The request line's target, read once per request (http/request-target.ts). */
export interface RequestTarget {
  /** Path and query exactly as sent, bytes as latin1 characters (a `#fragment` included, as nginx's $request_uri). */
  uri: string;
  path: string;
  /** Without the `?`; empty when there is none. */
  query: string;
}


/** What the Node adapter passes with each request; nothing when the app runs in process. */
export interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/**
 * One request's bindings (`c.env`), made by the observing wrapper (http/observe.ts) before
 * Hono sees the request. They carry what a middleware would otherwise put in the context:
 * the app has none, so that Hono can hand a handler's Response back synchronously.
 */
export interface RequestBindings extends NodeBindings {
  deps: AppDeps;
  /** The request line's target as sent. */
  target: RequestTarget;
  /** Echoed in the X-Request-Id response header and the log line. */
  requestId: string;
  /** performance.now() when the request reached the app; its deadline counts from here. */
  startedAt: number;
  /** The RPC `type` a route answered, for the metrics label; "other" for anything else. */
  rpcType: string;
  /** True once a route put the request id into its response headers itself. */
  requestIdSent: boolean;
}

export type AppEnv = { Bindings: RequestBindings };
