import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import type { Metrics } from "../http/metrics.js";
import { waitWithinDeadline } from "../http/timeout.js";

export function metricsRoutes(metrics: Metrics): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/metrics", async (c) => c.body(await waitWithinDeadline(c, metrics.exposition()), 200, { "Content-Type": metrics.registry.contentType }));
  return app;
}
