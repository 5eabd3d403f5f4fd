/**
 * What the rate limit costs in CPU, apart from the machine's drift: one request at 50
 * connections against three services as `npm start` runs them (limit off, limit in the
 * table, limit in Redis), in rounds, with the CPU time each party spent per 1,000
 * answers: the service's processes, MariaDB and Redis. Throughput on two shared cores
 * moves from cell to cell; CPU per answer moves less, and it says where the cost is.
 *
 *   npm run bench:rate-limit-cpu [-- --path <rpc path>] [--rounds 3] [--seconds 5]
 *
 * Settings of the services (RATE_LIMIT_FLUSH_MS, ARCHIVE_BUILDER, ...) come from the
 * environment. Every request carries an X-Real-IP from the bench's address pool, which the
 * limit-on services meet first, as `npm run bench` does.
 */
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { parseCommandLine, runCommand, UsageError } from "../tools/cli/args.js";
import { connect, prepareDatabase } from "./dataset.js";
import { checkLoadGenerator, load, recordAnswer } from "./load.js";
import { ADDRESS_POOL, meetAddressPool, startLimitedServices, type LimitedServices } from "./rate-limit-cells.js";
import { processTree, startServerProcess, type ServerProcess } from "./server-process.js";

const USAGE = `usage: npm run bench:rate-limit-cpu [-- --path <rpc path>] [--rounds 3] [--seconds 5]

  --path <p>     the request (default: info of one package, info-1)
  --rounds <n>   rounds of limit off, table and Redis cells (default 3)
  --seconds <s>  length of each cell, after a 1 s warm-up (default 5)`;

const SERVICE_MAIN = new URL("../dist/src/main.js", import.meta.url).pathname;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const CONNECTIONS = 50;
/** Clock ticks per second of /proc/<pid>/stat's times. */
const TICKS_PER_SECOND = 100;

/** User and system CPU of the processes so far, in milliseconds; a process gone counts 0. */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Exited meanwhile.
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** The oldest process of that name, or none. */
function pidOf(name: string): number[] {
  try {
    return [Number(execFileSync("pgrep", ["-o", name]).toString().trim())];
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), USAGE, {
    path: { type: "string", default: "/rpc/?v=5&type=info&arg[]=python3-numpy" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError(`--rounds must be a whole number ≥ 1, got ${values.rounds}`);
  if (!Number.isInteger(seconds) || seconds < 1) throw new UsageError(`--seconds must be a whole number ≥ 1, got ${values.seconds}`);
  checkLoadGenerator();
  const database = await prepareDatabase(1, false, () => {});
  const connection = await connect(database.url);
  const env = { DATABASE_URL: database.url, PORT: "0", HOST: "127.0.0.1" };
  let off: ServerProcess | undefined;
  let limited: LimitedServices | undefined;
  try {
    off = await startServerProcess("service, limit off", [SERVICE_MAIN], { ...env, RATE_LIMIT_REQUESTS: "0" }, 600_000);
    limited = await startLimitedServices(SERVICE_MAIN, env, connection, REDIS_URL);
    const { reference } = await recordAnswer(new URL(values.path, off.url));
    await meetAddressPool(limited, [reference], console.log);
    const services = { "limit off": off, table: limited.table, Redis: limited.redis };
    console.log(`\n${values.path}, ${CONNECTIONS} connections, ${seconds} s cells; CPU ms per 1,000 answers\n`);
    console.log("| round | service | req/s | service CPU | MariaDB CPU | Redis CPU |\n| ---: | --- | ---: | ---: | ---: | ---: |");
    for (let round = 1; round <= rounds; round++) {
      for (const [name, service] of Object.entries(services)) {
        const parties = [await processTree(service.pid), pidOf("mariadbd"), pidOf("redis-server")];
        await load(service.url, [reference], { connections: CONNECTIONS, durationS: 1, addresses: ADDRESS_POOL });
        const before = parties.map(cpuMs);
        const result = await load(service.url, [reference], { connections: CONNECTIONS, durationS: seconds, addresses: ADDRESS_POOL });
        const perThousand = parties.map((pids, i) => ((cpuMs(pids) - before[i]!) / result.total) * 1000);
        console.log(`| ${round} | ${name} | ${result.requestsPerSec.toFixed(0)} | ${perThousand.map((ms) => ms.toFixed(1)).join(" | ")} |`);
      }
    }
  } finally {
    await off?.stop();
    await limited?.stop();
    await connection.end();
  }
}

runCommand("bench:rate-limit-cpu", main);
