/**
 * The floor: the least a server must do per request to give the legacy answer, on the
 * service's own stack and in its process layout, with none of the service's work (no
 * query-string parsing, lookup, encoding, log line or metrics). Every answer is one the
 * service gave, recorded by the bench; per request the floor only does what the legacy
 * answer itself demands: the MD5 of the body for its ETag, a request id, the legacy
 * headers. So no implementation on this stack can answer faster than its floor, and a
 * target above the floor cannot be met on this machine by changing the service.
 *
 *   node --import tsx bench/floor-server.ts <node|hono> <answers.json> <workers>
 *
 * `node` answers from a bare node:http handler; `hono` from a one-route Hono app behind
 * the Node adapter, its requests handled in bursts as the service's are. Both run as a
 * cluster of <workers>, as the service does. floor.ts records the answers and starts it; it
 * prints the same "listening on" line as the ceiling and runs until it is sent SIGTERM.
 */
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { handleInBursts } from "../src/http/handle-in-bursts.js";
import { md5 } from "../src/rpc/respond.js";

export type FloorKind = "node" | "hono";

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
}

/** The headers of one answer: the recorded ones, then what is made per request. */
function headersFor(answer: Answer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of answer.headers) headers[name] = value;
  headers.ETag = `"${md5(answer.body)}"`;
  headers["X-Request-Id"] = randomUUID();
  return headers;
}

const MISSING: Answer = { status: 404, headers: [["Content-Type", "text/plain"]], body: Buffer.from("not a recorded request\n") };

function nodeServer(answers: Map<string, Answer>): http.Server {
  return http.createServer((request, response) => {
    const answer = answers.get(request.url ?? "") ?? MISSING;
    response.writeHead(answer.status, headersFor(answer));
    response.end(answer.body);
  });
}

function honoServer(answers: Map<string, Answer>): http.Server {
  const app = new Hono<{ Bindings: HttpBindings }>();
  // The request target as Node read it, as the service reads it (not the URL the adapter builds).
  app.get("*", (c) => {
    const answer = answers.get(c.env.incoming.url ?? "") ?? MISSING;
    return new Response(answer.body as BodyInit, { status: answer.status, headers: headersFor(answer) });
  });
  return http.createServer(handleInBursts(getRequestListener(app.fetch)));
}

function serve(kind: FloorKind, file: string): void {
  const recorded = JSON.parse(readFileSync(file, "utf8")) as FloorAnswer[];
  const answers = new Map(recorded.map((a) => [a.path, { status: a.status, headers: a.headers, body: Buffer.from(a.bodyBase64, "base64") }]));
  const server = kind === "node" ? nodeServer(answers) : honoServer(answers);
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

const [kind, file, workers] = process.argv.slice(2);
if ((kind !== "node" && kind !== "hono") || !file || !Number.isInteger(Number(workers)) || Number(workers) < 1) {
  console.error("usage: floor-server.ts <node|hono> <answers.json> <workers>");
  process.exit(2);
}
if (cluster.isPrimary) runPrimary(Number(workers));
else serve(kind, file);
