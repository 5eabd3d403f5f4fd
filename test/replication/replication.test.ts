/**
 * The service on real MariaDB replication: a primary with its binary log and a replica of
 * it, each its own mariadbd, replicating with MariaDB's own replication. The service
 * runs as a user without any administrative privilege, with DATABASE_URL on the primary
 * and DATABASE_REPLICA_URLS on the replica.
 *
 * Changes made on the primary (in row-based, statement-based and mixed binary logging)
 * show in the answers within the freshness bound plus the replica's lag; the rate limit
 * counts on the primary. Then replication is stopped and the replica killed: one instance
 * that may only read the replica keeps answering from its snapshot and says in /readyz and
 * /metrics how old its data is; one allowed to fall back reads the primary meanwhile.
 * Both come back to the replica by themselves. Throughout, whenever an answer lacks a
 * change committed on the primary, /readyz either says not ready or states a data age at
 * least as long as the change is old.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readUpload, writeUpload } from "../../support/upload.js";
import { loadSqlFile } from "../../tools/db/sql-file.js";
import { caughtUp, replicate, rootConnection, startPrivateMariadb, type PrivateMariadb } from "../../tools/db/private-mariadb.js";
import { PRODUCTION_STRUCTURE, SAMPLE_DATASET } from "../../tools/reference-data.js";
import { spawnService, type ServiceProcess } from "../../support/service-process.js";
import { rawRequest } from "../support/http.js";

const PRIMARY_PORT = 21310;
const REPLICA_PORT = 21311;
const REFRESH_INTERVAL_MS = 200;
/** As test/freshness: a change must be in the answers this long after it reached the server read. */
const FRESH_WITHIN_MS = 5000;
const READY_MAX_AGE_MS = 3000;
const REPLICA_MAX_LAG_MS = 1000;
/** How much earlier than the test saw it the service may time a moment (two processes, one clock). */
const CLOCK_SLACK_MS = 50;

type Row = mysql.RowDataPacket;

interface Readiness {
  status: number;
  ready: boolean;
  dataAgeMs: number | null;
  replicaLagMs: number | null;
  readSource: string | null;
  problem?: string;
}

async function readyz(service: ServiceProcess): Promise<Readiness> {
  const response = await rawRequest(service.url, "GET", "/readyz");
  return { status: response.status, ...(JSON.parse(response.body) as Omit<Readiness, "status">) };
}

async function info(service: ServiceProcess, name: string, headers: Record<string, string> = {}): Promise<Record<string, unknown> | undefined> {
  const response = await rawRequest(service.url, "GET", `/rpc/?v=5&type=info&arg[]=${encodeURIComponent(name)}`, headers);
  expect(response.status, response.body).toBe(200);
  return (JSON.parse(response.body) as { results: Record<string, unknown>[] }).results[0];
}

async function metric(service: ServiceProcess, line: RegExp): Promise<number | undefined> {
  const body = (await rawRequest(service.url, "GET", "/metrics")).body;
  const match = body.split("\n").find((l) => line.test(l));
  return match === undefined ? undefined : Number(match.split(" ").at(-1));
}

/** Milliseconds from `since` until `holds()`; throws after `giveUpMs`. */
async function until(what: string, holds: () => Promise<boolean>, since = performance.now(), giveUpMs = 20_000): Promise<number> {
  while (!(await holds())) {
    if (performance.now() - since > giveUpMs) throw new Error(`${what}: not within ${giveUpMs} ms`);
    await sleep(50);
  }
  const delay = performance.now() - since;
  console.log(`${what}: after ${delay.toFixed(0)} ms`);
  return delay;
}

/**
 * Watches one package's description, changed on the primary to a new marker at known
 * times: an answer still showing an older marker is data older than that change, and
 * /readyz must then be 503 or state a data age at least that old.
 */
class HonestyWatch {
  private marker = 0;
  private changedAt = 0;
  private running = true;
  readonly violations: string[] = [];
  samples = 0;
  staleSamples = 0;
  private readonly loop: Promise<void>;

  constructor(
    private readonly service: ServiceProcess,
    private readonly name: string,
  ) {
    this.loop = this.watch();
  }

  /** Called right after the change to `marker` committed on the primary. */
  changed(marker: number): void {
    this.marker = marker;
    this.changedAt = performance.now();
  }

  private async watch(): Promise<void> {
    while (this.running) {
      const asked = performance.now();
      const { marker, changedAt } = this;
      const state = await readyz(this.service).catch(() => undefined);
      const answer = await info(this.service, this.name).catch(() => undefined);
      if (state && answer) {
        this.samples++;
        const shown = Number(/^marker-(\d+)$/.exec(String(answer.Description))?.[1] ?? 0);
        if (shown < marker) {
          this.staleSamples++;
          const atLeast = asked - changedAt - CLOCK_SLACK_MS;
          if (state.ready && (state.dataAgeMs === null || state.dataAgeMs < atLeast)) {
            this.violations.push(`ready with dataAgeMs ${state.dataAgeMs} while answering data older than ${Math.round(atLeast)} ms`);
          }
        }
      }
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

describe("the service on a MariaDB primary and its replica", () => {
  let directory: string;
  let primary: PrivateMariadb | undefined;
  let replica: PrivateMariadb | undefined;
  let writer: mysql.Connection;
  /** Reads only the replica. */
  let replicaOnly: ServiceProcess | undefined;
  /** May fall back to the primary. */
  let withFallback: ServiceProcess | undefined;
  let watched: { name: string; baseId: number };
  let watches: HonestyWatch[] = [];
  let marker = 0;

  const primaryUrl = () => `mysql://aurweb:aurweb@127.0.0.1:${PRIMARY_PORT}/aurweb`;
  const replicaUrl = () => `mysql://aurweb:aurweb@127.0.0.1:${REPLICA_PORT}/aurweb`;

  async function onReplica<T>(use: (c: mysql.Connection) => Promise<T>): Promise<T> {
    const c = await rootConnection(replica!, "aurweb");
    try {
      return await use(c);
    } finally {
      await c.end();
    }
  }

  /** A visible package alone in its base, not used by another test. */
  async function takePackage(offset: number): Promise<{ id: number; name: string; baseId: number }> {
    const [[row]] = await writer.query<Row[]>(
      `SELECT p.ID AS id, p.Name AS name, b.ID AS baseId FROM Packages p JOIN PackageBases b ON b.ID = p.PackageBaseID
       WHERE b.PackagerUID IS NOT NULL AND (SELECT COUNT(*) FROM Packages q WHERE q.PackageBaseID = b.ID) = 1
       ORDER BY p.ID LIMIT 1 OFFSET ?`,
      [offset],
    );
    return row as { id: number; name: string; baseId: number };
  }

  /** Sets the watched package's description to the next marker, on the primary. */
  async function nextMarker(): Promise<string> {
    marker++;
    await writer.query("UPDATE Packages SET Description = ? WHERE PackageBaseID = ?", [`marker-${marker}`, watched.baseId]);
    for (const watch of watches) watch.changed(marker);
    return `marker-${marker}`;
  }

  const shows = (service: ServiceProcess, description: string) => async () => (await info(service, watched.name))?.Description === description;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "aurweb-replication-"));
    // Each is kept as soon as it runs, so afterAll stops it even if the other failed to start.
    const started = await Promise.allSettled([
      startPrivateMariadb({ directory: join(directory, "primary"), port: PRIMARY_PORT, serverId: 1, binlog: true }).then((s) => (primary = s)),
      startPrivateMariadb({ directory: join(directory, "replica"), port: REPLICA_PORT, serverId: 2, readOnly: true }).then((s) => (replica = s)),
    ]);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    if (!primary || !replica) throw new Error("a server did not start");
    await replicate(primary, replica);
    // Everything from here on reaches the replica through replication only.
    const root = await rootConnection(primary);
    await root.query(
      `CREATE DATABASE aurweb CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
       CREATE USER 'aurweb'@'127.0.0.1' IDENTIFIED BY 'aurweb';
       GRANT SELECT, INSERT, UPDATE, DELETE ON aurweb.* TO 'aurweb'@'127.0.0.1';`,
    );
    await root.end();
    await loadSqlFile(`${primary.url}/aurweb`, PRODUCTION_STRUCTURE);
    await loadSqlFile(`${primary.url}/aurweb`, SAMPLE_DATASET);
    await caughtUp(primary, replica);
    writer = await rootConnection(primary, "aurweb");
    watched = await takePackage(0);

    const env = {
      DATABASE_URL: primaryUrl(),
      DATABASE_REPLICA_URLS: replicaUrl(),
      REFRESH_INTERVAL_MS: String(REFRESH_INTERVAL_MS),
      READY_MAX_SNAPSHOT_AGE_MS: String(READY_MAX_AGE_MS),
      REPLICA_MAX_LAG_MS: String(REPLICA_MAX_LAG_MS),
      DB_RETRY_MAX_MS: "500",
      DB_ACQUIRE_TIMEOUT_MS: "1000",
      RATE_LIMIT_REQUESTS: "100000",
    };
    [replicaOnly, withFallback] = await Promise.all([spawnService(env), spawnService({ ...env, REPLICA_FALLBACK_TO_PRIMARY: "true" })]);
  });

  afterAll(async () => {
    await Promise.all(watches.map((w) => w.stop()));
    await Promise.all([replicaOnly?.stop(), withFallback?.stop()]);
    await writer?.end().catch(() => undefined);
    await Promise.all([primary?.kill(), replica?.kill()]);
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("reads the replica, as an unprivileged user, and knows it is current", async () => {
    for (const service of [replicaOnly!, withFallback!]) {
      const state = await readyz(service);
      expect(state).toMatchObject({ status: 200, ready: true, readSource: "replica" });
      expect(state.replicaLagMs).toBeLessThan(REPLICA_MAX_LAG_MS);
    }
    // The service's user may not write on the replica (read-only): any write it made went to the primary.
    const asService = await mysql.createConnection(replicaUrl());
    try {
      await expect(asService.query("UPDATE ApiRateLimit SET Requests = Requests WHERE IP = ''")).rejects.toThrow(/read-only/);
    } finally {
      await asService.end();
    }
  });

  it.each([
    { format: "ROW", change: "an upload" },
    { format: "STATEMENT", change: "a vote" },
    { format: "MIXED", change: "a deleted base" },
  ])("$change made on the primary ($format binary log) shows within the freshness bound plus the replica's lag", async ({ format, change }) => {
    await writer.query(`SET SESSION binlog_format = '${format}'`);
    const pkg = await takePackage({ ROW: 1, STATEMENT: 2, MIXED: 3 }[format]!);
    let write: () => Promise<unknown>;
    let visible: (service: ServiceProcess) => Promise<boolean>;
    if (change === "an upload") {
      const before = await readUpload(writer, pkg.baseId);
      write = () =>
        writeUpload(writer, { ...before, modifiedTS: Math.floor(Date.now() / 1000), packages: before.packages.map((p) => ({ ...p, version: "77.0-1" })) });
      visible = async (s) => {
        const result = await info(s, pkg.name);
        return result?.Version === "77.0-1" && result.ID !== pkg.id;
      };
    } else if (change === "a vote") {
      const [[voter]] = await writer.query<Row[]>(
        "SELECT ID FROM Users WHERE ID NOT IN (SELECT UsersID FROM PackageVotes WHERE PackageBaseID = ?) ORDER BY ID LIMIT 1",
        [pkg.baseId],
      );
      const votesBefore = (await info(replicaOnly!, pkg.name))!.NumVotes as number;
      write = async () => {
        await writer.beginTransaction();
        await writer.query("INSERT INTO PackageVotes (UsersID, PackageBaseID, VoteTS) VALUES (?, ?, UNIX_TIMESTAMP())", [voter!.ID, pkg.baseId]);
        await writer.query("UPDATE PackageBases SET NumVotes = NumVotes + 1 WHERE ID = ?", [pkg.baseId]);
        await writer.commit();
      };
      visible = async (s) => (await info(s, pkg.name))?.NumVotes === votesBefore + 1;
    } else {
      write = () => writer.query("DELETE FROM PackageBases WHERE ID = ?", [pkg.baseId]);
      visible = async (s) => (await info(s, pkg.name)) === undefined;
    }
    try {
      expect(await visible(replicaOnly!)).toBe(false);
      const started = performance.now();
      await write();
      await caughtUp(primary!, replica!);
      const lagMs = performance.now() - started;
      const delays = await Promise.all([replicaOnly!, withFallback!].map((s) => until(`${change} (${format})`, () => visible(s), started)));
      console.log(`${change} (${format}): on the replica after ${lagMs.toFixed(0)} ms`);
      for (const delay of delays) expect(delay).toBeLessThanOrEqual(FRESH_WITHIN_MS + lagMs);
      // Read from the replica, not the primary.
      expect((await readyz(replicaOnly!)).readSource).toBe("replica");
    } finally {
      await writer.query("SET SESSION binlog_format = DEFAULT");
    }
  });

  it("counts the rate limit on the primary", async () => {
    const address = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < 4; i++) await info(replicaOnly!, watched.name, { "X-Forwarded-For": address });
    // Each process adds its counts to the store once a flush interval (a second).
    await vi.waitFor(
      async () => {
        const [[counted]] = await writer.query<Row[]>("SELECT Requests FROM ApiRateLimit WHERE IP = ?", [address]);
        expect(counted?.Requests).toBe(4);
      },
      { timeout: 5000, interval: 200 },
    );
  });

  it("with replication stopped: answers from its snapshot, says how old it is, and catches up when it resumes", async () => {
    watches = [new HonestyWatch(replicaOnly!, watched.name), new HonestyWatch(withFallback!, watched.name)];
    await onReplica((c) => c.query("STOP SLAVE"));
    const stoppedAt = performance.now();
    const description = await nextMarker();

    // The instance that may only read the replica serves the old data, and says so.
    await until("replica-only instance not ready (lag)", async () => (await readyz(replicaOnly!)).problem === "replica-lag", stoppedAt);
    expect((await info(replicaOnly!, watched.name))?.Description).not.toBe(description);
    expect((await readyz(replicaOnly!)).dataAgeMs).toBeGreaterThan(READY_MAX_AGE_MS);
    expect(await metric(replicaOnly!, /^aurweb_replica_lag_seconds\{replica="replica"\}/)).toBeGreaterThan(REPLICA_MAX_LAG_MS / 1000);
    expect(await metric(replicaOnly!, /^aurweb_data_age_seconds /)).toBeGreaterThan(READY_MAX_AGE_MS / 1000);

    // The one allowed to fall back reads the primary, stays ready and shows the change.
    await until("fallback instance shows the change from the primary", shows(withFallback!, description), stoppedAt);
    expect(await readyz(withFallback!)).toMatchObject({ ready: true, readSource: "primary", replicaLagMs: 0 });
    expect(await metric(withFallback!, /^aurweb_read_source\{source="primary"\}/)).toBe(1);

    await onReplica((c) => c.query("START SLAVE"));
    const resumedAt = performance.now();
    await until("replica-only instance shows the change after replication resumes", shows(replicaOnly!, description), resumedAt);
    await until("replica-only instance ready again", async () => (await readyz(replicaOnly!)).ready, resumedAt);
    // Ready once the reload from the replica is confirmed: its full reload counts in the snapshot's age.
    await until(
      "fallback instance back on the replica and ready",
      async () => {
        const state = await readyz(withFallback!);
        return state.readSource === "replica" && state.ready;
      },
      resumedAt,
    );
  });

  it("with the replica killed and restarted: keeps answering, fails over, and returns by itself", async () => {
    await replica!.kill();
    const killedAt = performance.now();
    const description = await nextMarker();

    await until("replica-only instance not ready (replica down)", async () => !(await readyz(replicaOnly!)).ready, killedAt);
    expect((await info(replicaOnly!, watched.name))?.Description).not.toBe(description);
    await until("fallback instance shows the change from the primary", shows(withFallback!, description), killedAt);
    expect(await readyz(withFallback!)).toMatchObject({ ready: true, readSource: "primary" });
    expect(await metric(withFallback!, /^aurweb_replica_up\{replica="replica"\}/)).toBe(0);

    await replica!.start();
    const restartedAt = performance.now();
    // It resumes replication from where it was (GTID position kept in InnoDB), and both instances come back to it.
    await until("replica-only instance shows the change", shows(replicaOnly!, description), restartedAt);
    await until("replica-only instance ready again", async () => (await readyz(replicaOnly!)).ready, restartedAt);
    await until("fallback instance back on the replica", async () => (await readyz(withFallback!)).readSource === "replica", restartedAt);

    await Promise.all(watches.map((w) => w.stop()));
    for (const watch of watches) {
      expect(watch.violations.slice(0, 5)).toEqual([]);
      // The watch did see stale answers: the check had something to check.
      expect(watch.samples).toBeGreaterThan(20);
    }
    expect(watches[0]!.staleSamples).toBeGreaterThan(5);
  });
});
