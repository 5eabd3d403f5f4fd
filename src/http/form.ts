/**
 * Request bodies of the RPC routes that accept POST: URL-encoded forms, parsed exactly
 * like a query string (PHP's $_POST used the same rules), and JSON for the path-style
 * endpoints. PHP never answered a POST, so none of its limits apply: every field of a form
 * is read (no max_input_vars cut), and the body is bounded by its size instead.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { BodyError, readBody } from "./read-body.js";
import { requestHeader } from "./request-target.js";
import { parseQueryString, type PhpArray } from "../php/query-string.js";

/**
 * The largest body read. 5,000 package names, the most aurutils sends in one request,
 * take about an eighth of it with every byte but letters and digits percent-encoded.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

function mediaType(c: Context): string {
  return (requestHeader(c, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

const FORM = "application/x-www-form-urlencoded";

/** A URL-encoded body as PHP-style bytes (one char per byte), or null when the body is not a form. */
export async function readFormText(c: Context<AppEnv>): Promise<string | null> {
  if (mediaType(c) !== FORM) return null;
  return (await readBody(c, MAX_BODY_BYTES)).toString("latin1");
}

/** What a path-style POST sent: a JSON value, the fields of a form, or nothing the RPC reads. */
export type PostBody = { json: unknown } | { form: PhpArray } | null;

/**
 * The body of a path-style POST. A JSON object is read as JSON whatever its Content-Type:
 * today's aurweb reads these bodies as JSON without looking at the type, and `curl -d`
 * sends JSON as a form. Other bodies are read as a form when sent as one.
 */
export async function readPostBody(c: Context<AppEnv>): Promise<PostBody> {
  const type = mediaType(c);
  const bytes = await readBody(c, MAX_BODY_BYTES);
  const latin1 = bytes.toString("latin1");
  if (type === "application/json" || /^\s*\{/.test(latin1)) {
    try {
      return { json: JSON.parse(bytes.toString("utf8")) as unknown };
    } catch {
      throw new BodyError(400, "The request body is not valid JSON.");
    }
  }
  return type === FORM ? { form: parseQueryString(latin1, Infinity) } : null;
}
