/**
 * The legacy RPC (aurweb 5.0.0's AurJSON::handle) answered from the read model:
 * validate -> rate limit -> look up -> shape -> encode -> ETag / If-None-Match -> JSONP.
 */
import { isNumeric, intval, isTruthy, looseEquals } from "../php/numeric.js";
import { PhpArray, type PhpValue } from "../php/query-string.js";
import { encodeString } from "../php/json.js";
import { jsonListOf } from "../readmodel/sorted-names.js";
import type { DependencyOrder, Package } from "../readmodel/types.js";
import { commentForm } from "./comment-form.js";
import { idOfNumericLiteral, REFUSED } from "./id-literal.js";
import { isCallbackName, wrapInCallback } from "./jsonp.js";
import * as lookup from "./lookup.js";
import { andThen, type MaybePromise } from "../maybe-promise.js";
import { byteLength, DEPENDENCY_FIELDS, legacyQueryText, text, validate, type LegacyType, type RpcParams, type ValidatedRequest } from "./params.js";
import { errorBody, JSON_TYPE, JSONP_TYPE, md5, OPENSEARCH_TYPE, results, rpcHeaders, trimIfNoneMatch, type Body, type RpcResponse } from "./respond.js";
import type { AnswerContext, RpcProfile } from "./profile.js";
import type { RowEncoder } from "./rows.js";

/** What the legacy profile is built with, once at start. */
export interface LegacySettings {
  encoder: RowEncoder;
  /** MAX_RPC_RESULTS. */
  maxResults: number;
}

/** RPC_PROFILE=legacy: every answer to a request PHP answered is aurweb 5.0.0's, byte for byte. */
export function legacyProfile({ encoder, maxResults }: LegacySettings): RpcProfile {
  return {
    keepsPhpRules: true,
    // PHP's queries all required a packager.
    unpackagedBases: "hidden",
    // rpc.php showed its documentation to every request without a type.
    showsDocs: (params) => params.values.get("type") === undefined,
    answer: (params, ctx) =>
      answerLegacy(params, {
        snapshot: ctx.snapshot,
        encoder,
        // PHP refused an answer that reached the limit; today's aurweb, which the shapes
        // PHP never answered follow (bulk POSTs of 5,000 names), only one past it.
        maxResults: ctx.phpRules ? maxResults : maxResults + 1,
        rateLimited: ctx.rateLimited,
        dependencyOrder: ctx.dependencyOrder,
        ifNoneMatch: ctx.ifNoneMatch,
      }),
    refusalBody: (message) => errorBody(5, message),
    unavailable: (params, reason) => {
      const version = params.version >= 1n && params.version <= 5n ? params.version : 5n;
      return { ...early(version, reason), status: 503 };
    },
  };
}

/** A request's context and the profile's settings, `maxResults` the limit this request is held to. */
type LegacyContext = Omit<AnswerContext, "phpRules"> & LegacySettings;

/** A request the PHP 8 recording crashed on: a list where a single value was expected. */
const INVALID_ARGUMENTS = "Invalid query arguments.";
const TOO_MANY = "Too many package results.";

/** Answers a request that has a `type` parameter (rpc.php shows the docs otherwise). */
function answerLegacy(params: RpcParams, ctx: LegacyContext): MaybePromise<RpcResponse> {
  const request = validate(params);
  if (!request.ok) return early(request.version, request.error);
  return andThen(ctx.rateLimited(), (limited) => {
    if (limited) return { status: 429, headers: rpcHeaders(JSON_TYPE, null), body: errorBody(request.version, "Rate limit reached") };
    const type = request.type === "info" && request.version >= 5 ? "multiinfo" : request.type;
    const by = type === "msearch" ? "maintainer" : (request.by ?? "name-desc");
    const { arg } = request;
    // Only a dependency search that reaches its query asks for the query's plan.
    const dependency =
      (type === "search" || type === "msearch") && (DEPENDENCY_FIELDS as readonly string[]).includes(by) && typeof arg === "string" && isTruthy(arg)
        ? legacyQueryText(arg)
        : undefined;
    const order = dependency === undefined ? undefined : ctx.dependencyOrder(by, dependency);
    return andThen(order, (known) => answer(request, ctx, type, by, known));
  });
}

type ValidRequest = Extract<ValidatedRequest, { ok: true }>;

/** The answer, once the rate limit has let the request through and any row order is known. */
function answer(request: ValidRequest, ctx: LegacyContext, type: LegacyType, by: string, order: DependencyOrder | undefined): RpcResponse {
  const { version } = request;
  const handler = new Handler(ctx, version, order);
  const json = (() => {
    switch (type) {
      case "info":
        return handler.info(request.arg);
      case "multiinfo":
        return handler.multiinfo(request.arg);
      case "search":
      case "msearch":
        return handler.search(request.arg, by);
      case "suggest":
        return handler.suggest(request.arg, false);
      case "suggest-pkgbase":
        return handler.suggest(request.arg, true);
      case "opensearch-suggest":
        return handler.opensearch(request.arg, false);
      case "opensearch-suggest-pkgbase":
        return handler.opensearch(request.arg, true);
      case "get-comment-form":
        return commentForm(request.values);
    }
  })();

  const etag = md5(json);
  if (ctx.ifNoneMatch !== undefined) {
    const presented = trimIfNoneMatch(ctx.ifNoneMatch);
    // PHP: `$if_none_match && $if_none_match == $etag`, so "" and "0" never match.
    if (presented !== "" && presented !== "0" && looseEquals(presented, etag)) return { status: 304, headers: rpcHeaders(null, etag), body: "" };
  }
  // The OpenSearch answer has its own media type and, as where it comes from, no JSONP.
  if ((type === "opensearch-suggest" || type === "opensearch-suggest-pkgbase") && !handler.failed) return { status: 200, headers: rpcHeaders(OPENSEARCH_TYPE, etag), body: json };
  const callback = request.values.get("callback");
  if (callback === undefined) return { status: 200, headers: rpcHeaders(JSON_TYPE, etag), body: json };
  if (typeof callback !== "string" || !isCallbackName(callback)) {
    return { status: 200, headers: rpcHeaders(JSON_TYPE, etag), body: errorBody(version, "Invalid callback name.") };
  }
  return { status: 200, headers: rpcHeaders(JSONP_TYPE, etag), body: wrapInCallback(callback, json) };
}

/** An error raised before the request reached a handler: no ETag, never JSONP. */
function early(version: bigint | number, message: string): RpcResponse {
  return { status: 200, headers: rpcHeaders(JSON_TYPE, null), body: errorBody(version, message) };
}

class Handler {
  /** Whether the answer is an error object. */
  failed = false;

  constructor(
    private readonly ctx: LegacyContext,
    private readonly version: number,
    private readonly dependencyOrder: DependencyOrder | undefined,
  ) {}

  info(arg: PhpValue): Body {
    if (typeof arg !== "string") return this.invalidArguments();
    if (this.version < 5 && isNumeric(arg)) {
      const id = idOfNumericLiteral(arg);
      return id === REFUSED ? this.invalidArguments() : this.processQuery("info", lookup.infoById(this.ctx.snapshot, id));
    }
    const name = legacyQueryText(arg);
    if (name === undefined) return this.invalidArguments();
    return this.processQuery("info", lookup.infoByName(this.ctx.snapshot, name));
  }

  multiinfo(arg: PhpValue): Body {
    const args = arg instanceof PhpArray ? arg.values() : [arg];
    const ids: number[] = [];
    const names: string[] = [];
    for (const value of args) {
      if (!isTruthy(value)) continue;
      if (typeof value !== "string") return this.invalidArguments();
      if (this.version < 5 && isNumeric(value)) {
        ids.push(Number(intval(value)));
        continue;
      }
      const name = legacyQueryText(value);
      if (name === undefined) return this.invalidArguments();
      names.push(name);
    }
    if (ids.length === 0 && names.length === 0) return this.invalidArguments();
    return this.processQuery("multiinfo", lookup.multiinfo(this.ctx.snapshot, ids, names));
  }

  search(arg: PhpValue, by: string): Body {
    if (typeof arg !== "string") return this.invalidArguments();
    const { snapshot, maxResults } = this.ctx;
    if (by === "name" || by === "name-desc") {
      if (byteLength(arg) < 2) return errorBody(this.version, "Query arg too small.");
      const term = legacyQueryText(arg);
      if (term === undefined) return this.invalidArguments();
      // At most maxResults packages are needed: past that the answer is an error anyway.
      return this.processQuery("search", lookup.searchByText(snapshot, term, by === "name-desc", maxResults));
    }
    if (by === "maintainer") {
      // An empty or "0" argument asks for orphans: no literal reaches the query.
      if (!isTruthy(arg)) return this.processQuery("search", lookup.searchByMaintainer(snapshot, null));
      const username = legacyQueryText(arg);
      if (username === undefined) return this.invalidArguments();
      return this.processQuery("search", lookup.searchByMaintainer(snapshot, username));
    }
    if ((DEPENDENCY_FIELDS as readonly string[]).includes(by)) {
      if (!isTruthy(arg)) return errorBody(this.version, "Query arg is empty.");
      const name = legacyQueryText(arg);
      if (name === undefined) return this.invalidArguments();
      return this.processQuery("search", lookup.searchByDeclaration(snapshot, by, name, this.dependencyOrder, maxResults));
    }
    // Fields legacy refused and current aurweb answers, with its argument check.
    const value = text(arg);
    if ([...value].length < 2) return errorBody(this.version, "Query arg too small.");
    return this.processQuery("search", lookup.searchByExtendedField(snapshot, by, value));
  }

  suggest(arg: PhpValue, bases: boolean): Body {
    if (typeof arg !== "string") return this.invalidArguments();
    const prefix = legacyQueryText(arg);
    if (prefix === undefined) return this.invalidArguments();
    const names = bases ? this.ctx.snapshot.baseNames : this.ctx.snapshot.packageNames;
    return jsonListOf(names, lookup.suggest(names, prefix));
  }

  /** `[arg, suggestions]`, the suggestions as `suggest` finds them. */
  opensearch(arg: PhpValue, bases: boolean): Body {
    if (typeof arg !== "string") return this.invalidArguments();
    const prefix = legacyQueryText(arg);
    if (prefix === undefined) return this.invalidArguments();
    const names = bases ? this.ctx.snapshot.baseNames : this.ctx.snapshot.packageNames;
    return `[${encodeString(prefix)},${jsonListOf(names, lookup.suggest(names, prefix)).toString("latin1")}]`;
  }

  /**
   * Where PHP died (an array where a string was expected, an argument its connection
   * refused: see legacyQueryText), the error the legacy RPC gave for bad arguments.
   */
  private invalidArguments(): string {
    this.failed = true;
    return errorBody(this.version, INVALID_ARGUMENTS);
  }

  /** process_query(): rows up to the limit, v1's one row per license, the v1/v2 single info object. */
  private processQuery(type: string, packages: readonly Package[]): Body {
    const { encoder, maxResults } = this.ctx;
    const info = type === "info" || type === "multiinfo";
    // v1 and v2 `info` keep only the first row the query returned.
    const single = this.version < 3 && type === "info";
    const cap = single ? 1 : maxResults;
    // Every package is at least one row (v1 has one per license), so as many packages as
    // the limit make the error before any row is encoded.
    if (!single && packages.length >= maxResults) return errorBody(this.version, TOO_MANY);
    const rows: string[] = [];
    for (const pkg of packages) {
      if (this.version === 1) {
        // v1 joined PackageLicenses: one row per license, or one with a null license.
        for (const license of pkg.licenses.length > 0 ? pkg.licenses : [null]) {
          if (rows.length >= cap) break;
          rows.push(encoder.row(this.ctx.snapshot, pkg, 1, info, license));
        }
      } else {
        rows.push(encoder.row(this.ctx.snapshot, pkg, this.version, info));
      }
      if (rows.length >= cap) break;
    }
    if (rows.length === maxResults) return errorBody(this.version, TOO_MANY);
    return results(this.version, type, rows, single);
  }
}
