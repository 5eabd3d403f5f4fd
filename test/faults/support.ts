/**
 * What the fault tests share: the service as a process (as `npm start` runs it, several
 * workers if asked), requests on fresh connections with their own deadline, and polling
 * with deadlines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { freePort } from "../../src/net/free-port.js";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Short deadlines so that each fault shows within a couple of seconds: a query, a pool
 * wait and a stalled table read all give up after one second, and retries come at most
 * a second apart.
 */
export const FAULT_CONFIG = {
  REFRESH_INTERVAL_MS: "200",
  DB_ACQUIRE_TIMEOUT_MS: "1000",
  DB_QUERY_TIMEOUT_MS: "1000",
  DB_STREAM_IDLE_TIMEOUT_MS: "1000",
  DB_RETRY_MAX_MS: "1000",
  READY_MAX_SNAPSHOT_AGE_MS: "5000",
  RATE_LIMIT_REQUESTS: "0",
} as const;

/** The service's answers must show a change this soon after the fault heals: the freshness bound plus a few seconds. */
export const RECOVERY_BOUND_MS = 5000 + 3000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Answer {
  status: number;
  body: string;
  json: Record<string, unknown>;
  ms: number;
}

/** GET on a new connection (under a cluster, successive ones reach every worker); fails past `timeoutMs`. */
export function get(url: string, path: string, timeoutMs = 5000): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get(`${url}${path}`, { agent: false, timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (d: string) => (body += d));
      response.on("end", () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          // not JSON: left empty
        }
        resolve({ status: response.statusCode ?? 0, body, json, ms: performance.now() - started });
      });
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
  });
}

/** Milliseconds until `holds()` is true, polling; throws past `timeoutMs`, saying what it waited for. */
export async function waitFor(what: string, holds: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await holds()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/**
 * Whether `inARow` answers in a row, each on a new connection, satisfy `check`: the
 * cluster hands connections to its workers in turn, so with two workers six in a row
 * asked each of them three times.
 */
export async function everyWorkerShows(url: string, path: string, check: (answer: Answer) => boolean, inARow = 6): Promise<boolean> {
  for (let i = 0; i < inARow; i++) if (!check(await get(url, path))) return false;
  return true;
}

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  output: string[];
  /** The JSON log lines so far. */
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * The service as `npm start` runs it, from the sources, with `env` over the test's
 * environment; resolves once every process listens (ready or not).
 */
export async function spawnServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: "info", HOST: "127.0.0.1", WORKERS: "1", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const workers = Number(env.WORKERS ?? "1");
  const expected = workers === 1 ? 1 : workers + 1;
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = "";
      stream.on("data", (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          output.push(line);
          if (line.includes('"msg":"listening"') && ++seen === expected) resolve();
        }
      });
    }
    void exited.then(() => reject(new Error(`service exited before listening:\n${output.join("\n")}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    logs: () =>
      output.flatMap((line) => {
        if (!line.startsWith("{")) return [];
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
