/**
 * What the fault tests share: the service as a process (as `npm start` runs it, several
 * workers if asked), requests on fresh connections with their own deadline, and polling
 * with deadlines.
 */
import http from "node:http";
import { spawnService, type ServiceProcess } from "../../support/service-process.js";


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

export type { ServiceProcess } from "../../support/service-process.js";

/** The service as `npm start` runs it, once every process listens, ready or not (support/service-process.ts). */
export function spawnServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  return spawnService(env, { ready: false });
}
