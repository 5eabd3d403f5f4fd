import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  url: string;
  /** Every request the server got, in arrival order. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on a random 127.0.0.1 port, answering with `handler`. */
export async function startServer(handler: (request: ReceivedRequest) => Reply): Promise<TestServer> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(request);
      const reply = handler(request);
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The ways a variant of the fake RPC departs from the baseline; each changes exactly one thing. */
export type Variant = "same" | "status" | "header" | "body-shape" | "value" | "row-order" | "encoding";

/**
 * A small deterministic stand-in for the RPC: two results derived from `arg`, JSON escaped
 * the way PHP's json_encode does, JSONP for `callback`, and 304 for a matching If-None-Match.
 * The ETag hashes the request target rather than the body so that the `encoding` variant,
 * whose bytes differ, still differs in nothing else.
 */
export function fakeRpc(variant: Variant): (request: ReceivedRequest) => Reply {
  return (request) => {
    const query = new URLSearchParams(request.url.split("?")[1] ?? "");
    const arg = query.get("arg") ?? "none";
    const etag = `"${createHash("md5").update(request.url).digest("hex")}"`;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      expires: "Tue, 11 Oct 1988 22:00:00 GMT",
      "x-frame-options": "DENY",
      "cache-control": variant === "header" ? "no-cache" : "public, must-revalidate, max-age=0",
      etag,
    };
    if (request.headers["if-none-match"] === etag) {
      delete headers["content-type"];
      return { status: 304, headers, body: "" };
    }
    const votes = (n: number) => (variant === "body-shape" ? String(n) : variant === "value" ? n + 1 : n);
    const results = [
      { Name: `${arg}-one`, NumVotes: votes(3), URL: `https://example.org/${arg}`, Description: "Café" },
      { Name: `${arg}-two`, NumVotes: votes(1), URL: null, Description: "Thé" },
    ];
    if (variant === "row-order") results.reverse();
    const value = { version: 5, type: "search", resultcount: results.length, results };
    let body = variant === "encoding" ? JSON.stringify(value) : phpJson(value);
    const callback = query.get("callback");
    if (callback) {
      headers["content-type"] = "text/javascript;charset=UTF-8";
      body = `/**/${callback}(${body})`;
    }
    return { status: variant === "status" ? 404 : 200, headers, body };
  };
}

/** JSON as PHP's json_encode writes it by default: `/` as `\/`, non-ASCII as `\uXXXX`. */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, "\\/")
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
