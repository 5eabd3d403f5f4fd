/**
 * Configuration, from the environment only, parsed once at start. Every variable is
 * documented in docs/operations.md; a bad value stops the service with one line per problem.
 */
import { z } from "zod";
import { DEFAULT_DEADLINES, DEFAULT_RETRY_MAX_MS, type QueryDeadlines } from "./db/deadlines.js";

const integer = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const mysqlUrl = (name: string) =>
  z
    .string()
    .refine((v) => /^(mysql|mariadb):\/\/[^/]+\/[^/?]+/.test(v), `${name} must look like mysql://user:password@host:port/database`);

const flag = (name: string) =>
  z.enum(["true", "false"], { error: `${name} must be true or false` }).transform((v) => v === "true");

const list = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean));

export const configSchema = z.object({
  DATABASE_URL: mysqlUrl("DATABASE_URL").optional(),
  DATABASE_REPLICA_URLS: list.pipe(z.array(mysqlUrl("DATABASE_REPLICA_URLS"))).default([]),
  DB_POOL_SIZE: integer("DB_POOL_SIZE", 1, 1000).default(10),
  PORT: integer("PORT", 0, 65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  RATE_LIMIT_REQUESTS: integer("RATE_LIMIT_REQUESTS", 0).default(4000),
  RATE_LIMIT_WINDOW: integer("RATE_LIMIT_WINDOW", 1).default(86400),
  TRUSTED_PROXIES: list.default(["127.0.0.1", "::1"]),
  MAX_RPC_RESULTS: integer("MAX_RPC_RESULTS", 1).default(5000),
  SNAPSHOT_URI: z.string().default("/cgit/aur.git/snapshot/%s.tar.gz"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  REFRESH_INTERVAL_MS: integer("REFRESH_INTERVAL_MS", 50, 60_000).default(1000),
  REQUEST_TIMEOUT_MS: integer("REQUEST_TIMEOUT_MS", 100).default(10_000),
  SHUTDOWN_TIMEOUT_MS: integer("SHUTDOWN_TIMEOUT_MS", 0).default(10_000),
  RPC_PROFILE: z.enum(["legacy", "current"]).default("legacy"),
  REDIS_URL: z.string().url("REDIS_URL must be a URL like redis://127.0.0.1:6379").optional(),
  WORKERS: integer("WORKERS", 0, 256).default(0),
  // How long a request waits for the rate-limit store before it is let through uncounted.
  RATE_LIMIT_TIMEOUT_MS: integer("RATE_LIMIT_TIMEOUT_MS", 10, 60_000).default(250),
  // How often each process adds its rate-limit counts to the store and reads back the totals:
  // often enough for a limit counted over a day, seldom enough that a flush carries a few
  // requests of most addresses rather than one (docs/operations.md, "Rate limit").
  RATE_LIMIT_FLUSH_MS: integer("RATE_LIMIT_FLUSH_MS", 10, 60_000).default(5000),
  // Deadlines on the database and readiness (docs/operations.md, "Database faults").
  DB_ACQUIRE_TIMEOUT_MS: integer("DB_ACQUIRE_TIMEOUT_MS", 50, 600_000).default(DEFAULT_DEADLINES.acquireMs),
  DB_QUERY_TIMEOUT_MS: integer("DB_QUERY_TIMEOUT_MS", 50, 600_000).default(DEFAULT_DEADLINES.queryMs),
  DB_STREAM_IDLE_TIMEOUT_MS: integer("DB_STREAM_IDLE_TIMEOUT_MS", 50, 600_000).default(DEFAULT_DEADLINES.streamIdleMs),
  DB_RETRY_MAX_MS: integer("DB_RETRY_MAX_MS", 50, 600_000).default(DEFAULT_RETRY_MAX_MS),
  READY_MAX_SNAPSHOT_AGE_MS: integer("READY_MAX_SNAPSHOT_AGE_MS", 100).default(30_000),
  // Replicas (docs/deploying.md): past this lag the read model reads the next source.
  REPLICA_MAX_LAG_MS: integer("REPLICA_MAX_LAG_MS", 100, 3_600_000).default(10_000),
  REPLICA_FALLBACK_TO_PRIMARY: flag("REPLICA_FALLBACK_TO_PRIMARY").default(false),
  // The metadata archives (docs/architecture.md, "Metadata archives").
  ARCHIVE_MAX_AGE: z.coerce
    .number({ error: "ARCHIVE_MAX_AGE must be a number of seconds" })
    .min(0.1, "ARCHIVE_MAX_AGE must be at least 0.1")
    .max(3600, "ARCHIVE_MAX_AGE must be at most 3600")
    .default(5),
  ARCHIVE_DIR: z.string().min(1).optional(),
  // Whether this process (in a cluster, the first worker: the primary decides) builds the archives.
  ARCHIVE_BUILDER: z.enum(["0", "1"]).default("1").transform((v) => v === "1"),
}).refine((c) => c.READY_MAX_SNAPSHOT_AGE_MS > c.REFRESH_INTERVAL_MS, {
  path: ["READY_MAX_SNAPSHOT_AGE_MS"],
  message: "READY_MAX_SNAPSHOT_AGE_MS must be longer than REFRESH_INTERVAL_MS",
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** The deadlines of the read model's queries, from DB_*_TIMEOUT_MS. */
export function queryDeadlines(config: Config): QueryDeadlines {
  return { acquireMs: config.DB_ACQUIRE_TIMEOUT_MS, queryMs: config.DB_QUERY_TIMEOUT_MS, streamIdleMs: config.DB_STREAM_IDLE_TIMEOUT_MS };
}

/** Defaults for tests and embedding: the same values the environment would give. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...configSchema.parse({}), ...overrides };
}
