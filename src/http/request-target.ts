/**
 * The request as it came off the wire. The legacy answers depend on the exact bytes of
 * the query string (PHP parsed them itself), so it is read from Node's raw request line,
 * not from a URL object that would re-encode it.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { AppEnv, RequestTarget } from "../app-env.js";


/** Read once per request by the observing wrapper, which puts it in the request's bindings. */
export function readTarget(request: Request, incoming: IncomingMessage | undefined): RequestTarget {
  let uri: string;
  if (incoming?.url !== undefined) {
    uri = incoming.url;
  } else {
    const url = new URL(request.url);
    uri = url.pathname + url.search;
  }
  // A client should never send a fragment, but some do; nginx ends the path and the
  // query at the first `#`, so the PHP behind it never saw what follows.
  const hash = uri.indexOf("#");
  const target = hash === -1 ? uri : uri.slice(0, hash);
  const q = target.indexOf("?");
  return {
    uri,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? "" : target.slice(q + 1),
  };
}

/** The TCP peer, or null when the app runs in process (tests); only the rate limit asks. */
export function peerAddress(c: Context<AppEnv>): string | null {
  return c.env.incoming?.socket?.remoteAddress ?? null;
}

/** The request headers the service reads. */
export type HeaderName = "x-request-id" | "x-real-ip" | "x-forwarded-for" | "if-none-match" | "content-length" | "content-type";

/** Headers of which Node keeps the first occurrence; it joins the others' with ", ". */
const FIRST_WINS = new Set<HeaderName>(["content-length", "content-type"]);

/** A request header of the request `c` answers (see headerOf). */
export function requestHeader(c: Context<AppEnv>, name: HeaderName): string | undefined {
  return headerOf(c.req.raw, c.env.incoming, name);
}

/**
 * A request header as Node's `incoming.headers` would give it, read from the raw header
 * list when the app runs behind the Node adapter: `incoming.headers` is built on first
 * use, and so is the Fetch Request's Headers object, each costing more than reading the
 * few headers an answer depends on.
 */
export function headerOf(request: Request, incoming: IncomingMessage | undefined, name: HeaderName): string | undefined {
  if (!incoming) return request.headers.get(name) ?? undefined;
  const raw = incoming.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    if (value === undefined) value = raw[i + 1]!;
    else if (FIRST_WINS.has(name)) break;
    else value += `, ${raw[i + 1]!}`;
  }
  return value;
}
