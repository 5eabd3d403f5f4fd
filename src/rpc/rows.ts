/**
 * One package as a result row, encoded the way the legacy RPC printed it for each API
 * version: field set and order per version, integers where PHP coerced them, Popularity
 * as a PHP float, and for info requests from v2 on the declarations merged in (in the
 * order the legacy UNION query returned them, duplicates removed like UNION DISTINCT).
 *
 * Encoded rows are cached per package: a snapshot never changes, so neither do they.
 */
import { equalityKey } from "../collation/general-ci.js";
import { PHP_INT_MAX } from "../php/integer.js";
import { DECLARATION_TYPE_KEYS } from "./declaration-keys.js";
import { encodeFloat, encodeString, encodeStringList } from "../php/json.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import type { DeclarationTables, Package, Timestamp } from "../readmodel/types.js";

const DECLARATION_KEYS: Record<string, string> = {
  ...DECLARATION_TYPE_KEYS,
  groups: "Groups",
  license: "License",
};

/** PHP's urlencode(): RFC 1738 style, space as `+`, everything but [A-Za-z0-9._-] escaped. */
export function phpUrlencode(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9._-]/.test(ch)) out += ch;
    else if (byte === 0x20) out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** sprintf($format, $value) for the snapshot URI, which holds one `%s`. */
export function formatSnapshotUri(format: string, value: string): string {
  let used = false;
  return format.replace(/%(%|s)/g, (_, c: string) => {
    if (c === "%") return "%";
    if (used) return "";
    used = true;
    return value;
  });
}

/** intval() of a BIGINT UNSIGNED column: exact up to PHP_INT_MAX, which caps the rest. */
const timestamp = (t: Timestamp | null) => (t === null ? "null" : String(t > PHP_INT_MAX ? PHP_INT_MAX : t));
const str = (s: string | null) => (s === null ? "null" : encodeString(s));

/**
 * The declarations of a package as the legacy UNION returned them: dependencies, then
 * relations, then groups, then licenses; a row equal under the collation to an earlier
 * one is dropped. Keys appear in the order their first row does.
 */
export function declarationFields(snapshot: Snapshot, pkg: Package): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const seen = new Set<string>();
  const add = (type: string, name: string, condition: string | null) => {
    const key = `${equalityKey(type)}\u0000${equalityKey(name)}\u0000${condition === null ? "\u0001" : equalityKey(condition)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const field = DECLARATION_KEYS[type];
    if (field === undefined) return;
    let list = fields.get(field);
    if (!list) fields.set(field, (list = []));
    list.push(name + (condition ?? ""));
  };
  for (const d of snapshot.declarationsOf(pkg)) add(d.type, d.name, d.condition);
  for (const g of pkg.groups) add("groups", g, "");
  for (const l of pkg.licenses) add("license", l, "");
  return fields;
}

/** The encoded rows of one package at one base revision. */
interface CachedRows {
  revision: number;
  /**
   * The declaration tables the info rows were encoded from. A package serves every
   * snapshot in which it did not change, but its declarations are read again with the
   * tables, so an info row from other tables is encoded again.
   */
  tables: DeclarationTables | undefined;
  /** v5 search and v5 info rows: nearly every request asks for one of these. */
  search5: string | undefined;
  info5: string | undefined;
  /** Other versions and v1's per-license rows, by shape. */
  other: Map<string, string> | undefined;
}

/**
 * Encoded rows are kept as strings: json_encode output is pure ASCII (everything else is
 * escaped), so each is a one-byte string, about a hundred bytes smaller than the same
 * row as a Buffer, and an answer is one copy away from the socket and the ETag.
 */
export class RowEncoder {
  private cache = new WeakMap<Package, CachedRows>();

  constructor(private readonly snapshotUri: string) {}

  /**
   * Drops every encoded row. Called when a new snapshot starts to be built: the rows of
   * the snapshot it replaces (tens of megabytes once searches have touched them all) would
   * otherwise stay alive beside both snapshots until the swap, and raise the worker's peak. Requests meanwhile encode the rows they need again.
   */
  forget(): void {
    this.cache = new WeakMap();
  }

  /**
   * `license` is the license this row carries in v1, where the legacy query joined
   * PackageLicenses and so returned one row per license (undefined elsewhere).
   */
  row(snapshot: Snapshot, pkg: Package, version: number, info: boolean, license?: string | null): string {
    let cached = this.cache.get(pkg);
    // A vote or a flag updates the base in place (see Snapshot.patchBases) and bumps its revision.
    if (!cached || cached.revision !== pkg.base.revision) {
      cached = { revision: pkg.base.revision, tables: undefined, search5: undefined, info5: undefined, other: undefined };
      this.cache.set(pkg, cached);
    }
    const withDeclarations = info && version >= 2;
    if (withDeclarations && cached.tables !== snapshot.declarationTables) {
      cached.tables = snapshot.declarationTables;
      cached.info5 = undefined;
      cached.other = undefined;
    }
    if (version === 5) {
      if (withDeclarations) return (cached.info5 ??= this.encode(snapshot, pkg, 5, true, undefined));
      return (cached.search5 ??= this.encode(snapshot, pkg, 5, false, undefined));
    }
    const key = `${version}${withDeclarations ? "i" : "s"}${license === undefined ? "" : `\u0000${license ?? "\u0001"}`}`;
    cached.other ??= new Map();
    let json = cached.other.get(key);
    if (json === undefined) cached.other.set(key, (json = this.encode(snapshot, pkg, version, withDeclarations, license)));
    return json;
  }

  private encode(snapshot: Snapshot, pkg: Package, version: number, withDeclarations: boolean, license: string | null | undefined): string {
    const base = pkg.base;
    const parts = [
      `"ID":${pkg.id}`,
      `"Name":${str(pkg.name)}`,
      `"PackageBaseID":${base.id}`,
      `"PackageBase":${str(base.name)}`,
      `"Version":${str(pkg.version)}`,
      `"Description":${str(pkg.description)}`,
      `"URL":${str(pkg.url)}`,
      `"NumVotes":${base.numVotes}`,
    ];
    if (version >= 4) parts.push(`"Popularity":${encodeFloat(base.popularity)}`);
    parts.push(
      `"OutOfDate":${timestamp(base.outOfDateTS)}`,
      `"Maintainer":${str(base.maintainer)}`,
      `"FirstSubmitted":${timestamp(base.submittedTS)}`,
      `"LastModified":${timestamp(base.modifiedTS)}`,
    );
    if (version === 1) parts.push(`"License":${str(license ?? null)}`);
    parts.push(`"URLPath":${encodeString(formatSnapshotUri(this.snapshotUri, phpUrlencode(base.name)))}`);
    if (version < 4) parts.push(`"CategoryID":1`);
    if (withDeclarations) {
      for (const [field, values] of declarationFields(snapshot, pkg)) {
        parts.push(`${encodeString(field)}:${encodeStringList(values)}`);
      }
      if (version >= 5) parts.push(`"Keywords":${encodeStringList(base.keywords)}`);
    }
    return `{${parts.join(",")}}`;
  }
}
