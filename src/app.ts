/**
 * Builds the HTTP application. Everything it needs comes in through createApp(), so
 * tests run it in-process with app.request() and integration tests on a real port.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { PatternRouter } from "hono/router/pattern-router";
import type { AppDeps, AppEnv, Clock } from "./app-env.js";
import { queryDeadlines, type Config } from "./config.js";
import type { Database } from "./db/client.js";
import { ReplicaSources } from "./db/read-sources.js";
import { silentLogger, type Logger } from "./log.js";
import { createMetrics, databasePools, registerRateLimitMetrics, type Metrics } from "./http/metrics.js";
import { observeRequests, type AppFetch } from "./http/observe.js";
import { Deadlines, RequestTimeout, timeoutResponse } from "./http/timeout.js";
import { ReadModel } from "./readmodel/store.js";
import { Archives } from "./archives/archives.js";
import { archiveRoutes } from "./routes/archives.js";
import { healthRoutes } from "./routes/health.js";
import { legacySiteRoutes } from "./routes/legacy-site.js";
import { openApiRoutes } from "./routes/openapi.js";
import { rpcV5Routes } from "./routes/rpc-v5.js";
import { metricsRoutes } from "./routes/metrics.js";
import { currentProfile } from "./rpc/current.js";
import { legacyProfile } from "./rpc/legacy.js";
import type { RpcProfile } from "./rpc/profile.js";
import { RateLimiter, type RateLimitStore } from "./rpc/rate-limit.js";
import { DatabaseRateLimitStore } from "./rpc/rate-limit-table.js";
import { RowEncoder } from "./rpc/rows.js";

export interface CreateAppOptions {
  db: Database;
  config: Config;
  clock?: Clock;
  /** Defaults to a read model over `db`; pass one to share it or to control refreshes (built with the profile's `unpackagedBases`). */
  readModel?: ReadModel;
  rateLimitStore?: RateLimitStore;
  onError?: (error: unknown) => void;
  /** One JSON line per request; silent by default so in-process tests print nothing. */
  logger?: Logger;
  /** Defaults to this process's metrics over db's pools; the cluster passes aggregated ones. */
  metrics?: Metrics;
}

export interface App {
  /** The entry point for the Node adapter: the routes, observed (http/observe.ts). */
  fetch: AppFetch;
  /** A request in process, as Hono's `app.request()`: a path, or a whole URL. */
  request(input: string, init?: RequestInit): Promise<Response>;
  deps: AppDeps;
  /** The metadata archives: served once started (server.ts starts them with the read model). */
  archives: Archives;
}

export function createApp(options: CreateAppOptions): App {
  const { db, config } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const encoder = new RowEncoder(config.SNAPSHOT_URI);
  const logger = options.logger ?? silentLogger;
  // A read model passed in reads where its creator said.
  const replicas =
    options.readModel || db.replicaPools.length === 0
      ? undefined
      : new ReplicaSources({ name: "primary", pool: db.pool }, db.replicaPools, {
          deadlines: queryDeadlines(config),
          maxLagMs: config.REPLICA_MAX_LAG_MS,
          fallbackToPrimary: config.REPLICA_FALLBACK_TO_PRIMARY,
          onSwitch: (from, to, reason) => logger.warn({ from, to, reason }, "package data read from another server"),
        });
  const profile = rpcProfile(config, encoder);
  const readModel =
    options.readModel ??
    new ReadModel(replicas ?? db.readDb, {
      refreshIntervalMs: config.REFRESH_INTERVAL_MS,
      unpackagedBases: profile.unpackagedBases,
      onError: options.onError,
      onRefresh: ({ sources, durationMs }) =>
        (options.logger ?? silentLogger).info({ sources, durationMs: Math.round(durationMs) }, "package data reloaded"),
      deadlines: queryDeadlines(config),
      retryMaxMs: config.DB_RETRY_MAX_MS,
      // One line naming the cause and what to do; never a stack for an expected failure.
      onTrouble: (trouble, { attempts, retryInMs }) =>
        (options.logger ?? silentLogger).warn({ cause: trouble.kind, attempts, retryInMs, detail: trouble.detail }, trouble.message),
      onRecovered: ({ attempts, troubleMs }) =>
        (options.logger ?? silentLogger).info({ attempts, troubleMs: Math.round(troubleMs) }, "database answers again"),
    });
  // Also for a read model passed in: encoded rows of a replaced snapshot must not outlive it.
  readModel.onRebuild(() => encoder.forget());
  const deps: AppDeps = {
    config,
    clock,
    readModel,
    rateLimiter: new RateLimiter(
      options.rateLimitStore ?? new DatabaseRateLimitStore(db.pool, { timeoutMs: config.RATE_LIMIT_TIMEOUT_MS }),
      {
        limit: config.RATE_LIMIT_REQUESTS,
        windowSeconds: config.RATE_LIMIT_WINDOW,
        flushMs: config.RATE_LIMIT_FLUSH_MS,
        timeoutMs: config.RATE_LIMIT_TIMEOUT_MS,
      },
      clock.now,
      options.logger,
    ),
    profile,
    deadlines: new Deadlines(config.REQUEST_TIMEOUT_MS),
  };

  const archives = new Archives({ config, readModel, db: db.readDb, logger: options.logger ?? silentLogger });

  const metrics = options.metrics ?? createMetrics({ pools: databasePools(db) });
  metrics.watchReadModel(() => readModel.health(), replicas && (() => replicas.replicaStates()));
  registerRateLimitMetrics(metrics.registry, deps.rateLimiter);

  // Hono's default router ends up as its trie router here: RegExpRouter refuses a static
  // `/rpc/docs` beside `/rpc/:version{v[0-9]+}/...`. Over this handful of routes
  // PatternRouter matches `/rpc/` in about half the time.
  const hono = new Hono<AppEnv>({ router: new PatternRouter() });
  hono.route("/", healthRoutes());
  hono.route("/", metricsRoutes(metrics));
  hono.route("/", openApiRoutes());
  hono.route("/", rpcV5Routes());
  hono.route("/", archiveRoutes(() => archives.served()));
  hono.route("/", legacySiteRoutes());
  hono.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (error instanceof RequestTimeout) return timeoutResponse();
    options.onError?.(error);
    return c.json({ error: "Internal error." }, 500);
  });
  const fetch = observeRequests(hono, { deps, logger: options.logger ?? silentLogger, metrics });
  return {
    fetch,
    request: async (input, init) => fetch(new Request(new URL(input, "http://localhost"), init)),
    deps,
    archives,
  };
}

/** The one place RPC_PROFILE is read: from here on every request asks the profile. */
function rpcProfile(config: Config, encoder: RowEncoder): RpcProfile {
  const maxResults = config.MAX_RPC_RESULTS;
  return config.RPC_PROFILE === "current"
    ? currentProfile({ snapshotUri: config.SNAPSHOT_URI, maxResults })
    : legacyProfile({ encoder, maxResults });
}
