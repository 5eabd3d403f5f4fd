/**
 * Request bodies of the RPC routes that accept POST: URL-encoded forms, parsed exactly
 * like a query string (PHP's $_POST used the same rules), and JSON for the path-style
 * endpoints.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { requestHeader } from "../http/request-target.js";
import { waitWithinDeadline } from "../http/timeout.js";
import { parseQueryString, type PhpArray } from "../php/query-string.js";

/** Bodies larger than this are not read: no RPC request needs more. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyError extends Error {}

async function readBytes(c: Context<AppEnv>): Promise<Buffer> {
  const declared = Number(requestHeader(c, "content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new BodyError("Request body too large.");
  // A client may send its body as slowly as it likes.
  const body = Buffer.from(await waitWithinDeadline(c, c.req.arrayBuffer()));
  if (body.length > MAX_BODY_BYTES) throw new BodyError("Request body too large.");
  return body;
}

function mediaType(c: Context): string {
  return (requestHeader(c, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

const FORM = "application/x-www-form-urlencoded";

/** The form fields of a URL-encoded body, or null when the body is not a form. */
export async function readForm(c: Context<AppEnv>): Promise<PhpArray | null> {
  if (mediaType(c) !== FORM) return null;
  return parseQueryString((await readBytes(c)).toString("latin1"));
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
  const bytes = await readBytes(c);
  const latin1 = bytes.toString("latin1");
  if (type === "application/json" || /^\s*\{/.test(latin1)) {
    try {
      return { json: JSON.parse(bytes.toString("utf8")) as unknown };
    } catch {
      throw new BodyError("The request body is not valid JSON.");
    }
  }
  return type === FORM ? { form: parseQueryString(latin1) } : null;
}
