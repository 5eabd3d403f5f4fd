/**
 * MariaDB's utf8mb4_general_ci, the collation of every legacy text column, reproduced in
 * memory: equality, ordering and LIKE must agree with what the legacy SQL saw.
 *
 * The collation gives each code point one 16-bit weight (case and most accents fold
 * together); every character outside the BMP weighs U+FFFD. A "folded" string holds one
 * weight per code point, so string operations on folded strings are collation operations.
 */
import { GENERAL_CI_WEIGHT_PAIRS } from "./general-ci-weights.js";

const WEIGHTS = new Uint16Array(0x10000);
for (let c = 0; c < 0x10000; c++) WEIGHTS[c] = c;
for (let i = 0; i < GENERAL_CI_WEIGHT_PAIRS.length; i += 2) {
  WEIGHTS[GENERAL_CI_WEIGHT_PAIRS[i]!] = GENERAL_CI_WEIGHT_PAIRS[i + 1]!;
}
const SUPPLEMENTARY_WEIGHT = 0xfffd;
const SPACE = 0x20;

const ASCII = /^[\x00-\x7f]*$/;
let scratch = new Uint16Array(256);

/** One weight per code point. */
export function fold(s: string): string {
  // In ASCII only a-z change weight, to A-Z: exactly what toUpperCase does there.
  if (ASCII.test(s)) return s.toUpperCase();
  if (scratch.length < s.length) scratch = new Uint16Array(s.length * 2);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        scratch[n++] = SUPPLEMENTARY_WEIGHT;
        continue;
      }
    }
    scratch[n++] = WEIGHTS[c]!;
  }
  // Built in one piece: appending char by char would leave a rope of n nodes per string.
  let out = "";
  for (let i = 0; i < n; i += 4096) out += String.fromCharCode(...scratch.subarray(i, Math.min(n, i + 4096)));
  return out;
}

/**
 * The equality key of an already folded string. PAD SPACE: trailing spaces do not take
 * part in `=` or ORDER BY.
 */
export function equalityKeyOfFolded(folded: string): string {
  let end = folded.length;
  while (end > 0 && folded.charCodeAt(end - 1) === SPACE) end--;
  return end === folded.length ? folded : folded.slice(0, end);
}

/** Two strings are `=` under the collation exactly when their keys are identical. */
export function equalityKey(s: string): string {
  return equalityKeyOfFolded(fold(s));
}

/** ORDER BY under the collation, on already-folded strings. */
export function compareFolded(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  // The shorter string is compared as if padded with spaces.
  const [longer, sign] = a.length > b.length ? [a, 1] : [b, -1];
  for (let i = n; i < longer.length; i++) {
    const d = longer.charCodeAt(i) - SPACE;
    if (d !== 0) return d * sign;
  }
  return 0;
}

/**
 * How `folded` compares with the strings that start with `prefix`: negative when it sorts
 * before all of them, positive when after, 0 when it starts with `prefix` or equals it
 * but for trailing spaces. The smallest string starting with a prefix is not the prefix
 * itself: `lib\t...` sorts before `lib`, which the collation compares as `lib` + spaces.
 * MariaDB agrees: `Name LIKE 'lib%' ORDER BY Name` puts `lib\x00x`, `lib\x01x`, `lib\tx`
 * before `lib`, by index range and by full scan alike.
 */
export function comparePrefix(folded: string, prefix: string): number {
  for (let i = 0; i < prefix.length; i++) {
    const d = (i < folded.length ? folded.charCodeAt(i) : SPACE) - prefix.charCodeAt(i);
    if (d !== 0) return d;
  }
  return 0;
}
