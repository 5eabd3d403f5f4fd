/**
 * How PHP turns a query string into $_GET (php_default_treat_data and
 * php_register_variable_ex), because the legacy RPC read its parameters from $_GET and
 * clients rely on its quirks: repeated keys overwrite, `arg[]` builds a list, `+` is a
 * space, malformed escapes stay literal, and for the requests PHP answered at most
 * max_input_vars pairs are read.
 *
 * Strings here are PHP byte strings: one JS char per byte (latin1), never decoded.
 */
import { PHP_INT_MAX, PHP_INT_MIN } from "./integer.js";

export type PhpValue = string | PhpArray;

/**
 * An ordered PHP array; integer-like keys are normalised like PHP does. An integer key is
 * held as a number while it is a safe integer and as its decimal text beyond (up to
 * PHP_INT_MAX), so each key has one form whichever way it arrives.
 */
export class PhpArray {
  readonly entries = new Map<string | number, PhpValue>();
  /** The key `[]` appends at: one past the largest integer key, stuck at PHP_INT_MAX. */
  private nextIndex: number | bigint = 0;

  get(key: string | number): PhpValue | undefined {
    return this.entries.get(normaliseKey(key));
  }

  set(key: string | number, value: PhpValue): void {
    const k = normaliseKey(key);
    this.entries.set(k, value);
    const index = typeof k === "number" ? k : largeIntegerKey(k);
    if (index === undefined || index < this.nextIndex) return;
    this.nextIndex = typeof index === "number" ? index + 1 : index < PHP_INT_MAX ? index + 1n : PHP_INT_MAX;
  }

  delete(key: string | number): void {
    this.entries.delete(normaliseKey(key));
  }

  /** `[]`: past PHP_INT_MAX PHP finds the next element occupied and drops the value. */
  push(value: PhpValue): void {
    const key = typeof this.nextIndex === "number" ? this.nextIndex : integerKey(this.nextIndex);
    if (!this.entries.has(key)) this.set(key, value);
  }

  values(): PhpValue[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }
}

const INTEGER_KEY = /^(0|-?[1-9][0-9]*)$/;

function integerKey(n: bigint): string | number {
  return n >= Number.MIN_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER ? Number(n) : String(n);
}

/** The value of a key held as text because it is an integer beyond the safe range. */
function largeIntegerKey(key: string): bigint | undefined {
  if (key.length < 16 || !INTEGER_KEY.test(key)) return undefined;
  const n = BigInt(key);
  return n >= PHP_INT_MIN && n <= PHP_INT_MAX ? n : undefined;
}

function normaliseKey(key: string | number): string | number {
  if (typeof key === "number") return key;
  // Most keys are names: one that starts with neither a digit nor "-" is no integer.
  const first = key.charCodeAt(0);
  if ((first < 0x30 || first > 0x39) && first !== 0x2d) return key;
  if (!INTEGER_KEY.test(key)) return key;
  const n = Number(key);
  // Beyond the safe range an integer key keeps its text, its one form (see PhpArray).
  return Number.isSafeInteger(n) ? n : key;
}

/**
 * PHP's max_input_vars: the pairs of a query string PHP read; the rest it dropped without
 * a word. Only the requests PHP answered keep this cut (see routes/legacy-site.ts).
 */
export const MAX_INPUT_VARS = 1000;
const MAX_INPUT_NESTING_LEVEL = 64;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** php_url_decode: `+` is a space, `%XX` a byte, anything else (even `%zz`) is kept. */
export function urlDecode(s: string): string {
  if (!s.includes("%") && !s.includes("+")) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "+") {
      out += " ";
    } else if (ch === "%" && i + 2 < s.length + 0 && hexValue(s.charCodeAt(i + 1)) >= 0 && hexValue(s.charCodeAt(i + 2)) >= 0) {
      out += String.fromCharCode(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)));
      i += 2;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Parses a raw query string or form body (bytes as latin1 chars, without the leading `?`).
 * `maxInputVars`: how many pairs are read; Infinity for a request PHP never answered.
 */
export function parseQueryString(query: string, maxInputVars = MAX_INPUT_VARS): PhpArray {
  const result = new PhpArray();
  let count = 0;
  for (const pair of query.split("&")) {
    if (pair === "") continue; // strtok skips empty tokens
    if (++count > maxInputVars) break;
    const eq = pair.indexOf("=");
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const value = eq === -1 ? "" : urlDecode(pair.slice(eq + 1));
    registerVariable(result, urlDecode(rawName), value);
  }
  return result;
}

/**
 * A character that makes PHP change a name: NUL ends it, a space or dot becomes "_", "["
 * opens an index (and leading spaces are dropped).
 */
const REWRITTEN_NAME = /[\0 .[]/;

function registerVariable(target: PhpArray, decodedName: string, value: string): void {
  // `v`, `type`, `arg`, `by`: nothing below would change them.
  if (decodedName !== "" && !REWRITTEN_NAME.test(decodedName)) {
    target.set(decodedName, value);
    return;
  }
  // The name is a C string in PHP: it ends at the first NUL byte.
  const nul = decodedName.indexOf("\0");
  let name = nul === -1 ? decodedName : decodedName.slice(0, nul);
  if (name.startsWith(" ")) name = name.replace(/^ +/, "");

  const bracket = name.indexOf("[");
  let base = bracket === -1 ? name : name.slice(0, bracket);
  base = base.replace(/[ .]/g, "_");
  if (base === "") return;

  if (bracket === -1) {
    target.set(base, value);
    return;
  }

  // Walk `[index]` segments; an unterminated `[` turns the rest into part of a plain name.
  const indexes: (string | null)[] = [];
  let pos = bracket;
  while (true) {
    // Too deep: PHP drops the whole variable, including what earlier pairs set.
    if (indexes.length >= MAX_INPUT_NESTING_LEVEL) {
      target.delete(base);
      return;
    }
    const close = name.indexOf("]", pos + 1);
    if (close === -1) {
      if (indexes.length === 0) {
        const rest = name.slice(pos + 1).replace(/[ .[]/g, "_");
        target.set(`${base}_${rest}`, value);
        return;
      }
      break;
    }
    const index = name.slice(pos + 1, close);
    // `[]`, and `[ ]` with one whitespace character, append.
    indexes.push(index === "" || /^[ \t\n\v\f\r]$/.test(index) ? null : index);
    pos = close + 1;
    if (name[pos] !== "[") break;
  }

  let container = target;
  let key: string | null = base;
  for (const index of indexes) {
    let next: PhpValue | undefined = key === null ? undefined : container.get(key);
    if (!(next instanceof PhpArray)) {
      next = new PhpArray();
      if (key === null) container.push(next);
      else container.set(key, next);
    }
    container = next;
    key = index;
  }
  if (key === null) container.push(value);
  else container.set(key, value);
}
