import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runParity } from "../../tools/parity/run.js";
import { fakeRpc, startServer } from "./servers.js";
import type { TestServer } from "./servers.js";

const LINES = 10_000;
const BOUND_MS = 60_000;

let dir: string;
let legacy: TestServer;
let candidate: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "parity-load-"));
  [legacy, candidate] = await Promise.all([startServer(fakeRpc("same")), startServer(fakeRpc("same"))]);
});
afterAll(async () => {
  await Promise.all([legacy.close(), candidate.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** Mostly RPC lookups, as in production, with some lines the replay must skip. */
function logLine(i: number): string {
  const time = `23/Nov/2026:10:${String(Math.floor(i / 600) % 60).padStart(2, "0")}:${String(Math.floor(i / 10) % 60).padStart(2, "0")} +0000`;
  const request =
    i % 50 === 0
      ? `POST /rpc/ HTTP/1.1`
      : i % 20 === 0
        ? `GET /packages/?K=pkg${i} HTTP/1.1`
        : i % 7 === 0
          ? `HEAD /rpc/?v=5&type=info&arg[]=pkg${i % 997} HTTP/1.1`
          : `GET /rpc/?v=5&type=search&by=name-desc&arg=pkg${i % 997} HTTP/1.1`;
  return `198.51.100.${i % 250} - - [${time}] "${request}" 200 ${300 + (i % 200)} "-" "paru/2.0.3"`;
}

it(
  `replays a ${LINES.toLocaleString("en")}-line access log within ${BOUND_MS / 1000} s`,
  async () => {
    const log = path.join(dir, "access.log");
    await writeFile(log, Array.from({ length: LINES }, (_, i) => logLine(i)).join("\n") + "\n");

    const started = performance.now();
    const result = await runParity({ legacy: legacy.url, candidate: candidate.url, requestsFile: log });
    const elapsed = performance.now() - started;
    console.log(`parity: replayed ${result.requests} of ${LINES} log lines against two servers in ${(elapsed / 1000).toFixed(2)} s`);

    expect(result.requests + result.skipped.method + result.skipped.prefix).toBe(LINES);
    expect(result.skipped.method).toBe(LINES / 50);
    expect(result.findings).toEqual([]);
    expect(candidate.received).toHaveLength(result.requests);
    expect(elapsed).toBeLessThan(BOUND_MS);
  },
  BOUND_MS * 2,
);
