/**
 * The one middleware every request passes: it gives the request an id, the app's
 * dependencies and the start its deadline counts from (http/timeout.ts), and afterwards
 * counts it in the metrics and writes its log line. One layer instead of one per concern,
 * because at tens of thousands of answers a second each extra layer of promises is a
 * measurable share of an answer served from memory.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "../app-env.js";
import { acceptableRequestId, requestLog, type Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";
import { requestHeader, requestTarget } from "./request-target.js";

export interface ObserveOptions {
  deps: AppDeps;
  logger: Logger;
  metrics: Metrics;
}

export function observeRequests({ deps, logger, metrics }: ObserveOptions): MiddlewareHandler<AppEnv> {
  const log = requestLog(logger);
  return async (c, next) => {
    const started = performance.now();
    const requestId = acceptableRequestId(requestHeader(c, "x-request-id")) ?? randomUUID();
    c.set("deps", deps);
    c.set("requestId", requestId);
    c.set("startedAt", started);

    // Errors thrown below, a wait past the deadline among them, were already turned into
    // responses by the app's error handler.
    await next();

    // RPC answers carry the id already (routes/rpc-answer.ts puts it in their plain
    // headers: touching c.res.headers would cost the Node adapter its fast path).
    if (!c.get("requestIdSent")) c.res.headers.set("X-Request-Id", requestId);
    const status = c.res.status;
    const durationMs = performance.now() - started;
    metrics.recordRequest(c.get("rpcType") ?? "other", status, durationMs / 1000);
    log({
      requestId,
      method: c.req.method,
      path: requestTarget(c).path,
      status,
      durationMs: Math.round(durationMs * 1000) / 1000,
    });
  };
}
