/**
 * `npm run bench:fleet`: what starting a fleet of instances costs the database they load
 * from. N instances (N = 1, 2, 4; processes with WORKERS=1) start at once against one
 * private MariaDB holding the bench data set; the table gives the time until each one
 * listened (with its first snapshot loaded) and the database's work for the whole start, from
 * SHOW GLOBAL STATUS before and after: statements, rows read, bytes sent. Then the same
 * counters over a quiet stretch give what each instance costs while it only polls.
 *
 * The server is private (its own mariadbd, removed afterwards) so that no other client
 * moves its counters. Times depend on the machine and what else runs on it; the counts
 * do not.
 *
 *   npm run bench:fleet [-- --sizes 1,2,4] [--dataset bench|sample] [--idle-seconds 10]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type mysql from "mysql2/promise";
import { freePort } from "../src/net/free-port.js";
import { rootConnection, startPrivateMariadb, type PrivateMariadb } from "../tools/db/private-mariadb.js";
import { loadSqlFile } from "../tools/db/sql-file.js";
import { BENCH_DATASET, PRODUCTION_STRUCTURE, SAMPLE_DATASET } from "../tools/reference-data.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

const SERVICE_MAIN = new URL("../dist/src/main.js", import.meta.url).pathname;
const START_TIMEOUT_MS = 300_000;
/** The service's default poll interval: the quiet stretch measures what production would pay. */
const REFRESH_INTERVAL_MS = 1000;
const COUNTERS = ["Questions", "Rows_read", "Bytes_sent"] as const;
type Counter = (typeof COUNTERS)[number];
type Status = Record<Counter, number>;

interface Options {
  sizes: number[];
  dataset: "bench" | "sample";
  idleSeconds: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { sizes: [1, 2, 4], dataset: "bench", idleSeconds: 10 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === "--sizes" && value) options.sizes = value.split(",").map(Number);
    else if (argv[i] === "--dataset" && (value === "bench" || value === "sample")) options.dataset = value;
    else if (argv[i] === "--idle-seconds" && value) options.idleSeconds = Number(value);
    else continue;
    i++;
  }
  return options;
}

async function status(connection: mysql.Connection): Promise<Status> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${COUNTERS.map((c) => `'${c}'`).join(", ")})`,
  );
  const values = Object.fromEntries(rows.map((r) => [r.Variable_name as string, Number(r.Value)]));
  return Object.fromEntries(COUNTERS.map((c) => [c, values[c] ?? 0])) as Status;
}

/** What one status reading itself adds to the counters, measured once and subtracted. */
async function readingCost(connection: mysql.Connection): Promise<Status> {
  const a = await status(connection);
  const b = await status(connection);
  return difference(b, a, zero());
}

function zero(): Status {
  return Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Status;
}

function difference(after: Status, before: Status, cost: Status): Status {
  return Object.fromEntries(COUNTERS.map((c) => [c, after[c] - before[c] - cost[c]])) as Status;
}

async function readyz(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/readyz`)).status;
  } catch {
    return 0;
  }
}

interface Row {
  instances: number;
  firstMs: number;
  lastMs: number;
  start: Status;
  idlePerSecond: Status;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

async function measure(server: PrivateMariadb, url: string, size: number, idleSeconds: number): Promise<Row> {
  const connection = await rootConnection(server);
  const cost = await readingCost(connection);
  const env = {
    DATABASE_URL: url,
    WORKERS: "1",
    // "listening" is an info line, and startServerProcess waits for it.
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    REFRESH_INTERVAL_MS: String(REFRESH_INTERVAL_MS),
    RATE_LIMIT_REQUESTS: "0",
  };
  const instances: ServerProcess[] = [];
  try {
    const before = await status(connection);
    const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
    const started = await Promise.all(
      ports.map((port, i) => startServerProcess(`instance ${i + 1}`, [SERVICE_MAIN], { ...env, PORT: String(port) }, START_TIMEOUT_MS)),
    );
    instances.push(...started);
    // The service listens once its first snapshot is loaded; /readyz confirms it.
    for (const instance of instances) while ((await readyz(instance.url)) !== 200) await sleep(100);
    const loaded = await status(connection);
    await sleep(idleSeconds * 1000);
    const idle = difference(await status(connection), loaded, cost);
    const perSecond = Object.fromEntries(COUNTERS.map((c) => [c, idle[c] / idleSeconds / size])) as Status;
    const times = instances.map((i) => i.startupMs).sort((a, b) => a - b);
    return { instances: size, firstMs: times[0]!, lastMs: times.at(-1)!, start: difference(loaded, before, cost), idlePerSecond: perSecond };
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
    await connection.end();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const directory = await mkdtemp(join(tmpdir(), "aurweb-fleet-"));
  let server: PrivateMariadb | undefined;
  const stop = async () => {
    await server?.stop();
    await rm(directory, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  try {
    server = await startPrivateMariadb({ directory, port: await freePort(), serverId: 1, args: ["--innodb-buffer-pool-size=1G"] });
    const root = await rootConnection(server);
    await root.query("CREATE DATABASE aurweb CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
    await root.end();
    const url = `${server.url}/aurweb`;
    const loadStarted = performance.now();
    console.log(`loading the ${options.dataset} data set into a private MariaDB (${directory})`);
    await loadSqlFile(url, PRODUCTION_STRUCTURE);
    for (const file of options.dataset === "bench" ? BENCH_DATASET : [SAMPLE_DATASET]) await loadSqlFile(url, file);
    const counted = await rootConnection(server, "aurweb");
    const [[{ n }]] = (await counted.query("SELECT COUNT(*) AS n FROM Packages")) as unknown as [[{ n: number }]];
    await counted.end();
    console.log(`${thousands(n)} packages loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s\n`);

    const rows: Row[] = [];
    for (const size of options.sizes) {
      rows.push(await measure(server, url, size, options.idleSeconds));
      console.log(`N=${size} done`);
    }
    console.log();
    console.log(
      "| instances | first listening | last listening | statements | rows read | MB sent | per instance: statements / rows / MB | idle, per instance and second: statements / rows / KB |",
    );
    console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of rows) {
      const s = r.start;
      const i = r.idlePerSecond;
      console.log(
        `| ${r.instances} | ${(r.firstMs / 1000).toFixed(1)} s | ${(r.lastMs / 1000).toFixed(1)} s | ${thousands(s.Questions)} | ${thousands(s.Rows_read)} | ${mb(s.Bytes_sent)} | ` +
          `${thousands(s.Questions / r.instances)} / ${thousands(s.Rows_read / r.instances)} / ${mb(s.Bytes_sent / r.instances)} | ` +
          `${i.Questions.toFixed(1)} / ${thousands(i.Rows_read)} / ${(i.Bytes_sent / 1000).toFixed(1)} |`,
      );
    }
    console.log(`\n(${thousands(n)} packages; REFRESH_INTERVAL_MS=${REFRESH_INTERVAL_MS}; quiet stretch ${options.idleSeconds} s)`);
  } finally {
    await stop();
  }
}

await main();
