/**
 * What a rebuild takes over from the snapshot it replaces. A rebuild under load holds two
 * snapshots at once, so what the replaced one holds of its own is what a worker's peak
 * pays for (`npm run bench:snapshot-memory` measures it).
 *
 * The bases and packages in which nothing changed are the same objects in both snapshots,
 * which is why neither holds anything of its snapshot (a base's packages and a package's
 * declarations are found through the snapshot). A base is shared when its row, users,
 * keywords, co-maintainers and open requests are the same; a package when its base is, and
 * its row, groups and licenses are. Indexes that depend only on unchanged data are carried
 * over too.
 */
import type { DeclarerIndex } from "./declarer-index.js";
import type { BaseOrder } from "./row-order.js";
import type { SortedNames } from "./sorted-names.js";
import type { TrigramIndex } from "./text-index.js";
import type { BaseRow, DeclarationTables, Package, PackageBase, PackageRow } from "./types.js";

/**
 * What a new snapshot may take over from the previous one. It holds no reference to the
 * previous snapshot itself, so that is collected as soon as the new one replaces it.
 */
export interface Reuse {
  /** The previous bases in ID order: taken over where nothing in them changed, their folded names where the name did not. */
  bases: readonly PackageBase[];
  /** The previous packages: taken over where nothing in them changed, their folded texts where the text did not. */
  packagesById: ReadonlyMap<number, Package>;
  /** The previous name scan: its folded names and descriptions are the text indexes' documents. */
  nameScan: readonly Package[];
  /** The previous name order, as positions in its name scan. */
  sortedByNamePositions: Int32Array;
  nameIndex: TrigramIndex | undefined;
  nameDescriptionIndex: TrigramIndex | undefined;
  /** The previous declaration tables: each kept while its rows are the same. */
  tables: DeclarationTables;
  /** Kept, with this snapshot's packages, while the rows and the visible packages are the same. */
  declarers: DeclarerIndex;
  /** The previous sorted orders of the visible bases, as positions in `bases`. */
  baseOrders: ReadonlyMap<BaseOrder, Int32Array>;
  /** Kept while the names in the scan, or the visible bases' names, are the same. */
  packageNames: SortedNames;
  baseNames: SortedNames;
}

/**
 * The positions at which two scans hold packages with a different name (`names`), or a
 * different name or description (`texts`): the documents of the two text indexes. Undefined
 * when the scans differ in length and so number their documents differently.
 */
export function changedDocuments(a: readonly Package[], b: readonly Package[]): { names: number[]; texts: number[] } | undefined {
  if (a.length !== b.length) return undefined;
  const names: number[] = [];
  const texts: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const nameChanged = a[i]!.nameFold !== b[i]!.nameFold;
    if (nameChanged) names.push(i);
    if (nameChanged || a[i]!.descriptionFold !== b[i]!.descriptionFold) texts.push(i);
  }
  return { names, texts };
}

/** Whether two base lists (in ID order) hold the same IDs with the same names and packagers. */
export function sameBaseKeys(bases: readonly PackageBase[], previous: readonly PackageBase[]): boolean {
  if (bases.length !== previous.length) return false;
  for (let i = 0; i < bases.length; i++) {
    const a = bases[i]!;
    const b = previous[i]!;
    if (a.id !== b.id || a.name !== b.name || a.packagerUID !== b.packagerUID) return false;
  }
  return true;
}

/** Whether a previous base holds every value of `base`, so it can stand for it. */
export function sameBase(previous: PackageBase, base: PackageBase): boolean {
  return (
    sameBaseRow(previous, base) &&
    previous.maintainer === base.maintainer &&
    previous.submitter === base.submitter &&
    previous.pendingRequests === base.pendingRequests &&
    sameList(previous.keywords, base.keywords) &&
    sameList(previous.comaintainers, base.comaintainers)
  );
}

function sameBaseRow(a: BaseRow, b: BaseRow): boolean {
  return (
    a.id === b.id &&
    a.name === b.name &&
    a.numVotes === b.numVotes &&
    a.popularity === b.popularity &&
    a.outOfDateTS === b.outOfDateTS &&
    a.submittedTS === b.submittedTS &&
    a.modifiedTS === b.modifiedTS &&
    a.maintainerUID === b.maintainerUID &&
    a.packagerUID === b.packagerUID &&
    a.submitterUID === b.submitterUID
  );
}

/**
 * Whether a previous package can stand for the one made of `row` with `base`, `groups`
 * and `licenses`.
 */
export function samePackage(
  previous: Package,
  base: PackageBase,
  row: PackageRow,
  groups: readonly string[],
  licenses: readonly string[],
): boolean {
  return (
    previous.base === base &&
    samePackageRow(previous, row) &&
    sameList(previous.groups, groups) &&
    sameList(previous.licenses, licenses)
  );
}

function samePackageRow(a: PackageRow, b: PackageRow): boolean {
  return a.id === b.id && a.baseId === b.baseId && a.name === b.name && a.version === b.version && a.description === b.description && a.url === b.url;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((item, i) => item === b[i]));
}

/** Whether the same packages are visible as in the snapshot `previous` came from. */
export function sameVisiblePackages(packages: readonly Package[], previous: Reuse): boolean {
  let visible = 0;
  for (const pkg of packages) {
    if (!pkg.base.visible) continue;
    visible++;
    if (previous.packagesById.get(pkg.id)?.base.visible !== true) return false;
  }
  // nameScan holds every visible package once.
  return visible === previous.nameScan.length;
}
