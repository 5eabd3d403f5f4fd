/**
 * WORKERS > 1: a primary process forks the workers, which share the listening port
 * (node's cluster hands each new connection to the next worker). The primary serves
 * nothing itself: it restarts a worker that dies, passes SIGTERM on to all of them and
 * exits once they have drained.
 *
 * Metrics: a scrape reaches one worker, but must count the requests of all of them, or
 * Prometheus would see counters jump between workers' values. That worker asks the
 * primary, which collects every worker's registry and sums them (prom-client's
 * AggregatorRegistry.aggregate).
 */
import cluster, { type Address, type Worker } from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { Logger } from "./http/logging.js";

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

export interface PrimaryOptions {
  workers: number;
  /** Added to the workers' environment. */
  env: Record<string, string>;
  /** Node and V8 options for the workers, after the primary's own. */
  execArgv?: string[];
  logger: Logger;
}

export function runPrimary(options: PrimaryOptions): Primary {
  const { logger } = options;
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...(options.execArgv ?? [])] });
  const listeningIds = new Set<number>();
  let stopping = false;
  let failed = false;

  let resolveListening!: (address: Address) => void;
  const listening = new Promise<Address>((resolve) => (resolveListening = resolve));
  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExited = resolve));

  // Tracked here rather than read from cluster.workers, which may still list a worker
  // that has exited until its IPC channel closes.
  const alive = new Set<Worker>();
  const fork = () => {
    alive.add(cluster.fork(options.env));
  };
  const stop = () => {
    stopping = true;
    for (const worker of alive) worker.process.kill("SIGTERM");
    if (alive.size === 0) resolveExited(failed ? 1 : 0);
  };

  cluster.on("listening", (worker, address) => {
    listeningIds.add(worker.id);
    if (listeningIds.size >= options.workers) resolveListening(address);
  });
  cluster.on("exit", (worker, code, signal) => {
    alive.delete(worker);
    if (stopping) {
      if (code !== 0) failed = true;
      if (alive.size === 0) resolveExited(failed ? 1 : 0);
    } else if (!listeningIds.has(worker.id)) {
      // It died before it could serve (a port in use, say): starting another would fail
      // the same way, over and over.
      logger.error({ pid: worker.process.pid, code, signal }, "worker failed to start; stopping");
      failed = true;
      stop();
    } else {
      logger.error({ pid: worker.process.pid, code, signal }, "worker died; starting another");
      fork();
    }
  });
  answerWorkersMetricsRequests(() => [...alive]);

  for (let i = 0; i < options.workers; i++) fork();
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
