/**
 * The floor: the least a server must do per request to give the legacy answer, on the
 * service's own stack and in its process layout, with none of the service's work (no
 * query-string parsing, lookup, encoding, log line or metrics). Every answer is one the
 * service gave, recorded by the bench; per request the floor only does what the legacy
 * answer itself demands: the MD5 of the body for its ETag, a request id, the legacy
 * headers. So no implementation on this stack can answer faster than its floor, and a
 * target above the floor cannot be met on this machine by changing the service.
 *
 *   node --import tsx bench/floor-server.ts <node|hono|node-unhashed> <answers.json> <workers>
 *
 * `node` answers from a bare node:http handler; `hono` from a one-route Hono app behind
 * the Node adapter, its requests handled in bursts as the service's are. `node-unhashed`
 * is the bare handler with each answer's ETag hashed once at start: what a cache of whole
 * answers would give, which the targets rule out. It is no floor; it tells whether the MD5
 * of each answer is what puts a target out of reach. All run as a cluster of <workers>, as
 * the service does. floor.ts records the answers and starts the servers; each prints the
 * same "listening on" line as the ceiling and runs until it is sent SIGTERM.
 */
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { handleInBursts } from "../src/http/handle-in-bursts.js";
import { md5 } from "../src/rpc/respond.js";

export const FLOOR_KINDS = ["node", "hono", "node-unhashed"] as const;
export type FloorKind = (typeof FLOOR_KINDS)[number];

/** One answer of the service as the floor gives it again. */
export interface FloorAnswer {
  /** The request target, as wrk sends it. */
  path: string;
  status: number;
  /** The headers the answer's content decides (Content-Type, Expires...), in the service's order. */
  headers: [string, string][];
  bodyBase64: string;
}

interface Answer {
  status: number;
  headers: [string, string][];
  body: Buffer;
  /** The body's MD5, hashed once: only `node-unhashed` sends it. */
  etag: string;
}

/** The headers of one answer: the recorded ones, then what is made per request. */
function headersFor(answer: Answer, hashed: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of answer.headers) headers[name] = value;
  headers.ETag = `"${hashed ? md5(answer.body) : answer.etag}"`;
  headers["X-Request-Id"] = randomUUID();
  return headers;
}

function answerOf(status: number, headers: [string, string][], body: Buffer): Answer {
  return { status, headers, body, etag: md5(body) };
}

const MISSING = answerOf(404, [["Content-Type", "text/plain"]], Buffer.from("not a recorded request\n"));

function nodeServer(answers: Map<string, Answer>, hashed: boolean): http.Server {
  return http.createServer((request, response) => {
    const answer = answers.get(request.url ?? "") ?? MISSING;
    response.writeHead(answer.status, headersFor(answer, hashed));
    response.end(answer.body);
  });
}

function honoServer(answers: Map<string, Answer>): http.Server {
  const app = new Hono<{ Bindings: HttpBindings }>();
  // The request target as Node read it, as the service reads it (not the URL the adapter builds).
  app.get("*", (c) => {
    const answer = answers.get(c.env.incoming.url ?? "") ?? MISSING;
    return new Response(answer.body as BodyInit, { status: answer.status, headers: headersFor(answer, true) });
  });
  return http.createServer(handleInBursts(getRequestListener(app.fetch)));
}

function serve(kind: FloorKind, file: string): void {
  const recorded = JSON.parse(readFileSync(file, "utf8")) as FloorAnswer[];
  const answers = new Map(recorded.map((a) => [a.path, answerOf(a.status, a.headers, Buffer.from(a.bodyBase64, "base64"))]));
  const server = kind === "hono" ? honoServer(answers) : nodeServer(answers, kind === "node");
  // Workers that listen on port 0 share the one port the primary picks.
  server.listen(0, "127.0.0.1");
}

function runPrimary(workers: number): void {
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.once("listening", (_worker, address) => {
    console.log(`listening on http://127.0.0.1:${address.port}/`);
  });
  cluster.on("exit", (_worker, code, signal) => {
    if (!stopping) {
      console.error(`a floor worker exited (${signal ?? code})`);
      process.exit(1);
    }
  });
  process.once("SIGTERM", () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
}

// Run as a program; imported (for FLOOR_KINDS and the types), it only declares.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [kind, file, workers] = process.argv.slice(2);
  if (!FLOOR_KINDS.includes(kind as FloorKind) || !file || !Number.isInteger(Number(workers)) || Number(workers) < 1) {
    console.error(`usage: floor-server.ts <${FLOOR_KINDS.join("|")}> <answers.json> <workers>`);
    process.exit(2);
  }
  if (cluster.isPrimary) runPrimary(Number(workers));
  else serve(kind as FloorKind, file);
}
