/**
 * Names in collation order, for `Name LIKE 'prefix%' ORDER BY Name LIMIT 20` (the two
 * suggest types): the folded keys and the names in parallel arrays of strings. A lookup
 * then reads strings only; a binary search over the packages themselves loaded each
 * probe's key through objects of many shapes, which V8 could not keep on its fast path.
 */
import { mapInSteps, type Steps } from "./steps.js";

export interface SortedNames {
  /** The collation's folded form of each name (collation/general-ci.ts), ascending. */
  readonly folds: readonly string[];
  /** The names as stored, in the same order. */
  readonly names: readonly string[];
}

export const NO_NAMES: SortedNames = { folds: [], names: [] };

export function* sortedNamesInSteps(sorted: readonly { nameFold: string; name: string }[]): Steps<SortedNames> {
  return {
    folds: yield* mapInSteps(sorted, (item) => item.nameFold),
    names: yield* mapInSteps(sorted, (item) => item.name),
  };
}
