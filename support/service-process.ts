/**
 * The service as a child process, the way `npm start` runs it: for the tests of what an
 * operator sees (signals, workers, start-up) and for the nginx harness (nginx-php.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { freePort } from "../src/net/free-port.js";

const REPO_ROOT = new URL("../", import.meta.url).pathname;

/** Resolves when `child` exits, with its exit code (or the signal that ended it). */
export function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else if (child.signalCode !== null) resolve(child.signalCode);
    // "close", not "exit": by then everything it printed has been read.
    else child.once("close", (code, signal) => resolve(code ?? signal!));
  });
}

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Every line the service printed so far, stdout and stderr. */
  output: string[];
  /** The JSON log lines among them. */
  logs(): Record<string, unknown>[];
  exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | NodeJS.Signals>;
}

/**
 * The service as `npm start` runs it (src/main.ts in its own node process; from the
 * sources, where `npm start` runs the same code compiled into dist/), with `env`
 * over the test's environment. Resolves once every process logged that it listens and,
 * unless `ready: false` (a service meant to start without a usable database), /readyz
 * says ready.
 */
export async function spawnService(env: Record<string, string>, options: { detached?: boolean; ready?: boolean } = {}): Promise<ServiceProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: REPO_ROOT,
    // In a process group of its own, as a terminal runs `npm start`: a signal to the
    // group reaches the primary and every worker at once.
    detached: options.detached ?? false,
    env: { ...process.env, LOG_LEVEL: "info", HOST: "127.0.0.1", WORKERS: "1", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = exitOf(child);
  const workers = Number(env.WORKERS ?? "1");
  // Each worker logs that it listens, and under the cluster the primary too.
  const expectedListeners = workers === 1 ? 1 : workers + 1;
  const listening = new Promise<void>((resolve, reject) => {
    let seen = 0;
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = "";
      stream.on("data", (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          output.push(line);
          if (line.includes('"msg":"listening"') && ++seen === expectedListeners) resolve();
        }
      });
    }
    void exited.then((code) => reject(new Error(`service exited (${code}) before listening:\n${output.join("\n")}`)));
  });
  await listening;
  const url = `http://127.0.0.1:${port}`;
  // As a load balancer would, send it nothing before it is ready: on a busy machine the
  // first snapshot may come a poll or two after the service listens. Under the cluster
  // each check is a new connection, so several in a row reach every worker.
  for (let waited = 0, readyInARow = 0; options.ready !== false && readyInARow < 2 * workers; waited += 100) {
    if (waited > 60_000) throw new Error(`service never became ready:\n${output.join("\n")}`);
    if ((await readiness(url)) === 200) {
      readyInARow++;
    } else {
      readyInARow = 0;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
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
    exited,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

function readiness(url: string): Promise<number> {
  return new Promise((resolve) => {
    http
      .get(`${url}/readyz`, { agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
      .on("error", () => resolve(0));
  });
}
