/**
 * The cluster primary replaces a worker that dies, before or after it listens, waits
 * longer before each try while replacements keep dying young, and never stops the
 * workers that serve because a replacement failed. Workers die here the way the kernel's
 * OOM killer ends them, with SIGKILL from outside: a replacement is killed as soon as
 * the primary reports it started, long before it has loaded the data and listens.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { freePort } from "../../src/net/free-port.js";
import { spawnService, type ServiceProcess } from "../../support/service-process.js";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

const INFO = "/rpc/?v=5&type=info&arg[]=python3-actdiag";

type Line = Record<string, unknown>;

/** A status, or what went wrong; a request that waits more than 5 s counts as lost. */
function ask(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const request = http.get(`${url}${INFO}`, { agent: false, timeout: 5000 }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("timeout", () => request.destroy(new Error("no answer within 5 s")));
    request.on("error", (error) => resolve(String(error)));
  });
}

/** Sends requests one after another until stopped; every status, or the error. */
function keepAsking(url: string) {
  const outcomes: (number | string)[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      outcomes.push(await ask(url));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return outcomes;
    },
  };
}

describe("worker supervision (WORKERS=2)", () => {
  let db: ScratchDatabase;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    db = await createLegacyDatabase("ops_supervision", PUBLIC_DATASET);
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  const linesWith = (msg: string) => service!.logs().filter((l) => l.msg === msg);
  /** Waits for the n-th line with `msg` (counting from 1) and returns it. */
  async function nth(msg: string, n: number, timeout = 30_000): Promise<Line> {
    return vi.waitFor(
      () => {
        const line = linesWith(msg)[n - 1];
        if (!line) throw new Error(`no ${n}. "${msg}" yet:\n${service!.output.join("\n")}`);
        return line;
      },
      { timeout, interval: 20 },
    );
  }
  const workerPids = () => linesWith("worker started").map((l) => Number(l.workerPid));

  it("replaces a worker killed while serving, and the other answers meanwhile", async () => {
    service = await spawnService({ DATABASE_URL: db.url, WORKERS: "2", RATE_LIMIT_REQUESTS: "0" });
    const [first, second] = workerPids();

    process.kill(first!, "SIGKILL");
    // From the moment the primary knows (a connection it had just handed to the killed
    // worker is lost with it, inside node's cluster module), the other worker answers.
    const died = await nth("worker died; starting another", 1);
    const asking = keepAsking(service.url);
    expect(died).toMatchObject({ workerPid: first, signal: "SIGKILL", listened: true, restartInMs: 1000 });
    const replacement = await nth("worker started", 3);
    await vi.waitFor(() => expect(service!.logs().some((l) => l.msg === "listening" && l.pid === replacement.workerPid)).toBe(true), {
      timeout: 30_000,
      interval: 50,
    });
    const outcomes = await asking.stop();
    // Every request after the death was answered (by the other worker, then by both).
    expect(outcomes.length).toBeGreaterThan(10);
    expect(outcomes.filter((o) => o !== 200)).toEqual([]);
    expect(service.child.exitCode).toBeNull();
    process.kill(second!, 0); // still the same process
  });

  it("keeps serving while replacements die before they listen, and waits longer before each new try", async () => {
    service = await spawnService({ DATABASE_URL: db.url, WORKERS: "2", RATE_LIMIT_REQUESTS: "0" });
    const [first, healthy] = workerPids();

    process.kill(first!, "SIGKILL");
    await nth("worker died; starting another", 1);
    const asking = keepAsking(service.url);
    // Two replacements in a row are killed as soon as they exist.
    for (const n of [3, 4]) {
      const started = await nth("worker started", n);
      process.kill(Number(started.workerPid), "SIGKILL");
    }
    const young = await nth("worker died before it listened; starting another", 2);
    const lastReplacement = await nth("worker started", 5, 30_000);
    await vi.waitFor(() => expect(service!.logs().some((l) => l.msg === "listening" && l.pid === lastReplacement.workerPid)).toBe(true), {
      timeout: 30_000,
      interval: 50,
    });
    const outcomes = await asking.stop();

    const deaths = service.logs().filter((l) => String(l.msg).startsWith("worker died"));
    expect(deaths.map((l) => [l.listened, l.restartInMs])).toEqual([
      [true, 1000],
      [false, 2000],
      [false, 4000],
    ]);
    // Each try came no sooner than its wait.
    const starts = linesWith("worker started").slice(2);
    for (const [i, death] of deaths.entries()) {
      expect(Number(starts[i]!.time) - Number(death.time)).toBeGreaterThanOrEqual(Number(death.restartInMs) - 50);
    }
    expect(young.workerPid).toBe(starts[1]!.workerPid);
    // The healthy worker was never stopped and answered throughout.
    expect(service.logs().filter((l) => l.pid === healthy && String(l.msg).startsWith("stopped"))).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o !== 200)).toEqual([]);
    expect(service.child.exitCode).toBeNull();
  });

  it("stops the service, exit 1, when a worker dies before it listens at the first start", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: String(await freePort()), DATABASE_URL: db.url, WORKERS: "2", RATE_LIMIT_REQUESTS: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: Line[] = [];
    let partial = "";
    let killed: number | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      const text = (partial + chunk.toString()).split("\n");
      partial = text.pop()!;
      for (const line of text.filter((l) => l.startsWith("{"))) {
        const parsed = JSON.parse(line) as Line;
        lines.push(parsed);
        if (parsed.msg === "worker started" && killed === undefined) {
          killed = Number(parsed.workerPid);
          process.kill(killed, "SIGKILL");
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code).toBe(1);
    expect(lines.find((l) => l.msg === "worker failed to start; stopping")).toMatchObject({ workerPid: killed, signal: "SIGKILL" });
    expect(lines.filter((l) => l.msg === "listening")).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ msg: "stopped", code: 1 });
  });
});
