/**
 * The in-memory read model of everything /rpc reads. Rows keep the database's values;
 * "fold" fields hold collation-folded copies (see collation/general-ci.ts) so lookups,
 * matching and ordering agree with MariaDB.
 */

/**
 * A BIGINT UNSIGNED timestamp: a number while it is a safe integer, a bigint beyond, so no
 * value the column holds is rounded.
 */
export type Timestamp = number | bigint;

/** A Users row as loaded: all the RPC reads of a user. */
export interface UserRow {
  id: number;
  username: string;
}

export interface PackageRow {
  id: number;
  baseId: number;
  name: string;
  version: string;
  description: string | null;
  url: string | null;
}

/** Dependency or relation rows, column by column, in table-scan (insertion) order. */
export interface DeclarationColumns {
  typeNames: ReadonlyMap<number, string>;
  /** Uint32: package IDs are INT UNSIGNED. */
  packageIds: Uint32Array;
  typeIds: Uint8Array;
  names: string[];
  conditions: (string | null)[];
}

export interface NamedLink {
  ownerId: number;
  /** Sort key within the owner: group ID, license ID, co-maintainer priority. */
  rank: number;
  name: string;
}

/** A PackageBases row as loaded. */
export interface BaseRow {
  id: number;
  name: string;
  numVotes: number;
  popularity: number;
  outOfDateTS: Timestamp | null;
  submittedTS: Timestamp;
  modifiedTS: Timestamp;
  maintainerUID: number | null;
  packagerUID: number | null;
  submitterUID: number | null;
}

/**
 * What a snapshot does with a base nobody has packaged yet (PackagerUID NULL, say after its
 * packager's account was deleted): aurweb 5.0.0 hid such bases from every query, today's
 * aurweb shows them (since 2023). The one rule of visibility: every lookup of a snapshot
 * finds only visible bases and their packages.
 */
export type UnpackagedBases = "hidden" | "shown";

export interface PackageBase extends BaseRow {
  nameFold: string;
  /** Username of the maintainer, null for orphans. */
  maintainer: string | null;
  submitter: string | null;
  /** In the snapshot's lookups: see UnpackagedBases. */
  visible: boolean;
  /** Ascending by collation, as `ORDER BY Keyword` returns them. */
  keywords: readonly string[];
  comaintainers: readonly string[];
  /** Requests (deletion, orphan, merge) still open against this base. */
  pendingRequests: number;
  /** Bumped whenever the fields below change in place, so encoded rows know they are stale. */
  revision: number;
}

/** One declared dependency or relation. */
export interface Declaration {
  type: string;
  name: string;
  condition: string | null;
}

/**
 * Dependency or relation rows grouped by package: `order` lists row numbers of `columns`
 * package after package, each package's rows in insertion order. The package with ID
 * `packageIds[i]` has the rows `order[starts[i]..starts[i + 1])`. A table depends on its
 * rows alone, so it serves every snapshot built while they are the same.
 */
export interface DeclarationTable {
  columns: DeclarationColumns;
  order: Int32Array;
  /** Ascending. */
  packageIds: Uint32Array;
  starts: Int32Array;
}

export interface DeclarationTables {
  depends: DeclarationTable;
  relations: DeclarationTable;
}

/**
 * A package holds every field of its Packages row, so that a snapshot's packages can stand
 * in for the rows they were built from (see ReadModel.keepRows). Its declarations are in
 * the snapshot's tables (Snapshot.declarationsOf): a package in which nothing changed
 * serves the next snapshot too, whose declaration rows may have been read again.
 */
export interface Package extends PackageRow {
  nameFold: string;
  descriptionFold: string;
  base: PackageBase;
  /** Ascending by group ID / license ID, as the PackageGroups/PackageLicenses keys order them. */
  groups: readonly string[];
  licenses: readonly string[];
}

/** The order in which MariaDB's plan for a search walks the packages. */
export type ScanOrder = "base" | "packager" | "package";
/**
 * "row": the insertion order of the matching dependency rows; "row-by-base" and
 * "row-by-packager": that order, stably re-sorted by a join buffer over PackageBases.
 */
export type DependencyOrder = "row" | "row-by-base" | "row-by-packager" | ScanOrder;

export interface ScanPlans {
  nameSearch: ScanOrder;
  orphanSearch: ScanOrder;
  maintainerSearch: ScanOrder;
  dependencySearch: DependencyOrder;
  /**
   * From how many distinct names a multiinfo query scans Packages (rows in ID order)
   * instead of reading the Name index; Infinity when it never does for a request.
   */
  nameListScanFrom: number;
}
