/**
 * Names in collation order, for `Name LIKE 'prefix%' ORDER BY Name LIMIT 20` (the two
 * suggest types): the folded keys and the names in parallel arrays of strings. A lookup
 * then reads strings only; a binary search over the packages themselves loaded each
 * probe's key through objects of many shapes, which V8 could not keep on its fast path.
 */
import { STEP, type Steps } from "./steps.js";

export interface SortedNames {
  /** The collation's folded form of each name (collation/general-ci.ts), ascending. */
  readonly folds: readonly string[];
  /** The names as stored, in the same order. */
  readonly names: readonly string[];
}

export const NO_NAMES: SortedNames = { folds: [], names: [] };

/** The names of `items`, taken in the order of `order` (positions in `items`) when given. */
export function* sortedNamesInSteps(items: readonly { nameFold: string; name: string }[], order?: ArrayLike<number>): Steps<SortedNames> {
  const length = order ? order.length : items.length;
  const folds = new Array<string>(length);
  const names = new Array<string>(length);
  for (let i = 0; i < length; i++) {
    const item = items[order ? order[i]! : i]!;
    folds[i] = item.nameFold;
    names[i] = item.name;
    if (i % STEP === 0) yield;
  }
  return { folds, names };
}
