/**
 * A change to the tables the indexes are built from (here a package's description)
 * needs a new snapshot. At 100K packages that is seconds of work, so it is done in
 * slices between requests while the previous snapshot keeps answering; this checks,
 * on the public data set, that a snapshot built in slices is exactly the one built at
 * once, and that requests are answered, from the previous snapshot, while it is built.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { loadSources, SOURCES, type SourceName, type SourceRows } from "../../src/readmodel/load.js";
import { probePlans } from "../../src/readmodel/plan.js";
import { Snapshot } from "../../src/readmodel/snapshot.js";
import { runAtOnce, runInSlices } from "../../src/readmodel/steps.js";
import { ReadModel } from "../../src/readmodel/store.js";
import { declarationsOf, type ScanPlans } from "../../src/readmodel/types.js";
import type { ScratchDatabase } from "../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../support/legacy-data.js";

/** Everything a snapshot answers from, as plain data. */
function contents(s: Snapshot) {
  const ids = (list: readonly { id: number }[]) => list.map((x) => x.id);
  const names = [...new Set(s.packages.flatMap((p) => [...declarationsOf(p)].map((d) => `${d.type}\u0000${d.name}`)))];
  return {
    packages: s.packages.map((p) => ({
      id: p.id,
      name: p.name,
      base: p.base.id,
      groups: p.groups,
      licenses: p.licenses,
      keywords: p.base.keywords,
      comaintainers: p.base.comaintainers,
      maintainer: p.base.maintainer,
      declarations: [...declarationsOf(p)],
    })),
    bases: s.bases.map((b) => [b.id, ids(b.packages), b.pendingRequests]),
    nameScan: ids(s.nameScan),
    orphanScan: ids(s.orphanScan),
    sortedByName: ids(s.packagesSortedByName),
    basesByName: ids(s.basesSortedByName),
    declarers: names.map((key) => {
      const [type, name] = key.split("\u0000") as [string, string];
      return ids(s.packagesDeclaring(type, name));
    }),
    textIndex: ["py", "lib", "pyth", "gtk-3", "xyzzy"].map((term) => [
      [...(s.nameIndex.candidates(term) ?? [])],
      [...(s.nameDescriptionIndex.candidates(term) ?? [])],
    ]),
  };
}

describe("rebuilding the snapshot while requests are answered", () => {
  let db: ScratchDatabase;
  let database: Database;
  let rows: SourceRows;
  let plans: ScanPlans;

  beforeAll(async () => {
    db = await createLegacyDatabase("rebuild", PUBLIC_DATASET);
    database = createDatabase(db.url, { poolSize: 4 });
    rows = await loadSources(database.readDb, Object.keys(SOURCES) as SourceName[]);
    plans = await probePlans(database.readDb);
  });

  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it("a snapshot built in slices is the snapshot built at once", async () => {
    const atOnce = runAtOnce(Snapshot.build(rows, plans, 0));
    let turns = 0;
    const spin = setInterval(() => turns++, 0);
    const sliced = await runInSlices(Snapshot.build(rows, plans, 0), { minMs: 0, maxMs: 0 });
    clearInterval(spin);
    expect(turns).toBeGreaterThan(10);
    expect(contents(sliced)).toEqual(contents(atOnce));
  });

  it("takes the previous text indexes over where names and descriptions are unchanged", () => {
    const first = runAtOnce(Snapshot.build(rows, plans, 0));
    const visible = first.nameScan[0]!;
    const withPackages = (change: (p: SourceRows["packages"][number]) => object) => ({
      ...rows,
      packages: rows.packages.map((p) => (p.id === visible.id ? { ...p, ...change(p) } : p)),
    });

    const newVersion = runAtOnce(Snapshot.build(withPackages(() => ({ version: "99-1" })), plans, 0, first.reusable()));
    expect(newVersion.nameIndex).toBe(first.nameIndex);
    expect(newVersion.nameDescriptionIndex).toBe(first.nameDescriptionIndex);

    const describedRows = withPackages((p) => ({ description: `${p.description ?? ""} xyzzy` }));
    const newDescription = runAtOnce(Snapshot.build(describedRows, plans, 0, first.reusable()));
    expect(newDescription.nameIndex).toBe(first.nameIndex);
    expect(newDescription.nameDescriptionIndex).not.toBe(first.nameDescriptionIndex);
    expect(contents(newDescription)).toEqual(contents(runAtOnce(Snapshot.build(describedRows, plans, 0))));
    expect([...newDescription.nameDescriptionIndex.candidates("XYZZY")!]).toEqual([0]);

    const renamed = runAtOnce(Snapshot.build(withPackages((p) => ({ name: `${p.name}-xyzzy` })), plans, 0, first.reusable()));
    expect(renamed.nameIndex).not.toBe(first.nameIndex);
    expect([...renamed.nameIndex.candidates("XYZZY")!]).toEqual([renamed.nameScan.findIndex((p) => p.id === visible.id)]);
  });

  it("answers from the previous snapshot until the new one is complete", async () => {
    const model = new ReadModel(database.readDb, { refreshIntervalMs: 60_000, rebuildSlices: { minMs: 0, maxMs: 0 } });
    const config = defaultConfig({ RATE_LIMIT_REQUESTS: 0, DATABASE_URL: db.url });
    const app: App = createApp({ db: database, config, readModel: model });
    await model.start();
    try {
      const sql = await mysql.createConnection(db.url);
      const [[pkg]] = await sql.query<mysql.RowDataPacket[]>(
        `SELECT p.Name AS name, p.Description AS description FROM Packages p
         JOIN PackageBases b ON b.ID = p.PackageBaseID
         WHERE b.PackagerUID IS NOT NULL AND p.Description IS NOT NULL ORDER BY p.ID LIMIT 1`,
      );
      const before = pkg!.description as string;
      const after = `${before} (rebuilt)`;
      await sql.query("UPDATE Packages SET Description = ? WHERE Name = ?", [after, pkg!.name]);
      await sql.end();
      const previous = model.current();

      const descriptions: string[] = [];
      let done = false;
      // The change is read at the first poll after the second it was made in (store.ts).
      const refreshed = (async () => {
        while (model.current() === previous) await model.refreshNow();
        done = true;
      })();
      while (!done) {
        const response = await app.hono.request(`/rpc/?v=5&type=info&arg[]=${encodeURIComponent(pkg!.name as string)}`);
        expect(response.status).toBe(200);
        const answer = (await response.json()) as { results: { Description: string }[] };
        descriptions.push(answer.results[0]!.Description);
        // A macrotask between requests: the refresh runs in the turns this leaves it.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await refreshed;

      // Every answer is whole: one snapshot or the other, the previous one while the next is built.
      expect(descriptions.every((d) => d === before || d === after)).toBe(true);
      expect(descriptions.filter((d) => d === before).length).toBeGreaterThan(100);
      const latest = await app.hono.request(`/rpc/?v=5&type=info&arg[]=${encodeURIComponent(pkg!.name as string)}`);
      expect(((await latest.json()) as { results: { Description: string }[] }).results[0]!.Description).toBe(after);
    } finally {
      await model.stop();
    }
  });
});
