import type { Config } from "./config.js";
import type { NodeBindings, RequestTarget } from "./http/request-target.js";
import type { Deadlines } from "./http/timeout.js";
import type { ReadModel } from "./readmodel/store.js";
import type { RateLimiter } from "./rpc/rate-limit.js";
import type { RowEncoder } from "./rpc/rows.js";

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
  encoder: RowEncoder;
  /** REQUEST_TIMEOUT_MS for the requests that wait (http/timeout.ts). */
  deadlines: Deadlines;
}

export type AppEnv = {
  Bindings: NodeBindings;
  Variables: {
    deps: AppDeps;
    /** Set by the observing middleware; echoed in the X-Request-Id response header. */
    requestId?: string;
    /** performance.now() when the request reached the app; its deadline counts from here. */
    startedAt?: number;
    /** True once a route put the request id into its response headers itself. */
    requestIdSent?: boolean;
    /** The RPC `type` a route answered, for the metrics label. */
    rpcType?: string;
    /** The request line's target, read once (http/request-target.ts). */
    target?: RequestTarget;
  };
};
