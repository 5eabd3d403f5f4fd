/**
 * The legacy RPC's response envelopes and headers. Errors are shaped per version: before
 * v3 the message sat in `results`, from v3 on in `error` beside an empty `results`.
 */
import { hash } from "node:crypto";
import { encodeString } from "../php/json.js";

/** An answer body: pure ASCII either way (json_encode escapes everything else). */
export type Body = string | Buffer;

export interface RpcResponse {
  status: number;
  /**
   * Names as the legacy site spelled them; insertion order is the legacy order. A fresh
   * object per answer, never shared: the route adds the request id to it.
   */
  headers: Record<string, string>;
  body: Body;
}

/**
 * json_results() around already encoded rows: a list, or (v1/v2 info) a single object.
 * The answer is written into one Buffer, since rows are ASCII one byte per character:
 * hashed and sent as it is, where a string answer would be encoded to bytes twice, once
 * for the ETag and once for the socket, which costs large answers dearly. One write per
 * row, the commas between them set as bytes, halves the writes of a write per comma.
 */
export function results(version: number | bigint, type: string, rows: readonly string[], single: boolean): Buffer {
  const head = `{"version":${version},"type":${encodeString(type)},"resultcount":${rows.length},"results":`;
  if (single) return Buffer.from(`${head}${rows[0] ?? "[]"}}`, "latin1");

  let length = head.length + "[]}".length + Math.max(rows.length - 1, 0);
  for (const row of rows) length += row.length;
  const body = Buffer.allocUnsafe(length);
  let offset = body.write(head, 0, "latin1");
  body[offset++] = OPEN_BRACKET;
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) body[offset++] = COMMA;
    offset += body.write(rows[i]!, offset, "latin1");
  }
  body[offset++] = CLOSE_BRACKET;
  body[offset] = CLOSE_BRACE;
  return body;
}

const OPEN_BRACKET = "[".charCodeAt(0);
const CLOSE_BRACKET = "]".charCodeAt(0);
const CLOSE_BRACE = "}".charCodeAt(0);
const COMMA = ",".charCodeAt(0);

export function errorBody(version: number | bigint, message: string): string {
  return version < 3
    ? `{"version":${version},"type":"error","resultcount":0,"results":${encodeString(message)}}`
    : `{"version":${version},"type":"error","resultcount":0,"results":[],"error":${encodeString(message)}}`;
}

const EXPIRES = "Tue, 11 Oct 1988 22:00:00 GMT";

/** Headers of every answer from the RPC handler (aurweb sets Expires and X-Frame-Options globally). */
export function rpcHeaders(contentType: string | null, etag: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers["Content-Type"] = contentType;
  headers.Expires = EXPIRES;
  headers["X-Frame-Options"] = "DENY";
  headers["Cache-Control"] = "public, must-revalidate, max-age=0";
  if (etag !== null) headers.ETag = `"${etag}"`;
  return headers;
}

/** Headers of the legacy site's HTML pages (its 404 page, the method refusal, the docs). */
export function pageHeaders(): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-cache, must-revalidate",
    Expires: EXPIRES,
    Pragma: "no-cache",
    "X-Frame-Options": "DENY",
  };
}

export const JSON_TYPE = "application/json";
/** The OpenSearch suggestions' media type, as the service that added them sends it. */
export const OPENSEARCH_TYPE = "application/x-suggestions+json";
/** What php-fpm behind nginx sent for `header('content-type: text/javascript')`. */
export const JSONP_TYPE = "text/javascript;charset=UTF-8";

export function md5(body: Body): string {
  return hash("md5", body, "hex");
}

/** PHP's trim($header, "\t\n\r\" ") before comparing with the ETag. */
export function trimIfNoneMatch(header: string): string {
  return header.replace(/^[\t\n\r" ]+|[\t\n\r" ]+$/g, "");
}
