/**
 * What every rule file does: seed a scratch database, run the real service on it, send
 * requests byte for byte, drop everything afterwards. Also the "legacy query" helper,
 * which runs a query of the same shape as the legacy PHP's (same joins, same visibility
 * condition, same utf8 connection) on the scratch database, so that tests about row
 * order can show that MariaDB itself returns the order they expect on their data.
 */
import mysql from "mysql2/promise";
import type { Config } from "../../../src/config.js";
import type { ScratchDatabase } from "../../../support/database.js";
import { rawRequest, type RawResponse } from "../../support/http.js";
import { createSeededDatabase, type Seeder } from "../../support/seed.js";
import { startService, type RunningService } from "../../support/service.js";

export interface World<T> {
  data: T;
  db: ScratchDatabase;
  service: RunningService;
  /** GET with the target sent exactly as written. */
  get(target: string, headers?: Record<string, string>): Promise<RawResponse>;
  /** GET, requiring a 200 answer, parsed as JSON. */
  json(target: string): Promise<LegacyAnswer>;
  /**
   * The same request handed to the app in-process, past Node's HTTP parser (which
   * refuses request heads over 16 KB). Use plain ASCII targets: they go through a URL.
   */
  inProcess(target: string): Promise<RawResponse>;
  /** Starts a second service on the same database (other configuration). */
  startAnother(config: Partial<Config>): Promise<RunningService>;
  close(): Promise<void>;
}

/** The envelope of every legacy answer except suggest (a plain list). */
export interface LegacyAnswer {
  version: number;
  type: string;
  resultcount: number;
  results: unknown;
  error?: string;
}

export async function startWorld<T>(
  label: string,
  build: (seed: Seeder) => Promise<T>,
  config: Partial<Config> = {},
): Promise<World<T>> {
  const { db, data } = await createSeededDatabase(label, build);
  const others: RunningService[] = [];
  let service: RunningService;
  try {
    service = await startService(db.url, config);
  } catch (error) {
    await db.drop();
    throw error;
  }
  const get = (target: string, headers: Record<string, string> = {}) => rawRequest(service.url, "GET", target, headers);
  return {
    data,
    db,
    service,
    get,
    async json(target) {
      const res = await get(target);
      if (res.status !== 200) throw new Error(`GET ${target}: status ${res.status}\n${res.body.slice(0, 500)}`);
      return JSON.parse(res.body) as LegacyAnswer;
    },
    async inProcess(target) {
      const res = await service.app.request(target);
      return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
    },
    async startAnother(otherConfig) {
      const other = await startService(db.url, otherConfig);
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await service.close();
      await db.drop();
    },
  };
}

/** The IDs of the rows in a legacy answer, in answer order. */
export function resultIds(answer: LegacyAnswer): number[] {
  const results = answer.results as { ID: number }[];
  if (!Array.isArray(results)) throw new Error(`no result list in ${JSON.stringify(answer).slice(0, 300)}`);
  return results.map((r) => r.ID);
}

/** The names in a legacy answer, in answer order. */
export function resultNames(answer: LegacyAnswer): string[] {
  return (answer.results as { Name: string }[]).map((r) => r.Name);
}

/**
 * Runs `SELECT Packages.ID FROM Packages LEFT JOIN PackageBases LEFT JOIN Users WHERE
 * <condition> AND PackageBases.PackagerUID IS NOT NULL LIMIT 5000` over a utf8
 * (utf8mb3) connection, like the legacy PHP did, and returns the IDs in the order
 * MariaDB produced them. `condition` is SQL with `?` placeholders for `params`.
 */
export async function legacyQueryIds(dbUrl: string, condition: string, params: unknown[] = []): Promise<number[]> {
  const conn = await mysql.createConnection(dbUrl);
  try {
    await conn.query("SET NAMES 'utf8'");
    const sql =
      "SELECT Packages.ID FROM Packages " +
      "LEFT JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID " +
      "LEFT JOIN Users ON PackageBases.MaintainerUID = Users.ID " +
      `WHERE ${condition} AND PackageBases.PackagerUID IS NOT NULL LIMIT 5000`;
    const [rows] = (await conn.query(sql, params)) as unknown as [{ ID: number }[]];
    return rows.map((r) => r.ID);
  } finally {
    await conn.end();
  }
}

/** Any single SQL statement on the scratch database (for setup and checks). */
export async function sqlQuery<R>(dbUrl: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const conn = await mysql.createConnection(dbUrl);
  try {
    const [rows] = (await conn.query(sql, params)) as unknown as [R[]];
    return rows;
  } finally {
    await conn.end();
  }
}
