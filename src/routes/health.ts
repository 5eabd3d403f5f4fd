import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";

/**
 * Liveness and readiness. Readiness reads what the read model's refresh loop found (its
 * queries have deadlines, so a database that hangs turns into a failed poll within
 * them); the check itself never waits on the database, however often a balancer asks.
 */
export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/healthz", (c) => c.text("ok\n"));
  app.get("/readyz", (c) => {
    const { readModel, config } = c.env.deps;
    const health = readModel.health();
    const snapshotTooOld = health.snapshotAgeMs !== undefined && health.snapshotAgeMs > config.READY_MAX_SNAPSHOT_AGE_MS;
    const ready = health.snapshotLoaded && health.databaseReachable && !snapshotTooOld;
    // The first reason that applies: the database's own trouble says the most.
    const problem = ready
      ? undefined
      : (health.trouble?.kind ?? (!health.snapshotLoaded ? "no-snapshot" : snapshotTooOld ? "snapshot-too-old" : "database-unreachable"));
    return c.json(
      {
        ready,
        databaseReachable: health.databaseReachable,
        snapshotLoaded: health.snapshotLoaded,
        snapshotAgeMs: health.snapshotAgeMs === undefined ? null : Math.round(health.snapshotAgeMs),
        ...(problem === undefined ? {} : { problem, ...(health.trouble ? { message: health.trouble.message } : {}) }),
      },
      ready ? 200 : 503,
    );
  });
  return app;
}
