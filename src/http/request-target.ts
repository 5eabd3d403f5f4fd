/**
 * The request as it came off the wire. The legacy answers depend on the exact bytes of
 * the query string (PHP parsed them itself), so it is read from Node's raw request line,
 * not from a URL object that would re-encode it.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

export interface NodeBindings {
  incoming?: IncomingMessage;
}

export interface RequestTarget {
  /** Path and query exactly as sent, bytes as latin1 characters. */
  uri: string;
  path: string;
  /** Without the `?`; empty when there is none. */
  query: string;
  /** The TCP peer, or null when the app runs in-process (tests). */
  peer: string | null;
}

/** Logging, routing and the rate limit each ask; the answer is worked out once per request. */
const targets = new WeakMap<Request, RequestTarget>();

export function requestTarget(c: Context): RequestTarget {
  let target = targets.get(c.req.raw);
  if (!target) targets.set(c.req.raw, (target = readTarget(c)));
  return target;
}

function readTarget(c: Context): RequestTarget {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  let uri: string;
  if (incoming?.url !== undefined) {
    uri = incoming.url;
  } else {
    const url = new URL(c.req.url);
    uri = url.pathname + url.search;
  }
  const q = uri.indexOf("?");
  return {
    uri,
    path: q === -1 ? uri : uri.slice(0, q),
    query: q === -1 ? "" : uri.slice(q + 1),
    peer: incoming?.socket?.remoteAddress ?? null,
  };
}

/**
 * A request header, read from Node's already parsed headers when the app runs behind the
 * Node adapter: asking the Fetch Request would build a Headers object on every request.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
