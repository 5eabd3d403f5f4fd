/**
 * Drives load with autocannon in a child process, so the load generator does not share
 * an event loop with the bench (or with the servers it measures). One URL goes through
 * autocannon's CLI; a list of distinct paths goes through load-mix.ts.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { MixInput } from "./load-mix.js";

export interface LoadOptions {
  connections: number;
  durationS: number;
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts included. */
  errors: number;
  /** Answers whose status was not 2xx. */
  non2xx: number;
  total: number;
}

/** The fields of autocannon's result (CLI --json or API) that the bench reads. */
interface AutocannonResult {
  duration: number;
  errors: number;
  non2xx: number;
  requests: { total: number };
  latency: { p50: number; p99: number };
}

const AUTOCANNON_CLI = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
const LOAD_MIX = new URL("./load-mix.ts", import.meta.url).pathname;

export function loadUrl(url: string, options: LoadOptions): Promise<LoadResult> {
  const args = [AUTOCANNON_CLI, "--json", "--no-progress", "-c", String(options.connections), "-d", String(options.durationS), url];
  return runAutocannon(args);
}

/** Sends `paths` (relative to `url`) in turn until the duration is over. */
export function loadPaths(url: string, paths: string[], options: LoadOptions): Promise<LoadResult> {
  const input: MixInput = { url, paths, ...options };
  return runAutocannon(["--import", "tsx", LOAD_MIX], JSON.stringify(input));
}

async function runAutocannon(args: string[], stdin?: string): Promise<LoadResult> {
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin ?? "");
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${stderr.trim()}`);
  const result = JSON.parse(stdout) as AutocannonResult;
  return {
    requestsPerSec: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}
