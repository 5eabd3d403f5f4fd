/**
 * What every request passes on its way into and out of the app: it gets an id, the app's
 * dependencies and the start its deadline counts from (http/timeout.ts), and afterwards
 * it is counted in the metrics and logged.
 *
 * This wraps the Hono app's fetch instead of being a middleware. With any middleware Hono
 * composes the request's handlers with promises and hands back a promise even when the
 * handler answered at once, and the Node adapter then takes its slower path (see
 * maybe-promise.ts). Without one, a route's Response comes back synchronously, and an
 * answer from memory costs less CPU.
 */
import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import type { AppDeps, AppEnv, NodeBindings, RequestBindings } from "../app-env.js";
import type { MaybePromise } from "../maybe-promise.js";
import type { Logger } from "../log.js";
import { acceptableRequestId, requestLog } from "./request-log.js";
import type { Metrics } from "./metrics.js";
import { headerOf, readTarget } from "./request-target.js";

export interface ObserveOptions {
  deps: AppDeps;
  logger: Logger;
  metrics: Metrics;
}

/** The app's entry point: a Fetch Request in, with what the Node adapter passes beside it. */
export type AppFetch = (request: Request, node?: NodeBindings) => MaybePromise<Response>;

export function observeRequests(hono: Hono<AppEnv>, { deps, logger, metrics }: ObserveOptions): AppFetch {
  const log = requestLog(logger);
  return (request, node) => {
    const startedAt = performance.now();
    const incoming = node?.incoming;
    const bindings: RequestBindings = {
      incoming,
      outgoing: node?.outgoing,
      deps,
      target: readTarget(request, incoming),
      requestId: acceptableRequestId(headerOf(request, incoming, "x-request-id")) ?? randomUUID(),
      startedAt,
      rpcType: "other",
      requestIdSent: false,
    };

    // Errors thrown by a route, a wait past the deadline among them, were already turned
    // into responses by the app's error handler.
    const finish = (response: Response): Response => {
      // RPC answers carry the id already (routes/rpc-answer.ts puts it in their plain
      // headers: touching response.headers would cost the Node adapter its fast path).
      if (!bindings.requestIdSent) response.headers.set("X-Request-Id", bindings.requestId);
      const status = response.status;
      const durationMs = performance.now() - startedAt;
      metrics.recordRequest(bindings.rpcType, status, durationMs / 1000);
      log({
        requestId: bindings.requestId,
        method: request.method,
        path: bindings.target.path,
        status,
        durationMs: Math.round(durationMs * 1000) / 1000,
      });
      return response;
    };
    const response = hono.fetch(request, bindings);
    return response instanceof Promise ? response.then(finish) : finish(response);
  };
}
