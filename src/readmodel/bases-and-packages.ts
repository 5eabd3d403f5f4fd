/**
 * The base and package objects of a new snapshot, made from the rows or, where nothing in
 * them changed, taken over from the previous snapshot (see reuse.ts).
 */
import { compareFolded, equalityKey, equalityKeyOfFolded, fold } from "../collation/general-ci.js";
import type { SourceRows } from "./load.js";
import { listsByOwner, NONE, shareEqualLists, sortedLinks } from "./owner-lists.js";
import { sameBase, samePackage } from "./reuse.js";
import { byId } from "./row-order.js";
import { sortInSteps, STEP, type Steps } from "./steps.js";
import type { Package, PackageBase, UnpackagedBases, UserRow } from "./types.js";

export interface Users {
  count: number;
  usernamesById: Map<number, string>;
  /** By the username's equality key. */
  userIdsByName: Map<string, number>;
}

export function* indexUsers(users: readonly UserRow[]): Steps<Users> {
  const usernamesById = new Map<number, string>();
  const userIdsByName = new Map<string, number>();
  for (let i = 0; i < users.length; i++) {
    const u = users[i]!;
    usernamesById.set(u.id, u.username);
    userIdsByName.set(equalityKey(u.username), u.id);
    if (i % STEP === 0) yield;
  }
  return { count: users.length, usernamesById, userIdsByName };
}

/**
 * The bases by ID. What a base holds besides its row comes first, so that an unchanged
 * base can be told from a changed one before it is made. `previous` is in ID order.
 */
export function* makeBases(
  rows: SourceRows,
  usernames: ReadonlyMap<number, string>,
  foldKeyword: (keyword: string) => string,
  previous: readonly PackageBase[],
  unpackaged: UnpackagedBases,
): Steps<Map<number, PackageBase>> {
  const byFoldedKeyword = (a: string, b: string) => compareFolded(foldKeyword(a), foldKeyword(b));
  const keywordsOf = yield* listsByOwner(rows.keywords, byFoldedKeyword);
  const comaintainersOf = yield* listsByOwner(yield* sortedLinks(rows.comaintainers));
  const pendingRequestsOf = new Map<number, number>();
  for (const baseId of rows.pendingRequests) pendingRequestsOf.set(baseId, (pendingRequestsOf.get(baseId) ?? 0) + 1);
  yield;

  const basesById = new Map<number, PackageBase>();
  // Both lists are in ID order, so one walk pairs each row with its previous base.
  let previousAt = 0;
  for (let i = 0; i < rows.bases.length; i++) {
    const b = rows.bases[i]!;
    if (i % STEP === 0) yield;
    while (previousAt < previous.length && previous[previousAt]!.id < b.id) previousAt++;
    const before = previous[previousAt]?.id === b.id ? previous[previousAt] : undefined;
    // Literal objects with every field spelled out: V8 keeps them compact, where a
    // spread of twenty properties would leave each base in slow dictionary mode.
    const base: PackageBase = {
      id: b.id,
      name: b.name,
      nameFold: before?.name === b.name ? before.nameFold : fold(b.name),
      numVotes: b.numVotes,
      popularity: b.popularity,
      outOfDateTS: b.outOfDateTS,
      submittedTS: b.submittedTS,
      modifiedTS: b.modifiedTS,
      maintainerUID: b.maintainerUID,
      packagerUID: b.packagerUID,
      submitterUID: b.submitterUID,
      maintainer: b.maintainerUID === null ? null : (usernames.get(b.maintainerUID) ?? null),
      submitter: b.submitterUID === null ? null : (usernames.get(b.submitterUID) ?? null),
      visible: b.packagerUID !== null || unpackaged === "shown",
      keywords: keywordsOf.get(b.id) ?? NONE,
      comaintainers: comaintainersOf.get(b.id) ?? NONE,
      pendingRequests: pendingRequestsOf.get(b.id) ?? 0,
      revision: 0,
    };
    basesById.set(b.id, before !== undefined && sameBase(before, base) ? before : base);
  }
  return basesById;
}

export interface Packages {
  /** In ID order. */
  packages: Package[];
  packagesById: Map<number, Package>;
  /** By the name's equality key. */
  packagesByName: Map<string, Package>;
}

/** The packages of `basesById`'s bases; `previous` are the previous snapshot's. */
export function* makePackages(
  rows: SourceRows,
  basesById: ReadonlyMap<number, PackageBase>,
  previous: ReadonlyMap<number, Package> | undefined,
): Steps<Packages> {
  const groupsOf = yield* shareEqualLists(yield* listsByOwner(yield* sortedLinks(rows.groups)));
  const licensesOf = yield* shareEqualLists(yield* listsByOwner(yield* sortedLinks(rows.licenses)));
  const packages: Package[] = [];
  const packagesById = new Map<number, Package>();
  const packagesByName = new Map<string, Package>();
  const lastOfBase = new Map<number, Package>();
  for (let i = 0; i < rows.packages.length; i++) {
    const p = rows.packages[i]!;
    if (i % STEP === 0) yield;
    const base = basesById.get(p.baseId);
    if (!base) continue; // the foreign key makes this impossible; stay safe if it is dropped
    const before = previous?.get(p.id);
    const groups = groupsOf.get(p.id) ?? NONE;
    const licenses = licensesOf.get(p.id) ?? NONE;
    let pkg: Package;
    if (before !== undefined && samePackage(before, base, p, groups, licenses)) {
      pkg = before;
    } else {
      // Folding is a good part of a build; most names and descriptions did not change.
      // A package named like its base shares the base's folded name, and split packages
      // often share their description with the sibling before them.
      const sibling = lastOfBase.get(base.id);
      pkg = {
        id: p.id,
        baseId: p.baseId,
        name: p.name,
        nameFold: p.name === base.name ? base.nameFold : before?.name === p.name ? before.nameFold : fold(p.name),
        version: p.version,
        description: p.description,
        url: p.url,
        descriptionFold:
          before !== undefined && before.description === p.description
            ? before.descriptionFold
            : sibling !== undefined && sibling.description === p.description
              ? sibling.descriptionFold
              : p.description === null
                ? ""
                : fold(p.description),
        base,
        groups,
        licenses,
      };
    }
    packages.push(pkg);
    lastOfBase.set(base.id, pkg);
    packagesById.set(pkg.id, pkg);
    packagesByName.set(equalityKeyOfFolded(pkg.nameFold), pkg);
  }
  return { packages: yield* sortInSteps(packages, byId), packagesById, packagesByName };
}
