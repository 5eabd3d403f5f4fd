/**
 * Network faults between the service and MariaDB, played by a proxy (support/
 * fault-proxy.ts): for each, while it lasts the service answers from memory without
 * waiting on the database and /readyz turns 503 within its deadlines, saying why; once
 * it heals, a change made during the fault shows in the answers within the freshness
 * bound plus a few seconds, and /readyz is 200 again. A fault that hangs instead of
 * failing (a partition, a stalled or half-open connection) is the case that matters:
 * without deadlines nothing ever fails, and nothing ever recovers.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SERVER_URL, type ScratchDatabase } from "../../support/database.js";
import { FaultProxy, type Fault } from "../../support/fault-proxy.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { startService, type RunningService } from "../support/service.js";
import { FAULT_CONFIG, get, RECOVERY_BOUND_MS, sleep, waitFor } from "./support.js";

type Row = mysql.RowDataPacket;

/** /readyz must say 503 this soon after a fault starts: a deadline (1 s), a poll interval, and slack. */
const NOT_READY_WITHIN_MS = 4000;
/** An answer from memory during a fault; a dependency search may wait 250 ms for its plan. */
const ANSWER_WITHIN_MS = 1000;

describe("network faults between the service and MariaDB", () => {
  let db: ScratchDatabase;
  let proxy: FaultProxy;
  let sql: mysql.Connection;
  let service: RunningService;
  let packages: { id: number; name: string }[];

  beforeAll(async () => {
    db = await createLegacyDatabase("faults_net", PUBLIC_DATASET);
    sql = await mysql.createConnection(db.url);
    proxy = await FaultProxy.start(TEST_SERVER_URL);
    const config = Object.fromEntries(Object.entries(FAULT_CONFIG).map(([k, v]) => [k, Number(v)]));
    service = await startService(proxy.reroute(db.url), config);
    const [rows] = await sql.query<Row[]>(
      `SELECT p.ID AS id, p.Name AS name FROM Packages p JOIN PackageBases b ON b.ID = p.PackageBaseID
       WHERE b.PackagerUID IS NOT NULL ORDER BY p.ID LIMIT 20`,
    );
    packages = rows as typeof packages;
  });

  afterAll(async () => {
    await service?.close();
    await proxy?.close();
    await sql?.end();
    await db?.drop();
  });

  const info = (name: string) => get(service.url, `/rpc/?v=5&type=info&arg[]=${encodeURIComponent(name)}`);

  const cases: { fault: Fault; label: string; problems: string[]; blocksReads: boolean }[] = [
    { label: "partition (both directions held silently)", fault: { kind: "partition" }, problems: ["timeout"], blocksReads: true },
    { label: "slow database (+2 s a packet)", fault: { kind: "delay", ms: 2000 }, problems: ["timeout"], blocksReads: true },
    { label: "half-open: answers lost", fault: { kind: "half-open", stop: "to-client" }, problems: ["timeout"], blocksReads: true },
    { label: "half-open: queries lost", fault: { kind: "half-open", stop: "to-server" }, problems: ["timeout"], blocksReads: true },
    {
      label: "corrupted packets",
      fault: { kind: "corrupt" },
      problems: ["connection-lost", "timeout", "database-error", "access-denied", "unreachable"],
      blocksReads: false,
    },
    { label: "connection refused", fault: { kind: "refuse" }, problems: ["unreachable"], blocksReads: true },
  ];

  for (const { fault, label, problems, blocksReads } of cases) {
    it(label, async () => {
      await waitFor("ready before the fault", async () => (await get(service.url, "/readyz")).status === 200, 10_000);
      const pkg = packages.shift()!;
      const changed = `changed during ${fault.kind} ${Date.now()}`;
      expect((await info(pkg.name)).json.results).toHaveLength(1);

      await proxy.setFault(fault);
      try {
        let readyz = await get(service.url, "/readyz");
        const notReadyAfter = await waitFor(
          `${label}: /readyz 503 with ${problems.join(" or ")}`,
          async () => {
            readyz = await get(service.url, "/readyz");
            return readyz.status === 503 && problems.includes(readyz.json.problem as string);
          },
          NOT_READY_WITHIN_MS,
        );
        expect(readyz.json).toMatchObject({ ready: false, databaseReachable: false, snapshotLoaded: true });
        expect(typeof readyz.json.message).toBe("string");

        // Answers come from memory, whatever the database does.
        for (const path of [
          `/rpc/?v=5&type=info&arg[]=${encodeURIComponent(pkg.name)}`,
          "/rpc/?v=5&type=search&arg=python",
          `/rpc/?v=5&type=search&by=depends&arg=fault-${fault.kind}-${Date.now()}`,
        ]) {
          const answer = await get(service.url, path);
          expect(answer.status, path).toBe(200);
          expect(answer.ms, path).toBeLessThan(ANSWER_WITHIN_MS);
        }

        // Made straight to MariaDB: the service sees it only through the proxy.
        await sql.query("UPDATE Packages SET Description = ? WHERE ID = ?", [changed, pkg.id]);
        await sleep(1500);
        if (blocksReads) expect((await info(pkg.name)).json.results).toMatchObject([{ Description: expect.not.stringMatching(changed) }]);
        const stillNotReady = await get(service.url, "/readyz");
        expect(stillNotReady.status).toBe(503);
        console.log(`${label}: /readyz 503 (${readyz.json.problem as string}) after ${notReadyAfter.toFixed(0)} ms`);
      } finally {
        await proxy.heal();
      }

      const shown = await waitFor(
        `${label}: the change made during the fault in the answers`,
        async () => {
          const results = (await info(pkg.name)).json.results as { Description?: string }[];
          return results[0]?.Description === changed;
        },
        RECOVERY_BOUND_MS + 5000,
      );
      const ready = await waitFor(`${label}: ready again`, async () => (await get(service.url, "/readyz")).status === 200, 5000);
      console.log(`${label}: change shown ${shown.toFixed(0)} ms after healing, ready ${ready.toFixed(0)} ms after that`);
      expect(shown).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    });
  }
});
