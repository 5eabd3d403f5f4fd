/**
 * Every decision about the order of the rows in an answer. The legacy SQL has no ORDER BY
 * (but suggest's), so its rows came in whatever order MariaDB's plan read them, and
 * clients saw that order: reproducing it is the heart of byte parity. The rules:
 *
 * - Primary-key order (byId): a plain scan of a table returns its rows in clustered-key
 *   order, so bases and packages are kept by ID, and a scan of Packages lists them so.
 * - Scan orders (ScanOrder), read from the plan MariaDB chose (scanOrderOf; plan.ts runs
 *   the EXPLAIN): `base`, PackageBases by primary key, each base's packages by ID (the
 *   PackageBaseID index, byBaseThenId); `packager`, PackageBases through BasesPackagerUID,
 *   bases by packager, then ID; `package`, Packages by primary key. The name search and the
 *   orphan search list their scan order (ScanOrders).
 * - Maintainer search: the BasesMaintainerUID index yields one maintainer's bases by ID, so
 *   base order; by package ID when the plan scans Packages (maintainerSearchOrder).
 * - Dependency searches: their plan depends on the name, so it is probed per name
 *   (dependencyOrderOf, dependencySearchOrder): the insertion order of the matching rows
 *   (each package where its first row is), that order stably re-sorted by a join buffer
 *   over PackageBases, or a scan order (inDependencyOrder). A list as long as the limit
 *   stays in row order, since its answer is the too-many-results error whatever the order.
 * - multiinfo: a range over the Name index, a merge or sort-union with the ID ranges, or a
 *   scan of Packages past a probed number of names (multiinfoOrder).
 * - suggest: `ORDER BY Name` under the collation (byFoldedName), exact whatever the plan.
 * - The searches legacy PHP did not have: keywords, groups, submitter, co-maintainers in
 *   base order; provides, conflicts, replaces in the dependency searches' row order, and
 *   provides with the package of that name last (withSelfProvider).
 * - RPC_PROFILE=current: package ID order (inIdOrder), as aurweb's GROUP BY Package.ID
 *   returns it.
 * - The metadata archives (archives/): the name lists have no ORDER BY, in aurweb 5.0.0
 *   and today, so each follows its plan (archiveListOrderOf): a covering read of the
 *   unique Name or Username index is collation order, BasesPackagerUID (5.0.0's
 *   `PackagerUID IS NOT NULL`) packager order, a table scan ID order; 5.0.0's package
 *   list joins bases and is a scan order (scanOrderOf). Today's package list and JSON
 *   archives are `ORDER BY Name`. The extended archive's union ignores the ORDER BY of
 *   its parts (MariaDB drops an ORDER BY without LIMIT inside a UNION), so each part
 *   comes in its plan's order on the production structure: dependencies and relations
 *   type by type in insertion order, a repeated row dropped where it repeats (DISTINCT
 *   under the collation keeps the first); groups and licenses by name (the Name index
 *   drives); keywords by keyword (the primary key); co-maintainers by priority, as they
 *   are added (extendedDeclarationOrder, byFoldedText).
 *
 * The lists within a row (keywords, groups, licenses, declarations) keep the order of
 * their own keys, which types.ts states beside them.
 */
import { compareFolded, equalityKey, fold } from "../collation/general-ci.js";
import { filterInSteps, runAtOnce, sortInSteps, STEP, type Steps } from "./steps.js";
import type { DependencyOrder, Package, PackageBase, ScanOrder, ScanPlans } from "./types.js";

// ---- Comparators ----

/** Primary-key order. */
export const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;

/** The PackageBaseID index's order: packages by base, each base's by ID. */
export const byBaseThenId = (a: Package, b: Package) => a.base.id - b.base.id || a.id - b.id;

/** `ORDER BY Name` under the collation, on folded names. */
export const byFoldedName = (a: { nameFold: string }, b: { nameFold: string }) => compareFolded(a.nameFold, b.nameFold);

/** The BasesPackagerUID index's order: bases by packager, then by ID. */
const byPackagerThenId = (a: PackageBase, b: PackageBase) => a.packagerUID! - b.packagerUID! || a.id - b.id;

/** A copy of `packages` in primary-key order. */
export function inIdOrder(packages: Iterable<Package>): Package[] {
  return [...packages].sort(byId);
}

/** Collation order of plain texts (group and license names), folding each comparison. */
export const byFoldedText = (a: string, b: string) => compareFolded(fold(a), fold(b));

// ---- Reading MariaDB's plan ----

/** The columns of an EXPLAIN row that decide the order. */
export interface ExplainRow {
  table: string | null;
  type: string | null;
  key: string | null;
  Extra: string | null;
}

/** Tables read as constants (a user found by its unique name) come first but order nothing. */
const driving = (rows: readonly ExplainRow[]) => rows.find((r) => r.type !== "const" && r.type !== "system");

/**
 * A table joined through a join buffer (block nested loop) is read once per buffer of
 * rows from the tables before it, so the output follows that table's scan order, each
 * of its rows paired with the buffered rows in their order.
 */
const buffered = (rows: readonly ExplainRow[]) => rows.findLast((r) => r.Extra?.includes("Using join buffer"));

function orderOfBaseScan(row: ExplainRow): "base" | "packager" | null {
  if (row.table !== "PackageBases") return null;
  return row.key === "BasesPackagerUID" ? "packager" : "base";
}

/** Whether the plan starts with a full scan of Packages, which lists packages by ID. */
export function scansPackages(rows: readonly ExplainRow[]): boolean {
  const first = driving(rows);
  return first?.table === "Packages" && first.type === "ALL";
}

/** The scan order a plan implies, from the table it starts with and how it reads it. */
export function scanOrderOf(rows: readonly ExplainRow[]): ScanOrder {
  const buffer = buffered(rows);
  const bufferOrder = buffer && orderOfBaseScan(buffer);
  if (bufferOrder) return bufferOrder;
  if (scansPackages(rows)) return "package";
  const first = driving(rows);
  return (first && orderOfBaseScan(first)) ?? "base";
}

/** The order of a dependency search's plan: its declaration rows' order, or a scan order. */
export function dependencyOrderOf(rows: readonly ExplainRow[]): DependencyOrder {
  const first = driving(rows);
  if (first?.table !== "DependencyTypes" && first?.table !== "PackageDepends") return scanOrderOf(rows);
  const buffer = buffered(rows);
  const bufferOrder = buffer && orderOfBaseScan(buffer);
  return bufferOrder ? `row-by-${bufferOrder}` : "row";
}

// ---- Scan orders ----

/** The orders of the visible bases that need a sort: by folded name, and by packager (a scan order). */
export type BaseOrder = "name" | "packager";

/** Each base's packages, by the base's position in the bases' ID order. */
export interface PackagesOfBases {
  pushAt(position: number, out: Package[]): void;
}

/**
 * The visible packages in each scan order, and the visible bases in each base order, made
 * when first asked for and then kept: a snapshot builds the ones its plans name, a request
 * the others (a dependency search in another scan order).
 */
export class ScanOrders {
  private readonly lists = new Map<ScanOrder, Package[]>();
  private readonly ranks = new Map<ScanOrder, Map<Package, number>>();

  constructor(
    /** In ID order. */
    private readonly bases: readonly PackageBase[],
    /** In ID order. */
    private readonly packages: readonly Package[],
    private readonly packagesOfBases: PackagesOfBases,
    /** Positions in `bases`; taken over from the previous snapshot while they stand (see reuse.ts). */
    readonly baseOrders: Map<BaseOrder, Int32Array>,
  ) {}

  /** Visible packages in the order a plan driven by the given index walks them. */
  get(order: ScanOrder): Package[] {
    return runAtOnce(this.steps(order));
  }

  *steps(order: ScanOrder): Steps<Package[]> {
    let list = this.lists.get(order);
    if (list) return list;
    if (order === "package") {
      list = yield* filterInSteps(this.packages, (p) => p.base.visible);
    } else {
      const packages: Package[] = [];
      if (order === "packager") {
        const positions = yield* this.visibleBasesIn("packager");
        for (let i = 0; i < positions.length; i++) {
          if (i % STEP === 0) yield;
          this.packagesOfBases.pushAt(positions[i]!, packages);
        }
      } else {
        for (let i = 0; i < this.bases.length; i++) {
          if (i % STEP === 0) yield;
          if (this.bases[i]!.visible) this.packagesOfBases.pushAt(i, packages);
        }
      }
      list = packages;
    }
    this.lists.set(order, list);
    return list;
  }

  /** The positions in `bases` of the visible bases in `order`: sorted once, then kept. */
  *visibleBasesIn(order: BaseOrder): Steps<Int32Array> {
    const bases = this.bases;
    let positions = this.baseOrders.get(order);
    if (!positions) {
      const visible: number[] = [];
      for (let i = 0; i < bases.length; i++) if (bases[i]!.visible) visible.push(i);
      const compare = order === "name" ? byFoldedName : byPackagerThenId;
      positions = Int32Array.from(yield* sortInSteps(visible, (a, b) => compare(bases[a]!, bases[b]!)));
      this.baseOrders.set(order, positions);
    }
    return positions;
  }

  /**
   * `packages` in the order a scan meets them: their positions in the scan sorted as
   * numbers, rather than a comparison that looks both packages up in the rank map.
   */
  inScanOrder(order: ScanOrder, packages: readonly Package[]): Package[] {
    const scan = this.get(order);
    const rank = this.rankIn(order);
    const positions = new Uint32Array(packages.length);
    for (let i = 0; i < packages.length; i++) positions[i] = rank.get(packages[i]!)!;
    positions.sort();
    return Array.from(positions, (position) => scan[position]!);
  }

  private rankIn(order: ScanOrder): Map<Package, number> {
    let rank = this.ranks.get(order);
    if (!rank) this.ranks.set(order, (rank = new Map(this.get(order).map((p, i) => [p, i]))));
    return rank;
  }
}

// ---- Per query ----

/** One maintainer's packages, given in base order, as the maintainer search's plan lists them. */
export function maintainerSearchOrder(packages: readonly Package[], plan: ScanOrder): readonly Package[] {
  return plan === "package" ? inIdOrder(packages) : packages;
}

/**
 * A dependency search's order: as MariaDB's plan for its name orders it (probed per name),
 * or, without an answer in time, as the snapshot's general dependency plan does.
 */
export function dependencySearchOrder(probed: DependencyOrder | undefined, plans: ScanPlans): DependencyOrder {
  return probed ?? plans.dependencySearch;
}

/**
 * The declarers of a name, given in row order (`packages`, sorted in place), in `order`.
 * A list of `limit` packages or more stays in row order: ordering the tens of thousands of
 * declarers of a base library would be nearly all of the cost of an error answer.
 */
export function inDependencyOrder(packages: Package[], order: DependencyOrder, limit: number, scans: ScanOrders): readonly Package[] {
  if (order === "row" || packages.length < 2 || packages.length >= limit) return packages;
  // A join buffer over PackageBases re-sorts the rows by its scan, stably.
  if (order === "row-by-base") return packages.sort((a, b) => byId(a.base, b.base));
  if (order === "row-by-packager") return packages.sort((a, b) => byPackagerThenId(a.base, b.base));
  return scans.inScanOrder(order, packages);
}

/**
 * A provides search: the declarers, then the package of the name itself (a package always
 * provides itself) when it is visible and not among them.
 */
export function withSelfProvider(declaring: readonly Package[], self: Package | undefined): readonly Package[] {
  return self?.base.visible && !declaring.includes(self) ? [...declaring, self] : declaring;
}

/** Packages.ID is INT UNSIGNED. */
const MAX_PACKAGE_ID = 2 ** 32 - 1;
const isPossibleId = (id: number) => id >= 0 && id <= MAX_PACKAGE_ID;

/**
 * The order of `Packages.ID IN (...) OR Packages.Name IN (...)`: `byId` and `byName` are
 * the packages each list found (none in both), `ids` and `names` the lists asked for.
 */
export function multiinfoOrder(
  byId: Iterable<Package>,
  byName: Iterable<Package>,
  ids: readonly number[],
  names: readonly string[],
  nameListScanFrom: number,
): Package[] {
  // Names equal under the collation (`a`, `A`, `a `) are one range to the optimizer.
  // Counted only where it matters: folding every name would cost each info request.
  let distinct: number | undefined;
  const distinctNames = () => (distinct ??= new Set(names.map(equalityKey)).size);
  // Enough names make the optimizer scan the whole table, in ID order (see plan.ts). IDs
  // beside them bring the scan a little sooner; the count probed is that of names alone.
  if (names.length >= nameListScanFrom && distinctNames() >= nameListScanFrom) return inIdOrder([...byId, ...byName]);
  // Names alone: a range over the Name index, so collation order. An ID the unsigned
  // column cannot hold (-1, 2^32) is an impossible range the optimizer drops, so IDs
  // like that leave the names alone.
  if (!ids.some(isPossibleId)) return [...byName].sort(byFoldedName);
  // One name (an equality) merges with the ID ranges in row-ID order. Several names make
  // a sort-union: rows found by name come first in row-ID order, then the primary-key
  // ranges are read in order, skipping nothing twice.
  if (names.length < 2 || distinctNames() < 2) return inIdOrder([...byId, ...byName]);
  return [...inIdOrder(byName), ...inIdOrder(byId)];
}

// ---- Metadata archives ----

/** The order of a list of names read without ORDER BY: see the rules at the top. */
export type ArchiveListOrder = "name" | "packager" | "id";

/** The order a name list's plan yields, from the index its first table is read through. */
export function archiveListOrderOf(rows: readonly ExplainRow[]): ArchiveListOrder {
  const first = driving(rows);
  if (first?.key === "Name" || first?.key === "Username") return "name";
  if (first?.key === "BasesPackagerUID") return "packager";
  return "id";
}

/** `items`, given in ID order, in `order`. */
export function* inArchiveListOrder<T extends { id: number; nameFold: string; packagerUID?: number | null }>(
  items: T[],
  order: ArchiveListOrder,
): Steps<T[]> {
  if (order === "id") return items;
  if (order === "name") return yield* sortInSteps(items, byFoldedName);
  return yield* sortInSteps(items, (a, b) => (a.packagerUID ?? -1) - (b.packagerUID ?? -1) || a.id - b.id);
}

/**
 * A package's declarations as the extended archive's union lists them: by type ID (the
 * type table drives), each type's rows in insertion order, without rows equal under the
 * collation to one before them.
 */
export function extendedDeclarationOrder<T extends { typeRank: number; name: string; condition: string | null }>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  const distinct = rows.filter((r) => {
    const key = `${r.typeRank}\u0000${equalityKey(r.name)}\u0000${r.condition === null ? "\u0001" : equalityKey(r.condition)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return distinct.sort((a, b) => a.typeRank - b.typeRank);
}
