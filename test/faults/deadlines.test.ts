/**
 * The deadlines themselves (src/db/deadlines.ts), through the fault proxy: a query, a
 * streamed read and a wait for a connection each give up in time, and the connection
 * that timed out or failed leaves the pool instead of going back to it. Then readiness:
 * a snapshot that is no longer confirmed current turns /readyz 503.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeadlinePool } from "../../src/db/deadlines.js";
import { DatabaseTimeout } from "../../src/db/trouble.js";
import { TEST_SERVER_URL, type ScratchDatabase } from "../../support/database.js";
import { FaultProxy } from "../../support/fault-proxy.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { startService } from "../support/service.js";
import { get, waitFor } from "./support.js";

const DEADLINES = { acquireMs: 500, queryMs: 500, streamIdleMs: 500 };

/** Connections the pool holds, in use or idle (mysql2 keeps them in a private queue). */
const pooled = (pool: mysql.Pool) => (pool.pool as unknown as { _allConnections: { length: number } })._allConnections.length;

async function elapsedOf(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

describe("queries with deadlines", () => {
  let db: ScratchDatabase;
  let proxy: FaultProxy;
  let pool: mysql.Pool;
  let deadlinePool: DeadlinePool;

  beforeAll(async () => {
    db = await createLegacyDatabase("faults_deadlines", PUBLIC_DATASET);
    proxy = await FaultProxy.start(TEST_SERVER_URL);
    pool = mysql.createPool({ uri: proxy.reroute(db.url), connectionLimit: 1, connectTimeout: 2000 });
    deadlinePool = new DeadlinePool(pool, DEADLINES);
  });

  afterAll(async () => {
    await pool?.end().catch(() => {});
    await proxy?.close();
    await db?.drop();
  });

  it("a query that gets no answer fails at its deadline and its connection is destroyed", async () => {
    expect(await deadlinePool.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    expect(pooled(pool)).toBe(1);
    await proxy.setFault({ kind: "partition" });
    const { error, ms } = await elapsedOf(deadlinePool.query("SELECT 1 AS one"));
    expect(error).toBeInstanceOf(DatabaseTimeout);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1000);
    expect(pooled(pool)).toBe(0);
    await proxy.heal();
    expect(await deadlinePool.query("SELECT 2 AS two")).toEqual([{ two: 2 }]);
  });

  it("a streamed read cut mid-result fails instead of waiting for ever, and its connection is destroyed", async () => {
    await proxy.setFault({ kind: "reset", afterServerBytes: 16 * 1024 });
    let rows = 0;
    const { error, ms } = await elapsedOf(deadlinePool.streamRows("SELECT * FROM Packages", [], () => rows++));
    expect(error).toMatchObject({ code: expect.stringMatching(/ECONNRESET|PROTOCOL_CONNECTION_LOST/) });
    expect(rows).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
    expect(pooled(pool)).toBe(0);
    await proxy.heal();
  });

  it("a streamed read that stalls fails after the idle deadline", async () => {
    await deadlinePool.query("SELECT 1");
    let rows = 0;
    // The rows stop coming once the read is under way.
    const read = deadlinePool.streamRows("SELECT * FROM PackageDepends", [], () => {
      if (rows++ === 0) void proxy.setFault({ kind: "half-open", stop: "to-client" });
    });
    const { error, ms } = await elapsedOf(read);
    expect(error).toBeInstanceOf(DatabaseTimeout);
    expect((error as DatabaseTimeout).waitedFor).toBe("the next row");
    expect(rows).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1500);
    expect(pooled(pool)).toBe(0);
    await proxy.heal();
  });

  it("waiting for a connection of a full pool fails at its deadline", async () => {
    await deadlinePool.query("SELECT 1");
    await proxy.setFault({ kind: "partition" });
    // The pool's one connection is taken by a query that gets no answer.
    const holding = new DeadlinePool(pool, { ...DEADLINES, queryMs: 2000 }).query("SELECT 1").catch((e: unknown) => e);
    const { error, ms } = await elapsedOf(new DeadlinePool(pool, { ...DEADLINES, acquireMs: 200 }).query("SELECT 1"));
    expect(error).toBeInstanceOf(DatabaseTimeout);
    expect((error as DatabaseTimeout).waitedFor).toBe("a connection");
    expect(ms).toBeLessThan(500);
    expect(await holding).toBeInstanceOf(DatabaseTimeout);
    await proxy.heal();
    expect(await deadlinePool.query("SELECT 3 AS three")).toEqual([{ three: 3 }]);
  });
});

describe("readiness", () => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await createLegacyDatabase("faults_ready", PUBLIC_DATASET);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it("/readyz is 503 once the data was not confirmed current for READY_MAX_SNAPSHOT_AGE_MS", async () => {
    const service = await startService(db.url, { REFRESH_INTERVAL_MS: 100, READY_MAX_SNAPSHOT_AGE_MS: 1000 });
    try {
      await waitFor("ready", async () => (await get(service.url, "/readyz")).status === 200, 5000);
      // The refresh loop stops: the database is fine, but nothing confirms the data any more.
      await service.app.deps.readModel.stop();
      const after = await waitFor("not ready", async () => (await get(service.url, "/readyz")).status === 503, 3000);
      const readyz = await get(service.url, "/readyz");
      expect(readyz.json).toMatchObject({ ready: false, databaseReachable: true, snapshotLoaded: true, problem: "snapshot-too-old" });
      expect(readyz.json.snapshotAgeMs).toBeGreaterThan(1000);
      expect(after).toBeLessThan(1500);
    } finally {
      await service.close();
    }
  });
});
