/**
 * What is wrong with the database, from the error a query or a connection attempt failed
 * with: the one place that tells an unreachable server from a refused login, a missing
 * database or a database without the aurweb tables. The read model logs it, /readyz
 * reports it and the RPC's 503 names it, so all three always agree.
 */

/** A wait on the database that passed its deadline; the connection behind it was destroyed. */
export class DatabaseTimeout extends Error {
  readonly code = "DB_TIMEOUT";
  constructor(
    /** What was waited for: "a connection", "an answer", "the next row". */
    readonly waitedFor: string,
    readonly timeoutMs: number,
  ) {
    super(`no ${waitedFor.replace(/^(a|an|the) /, "")} from the database within ${timeoutMs} ms`);
    this.name = "DatabaseTimeout";
  }
}

/** The database answers but lacks tables the read model needs: not (yet) an aurweb database. */
export class MissingTablesError extends Error {
  readonly code = "MISSING_TABLES";
  constructor(readonly tables: readonly string[]) {
    super(`missing tables: ${tables.join(", ")}`);
    this.name = "MissingTablesError";
  }
}

export type TroubleKind =
  | "unreachable"
  | "timeout"
  | "connection-lost"
  | "access-denied"
  | "unknown-database"
  | "missing-tables"
  | "database-error"
  | "internal";

export interface DatabaseTrouble {
  kind: TroubleKind;
  /** One line for the operator: the cause and what to do about it. */
  message: string;
  /** The driver's error code and message, for the log. */
  detail: string;
  /** Whether this is a fault of the program rather than of the database (logged with its stack). */
  unexpected: boolean;
}

/** Where the database is, without the password: user@host:port/database. */
export interface DatabaseAddress {
  user?: string;
  host?: string;
  port?: number;
  database?: string;
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EHOSTDOWN"]);
const LOST = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "PROTOCOL_PACKETS_OUT_OF_ORDER",
  "PROTOCOL_UNEXPECTED_PACKET",
  "ER_NET_PACKETS_OUT_OF_ORDER",
  "ER_MALFORMED_PACKET",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "ER_QUERY_INTERRUPTED",
]);
const ACCESS_DENIED = new Set(["ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_TABLEACCESS_DENIED_ERROR", "ER_HOST_NOT_PRIVILEGED"]);

interface DriverError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  fatal?: unknown;
  errors?: unknown;
}

function codeOf(error: DriverError): string | undefined {
  if (typeof error.code === "string") return error.code;
  // Node reports a refused connection to a name with several addresses as an AggregateError.
  if (Array.isArray(error.errors)) return error.errors.map((e: DriverError) => codeOf(e)).find(Boolean);
  return undefined;
}

function where(address: DatabaseAddress): string {
  const host = `${address.host ?? "localhost"}:${address.port ?? 3306}`;
  return `${address.user ? `${address.user}@` : ""}${host}/${address.database ?? ""}`;
}

/** A URL to paste into the suggested commands, the password left for the operator to add. */
function urlFor(address: DatabaseAddress): string {
  return `mysql://${address.user ?? "USER"}:PASSWORD@${address.host ?? "localhost"}:${address.port ?? 3306}/${address.database ?? "DATABASE"}`;
}

/** Classifies `error` (from a connection attempt or a query) into one line an operator can act on. */
export function classifyDatabaseError(error: unknown, address: DatabaseAddress = {}): DatabaseTrouble {
  const e = (typeof error === "object" && error !== null ? error : {}) as DriverError;
  const code = codeOf(e);
  const text = typeof e.message === "string" && e.message !== "" ? e.message : String(error);
  const detail = code ? `${code}: ${text}` : text;
  const at = where(address);
  const make = (kind: TroubleKind, message: string, unexpected = false): DatabaseTrouble => ({ kind, message, detail, unexpected });

  if (error instanceof DatabaseTimeout) {
    return make(
      "timeout",
      `database ${at} did not answer within ${error.timeoutMs} ms (waiting for ${error.waitedFor}): check the network to it and whether the server is overloaded`,
    );
  }
  if (error instanceof MissingTablesError) {
    return make(
      "missing-tables",
      `database ${at} is not an aurweb database: it has no ${error.tables.length > 3 ? `aurweb tables (${error.tables.slice(0, 3).join(", ")}, ...)` : `${error.tables.length > 1 ? "tables" : "table"} ${error.tables.join(", ")}`}; check DATABASE_URL, or create the tables with \`npm run db:create -- ${urlFor(address)}\` (\`npm run schema:diff -- ${urlFor(address)}\` shows what differs)`,
    );
  }
  if (code && UNREACHABLE.has(code)) {
    return make("unreachable", `database ${at} cannot be reached (${code}): check that MariaDB runs there and that DATABASE_URL names its host and port`);
  }
  if (code && ACCESS_DENIED.has(code)) {
    return make(
      "access-denied",
      `database ${at} refused the login (${code}): check the user and password in DATABASE_URL and that the user may read database ${address.database ?? ""}`,
    );
  }
  if (code === "ER_BAD_DB_ERROR") {
    return make(
      "unknown-database",
      `database ${at} does not exist: check the database name in DATABASE_URL, or create it with \`npm run db:create -- ${urlFor(address)}\``,
    );
  }
  if (code === "ER_NO_SUCH_TABLE") {
    return make(
      "missing-tables",
      `database ${at} is not an aurweb database (${text}): check DATABASE_URL, or compare it with \`npm run schema:diff -- ${urlFor(address)}\``,
    );
  }
  if (code && (LOST.has(code) || e.fatal === true)) {
    return make("connection-lost", `the connection to database ${at} was lost (${code}); it is opened again`);
  }
  // A MariaDB error for a query (it has an errno): the server answers, the query failed.
  if (code?.startsWith("ER_") || typeof e.errno === "number") {
    return make("database-error", `database ${at} failed a query of the read model (${detail})`);
  }
  return make("internal", `loading the package data failed: ${detail}`, true);
}

/** The sentence a client gets in the RPC's 503 while no package data is loaded, by cause. */
export function unavailableReason(kind: TroubleKind | undefined): string {
  switch (kind) {
    case "access-denied":
      return "The package database refused access. Please try again later.";
    case "unknown-database":
    case "missing-tables":
      return "The configured database is not an aurweb database. Please try again later.";
    default:
      return "The package database cannot be reached. Please try again later.";
  }
}
