/**
 * What an operator sees at a terminal: a port already in use is one line and exit 1,
 * before any data is loaded; Ctrl-C (SIGINT to the whole process group) and SIGTERM
 * stop every process with one line each and exit 0, without a stack trace.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { spawnService } from "../../support/service-process.js";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** Runs the service to its end (it is expected to stop by itself); its lines and exit code. */
function runToEnd(env: Record<string, string>): Promise<{ code: number | null; stdout: string[]; stderr: string[]; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: "info", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(killer);
      const lines = (text: string) => text.split("\n").filter(Boolean);
      resolve({ code, stdout: lines(stdout), stderr: lines(stderr), ms: Date.now() - started });
    });
  });
}

describe("starting and stopping", () => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await createLegacyDatabase("ops_start_stop", PUBLIC_DATASET);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it.each(["1", "2"])("WORKERS=%s: a port in use is one line and exit 1, before the data is loaded", async (workers) => {
    const occupied = net.createServer();
    await new Promise<void>((resolve) => occupied.listen(0, "127.0.0.1", resolve));
    const port = (occupied.address() as net.AddressInfo).port;
    try {
      // A database that never answers: had the service tried to load from it first, it
      // would have waited for it before finding out about the port.
      const silent = net.createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const silentUrl = `mysql://root@127.0.0.1:${(silent.address() as net.AddressInfo).port}/aurweb`;
      try {
        const result = await runToEnd({ DATABASE_URL: silentUrl, PORT: String(port), WORKERS: workers });
        expect(result.code).toBe(1);
        expect(result.stdout).toEqual([]);
        expect(result.stderr).toEqual([`port ${port} on 127.0.0.1 is in use; set PORT to a free port`]);
        expect(result.ms).toBeLessThan(15_000);
      } finally {
        silent.close();
      }
    } finally {
      occupied.close();
    }
  });

  // Ctrl-C: SIGINT to the process group. Under npm start: npm passes the SIGINT it got
  // from the terminal on to the service, which gets two.
  describe.each([
    { workers: 1, how: "Ctrl-C" },
    { workers: 2, how: "Ctrl-C" },
    { workers: 1, how: "Ctrl-C under npm" },
    { workers: 2, how: "SIGTERM" },
  ])("WORKERS=$workers, $how", ({ workers, how }) => {
    it("every process logs one line that it stopped, and the service exits 0", async () => {
      const service = await spawnService({ DATABASE_URL: db.url, WORKERS: String(workers), RATE_LIMIT_REQUESTS: "0" }, { detached: true });
      const pids = new Set(service.logs().filter((l) => l.msg === "listening").map((l) => l.pid));
      expect(pids.size).toBe(workers === 1 ? 1 : workers + 1);

      if (how.startsWith("Ctrl-C")) process.kill(-service.child.pid!, "SIGINT");
      else service.child.kill("SIGTERM");
      if (how === "Ctrl-C under npm") service.child.kill("SIGINT");
      expect(await service.exited).toBe(0);

      const stops = service.logs().filter((l) => String(l.msg).startsWith("stopped"));
      expect(stops.map((l) => l.pid).sort()).toEqual([...pids].sort());
      expect(service.output.filter((l) => !l.startsWith("{"))).toEqual([]);
      expect(service.logs().filter((l) => Number(l.level) >= 40)).toEqual([]);
    });
  });
});
