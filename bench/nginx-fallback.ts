/**
 * `npm run bench:nginx`: what asking PHP first costs. Each request of
 * data/bench/rpc-queries.tsv, in one run on one machine, four ways:
 *
 *   direct             straight to the service
 *   location           nginx, location.conf.template: /rpc goes to the service
 *   HTTP fallback      nginx, fallback-http.conf.template: PHP's built-in server first
 *   FastCGI fallback   nginx, fallback-fastcgi.conf.template: php-fpm first
 *
 * The PHP site is the tests' stand-in (fixtures/php-site), which answers 404 for /rpc, so
 * every RPC request through a fallback config goes to PHP and then to the service. The
 * service runs on the 100K-package bench database (created on the first run, reused after)
 * with RATE_LIMIT_REQUESTS=0, as `npm run bench` does. wrk runs in a process of its own
 * (load.ts): 3 s of load per cell, at 10 and at 50 connections, after a 1 s warm-up of each
 * request straight to the service; every answer is checked against the service's own.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { isDeepStrictEqual } from "node:util";
import { parseCommandLine, UsageError } from "../tools/cli/args.js";
import {
  comparable,
  findTools,
  httpRequest,
  PHP_SITE,
  startNginx,
  startPhpBuiltIn,
  startPhpFpm,
  startService,
  type Running,
  type Tools,
} from "../support/nginx-php.js";
import { BENCH_QUERIES } from "../tools/reference-data.js";
import { prepareDatabase } from "./dataset.js";
import { checkLoadGenerator, load, referenceAnswers, type LoadResult, type ReferenceAnswer } from "./load.js";
import { readQueryFile } from "./requests.js";

const QUERY_FILE = BENCH_QUERIES;
const CONNECTIONS = [10, 50];
const WARMUP_SECONDS = 1;
const CELL_SECONDS = 3;
/** PHP processes behind each fallback: a small pool, enough that PHP is not the queue. */
const PHP_WORKERS = 4;

const ROUTES = ["direct", "location", "HTTP fallback", "FastCGI fallback"] as const;
type Route = (typeof ROUTES)[number];

const log = (line: string) => console.log(`· ${line}`);

const USAGE = `usage: npm run bench:nginx

Measures the bench requests four ways on the 100K-package bench database: straight to the
service, through location.conf.template, and through the two PHP-first fallback configs
(PHP's built-in server, php-fpm). Needs nginx, php-cli, php-fpm, envsubst and wrk.

  --help   show this text`;

async function main(): Promise<void> {
  parseCommandLine(process.argv.slice(2), USAGE, {});
  const started = performance.now();
  const { tools, missing } = findTools();
  if (!tools) throw new Error(`not installed: ${missing.join(", ")} (Debian: apt-get install ${missing.join(" ")})`);
  checkLoadGenerator();

  const database = await prepareDatabase(1, false, log);
  const subjects = await readQueryFile(QUERY_FILE);
  // Everything started is stopped at the end, or on Ctrl-C, also what is still starting then.
  const starting: Promise<Running>[] = [];
  const start = <T extends Running>(what: Promise<T>) => {
    starting.push(what);
    return what;
  };
  const stopAll = async () => {
    const settled = await Promise.allSettled(starting);
    await Promise.all(settled.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
  };
  process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));

  try {
    log(`starting the service on ${database.packages.toLocaleString("en-US")} packages, PHP and nginx`);
    const service = await start(startService({ DATABASE_URL: database.url, RATE_LIMIT_REQUESTS: "0" }));
    const [phpHttp, phpFpm] = await Promise.all([
      start(startPhpBuiltIn(tools, { workers: PHP_WORKERS })),
      start(startPhpFpm(tools, { workers: PHP_WORKERS })),
    ]);
    const fastcgi = { PHP_FASTCGI: phpFpm.address, PHP_ROOT: PHP_SITE, SERVICE: service.address };
    const [location, httpFallback, fastcgiFallback] = await Promise.all([
      start(startNginx(tools, "location.conf.template", fastcgi)),
      start(startNginx(tools, "fallback-http.conf.template", { PHP_HTTP: phpHttp.address, SERVICE: service.address })),
      start(startNginx(tools, "fallback-fastcgi.conf.template", fastcgi)),
    ]);
    const ports: Record<Route, number> = {
      direct: service.port,
      location: location.port,
      "HTTP fallback": httpFallback.port,
      "FastCGI fallback": fastcgiFallback.port,
    };

    // A figure for a wrong answer is worth nothing: every route must answer as the service does.
    for (const { name, requests } of subjects) {
      const path = requests[0]!.path;
      const expected = comparable(await httpRequest(service.port, { path }));
      for (const route of ROUTES) {
        const answer = comparable(await httpRequest(ports[route], { path }));
        if (!isDeepStrictEqual(answer, expected) || answer.status !== 200) {
          throw new Error(`${route} answers ${name} differently from the service (status ${answer.status})`);
        }
      }
    }

    const loadBefore = loadavg()[0]!;
    const results = new Map<string, LoadResult>();
    const base = (route: Route) => `http://127.0.0.1:${ports[route]}`;
    const references = new Map<string, ReferenceAnswer[]>();
    for (const { name, requests } of subjects) references.set(name, await referenceAnswers(base("direct"), [requests[0]!.path]));
    for (const connections of CONNECTIONS) {
      for (const { name } of subjects) {
        const reference = references.get(name)!;
        // The service is the same behind every route: one warm-up per request is enough.
        await load(base("direct"), reference, { connections, durationS: WARMUP_SECONDS });
        for (const route of ROUTES) {
          const result = await load(base(route), reference, { connections, durationS: CELL_SECONDS });
          results.set(key(connections, name, route), result);
          log(`${name}, ${connections} connections, ${route}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
          if (result.wrong > 0 || result.errors > 0) {
            const ended = await Promise.race([service.exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 100))]);
            throw new Error(
              `${route} failed: ${result.errors} connection errors, ${result.wrong} answers unlike the service's own; no figures printed.` +
                (ended === undefined ? "" : `\nThe service exited (${ended}):\n${service.output.slice(-20).join("\n")}`),
            );
          }
        }
      }
    }

    console.log(
      [
        "",
        `Machine: ${availableParallelism()} cores (nproc; ${cpus()[0]?.model.trim()}), load average ${loadBefore.toFixed(1)} before ` +
          `and ${loadavg()[0]!.toFixed(1)} after; ${versions(tools)}; wrk (one thread), ${CELL_SECONDS} s per cell; ` +
          `${PHP_WORKERS} PHP workers; ${database.packages.toLocaleString("en-US")} packages; ${((performance.now() - started) / 60_000).toFixed(1)} minutes.`,
        "Each cell: requests/s, then p50/p99 latency in ms; for the fallbacks, the change",
        "in requests/s against location routing.",
        ...CONNECTIONS.flatMap((connections) => ["", table(connections, subjects.map((s) => s.name), results)]),
        "",
        summary(subjects.map((s) => s.name), results),
      ].join("\n"),
    );
  } finally {
    await stopAll();
  }
}

const key = (connections: number, name: string, route: Route) => `${connections} ${name} ${route}`;

const number = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
const percent = (ratio: number) => `${ratio >= 1 ? "+" : "−"}${Math.abs((ratio - 1) * 100).toFixed(0)}%`;

function table(connections: number, names: string[], results: Map<string, LoadResult>): string {
  const lines = [`| ${connections} connections | ${ROUTES.join(" | ")} |`, `| --- | ${ROUTES.map(() => "---:").join(" | ")} |`];
  for (const name of names) {
    const location = results.get(key(connections, name, "location"))!;
    const cells = ROUTES.map((route) => {
      const r = results.get(key(connections, name, route))!;
      const change = route.includes("fallback") ? ` (${percent(r.requestsPerSec / location.requestsPerSec)})` : "";
      return `${number(r.requestsPerSec)}${change} · ${r.p50Ms}/${r.p99Ms}`;
    });
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The fallbacks' cost against location routing, as the median over the requests. */
function summary(names: string[], results: Map<string, LoadResult>): string {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const lines = CONNECTIONS.flatMap((connections) =>
    (["HTTP fallback", "FastCGI fallback"] as const).map((route) => {
      const ratios = names.map((name) => results.get(key(connections, name, route))!.requestsPerSec / results.get(key(connections, name, "location"))!.requestsPerSec);
      const added = names.map((name) => results.get(key(connections, name, route))!.p50Ms - results.get(key(connections, name, "location"))!.p50Ms);
      return `${route} at ${connections} connections: median ${percent(median(ratios))} requests/s, median ${median(added).toFixed(1)} ms more at p50, against location routing.`;
    }),
  );
  return lines.join("\n");
}

function versions(tools: Tools): string {
  // `nginx -v` answers on stderr ("nginx version: nginx/1.22.1"); `php -v` starts "PHP 8.2.x (cli)".
  const nginx = spawnSync(tools.nginx, ["-v"], { encoding: "utf8" }).stderr.trim().replace("nginx version: ", "");
  const php = spawnSync(tools.php, ["-v"], { encoding: "utf8" }).stdout.split(" ").slice(0, 2).join(" ");
  return `${nginx}, ${php}, Node ${process.version}`;
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? `bench:nginx: ${error.message}` : error instanceof Error ? error.message : error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
