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

/** The form fields of a URL-encoded body, or null when the body is not a form. */
export async function readForm(c: Context<AppEnv>): Promise<PhpArray | null> {
  if (mediaType(c) !== "application/x-www-form-urlencoded") return null;
  return parseQueryString((await readBytes(c)).toString("latin1"));
}

/** A JSON body, or undefined when the request did not send JSON. */
export async function readJson(c: Context<AppEnv>): Promise<unknown> {
  if (mediaType(c) !== "application/json") return undefined;
  const text = (await readBytes(c)).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError("The request body is not valid JSON.");
  }
}
