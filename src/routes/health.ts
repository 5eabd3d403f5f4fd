import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";

export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/healthz", (c) => c.text("ok\n"));
  app.get("/readyz", (c) => {
    const { readModel } = c.env.deps;
    const ready = readModel.current() !== undefined && readModel.databaseReachable;
    return c.json(
      { ready, databaseReachable: readModel.databaseReachable, snapshotLoaded: readModel.current() !== undefined },
      ready ? 200 : 503,
    );
  });
  return app;
}
