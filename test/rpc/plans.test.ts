/**
 * The legacy SQL has no ORDER BY: rows come in whatever order MariaDB's plan reads them,
 * and the plan depends on table sizes. The service asks MariaDB for its plans (EXPLAIN)
 * and orders its answers the same way; these tests check that against MariaDB itself,
 * running the legacy query on the same data, for a tiny and a larger database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Seeder, SeededUser } from "../support/seed.js";
import { legacyQueryIds, resultIds, sqlQuery, startWorld, type World } from "./rules/harness.js";

/**
 * `bases` package bases whose IDs, package IDs and packager IDs all run in different
 * orders: bases are created first, their packages afterwards in reverse, and packagers
 * rotate, so each plan (by base, by package, by packager) gives a distinct order.
 */
async function interleaved(seed: Seeder, bases: number): Promise<{ maintainer: SeededUser }> {
  const maintainer = await seed.user("maint");
  const packagers = [await seed.user("p3"), await seed.user("p1"), await seed.user("p2")];
  const created = [];
  for (let i = 0; i < bases; i++) {
    created.push(
      await seed.base({
        name: `plan-${String(i).padStart(3, "0")}`,
        maintainer: i % 4 === 0 ? null : maintainer,
        packager: packagers[i % 3]!,
      }),
    );
  }
  for (const base of [...created].reverse()) {
    await seed.package({ base, name: `${base.name}-a`, description: "plan probe", depends: [{ type: "depends", name: "libplan" }] });
    await seed.package({ base, name: `${base.name}-b`, description: "plan probe" });
  }
  return { maintainer };
}

/**
 * Plans follow statistics, and InnoDB recalculates them in the background while rows
 * are being seeded; take them for the tables as seeded, and let the service ask again.
 */
async function settleStatistics(world: World<unknown>): Promise<void> {
  await world.service.database.pool.query("ANALYZE TABLE Packages, PackageBases, Users, PackageDepends");
  await world.service.app.deps.readModel.refreshNow();
}

for (const size of [6, 80]) {
  describe(`row order follows MariaDB's plan (${size} package bases)`, () => {
    let world: World<{ maintainer: SeededUser }>;
    beforeAll(async () => {
      world = await startWorld(`plans_${size}`, (seed) => interleaved(seed, size));
      await settleStatistics(world);
    }, 120_000);
    afterAll(async () => world?.close());

    const cases: [string, string, string, unknown[]][] = [
      ["name-desc search", "/rpc/?v=5&type=search&arg=plan", "(Packages.Name LIKE ? OR Description LIKE ?)", ["%plan%", "%plan%"]],
      ["name search", "/rpc/?v=5&type=search&by=name&arg=plan", "(Packages.Name LIKE ?)", ["%plan%"]],
      ["maintainer search", "/rpc/?v=5&type=search&by=maintainer&arg=maint", "Users.Username = ?", ["maint"]],
      ["orphan search", "/rpc/?v=5&type=search&by=maintainer&arg=", "Users.ID is NULL", []],
      [
        "depends search",
        "/rpc/?v=5&type=search&by=depends&arg=libplan",
        "? IN (SELECT PackageDepends.DepName FROM PackageDepends LEFT JOIN DependencyTypes ON PackageDepends.DepTypeID = DependencyTypes.ID WHERE PackageDepends.PackageID = Packages.ID AND DependencyTypes.Name = 'depends')",
        ["libplan"],
      ],
    ];
    for (const [label, target, condition, params] of cases) {
      it(`${label}: same rows in the same order as the legacy query`, async () => {
        const expected = await legacyQueryIds(world.db.url, condition, params);
        expect(expected.length).toBeGreaterThan(1);
        expect(resultIds(await world.json(target))).toEqual(expected);
      });
    }
  });
}

/**
 * Statistics change without any write to the tables (ANALYZE, InnoDB's background
 * recalculation), so nothing in UPDATE_TIME says the order changed. Engine-independent
 * statistics in mysql.table_stats flip the plan here the same way, deterministically.
 */
describe("row order follows a plan change that comes from statistics alone", () => {
  let world: World<{ maintainer: SeededUser }>;
  beforeAll(async () => {
    world = await startWorld("plans_stats", (seed) => interleaved(seed, 6));
    await settleStatistics(world);
    // A table written in the second the read model last read it is read again on the next
    // poll; past that second, only the plan re-check can notice the flip below.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await world.service.app.deps.readModel.refreshNow();
  }, 120_000);
  afterAll(async () => {
    if (!world) return;
    await sqlQuery(world.db.url, "DELETE FROM mysql.table_stats WHERE db_name = DATABASE()");
    await world.close();
  });

  it("answers in the new order after refreshNow, right after the service started", async () => {
    const target = "/rpc/?v=5&type=search&by=name&arg=plan";
    const condition = "(Packages.Name LIKE ?)";
    const before = await legacyQueryIds(world.db.url, condition, ["%plan%"]);
    expect(resultIds(await world.json(target))).toEqual(before);

    // Claim PackageBases is large: MariaDB then reads Packages first instead.
    await sqlQuery(world.db.url, "REPLACE INTO mysql.table_stats (db_name, table_name, cardinality) VALUES (DATABASE(), 'PackageBases', 100000)");
    await sqlQuery(world.db.url, "FLUSH TABLES PackageBases");
    const after = await legacyQueryIds(world.db.url, condition, ["%plan%"]);
    expect(after).not.toEqual(before);

    await world.service.app.deps.readModel.refreshNow();
    expect(resultIds(await world.json(target))).toEqual(after);
  });
});
