/**
 * One immutable, fully indexed copy of the package data. A new snapshot is built when the
 * tables change (see store.ts); requests hold whichever snapshot was current when they
 * started, so an answer never mixes two states of the database. Indexes that depend only
 * on unchanged data are carried over from the previous snapshot instead of rebuilt.
 *
 * So are the bases and packages in which nothing changed: the same objects serve both
 * snapshots, which is why neither holds anything of its snapshot (a base's packages and a
 * package's declarations are found through the snapshot). A base is shared when its row,
 * users, keywords, co-maintainers and open requests are the same; a package when its base
 * is, and its row, groups and licenses are. A rebuild under load holds two snapshots at
 * once, so what the replaced one holds of its own is what a worker's peak pays for
 * (`npm run bench:snapshot-memory` measures it).
 */
import { compareFolded, equalityKey, equalityKeyOfFolded, fold } from "../collation/general-ci.js";
import type { SourceRows } from "./load.js";
import { filterInSteps, forEachInSteps, mapInSteps, runAtOnce, sortInSteps, STEP, type Steps } from "./steps.js";
import { DeclarerIndex } from "./declarer-index.js";
import { NO_NAMES, sortedNamesInSteps, type SortedNames } from "./sorted-names.js";
import { indexInAscending } from "./sorted-search.js";
import { TrigramIndex } from "./text-index.js";
import type {
  BaseRow,
  Declaration,
  DeclarationColumns,
  DeclarationTable,
  DeclarationTables,
  DependencyOrder,
  NamedLink,
  Package,
  PackageBase,
  PackageRow,
  ScanOrder,
  ScanPlans,
  UserRow,
} from "./types.js";

const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;

/**
 * The one empty list every package without groups or licenses, and every base without
 * keywords or co-maintainers, points to: most have none, and an empty array each adds up
 * over every package.
 */
const NONE: readonly string[] = Object.freeze([]);

/**
 * A list grown by push() keeps room for about sixteen more items, even with one item in
 * it; a copy made once it is complete has exactly its length, and most lists are short.
 */
function trimmed<T>(list: T[]): T[] {
  return list.length > 0 ? list.slice() : list;
}

/**
 * The names of link rows (groups, licenses, keywords, co-maintainers) listed per owner,
 * in row order, or sorted by `compare`.
 */
function* listsByOwner(links: readonly NamedLink[], compare?: (a: string, b: string) => number): Steps<Map<number, string[]>> {
  const lists = new Map<number, string[]>();
  for (let i = 0; i < links.length; i++) {
    if (i % STEP === 0) yield;
    const { ownerId, name } = links[i]!;
    const list = lists.get(ownerId);
    if (list) list.push(name);
    else lists.set(ownerId, [name]);
  }
  for (const [owner, list] of lists) if (list.length > 1) lists.set(owner, trimmed(compare ? inOrder(list, compare) : list));
  return lists;
}

/**
 * Gives every owner with the same list one shared copy: packages repeat a few license and
 * group combinations, which would otherwise be an array per package. Lists are never changed once a snapshot is built, so sharing is safe.
 */
function* shareEqualLists(lists: Map<number, readonly string[]>): Steps<Map<number, readonly string[]>> {
  const shared = new Map<string, readonly string[]>();
  let i = 0;
  for (const [owner, list] of lists) {
    if (i++ % STEP === 0) yield;
    const key = list.join("\u0000");
    let copy = shared.get(key);
    if (copy === undefined) shared.set(key, (copy = Object.freeze(list.slice())));
    lists.set(owner, copy);
  }
  return lists;
}

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

/** The orders of the visible bases that need a sort: by folded name, and by packager (a scan order). */
type BaseOrder = "name" | "packager";

export class Snapshot {
  // Set once while the snapshot is built (see build()), never after.
  packages: readonly Package[] = [];
  bases: readonly PackageBase[] = [];
  /** Packages visible to the RPC, in the order the name/description search plan scans them. */
  nameScan: readonly Package[] = [];
  orphanScan: readonly Package[] = [];
  private userCount = 0;
  private nameIndexValue: TrigramIndex | undefined;
  private nameDescIndexValue: TrigramIndex | undefined;
  /** Visible packages' and bases' names under the collation, for `ORDER BY Name`. */
  packageNames: SortedNames = NO_NAMES;
  baseNames: SortedNames = NO_NAMES;
  /** The positions in nameScan of the packages in name order. */
  private sortedByNamePositions: Int32Array = new Int32Array(0);

  private readonly packagesById = new Map<number, Package>();
  /**
   * Every package, grouped by base: the bases in ID order, each base's packages in ID order.
   * Base i of `bases` has `packagesInBaseOrder[baseStarts[i]..baseStarts[i + 1])`. Kept
   * here, not in the bases, which later snapshots may share; one flat list costs far less
   * than a list per base.
   */
  private packagesInBaseOrder: readonly Package[] = [];
  private baseStarts = new Int32Array(1);
  private readonly packagesByName = new Map<string, Package>();
  private readonly userIdsByName = new Map<string, number>();
  private readonly usernamesById = new Map<number, string>();
  private readonly packagesByMaintainer = new Map<number, Package[]>();
  private readonly packagesBySubmitter = new Map<number, Package[]>();
  private readonly packagesByComaintainer = new Map<string, Package[]>();
  private readonly packagesByGroup = new Map<string, Package[]>();
  /** Positions in `bases` by keyword (its equality key). */
  private readonly basesByKeyword = new Map<string, Set<number>>();
  private declarers!: DeclarerIndex;
  private tables!: DeclarationTables;
  private readonly scanOrders = new Map<ScanOrder, Package[]>();
  private baseOrders = new Map<BaseOrder, Int32Array>();
  private readonly ranks = new Map<ScanOrder, Map<Package, number>>();

  private constructor(
    readonly plans: ScanPlans,
    readonly loadedAt: number,
  ) {}

  /**
   * The steps that build a snapshot of `rows` with every index ready (see steps.ts): run
   * at once for the first snapshot, in slices for the ones that replace it.
   */
  static *build(rows: SourceRows, plans: ScanPlans, loadedAt: number, reuse?: Reuse): Steps<Snapshot> {
    const snapshot = new Snapshot(plans, loadedAt);
    yield* snapshot.index(rows, reuse);
    return snapshot;
  }

  private *index(rows: SourceRows, reuse: Reuse | undefined): Steps<void> {
    const usernames = this.usernamesById;
    this.userCount = rows.users.length;
    for (let i = 0; i < rows.users.length; i++) {
      const u = rows.users[i]!;
      usernames.set(u.id, u.username);
      this.userIdsByName.set(equalityKey(u.username), u.id);
      if (i % STEP === 0) yield;
    }

    // What a base holds besides its row comes first, so that an unchanged base can be
    // told from a changed one before it is made.
    // Keywords repeat across bases (the loader interns them): each is folded once.
    const folds = new Map<string, string>();
    const foldKeyword = (keyword: string) => {
      let folded = folds.get(keyword);
      if (folded === undefined) folds.set(keyword, (folded = fold(keyword)));
      return folded;
    };
    const byFoldedKeyword = (a: string, b: string) => compareFolded(foldKeyword(a), foldKeyword(b));
    const keywordsOf = yield* listsByOwner(rows.keywords, byFoldedKeyword);
    const comaintainersOf = yield* listsByOwner(yield* sortedLinks(rows.comaintainers));
    const pendingRequestsOf = new Map<number, number>();
    for (const baseId of rows.pendingRequests) pendingRequestsOf.set(baseId, (pendingRequestsOf.get(baseId) ?? 0) + 1);
    yield;

    const basesById = new Map<number, PackageBase>();
    // Both lists are in ID order, so one walk pairs each row with its previous base.
    const previousBases = reuse?.bases ?? [];
    let previousAt = 0;
    for (let i = 0; i < rows.bases.length; i++) {
      const b = rows.bases[i]!;
      if (i % STEP === 0) yield;
      while (previousAt < previousBases.length && previousBases[previousAt]!.id < b.id) previousAt++;
      const previous = previousBases[previousAt]?.id === b.id ? previousBases[previousAt] : undefined;
      // Literal objects with every field spelled out: V8 keeps them compact, where a
      // spread of twenty properties would leave each base in slow dictionary mode.
      const base: PackageBase = {
        id: b.id,
        name: b.name,
        nameFold: previous?.name === b.name ? previous.nameFold : fold(b.name),
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
        visible: b.packagerUID !== null,
        keywords: keywordsOf.get(b.id) ?? NONE,
        comaintainers: comaintainersOf.get(b.id) ?? NONE,
        pendingRequests: pendingRequestsOf.get(b.id) ?? 0,
        revision: 0,
      };
      // The previous snapshot's base, where nothing in it changed: shared, it is not held
      // twice while both snapshots are alive (see the class comment).
      basesById.set(b.id, previous !== undefined && sameBase(previous, base) ? previous : base);
    }
    this.bases = yield* sortInSteps([...basesById.values()], byId);

    // A table whose rows were not read again is the same object as before.
    const previousTables = reuse?.tables;
    const tables: DeclarationTables = {
      depends: previousTables?.depends.columns === rows.depends ? previousTables.depends : yield* groupByPackage(rows.depends),
      relations: previousTables?.relations.columns === rows.relations ? previousTables.relations : yield* groupByPackage(rows.relations),
    };
    this.tables = tables;
    const groupsOf = yield* shareEqualLists(yield* listsByOwner(yield* sortedLinks(rows.groups)));
    const licensesOf = yield* shareEqualLists(yield* listsByOwner(yield* sortedLinks(rows.licenses)));

    const packages: Package[] = [];
    const lastOfBase = new Map<number, Package>();
    for (let i = 0; i < rows.packages.length; i++) {
      const p = rows.packages[i]!;
      if (i % STEP === 0) yield;
      const base = basesById.get(p.baseId);
      if (!base) continue; // the foreign key makes this impossible; stay safe if it is dropped
      const previous = reuse?.packagesById.get(p.id);
      const groups = groupsOf.get(p.id) ?? NONE;
      const licenses = licensesOf.get(p.id) ?? NONE;
      let pkg: Package;
      if (
        previous !== undefined &&
        previous.base === base &&
        samePackageRow(previous, p) &&
        sameList(previous.groups, groups) &&
        sameList(previous.licenses, licenses)
      ) {
        pkg = previous;
      } else {
        // Folding is a good part of a build; most names and descriptions did not change.
        // A package named like its base shares the base's folded name, and split packages
        // often share their description with the sibling before them.
        const sibling = lastOfBase.get(base.id);
        pkg = {
          id: p.id,
          baseId: p.baseId,
          name: p.name,
          nameFold: p.name === base.name ? base.nameFold : previous?.name === p.name ? previous.nameFold : fold(p.name),
          version: p.version,
          description: p.description,
          url: p.url,
          descriptionFold:
            previous !== undefined && previous.description === p.description
              ? previous.descriptionFold
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
      this.packagesById.set(pkg.id, pkg);
      this.packagesByName.set(equalityKeyOfFolded(pkg.nameFold), pkg);
    }
    this.packages = yield* sortInSteps(packages, byId);
    this.packagesInBaseOrder = yield* sortInSteps([...this.packages], (a, b) => a.base.id - b.base.id || a.id - b.id);
    this.baseStarts = new Int32Array(this.bases.length + 1);
    for (let i = 0, at = 0; i < this.bases.length; i++) {
      while (at < this.packagesInBaseOrder.length && this.packagesInBaseOrder[at]!.base.id === this.bases[i]!.id) at++;
      this.baseStarts[i + 1] = at;
    }
    yield;

    // The bases in ID order, so each keyword's set holds them in the order a search walks them.
    for (let i = 0; i < this.bases.length; i++) {
      if (i % STEP === 0) yield;
      for (const keyword of this.bases[i]!.keywords) addTo(this.basesByKeyword, equalityKeyOfFolded(foldKeyword(keyword)), i);
    }

    for (let i = 0; i < this.bases.length; i++) {
      const base = this.bases[i]!;
      if (i % STEP === 0) yield;
      if (!base.visible) continue;
      const packages = this.packagesAt(i);
      if (base.maintainerUID !== null) pushAll(this.packagesByMaintainer, base.maintainerUID, packages);
      if (base.submitterUID !== null) pushAll(this.packagesBySubmitter, base.submitterUID, packages);
      for (const name of base.comaintainers) pushAll(this.packagesByComaintainer, equalityKey(name), packages);
    }
    for (let i = 0; i < this.packages.length; i++) {
      const pkg = this.packages[i]!;
      if (i % STEP === 0) yield;
      if (!pkg.base.visible) continue;
      for (const group of pkg.groups) pushAll(this.packagesByGroup, equalityKey(group), [pkg]);
    }
    yield* trimValues(this.packagesByMaintainer);
    yield* trimValues(this.packagesBySubmitter);
    yield* trimValues(this.packagesByComaintainer);
    yield* trimValues(this.packagesByGroup);

    // A base order is a permutation of positions in `bases`, which stands while every base
    // keeps its ID, name and packager (visibility follows the packager); so do the sorted
    // names of the visible bases.
    const sameBases = reuse !== undefined && sameBaseKeys(this.bases, reuse.bases);
    if (sameBases) this.baseOrders = new Map(reuse.baseOrders);
    this.nameScan = yield* this.scanOrderSteps(this.plans.nameSearch);
    this.orphanScan = yield* filterInSteps(yield* this.scanOrderSteps(this.plans.orphanSearch), (p) => p.base.maintainer === null);
    const sameDeclarations =
      reuse !== undefined &&
      tables.depends === reuse.tables.depends &&
      tables.relations === reuse.tables.relations &&
      sameVisiblePackages(this.packages, reuse);
    this.declarers = sameDeclarations
      ? yield* reuse.declarers.withPackages((id) => this.packagesById.get(id)!)
      : yield* DeclarerIndex.build([rows.depends, rows.relations], (id) => {
          const pkg = this.packagesById.get(id);
          return pkg?.base.visible ? pkg : undefined;
        });

    // An upload that adds or removes no package keeps every document number: the text
    // indexes are carried over, with the few documents whose text changed beside them.
    const changed = reuse && changedDocuments(this.nameScan, reuse.nameScan);
    if (reuse && changed) {
      this.nameIndexValue = reuse.nameIndex?.withChanged(changed.names);
      this.nameDescIndexValue = reuse.nameDescriptionIndex?.withChanged(changed.texts);
    }
    this.nameIndexValue ??= yield* TrigramIndex.build(yield* mapInSteps(this.nameScan, (p) => p.nameFold));
    this.nameDescIndexValue ??= yield* TrigramIndex.build(yield* mapInSteps(this.nameScan, (p) => `${p.nameFold}\n${p.descriptionFold}`));
    // The name order is a permutation of scan positions, which stands while every position
    // keeps its name.
    const scan = this.nameScan;
    this.sortedByNamePositions =
      changed?.names.length === 0 && reuse
        ? reuse.sortedByNamePositions
        : Int32Array.from(
            yield* sortInSteps(
              Array.from(scan, (_, i) => i),
              (a, b) => compareFolded(scan[a]!.nameFold, scan[b]!.nameFold),
            ),
          );
    const sameNames = reuse !== undefined && changed?.names.length === 0 && scan.every((p, i) => p.name === reuse.nameScan[i]!.name);
    this.packageNames = sameNames ? reuse.packageNames : yield* sortedNamesInSteps(scan, this.sortedByNamePositions);
    this.baseNames = sameBases ? reuse.baseNames : yield* sortedNamesInSteps(Array.from(yield* this.visibleBasesIn("name"), (i) => this.bases[i]!));
  }

  /** The positions in `bases` of the visible bases in `order`: sorted once, then kept. */
  private *visibleBasesIn(order: BaseOrder): Steps<Int32Array> {
    const bases = this.bases;
    let positions = this.baseOrders.get(order);
    if (!positions) {
      const visible: number[] = [];
      for (let i = 0; i < bases.length; i++) if (bases[i]!.visible) visible.push(i);
      const compare: (a: PackageBase, b: PackageBase) => number =
        order === "name" ? (a, b) => compareFolded(a.nameFold, b.nameFold) : (a, b) => a.packagerUID! - b.packagerUID! || a.id - b.id;
      positions = Int32Array.from(yield* sortInSteps(visible, (a, b) => compare(bases[a]!, bases[b]!)));
      this.baseOrders.set(order, positions);
    }
    return positions;
  }

  /** Visible packages in the order a plan driven by the given index walks them. */
  scanOrder(order: ScanOrder): Package[] {
    return runAtOnce(this.scanOrderSteps(order));
  }

  private *scanOrderSteps(order: ScanOrder): Steps<Package[]> {
    let list = this.scanOrders.get(order);
    if (list) return list;
    if (order === "package") {
      list = yield* filterInSteps(this.packages, (p) => p.base.visible);
    } else {
      const packages: Package[] = [];
      if (order === "packager") {
        const positions = yield* this.visibleBasesIn("packager");
        for (let i = 0; i < positions.length; i++) {
          if (i % STEP === 0) yield;
          this.pushPackagesAt(positions[i]!, packages);
        }
      } else {
        for (let i = 0; i < this.bases.length; i++) {
          if (i % STEP === 0) yield;
          if (this.bases[i]!.visible) this.pushPackagesAt(i, packages);
        }
      }
      list = packages;
    }
    this.scanOrders.set(order, list);
    return list;
  }

  /** A package's dependencies, then its relations, each in insertion order. */
  declarationsOf(pkg: Package): Generator<Declaration> {
    return declarationsIn(this.tables, pkg.id);
  }

  /** The declaration tables: the same object in every snapshot built while their rows are. */
  get declarationTables(): DeclarationTables {
    return this.tables;
  }

  /** A base's packages, ascending by ID: the order the PackageBaseID index yields them. */
  packagesOf(base: PackageBase): readonly Package[] {
    const bases = this.bases;
    const at = indexInAscending(bases.length, (i) => bases[i]!.id, base.id);
    return at < 0 ? [] : this.packagesAt(at);
  }

  /** The packages of `bases[at]`. */
  private packagesAt(at: number): Package[] {
    return this.packagesInBaseOrder.slice(this.baseStarts[at], this.baseStarts[at + 1]);
  }

  /** Appends the packages of `bases[at]` to `out`. */
  private pushPackagesAt(at: number, out: Package[]): void {
    for (let i = this.baseStarts[at]!; i < this.baseStarts[at + 1]!; i++) out.push(this.packagesInBaseOrder[i]!);
  }

  packageById(id: number): Package | undefined {
    return this.packagesById.get(id);
  }

  /** `Packages.Name = ?` under the collation. */
  packageByName(name: string): Package | undefined {
    return this.packagesByName.get(equalityKey(name));
  }

  userIdByName(name: string): number | undefined {
    return this.userIdsByName.get(equalityKey(name));
  }

  /** In base order (the BasesMaintainerUID index), or package order where the plan scans Packages. */
  packagesMaintainedBy(userId: number): readonly Package[] {
    const packages = this.packagesByMaintainer.get(userId) ?? [];
    return this.plans.maintainerSearch === "package" ? [...packages].sort(byId) : packages;
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
    // The sets hold their bases in ID order (see index()).
    for (const at of smallest ?? []) {
      if (this.bases[at]!.visible && rest.every((s) => s.has(at))) this.pushPackagesAt(at, packages);
    }
    return packages;
  }

  /**
   * Visible packages with a declaration of `type` named `name`: dependency types
   * ("depends", "makedepends", ...) and relation types ("provides", "conflicts", "replaces").
   * A list of `limit` packages or more comes in row order: its answer is the too-many-results
   * error whatever the order, and ordering the tens of thousands of declarers of a base
   * library would be nearly all of its cost.
   */
  packagesDeclaring(type: string, name: string, order: DependencyOrder = "row", limit = Infinity): readonly Package[] {
    const packages = this.declarers.declaring(type, name);
    if (order === "row" || packages.length < 2 || packages.length >= limit) return packages;
    if (order === "row-by-base") return packages.sort((a, b) => a.base.id - b.base.id);
    if (order === "row-by-packager") {
      return packages.sort((a, b) => a.base.packagerUID! - b.base.packagerUID! || a.base.id - b.base.id);
    }
    return this.inScanOrder(order, packages);
  }

  /**
   * `packages` in the order a scan meets them: their positions in the scan, sorted as
   * numbers, rather than a comparison that looks both packages up in the rank map: several
   * times faster in packager order, which MariaDB picks for the most declared names, and
   * about as fast where the order is close to the row order already.
   */
  private inScanOrder(order: ScanOrder, packages: readonly Package[]): Package[] {
    const scan = this.scanOrder(order);
    const rank = this.rankIn(order);
    const positions = new Uint32Array(packages.length);
    for (let i = 0; i < packages.length; i++) positions[i] = rank.get(packages[i]!)!;
    positions.sort();
    return Array.from(positions, (position) => scan[position]!);
  }

  private rankIn(order: ScanOrder): Map<Package, number> {
    let rank = this.ranks.get(order);
    if (!rank) this.ranks.set(order, (rank = new Map(this.scanOrder(order).map((p, i) => [p, i]))));
    return rank;
  }

  get nameIndex(): TrigramIndex {
    return this.nameIndexValue!;
  }

  get nameDescriptionIndex(): TrigramIndex {
    return this.nameDescIndexValue!;
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
    if (rows.length !== this.bases.length) return false;
    const byId = new Map(this.bases.map((b) => [b.id, b]));
    const changed: [PackageBase, BaseRow][] = [];
    for (const row of rows) {
      const base = byId.get(row.id);
      if (
        !base ||
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

  /** What the next snapshot may reuse from this one (see Reuse). */
  reusable(): Reuse {
    return {
      bases: this.bases,
      packagesById: this.packagesById,
      nameScan: this.nameScan,
      sortedByNamePositions: this.sortedByNamePositions,
      nameIndex: this.nameIndexValue,
      nameDescriptionIndex: this.nameDescIndexValue,
      tables: this.tables,
      declarers: this.declarers,
      baseOrders: this.baseOrders,
      packageNames: this.packageNames,
      baseNames: this.baseNames,
    };
  }

}

/**
 * Row numbers of a declaration table grouped by package (a counting sort, so each
 * package's rows keep their insertion order), packages in ID order.
 */
function* groupByPackage(columns: DeclarationColumns): Steps<DeclarationTable> {
  const ids = columns.packageIds;
  const counts = new Map<number, number>();
  // Counted a run at a time: a package's rows mostly follow one another.
  let runs = 0;
  for (let row = 0; row < ids.length; ) {
    const id = ids[row]!;
    const runStart = row;
    while (row < ids.length && ids[row] === id) row++;
    counts.set(id, (counts.get(id) ?? 0) + row - runStart);
    if (++runs % STEP === 0) yield;
  }
  const packageIds = Uint32Array.from(counts.keys()).sort();
  const starts = new Int32Array(packageIds.length + 1);
  const next = new Map<number, number>();
  for (let i = 0; i < packageIds.length; i++) {
    const id = packageIds[i]!;
    next.set(id, starts[i]!);
    starts[i + 1] = starts[i]! + counts.get(id)!;
  }
  yield;
  const order = new Int32Array(ids.length);
  for (let row = 0; row < ids.length; ) {
    const id = ids[row]!;
    let at = next.get(id)!;
    while (row < ids.length && ids[row] === id) order[at++] = row++;
    next.set(id, at);
    if (++runs % STEP === 0) yield;
  }
  return { columns, order, packageIds, starts };
}

/**
 * The positions at which two scans hold packages with a different name (`names`), or a
 * different name or description (`texts`): the documents of the two text indexes. Undefined
 * when the scans differ in length and so number their documents differently.
 */
function changedDocuments(a: readonly Package[], b: readonly Package[]): { names: number[]; texts: number[] } | undefined {
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
function sameBaseKeys(bases: readonly PackageBase[], previous: readonly PackageBase[]): boolean {
  if (bases.length !== previous.length) return false;
  for (let i = 0; i < bases.length; i++) {
    const a = bases[i]!;
    const b = previous[i]!;
    if (a.id !== b.id || a.name !== b.name || a.packagerUID !== b.packagerUID) return false;
  }
  return true;
}

/** Whether a previous base holds every value of `base`, so it can stand for it. */
function sameBase(previous: PackageBase, base: PackageBase): boolean {
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

function samePackageRow(a: PackageRow, b: PackageRow): boolean {
  return a.id === b.id && a.baseId === b.baseId && a.name === b.name && a.version === b.version && a.description === b.description && a.url === b.url;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((item, i) => item === b[i]));
}

/** Whether the same packages are visible as in the snapshot `previous` came from. */
function sameVisiblePackages(packages: readonly Package[], previous: Reuse): boolean {
  let visible = 0;
  for (const pkg of packages) {
    if (!pkg.base.visible) continue;
    visible++;
    if (previous.packagesById.get(pkg.id)?.base.visible !== true) return false;
  }
  // nameScan holds every visible package once.
  return visible === previous.nameScan.length;
}

/** The dependencies, then the relations, of the package with `packageId`, each in insertion order. */
function* declarationsIn(tables: DeclarationTables, packageId: number): Generator<Declaration> {
  for (const { columns, order, packageIds, starts } of [tables.depends, tables.relations]) {
    const at = indexInAscending(packageIds.length, (i) => packageIds[i]!, packageId);
    if (at < 0) continue;
    for (let i = starts[at]!; i < starts[at + 1]!; i++) {
      const row = order[i]!;
      yield {
        type: columns.typeNames.get(columns.typeIds[row]!) ?? "",
        name: columns.names[row]!,
        condition: columns.conditions[row]!,
      };
    }
  }
}

function sortedLinks(links: readonly NamedLink[]): Steps<NamedLink[]> {
  return sortInSteps([...links], (a, b) => a.ownerId - b.ownerId || a.rank - b.rank);
}

/**
 * `list` sorted in place, unless it is in order already: Array.prototype.sort allocates
 * even for a list of one, and per base that was a tenth of what a rebuild allocated
 * (rows arrive in key order, so most lists are in order).
 */
function inOrder<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) if (compare(list[i - 1]!, list[i]!) > 0) return list.sort(compare);
  return list;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function* trimValues<K, V>(map: Map<K, V[]>): Steps<void> {
  yield* forEachInSteps([...map], ([key, list]) => map.set(key, trimmed(list)));
}

function pushAll<K, V>(map: Map<K, V[]>, key: K, values: readonly V[]): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(...values);
}
