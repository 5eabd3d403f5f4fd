/**
 * One serving process: the database pools, the rate-limit store, the app and its HTTP
 * server, and how they stop. main.ts runs one of these, or one per cluster worker.
 */
import cluster from "node:cluster";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Redis } from "ioredis";
import { createApp, type App } from "./app.js";
import { errorBody } from "./rpc/respond.js";
import { answerMetricsRequests, clusterMetrics } from "./cluster.js";
import type { Config } from "./config.js";
import { createDatabase } from "./db/client.js";
import type { Logger } from "./log.js";
import { createMetrics, databasePools } from "./http/metrics.js";
import { handleInBursts } from "./http/handle-in-bursts.js";
import { listenError } from "./net/can-listen.js";
import { listenUrl } from "./net/listen-url.js";
import { RedisRateLimitStore } from "./rpc/rate-limit-redis.js";

export interface ServerOptions {
  config: Config;
  databaseUrl: string;
  logger: Logger;
}

export interface RunningServer {
  /** http://host:port of the listening socket. */
  url: string;
  /**
   * Stops accepting connections, lets requests in flight finish (up to
   * SHUTDOWN_TIMEOUT_MS, then closes their connections), and closes the pools. The
   * process should exit when it resolves: a query still running may keep it alive.
   */
  stop(): Promise<void>;
}

/** The longest request head (request line and headers) the service reads. */
const MAX_REQUEST_HEAD_BYTES = 1024 * 1024;

/**
 * The Node HTTP server around the app. Node refuses request heads over 16 KB with an
 * empty 431; the legacy RPC took long query strings (10,000 `arg[]`) and answered them,
 * so this service reads them and answers too.
 */
export function createHttpServer(app: App): http.Server {
  // The adapter's callback type allows HTTP/2 bindings too; this server is node:http only.
  const listener = getRequestListener(app.fetch as Parameters<typeof getRequestListener>[0]);
  const server = http.createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES }, handleInBursts(listener));
  // A request Node cannot parse (raw non-ASCII bytes in the request line, a head past the
  // limit) never reaches the app; answer it with a JSON error in the legacy shape rather
  // than Node's bare status line.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) return socket.destroy();
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = errorBody(5, status === 431 ? "Request too large." : "Malformed request.");
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/** How often idle keep-alive connections are closed while draining. */
const DRAIN_SWEEP_MS = 100;
/** Time to close the pools even when the drain used up the whole deadline. */
const CLOSE_GRACE_MS = 1000;

/** Whether `promise` settles within `ms`; it is not cancelled either way. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, expired]);
  clearTimeout(timer);
  return result;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const onError = (error: unknown) => logger.error({ err: error }, "unexpected error");

  const database = createDatabase(options.databaseUrl, {
    poolSize: config.DB_POOL_SIZE,
    replicaUrls: config.DATABASE_REPLICA_URLS,
  });
  // A rate-limit check does not wait for Redis past RATE_LIMIT_TIMEOUT_MS (the store's
  // deadline; RateLimiter then lets the request through), and a command queued while
  // Redis is away fails after one retry rather than waiting for it to come back.
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined;
  redis?.on("error", (error: Error) => logger.warn({ err: error }, "redis"));

  const metrics = createMetrics({
    pools: databasePools(database),
    exposition: cluster.isWorker ? clusterMetrics : undefined,
  });
  if (cluster.isWorker) answerMetricsRequests(metrics.registry);

  const app = createApp({
    db: database,
    config,
    logger,
    metrics,
    onError,
    rateLimitStore: redis ? new RedisRateLimitStore(redis, { timeoutMs: config.RATE_LIMIT_TIMEOUT_MS }) : undefined,
  });
  // Returns once the first snapshot is loaded, or the database did not answer (the read
  // model keeps polling, and /readyz says 503 until it has one).
  await app.deps.readModel.start();
  await app.archives.start();

  const server = createHttpServer(app);
  await new Promise<void>((resolve, reject) => {
    // The port was free when main.ts checked, before the data was loaded; something may
    // have taken it since.
    const failed = (error: NodeJS.ErrnoException) => reject(listenError(error, config.PORT, config.HOST) ?? error);
    server.once("error", failed);
    server.listen(config.PORT, config.HOST, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const url = listenUrl(address, port);
  logger.info({ url }, "listening");

  let stopping: Promise<void> | undefined;
  const drainAndClose = async () => {
    const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // server.close() only closes connections idle at that moment; a keep-alive
    // connection whose response finishes later would hold the drain open for its whole
    // keep-alive timeout, so idle ones are closed as they appear.
    const sweep = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS);
    const drained = await settlesWithin(closed, deadline - Date.now());
    clearInterval(sweep);
    if (!drained) {
      logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown deadline passed; closing the remaining connections");
      server.closeAllConnections();
    }
    // The rate-limit counts of the last flush interval go to the store before its
    // connections close. Ending a pool waits for the queries on it, and one may outlive
    // its request (a timed-out one, or one cut off above). Past the deadline it is left
    // to the exit.
    const resources = Promise.all([app.archives.stop(), app.deps.readModel.stop(), app.deps.rateLimiter.stop()]).then(() =>
      Promise.all([database.close(), redis?.quit()]),
    );
    if (!(await settlesWithin(resources, Math.max(deadline - Date.now(), CLOSE_GRACE_MS)))) {
      logger.warn("database or Redis connections still busy; leaving them to the exit");
    }
    logger.info("stopped");
  };

  return {
    url,
    stop() {
      stopping ??= drainAndClose();
      return stopping;
    },
  };
}
