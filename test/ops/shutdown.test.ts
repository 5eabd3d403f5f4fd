/**
 * SIGTERM drains. A request is kept in flight honestly: the test holds a write lock on
 * the rate-limit table, so the service's rate-limit write waits in MariaDB exactly as it
 * would behind a slow database, and the request cannot finish until the lock goes.
 */
import mysql from "mysql2/promise";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import { rawRequest, type RawResponse } from "../support/http.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { spawnService, type ServiceProcess } from "../../support/service-process.js";

const INFO = "/rpc/?v=5&type=info&arg[]=python3-actdiag";

describe("SIGTERM", () => {
  let db: ScratchDatabase;
  let service: ServiceProcess | undefined;
  let locker: mysql.Connection;

  beforeEach(async () => {
    db = await createLegacyDatabase("ops_shutdown", PUBLIC_DATASET);
    locker = await mysql.createConnection(db.url);
  });

  afterEach(async () => {
    await locker.end();
    await service?.stop();
    await db.drop();
  });

  /** Locks ApiRateLimit, sends a request, and returns once it waits for the lock. */
  async function requestStuckInDatabase(service: ServiceProcess): Promise<{ response: Promise<RawResponse> }> {
    await locker.query("LOCK TABLES ApiRateLimit WRITE");
    const response = rawRequest(service.url, "GET", INFO);
    await vi.waitFor(
      async () => {
        const [rows] = await locker.query<mysql.RowDataPacket[]>(
          "SELECT COUNT(*) AS waiting FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE '%ApiRateLimit%' AND STATE LIKE '%lock%'",
          [db.name],
        );
        expect(Number(rows[0]!.waiting)).toBeGreaterThanOrEqual(1);
      },
      { timeout: 10_000 },
    );
    return { response };
  }

  it("lets a request in flight finish, refuses new connections, then exits 0", async () => {
    service = await spawnService({ DATABASE_URL: db.url, RATE_LIMIT_REQUESTS: "100", RATE_LIMIT_TIMEOUT_MS: "60000", SHUTDOWN_TIMEOUT_MS: "30000", REQUEST_TIMEOUT_MS: "60000" });
    const inFlight = (await requestStuckInDatabase(service)).response;

    service.child.kill("SIGTERM");
    // Stopped accepting: a new connection is refused while the old request still waits.
    await vi.waitFor(() => expect(rawRequest(service!.url, "GET", "/healthz")).rejects.toThrow(/ECONNREFUSED/));
    expect(service.child.exitCode).toBeNull();

    await locker.query("UNLOCK TABLES");
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ type: "multiinfo", resultcount: 1, results: [{ Name: "python3-actdiag" }] });
    expect(await service.exited).toBe(0);
    expect(service.logs().at(-1)).toMatchObject({ msg: "stopped" });
  });

  it("gives up on a request that outlasts SHUTDOWN_TIMEOUT_MS and still exits 0", async () => {
    service = await spawnService({ DATABASE_URL: db.url, RATE_LIMIT_REQUESTS: "100", RATE_LIMIT_TIMEOUT_MS: "60000", SHUTDOWN_TIMEOUT_MS: "500", REQUEST_TIMEOUT_MS: "60000" });
    const inFlight = (await requestStuckInDatabase(service)).response;
    const signalled = Date.now();
    service.child.kill("SIGTERM");

    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await service.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(service.logs().some((l) => l.msg === "shutdown deadline passed; closing the remaining connections")).toBe(true);
  });
});
