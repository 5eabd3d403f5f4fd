/**
 * `npm run bench`: how fast the service answers the legacy /rpc, how much memory it
 * holds, and what keeping its copy of the tables fresh costs the database.
 *
 *   npm run bench                 each request of data/bench/rpc-queries.tsv, plus
 *                                 searches by provides and by keywords, and one bulk
 *                                 info POST of 5,000 names as aurutils sends it
 *   npm run bench -- --mix        1,000 distinct name-desc searches and 1,000 distinct
 *                                 info requests instead, so no answer cache can help
 *   npm run bench -- --scale 4    the same on 400K packages (generated once from the 100K)
 *   npm run bench -- --reload     load the data set again instead of reusing the database
 *   npm run bench -- --floor      the requests with a throughput target against the fastest
 *                                 servers of the service's stack giving the same answers
 *                                 (floor.ts), at 50 connections
 *   npm run bench -- --quick      a few requests at 50 connections in short cells, no
 *                                 freshness measurements: a few minutes, to spot a regression
 *
 * The service runs as `npm start` runs it, in a child process, reaching MariaDB through a
 * relay that counts its statements (db-tap.ts); the ceiling (ceiling.ts) runs in another
 * process, the load generator (wrk, load.ts) in a third. Every answer is checked against
 * the database (verify.ts) before any load, and every answer under load against the
 * verified one (status, ETag, length). Each cell of the table is a 1 s warm-up and then
 * 5 s of load, at 10 and at 50 connections. Every request carries a client address from
 * a large pool (X-Real-IP, as nginx sends it); at 50 connections each request is also
 * measured against two services with the rate limit on at its default, counting in the
 * table and in Redis (rate-limit-cells.ts).
 */
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import type mysql from "mysql2/promise";
import { defaultConfig } from "../src/config.js";
import { BENCH_QUERIES } from "../tools/reference-data.js";
import { connect, prepareDatabase } from "./dataset.js";
import { DatabaseTap } from "./db-tap.js";
import { DatabaseWatch, measureUploads, measureVote, sleep } from "./freshness-cost.js";
import { parseCommandLine, UsageError } from "../tools/cli/args.js";
import { CeilingBracket, FULL_CELLS, QUICK_CELLS, warmAndLoad, type CellTiming } from "./cells.js";
import { floorReport, measureFloor } from "./floor.js";
import { checkLoadGenerator, load, recordAnswer, type ReferenceAnswer } from "./load.js";
import { machineLine, ratioTarget, runReport, TARGET_CONNECTIONS, type Cell, type Run } from "./report.js";
import { bulkInfo, mixSubjects, readQueryFile, relationSearches, type Subject } from "./requests.js";
import { ADDRESS_POOL, measureLimitOn, meetAddressPool, startLimitedServices, type LimitedServices } from "./rate-limit-cells.js";
import { startServerProcess, untilArchivesBuilt, type ServerProcess } from "./server-process.js";
import { verifyAnswer } from "./verify.js";

const QUERY_FILE = BENCH_QUERIES;
/** What `npm start` runs, once `npm run build` (run first by the bench) has compiled it. */
const SERVICE_MAIN = new URL("../dist/src/main.js", import.meta.url).pathname;
const CEILING_MAIN = new URL("./ceiling.ts", import.meta.url).pathname;
/** The Redis the rate-limit cells count in; only keys of the bench's address pool are touched. */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

const USAGE = `usage: npm run bench -- [--mix | --floor | --quick] [--scale <n>] [--reload]

Starts the service as npm start runs it against the 100K-package bench database (loaded
from data/bench/ on the first run), checks every answer against SQL, then measures each
request with wrk at 10 and 50 connections and prints a table (docs/performance.md).

  --mix        1,000 distinct name-desc searches and 1,000 distinct info requests
  --floor      each targeted request against the fastest servers of this stack
  --quick      info-1, search-name and suggest at 50 connections in
               short cells, without the freshness measurements: a few minutes
  --scale <n>  n times the data set (generated once from the 100K set)
  --reload     load the data set again instead of reusing the database
  --help       show this text`;

const CONNECTIONS = [10, 50];
/** What --quick measures, by name. */
const QUICK_SUBJECTS = new Set(["info-1", "search-name", "suggest"]);
const IDLE_SECONDS = 10;
const MIX_SIZE = 1000;
/** In a mix, every how many text searches one is also proven complete (a table scan each). */
const EXHAUSTIVE_EVERY = 50;

const log = (line: string) => console.log(`· ${line}`);

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), USAGE, {
    mix: { type: "boolean", default: false },
    scale: { type: "string", default: "1" },
    reload: { type: "boolean", default: false },
    floor: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
  });
  if ([values.floor, values.mix, values.quick].filter(Boolean).length > 1) throw new UsageError("choose one of --mix, --floor and --quick");
  const loadAverageAtStart = loadavg()[0]!;
  const scale = Number(values.scale);
  if (!Number.isInteger(scale) || scale < 1) throw new UsageError(`--scale must be a whole number ≥ 1, got ${values.scale}`);
  const timing = values.quick ? QUICK_CELLS : FULL_CELLS;
  const connectionCounts = values.quick ? [50] : CONNECTIONS;
  checkLoadGenerator();
  if (!existsSync(SERVICE_MAIN)) throw new Error(`${SERVICE_MAIN} is missing: run \`npm run build\` first (\`npm run bench\` does)`);

  const database = await prepareDatabase(scale, values.reload, log);
  const connection = await connect(database.url);
  const subjects = values.mix
    ? await mixSubjects(connection, MIX_SIZE)
    : values.quick
      ? (await readQueryFile(QUERY_FILE)).filter((s) => QUICK_SUBJECTS.has(s.name))
      : [...(await readQueryFile(QUERY_FILE)), ...(await relationSearches(connection, database.packages)), await bulkInfo(connection)];
  for (const subject of subjects) {
    const [first] = subject.requests;
    log(`${subject.name}: ${subject.requests.length > 1 ? `${subject.requests.length} distinct requests, e.g. ` : ""}${first!.path}`);
  }

  const tap = await DatabaseTap.start(database.url);
  const watch = new DatabaseWatch(tap, connection);
  const ceilingProcess = await startServerProcess("ceiling", ["--import", "tsx", CEILING_MAIN], {}, 30_000);
  const ceiling = await CeilingBracket.start(ceilingProcess.url, log, timing);
  let service: ServerProcess | undefined;
  let limited: LimitedServices | undefined;
  try {
    log(
      `every request carries one of ${ADDRESS_POOL.toLocaleString("en-US")} client addresses in X-Real-IP; the main service runs ` +
        "with RATE_LIMIT_REQUESTS=0, two more with the limit at its default (table, Redis) for the limit-on columns",
    );
    service = await startServerProcess(
      "service",
      [SERVICE_MAIN],
      { DATABASE_URL: tap.reroute(database.url), PORT: "0", HOST: "127.0.0.1", RATE_LIMIT_REQUESTS: "0" },
      600_000,
    );
    log(`service started in ${(service.startupMs / 1000).toFixed(1)} s on ${database.packages.toLocaleString("en-US")} packages`);
    limited = await startLimitedServices(SERVICE_MAIN, { DATABASE_URL: database.url, PORT: "0", HOST: "127.0.0.1" }, connection, REDIS_URL);
    for (const server of [service, limited.table, limited.redis]) await untilArchivesBuilt(server);

    const answers = await checkAnswers(connection, service, subjects);
    if (values.floor) {
      const targeted = subjects.filter((s) => ratioTarget(s.name) !== undefined);
      const checked = targeted.map((subject) => ({ subject, ...answers.get(subject.name)! }));
      const cells = await measureFloor({ service, ceiling, subjects: checked, log });
      console.log(`\n${machineLine({ loadAverageAtStart, ...FULL_CELLS })}\n${floorReport(cells)}`);
      return;
    }
    await meetAddressPool(limited, answers.get(subjects[0]!.name)!.references, log);
    const cells = await runCells(watch, service, limited, ceiling, subjects, answers, connectionCounts, timing);
    if (service.failure) throw new Error(service.failure);
    // The limit-on services watch the same database: left running, each would rebuild its
    // snapshot and archives after every upload too, on the same cores.
    await limited.stop();
    limited = undefined;
    const freshness = values.quick ? undefined : await measureFreshness(watch, connection, service, subjects, answers);
    const memory = await service.memory();

    const report = runReport({
      loadAverageAtStart,
      database,
      startupMs: service.startupMs,
      ...timing,
      refreshIntervalMs: defaultConfig().REFRESH_INTERVAL_MS,
      cells,
      memory,
      freshness,
    });
    console.log(`\n${report}`);
  } finally {
    await service?.stop();
    await limited?.stop();
    await ceilingProcess.stop();
    await tap.close();
    await connection.end();
  }
}

/** What keeping fresh costs: the idle service's polls, one vote, uploads under load. */
async function measureFreshness(
  watch: DatabaseWatch,
  connection: mysql.Connection,
  service: ServerProcess,
  subjects: Subject[],
  answers: Map<string, CheckedAnswers>,
): Promise<NonNullable<Run["freshness"]>> {
  log(`watching the idle service's database use for ${IDLE_SECONDS} s`);
  const { use: idle } = await watch.during(() => sleep(IDLE_SECONDS * 1000));
  log("measuring what one vote costs");
  const change = await measureVote(watch, connection, service.url);
  const busy = updateLoad(subjects, answers);
  log(`measuring package uploads under load (${busy.subject.name}, ${UPDATE_CONNECTIONS} connections)`);
  const update = await measureUploads(connection, service.url, busy.packageNames, (durationS) =>
    load(service.url, busy.references, { connections: UPDATE_CONNECTIONS, durationS }),
  );
  return { idle, change, update: { ...update, subject: busy.subject.name, connections: UPDATE_CONNECTIONS } };
}

const UPDATE_CONNECTIONS = 50;

/**
 * The load kept up while a package is updated: the first info subject (info-1, or the
 * info mix), and the packages it asks for, which the update must leave alone (their
 * answers under load must stay as recorded).
 */
function updateLoad(subjects: Subject[], answers: Map<string, CheckedAnswers>): { subject: Subject; references: ReferenceAnswer[]; packageNames: string[] } {
  const subject = subjects.find((s) => s.requests[0]!.path.includes("type=info"));
  if (!subject) throw new Error("no info requests to keep the service busy with");
  const packageNames = subject.requests.flatMap((r) => new URLSearchParams(r.path.split("?")[1]).getAll("arg[]"));
  return { subject, references: answers.get(subject.name)!.references, packageNames };
}

interface CheckedAnswers {
  /** What is wrong with the subject's answers; empty when they are right. */
  problems: string[];
  /** What every answer under load must look like. */
  references: ReferenceAnswer[];
}

/** Every request once, checked against the database; the checked answer is the reference for the load. */
async function checkAnswers(connection: mysql.Connection, service: ServerProcess, subjects: Subject[]): Promise<Map<string, CheckedAnswers>> {
  const bySubject = new Map<string, CheckedAnswers>();
  for (const subject of subjects) {
    log(`checking the answers of ${subject.name} (${subject.requests.length} request${subject.requests.length > 1 ? "s" : ""})`);
    const problems: string[] = [];
    const references: ReferenceAnswer[] = [];
    for (const [i, request] of subject.requests.entries()) {
      const exhaustive = subject.requests.length === 1 || i % EXHAUSTIVE_EVERY === 0;
      const { reference, body } = await recordAnswer(new URL(request.path, service.url), request.form);
      problems.push(...(await verifyAnswer(connection, request, { status: reference.status, body: body.toString() }, exhaustive)));
      references.push(reference);
    }
    bySubject.set(subject.name, { problems, references });
    for (const problem of problems.slice(0, 5)) log(`  WRONG ${problem}`);
    if (problems.length > 5) log(`  ... and ${problems.length - 5} more`);
  }
  return bySubject;
}

/** Every subject at each number of connections, each between two ceiling cells (cells.ts). */
async function runCells(
  watch: DatabaseWatch,
  service: ServerProcess,
  limited: LimitedServices,
  ceiling: CeilingBracket,
  subjects: Subject[],
  answers: Map<string, CheckedAnswers>,
  connectionCounts: number[],
  timing: CellTiming,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  // Connections outermost, so the ceiling cell after one subject is the one before the next.
  for (const connections of connectionCounts) {
    for (const subject of subjects) {
      if (service.failure) throw new Error(service.failure);
      const { problems, references } = answers.get(subject.name)!;
      const measureOff = () => warmAndLoad((options) => load(service.url, references, { ...options, addresses: ADDRESS_POOL }), connections, timing);
      const { result: measured, ceilingRps } = await ceiling.around(connections, () => watch.during(measureOff));
      const { result, use } = measured;
      log(`${subject.name}, ${connections} connections: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
      const limitOn = connections === TARGET_CONNECTIONS ? await measureLimitOn(result, measureOff, limited, references, connections, timing) : undefined;
      if (limitOn) {
        const rounds = limitOn.rounds.map((r) => `${r.off.toFixed(0)} / ${r.table.toFixed(0)} / ${r.redis.toFixed(0)}`).join(", ");
        log(`  limit on, off / table / Redis req/s by round: ${rounds}`);
        log(
          `  medians: off ${limitOn.offRequestsPerSec.toFixed(0)}, table ${limitOn.table.load.requestsPerSec.toFixed(0)} (${limitOn.table.storeStatementsPerSec.toFixed(0)} statements/s, ` +
            `${limitOn.table.addressesReadPerSec.toFixed(0)} first reads/s), Redis ${limitOn.redis.load.requestsPerSec.toFixed(0)} ` +
            `(${limitOn.redis.storeStatementsPerSec.toFixed(0)} commands/s, ${limitOn.redis.addressesReadPerSec.toFixed(0)} first reads/s)`,
        );
      }
      cells.push({ subject: subject.name, connections, load: result, ceilingRps, db: use, answerProblems: problems, limitOn });
    }
  }
  const ceilingRows = connectionCounts.map((connections) => {
    const median = ceiling.median(connections);
    return { subject: "ceiling", connections, load: median, ceilingRps: median.requestsPerSec, answerProblems: [] };
  });
  // The table lists each subject's cells together, in the order of the subjects.
  const order = (cell: Cell) => subjects.findIndex((s) => s.name === cell.subject);
  cells.sort((a, b) => order(a) - order(b) || a.connections - b.connections);
  return [...ceilingRows, ...cells];
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? `bench: ${error.message}` : error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
