/**
 * One immutable, fully indexed copy of the package data. A new snapshot is built when the
 * tables change (see store.ts, build-snapshot.ts); requests hold whichever snapshot was
 * current when they started, so an answer never mixes two states of the database.
 */
import { equalityKey } from "../collation/general-ci.js";
import { buildSnapshotParts, type SnapshotParts } from "./build-snapshot.js";
import { declarationsIn } from "./declaration-tables.js";
import type { DeclarerIndex } from "./declarer-index.js";
import type { SourceRows } from "./load.js";
import type { PackagesByBase } from "./packages-by-base.js";
import type { Reuse } from "./reuse.js";
import { inDependencyOrder, maintainerSearchOrder, type ScanOrders } from "./row-order.js";
import type { SortedNames } from "./sorted-names.js";
import { indexInAscending } from "./sorted-search.js";
import type { Steps } from "./steps.js";
import type { TrigramIndex } from "./text-index.js";
import type {
  BaseRow,
  Declaration,
  DeclarationTables,
  DependencyOrder,
  Package,
  PackageBase,
  ScanOrder,
  ScanPlans,
  UnpackagedBases,
  UserRow,
} from "./types.js";

export class Snapshot {
  readonly plans: ScanPlans;
  /** In ID order. */
  readonly packages: readonly Package[];
  /** In ID order. */
  readonly bases: readonly PackageBase[];
  /** Packages visible to the RPC, in the order the name/description search plan scans them. */
  readonly nameScan: readonly Package[];
  readonly orphanScan: readonly Package[];
  /** Over the folded names, and names and descriptions, of `nameScan` (its positions are their documents). */
  readonly nameIndex: TrigramIndex;
  readonly nameDescriptionIndex: TrigramIndex;
  /** Visible packages' and bases' names under the collation, for `ORDER BY Name`. */
  readonly packageNames: SortedNames;
  readonly baseNames: SortedNames;
  /** The declaration tables: the same object in every snapshot built while their rows are. */
  readonly declarationTables: DeclarationTables;
  private readonly userCount: number;
  private readonly usernamesById: Map<number, string>;
  private readonly userIdsByName: Map<string, number>;
  /** The positions in nameScan of the packages in name order. */
  private readonly sortedByNamePositions: Int32Array;
  private readonly packagesById: Map<number, Package>;
  private readonly packagesByName: Map<string, Package>;
  private readonly packagesByBase: PackagesByBase;
  private readonly packagesByMaintainer: Map<number, Package[]>;
  private readonly packagesBySubmitter: Map<number, Package[]>;
  private readonly packagesByComaintainer: Map<string, Package[]>;
  private readonly packagesByGroup: Map<string, Package[]>;
  /** Positions in `bases` by keyword (its equality key). */
  private readonly basesByKeyword: Map<string, Set<number>>;
  private readonly declarers: DeclarerIndex;
  private readonly scans: ScanOrders;

  private constructor(parts: SnapshotParts) {
    this.plans = parts.plans;
    this.packages = parts.packages;
    this.bases = parts.bases;
    this.nameScan = parts.nameScan;
    this.orphanScan = parts.orphanScan;
    this.nameIndex = parts.nameIndex;
    this.nameDescriptionIndex = parts.nameDescriptionIndex;
    this.packageNames = parts.packageNames;
    this.baseNames = parts.baseNames;
    this.declarationTables = parts.declarationTables;
    this.userCount = parts.userCount;
    this.usernamesById = parts.usernamesById;
    this.userIdsByName = parts.userIdsByName;
    this.sortedByNamePositions = parts.sortedByNamePositions;
    this.packagesById = parts.packagesById;
    this.packagesByName = parts.packagesByName;
    this.packagesByBase = parts.packagesByBase;
    this.packagesByMaintainer = parts.packagesByMaintainer;
    this.packagesBySubmitter = parts.packagesBySubmitter;
    this.packagesByComaintainer = parts.packagesByComaintainer;
    this.packagesByGroup = parts.packagesByGroup;
    this.basesByKeyword = parts.basesByKeyword;
    this.declarers = parts.declarers;
    this.scans = parts.scans;
  }

  /**
   * The steps that build a snapshot of `rows` with every index ready (see steps.ts), taking
   * over from the previous snapshot what `reuse` offers.
   */
  static *build(rows: SourceRows, plans: ScanPlans, reuse?: Reuse, unpackaged: UnpackagedBases = "hidden"): Steps<Snapshot> {
    return new Snapshot(yield* buildSnapshotParts(rows, plans, reuse, unpackaged));
  }

  /** Visible packages in the order a plan driven by the given index walks them. */
  scanOrder(order: ScanOrder): Package[] {
    return this.scans.get(order);
  }

  /** A package's dependencies, then its relations, each in insertion order. */
  declarationsOf(pkg: Package): Generator<Declaration> {
    return declarationsIn(this.declarationTables, pkg.id);
  }

  /** A base's packages, ascending by ID: the order the PackageBaseID index yields them. */
  packagesOf(base: PackageBase): readonly Package[] {
    const bases = this.bases;
    const at = indexInAscending(bases.length, (i) => bases[i]!.id, base.id);
    return at < 0 ? [] : this.packagesByBase.at(at);
  }

  packageById(id: number): Package | undefined {
    return this.packagesById.get(id);
  }

  /** `Packages.Name = ?` under the collation. */
  packageByName(name: string): Package | undefined {
    return this.packagesByName.get(equalityKey(name));
  }

  /** Every user's ID and name, in ID order (the order they were read in). */
  users(): IterableIterator<[number, string]> {
    return this.usernamesById.entries();
  }

  userIdByName(name: string): number | undefined {
    return this.userIdsByName.get(equalityKey(name));
  }

  /** In the order of the maintainer search's plan. */
  packagesMaintainedBy(userId: number): readonly Package[] {
    return maintainerSearchOrder(this.packagesByMaintainer.get(userId) ?? [], this.plans.maintainerSearch);
  }

  packagesSubmittedBy(userId: number): readonly Package[] {
    return this.packagesBySubmitter.get(userId) ?? [];
  }

  packagesComaintainedBy(username: string): readonly Package[] {
    return this.packagesByComaintainer.get(equalityKey(username)) ?? [];
  }

  packagesInGroup(group: string): readonly Package[] {
    return this.packagesByGroup.get(equalityKey(group)) ?? [];
  }

  /** Visible packages whose base has every one of the keywords, in base order. */
  packagesWithKeywords(keywords: readonly string[]): Package[] {
    const sets = keywords.map((k) => this.basesByKeyword.get(equalityKey(k)) ?? new Set<number>());
    sets.sort((a, b) => a.size - b.size);
    const [smallest, ...rest] = sets;
    const packages: Package[] = [];
    // The sets hold their bases in ID order (see build-snapshot.ts).
    for (const at of smallest ?? []) {
      if (this.bases[at]!.visible && rest.every((s) => s.has(at))) this.packagesByBase.pushAt(at, packages);
    }
    return packages;
  }

  /**
   * Visible packages with a declaration of `type` named `name`: dependency types
   * ("depends", "makedepends", ...) and relation types ("provides", "conflicts", "replaces"),
   * in `order` (see row-order.ts inDependencyOrder for `limit`).
   */
  packagesDeclaring(type: string, name: string, order: DependencyOrder = "row", limit = Infinity): readonly Package[] {
    return inDependencyOrder(this.declarers.declaring(type, name), order, limit, this.scans);
  }

  /**
   * Applies new PackageBases rows in place when only what no index depends on changed
   * (votes, popularity, out-of-date flags, timestamps): the common change on a live site,
   * and far cheaper than a new snapshot. Returns false, changing nothing, when anything
   * else changed (a base added or removed, a name, maintainer, packager or submitter),
   * which needs a rebuild. It runs without yielding, so no request sees half of it.
   * A base shared with an earlier snapshot changes there too; that snapshot only still
   * answers requests that started before it was replaced.
   */
  patchBases(rows: readonly BaseRow[]): boolean {
    const bases = this.bases;
    if (rows.length !== bases.length) return false;
    // Both lists are in ID order, and the loader hands back a base itself for each row in
    // which nothing changed (load.ts): one walk by position, with no lookup table, finds
    // the few that did. A row out of place differs in ID, which makes a rebuild.
    const changed: [PackageBase, BaseRow][] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const base = bases[i]!;
      if (row === base) continue;
      if (
        base.id !== row.id ||
        base.name !== row.name ||
        base.maintainerUID !== row.maintainerUID ||
        base.packagerUID !== row.packagerUID ||
        base.submitterUID !== row.submitterUID
      ) {
        return false;
      }
      if (
        base.numVotes !== row.numVotes ||
        base.popularity !== row.popularity ||
        base.outOfDateTS !== row.outOfDateTS ||
        base.submittedTS !== row.submittedTS ||
        base.modifiedTS !== row.modifiedTS
      ) {
        changed.push([base, row]);
      }
    }
    for (const [base, row] of changed) {
      base.numVotes = row.numVotes;
      base.popularity = row.popularity;
      base.outOfDateTS = row.outOfDateTS;
      base.submittedTS = row.submittedTS;
      base.modifiedTS = row.modifiedTS;
      base.revision++;
    }
    return true;
  }

  /** Whether the users a snapshot knows (IDs and names, all it reads of them) are these. */
  hasUsers(rows: readonly UserRow[]): boolean {
    if (rows.length !== this.userCount) return false;
    return rows.every((u) => this.usernamesById.get(u.id) === u.username);
  }

  /** What the next snapshot may reuse from this one (see reuse.ts). */
  reusable(): Reuse {
    return {
      bases: this.bases,
      packagesById: this.packagesById,
      nameScan: this.nameScan,
      sortedByNamePositions: this.sortedByNamePositions,
      nameIndex: this.nameIndex,
      nameDescriptionIndex: this.nameDescriptionIndex,
      tables: this.declarationTables,
      declarers: this.declarers,
      baseOrders: this.scans.baseOrders,
      packageNames: this.packageNames,
      baseNames: this.baseNames,
    };
  }
}
