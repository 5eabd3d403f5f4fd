/**
 * The legacy RPC's queries, answered from the read model. Each function returns the
 * packages the legacy SQL would have returned, in the order it would have returned them.
 */
import { compareFolded, comparePrefix } from "../collation/general-ci.js";
import { compileLike, escapeLikeWildcards, plainPrefix, type LikePattern } from "../collation/like.js";
import { multiinfoOrder, withSelfProvider } from "../readmodel/row-order.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import type { SortedNames } from "../readmodel/sorted-names.js";
import type { DependencyOrder, Package } from "../readmodel/types.js";
import type { TrigramIndex } from "../readmodel/text-index.js";

/** `Packages.Name LIKE '%term%'` (and `OR Description LIKE ...` with descriptions). */
export function searchByText(snapshot: Snapshot, term: string, withDescription: boolean, limit: number): Package[] {
  const pattern = compileLike(`%${escapeLikeWildcards(term)}%`);
  const test = withDescription
    ? (p: Package) => pattern.matches(p.nameFold) || (p.description !== null && pattern.matches(p.descriptionFold))
    : (p: Package) => pattern.matches(p.nameFold);
  const index: TrigramIndex = withDescription ? snapshot.nameDescriptionIndex : snapshot.nameIndex;
  return scanMatching(snapshot.nameScan, pattern, index, test, limit);
}

function scanMatching(
  scan: readonly Package[],
  pattern: LikePattern,
  index: TrigramIndex,
  test: (p: Package) => boolean,
  limit: number,
): Package[] {
  const out: Package[] = [];
  const candidates = pattern.substring !== null ? index.candidates(pattern.substring) : null;
  if (candidates) {
    for (let i = 0; i < candidates.length && out.length < limit; i++) {
      const p = scan[candidates[i]!]!;
      if (test(p)) out.push(p);
    }
    return out;
  }
  for (let i = 0; i < scan.length && out.length < limit; i++) {
    if (test(scan[i]!)) out.push(scan[i]!);
  }
  return out;
}

/** `Users.Username = ?`, or with an empty argument `Users.ID IS NULL` (orphans). */
export function searchByMaintainer(snapshot: Snapshot, username: string | null): readonly Package[] {
  if (username === null) return snapshot.orphanScan;
  const userId = snapshot.userIdByName(username);
  return userId === undefined ? [] : snapshot.packagesMaintainedBy(userId);
}

/**
 * Dependency and relation searches: `by=depends`, ..., `by=provides`, `by=conflicts`,
 * `by=replaces`. `limit`: see Snapshot.packagesDeclaring.
 */
export function searchByDeclaration(
  snapshot: Snapshot,
  type: string,
  name: string,
  order?: DependencyOrder,
  limit?: number,
): readonly Package[] {
  const declaring = snapshot.packagesDeclaring(type, name, order, limit);
  // A package always provides itself.
  return type === "provides" ? withSelfProvider(declaring, snapshot.packageByName(name)) : declaring;
}

/** The searches current aurweb added, other than relations. */
export function searchByExtendedField(snapshot: Snapshot, by: string, arg: string): readonly Package[] {
  switch (by) {
    case "groups":
      return snapshot.packagesInGroup(arg);
    case "submitter": {
      const userId = snapshot.userIdByName(arg);
      return userId === undefined ? [] : snapshot.packagesSubmittedBy(userId);
    }
    case "comaintainers":
      return snapshot.packagesComaintainedBy(arg);
    case "keywords":
      // Every given word must be a keyword of the package base.
      return snapshot.packagesWithKeywords(arg.split(/\s+/).filter(Boolean));
    default:
      return searchByDeclaration(snapshot, by, arg);
  }
}

/** `Packages.ID IN (...) OR Packages.Name IN (...)`, in the order the plan yields rows. */
export function multiinfo(snapshot: Snapshot, ids: readonly number[], names: readonly string[]): Package[] {
  const byId = new Set<Package>();
  for (const id of ids) {
    const p = snapshot.packageById(id);
    // Without names the packager condition applies to ID matches too; with names, SQL's
    // AND binds tighter than OR and ID matches skip it.
    if (p && (p.base.visible || names.length > 0)) byId.add(p);
  }
  const byName = new Set<Package>();
  for (const name of names) {
    const p = snapshot.packageByName(name);
    if (p?.base.visible && !byId.has(p)) byName.add(p);
  }
  return multiinfoOrder(byId, byName, ids, names, snapshot.plans.nameListScanFrom);
}

/** `Packages.Name = ?` */
export function infoByName(snapshot: Snapshot, name: string): Package[] {
  const p = snapshot.packageByName(name);
  return p?.base.visible ? [p] : [];
}

/** `Packages.ID = <numeric literal>`, given the ID the literal equals (see id-literal.ts). */
export function infoById(snapshot: Snapshot, id: number | null): Package[] {
  if (id === null) return [];
  const p = snapshot.packageById(id);
  return p?.base.visible ? [p] : [];
}

const SUGGEST_LIMIT = 20;

/**
 * `Name LIKE 'prefix%' ... ORDER BY Name LIMIT 20` over a list sorted by collation: the
 * positions of the names found, ascending. The legacy RPC escaped the argument's
 * wildcards; current aurweb does not.
 */
export function suggest(names: SortedNames, prefix: string, escape = true): number[] {
  // Nearly every argument is the plain start of a name: no pattern to compile.
  const plain = plainPrefix(prefix, escape);
  if (plain !== null) return namesStartingWith(names, plain);
  const pattern = compileLike(`${escape ? escapeLikeWildcards(prefix) : prefix}%`);
  if (pattern.prefix !== null) return namesStartingWith(names, pattern.prefix);
  const { folds } = names;
  const out: number[] = [];
  for (let i = 0; i < folds.length && out.length < SUGGEST_LIMIT; i++) {
    if (pattern.matches(folds[i]!)) out.push(i);
  }
  return out;
}

/** The first names, up to the limit, whose folded form starts with `key`. */
function namesStartingWith({ folds }: SortedNames, key: string): number[] {
  let lo = 0;
  let hi = folds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrefix(folds[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  // The order ignores trailing spaces and LIKE does not: names equal to the prefix
  // but for its trailing spaces sort among the matches without matching.
  const out: number[] = [];
  for (let i = lo; i < folds.length && out.length < SUGGEST_LIMIT; i++) {
    const fold = folds[i]!;
    if (fold.startsWith(key)) out.push(i);
    else if (compareFolded(fold, key) !== 0) break;
  }
  return out;
}

export function suggestPackages(snapshot: Snapshot, prefix: string, escape = true): string[] {
  return namesAt(snapshot.packageNames, suggest(snapshot.packageNames, prefix, escape));
}

export function suggestBases(snapshot: Snapshot, prefix: string, escape = true): string[] {
  return namesAt(snapshot.baseNames, suggest(snapshot.baseNames, prefix, escape));
}

const namesAt = ({ names }: SortedNames, positions: readonly number[]) => positions.map((i) => names[i]!);
