/**
 * Faults that cut a table read in the middle, against the service as it runs in
 * production: a process with two workers, each with its own read model. A connection
 * reset mid-result, and a real mariadbd killed with SIGKILL while the workers reload and
 * then started again. Before the read had a deadline, the stream of the cut read never
 * ended and that worker served its old data for good; now every worker must show the
 * change within the freshness bound plus a few seconds of the fault healing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureLocalMariadb } from "../../tools/devdb/local-mariadb.js";
import { TEST_SERVER_URL, type ScratchDatabase } from "../../support/database.js";
import { FaultProxy } from "../../support/fault-proxy.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { everyWorkerShows, FAULT_CONFIG, get, RECOVERY_BOUND_MS, sleep, spawnServiceProcess, waitFor, type ServiceProcess } from "./support.js";

type Row = mysql.RowDataPacket;

/** The Packages table of the sample data is several hundred KB: a result this far in is mid-read. */
const MID_RESULT_BYTES = 32 * 1024;

async function somePackage(connection: mysql.Connection): Promise<{ id: number; name: string }> {
  const [[row]] = await connection.query<Row[]>(
    `SELECT p.ID AS id, p.Name AS name FROM Packages p JOIN PackageBases b ON b.ID = p.PackageBaseID
     WHERE b.PackagerUID IS NOT NULL ORDER BY p.ID DESC LIMIT 1`,
  );
  return row as { id: number; name: string };
}

const infoPath = (name: string) => `/rpc/?v=5&type=info&arg[]=${encodeURIComponent(name)}`;
const describes = (text: string) => (answer: { json: Record<string, unknown> }) =>
  (answer.json.results as { Description?: string }[] | undefined)?.[0]?.Description === text;

async function startTwoWorkers(databaseUrl: string): Promise<ServiceProcess> {
  const service = await spawnServiceProcess({ ...FAULT_CONFIG, WORKERS: "2", DATABASE_URL: databaseUrl });
  await waitFor("both workers ready", () => everyWorkerShows(service.url, "/readyz", (a) => a.status === 200), 60_000, 200);
  return service;
}

/** During a fault: every worker answers from memory at once, with one of `descriptions`. */
async function expectAnswersFromMemory(service: ServiceProcess, name: string, ...descriptions: string[]): Promise<void> {
  for (let i = 0; i < 6; i++) {
    const answer = await get(service.url, infoPath(name));
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(1000);
    expect(descriptions.some((d) => describes(d)(answer)), answer.body.slice(0, 300)).toBe(true);
  }
}

describe("a table read cut in the middle, with two workers", () => {
  let db: ScratchDatabase;
  let proxy: FaultProxy;
  let sql: mysql.Connection;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    db = await createLegacyDatabase("faults_reset", PUBLIC_DATASET);
    sql = await mysql.createConnection(db.url);
    proxy = await FaultProxy.start(TEST_SERVER_URL);
  });

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    await sql?.end();
    await db?.drop();
  });

  it("a connection reset mid-result: every worker catches up once the resets stop", async () => {
    service = await startTwoWorkers(proxy.reroute(db.url));
    const pkg = await somePackage(sql);
    const before = ((await get(service.url, infoPath(pkg.name))).json.results as { Description: string }[])[0]!.Description;
    const changed = `changed while reads were cut ${Date.now()}`;

    await proxy.setFault({ kind: "reset", afterServerBytes: MID_RESULT_BYTES });
    await sql.query("UPDATE Packages SET Description = ? WHERE ID = ?", [changed, pkg.id]);
    await waitFor("a reload cut mid-result", async () => proxy.resets >= 2, 10_000);
    let readyz = await get(service.url, "/readyz");
    await waitFor("/readyz 503", async () => (readyz = await get(service!.url, "/readyz")).status === 503, 5000);
    console.log(`reset mid-result: /readyz 503 (${readyz.json.problem as string})`);
    await expectAnswersFromMemory(service, pkg.name, before);
    await sleep(1000);
    await expectAnswersFromMemory(service, pkg.name, before);
    console.log(`reset mid-result: ${proxy.resets} connections reset during the fault`);

    await proxy.heal();
    const shown = await waitFor("every worker shows the change", () => everyWorkerShows(service!.url, infoPath(pkg.name), describes(changed)), RECOVERY_BOUND_MS + 10_000);
    console.log(`reset mid-result: every worker shows the change ${shown.toFixed(0)} ms after healing`);
    expect(shown).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect(await everyWorkerShows(service.url, "/readyz", (a) => a.status === 200)).toBe(true);
  });
});

describe("a real mariadbd killed while the workers reload", () => {
  let directory: string;
  let mariadbPid: number | undefined;
  let proxy: FaultProxy | undefined;
  let service: ServiceProcess | undefined;

  const isRunning = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "aurweb-faults-mariadb-"));
  });

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    if (mariadbPid !== undefined && isRunning(mariadbPid)) {
      process.kill(mariadbPid, "SIGTERM");
      await waitFor("mariadbd stopped", async () => !isRunning(mariadbPid!), 30_000, 100).catch(() => process.kill(mariadbPid!, "SIGKILL"));
    }
    await rm(directory, { recursive: true, force: true });
  });

  it("serves from memory while it is down and every worker catches up once it is back", async () => {
    const server = await ensureLocalMariadb({ directory, dataset: PUBLIC_DATASET, say: () => {} });
    mariadbPid = server.pid;
    // The service reaches it through a proxy, so that it keeps its address when the
    // server comes back on another port, and so that the test sees when a long read runs.
    proxy = await FaultProxy.start(server.url);
    service = await startTwoWorkers(proxy.reroute(server.url));

    const sql = await mysql.createConnection(server.url);
    const pkg = await somePackage(sql);
    const before = ((await get(service.url, infoPath(pkg.name))).json.results as { Description: string }[])[0]!.Description;
    const changed = `changed just before the crash ${Date.now()}`;
    // Packets 20 ms apart stretch the reload, so that the kill lands in the middle of it.
    await proxy.setFault({ kind: "delay", ms: 20 });
    proxy.mark();
    await sql.query("UPDATE Packages SET Description = ? WHERE ID = ?", [changed, pkg.id]);
    await sql.end().catch(() => {});
    await proxy.waitForServerBytes(MID_RESULT_BYTES, 10_000);
    process.kill(server.pid, "SIGKILL");
    await waitFor("mariadbd gone", async () => !isRunning(server.pid), 10_000, 20);
    await proxy.heal();

    let readyz = await get(service.url, "/readyz");
    await waitFor("/readyz 503", async () => (readyz = await get(service!.url, "/readyz")).status === 503, 5000);
    console.log(`killed mariadbd: /readyz 503 (${readyz.json.problem as string})`);
    // A worker whose read ended before the kill may show the change already.
    await expectAnswersFromMemory(service, pkg.name, before, changed);

    const restarted = await ensureLocalMariadb({ directory, dataset: PUBLIC_DATASET, say: () => {} });
    mariadbPid = restarted.pid;
    proxy.retarget(Number(new URL(restarted.url).port));
    const shown = await waitFor("every worker shows the change", () => everyWorkerShows(service!.url, infoPath(pkg.name), describes(changed)), RECOVERY_BOUND_MS + 10_000);
    console.log(`killed mariadbd: every worker shows the change ${shown.toFixed(0)} ms after it answers again`);
    expect(shown).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect(await everyWorkerShows(service.url, "/readyz", (a) => a.status === 200)).toBe(true);
  });
});
