/**
 * Drives load with wrk in a child process (wrk is what issue 8's reference figures were
 * measured with: one C thread costs the machine far less per request than a Node load
 * generator, which at large answers was itself the bottleneck).
 *
 * Every answer under load is checked, not only its status: before the load, each path is
 * requested once and its status, ETag and body length are recorded as the reference
 * (`recordAnswer`); wrk-load.lua counts the answers that differ from it.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

export interface LoadOptions {
  connections: number;
  durationS: number;
  /** Send each request with an X-Real-IP drawn from this many addresses (as nginx in front would); none when 0 or absent. */
  addresses?: number;
  /** Take the addresses in turn from this one (0 is the first) rather than at random. */
  addressesInTurnFrom?: number;
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors: connect, read, write, timeout. */
  errors: number;
  /** Answers whose status, ETag or body length differs from the reference answer. */
  wrong: number;
  total: number;
}

/** What an answer must look like under load: recorded from one request before the load. */
export interface ReferenceAnswer {
  path: string;
  /** The form a POST sends; undefined for a GET. */
  form?: string;
  status: number;
  /** The ETag header's name as the server spelled it, and its value; undefined without one. */
  etag?: { header: string; value: string };
  length: number;
}

const WRK_SCRIPT = new URL("./wrk-load.lua", import.meta.url).pathname;
/** One load generator thread: the machine's other cores are the servers'. */
const WRK_THREADS = 1;
/**
 * wrk's default of 2 s would count the slowest answers of an overloaded cell as errors and
 * leave them out of the latencies; 10 s (autocannon's default) keeps them in the p99.
 */
const WRK_TIMEOUT = "10s";

/** Fails with the command to run when wrk is missing, before anything is started. */
export function checkLoadGenerator(): void {
  const probe = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (probe.error) throw new Error("wrk is not installed (Debian: apt-get install wrk)");
}

/** One answer as received: its reference for the load, and its body for whoever checks it. */
export interface RecordedAnswer {
  reference: ReferenceAnswer;
  /** The header names as the server spelled them, with their values, in the order sent. */
  headers: [string, string][];
  body: Buffer;
}

/** Requests each path of `paths` once from `baseUrl` and records its answer. */
export async function referenceAnswers(baseUrl: string, paths: string[]): Promise<ReferenceAnswer[]> {
  const answers: ReferenceAnswer[] = [];
  for (const p of paths) answers.push((await recordAnswer(new URL(p, baseUrl))).reference);
  return answers;
}

/** Requests `url` once (over Node's keep-alive global agent): a GET, or a POST of `form`. */
export function recordAnswer(url: URL, form?: string): Promise<RecordedAnswer> {
  return new Promise((resolve, reject) => {
    const headers = form === undefined ? {} : { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(form) };
    http
      .request(url, { method: form === undefined ? "GET" : "POST", headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks);
          const raw = response.rawHeaders;
          const at = raw.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === "etag");
          const etag = at < 0 ? undefined : { header: raw[at]!, value: raw[at + 1]! };
          const headers: [string, string][] = [];
          for (let i = 0; i < raw.length; i += 2) headers.push([raw[i]!, raw[i + 1]!]);
          resolve({ reference: { path: url.pathname + url.search, form, status: response.statusCode!, etag, length: body.length }, headers, body });
        });
        response.on("error", reject);
      })
      .on("error", reject)
      .end(form);
  });
}

/** Sends the references' paths from `baseUrl` in turn until the duration is over. */
export async function load(baseUrl: string, answers: ReferenceAnswer[], options: LoadOptions): Promise<LoadResult> {
  const directory = await mkdtemp(path.join(tmpdir(), "bench-load-"));
  try {
    const file = path.join(directory, "references.tsv");
    // A form is percent-encoded: no tab or newline can break its line.
    const lines = answers.map((a) => [a.path, a.status, a.etag?.header ?? "", a.etag?.value ?? "", a.length, ...(a.form === undefined ? [] : [a.form])].join("\t"));
    await writeFile(file, `${lines.join("\n")}\n`);
    const args = ["-t", String(WRK_THREADS), "-c", String(options.connections), "-d", `${options.durationS}s`, "--timeout", WRK_TIMEOUT];
    return parseResult(await run("wrk", [...args, "-s", WRK_SCRIPT, new URL("/", baseUrl).toString(), "--", file, String(options.addresses ?? 0), ...(options.addressesInTurnFrom === undefined ? ["random"] : ["in-turn", String(options.addressesInTurnFrom)])]));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

interface WrkResult {
  durationUs: number;
  requests: number;
  checked: number;
  wrong: number;
  errors: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

function parseResult(output: string): LoadResult {
  const line = output.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`wrk printed no result:\n${output}`);
  const result = JSON.parse(line.slice("RESULT ".length)) as WrkResult;
  // wrk counts an answer before the script sees it; they must agree, or answers went unchecked.
  if (result.checked !== result.requests) throw new Error(`wrk checked ${result.checked} of ${result.requests} answers`);
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    requestsPerSec: result.requests / (result.durationUs / 1e6),
    p50Ms: ms(result.p50Us),
    p99Ms: ms(result.p99Us),
    maxMs: ms(result.maxUs),
    errors: result.errors,
    wrong: result.wrong,
    total: result.requests,
  };
}

async function run(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim()}`);
  return stdout;
}
