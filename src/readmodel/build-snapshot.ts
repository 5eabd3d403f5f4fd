/**
 * The steps that build everything a snapshot holds from the rows (see steps.ts): run at
 * once for the first snapshot, in slices for the ones that replace it, taking over from
 * the previous snapshot what did not change (see reuse.ts).
 */
import { equalityKey, equalityKeyOfFolded, fold } from "../collation/general-ci.js";
import { indexUsers, makeBases, makePackages } from "./bases-and-packages.js";
import { declarationTablesOf } from "./declaration-tables.js";
import { DeclarerIndex } from "./declarer-index.js";
import type { SourceRows } from "./load.js";
import { addTo, pushAll, trimValues } from "./owner-lists.js";
import { PackagesByBase } from "./packages-by-base.js";
import { changedDocuments, sameBaseKeys, sameVisiblePackages, type Reuse } from "./reuse.js";
import { byFoldedName, byId, ScanOrders } from "./row-order.js";
import { sortedNamesInSteps, type SortedNames } from "./sorted-names.js";
import { filterInSteps, mapInSteps, sortInSteps, STEP, type Steps } from "./steps.js";
import { TrigramIndex } from "./text-index.js";
import type { DeclarationTables, Package, PackageBase, ScanPlans, UnpackagedBases } from "./types.js";

/** Everything a snapshot holds (see snapshot.ts for what each is for). */
export interface SnapshotParts {
  plans: ScanPlans;
  userCount: number;
  usernamesById: Map<number, string>;
  userIdsByName: Map<string, number>;
  /** In ID order. */
  bases: readonly PackageBase[];
  /** In ID order. */
  packages: readonly Package[];
  packagesById: Map<number, Package>;
  packagesByName: Map<string, Package>;
  packagesByBase: PackagesByBase;
  packagesByMaintainer: Map<number, Package[]>;
  packagesBySubmitter: Map<number, Package[]>;
  packagesByComaintainer: Map<string, Package[]>;
  packagesByGroup: Map<string, Package[]>;
  basesByKeyword: Map<string, Set<number>>;
  declarationTables: DeclarationTables;
  declarers: DeclarerIndex;
  scans: ScanOrders;
  nameScan: readonly Package[];
  orphanScan: readonly Package[];
  nameIndex: TrigramIndex;
  nameDescriptionIndex: TrigramIndex;
  sortedByNamePositions: Int32Array;
  packageNames: SortedNames;
  baseNames: SortedNames;
}

export function* buildSnapshotParts(
  rows: SourceRows,
  plans: ScanPlans,
  reuse: Reuse | undefined,
  unpackaged: UnpackagedBases,
): Steps<SnapshotParts> {
  const users = yield* indexUsers(rows.users);
  // Keywords repeat across bases (the loader interns them): each is folded once.
  const folds = new Map<string, string>();
  const foldKeyword = (keyword: string) => {
    let folded = folds.get(keyword);
    if (folded === undefined) folds.set(keyword, (folded = fold(keyword)));
    return folded;
  };
  const basesById = yield* makeBases(rows, users.usernamesById, foldKeyword, reuse?.bases ?? [], unpackaged);
  const bases = yield* sortInSteps([...basesById.values()], byId);
  const declarationTables = yield* declarationTablesOf(rows, reuse?.tables);
  const { packages, packagesById, packagesByName } = yield* makePackages(rows, basesById, reuse?.packagesById);
  const packagesByBase = yield* PackagesByBase.build(bases, packages);

  // The bases in ID order, so each keyword's set holds them in the order a search walks them.
  const basesByKeyword = new Map<string, Set<number>>();
  for (let i = 0; i < bases.length; i++) {
    if (i % STEP === 0) yield;
    for (const keyword of bases[i]!.keywords) addTo(basesByKeyword, equalityKeyOfFolded(foldKeyword(keyword)), i);
  }
  const owners = yield* packagesByOwner(bases, packages, packagesByBase);

  // A base order is a permutation of positions in `bases`, which stands while every base
  // keeps its ID, name and packager (visibility follows the packager); so do the sorted
  // names of the visible bases.
  const sameBases = reuse !== undefined && sameBaseKeys(bases, reuse.bases);
  const scans = new ScanOrders(bases, packages, packagesByBase, sameBases ? new Map(reuse.baseOrders) : new Map());
  const nameScan = yield* scans.steps(plans.nameSearch);
  const orphanScan = yield* filterInSteps(yield* scans.steps(plans.orphanSearch), (p) => p.base.maintainer === null);
  const sameDeclarations =
    reuse !== undefined &&
    declarationTables.depends === reuse.tables.depends &&
    declarationTables.relations === reuse.tables.relations &&
    sameVisiblePackages(packages, reuse);
  const declarers = sameDeclarations
    ? yield* reuse.declarers.withPackages((id) => packagesById.get(id)!)
    : yield* DeclarerIndex.build([rows.depends, rows.relations], (id) => {
        const pkg = packagesById.get(id);
        return pkg?.base.visible ? pkg : undefined;
      });

  const texts = yield* textIndexes(nameScan, reuse);
  const baseNames = sameBases
    ? reuse.baseNames
    : yield* sortedNamesInSteps(Array.from(yield* scans.visibleBasesIn("name"), (i) => bases[i]!));
  return {
    plans,
    userCount: users.count,
    usernamesById: users.usernamesById,
    userIdsByName: users.userIdsByName,
    bases,
    packages,
    packagesById,
    packagesByName,
    packagesByBase,
    ...owners,
    basesByKeyword,
    declarationTables,
    declarers,
    scans,
    nameScan,
    orphanScan,
    ...texts,
    baseNames,
  };
}

/** The visible packages by maintainer, submitter and co-maintainer (in base order), and by group. */
function* packagesByOwner(
  bases: readonly PackageBase[],
  packages: readonly Package[],
  packagesByBase: PackagesByBase,
): Steps<Pick<SnapshotParts, "packagesByMaintainer" | "packagesBySubmitter" | "packagesByComaintainer" | "packagesByGroup">> {
  const packagesByMaintainer = new Map<number, Package[]>();
  const packagesBySubmitter = new Map<number, Package[]>();
  const packagesByComaintainer = new Map<string, Package[]>();
  const packagesByGroup = new Map<string, Package[]>();
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i]!;
    if (i % STEP === 0) yield;
    if (!base.visible) continue;
    const own = packagesByBase.at(i);
    if (base.maintainerUID !== null) pushAll(packagesByMaintainer, base.maintainerUID, own);
    if (base.submitterUID !== null) pushAll(packagesBySubmitter, base.submitterUID, own);
    for (const name of base.comaintainers) pushAll(packagesByComaintainer, equalityKey(name), own);
  }
  for (let i = 0; i < packages.length; i++) {
    const pkg = packages[i]!;
    if (i % STEP === 0) yield;
    if (!pkg.base.visible) continue;
    for (const group of pkg.groups) pushAll(packagesByGroup, equalityKey(group), [pkg]);
  }
  yield* trimValues(packagesByMaintainer);
  yield* trimValues(packagesBySubmitter);
  yield* trimValues(packagesByComaintainer);
  yield* trimValues(packagesByGroup);
  return { packagesByMaintainer, packagesBySubmitter, packagesByComaintainer, packagesByGroup };
}

/** The text indexes over the name scan, and its names in collation order. */
function* textIndexes(
  nameScan: readonly Package[],
  reuse: Reuse | undefined,
): Steps<Pick<SnapshotParts, "nameIndex" | "nameDescriptionIndex" | "sortedByNamePositions" | "packageNames">> {
  // An upload that adds or removes no package keeps every document number: the text
  // indexes are carried over, with the few documents whose text changed beside them.
  const changed = reuse && changedDocuments(nameScan, reuse.nameScan);
  let nameIndex: TrigramIndex | undefined;
  let nameDescriptionIndex: TrigramIndex | undefined;
  if (reuse && changed) {
    nameIndex = reuse.nameIndex?.withChanged(changed.names);
    nameDescriptionIndex = reuse.nameDescriptionIndex?.withChanged(changed.texts);
  }
  nameIndex ??= yield* TrigramIndex.build(yield* mapInSteps(nameScan, (p) => p.nameFold));
  nameDescriptionIndex ??= yield* TrigramIndex.build(yield* mapInSteps(nameScan, (p) => `${p.nameFold}\n${p.descriptionFold}`));
  // The name order is a permutation of scan positions, which stands while every position
  // keeps its name.
  const sortedByNamePositions =
    changed?.names.length === 0 && reuse
      ? reuse.sortedByNamePositions
      : Int32Array.from(
          yield* sortInSteps(
            Array.from(nameScan, (_, i) => i),
            (a, b) => byFoldedName(nameScan[a]!, nameScan[b]!),
          ),
        );
  const sameNames = reuse !== undefined && changed?.names.length === 0 && nameScan.every((p, i) => p.name === reuse.nameScan[i]!.name);
  const packageNames = sameNames ? reuse.packageNames : yield* sortedNamesInSteps(nameScan, sortedByNamePositions);
  return { nameIndex, nameDescriptionIndex, sortedByNamePositions, packageNames };
}
