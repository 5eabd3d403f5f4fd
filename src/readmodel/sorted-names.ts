/**
 * Names in collation order, for `Name LIKE 'prefix%' ORDER BY Name LIMIT 20` (the two
 * suggest types): the folded keys and the names in parallel arrays of strings. A lookup
 * then reads strings only; a binary search over the packages themselves loaded each
 * probe's key through objects of many shapes, which V8 could not keep on its fast path.
 */
import { encodeString } from "../php/json.js";
import { STEP, type Steps } from "./steps.js";

export interface SortedNames {
  /** The collation's folded form of each name (collation/general-ci.ts), ascending. */
  readonly folds: readonly string[];
  /** The names as stored, in the same order. */
  readonly names: readonly string[];
  /**
   * The names as the legacy RPC's json_encode() printed them, each followed by a comma,
   * in the same order: a suggest answer is then copied out of these bytes (usually one
   * run of them) instead of being escaped, joined and converted to bytes per request.
   */
  readonly json: Buffer;
  /** Where each name's bytes in `json` end (after its comma); they start where the previous end. */
  readonly jsonEnds: Uint32Array;
}

/** The names of `items`, taken in the order of `order` (positions in `items`) when given. */
export function* sortedNamesInSteps(items: readonly { nameFold: string; name: string }[], order?: ArrayLike<number>): Steps<SortedNames> {
  const length = order ? order.length : items.length;
  const folds = new Array<string>(length);
  const names = new Array<string>(length);
  const jsonEnds = new Uint32Array(length);
  // Written straight into bytes, so a rebuild does not hold a second string of every name
  // until the end.
  let json: Buffer = Buffer.allocUnsafeSlow(length * ESTIMATED_BYTES_PER_NAME + 2);
  let end = 0;
  for (let i = 0; i < length; i++) {
    const item = items[order ? order[i]! : i]!;
    folds[i] = item.nameFold;
    names[i] = item.name;
    // json_encode's output is ASCII: one byte per character.
    const encoded = encodeString(item.name);
    if (end + encoded.length + 1 > json.length) json = grown(json, end, end + encoded.length + 1);
    end += json.write(encoded, end, "latin1");
    json[end++] = COMMA;
    jsonEnds[i] = end;
    if (i % STEP === 0) yield;
  }
  return { folds, names, json: Buffer.from(json.subarray(0, end)), jsonEnds };
}

const ESTIMATED_BYTES_PER_NAME = 24;

/** A buffer of at least `needed` bytes holding the first `used` bytes of `buffer`. */
function grown(buffer: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafeSlow(Math.max(buffer.length * 2, needed));
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}

/**
 * The JSON list of the names at `positions` (ascending), as the legacy RPC printed it:
 * the bytes of each run of neighbouring names copied at once, the last comma replaced by
 * the closing bracket.
 */
export function jsonListOf({ json, jsonEnds }: SortedNames, positions: readonly number[]): Buffer {
  if (positions.length === 0) return Buffer.from("[]", "latin1");
  const start = (position: number) => (position === 0 ? 0 : jsonEnds[position - 1]!);
  let length = 1;
  for (const position of positions) length += jsonEnds[position]! - start(position);
  const body = Buffer.allocUnsafe(length);
  body[0] = OPEN_BRACKET;
  let offset = 1;
  for (let i = 0; i < positions.length; ) {
    let last = i;
    while (last + 1 < positions.length && positions[last + 1] === positions[last]! + 1) last++;
    offset += json.copy(body, offset, start(positions[i]!), jsonEnds[positions[last]!]);
    i = last + 1;
  }
  body[length - 1] = CLOSE_BRACKET;
  return body;
}

const OPEN_BRACKET = "[".charCodeAt(0);
const CLOSE_BRACKET = "]".charCodeAt(0);
const COMMA = ",".charCodeAt(0);
