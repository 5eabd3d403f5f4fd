/**
 * Prometheus metrics: requests and latency by RPC type and status, rate-limited
 * requests, the rate limit's statements to its store, and the database pools'
 * connections in use and waiting.
 *
 * Each app has its own registry (several apps live in one test process). Under the
 * cluster the workers' registries are summed by the primary (cluster.ts), which is
 * what `exposition` plugs in.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { poolUsage, type Database, type NamedPool } from "../db/client.js";
import type { ReplicaState } from "../db/read-sources.js";
import type { ReadModelHealth } from "../readmodel/store.js";

export type { NamedPool };

export interface MetricsOptions {
  pools: NamedPool[];
  /** What GET /metrics answers; defaults to this process's registry. */
  exposition?: (() => Promise<string>) | undefined;
}

export interface Metrics {
  registry: Registry;
  /**
   * Counts and times one answered request. `type` is the RPC type as a label with a
   * bounded set of values: one the legacy RPC knows, else "other".
   */
  recordRequest(type: string, status: number, seconds: number): void;
  /** The text GET /metrics answers. */
  exposition(): Promise<string>;
  /** Reports the data's age, the read server and the replicas' lag, read from these at each scrape. */
  watchReadModel(health: () => ReadModelHealth, replicas?: () => ReplicaState[]): void;
}

export function databasePools(database: Database): NamedPool[] {
  return [{ name: "primary", pool: database.pool }, ...database.replicaPools];
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new RequestMetrics(registry);
  const rateLimited = new Counter({
    name: "aurweb_rpc_rate_limited_total",
    help: "Requests refused by the rate limit (429).",
    registers: [registry],
  });
  new Gauge({
    name: "aurweb_db_pool_connections_in_use",
    help: "Database connections currently running a query.",
    labelNames: ["pool"],
    registers: [registry],
    collect() {
      for (const { name, pool } of options.pools) this.set({ pool: name }, poolUsage(pool).inUse);
    },
  });
  new Gauge({
    name: "aurweb_db_pool_waiting",
    help: "Queries waiting for a free database connection.",
    labelNames: ["pool"],
    registers: [registry],
    collect() {
      for (const { name, pool } of options.pools) this.set({ pool: name }, poolUsage(pool).waiting);
    },
  });

  const recordRequest = (type: string, status: number, seconds: number) => {
    requests.record(type, status, seconds);
    if (status === 429) rateLimited.inc();
  };

  return {
    registry,
    recordRequest,
    exposition: options.exposition ?? (() => registry.metrics()),
    watchReadModel: (health, replicas) => readModelGauges(registry, health, replicas),
  };
}

/**
 * Ages and lags are gauges taken as the maximum across cluster workers (the oldest data
 * any of them answers); the read source is counted, so the sum says how many read where.
 */
function readModelGauges(registry: Registry, health: () => ReadModelHealth, replicas?: () => ReplicaState[]): void {
  // Several apps may share one Metrics; the gauges read the first one's read model.
  if (registry.getSingleMetric("aurweb_data_age_seconds")) return;
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  const ageGauge = (name: string, help: string, value: (h: ReadModelHealth) => number | undefined) =>
    new Gauge({
      name,
      help,
      aggregator: "max",
      registers: [registry],
      collect() {
        this.reset();
        const v = seconds(value(health()));
        if (v !== undefined) this.set(v);
      },
    });
  ageGauge("aurweb_snapshot_age_seconds", "Since the read model last confirmed its snapshot current with its database server.", (h) => h.snapshotAgeMs);
  ageGauge(
    "aurweb_data_age_seconds",
    "How old the data answered is relative to the primary: snapshot age plus the read server's replication lag. Absent when unknown.",
    (h) => h.dataAgeMs,
  );
  new Gauge({
    name: "aurweb_read_source",
    help: "1 for the database server the read model reads (primary, replica, replica2, ...).",
    labelNames: ["source"],
    registers: [registry],
    collect() {
      this.reset();
      const source = health().readSource;
      if (source !== undefined) this.set({ source }, 1);
    },
  });
  if (!replicas) return;
  new Gauge({
    name: "aurweb_replica_lag_seconds",
    help: "How far each replica was behind the primary when last asked (an upper bound, to within one poll). Absent when unknown or down.",
    labelNames: ["replica"],
    aggregator: "max",
    registers: [registry],
    collect() {
      this.reset();
      for (const r of replicas()) if (r.lagMs !== undefined) this.set({ replica: r.name }, r.lagMs / 1000);
    },
  });
  new Gauge({
    name: "aurweb_replica_up",
    help: "1 when the replica answered at the last poll, 0 when it did not; absent when not asked (one ahead of it was usable).",
    labelNames: ["replica"],
    aggregator: "min",
    registers: [registry],
    collect() {
      this.reset();
      for (const r of replicas()) this.set({ replica: r.name }, r.reachable ? 1 : 0);
    },
  });
}

/**
 * aurweb_rate_limit_store_statements_total: what the rate limit sends its store
 * (statements to MariaDB, or commands and scripts to Redis); and
 * aurweb_rate_limit_addresses_read_total: the addresses whose count it read, each on its
 * first request to a process, which waited for that read. Both read when scraped.
 */
export function registerRateLimitMetrics(registry: Registry, limiter: { readonly storeStatements: number; readonly addressesRead: number }): void {
  new Counter({
    name: "aurweb_rate_limit_store_statements_total",
    help: "Statements (or Redis commands) the rate limit sent its store.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(limiter.storeStatements);
    },
  });
  new Counter({
    name: "aurweb_rate_limit_addresses_read_total",
    help: "Client addresses whose count the rate limit read from its store, on their first request to this process (that request waited for the read).",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(limiter.addressesRead);
    },
  });
}

const REQUESTS = "aurweb_rpc_requests_total";
const DURATION = "aurweb_rpc_request_duration_seconds";
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The counts and durations of one (type, status) pair. */
interface Tally {
  labels: { type: string; status: string };
  /** Observations per bucket, not cumulative; the last slot is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

type MetricValue = { labels: Record<string, string | number>; value: number; metricName?: string };

/**
 * aurweb_rpc_requests_total and aurweb_rpc_request_duration_seconds, counted in plain
 * numbers and handed to the registry only when it is read. prom-client's own Counter and
 * Histogram validate and hash their label object on every observation; at tens of
 * thousands of requests a second that was a measurable share of each answer. The
 * registry reads a metric through get(), so these two are registered as such objects,
 * and they print (and sum across cluster workers) exactly as prom-client's would.
 */
class RequestMetrics {
  /**
   * By type, then status: both keys are looked up as they come (an interned string and a
   * small integer), where one key made of the two was a new string to hash per request.
   */
  private readonly tallies = new Map<string, Map<number, Tally>>();

  constructor(registry: Registry) {
    const requests = this.metric(REQUESTS, "HTTP requests answered, by RPC type and status.", "counter", () => this.counts());
    const duration = this.metric(
      DURATION,
      "Time from receiving a request to having its response, by RPC type and status.",
      "histogram",
      () => this.histogram(),
    );
    registry.registerMetric(requests as never);
    registry.registerMetric(duration as never);
  }

  record(type: string, status: number, seconds: number): void {
    let byStatus = this.tallies.get(type);
    if (!byStatus) this.tallies.set(type, (byStatus = new Map()));
    let tally = byStatus.get(status);
    if (!tally) {
      tally = { labels: { type, status: String(status) }, buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      byStatus.set(status, tally);
    }
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    tally.buckets[bucket]!++;
    tally.sum += seconds;
    tally.count++;
  }

  private metric(name: string, help: string, type: "counter" | "histogram", values: () => MetricValue[]) {
    return {
      name,
      help,
      type,
      aggregator: "sum",
      get: () => Promise.resolve({ name, help, type, aggregator: "sum", values: values() }),
      // Both metrics read the same tallies, so resetting either resets both.
      reset: () => this.tallies.clear(),
    };
  }

  private *all(): Iterable<Tally> {
    for (const byStatus of this.tallies.values()) yield* byStatus.values();
  }

  private counts(): MetricValue[] {
    return [...this.all()].map((t) => ({ labels: t.labels, value: t.count }));
  }

  private histogram(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const t of this.all()) {
      let cumulative = 0;
      t.buckets.forEach((n, i) => {
        cumulative += n;
        values.push({ labels: { le: DURATION_BUCKETS[i] ?? "+Inf", ...t.labels }, value: cumulative, metricName: `${DURATION}_bucket` });
      });
      values.push({ labels: t.labels, value: t.sum, metricName: `${DURATION}_sum` });
      values.push({ labels: t.labels, value: t.count, metricName: `${DURATION}_count` });
    }
    return values;
  }
}
