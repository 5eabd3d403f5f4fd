/**
 * WORKERS > 1: a primary process forks the workers, which share the listening port
 * (node's cluster hands each new connection to the next worker). The primary serves
 * nothing itself: it replaces a worker that dies, passes SIGTERM on to all of them and
 * exits once they have drained.
 *
 * Supervision: only the first start can stop the service (a worker that dies before it
 * listens then would die the same way again: bad configuration, say). After that a
 * worker that dies is replaced, whether or not it had started listening, and the other
 * workers go on serving; each place in the cluster waits longer before each new try
 * while its workers keep dying young (a crash loop), and starts again from the shortest
 * wait once one of them has run for a while.
 *
 * Metrics: a scrape reaches one worker, but must count the requests of all of them, or
 * Prometheus would see counters jump between workers' values. That worker asks the
 * primary, which collects every worker's registry and sums them (prom-client's
 * AggregatorRegistry.aggregate).
 */
import cluster, { type Address, type Worker } from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { Logger } from "./log.js";

type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

/** Messages between the primary and the workers about metrics. */
type Message =
  | { kind: "aurweb:metrics-request"; id: number }
  | { kind: "aurweb:metrics"; id: number; text?: string; error?: string }
  | { kind: "aurweb:metrics-collect"; id: number }
  | { kind: "aurweb:metrics-collected"; id: number; metrics: MetricsJson };

/** How long a scrape waits for the primary and the other workers. */
const METRICS_TIMEOUT_MS = 5000;

function isMessage(value: unknown): value is Message {
  return typeof value === "object" && value !== null && String((value as { kind?: unknown }).kind).startsWith("aurweb:");
}

export interface Primary {
  /** Resolves once every worker listens, with the address they share (PORT=0 picks one). */
  listening: Promise<Address>;
  /** Resolves with the exit code for the primary once all workers have exited. */
  exited: Promise<number>;
  /** SIGTERM to every worker; each drains as a single process would. */
  stop(): void;
}

export interface RestartPolicy {
  /** The wait before replacing a worker that died after running for a while. */
  firstDelayMs: number;
  /** The longest wait: each replacement that dies young doubles the next one, up to this. */
  maxDelayMs: number;
  /** How long a worker must have listened for its death not to count as a crash loop. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

export interface PrimaryOptions {
  workers: number;
  /** Added to the workers' environment. */
  env: Record<string, string>;
  /** Added to the environment of the worker in one place of the cluster, and of its replacements. */
  slotEnv?: (index: number) => Record<string, string>;
  /** Node and V8 options for the workers, after the primary's own. */
  execArgv?: string[];
  logger: Logger;
  restart?: RestartPolicy;
}

/** One place in the cluster: the worker in it, and how its replacements have fared. */
interface Slot {
  index: number;
  worker?: Worker;
  /** performance.now() when the worker in it started listening. */
  listeningSince?: number;
  /** Replacements in a row whose worker died before it had run for a while. */
  youngDeaths: number;
  replacement?: NodeJS.Timeout;
}

export function runPrimary(options: PrimaryOptions): Primary {
  const { logger } = options;
  const policy = options.restart ?? DEFAULT_RESTART_POLICY;
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...(options.execArgv ?? [])] });
  let started = false;
  let stopping = false;
  let failed = false;

  let resolveListening!: (address: Address) => void;
  const listening = new Promise<Address>((resolve) => (resolveListening = resolve));
  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExited = resolve));

  const slots: Slot[] = Array.from({ length: options.workers }, (_, index) => ({ index, youngDeaths: 0 }));
  // Tracked here rather than read from cluster.workers, which may still list a worker
  // that has exited until its IPC channel closes.
  const alive = new Map<Worker, Slot>();
  const fork = (slot: Slot) => {
    slot.replacement = undefined;
    slot.listeningSince = undefined;
    const worker = cluster.fork({ ...options.env, ...options.slotEnv?.(slot.index) });
    slot.worker = worker;
    alive.set(worker, slot);
    logger.info({ workerPid: worker.process.pid, slot: slot.index }, "worker started");
  };
  const finish = () => {
    const code = failed ? 1 : 0;
    logger.info({ code }, "stopped");
    resolveExited(code);
  };
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const slot of slots) clearTimeout(slot.replacement);
    for (const worker of alive.keys()) worker.process.kill("SIGTERM");
    if (alive.size === 0) finish();
  };

  cluster.on("listening", (worker, address) => {
    const slot = alive.get(worker);
    if (!slot) return;
    slot.listeningSince = performance.now();
    // At the first start each worker loads the package data after the one before it
    // listens: loading side by side they share the cores, and the first answer came
    // later than the first worker alone takes.
    const next = started ? undefined : slots.find((s) => s.worker === undefined);
    if (next) fork(next);
    if (!started && slots.every((s) => s.listeningSince !== undefined)) {
      started = true;
      resolveListening(address);
    }
  });
  cluster.on("exit", (worker, code, signal) => {
    const slot = alive.get(worker);
    if (!slot) return;
    alive.delete(worker);
    const workerPid = worker.process.pid;
    if (stopping) {
      if (code !== 0) failed = true;
      if (alive.size === 0) finish();
      return;
    }
    const listened = slot.listeningSince !== undefined;
    if (!started && !listened) {
      // It died before it could serve at the first start: bad configuration, say, with
      // which every try would fail the same way.
      logger.error({ workerPid, code, signal }, "worker failed to start; stopping");
      failed = true;
      stop();
      return;
    }
    const ranFor = listened ? performance.now() - slot.listeningSince! : 0;
    if (ranFor >= policy.stableAfterMs) slot.youngDeaths = 0;
    const delayMs = Math.min(policy.firstDelayMs * 2 ** slot.youngDeaths, policy.maxDelayMs);
    slot.youngDeaths++;
    logger.error(
      { workerPid, code, signal, listened, ranForMs: Math.round(ranFor), restartInMs: delayMs },
      listened ? "worker died; starting another" : "worker died before it listened; starting another",
    );
    slot.replacement = setTimeout(() => fork(slot), delayMs);
  });
  answerWorkersMetricsRequests(() => [...alive.keys()]);

  fork(slots[0]!);
  return { listening, exited, stop };
}

function answerWorkersMetricsRequests(workers: () => Worker[]): void {
  let nextCollection = 0;
  const collections = new Map<number, (metrics: MetricsJson) => void>();

  cluster.on("message", (worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.kind === "aurweb:metrics-collected") {
      collections.get(message.id)?.(message.metrics);
      return;
    }
    if (message.kind !== "aurweb:metrics-request") return;

    const id = nextCollection++;
    const targets = workers().filter((w) => w.isConnected());
    const replies: MetricsJson[] = [];
    const reply = (answer: { text?: string; error?: string }) => {
      clearTimeout(timer);
      collections.delete(id);
      if (worker.isConnected()) worker.send({ kind: "aurweb:metrics", id: message.id, ...answer } satisfies Message);
    };
    const timer = setTimeout(() => reply({ error: "workers did not report their metrics in time" }), METRICS_TIMEOUT_MS);
    collections.set(id, (metrics) => {
      replies.push(metrics);
      if (replies.length < targets.length) return;
      AggregatorRegistry.aggregate(replies)
        .metrics()
        .then((text) => reply({ text }), (error: unknown) => reply({ error: String(error) }));
    });
    for (const target of targets) target.send({ kind: "aurweb:metrics-collect", id } satisfies Message);
  });
}

const pendingScrapes = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let nextScrape = 0;

/** In a worker: hands this worker's registry to the primary when it collects. */
export function answerMetricsRequests(registry: Registry): void {
  process.on("message", (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.kind === "aurweb:metrics-collect") {
      void registry.getMetricsAsJSON().then((metrics) => {
        process.send?.({ kind: "aurweb:metrics-collected", id: message.id, metrics } satisfies Message);
      });
    } else if (message.kind === "aurweb:metrics") {
      const scrape = pendingScrapes.get(message.id);
      pendingScrapes.delete(message.id);
      if (message.text !== undefined) scrape?.resolve(message.text);
      else scrape?.reject(new Error(`cluster metrics: ${message.error ?? "no answer"}`));
    }
  });
}

/** In a worker: the whole cluster's metrics, summed by the primary. */
export function clusterMetrics(): Promise<string> {
  const id = nextScrape++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pendingScrapes.delete(id);
      reject(new Error("cluster metrics: the primary did not answer"));
    }, 2 * METRICS_TIMEOUT_MS);
    pendingScrapes.set(id, {
      resolve(text) {
        clearTimeout(timer);
        resolve(text);
      },
      reject(error) {
        clearTimeout(timer);
        reject(error);
      },
    });
    process.send?.({ kind: "aurweb:metrics-request", id } satisfies Message);
  });
}
