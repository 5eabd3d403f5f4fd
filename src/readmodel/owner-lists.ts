/**
 * Lists kept per owner: the names of a package's groups and licenses, of a base's keywords
 * and co-maintainers, and the packages of a maintainer, submitter, co-maintainer or group.
 * There is one such list per package or base, so what each costs adds up over every one.
 */
import { forEachInSteps, sortInSteps, STEP, type Steps } from "./steps.js";
import type { NamedLink } from "./types.js";

/** The one empty list every owner without items points to: most have none. */
export const NONE: readonly string[] = Object.freeze([]);

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
export function* listsByOwner(links: readonly NamedLink[], compare?: (a: string, b: string) => number): Steps<Map<number, string[]>> {
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
 * group combinations, which would otherwise be an array per package. Lists are never
 * changed once a snapshot is built, so sharing is safe.
 */
export function* shareEqualLists(lists: Map<number, readonly string[]>): Steps<Map<number, readonly string[]>> {
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

/** Link rows by owner, then rank (group ID, license ID, co-maintainer priority), as their keys order them. */
export function sortedLinks(links: readonly NamedLink[]): Steps<NamedLink[]> {
  return sortInSteps([...links], (a, b) => a.ownerId - b.ownerId || a.rank - b.rank);
}

/**
 * `list` sorted in place, unless it is in order already: Array.prototype.sort allocates
 * even for a list of one, and rows arrive in key order, so most lists are in order.
 */
function inOrder<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) if (compare(list[i - 1]!, list[i]!) > 0) return list.sort(compare);
  return list;
}

export function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

export function pushAll<K, V>(map: Map<K, V[]>, key: K, values: readonly V[]): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(...values);
}

/** Every list of `map` trimmed (see trimmed). */
export function* trimValues<K, V>(map: Map<K, V[]>): Steps<void> {
  yield* forEachInSteps([...map], ([key, list]) => map.set(key, trimmed(list)));
}
