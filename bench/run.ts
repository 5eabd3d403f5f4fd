/**
 * `npm run bench`: how fast the service answers the legacy /rpc, how much memory it
 * holds, and what keeping its copy of the tables fresh costs the database.
 *
 *   npm run bench                 each request of shared/bench/rpc-queries.tsv, plus
 *                                 searches by provides and by keywords
 *   npm run bench -- --mix        1,000 distinct name-desc searches and 1,000 distinct
 *                                 info requests instead, so no answer cache can help
 *   npm run bench -- --scale 4    the same on 400K packages (generated once from the 100K)
 *   npm run bench -- --reload     load the data set again instead of reusing the database
 *
 * The service runs as `npm start` runs it, in a child process, reaching MariaDB through a
 * relay that counts its statements (db-tap.ts); the ceiling (ceiling.ts) runs in another
 * process, the load generator (wrk, load.ts) in a third. Every answer is checked against
 * the database (verify.ts) before any load, and every answer under load against the
 * verified one (status, ETag, length). Each cell of the table is a 1 s warm-up and then
 * 5 s of load, at 10 and at 50 connections.
 */
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import type mysql from "mysql2/promise";
import { defaultConfig } from "../src/config.js";
import { SHARED } from "../test/support/legacy-data.js";
import { connect, prepareDatabase } from "./dataset.js";
import { DatabaseTap } from "./db-tap.js";
import { DatabaseWatch, measurePackageUpdate, measureVote, sleep } from "./freshness-cost.js";
import { checkLoadGenerator, load, recordAnswer, referenceAnswers, type LoadOptions, type LoadResult, type ReferenceAnswer } from "./load.js";
import { runReport, type Cell } from "./report.js";
import { mixSubjects, readQueryFile, relationSearches, type Subject } from "./requests.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { verifyAnswer } from "./verify.js";

const QUERY_FILE = `${SHARED}bench/rpc-queries.tsv`;
/** What `npm start` runs, once `npm run build` (run first by the bench) has compiled it. */
const SERVICE_MAIN = new URL("../dist/src/main.js", import.meta.url).pathname;
const CEILING_MAIN = new URL("./ceiling.ts", import.meta.url).pathname;

const CONNECTIONS = [10, 50];
const CELL_SECONDS = 5;
const WARMUP_SECONDS = 1;
const IDLE_SECONDS = 10;
const MIX_SIZE = 1000;
/** In a mix, every how many text searches one is also proven complete (a table scan each). */
const EXHAUSTIVE_EVERY = 50;

const log = (line: string) => console.log(`· ${line}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mix: { type: "boolean", default: false }, scale: { type: "string", default: "1" }, reload: { type: "boolean", default: false } },
  });
  const loadAverageAtStart = loadavg()[0]!;
  const scale = Number(values.scale);
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`--scale must be a whole number ≥ 1, got ${values.scale}`);
  checkLoadGenerator();
  if (!existsSync(SERVICE_MAIN)) throw new Error(`${SERVICE_MAIN} is missing: run \`npm run build\` first (\`npm run bench\` does)`);

  const database = await prepareDatabase(scale, values.reload, log);
  const connection = await connect(database.url);
  const subjects = values.mix
    ? await mixSubjects(connection, MIX_SIZE)
    : [...(await readQueryFile(QUERY_FILE)), ...(await relationSearches(connection, database.packages))];
  for (const subject of subjects) {
    const [first] = subject.requests;
    log(`${subject.name}: ${subject.requests.length > 1 ? `${subject.requests.length} distinct requests, e.g. ` : ""}${first!.path}`);
  }

  const tap = await DatabaseTap.start(database.url);
  const watch = new DatabaseWatch(tap, connection);
  const ceiling = await startServerProcess("ceiling", ["--import", "tsx", CEILING_MAIN], {}, 30_000);
  let service: ServerProcess | undefined;
  try {
    log(
      "the service runs with RATE_LIMIT_REQUESTS=0: the legacy per-IP limit (4,000 requests per day by default) " +
        "would refuse a single-address load generator after 4,000 requests",
    );
    service = await startServerProcess(
      "service",
      [SERVICE_MAIN],
      { DATABASE_URL: tap.reroute(database.url), PORT: "0", HOST: "127.0.0.1", RATE_LIMIT_REQUESTS: "0" },
      600_000,
    );
    log(`service started in ${(service.startupMs / 1000).toFixed(1)} s on ${database.packages.toLocaleString("en-US")} packages`);

    const answers = await checkAnswers(connection, service, subjects);
    log(`watching the idle service's database use for ${IDLE_SECONDS} s`);
    const { use: idle } = await watch.during(() => sleep(IDLE_SECONDS * 1000));
    const cells = await runCells(watch, service, ceiling, subjects, answers);
    if (service.failure) throw new Error(service.failure);
    log("measuring what one vote costs");
    const change = await measureVote(watch, connection, service.url);
    const busy = updateLoad(subjects, answers);
    log(`measuring one package update under load (${busy.subject.name}, ${UPDATE_CONNECTIONS} connections)`);
    const update = await measurePackageUpdate(connection, service.url, busy.packageNames, (durationS) =>
      load(service!.url, busy.references, { connections: UPDATE_CONNECTIONS, durationS }),
    );
    const memory = await service.memory();

    const report = runReport({
      loadAverageAtStart,
      database,
      startupMs: service.startupMs,
      cellSeconds: CELL_SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      refreshIntervalMs: defaultConfig().REFRESH_INTERVAL_MS,
      cells,
      memory,
      idle,
      change,
      update: { ...update, subject: busy.subject.name, connections: UPDATE_CONNECTIONS },
    });
    console.log(`\n${report}`);
  } finally {
    await service?.stop();
    await ceiling.stop();
    await tap.close();
    await connection.end();
  }
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
      const { reference, body } = await recordAnswer(new URL(request.path, service.url));
      problems.push(...(await verifyAnswer(connection, request, { status: reference.status, body: body.toString() }, exhaustive)));
      references.push(reference);
    }
    bySubject.set(subject.name, { problems, references });
    for (const problem of problems.slice(0, 5)) log(`  WRONG ${problem}`);
    if (problems.length > 5) log(`  ... and ${problems.length - 5} more`);
  }
  return bySubject;
}

/**
 * Every subject at each number of connections, each cell between two ceiling cells at the
 * same connections, and its ratio taken against the higher of the two. On a shared machine
 * the speed drifts over a run (seen: the same ceiling at 12,000 and at 22,000 req/s within
 * minutes), so a ratio to a ceiling measured minutes earlier drifts with it; and a single
 * 5 s ceiling cell can dip (seen: 36,921 req/s between cells of 50,000 to 64,000), which
 * must not make the cell beside it pass. The ceiling rows show the median of its cells.
 */
async function runCells(
  watch: DatabaseWatch,
  service: ServerProcess,
  ceiling: ServerProcess,
  subjects: Subject[],
  answers: Map<string, CheckedAnswers>,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  const ceilingAnswer = await referenceAnswers(ceiling.url, ["/"]);
  const ceilingRuns = new Map<number, LoadResult[]>(CONNECTIONS.map((c) => [c, []]));
  const measureCeiling = async (connections: number) => {
    const run = await warmAndLoad((options) => load(ceiling.url, ceilingAnswer, options), connections);
    ceilingRuns.get(connections)!.push(run);
    log(`ceiling, ${connections} connections: ${run.requestsPerSec.toFixed(0)} req/s`);
    return run.requestsPerSec;
  };
  // Connections outermost, so the ceiling cell after one subject is the one before the next.
  for (const connections of CONNECTIONS) {
    let before = await measureCeiling(connections);
    for (const subject of subjects) {
      if (service.failure) throw new Error(service.failure);
      const { problems, references } = answers.get(subject.name)!;
      const { result, use } = await watch.during(() => warmAndLoad((options) => load(service.url, references, options), connections));
      log(`${subject.name}, ${connections} connections: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
      const after = await measureCeiling(connections);
      cells.push({ subject: subject.name, connections, load: result, ceilingRps: Math.max(before, after), db: use, answerProblems: problems });
      before = after;
    }
  }
  const ceilingRows = CONNECTIONS.map((connections) => {
    const runs = ceilingRuns.get(connections)!.sort((a, b) => a.requestsPerSec - b.requestsPerSec);
    const median = runs[Math.floor(runs.length / 2)]!;
    return { subject: "ceiling", connections, load: median, ceilingRps: median.requestsPerSec, answerProblems: [] };
  });
  // The table lists each subject's cells together, in the order of the subjects.
  const order = (cell: Cell) => subjects.findIndex((s) => s.name === cell.subject);
  cells.sort((a, b) => order(a) - order(b) || a.connections - b.connections);
  return [...ceilingRows, ...cells];
}

/** A 1 s warm-up (not counted: the first requests pay for JIT compilation), then the measured run. */
async function warmAndLoad(send: (options: LoadOptions) => Promise<LoadResult>, connections: number): Promise<LoadResult> {
  await send({ connections, durationS: WARMUP_SECONDS });
  return send({ connections, durationS: CELL_SECONDS });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
