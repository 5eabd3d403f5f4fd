/**
 * The RPC profile (RPC_PROFILE), chosen once at start: everything in which answers like
 * aurweb 5.0.0's PHP (rpc/legacy.ts) and answers like today's aurweb (rpc/current.ts)
 * differ, behind one interface, so that a route asks its profile and never the
 * configuration.
 */
import type { MaybePromise } from "../maybe-promise.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import type { DependencyOrder, UnpackagedBases } from "../readmodel/types.js";
import type { RpcParams } from "./params.js";
import type { RpcResponse } from "./respond.js";

/** What one request brings to its answer besides its parameters. */
export interface AnswerContext {
  snapshot: Snapshot;
  /** PHP answered requests of this shape and the profile keeps its rules (`keepsPhpRules`). */
  phpRules: boolean;
  /** True when the client is over its limit (the hit is counted either way). */
  rateLimited: () => MaybePromise<boolean>;
  /** The plan-dependent row order of a dependency search (see readmodel/plan.ts). */
  dependencyOrder: (type: string, name: string) => MaybePromise<DependencyOrder>;
  ifNoneMatch: string | undefined;
}

export interface RpcProfile {
  /**
   * Whether a request PHP answered (a GET of rpc.php) keeps PHP's rules: its
   * max_input_vars cut of the query string, and its result limit.
   */
  readonly keepsPhpRules: boolean;
  /** Whether the packages of a base without a packager exist for this profile's answers. */
  readonly unpackagedBases: UnpackagedBases;
  /** Whether rpc.php shows its documentation page for these parameters (`posted`: in a POST) instead of answering. */
  showsDocs(params: RpcParams, posted: boolean): boolean;
  /** The answer; synchronous whenever nothing has to be waited for (maybe-promise.ts). */
  answer(params: RpcParams, ctx: AnswerContext): MaybePromise<RpcResponse>;
  /** The JSON body of a request refused before its parameters were read (a bad body, say). */
  refusalBody(message: string): string;
  /** The 503 while there is no package data; `reason` says what is wrong with the database. */
  unavailable(params: RpcParams, reason: string): RpcResponse;
}
