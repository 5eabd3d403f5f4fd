/**
 * The path-style endpoints today's clients use (aurutils, auracle: `/rpc/v5/info/{name}`,
 * `POST /rpc/v5/info` with a form or JSON body, `/rpc/v5/search/{arg}?by=`...). Each is
 * turned into the equivalent legacy parameters and answered by the same code, so
 * `/rpc/v5/info/foo` and `/rpc/?v=5&type=info&arg[]=foo` can never disagree.
 */
import { Hono, type Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../app-env.js";
import { BodyError } from "../http/read-body.js";
import { parseQueryString, PhpArray, urlDecode } from "../php/query-string.js";
import { readPostBody } from "../http/form.js";
import { OPENSEARCH_TYPES, paramsFrom } from "../rpc/params.js";
import { infoBody, searchBody } from "../rpc/schemas.js";
import { answerRpc, bodyRefused, refuse } from "./rpc-answer.js";

const VERSION = ":version{v[0-9]+}";
const SUGGEST_TYPES = ["suggest", "suggest-pkgbase", ...OPENSEARCH_TYPES];

/** A path segment as PHP-style bytes (percent escapes decoded; `+` stays a plus). */
function pathArgument(c: Context, index: number): string {
  const segment = c.env.target.path.split("/").filter(Boolean)[index] ?? "";
  return urlDecode(segment.replace(/\+/g, "%2B"));
}

/** PHP never answered these paths: every parameter is read, none cut at max_input_vars. */
function baseValues(c: Context, type: string): PhpArray {
  const values = parseQueryString(c.env.target.query, Infinity);
  values.set("v", c.req.param("version")!.slice(1));
  values.set("type", type);
  return values;
}

function list(items: string[]): PhpArray {
  const array = new PhpArray();
  for (const item of items) array.push(item);
  return array;
}

/** UTF-8 text from a JSON body as the PHP-style bytes the rest of the pipeline reads. */
function bytes(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

/** A field of the wrong type: aurweb's message for it (see schemas.ts); the issues otherwise. */
function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (first?.code === "invalid_type" && first.path.length === 1) return first.message;
  return `Invalid request body: ${error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`;
}

/**
 * Reads a POST body (JSON, or a form) into the request's parameters. A field the body
 * leaves out is missing as it would be from a query string, and gets the same answer.
 */
async function readBody<T extends z.ZodType>(
  c: Context<AppEnv>,
  values: PhpArray,
  schema: T,
  apply: (body: z.infer<T>) => void,
): Promise<Response | null> {
  try {
    const body = await readPostBody(c);
    if (body === null) return refuse(c, 400, "Send the parameters as a form (application/x-www-form-urlencoded) or as JSON.");
    if ("form" in body) {
      for (const [key, value] of body.form.entries) if (key !== "v" && key !== "type") values.set(key, value);
      return null;
    }
    const parsed = schema.safeParse(body.json);
    if (!parsed.success) return refuse(c, 400, describeIssues(parsed.error));
    apply(parsed.data);
    return null;
  } catch (error) {
    if (error instanceof BodyError) return bodyRefused(c, error);
    throw error;
  }
}

export function rpcV5Routes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get(`/rpc/${VERSION}/info/:arg`, (c) => {
    const values = baseValues(c, "info");
    values.set("arg", list([pathArgument(c, 3)]));
    return answerRpc(c, paramsFrom(values));
  });

  app.post(`/rpc/${VERSION}/info`, async (c) => {
    const values = baseValues(c, "info");
    const refused = await readBody(c, values, infoBody, (body) => {
      if (body.arg !== undefined) values.set("arg", list(body.arg.map(bytes)));
    });
    return refused ?? answerRpc(c, paramsFrom(values));
  });

  app.get(`/rpc/${VERSION}/search/:arg`, (c) => {
    const values = baseValues(c, "search");
    values.set("arg", pathArgument(c, 3));
    return answerRpc(c, paramsFrom(values));
  });

  app.post(`/rpc/${VERSION}/search`, async (c) => {
    const values = baseValues(c, "search");
    const refused = await readBody(c, values, searchBody, (body) => {
      if (body.arg !== undefined) values.set("arg", bytes(body.arg));
      if (body.by !== undefined) values.set("by", bytes(body.by));
    });
    return refused ?? answerRpc(c, paramsFrom(values));
  });

  for (const type of SUGGEST_TYPES) {
    app.get(`/rpc/${VERSION}/${type}/:arg`, (c) => {
      const values = baseValues(c, type);
      values.set("arg", pathArgument(c, 3));
      return answerRpc(c, paramsFrom(values));
    });
  }

  // `GET /rpc/v5/info?arg[]=...`, `/rpc/v5/search?arg=...&by=...`, `/rpc/v5/suggest?arg=...`
  for (const type of ["info", "search", ...SUGGEST_TYPES]) {
    app.get(`/rpc/${VERSION}/${type}`, (c) => answerRpc(c, paramsFrom(baseValues(c, type))));
  }

  return app;
}
