/**
 * Which visible packages declare a dependency or relation of a given type on a name,
 * for the dependency searches (`by=depends`, ..., `by=provides`): in the order of the
 * first declaration row of each package, as the legacy query returned them.
 *
 * There are about five declaration rows per package. They are held as one flat list of
 * packages grouped by (type, name), with one offset per group, built by a counting sort
 * over integer group numbers: a Map of Sets per name took three times the memory and,
 * with its garbage, a third of a snapshot build.
 */
import { equalityKey } from "../collation/general-ci.js";
import type { DeclarationColumns } from "./types.js";
import { STEP, type Steps } from "./steps.js";
import type { Package } from "./types.js";

export class DeclarerIndex {
  private constructor(
    /** Group number by type key, then by name key (both collation equality keys). */
    private readonly groups: Map<string, Map<string, number>>,
    /** Group g's packages are members[offsets[g]..offsets[g + 1]). */
    private readonly offsets: Int32Array,
    private readonly members: readonly Package[],
  ) {}

  /**
   * The steps that index the rows of `sources` whose package `visible` returns; sources
   * are walked in the order given, each in row order.
   */
  static *build(sources: readonly DeclarationColumns[], visible: (packageId: number) => Package | undefined): Steps<DeclarerIndex> {
    const groups = new Map<string, Map<string, number>>();
    const counts: number[] = [];
    // Group of each row, or -1 for a row left out; rows of one source share a name
    // string per distinct name (load.ts interns them), so each name is keyed once.
    const rowGroups: Int32Array[] = [];
    const lookup = lastPackage(visible);
    for (const { typeNames, packageIds, typeIds, names } of sources) {
      // By type ID: the IDs are small numbers (DependencyTypes, RelationTypes).
      const byType: ((name: string) => number)[] = [];
      for (const [id, name] of typeNames) {
        const typeKey = equalityKey(name);
        let byName = groups.get(typeKey);
        if (!byName) groups.set(typeKey, (byName = new Map()));
        byType[id] = groupsOfNames(byName, counts);
      }
      const rowGroup = new Int32Array(packageIds.length);
      for (let row = 0; row < packageIds.length; row++) {
        if (row % STEP === 0) yield;
        const groupOf = byType[typeIds[row]!];
        if (!groupOf || !lookup(packageIds[row]!)) {
          rowGroup[row] = -1;
          continue;
        }
        const group = groupOf(names[row]!);
        rowGroup[row] = group;
        counts[group]!++;
      }
      rowGroups.push(rowGroup);
    }

    const offsets = new Int32Array(counts.length + 1);
    for (let g = 0; g < counts.length; g++) offsets[g + 1] = offsets[g]! + counts[g]!;
    yield;
    const members = new Array<Package>(offsets[counts.length]!);
    const next = offsets.slice(0, counts.length);
    for (let s = 0; s < sources.length; s++) {
      const { packageIds } = sources[s]!;
      const rowGroup = rowGroups[s]!;
      for (let row = 0; row < packageIds.length; row++) {
        if (row % STEP === 0) yield;
        const group = rowGroup[row]!;
        if (group >= 0) members[next[group]!++] = lookup(packageIds[row]!)!;
      }
    }
    yield* keepFirstOfEach(members, offsets);
    return new DeclarerIndex(groups, offsets, members.slice(0, offsets[counts.length]));
  }

  /**
   * The same groups over another snapshot's objects for the same packages: a rebuild
   * whose declaration rows and visible packages did not change (a new description, say)
   * swaps the packages and keeps everything else, which is most of what a build allocates.
   */
  *withPackages(resolve: (packageId: number) => Package): Steps<DeclarerIndex> {
    const members = new Array<Package>(this.members.length);
    for (let i = 0; i < members.length; i++) {
      if (i % STEP === 0) yield;
      members[i] = resolve(this.members[i]!.id);
    }
    return new DeclarerIndex(this.groups, this.offsets, members);
  }

  /** Whether this index was made from `other` by withPackages() (or is it). */
  sharesGroupsWith(other: DeclarerIndex): boolean {
    return this.offsets === other.offsets;
  }

  /** The packages declaring `type` on `name`, compared under the collation: a new array each call. */
  declaring(type: string, name: string): Package[] {
    const group = this.groups.get(equalityKey(type))?.get(equalityKey(name));
    return group === undefined ? [] : this.members.slice(this.offsets[group], this.offsets[group + 1]);
  }
}

/** `visible`, remembering the last answer: a package's rows mostly follow one another. */
function lastPackage(visible: (packageId: number) => Package | undefined): (packageId: number) => Package | undefined {
  let lastId = Number.NaN;
  let last: Package | undefined;
  return (packageId) => {
    if (packageId !== lastId) {
      lastId = packageId;
      last = visible(packageId);
    }
    return last;
  };
}

/** Group numbers by raw name for one type, new groups numbered as they appear. */
function groupsOfNames(byName: Map<string, number>, counts: number[]): (name: string) => number {
  const byRawName = new Map<string, number>();
  return (name) => {
    let group = byRawName.get(name);
    if (group !== undefined) return group;
    const key = equalityKey(name);
    group = byName.get(key);
    if (group === undefined) {
      group = counts.length;
      counts.push(0);
      byName.set(key, group);
    }
    byRawName.set(name, group);
    return group;
  };
}

/**
 * Drops a package's later rows within each group (it declared the name twice, say with
 * two version conditions), moving the groups together and updating `offsets` in place.
 * Which group last took each package is marked in one array by package ID: a Set per
 * large group was a tenth of what a snapshot build allocated.
 */
function* keepFirstOfEach(members: Package[], offsets: Int32Array): Steps<void> {
  const takenBy = groupMarks(members, offsets[offsets.length - 1]!);
  let written = 0;
  for (let g = 0; g + 1 < offsets.length; g++) {
    const start = offsets[g]!;
    const end = offsets[g + 1]!;
    offsets[g] = written;
    for (let i = start; i < end; i++) {
      const pkg = members[i]!;
      if (takenBy.get(pkg.id) === g) continue;
      takenBy.set(pkg.id, g);
      members[written++] = pkg;
    }
    if (g % STEP === 0) yield;
  }
  offsets[offsets.length - 1] = written;
}

interface GroupMarks {
  get(packageId: number): number | undefined;
  set(packageId: number, group: number): void;
}

/**
 * Which group last took each package: an array indexed by package ID while the IDs are
 * dense, as AUTO_INCREMENT leaves them; a map when they are sparse, since an array up to
 * an ID near the top of INT UNSIGNED would take gigabytes.
 */
function groupMarks(members: readonly Package[], count: number): GroupMarks {
  let maxId = 0;
  for (let i = 0; i < count; i++) maxId = Math.max(maxId, members[i]!.id);
  if (maxId > 8 * count + 1_000_000) return new Map<number, number>();
  const marks = new Int32Array(maxId + 1).fill(-1);
  return {
    get: (packageId) => marks[packageId],
    set: (packageId, group) => {
      marks[packageId] = group;
    },
  };
}
