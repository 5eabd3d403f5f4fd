/**
 * Which packages the legacy queries could see, and in which order they listed them.
 *
 * Visibility: every legacy query ended in `AND PackageBases.PackagerUID IS NOT NULL`, so
 * a base nobody packaged yet is invisible, except in one place: multiinfo with IDs and
 * names wrote `ID IN (..) OR Name IN (..) AND PackagerUID IS NOT NULL`, and AND binds
 * tighter than OR, so packages matched by ID skip the condition.
 *
 * Order: the legacy SQL had no ORDER BY (except suggest), so rows come in the order of
 * MariaDB's plan. Each order test first runs a query of the legacy shape on the same
 * data (legacyQueryIds) to show the order MariaDB produces, then requires the service
 * to answer in that order. The data holds a few dozen filler packages so that MariaDB
 * plans these queries the way it does on a real AUR database.
 *
 * Matching: utf8mb4_general_ci ignores case and accents (É = e); `=` ignores trailing
 * spaces (PAD SPACE), LIKE does not; % and _ in arguments are literal, a backslash
 * escapes the next character.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeededPackage, Seeder } from "../../support/seed.js";
import { legacyQueryIds, resultIds, resultNames, startWorld, type World } from "./harness.js";
import { collationSort } from "./legacy-json.js";

const FILLERS = 40;

async function seedWorld(seed: Seeder) {
  const alice = await seed.user("alice");
  const fillerOwner = await seed.user("filler-owner");
  for (let i = 0; i < FILLERS; i++) {
    await seed.package({ name: `filler-${i}`, baseSpec: { maintainer: fillerOwner } });
  }

  // Two bases of alice's; package IDs run beta < delta < alpha, bases ord-one < ord-two.
  const ordOne = await seed.base({ name: "ord-one", maintainer: alice });
  const ordTwo = await seed.base({ name: "ord-two", maintainer: alice });
  const beta = await seed.package({ base: ordTwo, name: "ord-beta" });
  const delta = await seed.package({ base: ordOne, name: "ord-delta" });
  const alpha = await seed.package({ base: ordTwo, name: "ord-alpha" });
  const described = await seed.package({ name: "zz-described", description: "all about ord things" });

  // Never packaged: invisible to the RPC.
  const hidden = await seed.package({
    name: "ord-secret",
    baseSpec: { name: "ord-secret-base", maintainer: alice, packager: null },
    description: "a secret ord package",
    depends: [{ type: "depends", name: "libord" }],
  });
  const hiddenOrphan = await seed.package({ name: "lost-orphan", baseSpec: { packager: null } });

  // Dependency rows inserted in the order c, a, b (package IDs run a < b < c).
  const depA = await seed.package({ name: "dep-a" });
  const depB = await seed.package({ name: "dep-b" });
  const depC = await seed.package({ name: "dep-c" });
  await seed.dependency(depC, { type: "depends", name: "libord" });
  await seed.dependency(depA, { type: "depends", name: "LIBORD", condition: ">=1" });
  await seed.dependency(depB, { type: "makedepends", name: "libord" });
  await seed.dependency(depB, { type: "depends", name: "libord " });
  await seed.dependency(depC, { type: "depends", name: "libord", condition: "<2" });

  // Suggestions: 22 visible names in a scrambled order, one hidden.
  const suggestNames = [
    "sugz", "sug_a", "sug_c", "sug_b", "Sug-b", "sug-a", "SUG-C", "sug0", "sug9", "sugé", "sugE2",
    "sug-d", "sugm", "sugn", "Sugo", "sugp", "sugq", "sugr", "sugs", "sugt", "sugu", "sugv",
  ];
  for (const name of suggestNames) await seed.package({ name, baseSpec: { name: `base-${name}` } });
  await seed.package({ name: "sug-hidden", baseSpec: { name: "base-sug-hidden", packager: null } });
  const baseNames = ["sb-zeta", "SB-alpha", "sb_under", "sb-beta", "sb-éta"];
  for (const name of baseNames) await seed.package({ name: `pkg-of-${name}`, baseSpec: { name } });
  await seed.package({ name: "pkg-of-sb-hidden", baseSpec: { name: "sb-hidden", packager: null } });

  // Matching rules.
  await seed.package({ name: "cafe-tool" });
  await seed.package({ name: "Ève-app" });
  await seed.package({ name: "spaced" });
  await seed.package({ name: "spaced out" });
  await seed.package({ name: "under_score" });
  await seed.package({ name: "underXscore" });
  await seed.package({ name: "100%-pure" });
  await seed.package({ name: "100x-pure" });
  await seed.package({ name: "x\\y-tool" });
  await seed.package({ name: "xylo" });
  await seed.package({ name: "half-ylo%" });

  return {
    ord: { beta, delta, alpha, described },
    hidden,
    hiddenOrphan,
    deps: { depA, depB, depC },
    suggestNames,
    baseNames,
    all: seed.packages,
  };
}

let world: World<Awaited<ReturnType<typeof seedWorld>>>;
beforeAll(async () => {
  world = await startWorld("visibility_order", seedWorld);
});
afterAll(async () => {
  await world?.close();
});

const ids = async (target: string) => resultIds(await world.json(target));
const names = async (target: string) => resultNames(await world.json(target));
const suggest = async (target: string) => JSON.parse((await world.get(target)).body) as string[];
const legacy = (condition: string, params: unknown[] = []) => legacyQueryIds(world.db.url, condition, params);
const idsOf = (...pkgs: SeededPackage[]) => pkgs.map((p) => p.id);

describe("packages of a base without packager are invisible", () => {
  it("to info and multiinfo by name, in every version", async () => {
    const { hidden } = world.data;
    for (const v of [3, 4, 5]) expect(await ids(`/rpc/?v=${v}&type=info&arg=${hidden.name}`)).toEqual([]);
    for (const v of [1, 2]) expect((await world.json(`/rpc/?v=${v}&type=info&arg=${hidden.name}`)).resultcount).toBe(0);
    for (const v of [1, 2, 3, 4, 5]) expect(await ids(`/rpc/?v=${v}&type=multiinfo&arg[]=${hidden.name}`)).toEqual([]);
  });

  it("to info and multiinfo by ID (v1-4) when no name is given", async () => {
    const { hidden } = world.data;
    for (const v of [3, 4]) expect(await ids(`/rpc/?v=${v}&type=info&arg=${hidden.id}`)).toEqual([]);
    for (const v of [1, 2, 3, 4]) expect(await ids(`/rpc/?v=${v}&type=multiinfo&arg[]=${hidden.id}`)).toEqual([]);
  });

  it("to name, name-desc, maintainer, orphan and dependency searches", async () => {
    const { hidden, hiddenOrphan } = world.data;
    expect(await names("/rpc/?v=5&type=search&by=name&arg=secret")).toEqual([]);
    expect(await names("/rpc/?v=5&type=search&arg=secret")).toEqual([]);
    expect(await ids("/rpc/?v=5&type=msearch&arg=alice")).not.toContain(hidden.id);
    expect(await ids("/rpc/?v=5&type=search&by=maintainer&arg=")).not.toContain(hiddenOrphan.id);
    expect(await ids("/rpc/?v=5&type=search&by=depends&arg=libord")).not.toContain(hidden.id);
  });

  it("to suggest and suggest-pkgbase", async () => {
    expect(await suggest("/rpc/?v=5&type=suggest&arg=ord-s")).toEqual([]);
    expect(await suggest("/rpc/?v=5&type=suggest-pkgbase&arg=ord-s")).toEqual([]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=lost")).toEqual([]);
  });

  it("but multiinfo (v1-4) with IDs and names returns packages matched by ID even when hidden", async () => {
    const { hidden, ord } = world.data;
    const target = (v: number) => `/rpc/?v=${v}&type=multiinfo&arg[]=${hidden.id}&arg[]=${ord.alpha.name}`;
    const condition = "Packages.ID IN (?) OR Packages.Name IN (?)";
    expect(await legacy(condition, [hidden.id, ord.alpha.name])).toEqual(idsOf(ord.alpha, hidden));
    for (const v of [2, 3, 4]) expect(await ids(target(v))).toEqual(idsOf(ord.alpha, hidden));
    expect(await ids(`/rpc/?v=1&type=multiinfo&arg[]=${hidden.id}&arg[]=${ord.alpha.name}`)).toEqual(idsOf(ord.alpha, hidden));
  });

  it("while packages matched by name in the same request stay hidden", async () => {
    const { hidden, ord } = world.data;
    expect(await ids(`/rpc/?v=4&type=multiinfo&arg[]=${ord.alpha.id}&arg[]=${hidden.name}`)).toEqual(idsOf(ord.alpha));
  });
});

describe("row order", () => {
  it("name search: the order of MariaDB's plan for the legacy query", async () => {
    const { beta, delta, alpha } = world.data.ord;
    const expected = await legacy("(Packages.Name LIKE ?)", ["%ord-%"]);
    expect(new Set(expected)).toEqual(new Set(idsOf(beta, delta, alpha)));
    expect(await ids("/rpc/?v=5&type=search&by=name&arg=ord-")).toEqual(expected);
  });

  it("name-desc search: the same order, matching descriptions too", async () => {
    const { beta, delta, alpha, described } = world.data.ord;
    const expected = await legacy("(Packages.Name LIKE ? OR Description LIKE ?)", ["%ord%", "%ord%"]);
    expect(new Set(expected)).toEqual(new Set(idsOf(beta, delta, alpha, described)));
    expect(await ids("/rpc/?v=5&type=search&arg=ord")).toEqual(expected);
    expect(await ids("/rpc/?v=5&type=search&by=name-desc&arg=ord")).toEqual(expected);
  });

  it("maintainer search: by base ID, then package ID", async () => {
    const { beta, delta, alpha } = world.data.ord;
    const expected = idsOf(delta, beta, alpha); // ord-one's package, then ord-two's
    expect(await legacy("Users.Username = ?", ["alice"])).toEqual(expected);
    expect(await ids("/rpc/?v=5&type=search&by=maintainer&arg=alice")).toEqual(expected);
    expect(await ids("/rpc/?v=5&type=msearch&arg=alice")).toEqual(expected);
  });

  it("orphan search (empty maintainer): by base ID, then package ID", async () => {
    const expected = world.data.all
      .filter((p) => p.base.maintainer === null && p.base.packager !== null)
      .sort((a, b) => a.base.id - b.base.id || a.id - b.id)
      .map((p) => p.id);
    expect(await legacy("Users.ID IS NULL")).toEqual(expected);
    expect(await ids("/rpc/?v=5&type=search&by=maintainer&arg=")).toEqual(expected);
  });

  it("dependency search: in insertion order of the matching dependency rows", async () => {
    const { depA, depB, depC } = world.data.deps;
    const expected = idsOf(depC, depA, depB);
    const condition =
      "? IN (SELECT PackageDepends.DepName FROM PackageDepends " +
      "LEFT JOIN DependencyTypes ON PackageDepends.DepTypeID = DependencyTypes.ID " +
      "WHERE PackageDepends.PackageID = Packages.ID AND DependencyTypes.Name = ?)";
    expect(await legacy(condition, ["libord", "depends"])).toEqual(expected);
    expect(await ids("/rpc/?v=5&type=search&by=depends&arg=libord")).toEqual(expected);
    expect(await ids("/rpc/?v=5&type=search&by=makedepends&arg=libord")).toEqual(idsOf(depB));
  });

  it("multiinfo by names only: in collation order of the names", async () => {
    const { beta, delta, alpha } = world.data.ord;
    const expected = idsOf(alpha, beta, delta);
    expect(await legacy("Packages.Name IN (?)", [[delta.name, alpha.name, beta.name]])).toEqual(expected);
    expect(await ids(`/rpc/?v=5&type=multiinfo&arg[]=${delta.name}&arg[]=ORD-ALPHA&arg[]=${beta.name}`)).toEqual(expected);
    expect(await ids(`/rpc/?v=4&type=multiinfo&arg[]=${delta.name}&arg[]=${alpha.name}&arg[]=${beta.name}`)).toEqual(expected);
  });

  it("multiinfo by IDs only: in ID order", async () => {
    const { beta, delta, alpha } = world.data.ord;
    const expected = idsOf(beta, delta, alpha);
    expect(await legacy("Packages.ID IN (?)", [[alpha.id, beta.id, delta.id]])).toEqual(expected);
    expect(await ids(`/rpc/?v=4&type=multiinfo&arg[]=${alpha.id}&arg[]=${beta.id}&arg[]=${delta.id}`)).toEqual(expected);
  });

  it("multiinfo by IDs and one name: in ID order (one index-merge union in row order)", async () => {
    const { beta, delta } = world.data.ord;
    const expected = idsOf(beta, delta);
    expect(await legacy("Packages.ID IN (?) OR Packages.Name IN (?)", [[beta.id], [delta.name]])).toEqual(expected);
    expect(await ids(`/rpc/?v=4&type=multiinfo&arg[]=${delta.name}&arg[]=${beta.id}`)).toEqual(expected);
  });

  it("multiinfo by IDs and one name spelled several ways: still one name, in ID order", async () => {
    const { beta, delta } = world.data.ord;
    const spellings = [delta.name, delta.name.toUpperCase(), `${delta.name} `];
    const expected = idsOf(beta, delta);
    expect(await legacy("Packages.ID IN (?) OR Packages.Name IN (?)", [[beta.id], spellings])).toEqual(expected);
    const args = spellings.map((name) => `&arg[]=${encodeURIComponent(name)}`).join("");
    expect(await ids(`/rpc/?v=4&type=multiinfo&arg[]=${beta.id}${args}`)).toEqual(expected);
  });

  it("multiinfo by IDs no package can have (negative, past 2^32 - 1) and several names: collation order, as names alone", async () => {
    const { beta, delta, alpha } = world.data.ord;
    const expected = idsOf(alpha, beta, delta);
    expect(await legacy("Packages.ID IN (?) OR Packages.Name IN (?)", [[-1, 2 ** 32], [delta.name, alpha.name, beta.name]])).toEqual(expected);
    expect(await ids(`/rpc/?v=4&type=multiinfo&arg[]=-1&arg[]=${delta.name}&arg[]=${alpha.name}&arg[]=4294967296&arg[]=${beta.name}`)).toEqual(expected);
  });

  it("multiinfo by IDs and several names: name matches by ID first, then ID matches (index-merge sort-union)", async () => {
    const { beta, delta, alpha } = world.data.ord;
    // Rows found through the Name index are sorted by ID and returned first; rows in
    // the primary-key ranges (the IDs asked for) come after them.
    const expected = idsOf(delta, alpha, beta);
    expect(await legacy("Packages.ID IN (?) OR Packages.Name IN (?)", [[beta.id], [alpha.name, delta.name]])).toEqual(expected);
    expect(await ids(`/rpc/?v=4&type=multiinfo&arg[]=${beta.id}&arg[]=${alpha.name}&arg[]=${delta.name}`)).toEqual(expected);
  });

  it("suggest: names under the collation (case and accents ignored, _ after letters), at most 20", async () => {
    const expected = collationSort(world.data.suggestNames).slice(0, 20);
    // `_` (0x5F) sorts after Z (0x5A): sug_b and sug_c are the two left out.
    expect(expected.slice(-2)).toEqual(["sugz", "sug_a"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=sug")).toEqual(expected);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=SUG")).toEqual(expected);
  });

  it("suggest-pkgbase: base names under the collation", async () => {
    expect(await suggest("/rpc/?v=5&type=suggest-pkgbase&arg=sb")).toEqual(collationSort(world.data.baseNames));
  });
});

describe("matching under utf8mb4_general_ci", () => {
  it("ignores case and accents (É = e)", async () => {
    expect(await names("/rpc/?v=5&type=info&arg=CAF%C3%89-TOOL")).toEqual(["cafe-tool"]);
    expect(await names("/rpc/?v=4&type=info&arg=Caf%C3%A9-Tool")).toEqual(["cafe-tool"]);
    expect(await names("/rpc/?v=5&type=search&by=name&arg=CAF%C3%89")).toEqual(["cafe-tool"]);
    expect(await names("/rpc/?v=5&type=search&by=name&arg=eve-")).toEqual(["Ève-app"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=%C3%A8VE")).toEqual(["Ève-app"]);
    expect(await ids("/rpc/?v=5&type=msearch&arg=ALICE")).toHaveLength(3);
    expect(await ids("/rpc/?v=5&type=search&by=depends&arg=LibOrd")).toHaveLength(3);
  });

  it("= ignores trailing spaces: info, maintainer and dependency searches", async () => {
    expect(await names("/rpc/?v=5&type=info&arg=cafe-tool%20%20")).toEqual(["cafe-tool"]);
    expect(await names("/rpc/?v=4&type=info&arg=cafe-tool%20")).toEqual(["cafe-tool"]);
    expect(await ids("/rpc/?v=5&type=msearch&arg=alice%20")).toHaveLength(3);
    expect(await ids("/rpc/?v=5&type=search&by=depends&arg=libord%20")).toHaveLength(3);
  });

  it("LIKE does not: a trailing space in search and suggest must match a space", async () => {
    expect(await names("/rpc/?v=5&type=search&by=name&arg=cafe-tool%20")).toEqual([]);
    expect(await names("/rpc/?v=5&type=search&by=name&arg=spaced%20")).toEqual(["spaced out"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=spaced")).toEqual(["spaced", "spaced out"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=spaced%20")).toEqual(["spaced out"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=cafe-tool%20")).toEqual([]);
    expect(await suggest("/rpc/?v=5&type=suggest-pkgbase&arg=spaced%20")).toEqual(["spaced out"]);
  });

  it("% and _ in the argument are literal characters", async () => {
    expect(await names("/rpc/?v=5&type=search&by=name&arg=r_s")).toEqual(["under_score"]);
    expect(await names("/rpc/?v=5&type=search&by=name&arg=0%25-")).toEqual(["100%-pure"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=under_")).toEqual(["under_score"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=100%25")).toEqual(["100%-pure"]);
  });

  it("a backslash escapes the next character (so \\y is y, \\\\ is a backslash)", async () => {
    expect(await names("/rpc/?v=5&type=search&by=name&arg=x%5Cy")).toEqual(["xylo"]);
    expect(await names("/rpc/?v=5&type=search&by=name&arg=x%5C%5Cy")).toEqual(["x\\y-tool"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=x%5Cy")).toEqual(["xylo"]);
    expect(await suggest("/rpc/?v=5&type=suggest&arg=x%5C%5C")).toEqual(["x\\y-tool"]);
  });

  it("a trailing backslash escapes the closing wildcard: ylo\\ matches names ending in ylo%", async () => {
    expect(await names("/rpc/?v=5&type=search&by=name&arg=ylo%5C")).toEqual(["half-ylo%"]);
  });

  it("an empty maintainer, or 0 (PHP empty()), lists the orphans", async () => {
    const orphans = await ids("/rpc/?v=5&type=search&by=maintainer&arg=");
    expect(orphans.length).toBeGreaterThan(10);
    expect(await ids("/rpc/?v=5&type=search&by=maintainer&arg=0")).toEqual(orphans);
    expect(await ids("/rpc/?v=5&type=msearch&arg=")).toEqual(orphans);
    expect(await ids("/rpc/?v=5&type=msearch&arg=0")).toEqual(orphans);
  });
});
