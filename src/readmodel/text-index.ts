/**
 * A trigram index over folded text, so a `LIKE '%term%'` search touches only the
 * documents that contain every trigram of the term instead of every package. Documents
 * are numbered in scan order, so candidates come out in the order the database would
 * have produced matches; callers still confirm each candidate with a substring test,
 * which also makes the rare hash collision between trigrams harmless.
 *
 * Storage is compressed-row style: the slots of the trigrams that occur, ascending, one
 * offset per such slot, and one postings array, built in two passes (count, then fill)
 * without per-trigram arrays. Of the two million direct slots only some tens of thousands
 * occur, so an offset for every slot would cost far more than the index itself.
 */

import { STEP, type Steps } from "./steps.js";

const GRAM = 3;
/** Trigrams of three ASCII characters map to a slot directly (7 bits each). */
const DIRECT_SLOTS = 1 << 21;

function asciiKey(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  if ((a | b | c) < 0x80) return (a << 14) | (b << 7) | c;
  // Any other trigram: a 30-bit hash, kept apart from the direct range.
  return ((Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d)) >>> 2) | 0x20000000;
}

/**
 * Past this many documents changed since an index was built, a new one is built rather
 * than carried over with the changed documents beside it.
 */
const MAX_CHANGED = 1024;

export class TrigramIndex {
  private constructor(
    private readonly overflow: Map<number, number>,
    /** Slots that occur, ascending; slot slots[i] has postings[offsets[i]..offsets[i + 1]). */
    private readonly slots: Int32Array,
    private readonly offsets: Int32Array,
    private readonly postings: Int32Array,
    /**
     * Documents whose text changed after the postings were built, ascending: always
     * candidates. Their postings may be stale, which can only add candidates, and every
     * candidate is confirmed by the caller.
     */
    private readonly changed: Int32Array = new Int32Array(0),
  ) {}

  /**
   * This index for documents that differ from the ones it was built from only at the
   * numbers `changed` (ascending), or undefined when too many changed for that to pay.
   * Most uploads change one package's description and none of the document numbers.
   */
  withChanged(changed: readonly number[]): TrigramIndex | undefined {
    if (changed.length === 0) return this;
    const all = union(this.changed, Int32Array.from(changed));
    return all.length > MAX_CHANGED ? undefined : new TrigramIndex(this.overflow, this.slots, this.offsets, this.postings, all);
  }

  /**
   * The steps that index `documents` (see steps.ts); `documents[i]` is the folded text
   * of document i (several fields may be joined by "\n").
   */
  static *build(documents: readonly string[]): Steps<TrigramIndex> {
    const overflow = new Map<number, number>();
    const slotOf = (key: number): number => {
      if (key < DIRECT_SLOTS) return key;
      let slot = overflow.get(key);
      if (slot === undefined) overflow.set(key, (slot = DIRECT_SLOTS + overflow.size));
      return slot;
    };
    // Pass 1: how many documents contain each trigram.
    let counts: Int32Array = new Int32Array(DIRECT_SLOTS + 1024);
    let lastDoc: Int32Array = new Int32Array(counts.length).fill(-1);
    function* visit(fn: (slot: number, doc: number) => void): Steps<void> {
      lastDoc.fill(-1);
      yield;
      for (let doc = 0; doc < documents.length; doc++) {
        const text = documents[doc]!;
        for (let i = 0; i + GRAM <= text.length; i++) {
          const slot = slotOf(asciiKey(text, i));
          if (slot >= counts.length) [counts, lastDoc] = [grow(counts, 0), grow(lastDoc, -1)];
          if (lastDoc[slot] === doc) continue;
          lastDoc[slot] = doc;
          fn(slot, doc);
        }
        if (doc % STEP === 0) yield;
      }
    }
    yield* visit((slot) => counts[slot]!++);
    // The slots that occur and their offsets, then pass 2 fills the postings in document
    // order, through a cursor per slot kept in `counts`.
    const slotCount = DIRECT_SLOTS + overflow.size;
    let occurring = 0;
    for (let s = 0; s < slotCount; s++) if (counts[s]! > 0) occurring++;
    yield;
    const slots = new Int32Array(occurring);
    const offsets = new Int32Array(occurring + 1);
    for (let s = 0, i = 0, offset = 0; s < slotCount; s++) {
      const count = counts[s]!;
      counts[s] = offset;
      if (count > 0) {
        slots[i] = s;
        offsets[++i] = offset += count;
      }
      if (s % (STEP * STEP) === 0) yield;
    }
    const postings = new Int32Array(offsets[occurring]!);
    yield;
    yield* visit((slot, doc) => (postings[counts[slot]!++] = doc));
    return new TrigramIndex(overflow, slots, offsets, postings);
  }

  /**
   * Ascending document numbers that contain every trigram of the folded term, or null
   * when the term is too short for the index to narrow anything down.
   */
  candidates(term: string): Int32Array | null {
    if (term.length < GRAM) return null;
    const indexed = this.indexedCandidates(term);
    return this.changed.length === 0 ? indexed : union(indexed, this.changed);
  }

  private indexedCandidates(term: string): Int32Array {
    const lists: Int32Array[] = [];
    for (let i = 0; i + GRAM <= term.length; i++) {
      const key = asciiKey(term, i);
      const slot = key < DIRECT_SLOTS ? key : (this.overflow.get(key) ?? -1);
      const at = slot < 0 ? -1 : indexOfSorted(this.slots, slot);
      if (at < 0) return new Int32Array(0);
      const list = this.postings.subarray(this.offsets[at]!, this.offsets[at + 1]!);
      lists.push(list);
    }
    lists.sort((a, b) => a.length - b.length);
    let result = lists[0]!;
    // Intersecting the rarest few lists is enough; the substring test does the rest.
    for (let l = 1; l < Math.min(lists.length, 4) && result.length > 0; l++) result = intersect(result, lists[l]!);
    return result;
  }
}

/** The ascending numbers in either of two ascending lists, each once. */
function union(a: Int32Array, b: Int32Array): Int32Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Int32Array(a.length + b.length);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (n === 0 || out[n - 1] !== next) out[n++] = next;
  }
  return out.subarray(0, n);
}

/** Where `value` is in the ascending `list`, or -1. */
function indexOfSorted(list: Int32Array, value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return list[lo] === value ? lo : -1;
}

function grow(array: Int32Array, fill: number): Int32Array {
  const bigger = new Int32Array(array.length * 2).fill(fill);
  bigger.set(array);
  return bigger;
}

function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(Math.min(a.length, b.length));
  let n = 0;
  let j = 0;
  const gallop = b.length > 8 * a.length;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const v = a[i]!;
    if (gallop) {
      let lo = j;
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      j = lo;
    } else {
      while (j < b.length && b[j]! < v) j++;
    }
    if (b[j] === v) out[n++] = v;
  }
  return out.subarray(0, n);
}
