/**
 * RPC_PROFILE=current: answers shaped like current aurweb's RPC (aurweb/rpc.py and
 * aurweb/routers/rpc.py on master): version 5 only, its field sets, its error texts,
 * keys sorted, ETag over that output. The packages found are the read model's, exactly
 * as in the legacy profile, listed in package ID order: aurweb groups its rows by
 * Package.ID, which MariaDB returns sorted. README lists every difference between the
 * two profiles.
 */
import { compareFolded, fold } from "../collation/general-ci.js";
import { andThen, type MaybePromise } from "../maybe-promise.js";
import { PhpArray, type PhpValue } from "../php/query-string.js";
import { inIdOrder } from "../readmodel/row-order.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import type { Package } from "../readmodel/types.js";
import { encodeCurrent, PythonFloat, type CurrentJson } from "./current-json.js";
import { isCallbackName, wrapInCallback } from "./jsonp.js";
import * as lookup from "./lookup.js";
import { DEPENDENCY_FIELDS, OPENSEARCH_TYPES, SEARCH_FIELDS, text, type RpcParams } from "./params.js";
import { md5, OPENSEARCH_TYPE, trimIfNoneMatch, type Body, type RpcResponse } from "./respond.js";
import type { AnswerContext, RpcProfile } from "./profile.js";
import { declarationFields, formatSnapshotUri } from "./rows.js";

const TYPES: readonly string[] = ["info", "multiinfo", "search", "msearch", "suggest", "suggest-pkgbase", ...OPENSEARCH_TYPES];

/** What the current profile is built with, once at start. */
export interface CurrentSettings {
  /** SNAPSHOT_URI, for each row's URLPath. */
  snapshotUri: string;
  /** MAX_RPC_RESULTS. */
  maxResults: number;
}

/** RPC_PROFILE=current: answers shaped like today's aurweb, for every request. */
export function currentProfile({ snapshotUri, maxResults }: CurrentSettings): RpcProfile {
  return {
    // Today's aurweb reads every parameter and allows MAX_RPC_RESULTS results.
    keepsPhpRules: false,
    // Today's aurweb dropped the packager condition from every query.
    unpackagedBases: "shown",
    // Today's aurweb shows its documentation to a GET without parameters only.
    showsDocs: (params, posted) => !posted && params.values.size === 0,
    answer: (params, ctx) =>
      answerCurrent(params, { snapshot: ctx.snapshot, snapshotUri, maxResults, rateLimited: ctx.rateLimited, ifNoneMatch: ctx.ifNoneMatch }),
    refusalBody: (message) => encodeCurrent(errorObject(5, message)),
    unavailable: (_params, reason) => ({ status: 503, headers: { "Content-Type": "application/json" }, body: encodeCurrent(errorObject(5, reason)) }),
  };
}

/** A request's context with the profile's settings. */
type CurrentContext = Pick<AnswerContext, "snapshot" | "rateLimited" | "ifNoneMatch"> & CurrentSettings;

class RpcError extends Error {}

function single(value: PhpValue | undefined): string | undefined {
  return typeof value === "string" ? text(value) : undefined;
}

function errorObject(version: number | null, message: string): CurrentJson {
  return { version, results: [], resultcount: 0, type: "error", error: message };
}

function response(status: number, body: Body, contentType = "application/json", etag?: string): RpcResponse {
  const headers: Record<string, string> = { "Content-Type": contentType };
  if (etag !== undefined) headers.ETag = `"${etag}"`;
  return { status, headers, body };
}

function answerCurrent(params: RpcParams, ctx: CurrentContext): MaybePromise<RpcResponse> {
  const rawVersion = single(params.values.get("v"));
  const version = rawVersion !== undefined && /^\s*[+-]?\d+\s*$/.test(rawVersion) ? Number(rawVersion) : null;
  return andThen(ctx.rateLimited(), (limited) =>
    limited ? response(429, encodeCurrent(errorObject(version, "Rate limit reached"))) : answer(params, ctx, rawVersion, version),
  );
}

/** The answer, once the rate limit has let the request through. */
function answer(params: RpcParams, ctx: CurrentContext, rawVersion: string | undefined, version: number | null): RpcResponse {
  const values = params.values;
  const type = single(values.get("type"));

  const by = single(values.get("by")) ?? "name-desc";
  const args = params.formArgs ?? argumentList(values.get("arg"));
  let data: CurrentJson;
  try {
    if (rawVersion === undefined) throw new RpcError("Please specify an API version.");
    if (version !== 5) throw new RpcError("Invalid version specified.");
    if (!SEARCH_FIELDS.includes(by)) throw new RpcError("Incorrect by field specified.");
    if (type === undefined) throw new RpcError("No request type/data specified.");
    if (!TYPES.includes(type)) throw new RpcError("Incorrect request type specified.");
    data = handle(ctx, type, by, args);
  } catch (error) {
    if (!(error instanceof RpcError)) throw error;
    data = errorObject(version, error.message);
  }

  const body = encodeCurrent(data);
  const etag = md5(body);
  // An empty callback is none; a bad one gets an error without an ETag, with status 200.
  const callback = single(values.get("callback")) || undefined;
  if (callback !== undefined && !isCallbackName(callback)) return response(200, encodeCurrent(errorObject(version, "Invalid callback name.")));
  // The OpenSearch answer has its own media type and, as where it comes from, no JSONP.
  if (type !== undefined && (OPENSEARCH_TYPES as readonly string[]).includes(type) && Array.isArray(data)) {
    return etagged(ctx, body, OPENSEARCH_TYPE, etag);
  }
  return etagged(ctx, callback === undefined ? body : wrapInCallback(callback, body), callback === undefined ? "application/json" : "text/javascript", etag);
}

/** A 200 with its ETag, or the 304 the client's If-None-Match asks for. */
function etagged(ctx: CurrentContext, body: Body, contentType: string, etag: string): RpcResponse {
  if (ctx.ifNoneMatch !== undefined && trimIfNoneMatch(ctx.ifNoneMatch) === etag) {
    return { status: 304, headers: { "Content-Type": contentType, ETag: `"${etag}"` }, body: "" };
  }
  return response(200, body, contentType, etag);
}

function argumentList(arg: PhpValue | undefined): string[] {
  if (arg === undefined) return [];
  if (arg instanceof PhpArray) return arg.values().filter((v): v is string => typeof v === "string").map(text);
  return [text(arg)];
}

function handle(ctx: CurrentContext, type: string, by: string, args: string[]): CurrentJson {
  const { snapshot } = ctx;
  switch (type) {
    case "info":
    case "multiinfo": {
      if (args.length === 0) throw new RpcError("No request type/data specified.");
      const found = new Set<Package>();
      for (const name of args) {
        const p = snapshot.packageByName(name);
        if (p?.base.visible) found.add(p);
      }
      return envelope("multiinfo", limited(ctx, inIdOrder(found)).map((p) => infoRow(ctx, p)));
    }
    case "search":
    case "msearch":
      return envelope(type, limited(ctx, search(snapshot, type === "msearch" ? "maintainer" : by, args)).map((p) => searchRow(ctx, p)));
    case "suggest":
    case "suggest-pkgbase":
      return args.length === 0 ? [] : suggestions(snapshot, type === "suggest-pkgbase", args[0]!);
    case "opensearch-suggest":
    case "opensearch-suggest-pkgbase":
      // As the service that added it: without an argument, the error any request without one gets.
      if (args.length === 0) throw new RpcError("No request type/data specified.");
      return [args[0]!, suggestions(snapshot, type === "opensearch-suggest-pkgbase", args[0]!)];
  }
  throw new RpcError("Incorrect request type specified.");
}

/** Current aurweb passes the argument to LIKE as it is, wildcards included. */
function suggestions(snapshot: Snapshot, bases: boolean, pattern: string): string[] {
  return bases ? lookup.suggestBases(snapshot, pattern, false) : lookup.suggestPackages(snapshot, pattern, false);
}

function envelope(type: string, results: CurrentJson[]): CurrentJson {
  return { version: 5, type, resultcount: results.length, results };
}

function limited(ctx: CurrentContext, packages: readonly Package[]): readonly Package[] {
  if (packages.length > ctx.maxResults) throw new RpcError("Too many package results.");
  return packages;
}

/**
 * aurweb groups its rows by Package.ID, which MariaDB returns sorted, so a package comes
 * once however many rows match it (a co-maintainer listed twice, say); by=provides then
 * adds the package of that name, found by a second query and united with the first.
 */
function search(snapshot: Snapshot, by: string, args: string[]): readonly Package[] {
  if (by !== "maintainer" && args.length === 0) throw new RpcError("No request type/data specified.");
  const arg = args[0] ?? "";
  if (by !== "maintainer" && [...arg].length < 2) throw new RpcError("Query arg too small.");
  if (by === "provides") return lookup.searchByDeclaration(snapshot, by, arg, "package");
  return inIdOrder(new Set(matching(snapshot, by, arg)));
}

function matching(snapshot: Snapshot, by: string, arg: string): readonly Package[] {
  if (by === "maintainer") return lookup.searchByMaintainer(snapshot, arg === "" ? null : arg);
  if (by === "name" || by === "name-desc") return lookup.searchByText(snapshot, arg, by === "name-desc", Infinity);
  if ((DEPENDENCY_FIELDS as readonly string[]).includes(by)) return lookup.searchByDeclaration(snapshot, by, arg);
  // Today's aurweb compares the whole argument with each keyword.
  if (by === "keywords") return snapshot.packagesWithKeywords([arg]);
  return lookup.searchByExtendedField(snapshot, by, arg);
}

function searchRow(ctx: CurrentContext, pkg: Package): { [key: string]: CurrentJson } {
  const base = pkg.base;
  return {
    ID: pkg.id,
    Name: pkg.name,
    PackageBaseID: base.id,
    PackageBase: base.name,
    Maintainer: base.maintainer,
    Version: pkg.version,
    Description: pkg.description,
    URL: pkg.url,
    URLPath: formatSnapshotUri(ctx.snapshotUri, base.name),
    NumVotes: base.numVotes,
    // Popularity is rounded to six decimals; zero is the integer 0.
    Popularity: base.popularity === 0 ? 0 : new PythonFloat(Number(base.popularity.toFixed(6))),
    OutOfDate: base.outOfDateTS,
    FirstSubmitted: base.submittedTS,
    LastModified: base.modifiedTS,
  };
}

/**
 * An info row: `License`, `Keywords` and `PendingRequests` always, every other list only
 * when it has a value, each value once (aurweb selects them DISTINCT).
 */
function infoRow(ctx: CurrentContext, pkg: Package): CurrentJson {
  const row: { [key: string]: CurrentJson } = {
    ...searchRow(ctx, pkg),
    Submitter: pkg.base.submitter,
    License: [],
    Keywords: sortedByName(pkg.base.keywords),
    PendingRequests: pkg.base.pendingRequests,
  };
  const comaintainers = [...new Set(pkg.base.comaintainers)];
  if (comaintainers.length > 0) row.CoMaintainers = sortedByName(comaintainers);
  for (const [field, values] of declarationFields(ctx.snapshot, pkg)) row[field] = sortedByName(values);
  return row;
}

function sortedByName(values: readonly string[]): string[] {
  return [...values].sort((a, b) => compareFolded(fold(a), fold(b)));
}
