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
import type { Database } from "../../src/db/client.js";
import { loadSources, type SourceRows } from "../../src/readmodel/load.js";
import { Snapshot } from "../../src/readmodel/snapshot.js";
import { runAtOnce, runInSlices } from "../../src/readmodel/steps.js";
import { ReadModel } from "../../src/readmodel/store.js";
import type { BaseRow, ScanPlans } from "../../src/readmodel/types.js";
import { searchByText } from "../../src/rpc/lookup.js";
import type { ScratchDatabase } from "../../support/database.js";
import { readPublicDataSet, type PublicRows } from "../support/public-rows.js";

const TERMS = ["py", "lib", "pyth", "gtk-3", "xyzzy", "library", "python"];

/** Everything a snapshot answers from, as plain data. */
function contents(s: Snapshot) {
  const ids = (list: readonly { id: number }[]) => list.map((x) => x.id);
  const names = [...new Set(s.packages.flatMap((p) => [...s.declarationsOf(p)].map((d) => `${d.type}\u0000${d.name}`)))];
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
      declarations: [...s.declarationsOf(p)],
    })),
    bases: s.bases.map((b) => [b.id, ids(s.packagesOf(b)), b.pendingRequests]),
    nameScan: ids(s.nameScan),
    orphanScan: ids(s.orphanScan),
    packagerScan: ids(s.scanOrder("packager")),
    packageNames: s.packageNames,
    baseNames: s.baseNames,
    declarers: names.map((key) => {
      const [type, name] = key.split("\u0000") as [string, string];
      return ids(s.packagesDeclaring(type, name));
    }),
    // What the text indexes answer, not their candidates: one carried over with changed
    // documents beside it offers more candidates than a fresh one, and the same answers.
    textSearches: TERMS.map((term) => [ids(searchByText(s, term, false, 100_000)), ids(searchByText(s, term, true, 100_000))]),
  };
}

describe("rebuilding the snapshot while requests are answered", () => {
  let source: PublicRows;
  let db: ScratchDatabase;
  let database: Database;
  let rows: SourceRows;
  let plans: ScanPlans;

  beforeAll(async () => {
    source = await readPublicDataSet("rebuild", 4);
    ({ db, database, rows, plans } = source);
  });

  afterAll(async () => source?.close());

  it("a snapshot built in slices is the snapshot built at once", async () => {
    const atOnce = runAtOnce(Snapshot.build(rows, plans));
    let turns = 0;
    const spin = setInterval(() => turns++, 0);
    const sliced = await runInSlices(Snapshot.build(rows, plans), { minMs: 0, maxMs: 0 });
    clearInterval(spin);
    expect(turns).toBeGreaterThan(10);
    expect(contents(sliced)).toEqual(contents(atOnce));
  });

  it("carries the text indexes over, with the packages whose name or description changed beside them", () => {
    const first = runAtOnce(Snapshot.build(rows, plans));
    const changed = first.nameScan.slice(0, 3).map((p) => p.id);
    const withPackages = (ids: readonly number[], change: (p: SourceRows["packages"][number]) => object) => ({
      ...rows,
      packages: rows.packages.map((p) => (ids.includes(p.id) ? { ...p, ...change(p) } : p)),
    });
    const rebuilt = (changedRows: SourceRows) => {
      const carried = runAtOnce(Snapshot.build(changedRows, plans, first.reusable()));
      expect(contents(carried)).toEqual(contents(runAtOnce(Snapshot.build(changedRows, plans))));
      return carried;
    };

    const newVersion = rebuilt(withPackages(changed, () => ({ version: "99-1" })));
    expect(newVersion.nameIndex).toBe(first.nameIndex);
    expect(newVersion.nameDescriptionIndex).toBe(first.nameDescriptionIndex);

    const described = rebuilt(withPackages(changed, (p) => ({ description: `${p.description ?? ""} xyzzy` })));
    expect(described.nameIndex).toBe(first.nameIndex);
    expect([...described.nameDescriptionIndex.candidates("XYZZY")!]).toEqual([0, 1, 2]);

    // The old text no longer matches, though its trigrams are still in the carried postings.
    const renamed = rebuilt(withPackages(changed, (p) => ({ name: `xyzzy${p.id}`, description: null })));
    expect(searchByText(renamed, first.nameScan[0]!.name, false, 100).map((p) => p.id)).not.toContain(changed[0]);
    expect(searchByText(renamed, "xyzzy", false, 100).map((p) => p.id)).toEqual(changed);

    // Past the limit of changed documents, or with a package added or removed (every
    // document number after it moves), the indexes are built afresh.
    const many = first.nameScan.slice(0, 1100).map((p) => p.id);
    const redescribed = rebuilt(withPackages(many, (p) => ({ description: `${p.description ?? ""} xyzzy` })));
    expect(redescribed.nameDescriptionIndex.candidates("XYZZY")!.length).toBe(1100);
    const removed = rebuilt({ ...rows, packages: rows.packages.filter((p) => p.id !== changed[0]) });
    expect(removed.nameIndex).not.toBe(first.nameIndex);
    expect(removed.nameDescriptionIndex).not.toBe(first.nameDescriptionIndex);
  });

  it("carries the dependency index and the base orders over while what they depend on is the same", () => {
    const first = runAtOnce(Snapshot.build(rows, plans));
    first.scanOrder("packager");
    const rebuilt = (changedRows: SourceRows) => {
      const carried = runAtOnce(Snapshot.build(changedRows, plans, first.reusable()));
      expect(contents(carried)).toEqual(contents(runAtOnce(Snapshot.build(changedRows, plans))));
      return carried;
    };
    const carriedOver = (s: Snapshot) => s.reusable().declarers.sharesGroupsWith(first.reusable().declarers);
    const declaredName = (s: Snapshot) => {
      const pkg = s.packages.find((p) => p.base.visible && !s.declarationsOf(p).next().done)!;
      return [...s.declarationsOf(pkg)][0]!;
    };

    const described = rebuilt({ ...rows, packages: rows.packages.map((p) => ({ ...p, description: `${p.description ?? ""}!` })) });
    expect(carriedOver(described)).toBe(true);
    expect(described.reusable().tables).toEqual(first.reusable().tables);
    // So are the bases' sorted orders, kept as positions, and the sorted names.
    expect(described.reusable().baseOrders.get("name")).toBe(first.reusable().baseOrders.get("name"));
    expect(described.reusable().baseOrders.get("packager")).toBe(first.reusable().baseOrders.get("packager"));
    expect(described.packageNames).toBe(first.packageNames);
    expect(described.baseNames).toBe(first.baseNames);
    // A name that only changed case sorts the same, but is listed as it is now.
    const renamed = first.nameScan[0]!;
    const recased = rebuilt({ ...rows, packages: rows.packages.map((p) => (p.id === renamed.id ? { ...p, name: p.name.toUpperCase() } : p)) });
    expect(recased.packageNames).not.toBe(first.packageNames);
    expect(recased.packageNames.names).toContain(renamed.name.toUpperCase());
    // The index hands out this snapshot's packages, not the previous one's.
    const { type, name } = declaredName(described);
    const declaring = described.packagesDeclaring(type, name);
    expect(declaring.length).toBeGreaterThan(0);
    for (const pkg of declaring) expect(pkg).toBe(described.packageById(pkg.id));

    // A base hidden (no packager) or declarations read again: built afresh.
    const hiddenBase = first.packageById(declaring[0]!.id)!.base.id;
    const hidden = rebuilt({ ...rows, bases: rows.bases.map((b) => (b.id === hiddenBase ? { ...b, packagerUID: null } : b)) });
    expect(carriedOver(hidden)).toBe(false);
    expect(hidden.reusable().baseOrders.get("name")).not.toBe(first.reusable().baseOrders.get("name"));
    const reread = rebuilt({ ...rows, depends: { ...rows.depends } });
    expect(carriedOver(reread)).toBe(false);
    expect(reread.reusable().tables.depends).not.toBe(first.reusable().tables.depends);
  });

  it("shares the bases and packages in which nothing changed with the previous snapshot", () => {
    const first = runAtOnce(Snapshot.build(rows, plans));
    const rebuilt = (changedRows: SourceRows) => {
      const carried = runAtOnce(Snapshot.build(changedRows, plans, first.reusable()));
      expect(contents(carried)).toEqual(contents(runAtOnce(Snapshot.build(changedRows, plans))));
      return carried;
    };
    const fresh = (s: Snapshot) => ({
      bases: s.bases.filter((b) => first.reusable().bases.find((x) => x.id === b.id) !== b).map((b) => b.id),
      packages: s.packages.filter((p) => first.packageById(p.id) !== p).map((p) => p.id),
    });
    const declaring = first.packages.find((p) => !first.declarationsOf(p).next().done && first.packagesOf(p.base).length > 1)!;
    const sibling = first.packagesOf(declaring.base).find((p) => p !== declaring)!;

    // A package's description: only that package is new; its base and siblings are shared.
    const described = rebuilt({
      ...rows,
      packages: rows.packages.map((p) => (p.id === declaring.id ? { ...p, description: "changed" } : p)),
    });
    expect(fresh(described)).toEqual({ bases: [], packages: [declaring.id] });
    expect(described.packageById(sibling.id)!.base).toBe(declaring.base);

    // A base's maintainer: the base is new, and so are its packages, which point to it.
    const maintained = rebuilt({
      ...rows,
      bases: rows.bases.map((b) => (b.id === declaring.base.id ? { ...b, maintainerUID: null } : b)),
    });
    expect(fresh(maintained)).toEqual({ bases: [declaring.base.id], packages: first.packagesOf(declaring.base).map((p) => p.id) });
    expect(maintained.packageById(sibling.id)!.base.maintainer).toBeNull();

    // A keyword added to a base, or a license to a package: the same.
    const keyworded = rebuilt({ ...rows, keywords: [...rows.keywords, { ownerId: declaring.base.id, rank: 0, name: "zzz-new" }] });
    expect(fresh(keyworded).bases).toEqual([declaring.base.id]);
    const licensed = rebuilt({ ...rows, licenses: [...rows.licenses, { ownerId: declaring.id, rank: 1e9, name: "zzz-new" }] });
    expect(fresh(licensed)).toEqual({ bases: [], packages: [declaring.id] });

    // A package under a new ID (how the legacy site writes an upload): every other package is shared.
    const newId = Math.max(...rows.packages.map((p) => p.id)) + 1;
    const renumbered = rebuilt({ ...rows, packages: [...rows.packages.filter((p) => p.id !== sibling.id), { ...sibling, id: newId }] });
    expect(fresh(renumbered)).toEqual({ bases: [], packages: [newId] });
    expect(renumbered.declarationTables.depends).toBe(first.declarationTables.depends);

    // Declarations read again, one of them changed: the packages are shared all the same,
    // and each finds its declarations in the new tables.
    const row = rows.depends.packageIds.indexOf(declaring.id);
    const names = rows.depends.names.map((name, i) => (i === row ? "zzz-new" : name));
    const reread = rebuilt({ ...rows, depends: { ...rows.depends, names } });
    expect(fresh(reread)).toEqual({ bases: [], packages: [] });
    expect(reread.declarationTables.depends).not.toBe(first.declarationTables.depends);
    expect([...reread.declarationsOf(declaring)].map((d) => d.name)).toContain("zzz-new");
  });

  it("applies a vote to the snapshot in place, and leaves any other change of a base to a rebuild", () => {
    const snapshot = runAtOnce(Snapshot.build(rows, plans));
    const state = () => snapshot.bases.map((b) => [b.id, b.numVotes, b.popularity, b.outOfDateTS, b.revision]);
    const voted = snapshot.bases[1]!;
    const votes = voted.numVotes;
    const withRow = (at: number, row: BaseRow) => rows.bases.map((b, i) => (i === at ? row : b));

    // The loader hands back a base itself for an unchanged row; rows equal in value do as well.
    expect(snapshot.patchBases(snapshot.bases)).toBe(true);
    expect(snapshot.patchBases(rows.bases)).toBe(true);
    expect(snapshot.bases.every((b) => b.revision === 0)).toBe(true);

    const before = state();
    expect(snapshot.patchBases(withRow(1, { ...rows.bases[1]!, numVotes: votes + 1 }))).toBe(true);
    expect(snapshot.bases[1]).toBe(voted);
    expect([voted.numVotes, voted.revision]).toEqual([votes + 1, 1]);
    expect(state().filter((b, i) => JSON.stringify(b) !== JSON.stringify(before[i])).map((b) => b[0])).toEqual([voted.id]);

    // A name, a row out of ID order, one row fewer: nothing is applied.
    const patched = state();
    const renamed = withRow(2, { ...rows.bases[2]!, name: "renamed", numVotes: 1000 });
    expect(snapshot.patchBases(renamed)).toBe(false);
    const swapped = withRow(0, rows.bases[1]!).map((b, i) => (i === 1 ? rows.bases[0]! : b));
    expect(snapshot.patchBases(swapped)).toBe(false);
    expect(snapshot.patchBases(rows.bases.slice(1))).toBe(false);
    expect(state()).toEqual(patched);
  });

  it("takes over the rows that did not change when a table is read again", async () => {
    const sql = await mysql.createConnection(db.url);
    const [[pkg]] = await sql.query<mysql.RowDataPacket[]>(
      "SELECT ID AS id, Description AS description FROM Packages WHERE Description IS NOT NULL ORDER BY ID LIMIT 1",
    );
    const changedDescription = `${pkg!.description as string} (again)`;
    await sql.query("UPDATE Packages SET Description = ? WHERE ID = ?", [changedDescription, pkg!.id]);
    try {
      const again = await loadSources(database.readDb, ["packages", "bases"], rows);
      expect(again.packages.filter((p, i) => p !== rows.packages[i]).map((p) => [p.id, p.description])).toEqual([
        [pkg!.id, changedDescription],
      ]);
      expect(again.bases.every((b, i) => b === rows.bases[i])).toBe(true);
    } finally {
      await sql.query("UPDATE Packages SET Description = ? WHERE ID = ?", [pkg!.description, pkg!.id]);
      await sql.end();
    }
  });

  it("answers from the previous snapshot until the new one is complete", async () => {
    let rebuilds = 0;
    const model = new ReadModel(database.readDb, { refreshIntervalMs: 60_000, rebuildSlices: { minMs: 0, maxMs: 0 } });
    model.onRebuild(() => rebuilds++);
    const config = defaultConfig({ RATE_LIMIT_REQUESTS: 0, DATABASE_URL: db.url });
    const app: App = createApp({ db: database, config, readModel: model });
    await model.start();
    try {
      expect(rebuilds).toBe(0); // the first snapshot replaces none
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
        const response = await app.request(`/rpc/?v=5&type=info&arg[]=${encodeURIComponent(pkg!.name as string)}`);
        expect(response.status).toBe(200);
        const answer = (await response.json()) as { results: { Description: string }[] };
        descriptions.push(answer.results[0]!.Description);
        // A macrotask between requests: the refresh runs in the turns this leaves it.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await refreshed;
      expect(rebuilds).toBe(1);

      // Every answer is whole: one snapshot or the other, the previous one while the next is built.
      expect(descriptions.every((d) => d === before || d === after)).toBe(true);
      expect(descriptions.filter((d) => d === before).length).toBeGreaterThan(100);
      const latest = await app.request(`/rpc/?v=5&type=info&arg[]=${encodeURIComponent(pkg!.name as string)}`);
      expect(((await latest.json()) as { results: { Description: string }[] }).results[0]!.Description).toBe(after);
    } finally {
      await model.stop();
    }
  });
});
