/**
 * The servers under test (the service and the ceiling) run as child processes, each with
 * its own event loop, apart from the bench and from the load generator: that is how the
 * service runs in production, and its memory can be read from /proc on its own.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";

export interface ServerProcess {
  /** Base URL from the line the process logs when it listens. */
  url: string;
  /** The process started (with a cluster, its primary). */
  pid: number;
  /** From spawning the process to its listening line. */
  startupMs: number;
  /** Why the process ended before stop() was called, if it did. */
  failure?: string;
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

export interface Memory {
  /** How many processes the server runs (a cluster primary and its workers, or one). */
  processes: number;
  /** Resident set size now (VmRSS) of its largest process. */
  rssMb: number;
  /** Highest resident set size since start (VmHWM) of its largest process. */
  peakRssMb: number;
  /** VmRSS of all its processes together. */
  totalRssMb: number;
}

/**
 * The line a server logs once it listens, as text ("listening on http://host:port/rpc")
 * or as a JSON log line ({"url":"http://host:port","msg":"listening"}).
 */
const LISTENING = /^.*listening.*$/m;
const BASE_URL = /http:\/\/[^/\s"]+/;

/**
 * Starts `node <args>` and resolves once it logs that it listens. If it ends before
 * stop() is called, that is said on stderr at once: the requests failing next would
 * not tell why.
 */
export function startServerProcess(
  label: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  // The last of the output is kept to explain a failure; both pipes are read to the end
  // all the same, because a process whose pipe fills up blocks on its next write.
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stderr.on("data", keep);

  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };

  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${label} (node ${args.join(" ")}): ${reason}\n${output.trim()}`)));
    };
    const timer = setTimeout(() => fail(`not listening after ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? code}) before listening`);
    const onData = (chunk: Buffer) => {
      keep(chunk);
      const url = BASE_URL.exec(LISTENING.exec(output)?.[0] ?? "")?.[0];
      if (url === undefined || child.pid === undefined) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      const pid = child.pid;
      const server: ServerProcess = { url, pid, startupMs: performance.now() - started, memory: () => readMemory(pid), stop };
      child.once("exit", (code, signal) => {
        // stop() asks with SIGTERM: the service exits 0, the ceiling dies of the signal.
        // Anything else (a crash) is reported even if it is noticed only while stopping.
        if (stopping && (code === 0 || signal === "SIGTERM")) return;
        server.failure = `${label} exited (${signal ?? code}) while the bench was running; its last output:\n${output.trim()}`;
        console.error(server.failure);
      });
      child.stdout.off("data", onData);
      child.stdout.resume();
      resolve(server);
    };
    child.once("exit", onExit);
    child.stdout.on("data", onData);
  });
}

/** `pid` and the processes it started (the cluster's workers). */
export async function processTree(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
  return [pid, ...children.trim().split(/\s+/).filter(Boolean).map(Number)];
}

/** The memory of `pid` and of the processes it started. */
async function readMemory(pid: number): Promise<Memory> {
  const pids = await processTree(pid);
  const each = await Promise.all(pids.map(readProcessMemory));
  return {
    processes: pids.length,
    rssMb: Math.max(...each.map((m) => m.rssMb)),
    peakRssMb: Math.max(...each.map((m) => m.peakRssMb)),
    totalRssMb: each.reduce((sum, m) => sum + m.rssMb, 0),
  };
}

async function readProcessMemory(pid: number): Promise<{ rssMb: number; peakRssMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: kilobytes("VmRSS") / 1024, peakRssMb: kilobytes("VmHWM") / 1024 };
}

/**
 * Waits until the service has built its metadata archives (their sidecar answers 200):
 * the first build takes a core for seconds, and cells measured meanwhile would measure it.
 */
export async function untilArchivesBuilt(server: ServerProcess, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${server.url}/packages.gz.sha256`).catch(() => undefined);
    await response?.arrayBuffer();
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${server.url}: no metadata archives after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
