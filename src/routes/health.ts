import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";

/**
 * Liveness and readiness. Readiness reads what the read model's refresh loop found (its
 * queries have deadlines, so a database that hangs turns into a failed poll within
 * them); the check itself never waits on the database, however often a balancer asks.
 * READY_MAX_SNAPSHOT_AGE_MS bounds the age of the data answered relative to the primary:
 * the snapshot's age plus the lag of the replica it was read from.
 */
export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/healthz", (c) => c.text("ok\n"));
  app.get("/readyz", (c) => {
    const { readModel, config } = c.env.deps;
    const health = readModel.health();
    const maxAgeMs = config.READY_MAX_SNAPSHOT_AGE_MS;
    const snapshotTooOld = health.snapshotAgeMs !== undefined && health.snapshotAgeMs > maxAgeMs;
    // The bound is on the data's age relative to the primary; a lag that is unknown may be any.
    const lagTooLong = health.snapshotAgeMs !== undefined && (health.dataAgeMs === undefined || health.dataAgeMs > maxAgeMs);
    const ready = health.snapshotLoaded && health.databaseReachable && !snapshotTooOld && !lagTooLong;
    // The first reason that applies: the database's own trouble says the most.
    const problem = ready
      ? undefined
      : (health.trouble?.kind ??
        (!health.snapshotLoaded ? "no-snapshot" : snapshotTooOld ? "snapshot-too-old" : lagTooLong ? "replica-lag" : "database-unreachable"));
    const ms = (value: number | undefined) => (value === undefined ? null : Math.round(value));
    return c.json(
      {
        ready,
        databaseReachable: health.databaseReachable,
        snapshotLoaded: health.snapshotLoaded,
        snapshotAgeMs: ms(health.snapshotAgeMs),
        dataAgeMs: ms(health.dataAgeMs),
        replicaLagMs: ms(health.replicaLagMs),
        readSource: health.readSource ?? null,
        ...(problem === undefined ? {} : { problem, ...(health.trouble ? { message: health.trouble.message } : {}) }),
      },
      ready ? 200 : 503,
    );
  });
  return app;
}
