/**
 * `npm start`: configuration from the environment, then the database (DATABASE_URL, or a
 * private development MariaDB when it is not set), then one serving process or, with
 * WORKERS other than 1, a cluster of them. SIGTERM and SIGINT drain and exit 0, each
 * process with one line that it stopped.
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { rmSync } from "node:fs";
import { makeArchiveDir } from "./archives/archives.js";
import { runPrimary } from "./cluster.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { ensureLocalMariadb, LocalMariadbError } from "../tools/devdb/local-mariadb.js";
import { createLogger, type Logger } from "./log.js";
import { checkCanListen, ListenError } from "./net/can-listen.js";
import { listenUrl } from "./net/listen-url.js";
import { startServer } from "./server.js";

/**
 * V8 lets the old generation grow by a factor picked from its allocation rate before it
 * collects again, which under heavy load left a worker's peak RSS over its memory budget,
 * mostly in garbage; so the growth is capped. Too tight a cap costs heavy searches (large
 * answers count towards the same limit and every full collection marks the whole package
 * heap): 50% keeps both in bounds. Set before the package data is loaded, in every process.
 */
setFlagsFromString("--heap-growing-percent=50");

/**
 * glibc's malloc gives threads that allocate at once arenas of their own (up to eight per
 * core), and memory freed in one stays there; a worker's threads are busiest while a new
 * snapshot is built, so two arenas lower its peak RSS over an upload. Workers are started
 * with it unless MALLOC_ARENA_MAX is set; it has to be in a process's environment when it
 * starts.
 */
const WORKER_MALLOC_ARENAS = "2";

/**
 * The young generation's size trades memory for time: every answer allocates Node's and
 * Hono's request objects, so a busy worker fills a semi-space many times a second. A
 * smaller one answered cheap requests more slowly, a larger one was not clearly faster and
 * took the peak RSS to the edge of the memory budget. Workers get 16 MB unless the
 * operator gave the flag.
 */
const WORKER_SEMI_SPACE = "--max-semi-space-size=16";

/** A request that shows the service answering from the sample data set. */
const TRY_PATH = "/rpc/?v=5&type=search&arg=python3";

/**
 * SIGTERM and SIGINT stop the process, from the moment it starts: Ctrl-C in a terminal
 * sends SIGINT to every process of the group at once (npm, the primary, each worker),
 * and npm passes its own on, so a process may get several; the first one counts. Before
 * there is anything to drain the process just says so and exits.
 */
class Stopping {
  private stop: (() => Promise<number | void>) | undefined;
  private requested: NodeJS.Signals | undefined;

  constructor(private readonly logger: Logger) {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.requested) return;
      this.requested = signal;
      if (this.stop) void this.stop().then((code) => process.exit(code ?? 0));
      else this.exitNow();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }

  /** From now on a signal runs `stop`, then exits with its code (0 if none). */
  whenSignalled(stop: () => Promise<number | void>): void {
    this.stop = stop;
  }

  private exitNow(): void {
    this.logger.info({ signal: this.requested }, "stopped before it started");
    process.exit(0);
  }
}

async function serveOneProcess(config: Config, databaseUrl: string, logger: Logger, stopping: Stopping): Promise<string> {
  const server = await startServer({ config, databaseUrl, logger });
  stopping.whenSignalled(() => server.stop());
  return server.url;
}

async function main(): Promise<void> {
  let config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const stopping = new Stopping(logger);

  if (cluster.isWorker) {
    // The primary resolved the database and put it in our environment.
    if (!config.DATABASE_URL) throw new ConfigError("a cluster worker needs DATABASE_URL from the primary");
    await serveOneProcess(config, config.DATABASE_URL, logger, stopping);
    return;
  }

  await checkCanListen(config.PORT, config.HOST);

  let databaseUrl = config.DATABASE_URL;
  let localStopCommand: string | undefined;
  /** What the workers' environment adds to the primary's. */
  const workerEnv: Record<string, string> = {};
  if (!databaseUrl) {
    const local = await ensureLocalMariadb();
    databaseUrl = local.url;
    localStopCommand = local.stopCommand;
    // A replay of the recorded corpus or a bench from one address would otherwise meet the
    // production limit of 4,000 requests a day by surprise.
    if (process.env.RATE_LIMIT_REQUESTS === undefined) {
      config = { ...config, RATE_LIMIT_REQUESTS: 0 };
      workerEnv.RATE_LIMIT_REQUESTS = "0";
      console.log("the rate limit is off for the private development database (set RATE_LIMIT_REQUESTS to turn it on)");
    }
  }

  const workers = config.WORKERS === 0 ? availableParallelism() : config.WORKERS;
  let url: string;
  if (workers === 1) {
    url = await serveOneProcess(config, databaseUrl, logger, stopping);
  } else {
    const env = { ...workerEnv, DATABASE_URL: databaseUrl, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? WORKER_MALLOC_ARENAS };
    const semiSpaceGiven = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((a) => a.includes("--max-semi-space-size"));
    // The workers share one archive directory, and the first place's worker builds the archives (unless ARCHIVE_BUILDER=0).
    const archiveDir = config.ARCHIVE_DIR ?? (await makeArchiveDir());
    if (!config.ARCHIVE_DIR) process.on("exit", () => rmSync(archiveDir, { recursive: true, force: true }));
    const primary = runPrimary({
      workers,
      env: { ...env, ARCHIVE_DIR: archiveDir },
      slotEnv: (index) => ({ ARCHIVE_BUILDER: index === 0 && config.ARCHIVE_BUILDER ? "1" : "0" }),
      execArgv: semiSpaceGiven ? [] : [WORKER_SEMI_SPACE],
      logger,
    });
    // 1 when the first start failed or a worker did not stop cleanly.
    void primary.exited.then((code) => process.exit(code));
    stopping.whenSignalled(() => {
      primary.stop();
      return primary.exited;
    });
    const { address, port } = await primary.listening;
    url = listenUrl(address ?? config.HOST, port);
    logger.info({ url, workers }, "listening");
  }

  if (localStopCommand) {
    console.log(`\ntry: curl '${url}${TRY_PATH}'`);
    console.log(`the local MariaDB keeps running after this service stops; to stop it: ${localStopCommand}\n`);
  }
}

main().catch((error: unknown) => {
  const expected = error instanceof ConfigError || error instanceof LocalMariadbError || error instanceof ListenError;
  console.error(expected ? error.message : error);
  process.exit(1);
});
