/**
 * The service answers from memory, so every change the legacy site makes to the tables
 * the RPC reads must reach that memory by itself, soon: within 5 s here, with the read
 * model polling every 500 ms. Each test makes one kind of change the way the legacy site
 * (or its nightly job) does, then polls the service until its answers show it.
 *
 * Then MariaDB going away: the service keeps answering from its last snapshot, answers a
 * 503 when it never had one, and catches up by itself when MariaDB is back.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SERVER_URL, type ScratchDatabase } from "../../support/database.js";
import { rawRequest } from "../support/http.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { startService, type RunningService } from "../support/service.js";
import { readUpload, writeUpload } from "../../support/upload.js";
import { FaultProxy } from "../../support/fault-proxy.js";

const FRESH_WITHIN_MS = 5000;
/** Polling goes on past the limit, so a slow change is reported with its real delay. */
const GIVE_UP_MS = 15_000;
const POLL_MS = 50;
const REFRESH_INTERVAL_MS = 500;

type Row = mysql.RowDataPacket;
type Result = Record<string, unknown>;

interface Answer {
  status: number;
  type: string;
  results: Result[];
  error?: string;
}

async function rpc(service: RunningService, query: string): Promise<Answer> {
  const response = await rawRequest(service.url, "GET", `/rpc/?v=5&${query}`);
  return { status: response.status, ...(JSON.parse(response.body) as Omit<Answer, "status">) };
}

async function info(service: RunningService, name: string): Promise<Result | undefined> {
  return (await rpc(service, `type=info&arg[]=${encodeURIComponent(name)}`)).results[0];
}

async function searchNames(service: RunningService, query: string): Promise<unknown[]> {
  return (await rpc(service, query)).results.map((result) => result.Name);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds until `shows()` holds, polling the service; throws past GIVE_UP_MS. */
async function delayUntil(change: string, shows: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await shows())) {
    if (performance.now() - started > GIVE_UP_MS) throw new Error(`${change}: not in the answers after ${GIVE_UP_MS} ms`);
    await sleep(POLL_MS);
  }
  const delay = performance.now() - started;
  console.log(`${change}: in the answers after ${delay.toFixed(0)} ms`);
  return delay;
}

describe("changes the legacy site makes show in the answers within 5 s", () => {
  let db: ScratchDatabase;
  let service: RunningService;
  let sql: mysql.Connection;
  /** Visible packages alone in their base and with dependencies, one per test so tests don't meet. */
  let packages: { id: number; name: string; baseId: number }[];
  let users: { id: number; username: string }[];

  beforeAll(async () => {
    db = await createLegacyDatabase("freshness", PUBLIC_DATASET);
    sql = await mysql.createConnection({ uri: db.url, decimalNumbers: true });
    service = await startService(db.url, { REFRESH_INTERVAL_MS });
    const [packageRows] = await sql.query<Row[]>(
      `SELECT p.ID AS id, p.Name AS name, b.ID AS baseId
       FROM Packages p JOIN PackageBases b ON b.ID = p.PackageBaseID
       WHERE b.PackagerUID IS NOT NULL
         AND (SELECT COUNT(*) FROM Packages q WHERE q.PackageBaseID = b.ID) = 1
         AND EXISTS (SELECT 1 FROM PackageDepends d JOIN DependencyTypes t ON t.ID = d.DepTypeID
                     WHERE d.PackageID = p.ID AND t.Name = 'depends')
       ORDER BY p.ID LIMIT 20`,
    );
    packages = packageRows as typeof packages;
    const [userRows] = await sql.query<Row[]>("SELECT ID AS id, Username AS username FROM Users ORDER BY ID LIMIT 20");
    users = userRows as typeof users;
  });

  afterAll(async () => {
    await service?.close();
    await sql?.end();
    await db?.drop();
  });

  const take = () => packages.shift()!;

  /**
   * Checks that the answers don't show the change yet, makes it (in one transaction,
   * as the legacy site does), and requires the answers to show it within 5 s.
   */
  async function expectFresh(change: string, write: () => Promise<unknown>, shows: () => Promise<boolean>): Promise<void> {
    expect(await shows(), `${change}: the answers show it before it is made`).toBe(false);
    await sql.beginTransaction();
    await write();
    await sql.commit();
    expect(await delayUntil(change, shows)).toBeLessThanOrEqual(FRESH_WITHIN_MS);
  }

  it("a new package (base, package, then its packager)", async () => {
    const user = users[0]!;
    await expectFresh(
      "new package",
      async () => {
        const [base] = await sql.query<mysql.ResultSetHeader>(
          `INSERT INTO PackageBases (Name, SubmittedTS, ModifiedTS, SubmitterUID, MaintainerUID, FlaggerComment)
           VALUES ('freshness-new', UNIX_TIMESTAMP(), UNIX_TIMESTAMP(), ?, ?, '')`,
          [user.id, user.id],
        );
        await sql.query("INSERT INTO Packages (PackageBaseID, Name, Version, Description) VALUES (?, 'freshness-new', '1.0-1', 'New')", [
          base.insertId,
        ]);
        await sql.query("UPDATE PackageBases SET PackagerUID = ? WHERE ID = ?", [user.id, base.insertId]);
      },
      async () => (await info(service, "freshness-new"))?.Version === "1.0-1",
    );
  });

  it("an updated package (version, description)", async () => {
    const pkg = take();
    await expectFresh(
      "updated package",
      async () => {
        await sql.query("UPDATE Packages SET Version = '99.0-1', Description = 'Updated' WHERE ID = ?", [pkg.id]);
        await sql.query("UPDATE PackageBases SET ModifiedTS = UNIX_TIMESTAMP() WHERE ID = ?", [pkg.baseId]);
      },
      async () => {
        const result = await info(service, pkg.name);
        return result?.Version === "99.0-1" && result.Description === "Updated";
      },
    );
  });

  it("an upload, written as the legacy git hook writes it (the base's packages deleted and inserted with new IDs)", async () => {
    const pkg = take();
    const [[depends]] = await sql.query<Row[]>("SELECT ID FROM DependencyTypes WHERE Name = 'depends'");
    const before = await readUpload(sql, pkg.baseId);
    const shows = async () => {
      const result = await info(service, pkg.name);
      const dependents = await searchNames(service, "type=search&by=depends&arg=freshness-upload-dep");
      return result?.Version === "100.0-1" && result.ID !== pkg.id && dependents.includes(pkg.name);
    };
    expect(await shows(), "upload: the answers show it before it is made").toBe(false);
    await writeUpload(sql, {
      ...before,
      modifiedTS: Math.floor(Date.now() / 1000),
      packages: before.packages.map((p) => ({
        ...p,
        version: "100.0-1",
        rows: { ...p.rows, PackageDepends: [...p.rows.PackageDepends, [depends!.ID, "freshness-upload-dep", null, ">=1", null]] },
      })),
    });
    expect(await delayUntil("upload", shows)).toBeLessThanOrEqual(FRESH_WITHIN_MS);
  });

  it("a deleted package base, with the packages it cascades to", async () => {
    const [[base]] = await sql.query<Row[]>(
      `SELECT b.ID AS id, GROUP_CONCAT(p.Name) AS names FROM PackageBases b JOIN Packages p ON p.PackageBaseID = b.ID
       WHERE b.PackagerUID IS NOT NULL GROUP BY b.ID HAVING COUNT(*) >= 2 ORDER BY b.ID LIMIT 1`,
    );
    const names = (base!.names as string).split(",");
    const query = `type=info${names.map((name) => `&arg[]=${encodeURIComponent(name)}`).join("")}`;
    expect((await rpc(service, query)).results).toHaveLength(names.length);
    await expectFresh(
      "deleted package base",
      () => sql.query("DELETE FROM PackageBases WHERE ID = ?", [base!.id]),
      async () => (await rpc(service, query)).results.length === 0,
    );
    const [[left]] = await sql.query<Row[]>("SELECT COUNT(*) AS n FROM Packages WHERE PackageBaseID = ?", [base!.id]);
    expect(left!.n).toBe(0);
  });

  it("changed dependencies (search by depends, info Depends)", async () => {
    const pkg = take();
    const [[old]] = await sql.query<Row[]>(
      `SELECT d.DepName AS name, CONCAT(d.DepName, COALESCE(d.DepCondition, '')) AS declared, d.DepTypeID AS typeId
       FROM PackageDepends d JOIN DependencyTypes t ON t.ID = d.DepTypeID
       WHERE d.PackageID = ? AND t.Name = 'depends' LIMIT 1`,
      [pkg.id],
    );
    const { name, declared, typeId } = old as { name: string; declared: string; typeId: number };
    await expectFresh(
      "changed dependencies",
      async () => {
        await sql.query("DELETE FROM PackageDepends WHERE PackageID = ? AND DepTypeID = ? AND DepName = ?", [pkg.id, typeId, name]);
        await sql.query("INSERT INTO PackageDepends (PackageID, DepTypeID, DepName, DepCondition) VALUES (?, ?, 'freshness-dep', '>=2')", [
          pkg.id,
          typeId,
        ]);
      },
      async () => {
        const depends = ((await info(service, pkg.name))?.Depends ?? []) as string[];
        return (
          depends.includes("freshness-dep>=2") &&
          !depends.includes(declared) &&
          (await searchNames(service, "type=search&by=depends&arg=freshness-dep")).includes(pkg.name) &&
          !(await searchNames(service, `type=search&by=depends&arg=${encodeURIComponent(name)}`)).includes(pkg.name)
        );
      },
    );
  });

  it("a vote (NumVotes)", async () => {
    const pkg = take();
    const votes = (await info(service, pkg.name))!.NumVotes as number;
    const [[voter]] = await sql.query<Row[]>(
      "SELECT ID AS id FROM Users WHERE ID NOT IN (SELECT UsersID FROM PackageVotes WHERE PackageBaseID = ?) ORDER BY ID LIMIT 1",
      [pkg.baseId],
    );
    await expectFresh(
      "vote",
      async () => {
        await sql.query("INSERT INTO PackageVotes (UsersID, PackageBaseID, VoteTS) VALUES (?, ?, UNIX_TIMESTAMP())", [voter!.id, pkg.baseId]);
        await sql.query("UPDATE PackageBases SET NumVotes = NumVotes + 1 WHERE ID = ?", [pkg.baseId]);
      },
      async () => (await info(service, pkg.name))?.NumVotes === votes + 1,
    );
  });

  it("an out-of-date flag (OutOfDate)", async () => {
    const pkg = take();
    const flaggedAt = Math.floor(Date.now() / 1000);
    await expectFresh(
      "out-of-date flag",
      () =>
        sql.query("UPDATE PackageBases SET OutOfDateTS = ?, FlaggerUID = ?, FlaggerComment = 'new release' WHERE ID = ?", [
          flaggedAt,
          users[0]!.id,
          pkg.baseId,
        ]),
      async () => (await info(service, pkg.name))?.OutOfDate === flaggedAt,
    );
  });

  it("a maintainer change (msearch, Maintainer)", async () => {
    const pkg = take();
    const maintainer = (await info(service, pkg.name))!.Maintainer;
    const next = users.find((user) => user.username !== maintainer)!;
    await expectFresh(
      "maintainer change",
      () => sql.query("UPDATE PackageBases SET MaintainerUID = ? WHERE ID = ?", [next.id, pkg.baseId]),
      async () =>
        (await info(service, pkg.name))?.Maintainer === next.username &&
        (await searchNames(service, `type=msearch&arg=${encodeURIComponent(next.username)}`)).includes(pkg.name),
    );
  });

  it("popularity recomputed by the nightly job (Popularity)", async () => {
    const pkg = take();
    const before = (await info(service, pkg.name))!.Popularity;
    // A vote cast now adds about 1 to the package's popularity once the job runs.
    await sql.query(
      `INSERT INTO PackageVotes (UsersID, PackageBaseID, VoteTS)
       SELECT ID, ?, UNIX_TIMESTAMP() FROM Users
       WHERE ID NOT IN (SELECT UsersID FROM PackageVotes WHERE PackageBaseID = ?) LIMIT 1`,
      [pkg.baseId, pkg.baseId],
    );
    let after: number | undefined;
    await expectFresh(
      "popularity",
      async () => {
        // aurweb's popupdate: every base, from the votes' ages.
        await sql.query(
          `UPDATE PackageBases SET Popularity = (
             SELECT COALESCE(SUM(POWER(0.98, (UNIX_TIMESTAMP() - VoteTS) / 86400)), 0.0)
             FROM PackageVotes WHERE PackageVotes.PackageBaseID = PackageBases.ID AND NOT VoteTS IS NULL)`,
        );
        const [[row]] = await sql.query<Row[]>("SELECT Popularity FROM PackageBases WHERE ID = ?", [pkg.baseId]);
        after = row!.Popularity as number;
      },
      async () => after !== undefined && (await info(service, pkg.name))?.Popularity === after,
    );
    expect(after).not.toBe(before);
  });

  it("keywords (Keywords)", async () => {
    const pkg = take();
    await expectFresh(
      "keyword",
      () => sql.query("INSERT INTO PackageKeywords (PackageBaseID, Keyword) VALUES (?, 'freshness-keyword')", [pkg.baseId]),
      async () => ((await info(service, pkg.name))?.Keywords as string[] | undefined)?.includes("freshness-keyword") === true,
    );
  });
});

describe("when MariaDB cannot be reached", () => {
  /** Attempts while it fails come at most a second apart (DB_RETRY_MAX_MS), so the 5 s bound holds after it returns. */
  const OUTAGE_CONFIG = { REFRESH_INTERVAL_MS, DB_RETRY_MAX_MS: 1000 };
  let db: ScratchDatabase;
  let proxy: FaultProxy;
  let sql: mysql.Connection;
  /** The scratch database, reached through the proxy. */
  let proxiedUrl: string;

  beforeAll(async () => {
    db = await createLegacyDatabase("outage", PUBLIC_DATASET);
    sql = await mysql.createConnection(db.url);
    proxy = await FaultProxy.start(TEST_SERVER_URL);
    proxiedUrl = proxy.reroute(db.url);
  });

  afterAll(async () => {
    await proxy?.close();
    await sql?.end();
    await db?.drop();
  });

  it("keeps answering from memory, and catches up by itself when MariaDB is back", async () => {
    const service = await startService(proxiedUrl, OUTAGE_CONFIG);
    try {
      const [[pkg]] = await sql.query<Row[]>(
        `SELECT p.ID AS id, p.Name AS name FROM Packages p JOIN PackageBases b ON b.ID = p.PackageBaseID
         WHERE b.PackagerUID IS NOT NULL ORDER BY p.ID LIMIT 1`,
      );
      const name = pkg!.name as string;
      expect((await info(service, name))?.Name).toBe(name);

      await proxy.setFault({ kind: "cut" });
      await delayUntil("outage noticed", async () => (await rawRequest(service.url, "GET", "/readyz")).status === 503);
      for (const query of [`type=info&arg[]=${encodeURIComponent(name)}`, "type=search&arg=python"]) {
        const started = performance.now();
        const answer = await rpc(service, query);
        expect(answer.status).toBe(200);
        expect(answer.results.length).toBeGreaterThan(0);
        expect(performance.now() - started).toBeLessThan(1000);
      }

      // Made straight to MariaDB: the service cannot see it until the proxy is back.
      await sql.query("UPDATE Packages SET Description = 'changed during the outage' WHERE ID = ?", [pkg!.id]);
      await sleep(4 * REFRESH_INTERVAL_MS);
      expect((await info(service, name))?.Description).not.toBe("changed during the outage");

      await proxy.heal();
      const delay = await delayUntil(
        "change made during the outage",
        async () => (await info(service, name))?.Description === "changed during the outage",
      );
      expect(delay).toBeLessThanOrEqual(FRESH_WITHIN_MS);
    } finally {
      await proxy.heal();
      await service.close();
    }
  });

  it("started while MariaDB is unreachable, answers a JSON 503 within 3 s, then recovers", async () => {
    await proxy.setFault({ kind: "cut" });
    const service = await startService(proxiedUrl, OUTAGE_CONFIG);
    try {
      const started = performance.now();
      const answer = await rpc(service, "type=info&arg[]=bash");
      const elapsed = performance.now() - started;
      console.log(`answer without a snapshot: ${answer.status} after ${elapsed.toFixed(0)} ms`);
      expect(answer.status).toBe(503);
      expect(answer.type).toBe("error");
      expect(typeof answer.error).toBe("string");
      expect(elapsed).toBeLessThanOrEqual(3000);

      await proxy.heal();
      const delay = await delayUntil("first snapshot after the outage", async () => (await rpc(service, "type=search&arg=python")).status === 200);
      expect(delay).toBeLessThanOrEqual(FRESH_WITHIN_MS);
    } finally {
      await proxy.heal();
      await service.close();
    }
  });
});
