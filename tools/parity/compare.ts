import type { Answer } from "./requests.js";

/**
 * What kind of difference was found, from the coarsest to the finest:
 * - `status`: different HTTP status.
 * - `header`: a compared header differs, or is present on one side only.
 * - `body-shape`: different JSON structure (keys, types, object against array), or JSON
 *   against something that is not JSON.
 * - `value`: same shape, different scalar values (or a different number of rows).
 * - `row-order`: an array holds the same elements in a different order.
 * - `encoding`: the same JSON value written with different bytes (`\/` for `/`, `\u00e9`
 *   for `é`, key order, spacing); only strict mode reports it.
 */
export type DiffClass = "status" | "header" | "body-shape" | "value" | "row-order" | "encoding";

/** `strict` compares bodies byte for byte; `json` compares the parsed values. */
export type CompareMode = "strict" | "json";

export interface CompareOptions {
  /** Header names to compare; an absent header only matches an absent header. */
  headers: readonly string[];
  mode: CompareMode;
}

export interface Difference {
  class: DiffClass;
  /** Which part differs: `status`, `header etag`, `body $.results[3].Name`, `body byte 120`. */
  where: string;
  /** A short, single-line excerpt of each side at that place. */
  expected: string;
  actual: string;
}

/**
 * Every difference between the expected answer (legacy or recorded) and the candidate's.
 * Pure: no I/O, so the classification can be tested on its own.
 */
export function compareAnswers(expected: Answer, actual: Answer, options: CompareOptions): Difference[] {
  const differences: Difference[] = [];
  if (expected.status !== actual.status) {
    differences.push({ class: "status", where: "status", expected: String(expected.status), actual: String(actual.status) });
  }
  for (const name of options.headers.map((header) => header.toLowerCase())) {
    const want = showHeader(expected.headers[name]);
    const got = showHeader(actual.headers[name]);
    if (want !== got) differences.push({ class: "header", where: `header ${name}`, expected: want, actual: got });
  }
  const body = compareBodies(expected.body, actual.body, options.mode);
  if (body) differences.push(body);
  return differences;
}

function showHeader(value: string | string[] | undefined): string {
  if (value === undefined) return "(absent)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function compareBodies(expected: Buffer, actual: Buffer, mode: CompareMode): Difference | undefined {
  if (expected.equals(actual)) return undefined;
  const want = parseBody(expected);
  const got = parseBody(actual);
  if (want.kind === "json" && got.kind === "json") {
    const finding = moreSevere(
      compareCallbacks(want.callback, got.callback),
      findJsonDifference(want.value, got.value, "$"),
    );
    if (finding) return { class: finding.class, where: `body ${finding.path}`, expected: finding.expected, actual: finding.actual };
    return mode === "strict" ? { class: "encoding", ...byteDifference(expected, actual) } : undefined;
  }
  if (want.kind !== got.kind) {
    return { class: "body-shape", where: "body", expected: describeBody(want, expected), actual: describeBody(got, actual) };
  }
  // Neither side is JSON (an HTML page, an empty 304 against a non-empty one...): bytes are all there is.
  return { class: "value", ...byteDifference(expected, actual) };
}

/**
 * Whether an answer is the RPC's JSON error (`"type":"error"`), which is what a port should
 * give where the legacy code died with a PHP 8 fatal error.
 */
export function isRpcError(answer: Answer): boolean {
  const parsed = parseBody(answer.body);
  if (parsed.kind !== "json" || jsonType(parsed.value) !== "object") return false;
  return (parsed.value as Record<string, unknown>)["type"] === "error";
}

type ParsedBody = { kind: "empty" } | { kind: "not-json" } | { kind: "json"; value: unknown; callback: string | null };

/**
 * aurweb answers `callback=cb` with `/**\/cb({...})`. Its callbacks may contain parentheses
 * but never `{` or `[`, so the first `(` followed by the JSON's opening bracket ends the name.
 */
const JSONP = /^\/\*\*\/([^{[]*?)\(([{[][\s\S]*)\)$/;
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function parseBody(body: Buffer): ParsedBody {
  if (body.length === 0) return { kind: "empty" };
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return { kind: "not-json" };
  }
  const jsonp = JSONP.exec(text);
  try {
    return jsonp
      ? { kind: "json", value: JSON.parse(jsonp[2] ?? ""), callback: jsonp[1] ?? "" }
      : { kind: "json", value: JSON.parse(text), callback: null };
  } catch {
    return { kind: "not-json" };
  }
}

function describeBody(parsed: ParsedBody, body: Buffer): string {
  switch (parsed.kind) {
    case "empty":
      return "(empty)";
    case "json":
      return `${parsed.callback === null ? "JSON" : "JSONP"}: ${printable(body.toString("utf8"))}`;
    case "not-json":
      return `not JSON: ${printable(body.toString("utf8"))}`;
  }
}

interface JsonFinding {
  class: "body-shape" | "value" | "row-order";
  /** JSONPath-like location, `$` being the whole body. */
  path: string;
  expected: string;
  actual: string;
}

const SEVERITY = { "row-order": 1, value: 2, "body-shape": 3 } as const;

/** The more severe of two findings; the first one on a tie, so reports point at the earliest place. */
function moreSevere(first: JsonFinding | undefined, second: JsonFinding | undefined): JsonFinding | undefined {
  if (!first) return second;
  if (!second) return first;
  return SEVERITY[second.class] > SEVERITY[first.class] ? second : first;
}

function compareCallbacks(expected: string | null, actual: string | null): JsonFinding | undefined {
  if (expected === actual) return undefined;
  // Wrapped against unwrapped is a structural difference; two callback names are just values.
  return {
    class: expected === null || actual === null ? "body-shape" : "value",
    path: "JSONP callback",
    expected: expected ?? "(none)",
    actual: actual ?? "(none)",
  };
}

type JsonType = "null" | "boolean" | "number" | "string" | "array" | "object";

function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as JsonType;
}

/**
 * The most severe difference between two parsed JSON values (object key order ignored), or
 * undefined when they are equal.
 */
function findJsonDifference(expected: unknown, actual: unknown, path: string): JsonFinding | undefined {
  const want = jsonType(expected);
  const got = jsonType(actual);
  if (want !== got) {
    // Nullable columns make null against a string or number a matter of data, not of
    // structure; null against an object or array, or "3" against 3, is structure.
    const isScalar = (type: JsonType) => type !== "array" && type !== "object";
    const nullable = (want === "null" && isScalar(got)) || (got === "null" && isScalar(want));
    return {
      class: nullable ? "value" : "body-shape",
      path,
      expected: `${want} ${showJson(expected)}`,
      actual: `${got} ${showJson(actual)}`,
    };
  }
  if (want === "object") {
    return compareObjects(expected as Record<string, unknown>, actual as Record<string, unknown>, path);
  }
  if (want === "array") return compareArrays(expected as unknown[], actual as unknown[], path);
  return expected === actual ? undefined : { class: "value", path, expected: showJson(expected), actual: showJson(actual) };
}

function compareObjects(
  expected: Record<string, unknown>,
  actual: Record<string, unknown>,
  path: string,
): JsonFinding | undefined {
  const onlyExpected = Object.keys(expected).filter((key) => !Object.hasOwn(actual, key));
  const onlyActual = Object.keys(actual).filter((key) => !Object.hasOwn(expected, key));
  if (onlyExpected.length > 0 || onlyActual.length > 0) {
    const show = (keys: string[]) => `only here: ${keys.length > 0 ? keys.join(", ") : "(none)"}`;
    return { class: "body-shape", path, expected: show(onlyExpected), actual: show(onlyActual) };
  }
  let found: JsonFinding | undefined;
  for (const key of Object.keys(expected)) {
    found = moreSevere(found, findJsonDifference(expected[key], actual[key], childPath(path, key)));
    if (found?.class === "body-shape") break;
  }
  return found;
}

function compareArrays(expected: unknown[], actual: unknown[], path: string): JsonFinding | undefined {
  if (expected.length === actual.length) {
    const want = expected.map(canonical);
    const got = actual.map(canonical);
    const firstDifferent = want.findIndex((element, i) => element !== got[i]);
    if (firstDifferent === -1) return undefined;
    if (sameMultiset(want, got)) {
      return {
        class: "row-order",
        path,
        expected: `[${firstDifferent}] ${truncate(want[firstDifferent] ?? "")}`,
        actual: `[${firstDifferent}] ${truncate(got[firstDifferent] ?? "")}`,
      };
    }
  }
  let found: JsonFinding | undefined;
  for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
    found = moreSevere(found, findJsonDifference(expected[i], actual[i], `${path}[${i}]`));
    if (found?.class === "body-shape") return found;
  }
  if (expected.length !== actual.length) {
    return { class: "value", path, expected: `${expected.length} elements`, actual: `${actual.length} elements` };
  }
  return found;
}

function sameMultiset(a: string[], b: string[]): boolean {
  const sortedB = [...b].sort();
  return [...a].sort().every((element, i) => element === sortedB[i]);
}

/** JSON text with object keys sorted, so equal values give equal strings whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((key) => [key, (v as Record<string, unknown>)[key]]))
      : v,
  );
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function showJson(value: unknown): string {
  return truncate(JSON.stringify(value));
}

/** Bytes shown on each side of the first differing byte. */
const CONTEXT_BEFORE = 24;
const CONTEXT_AFTER = 48;

/** Where two byte strings first part ways, with a little of each around that place. */
function byteDifference(expected: Buffer, actual: Buffer): Pick<Difference, "where" | "expected" | "actual"> {
  let offset = 0;
  while (offset < expected.length && offset < actual.length && expected[offset] === actual[offset]) offset++;
  return { where: `body byte ${offset}`, expected: bytesAround(expected, offset), actual: bytesAround(actual, offset) };
}

function bytesAround(bytes: Buffer, offset: number): string {
  // Widen the window to whole UTF-8 characters so `é` is not shown as two broken halves.
  const isContinuation = (i: number) => ((bytes[i] ?? 0) & 0xc0) === 0x80;
  let start = Math.max(0, offset - CONTEXT_BEFORE);
  while (start > 0 && isContinuation(start)) start--;
  let end = Math.min(bytes.length, offset + CONTEXT_AFTER);
  while (end < bytes.length && isContinuation(end)) end++;
  if (start === end) return "(end of body)";
  const text = printable(bytes.subarray(start, end).toString("utf8"));
  return `${start > 0 ? "…" : ""}${text}${end < bytes.length ? "…" : ""}`;
}

const EXCERPT_LENGTH = 100;

function truncate(text: string): string {
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
}

/** One line, control characters made visible, cut to excerpt length. */
function printable(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return truncate(escaped);
}
