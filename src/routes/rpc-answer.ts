/**
 * The common tail of every RPC route: wait for the read model, work out the client's
 * address for the rate limit, answer with the profile chosen at start (rpc/profile.ts),
 * send the bytes. What may wait on the database (the first snapshot, the rate limit, a
 * plan probe) is held to the request's deadline.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { peerAddress, requestHeader } from "../http/request-target.js";
import { waitWithinDeadline } from "../http/timeout.js";
import { andThen, type MaybePromise } from "../maybe-promise.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import { clientAddress } from "../http/client-address.js";
import { unavailableReason } from "../db/trouble.js";
import { LEGACY_TYPES, type RpcParams } from "../rpc/params.js";
import type { RpcResponse } from "../rpc/respond.js";
import type { BodyError } from "../http/read-body.js";

/** Before the first snapshot exists, how long a request may wait for it before a 503. */
const FIRST_SNAPSHOT_WAIT_MS = 2500;

/**
 * `phpRules`: PHP answered requests of this shape (a GET of rpc.php) and the profile keeps
 * its rules. Synchronous whenever nothing has to be waited for: see maybe-promise.ts.
 */
export function answerRpc(c: Context<AppEnv>, params: RpcParams, phpRules = false): MaybePromise<Response> {
  const deps = c.env.deps;
  const type = params.values.get("type");
  c.env.rpcType = typeof type === "string" && KNOWN_TYPES.has(type) ? type : "other";
  const snapshot = deps.readModel.current();
  if (snapshot) return answerFrom(c, params, snapshot, phpRules);
  return waitWithinDeadline(c, deps.readModel.ready(FIRST_SNAPSHOT_WAIT_MS)).then((first) =>
    first
      ? answerFrom(c, params, first, phpRules)
      : send(c, deps.profile.unavailable(params, unavailableReason(deps.readModel.trouble?.kind))),
  );
}

function answerFrom(c: Context<AppEnv>, params: RpcParams, snapshot: Snapshot, phpRules: boolean): MaybePromise<Response> {
  const deps = c.env.deps;
  // The client's address is worked out only when the limit asks for it: not at all
  // for an early error, nor when the limit is off.
  const rateLimited = () => {
    if (!deps.rateLimiter.enabled) return false;
    const address = clientAddress(
      peerAddress(c) ?? "127.0.0.1",
      { realIp: requestHeader(c, "x-real-ip"), forwardedFor: requestHeader(c, "x-forwarded-for") },
      deps.config.TRUSTED_PROXIES,
    );
    const limited = deps.rateLimiter.isLimited(address);
    return typeof limited === "boolean" ? limited : waitWithinDeadline(c, limited);
  };
  const response = deps.profile.answer(params, {
    snapshot,
    phpRules,
    rateLimited,
    ifNoneMatch: requestHeader(c, "if-none-match"),
    dependencyOrder: (type, name) => waitWithinDeadline(c, deps.readModel.dependencyOrder(snapshot, type, name)),
  });
  return andThen(response, (made) => send(c, made));
}

const KNOWN_TYPES = new Set<string>(LEGACY_TYPES);

/**
 * A Response with a string or byte body and plain-object headers: the form the Node
 * adapter writes straight to the socket without building a Headers object.
 */
export function send(c: Context<AppEnv>, response: RpcResponse): Response {
  const body = response.status === 304 ? null : response.body;
  response.headers["X-Request-Id"] = c.env.requestId;
  c.env.requestIdSent = true;
  return new Response(body as BodyInit | null, { status: response.status, headers: response.headers });
}

/** A JSON error in the profile's shape, for a request refused before the RPC read its parameters. */
export function refuse(c: Context<AppEnv>, status: number, message: string, headers: Record<string, string> = {}): Response {
  return send(c, { status, headers: { "Content-Type": "application/json", ...headers }, body: c.env.deps.profile.refusalBody(message) });
}

/**
 * The answer to a body that was not read whole. Past its size bound or its deadline the
 * connection is closed after the answer, so that no more of the body is read.
 */
export function bodyRefused(c: Context<AppEnv>, error: BodyError): Response {
  return refuse(c, error.status, error.message, error.status === 400 ? {} : { Connection: "close" });
}
