/**
 * Prometheus metrics: requests and latency by RPC type and status, rate-limited
 * requests, and the database pools' connections in use and waiting.
 *
 * Each app has its own registry (several apps live in one test process). Under the
 * cluster the workers' registries are summed by the primary (cluster.ts), which is
 * what `exposition` plugs in.
 */
import type { Pool } from "mysql2/promise";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { poolUsage, type Database } from "../db/client.js";

export interface NamedPool {
  /** The `pool` label: "primary" or "replica". */
  name: string;
  pool: Pool;
}

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
}

export function databasePools(database: Database): NamedPool[] {
  const pools = [{ name: "primary", pool: database.pool }];
  if (database.readPool) pools.push({ name: "replica", pool: database.readPool });
  return pools;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const labelNames = ["type", "status"] as const;
  const requests = new Counter({
    name: "aurweb_rpc_requests_total",
    help: "HTTP requests answered, by RPC type and status.",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "aurweb_rpc_request_duration_seconds",
    help: "Time from receiving a request to having its response, by RPC type and status.",
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
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
    const labels = { type, status: String(status) };
    duration.observe(labels, seconds);
    requests.inc(labels);
    if (status === 429) rateLimited.inc();
  };

  return { registry, recordRequest, exposition: options.exposition ?? (() => registry.metrics()) };
}
