/**
 * `npm run bench -- --floor`: where the service stands against the fastest any server on
 * its stack can give the same answers (floor-server.ts), and so which targets are out of
 * reach on this machine whatever the service does, and how much of each gap is the
 * service's own work.
 *
 * The service's answer to each request with a throughput target is recorded once; two
 * floor servers, in the service's process layout, give those answers again: one bare
 * node:http, one Hono behind the Node adapter. Each, and then the service, is loaded at
 * the targets' connections between two ceiling cells, and every answer is checked against
 * the service's (status, ETag, length), so the floors do the per-request work the legacy
 * answer demands (the MD5 of the body for the ETag) and nothing else.
 *
 * Where even the bare floor misses a target, the bare floor runs once more with each
 * answer's ETag hashed once at start, as a cache of whole answers would give it: whether
 * that meets the target tells whether hashing each answer is what bars it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { warmAndLoad, type CeilingBracket } from "./cells.js";
import { FLOOR_KINDS, type FloorAnswer, type FloorKind } from "./floor-server.js";
import { load, recordAnswer, type LoadResult, type ReferenceAnswer } from "./load.js";
import { ratioTarget, TARGET_CONNECTIONS } from "./report.js";
import type { Subject } from "./requests.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

const FLOOR_MAIN = new URL("./floor-server.ts", import.meta.url).pathname;

/** Headers a server writes by itself (Node's) or per request (the floor makes its own). */
const NOT_REPLAYED = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding", "etag", "x-request-id"]);

export interface FloorCell {
  subject: string;
  /** What the check against the database found wrong in the service's answers; empty when right. */
  answerProblems: string[];
  server: FloorKind | "service";
  load: LoadResult;
  ceilingRps: number;
}

interface FloorRun {
  service: ServerProcess;
  ceiling: CeilingBracket;
  /** The subjects with a throughput target, and the verified answers every cell is checked against. */
  subjects: { subject: Subject; references: ReferenceAnswer[]; problems: string[] }[];
  log: (line: string) => void;
}

export async function measureFloor({ service, ceiling, subjects, log }: FloorRun): Promise<FloorCell[]> {
  const workers = Math.max((await service.memory()).processes - 1, 1);
  const directory = await mkdtemp(path.join(tmpdir(), "bench-floor-"));
  const floors: [FloorKind, ServerProcess][] = [];
  try {
    const file = path.join(directory, "answers.json");
    await writeFile(file, JSON.stringify(await recordAnswers(service.url, subjects.map((s) => s.subject))));
    for (const kind of FLOOR_KINDS) floors.push([kind, await startFloorServer(kind, file, workers)]);
    log(`floor servers started with ${workers} worker${workers > 1 ? "s" : ""} each, as the service runs`);
    const urls = new Map<FloorCell["server"], string>([...floors.map(([kind, p]) => [kind, p.url] as const), ["service", service.url]]);

    const cells: FloorCell[] = [];
    for (const { subject, references, problems } of subjects) {
      const measure = async (server: FloorCell["server"]): Promise<FloorCell> => {
        const { result, ceilingRps } = await ceiling.around(TARGET_CONNECTIONS, () =>
          warmAndLoad((options) => load(urls.get(server)!, references, options), TARGET_CONNECTIONS),
        );
        log(`${subject.name}, ${server}: ${result.requestsPerSec.toFixed(0)} req/s, ${(result.requestsPerSec / ceilingRps).toFixed(3)} × ceiling`);
        const cell = { subject: subject.name, answerProblems: problems, server, load: result, ceilingRps };
        cells.push(cell);
        return cell;
      };
      const bare = await measure("node");
      await measure("hono");
      await measure("service");
      if (ratio(bare) < ratioTarget(subject.name)!) await measure("node-unhashed");
    }
    return cells;
  } finally {
    for (const [, floor] of floors) await floor.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

/** A floor server giving the answers of `answersFile` (FloorAnswer[] as JSON) with `workers` workers. */
export function startFloorServer(kind: FloorKind, answersFile: string, workers: number): Promise<ServerProcess> {
  return startServerProcess(`${kind} floor`, ["--import", "tsx", FLOOR_MAIN, kind, answersFile, String(workers)], {}, 30_000);
}

async function recordAnswers(serviceUrl: string, subjects: Subject[]): Promise<FloorAnswer[]> {
  const answers: FloorAnswer[] = [];
  for (const request of subjects.flatMap((s) => s.requests)) {
    const { reference, headers, body } = await recordAnswer(new URL(request.path, serviceUrl));
    answers.push({
      path: reference.path,
      status: reference.status,
      headers: headers.filter(([name]) => !NOT_REPLAYED.has(name.toLowerCase())),
      bodyBase64: body.toString("base64"),
    });
  }
  return answers;
}

/** The table's columns; `node-unhashed` shows only in the verdicts of the rows it ran for. */
const LABELS: Record<Exclude<FloorCell["server"], "node-unhashed">, string> = {
  node: "bare node:http floor",
  hono: "Hono floor",
  service: "the service",
};

const ratio = (cell: FloorCell) => cell.load.requestsPerSec / cell.ceilingRps;

function verdict(target: number, cells: FloorCell[]): string {
  const of = (server: FloorCell["server"]) => cells.find((c) => c.server === server);
  if (cells.some((c) => c.answerProblems.length > 0)) return "FAIL: wrong answers (see the log)";
  if (cells.some((c) => c.load.errors > 0 || c.load.wrong > 0)) return `FAIL: errors or wrong answers under load (${cells.map((c) => `${c.server} ${c.load.errors} / ${c.load.wrong}`).join(", ")})`;
  const service = of("service")!;
  if (ratio(service) >= target) return "met";
  if (ratio(of("node")!) < target) {
    const unhashed = of("node-unhashed");
    const withoutHash = unhashed === undefined ? "" : `; with the ETag hashed once instead of per answer (a cache of whole answers), ${ratio(unhashed).toFixed(3)}`;
    return `out of reach: above even the bare node:http floor${withoutHash}`;
  }
  if (ratio(of("hono")!) < target) return "out of reach on Hono: above its floor";
  return `missed: the service makes ${((service.load.requestsPerSec / of("hono")!.load.requestsPerSec) * 100).toFixed(0)}% of the Hono floor's answers`;
}

export function floorReport(cells: FloorCell[]): string {
  const subjects = [...new Set(cells.map((c) => c.subject))];
  const servers = Object.keys(LABELS) as (keyof typeof LABELS)[];
  const header = [
    `| request | ${servers.map((s) => `${LABELS[s]} req/s | × ceiling`).join(" | ")} | target | |`,
    `| --- | ${servers.map(() => "---: | ---:").join(" | ")} | --- | --- |`,
  ];
  const number = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
  const lines = subjects.map((subject) => {
    const row = cells.filter((c) => c.subject === subject);
    const columns = servers.map((server) => {
      const cell = row.find((c) => c.server === server)!;
      return `${number(cell.load.requestsPerSec)} | ${ratio(cell).toFixed(3)}`;
    });
    const target = ratioTarget(subject)!;
    return `| ${subject} | ${columns.join(" | ")} | ≥ ${target} | ${verdict(target, row)} |`;
  });
  return [
    `At ${TARGET_CONNECTIONS} connections; each cell's ratio is to the higher of the ceiling cells just before and after it. ` +
      "The floors give the service's recorded answers, with the MD5 ETag and a request id made per request.",
    "",
    ...header,
    ...lines,
  ].join("\n");
}
