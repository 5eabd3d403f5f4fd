/**
 * Expected legacy answers, built from the values a test seeded, following the rules of
 * the legacy PHP (aurweb 5.0.0's AurJSON) and of PHP's json_encode():
 *
 * - json_encode() escapes `/` as `\/`, every non-ASCII character as `\uXXXX` (UTF-16
 *   units, lower-case hex, so astral characters become surrogate pairs), control
 *   characters as \b \f \n \r \t or `\u00XX`; DEL (0x7f) stays as it is.
 * - A PHP float prints with the shortest digits that round-trip, in exponent form below
 *   1e-4 (`1.0e-6`: a lone mantissa digit gets ".0"), and without a fraction when whole.
 * - Row fields per API version: see `packageRow`.
 */
import type { SeededPackage } from "../../support/seed.js";

/** Text placed in the JSON as is (a float already printed the PHP way). */
export class Raw {
  constructor(readonly text: string) {}
}

export type Json = string | number | boolean | null | Raw | Json[] | { [key: string]: Json };

export function phpString(s: string): string {
  // JSON.stringify already uses \b \f \n \r \t, \u00XX (lower case) and \" \\.
  return JSON.stringify(s)
    .replace(/\//g, "\\/")
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function phpJson(value: Json): string {
  if (value === null) return "null";
  if (value instanceof Raw) return value.text;
  if (typeof value === "string") return phpString(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error(`${value}: wrap floats in Raw(phpFloat(...))`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(phpJson).join(",")}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${phpString(k)}:${phpJson(v)}`)
    .join(",")}}`;
}

/** A PHP float as json_encode prints it (serialize_precision = -1), for the values tests use. */
export function phpFloat(n: number): string {
  if (Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 1e-4) return String(n);
  const [mantissa, exponent] = n.toExponential().split("e") as [string, string];
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}e${exponent}`;
}

/** json_error(): the message in `results` before v3, in `error` beside `results: []` from v3. */
export function errorAnswer(version: number | bigint | string, message: string): string {
  const v = String(version);
  return BigInt(v) < 3n
    ? `{"version":${v},"type":"error","resultcount":0,"results":${phpString(message)}}`
    : `{"version":${v},"type":"error","resultcount":0,"results":[],"error":${phpString(message)}}`;
}

/** json_results() with a list of rows. */
export function listAnswer(version: number, type: string, rows: Json[]): string {
  return `{"version":${version},"type":${phpString(type)},"resultcount":${rows.length},"results":${phpJson(rows)}}`;
}

/** v1/v2 `info`: the first row alone, as an object (resultcount 1); nothing found: `[]`. */
export function singleAnswer(version: number, row: Json | null): string {
  return row === null
    ? `{"version":${version},"type":"info","resultcount":0,"results":[]}`
    : `{"version":${version},"type":"info","resultcount":1,"results":${phpJson(row)}}`;
}

/** PHP's urlencode(): everything but [A-Za-z0-9_.-] as %XX (upper case), space as `+`. */
export function phpUrlencode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/**
 * A sort key that orders like utf8mb4_general_ci for the letters these tests use: case
 * and accents are ignored (letters weigh as their upper-case base letter, so `_`, 0x5F,
 * sorts after every letter), trailing spaces are ignored (PAD SPACE).
 */
export function collationKey(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toUpperCase().replace(/ +$/, "");
}

export function collationSort(names: readonly string[]): string[] {
  return [...names].sort((a, b) => {
    const ka = collationKey(a);
    const kb = collationKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

const LIST_FIELDS: Record<string, string> = {
  depends: "Depends",
  makedepends: "MakeDepends",
  checkdepends: "CheckDepends",
  optdepends: "OptDepends",
  conflicts: "Conflicts",
  provides: "Provides",
  replaces: "Replaces",
};

/**
 * The list fields of an info row (v2+): one key per kind, in the order the kind's first
 * row appears (dependency rows in insertion order, then relations, then groups, then
 * licenses), each entry `name` + `condition`. Packages whose rows repeat under the
 * collation need an explicit expectation (UNION DISTINCT drops the repeats).
 */
export function listFields(pkg: SeededPackage): Record<string, string[]> {
  const rows = [
    ...pkg.depends.map((d) => [LIST_FIELDS[d.type]!, d.name, d.condition ?? ""] as const),
    ...pkg.relations.map((r) => [LIST_FIELDS[r.type]!, r.name, r.condition ?? ""] as const),
    ...pkg.groups.map((g) => ["Groups", g, ""] as const),
    ...pkg.licenses.map((l) => ["License", l, ""] as const),
  ];
  const fields: Record<string, string[]> = {};
  const seen = new Set<string>();
  for (const [field, name, condition] of rows) {
    const key = `${field}|${collationKey(name)}|${collationKey(condition)}`;
    if (seen.has(key)) throw new Error(`${pkg.name}: ${field} ${name} repeats; write this expectation out`);
    seen.add(key);
    (fields[field] ??= []).push(name + condition);
  }
  return fields;
}

export interface RowOptions {
  /** info/multiinfo from v2 on: the list fields (and Keywords in v5) are added. */
  info?: boolean;
  /** v1 only: the license this row carries (v1 returns one row per license). */
  license?: string | null;
}

/**
 * One result row as the legacy PHP printed it for `version`:
 * ID, Name, PackageBaseID, PackageBase, Version, Description, URL, NumVotes,
 * Popularity (v4+), OutOfDate, Maintainer, FirstSubmitted, LastModified, License (v1),
 * URLPath, CategoryID (v1-3), then for info from v2 the list fields, and Keywords (v5).
 */
export function packageRow(pkg: SeededPackage, version: number, options: RowOptions = {}): { [key: string]: Json } {
  const base = pkg.base;
  const row: { [key: string]: Json } = {
    ID: pkg.id,
    Name: pkg.name,
    PackageBaseID: base.id,
    PackageBase: base.name,
    Version: pkg.version,
    Description: pkg.description,
    URL: pkg.url,
    NumVotes: base.numVotes,
  };
  if (version >= 4) row.Popularity = new Raw(phpFloat(base.popularity));
  row.OutOfDate = base.outOfDate;
  row.Maintainer = base.maintainer?.name ?? null;
  row.FirstSubmitted = base.submitted;
  row.LastModified = base.modified;
  if (version === 1) row.License = options.license ?? null;
  row.URLPath = `/cgit/aur.git/snapshot/${phpUrlencode(base.name)}.tar.gz`;
  if (version < 4) row.CategoryID = 1;
  if (options.info && version >= 2) {
    Object.assign(row, listFields(pkg));
    if (version >= 5) row.Keywords = collationSort(base.keywords);
  }
  return row;
}

/** v1 returned one row per license (LEFT JOIN), or one row with a null License. */
export function v1Rows(pkg: SeededPackage): { [key: string]: Json }[] {
  const licenses = pkg.licenses.length > 0 ? pkg.licenses : [null];
  return licenses.map((license) => packageRow(pkg, 1, { license }));
}
